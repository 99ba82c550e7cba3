"""The `search` command: parses arguments, calls the library, formats its answers.

Exit codes follow grep: 0 found, 1 nothing found, 2 error (one `error: …` line on stderr).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from index import (
    BuildReport,
    IndexDir,
    SnapsearchError,
    build,
    default_root,
    sample_path,
)
from index.build import DEFAULT_LOCK_WAIT
from index.parse import DEFAULT_MAX_BYTES
from index.watch import DEFAULT_SETTLE

from .engine import KINDS, Backend, Results, WhooshEngine, label, snippet

if TYPE_CHECKING:
    from .ask import Answer

__all__ = ["cli", "main"]

FOUND, NOT_FOUND, ERROR = 0, 1, 2


class _Group(click.Group):
    """The top-level group: every failure becomes one `error:` line and exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
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


def _fail(message: str, code: int = 2) -> int:
    _error(message)
    return code


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
    with _progress_bar() as progress:
        report = build(
            index_dir,
            list(paths),
            rebuild=rebuild,
            max_bytes=int(max_size * 1e6),
            lock_wait=wait,
            progress=progress,
        )
    for path, reason in report.failed:
        _error(f"{path}: {reason}")
    if as_json:
        _print_json(report.to_json())
    else:
        click.echo(_summary(report, index_dir))
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
    if as_json:
        _print_json(
            {
                "index": str(index_dir.root),
                "documents": documents,
                "snapshots": [vars(s) for s in snapshots],
            }
        )
    elif not snapshots:
        click.echo(f"No index at {index_dir.root} yet; build one with `search index build PATH…`.")
    else:
        _print_status(index_dir, snapshots, documents)
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
    _emit(results, as_json, _print_results)
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
    _emit(reply, as_json, _print_answer)
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
        watch(index_dir, folder, log=lambda line: click.echo(line), settle=settle)
    except KeyboardInterrupt:
        _note("stopped")
    return FOUND


@cli.command("history")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def history_command(index_dir: IndexDir, code: str, as_json: bool) -> int:
    """A rate (GBP) or stock index (AEX) in every snapshot, oldest first."""
    from ._render import print_history
    from .timeline import history

    series = history(open_engine(index_dir), code)
    _emit(series, as_json, print_history)
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
    from ._render import print_diff
    from .timeline import diff

    changes = diff(open_engine(index_dir), old, new, top=top)
    _emit(changes, as_json, print_diff)
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
        _note(f"No index at {index_dir.root} yet: indexing the bundled sample {sample.name} first.")
        report = build(index_dir, [sample])
        for path, reason in report.failed:
            raise SnapsearchError(f"{path}: {reason}")
    engine = WhooshEngine(index_dir)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.close)  # without mmap its readers hold files open
    return engine


# ----------------------------------------------------------------------------- output


def _console(stderr: bool = False) -> Any:
    from rich.console import Console  # rich costs ~40 ms to import: only when printing

    if sys.stdout.isatty():
        return Console(stderr=stderr, highlight=False)
    # Piped: one record per line for grep and friends, however long (tables too).
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=10_000)


def _print_results(results: Results) -> None:
    from rich.text import Text

    console = _console()
    for hit in results.hits:
        head = Text()
        head.append(hit.snapshot, style="bold")
        head.append(f"  {hit.date}  ", style="dim")
        head.append(label(hit.kind, hit.paragraph, hit.code, hit.name), style="bold cyan")
        if len(hit.dates) > 1:
            others = [d for d in hit.dates if d != hit.date]
            head.append(f"  also on {', '.join(others)}", style="dim")
        console.print(head)
        shown, spans = snippet(hit.text, hit.highlights)
        body = Text("    " + shown)  # Text() never parses markup: news text has `[`
        for start, end in spans:
            body.stylize("bold reverse", start + 4, end + 4)
        console.print(body)
    listed = len(results.hits)
    count = f"{listed} hit{'s' * (listed != 1)}"
    if results.total > listed:
        count += f" of {results.total} matching documents"
    typo = " (one typo forgiven)" if results.fuzzy else ""
    _note(f"{count} for {results.query!r}{typo}")


def _print_answer(reply: Answer) -> None:
    from rich.text import Text

    console = _console()
    body = Text(reply.answer)  # Text() never parses markup: news text has `[`
    for start, end in reply.highlights:
        body.stylize("bold reverse", start, end)
    console.print(body)
    if reply.citations:
        console.print()
    if reply.citations and not reply.answerable:
        leads = "Paragraphes les plus proches :" if reply.lang == "fr" else "Closest paragraphs:"
        console.print(leads, style="dim")
    for number, hit in enumerate(reply.citations, 1):
        line = Text(f"[{number}] ")
        line.append(hit.snapshot, style="bold")
        line.append(f" {hit.date} ", style="dim")
        line.append(label(hit.kind, hit.paragraph, hit.code, hit.name), style="bold cyan")
        console.print(line)
        if not reply.answerable:
            shown, _ = snippet(hit.text, hit.highlights, width=160)
            console.print(Text("    " + shown), style="dim")
    _note(f"confidence {reply.confidence:.2f}")


def _print_status(index_dir: IndexDir, snapshots: list[Any], documents: int) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold")
    for column in ("snapshot", "date", "documents", "sha256"):
        table.add_column(column, justify="right" if column == "documents" else "left", no_wrap=True)
    table.add_column("headline", overflow="fold")
    for s in snapshots:
        # Text, not str: a plain string cell is parsed as rich markup, and headlines have `[`.
        table.add_row(Text(s.id), s.date, str(s.documents), s.sha256[:12], Text(s.headline))
    console = _console()
    console.print(table)
    plural = "s" * (len(snapshots) != 1)
    console.print(f"{len(snapshots)} snapshot{plural}, {documents} documents in {index_dir.root}")


def _summary(report: BuildReport, index_dir: IndexDir) -> str:
    parts = [
        f"{len(report.added)} added",
        f"{len(report.updated)} updated",
        f"{len(report.unchanged)} unchanged",
        f"{len(report.failed)} failed",
    ]
    return f"{', '.join(parts)}; {report.documents} documents in {index_dir.root}"


class _progress_bar:
    """A rich progress bar on a terminal once a build has many files; silent otherwise."""

    MIN_FILES = 20

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        return self._advance if sys.stderr.isatty() else None

    def _advance(self, done: int, total: int) -> None:
        if total < self.MIN_FILES:
            return
        if self._bar is None:
            from rich.progress import Progress

            self._bar = Progress(console=_console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("indexing", total=total)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _emit(result: Any, as_json: bool, show: Callable[[Any], None]) -> None:
    """`result` as one JSON document on stdout, or shown for a person."""
    if as_json:
        _print_json(result.to_json())
    else:
        show(result)


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _note(message: str) -> None:
    click.echo(message, err=True)


def _error(message: str) -> None:
    click.echo(f"error: {message}", err=True)


# ------------------------------------------------------------------------ entry point


def main() -> NoReturn:
    """The `search` console script."""
    cli.main(prog_name="search")
