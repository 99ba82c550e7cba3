"""The snapsearch app: one input that searches as you type and asks on Enter."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.content import Content
from textual.events import Key, Resize
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from index import BuildReport, IndexDir, SnapsearchError, SnapshotInfo, build
from search.engine import Backend, Hit, Results, visible

from .chat import AnswerMessage, QuestionMessage
from .commands import PaletteCommand, SnapsearchCommands
from .render import hit_option, literal
from .screens import DocumentScreen, HelpScreen

if TYPE_CHECKING:
    from search.ask import Answer
    from search.timeline import Series

__all__ = ["SnapsearchApp"]

DEBOUNCE = 0.1  # seconds of quiet typing before a search runs
RESULT_LIMIT = 100  # rows in the results list; each costs a fetch and a highlight
REFRESH_EVERY = 2.0  # seconds between checks for a new index commit
NARROW = 110  # below this many columns the panes are stacked
ALL = "all"
SELECT_WIDTH = 26  # characters of an option that fit the snapshot selector (app.tcss)

T = TypeVar("T")


class SnapsearchApp(App[None]):
    """Search as you type over the index, and a chat pane of extractive answers."""

    TITLE = "snapsearch"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {SnapsearchCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+o", "open_source", "Open source"),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("ctrl+r", "reindex", "Re-index"),
        Binding("ctrl+g", "help", "Help"),
        Binding("escape", "focus_query", "Search box", show=False),
    ]

    def __init__(
        self, index_dir: IndexDir | None, engine: Backend, *, where: str | None = None
    ) -> None:
        super().__init__()
        self.index_dir = index_dir  # None: the index is elsewhere (a server, a database)
        self.where = where or (str(index_dir.root) if index_dir else "")
        self.engine = engine
        self.snapshot: str | None = None
        self.snapshot_infos: list[SnapshotInfo] = []
        self.hits: dict[str, Hit] = {}
        self.searches_run = 0  # searches that reached the index (the debounce skips others)
        self.latencies: list[float] = []  # seconds from a keystroke to its results on screen
        self._typed_at = 0.0
        self._text = ""
        self._engine_lock = threading.Lock()  # one Whoosh searcher, used from worker threads
        self._documents = 0
        self.quitting = False  # set by exit(): nothing is mounted into a closing screen

    # ----------------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Input(placeholder="Type to search · Enter asks", id="query")  # fits 80 columns
            yield Select[str]([("All snapshots", ALL)], id="snapshot", allow_blank=False)
        with Container(id="panes"):
            results = OptionList(id="results")
            results.border_title = "results"
            yield results
            chat = VerticalScroll(id="chat")
            chat.border_title = "questions"
            chat.can_focus = False
            yield chat
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._load_snapshots()
        self.query_one("#query", Input).focus()
        self.set_interval(REFRESH_EVERY, self.check_index)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quit; answers still on their way are dropped, not mounted into a closing app."""
        self.quitting = True
        super().exit(*args, **kwargs)

    def on_resize(self, event: Resize) -> None:
        self.screen.set_class(event.size.width < NARROW, "narrow")
        # The newest answer stays in view when the panes change size.
        self.call_after_refresh(self.query_one("#chat", VerticalScroll).scroll_end, animate=False)

    # ---------------------------------------------------------------------- search

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self._typed_at = time.perf_counter()
        self._text = event.value
        self._search(event.value)

    @work(exclusive=True, group="search")
    async def _search(self, text: str) -> None:
        # Exclusive: a new keystroke cancels this worker, so during fast typing only the
        # last text reaches the index, and a stale search never overwrites a newer one.
        await asyncio.sleep(DEBOUNCE)
        if not text.strip():
            self._show_results(None)
            return
        results = await self._in_thread(self._run_search, text)
        if results is not None:
            self._show_results(results)

    def _run_search(self, text: str) -> Results | None:
        if text != self._text:
            # Typed over while this search waited for the engine: its results would be
            # thrown away, so it does not run (slow searches must not queue up).
            return None
        self.searches_run += 1
        # A trailing space means the last word is finished: no prefix for it then.
        prefix = not text[-1:].isspace()
        return self.engine.search(
            text, limit=RESULT_LIMIT, snapshot=self.snapshot, prefix_last=prefix
        )

    def _show_results(self, results: Results | None) -> None:
        results_list = self.query_one("#results", OptionList)
        self.hits = {hit.id: hit for hit in results.hits} if results else {}
        width = max(40, results_list.size.width * 2)
        results_list.set_options(
            Option(hit_option(hit, width=width), id=hit.id) for hit in self.hits.values()
        )
        if results is None:
            results_list.border_title = "results"
        else:
            shown = len(results.hits)
            title = f"{shown} hit{'s' * (shown != 1)}" if shown else "no hits · Enter asks it"
            if results.total > shown:
                title += f" · {results.total} documents"
            if results.fuzzy:
                title += " · one typo forgiven"
            results_list.border_title = title
        self.latencies.append(time.perf_counter() - self._typed_at)

    @on(OptionList.OptionSelected, "#results")
    def _open_result(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits.get(event.option.id or "")
        if hit is not None:
            self.push_screen(DocumentScreen(hit, self._text, self))

    def on_key(self, event: Key) -> None:
        # Down from the search box goes to the results, as in a browser's address bar.
        query = self.query_one("#query", Input)
        if event.key == "down" and self.focused is query and self.hits:
            results = self.query_one("#results", OptionList)
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0
            event.stop()

    # ------------------------------------------------------------------------- ask

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question or self.quitting:
            return
        chat = self.query_one("#chat", VerticalScroll)
        chat.mount(QuestionMessage(question))
        chat.scroll_end(animate=False)
        event.input.value = ""  # sent, as in a chat; the question stays in the pane
        self._ask(question)

    @work(group="ask")
    async def _ask(self, question: str) -> None:
        reply = await self._in_thread(self._run_answer, question)
        if reply is None or self.quitting:  # the user quit while the answer was on its way
            return
        chat = self.query_one("#chat", VerticalScroll)
        await chat.mount(AnswerMessage(reply))
        chat.scroll_end(animate=False)

    def _run_answer(self, question: str) -> Answer:
        from search.ask import answer

        return answer(self.engine, question, snapshot=self.snapshot)

    @on(OptionList.OptionSelected, ".citations")
    def _open_citation(self, event: OptionList.OptionSelected) -> None:
        message = event.option_list.parent
        if isinstance(message, AnswerMessage) and event.option.id is not None:
            self._show_citation(message, int(event.option.id))
        event.stop()

    def action_open_source(self) -> None:
        """Open the main source of the newest answer (then ←/→ walk its neighbours)."""
        answers = [a for a in self.query(AnswerMessage) if a.answer.citations]
        if not answers:
            self.notify("No cited answer yet: ask a question with Enter.", severity="warning")
            return
        self._show_citation(answers[-1], 0)

    def _show_citation(self, message: AnswerMessage, number: int) -> None:
        hit = message.answer.citations[number]
        opened = self.document(hit.id, message.answer.question) or hit
        self.push_screen(DocumentScreen(opened, message.answer.question, self))

    def article(self, snapshot: str) -> list[Hit]:
        """Every paragraph of `snapshot`, in order."""
        with self._engine_lock:
            found = self.engine.documents(snapshot=snapshot, kind="paragraph")
        return sorted(found, key=lambda hit: hit.paragraph or 0)

    # -------------------------------------------------------------------- commands

    def document(self, doc_id: str, highlight: str) -> Hit | None:
        """One document by id, with the words of `highlight` marked."""
        with self._engine_lock:
            return self.engine.document(doc_id, highlight)

    def series(self, key: str) -> Series | None:
        """The history of a rate or index (`rate:GBP`, `quote:AEX`), or None if unknown."""
        from search.timeline import UnknownSeriesError, history

        with self._engine_lock:
            try:
                return history(self.engine, key)
            except UnknownSeriesError:
                return None

    def palette_commands(self) -> list[PaletteCommand]:
        """The palette's entries: one per snapshot, then re-index, copy and themes."""
        every = partial(self.use_snapshot, None)
        commands = [PaletteCommand("Search all snapshots", every, "Search every snapshot")]
        commands += [
            PaletteCommand(
                f"Search snapshot {info.id}",
                partial(self.use_snapshot, info.id),
                f"{info.date} · {info.headline}",
            )
            for info in reversed(self.snapshot_infos)
        ]
        return commands + [
            PaletteCommand(
                "Re-index snapshots", self.action_reindex, "Read new and changed snapshot files"
            ),
            PaletteCommand("Copy the last answer", self.action_copy_answer, "With its citations"),
            PaletteCommand(
                "Use the terminal's colours", partial(self.use_theme, "ansi-dark"), "ANSI theme"
            ),
            PaletteCommand(
                "Use the default colours", partial(self.use_theme, "textual-dark"), "Textual theme"
            ),
        ]

    def use_snapshot(self, snapshot: str | None) -> None:
        """Restrict searches and answers to one snapshot, or None for all."""
        self.query_one("#snapshot", Select).value = snapshot or ALL

    @on(Select.Changed, "#snapshot")
    def _snapshot_changed(self, event: Select.Changed) -> None:
        value = event.value
        snapshot = None if value in (ALL, Select.BLANK) else str(value)
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            self._update_status()
            self._search(self._text)

    def use_theme(self, theme: str) -> None:
        """Switch theme: `ansi-dark` keeps the terminal's own colours."""
        self.theme = theme

    def tell(
        self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
    ) -> None:
        """A notification holding outside text (paths, errors): literal, never markup."""
        self.notify(visible(message), severity=severity, timeout=timeout, markup=False)

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_copy_answer(self) -> None:
        answers = list(self.query(AnswerMessage))
        if not answers:
            self.notify("No answer to copy yet: ask a question with Enter.", severity="warning")
            return
        self.copy_to_clipboard(answers[-1].as_text())
        # OSC 52 has no reply: the terminal may have refused it, and nothing says so.
        self.notify(
            "Answer and citations sent to the terminal's clipboard (OSC 52). "
            "If your terminal does not allow it, nothing was copied.",
        )

    @work(exclusive=True, group="reindex")
    async def action_reindex(self) -> None:
        if self.index_dir is None:
            self.tell(
                f"The index is at {self.where}: re-index there "
                "(`search index build` beside it, or POST the page to the service).",
                severity="warning",
            )
            return
        paths = [info.path for info in self.snapshot_infos]
        self.notify(f"Re-indexing {len(paths)} snapshot file(s)…")
        report = await self._in_thread(self._run_reindex, paths)
        if report is None:
            return
        changed = len(report.added) + len(report.updated)
        message = f"{changed} snapshot(s) added or updated, {len(report.unchanged)} unchanged"
        for path, reason in report.failed:
            self.tell(f"{path}: {reason}", severity="error")
        self.notify(message)
        self.check_index()

    def _run_reindex(self, paths: list[str]) -> BuildReport:
        assert self.index_dir is not None
        existing = [Path(p) for p in paths if Path(p).exists()]
        report = build(self.index_dir, existing)
        gone = [(p, "no such file; its snapshot stays indexed as it was") for p in paths]
        report.failed += [(path, reason) for path, reason in gone if not Path(path).exists()]
        return report

    # ----------------------------------------------------------------------- index

    def check_index(self) -> None:
        """Pick up commits made by other processes (a watcher, a build)."""
        try:
            with self._engine_lock:
                self.engine.refresh()
                documents = self.engine.document_count()
        except SnapsearchError as exc:
            self.tell(str(exc), severity="error")
            return
        if documents != self._documents:
            self._load_snapshots()
            self._search(self._text)

    def _load_snapshots(self) -> None:
        with self._engine_lock:
            self.snapshot_infos = self.engine.snapshots()
            self._documents = self.engine.document_count()
        select = self.query_one("#snapshot", Select)
        options: list[tuple[Content, str]] = [(Content("All snapshots"), ALL)]
        options += [
            (literal(_one_line(f"{info.date} {info.id}")), info.id)
            for info in reversed(self.snapshot_infos)
        ]
        select.set_options(options)
        known = {info.id for info in self.snapshot_infos}
        select.value = self.snapshot if self.snapshot in known else ALL
        self._update_status()

    def _update_status(self) -> None:
        count = len(self.snapshot_infos)
        scope = f"snapshot {self.snapshot}" if self.snapshot else "all snapshots"
        text = (
            f"{count} snapshot{'s' * (count != 1)} · {self._documents} documents · "
            f"searching {scope} · {self.where}"
        )
        self.query_one("#status", Static).update(literal(text))

    async def _in_thread(self, function: Callable[..., T], *args: object) -> T | None:
        """Run index work off the event loop; report our errors as notifications."""

        def locked() -> T:
            with self._engine_lock:
                return function(*args)

        try:
            return await asyncio.to_thread(locked)
        except SnapsearchError as exc:
            self.tell(str(exc), severity="error", timeout=8)
        except Exception as exc:  # a bug must not tear down the user's session
            self.tell(f"unexpected {type(exc).__name__}: {exc}", severity="error", timeout=8)
        return None


def _one_line(text: str, width: int = SELECT_WIDTH) -> str:
    """`text` cut to fit the snapshot selector on one line: a wrapped option is drawn
    over the box's border."""
    return text if len(text) <= width else text[: width - 1] + "…"
