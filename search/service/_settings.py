"""What one service instance serves and its limits, passed to workers as JSON."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from index.parse import DEFAULT_MAX_BYTES

__all__ = ["ENVIRONMENT", "Settings"]

ENVIRONMENT = "SNAPSEARCH_SERVICE"  # how `search serve` hands settings to uvicorn's workers


@dataclass(frozen=True)
class Settings:
    """One service: its index, where uploaded pages go, who may write, and its bounds."""

    index: Path
    pages: Path | None = None  # default: `snapshots` beside the index folder
    token_file: Path | None = None  # writes need its token; without it, writes are refused
    reads_need_token: bool = False  # non-loopback without --public: every route needs it
    max_body_bytes: int = DEFAULT_MAX_BYTES
    max_query_chars: int = 1_000
    max_limit: int = 1_000
    timeout: float = 30.0  # seconds a request may take before it is answered 503
    # Whoosh searchers per worker, each serving one request at a time. Two, so that a
    # keystroke need not wait for a question's ~75 ms; more only add GIL hand-offs: at
    # 1,000 pages with 16 clients, a first-time search cost 5.9 ms of CPU with one, 7.4
    # with two, 9.0 with four, and the load's p95 was 43, 44 and 54 ms in one run each.
    engines: int = 2
    build_wait: float = 30.0  # seconds an upload waits for another build to finish
    backend: str | None = None  # a postgresql:// URL: serve that database, not `index`
    read_url: str | None = None  # with `backend`: read from here (a replica)

    @property
    def pages_dir(self) -> Path:
        return self.pages or self.index.parent / "snapshots"

    def to_environment(self) -> str:
        values = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        return json.dumps(values)

    @classmethod
    def from_environment(cls) -> Settings:
        values = json.loads(os.environ[ENVIRONMENT])
        for key in ("index", "pages", "token_file"):
            if values.get(key) is not None:
                values[key] = Path(values[key])
        return cls(**values)

    def read_token(self) -> str | None:
        """The bearer token from `token_file` (stripped), or None when there is none."""
        if self.token_file is None:
            return None
        return self.token_file.read_text("utf-8").strip() or None
