"""snapsearch's own entries in the command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from index import SnapshotInfo
from search.engine import visible

__all__ = [
    "PaletteCommand",
    "PaletteSource",
    "PaletteTarget",
    "SnapsearchCommands",
    "snapsearch_commands",
]


@dataclass(frozen=True)
class PaletteCommand:
    """One palette entry: its name, what it runs, and a line of help (plain text)."""

    name: str
    run: Callable[[], object]
    help: str


class PaletteSource(Protocol):
    """What the palette needs from the app that shows it."""

    def palette_commands(self) -> list[PaletteCommand]: ...


class PaletteTarget(Protocol):
    """What snapsearch's entries act on (the app)."""

    snapshot_infos: list[SnapshotInfo]

    def use_snapshot(self, snapshot: str | None) -> None: ...

    def use_theme(self, theme: str) -> None: ...

    def action_reindex(self) -> object: ...

    def action_copy_answer(self) -> None: ...


def snapsearch_commands(target: PaletteTarget) -> list[PaletteCommand]:
    """One entry per snapshot (newest first), then re-index, copy and themes."""
    every = partial(target.use_snapshot, None)
    commands = [PaletteCommand("Search all snapshots", every, "Search every snapshot")]
    commands += [
        PaletteCommand(
            f"Search snapshot {info.id}",
            partial(target.use_snapshot, info.id),
            f"{info.date} · {info.headline}",
        )
        for info in reversed(target.snapshot_infos)
    ]
    return commands + [
        PaletteCommand(
            "Re-index snapshots", target.action_reindex, "Read new and changed snapshot files"
        ),
        PaletteCommand("Copy the last answer", target.action_copy_answer, "With its citations"),
        PaletteCommand(
            "Use the terminal's colours", partial(target.use_theme, "ansi-dark"), "ANSI theme"
        ),
        PaletteCommand(
            "Use the default colours", partial(target.use_theme, "textual-dark"), "Textual theme"
        ),
    ]


def _literal(text: str) -> str:
    """`text` as palette text that is never parsed as markup.

    The palette runs `Content.from_markup` on a hit's help and prompt, which returns a
    `Content` unchanged; Textual's annotations say `str`, hence the cast. `markup.escape`
    is no substitute: it keeps `$variables` and doubles backslashes.
    """
    return cast(str, Content(visible(text)))


class SnapsearchCommands(Provider):
    """Restrict to a snapshot, re-index, copy the answer, switch to terminal colours."""

    def _commands(self) -> list[PaletteCommand]:
        return cast(PaletteSource, self.app).palette_commands()

    async def discover(self) -> Hits:
        for command in self._commands():
            # Names and help hold headlines and file names: text, never markup.
            yield DiscoveryHit(_literal(command.name), command.run, help=_literal(command.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                highlighted = matcher.highlight(command.name)
                yield Hit(score, highlighted, command.run, help=_literal(command.help))
