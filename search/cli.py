"""The `search` command: parses arguments, calls the library, formats its answers.

Exit codes follow grep: 0 found, 1 nothing found, 2 error (one `error: …` line on stderr).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from index import (
    IndexDir,
    SnapsearchError,
    build,
    build_sample_if_absent,
    default_root,
    sample_path,
)
from index.build import DEFAULT_LOCK_WAIT
from index.parse import DEFAULT_MAX_BYTES
from index.watch import DEFAULT_SETTLE

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
from .engine import KINDS, Backend, WhooshEngine

if TYPE_CHECKING:
    pass

__all__ = ["cli", "main"]

FOUND, NOT_FOUND, ERROR = 0, 1, 2


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
        except SnapsearchError as exc:
            code = _fail(str(exc))
        except (click.Abort, KeyboardInterrupt):
            code = _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`search query … | head`): nothing more to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = FOUND
        except Exception as exc:
            if os.environ.get("SNAPSEARCH_DEBUG"):
                raise
            code = _fail(f"unexpected {type(exc).__name__}: {exc} (rerun with SNAPSEARCH_DEBUG=1)")
        sys.exit(code if isinstance(code, int) else FOUND)


class _Fail:
    """Report a failure: the `error:` line, and `{"error": …}` on stdout under --json."""

    as_json = False

    def __call__(self, message: str, code: int = 2) -> int:
        error(message)
        if self.as_json:
            print_json({"error": message})
        return code


_fail = _Fail()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index",
    "index_path",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SEARCH_INDEX",
    help="Index folder [env SEARCH_INDEX; default: the user data folder].",
)
@click.version_option(package_name="snapsearch")
@click.pass_context
def cli(ctx: click.Context, index_path: Path | None) -> None:
    """Search and question snapshots of a news page, offline."""
    # A command reads a few blocks and exits: copying whole segments at open costs more.
    ctx.obj = IndexDir(index_path or default_root(), mmap=False)


@cli.group("index")
def index_group() -> None:
    """Build and inspect the index."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Replace the whole index with these snapshots.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MAX_BYTES / 1e6,
    show_default=True,
    help="Refuse snapshot files larger than this many MB.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=DEFAULT_LOCK_WAIT,
    show_default=True,
    help="Seconds to wait for another build to finish.",
)
@click.pass_obj
def build_command(
    index_dir: IndexDir,
    paths: tuple[Path, ...],
    rebuild: bool,
    as_json: bool,
    max_size: float,
    wait: float,
) -> int:
    """Index snapshot files, or folders of them (*.txt); only new and changed ones are read."""
    with ProgressBar() as progress:
        report = build(
            index_dir,
            list(paths),
            rebuild=rebuild,
            max_bytes=int(max_size * 1e6),
            lock_wait=wait,
            progress=progress,
        )
    for path, reason in report.failed:
        error(f"{path}: {reason}")
    if as_json:
        print_json(report.to_json())
    else:
        say(summary(report, index_dir))
    return ERROR if report.failed else FOUND


@index_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def status_command(index_dir: IndexDir, as_json: bool) -> int:
    """List the snapshots in the index."""
    if index_dir.exists():
        engine = WhooshEngine(index_dir)
        try:
            snapshots, documents = engine.snapshots(), engine.document_count()
        finally:
            engine.close()
    else:
        snapshots, documents = [], 0
    reclaimable = index_dir.reclaimable_bytes() if index_dir.root.is_dir() else 0
    if as_json:
        print_json(
            {
                "index": str(index_dir.root),
                "documents": documents,
                "reclaimable_bytes": reclaimable,
                "snapshots": [vars(s) for s in snapshots],
            }
        )
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


@cli.command("query")
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--kind", type=click.Choice(KINDS), help="Only documents of this kind.")
@click.option("--snapshot", metavar="ID|latest", help="Only this snapshot.")
@click.pass_obj
def query_command(
    index_dir: IndexDir,
    text: tuple[str, ...],
    as_json: bool,
    limit: int,
    kind: str | None,
    snapshot: str | None,
) -> int:
    """Find TEXT: every word must match; the last one may be the start of a word."""
    engine = open_engine(index_dir)
    results = engine.search(" ".join(text), limit=limit, kind=kind, snapshot=snapshot)
    emit(results, as_json, print_results)
    return FOUND if results.hits else NOT_FOUND


@cli.command("ask")
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--snapshot", metavar="ID|latest", help="Only this snapshot.")
@click.pass_obj
def ask_command(
    index_dir: IndexDir, question: tuple[str, ...], as_json: bool, snapshot: str | None
) -> int:
    """Answer QUESTION (French or English) with text from the snapshots, citing sources."""
    from .ask import answer  # Babel's data loads only for questions

    reply = answer(open_engine(index_dir), " ".join(question), snapshot=snapshot)
    emit(reply, as_json, print_answer)
    return FOUND if reply.answerable else NOT_FOUND


@index_group.command("watch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    default=DEFAULT_SETTLE,
    show_default=True,
    help="Seconds a file must stay unchanged before it is indexed.",
)
@click.pass_obj
def watch_command(index_dir: IndexDir, folder: Path, settle: float) -> int:
    """Index FOLDER, then every snapshot that appears or changes in it, until Ctrl+C."""
    from index.watch import watch  # watchfiles is only needed here

    try:
        watch(index_dir, folder, log=say, settle=settle)
    except KeyboardInterrupt:
        note("stopped")
    return FOUND


@cli.command("history")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def history_command(index_dir: IndexDir, code: str, as_json: bool) -> int:
    """A rate (GBP) or stock index (AEX) in every snapshot, oldest first."""
    from .timeline import history

    series = history(open_engine(index_dir), code)
    emit(series, as_json, print_history)
    return FOUND


@cli.command("diff")
@click.argument("old", required=False, metavar="[A]")
@click.argument("new", required=False, metavar="[B]")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def diff_command(
    index_dir: IndexDir, old: str | None, new: str | None, top: int, as_json: bool
) -> int:
    """What changed from snapshot A to B (default: the two newest); `latest` works too."""
    from .timeline import diff

    changes = diff(open_engine(index_dir), old, new, top=top)
    emit(changes, as_json, print_diff)
    return FOUND if changes.paragraphs or changes.rates or changes.quotes else NOT_FOUND


@cli.command("tui")
@click.pass_obj
def tui_command(index_dir: IndexDir) -> int:
    """Open the terminal UI: search as you type; Enter asks a question."""
    # Long-lived: segments copied into memory once at open, then read from there.
    index_dir = IndexDir(index_dir.root)
    engine = open_engine(index_dir)
    from tui import make_app  # Textual costs ~0.15 s to import: only for this command

    make_app(index_dir, engine).run()
    return FOUND


def open_engine(index_dir: IndexDir) -> Backend:
    """An engine on the index, indexing the bundled sample first when there is none."""
    if not index_dir.exists():
        sample = sample_path()
        note(f"No index at {index_dir.root} yet: indexing the bundled sample {sample.name} first.")
        # Under the writer lock, and only where no index and no build exist: a reader
        # that finds a first build running says so instead of writing the sample into it.
        report = build_sample_if_absent(index_dir, [sample])
        for path, reason in report.failed if report else ():
            raise SnapsearchError(f"{path}: {reason}")
    engine = WhooshEngine(index_dir)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.close)  # without mmap its readers hold files open
    return engine


# ----------------------------------------------------------------------------- output


# ------------------------------------------------------------------------ entry point


def main() -> NoReturn:
    """The `search` console script."""
    cli.main(prog_name="search")
