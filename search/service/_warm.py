"""One warm engine per worker: opened once, moved to new commits before each request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from index import IndexDir
from search.engine import Backend

from ._errors import ServiceProblem

__all__ = ["Warm"]

T = TypeVar("T")


class Warm:
    """The worker's engine; a request runs on it under a lock, after a cheap refresh."""

    def __init__(
        self, index_dir: IndexDir | None, timeout: float, opener: Callable[[], Backend]
    ) -> None:
        self.index_dir = index_dir  # None when the index is a database
        self.timeout = timeout
        self._open = opener
        # One Whoosh searcher is not safe across threads; requests in flight hold the lock,
        # so a refresh never swaps the searcher under one of them.
        self._lock = threading.Lock()
        self._engine: Backend | None = None

    def run(self, work: Callable[[Backend], T]) -> T:
        """`work` on the engine as of the latest commit."""
        with self._lock:
            return work(self._current())

    async def __call__(self, work: Callable[[Backend], T]) -> T:
        """`work` in a thread, answered 503 when it takes longer than the timeout."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.run, work), self.timeout)
        except TimeoutError:
            raise ServiceProblem(
                "timeout",
                f"the request took longer than {self.timeout:g} s; try a narrower query",
            ) from None

    def _current(self) -> Backend:
        if self._engine is None:
            self._engine = self._open()
            return self._engine
        try:
            self._engine.refresh()
        except Exception:
            # Opened afresh by the next request; this one reports what went wrong.
            self.close_engine()
            raise
        return self._engine

    def close_engine(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            try:
                engine.close()
            except Exception:  # already broken: nothing more to release
                pass

    def close(self) -> None:
        with self._lock:
            self.close_engine()
