"""snapsearch's own entries in the command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import SnapsearchApp

__all__ = ["SnapsearchCommands"]


class SnapsearchCommands(Provider):
    """Restrict to a snapshot, re-index, copy the answer, switch to terminal colours."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: SnapsearchApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Search all snapshots", partial(app.use_snapshot, None), "Search every snapshot"),
        ]
        for info in reversed(app.snapshot_infos):
            commands.append(
                (
                    f"Search snapshot {info.id}",
                    partial(app.use_snapshot, info.id),
                    f"{info.date} · {info.headline}",
                )
            )
        commands += [
            ("Re-index snapshots", app.action_reindex, "Read new and changed snapshot files"),
            ("Copy the last answer", app.action_copy_answer, "With its citations"),
            ("Use the terminal's colours", partial(app.use_theme, "ansi-dark"), "ANSI theme"),
            ("Use the default colours", partial(app.use_theme, "textual-dark"), "Textual theme"),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
