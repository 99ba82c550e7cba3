"""snapsearch's own entries in the command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from search.engine import visible

__all__ = ["PaletteCommand", "PaletteSource", "SnapsearchCommands"]


@dataclass(frozen=True)
class PaletteCommand:
    """One palette entry: its name, what it runs, and a line of help (plain text)."""

    name: str
    run: Callable[[], object]
    help: str


class PaletteSource(Protocol):
    """What the palette needs from the app that shows it."""

    def palette_commands(self) -> list[PaletteCommand]: ...


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
