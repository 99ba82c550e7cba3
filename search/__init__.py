"""The library behind the `search` command: the backend seam (`search.engine`), question
answering (`search.ask`) and snapshots over time (`search.timeline`).

Layers import only downwards: `cli` (and `tui/`) → `ask` → `timeline` → `engine` →
`index`. This package imports none of them, so `import search.cli` stays cheap, and
nothing here imports Textual.
"""

from __future__ import annotations

__all__: list[str] = []
