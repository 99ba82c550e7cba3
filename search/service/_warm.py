"""Warm engines per worker: opened once, moved to new commits before each request."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from index import IndexDir
from search.engine import Backend

from ._errors import ServiceProblem

__all__ = ["Warm"]

T = TypeVar("T")


class _Slot:
    """One engine and the lock that gives it to one request at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Backend | None = None


class Warm:
    """The worker's engines; a request runs on a free one, after a cheap refresh.

    One Whoosh searcher is not safe across threads, so each request holds one engine for
    its whole run and a refresh never swaps a searcher under a request in flight. With
    `engines` > 1, requests share the worker's core instead of queueing: a 2 ms search no
    longer waits for a 100 ms one to finish.
    """

    def __init__(
        self,
        index_dir: IndexDir | None,
        timeout: float,
        opener: Callable[[], Backend],
        engines: int = 1,
    ) -> None:
        self.index_dir = index_dir  # None when the index is a database
        self.timeout = timeout
        self._open = opener
        self._slots = [_Slot() for _ in range(max(1, engines))]
        self._free = threading.Semaphore(len(self._slots))
        self._pick = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def run(self, work: Callable[[Backend], T]) -> T:
        """`work` on an engine as of the latest commit."""
        with self._free:
            slot = self._take()
            try:
                return work(self._current(slot))
            finally:
                slot.lock.release()

    def _take(self) -> _Slot:
        """A free slot, locked; the semaphore guarantees there is one. Warm engines first."""
        with self._pick:
            for slot in sorted(self._slots, key=lambda s: s.engine is None):
                if slot.lock.acquire(blocking=False):
                    return slot
        raise AssertionError("no free engine")  # pragma: no cover - the semaphore says so

    async def __call__(self, work: Callable[[Backend], T]) -> T:
        """`work` in a thread, answered 503 when it takes longer than the timeout."""
        if self._executor is None:
            # Its own threads, as many as engines: a request waits in the queue, not in a
            # thread, and the loop's default executor stays free for other work.
            self._executor = ThreadPoolExecutor(len(self._slots), "snapsearch-engine")
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._executor, self.run, work), self.timeout
            )
        except TimeoutError:
            raise ServiceProblem(
                "timeout",
                f"the request took longer than {self.timeout:g} s; try a narrower query",
            ) from None

    def open_all(self) -> None:
        """Open every engine now, and read what its first searches would, so that the
        first requests do not wait for it (at 1,000 pages a first search on an engine
        just opened took ~200 ms). An index that cannot be opened yet is left to the
        requests, which report it."""
        for slot in self._slots:
            with slot.lock:
                if slot.engine is None:
                    with contextlib.suppress(Exception):
                        slot.engine = self._open()
                        slot.engine.prepare()

    def _current(self, slot: _Slot) -> Backend:
        if slot.engine is None:
            slot.engine = self._open()
            return slot.engine
        try:
            slot.engine.refresh()
        except Exception:
            # Opened afresh by the next request; this one reports what went wrong.
            self._close_engine(slot)
            raise
        return slot.engine

    @staticmethod
    def _close_engine(slot: _Slot) -> None:
        if slot.engine is not None:
            engine, slot.engine = slot.engine, None
            try:
                engine.close()
            except Exception:  # already broken: nothing more to release
                pass

    def close(self) -> None:
        """Close every engine, each once the request on it (if any) has finished."""
        for slot in self._slots:
            with slot.lock:
                self._close_engine(slot)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
