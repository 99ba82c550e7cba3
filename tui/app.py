"""The snapsearch app: one input that searches as you type, a preview of the highlighted
result, and a chat pane for questions (Enter asks a text ending with `?`)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import DescendantFocus, Key, Resize
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Select, Static

from index import BuildReport, IndexDir, SnapsearchError, SnapshotInfo, build
from search.engine import Backend, Hit, Results, visible

from .chat import AnswerMessage, ChatPane, CitationList
from .commands import PaletteCommand, SnapsearchCommands, snapsearch_commands
from .preview import Preview
from .query import QueryInput, ResultsList, is_question
from .render import literal, status_line
from .screens import DocumentScreen, HelpScreen

if TYPE_CHECKING:
    from search.ask import Answer
    from search.timeline import Series

__all__ = ["SnapsearchApp"]

DEBOUNCE = 0.1  # seconds of quiet typing before a search runs
RESULT_LIMIT = 100  # rows in the results list; each costs a fetch and a highlight
REFRESH_EVERY = 2.0  # seconds between checks for a new index commit
NARROW = 110  # below this many columns the panes are stacked, the preview over the chat
ALL = "all"
SELECT_WIDTH = 26  # characters of an option that fit the snapshot selector (app.tcss)

NO_ANSWER = "No answer yet: type a question ending with ? and press Enter (or ctrl+s)."

T = TypeVar("T")


class SnapsearchApp(App[None]):
    """Search as you type over the index, and a chat pane of extractive answers."""

    TITLE = "snapsearch"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {SnapsearchCommands}
    # The footer must fit 80 columns: keys for answers show once there is one (check_action),
    # re-index lives in the help and the palette.
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+s", "ask", "Ask", show=False),  # shown by the search box, beside Enter
        Binding("ctrl+o", "open_source", "Source", tooltip="The newest answer's main source"),
        Binding("ctrl+l", "citations", "Citations", tooltip="The newest answer's citations"),
        Binding("ctrl+y", "copy_answer", "Copy", tooltip="Copy the last answer"),
        Binding("ctrl+r", "reindex", "Re-index", show=False),
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
        self._answered_at = 0.0  # when the newest answer was shown
        self._text = ""
        self._engine_lock = threading.Lock()  # one Whoosh searcher, used from worker threads
        self._documents = 0
        self._refresh_error: str | None = None  # told once, until the index heals
        self._shown_for: str | None = None  # the text whose results are listed
        self.chat = ChatPane(id="chat")  # questions and answers
        self.quitting = False  # set by exit(): nothing is mounted into a closing screen

    # ----------------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield QueryInput(id="query")
            yield Select[str]([("All snapshots", ALL)], id="snapshot", allow_blank=False)
        with Container(id="panes"):
            results = ResultsList(id="results")
            results.border_title = "results"
            yield results
            yield Preview(id="preview")
            yield self.chat
        yield Static(id="status")
        yield Footer(compact=True)  # the keys fit 80 columns

    @property
    def main_screen(self) -> Screen[object]:
        """The screen of the search box and panes, also while a document is open over it."""
        return self.screen_stack[0]

    def on_mount(self) -> None:
        self._load_snapshots()
        self.query_one("#query", Input).focus()
        self.set_interval(REFRESH_EVERY, self.check_index)
        self._prepare()

    @work(thread=True, group="prepare")
    def _prepare(self) -> None:
        """Read what the first searches need (numpy, the scoring columns, each field's
        words: ~100 ms at 1,000 pages) while the user starts typing, not at the first
        keystroke."""
        with self._engine_lock:
            try:
                self.engine.prepare()
            except SnapsearchError:  # the first search reports it
                pass

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quit; answers still on their way are dropped, not mounted into a closing app."""
        self.quitting = True
        super().exit(*args, **kwargs)

    def on_resize(self, event: Resize) -> None:
        # The main screen, also when a document is open over it.
        narrow = event.size.width < NARROW
        self.main_screen.set_class(narrow, "narrow")
        self._update_status(event.size.width)

    def _lower_pane(self, pane: Literal["preview", "chat"]) -> None:
        """Narrow terminals show one pane under the results: the preview while results
        are browsed, the chat once a question is typed, sent or answered."""
        self.main_screen.set_class(pane == "preview", "previewing")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # Into the results: browsing them; into citations (shift+tab): reading answers.
        if event.widget.id == "results" and self.hits:
            self._lower_pane("preview")
        elif isinstance(event.widget, CitationList):
            self._lower_pane("chat")

    # ---------------------------------------------------------------------- search

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self._typed_at = time.perf_counter()
        self._text = event.value
        if is_question(event.value) or not event.value.strip():
            self._lower_pane("chat")
        self._search(event.value)

    @work(exclusive=True, group="search")
    async def _search(self, text: str, *, then_enter: bool = False) -> None:
        # Exclusive: a new keystroke cancels this worker, so during fast typing only the
        # last text reaches the index, and a stale search never overwrites a newer one.
        if not then_enter:  # Enter does not wait for the debounce
            await asyncio.sleep(DEBOUNCE)
        if not text.strip():
            self._show_results(None)
            return
        results = await self._in_thread(self._run_search, text)
        if results is not None:
            self._show_results(results)
            if then_enter:
                self._enter(text)

    def _run_search(self, text: str) -> Results | None:
        if text != self._text:
            # Typed over while this search waited for the engine: its results would be
            # thrown away, so it does not run (slow searches must not queue up).
            return None
        self.searches_run += 1
        # A trailing space means the last word is finished: no prefix for it then.
        prefix = not text[-1:].isspace()
        # While typing, a backend may estimate a total that would cost a second pass.
        return self.engine.search(
            text, limit=RESULT_LIMIT, snapshot=self.snapshot, prefix_last=prefix, exact=False
        )

    def _show_results(self, results: Results | None) -> None:
        self.hits = {hit.id: hit for hit in results.hits} if results else {}
        self._shown_for = self._text
        question = is_question(self._text)
        first = self.query_one("#results", ResultsList).show(results, question=question)
        self._preview(first)
        self.query_one("#query", QueryInput).has_hits = first is not None
        if self._typed_at > self._answered_at:  # an answer that just arrived stays in view
            self._lower_pane("preview" if first and not question else "chat")
        self.latencies.append(time.perf_counter() - self._typed_at)

    def _preview(self, hit: Hit | None) -> None:
        """Show `hit` in the main screen's preview; nothing once the app is closing.

        A highlight can arrive while the app closes, its panes already gone (seen once in
        a headless run that closed as its first results showed)."""
        try:
            preview = self.main_screen.query_one("#preview", Preview)
        except NoMatches:
            return
        preview.show(hit)

    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # The hit is in memory already: moving the highlight never calls the index.
        self._preview(self.hits.get(event.option.id or ""))
        if self.focused is event.option_list:
            self._lower_pane("preview")

    @on(OptionList.OptionSelected, "#results")
    def _open_result(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits.get(event.option.id or "")
        if hit is not None:
            self.push_screen(DocumentScreen(hit, self._text, self))

    def on_key(self, event: Key) -> None:
        query = self.query_one("#query", Input)
        results = self.query_one("#results", OptionList)
        if event.key == "down" and self.focused is query and self.hits:
            # Down from the search box goes to the results, as in a browser's address bar.
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0
            event.stop()
        elif self.focused is results and event.is_printable and event.character:
            # Typing in the list goes on in the search box, as in fzf.
            query.focus()
            query.insert_text_at_cursor(event.character)
            event.stop()

    # ------------------------------------------------------------------------- ask

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter: a text ending with `?` is asked; otherwise the highlighted result opens
        (the first, once the search for this very text is done), or, with no hits, the
        text is asked after all."""
        if not event.value.strip() or self.quitting:
            return
        if is_question(event.value):
            self.action_ask()
        elif self._shown_for == event.value:
            self._enter(event.value)
        else:  # typed faster than the debounce: search now, then decide
            self._search(event.value, then_enter=True)

    def _enter(self, text: str) -> None:
        results = self.query_one("#results", OptionList)
        index = results.highlighted
        hit = None if index is None else self.hits.get(results.options[index].id or "")
        if hit is None:
            self.action_ask()
        elif not self.quitting:
            self.push_screen(DocumentScreen(hit, text, self))

    def action_ask(self) -> None:
        """Send the search box's text to the chat as a question (Enter for `…?`, ctrl+s)."""
        query = self.query_one("#query", Input)
        question = query.value.strip()
        if not question or self.quitting:
            return
        self.chat.add_question(question)
        self._lower_pane("chat")
        query.value = ""  # sent, as in a chat; the question stays in the pane
        self._ask(question)

    @work(group="ask")
    async def _ask(self, question: str) -> None:
        reply = await self._in_thread(self._run_answer, question)
        if reply is None or self.quitting:  # the user quit while the answer was on its way
            return
        await self.chat.add_answer(reply)
        self._answered_at = time.perf_counter()
        self._lower_pane("chat")  # the answer just asked for, in view also when narrow
        self.refresh_bindings()  # its keys (source, citations, copy) join the footer

    def _run_answer(self, question: str) -> Answer:
        from search.ask import answer

        return answer(self.engine, question, snapshot=self.snapshot)

    @on(OptionList.OptionSelected, ".citations")
    def _open_citation(self, event: OptionList.OptionSelected) -> None:
        message = event.option_list.parent
        if isinstance(message, AnswerMessage) and event.option.id is not None:
            self._show_citation(message, int(event.option.id))
        event.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides a key from the footer (and disables it) where it has nothing to do.
        if self.screen is not self.main_screen:  # a document's own keys come first
            return action not in ("ask", "open_source", "citations", "copy_answer")
        if action == "citations" and isinstance(self.focused, CitationList):
            return False
        if action in ("open_source", "citations"):
            return self.chat.newest_cited() is not None
        if action == "copy_answer":
            return bool(self.chat.answers)
        return True

    def action_open_source(self) -> None:
        """Open the main source of the newest answer (then ←/→ walk its neighbours)."""
        message = self.chat.newest_cited()
        if message is None:
            self.notify(NO_ANSWER, severity="warning")
            return
        self._show_citation(message, 0)

    def action_citations(self) -> None:
        """Focus the newest answer's citations: then a digit or Enter opens one."""
        if self.chat.focus_citations():
            self._lower_pane("chat")
        else:
            self.notify(NO_ANSWER, severity="warning")

    def _show_citation(self, message: AnswerMessage, number: int) -> None:
        hit = message.answer.citations[number]
        opened = self.document(hit.id, message.answer.question) or hit
        screen = DocumentScreen(opened, message.answer.question, self)
        if isinstance(self.screen, DocumentScreen):
            self.switch_screen(screen)  # citation to citation; escape still goes back
        else:
            self.push_screen(screen)

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
        return snapsearch_commands(self)

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
        answers = self.chat.answers
        if not answers:
            self.notify(NO_ANSWER, severity="warning")
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

    @work(exclusive=True, group="refresh")
    async def check_index(self) -> None:
        """Pick up commits made by other processes (a watcher, a build).

        Off the event loop, like searches: a long answer holds the engine, and the
        screen must not freeze waiting for it at every tick of the refresh timer."""
        seen, error = await self._attempt(self._reopen)
        if error is not None and error != self._refresh_error:
            self.tell(error, severity="error", timeout=8)
        self._refresh_error = error  # a damaged index is told once, not at every tick
        if seen is None or self.quitting:
            return
        documents, infos = seen
        if documents != self._documents:
            self._show_snapshots(infos, documents)
            self._search(self._text)

    def _reopen(self) -> tuple[int, list[SnapshotInfo]]:
        """The engine on the newest commit: its document count, and its snapshots when
        that count changed (listing them all is the slower part at a year of pages)."""
        self.engine.refresh()
        documents = self.engine.document_count()
        changed = documents != self._documents
        return documents, self.engine.snapshots() if changed else self.snapshot_infos

    def _load_snapshots(self) -> None:
        with self._engine_lock:
            infos, documents = self.engine.snapshots(), self.engine.document_count()
        self._show_snapshots(infos, documents)

    def _show_snapshots(self, infos: list[SnapshotInfo], documents: int) -> None:
        self.snapshot_infos, self._documents = infos, documents
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

    def _update_status(self, width: int | None = None) -> None:
        count = len(self.snapshot_infos)
        scope = f"snapshot {self.snapshot}" if self.snapshot else "all snapshots"
        text = (
            f"{count} snapshot{'s' * (count != 1)} · {self._documents} documents · "
            f"searching {scope} · "
        )
        width = (width or self.size.width) - 2  # the status line's padding
        self.query_one("#status", Static).update(status_line(text, self.where, width))

    async def _in_thread(self, function: Callable[..., T], *args: object) -> T | None:
        """Run index work off the event loop; report our errors as notifications."""
        value, error = await self._attempt(function, *args)
        if error is not None:
            self.tell(error, severity="error", timeout=8)
        return value

    async def _attempt(
        self, function: Callable[..., T], *args: object
    ) -> tuple[T | None, str | None]:
        """Index work off the event loop, holding the engine: its value, or its error."""

        def locked() -> T:
            with self._engine_lock:
                return function(*args)

        try:
            return await asyncio.to_thread(locked), None
        except SnapsearchError as exc:
            return None, str(exc)
        except Exception as exc:  # a bug must not tear down the user's session
            return None, f"unexpected {type(exc).__name__}: {exc}"


def _one_line(text: str, width: int = SELECT_WIDTH) -> str:
    """`text` cut to fit the snapshot selector on one line: a wrapped option is drawn
    over the box's border."""
    return text if len(text) <= width else text[: width - 1] + "…"
