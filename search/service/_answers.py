"""Encoded search answers of one worker, valid for one commit of the index only.

A search the worker has answered is kept as the bytes it sent, under the raw query string
and the commit it was read from. Before each search the worker reads which commit is
live (CURRENT and the newest table of contents: a few system calls, ~25 µs); an answer
kept for another commit is never sent, so a build that commits is seen by the next
request, as without this cache. A kept answer is sent from the event loop: it waits
neither for a searcher nor for a thread, even while slow searches run.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from index import IndexDir

__all__ = ["Answers", "Encoded", "answered_from_memory"]

# Whoosh's table of contents: `_MAIN_<n>.toc`, one more per commit.
_TOC = re.compile(r"_MAIN_(\d+)\.toc")
_HEADERS = [(b"content-type", b"application/json")]


class Encoded(JSONResponse):
    """A JSON response whose body is already encoded (by `encode`)."""

    def render(self, content: Any) -> bytes:
        assert isinstance(content, bytes)
        return content


def encode(document: Any) -> bytes:
    """`document` as JSONResponse encodes it."""
    return bytes(JSONResponse(document).body)


class Answers:
    """Answers of the live commit, by raw query string; at most `entries` and `size` bytes,
    the least recently used forgotten first."""

    def __init__(
        self, index_dir: IndexDir | None, entries: int = 2048, size: int = 64 << 20
    ) -> None:
        self.index_dir = index_dir  # None: a database, whose commits are not seen here
        self._entries, self._size = entries, size
        self._commit: Hashable | None = None
        self._kept: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0

    def commit(self) -> Hashable | None:
        """What identifies the live commit; None when it cannot be told (no index, a
        database, a commit half done): then nothing is kept or sent from memory."""
        if self.index_dir is None:
            return None
        try:
            generation = self.index_dir.generation()
            if generation is None:
                return None
            tocs = [m for name in os.listdir(generation) if (m := _TOC.fullmatch(name))]
            if not tocs:
                return None
            newest = max(tocs, key=lambda m: int(m[1]))[0]
            # The file itself too: an index deleted and built again starts at `_MAIN_1`.
            stat = os.stat(generation / newest)
        except Exception:  # CURRENT or the folder changing under us, or damage: not kept
            return None
        return (generation.name, newest, stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def get(self, commit: Hashable | None, key: bytes) -> bytes | None:
        """The answer kept for `key` at `commit`; a new commit forgets every answer."""
        if commit is None:
            return None
        if commit != self._commit:
            self._commit = commit
            self._kept.clear()
            self._bytes = 0
        body = self._kept.get(key)
        if body is not None:
            self._kept.move_to_end(key)
        return body

    def put(self, commit: Hashable | None, key: bytes, body: bytes) -> None:
        """Keep `body`, read at `commit` or later, unless the live commit moved on since."""
        if commit is None or commit != self._commit or key in self._kept:
            return
        if len(body) > self._size // 16:
            return
        self._kept[key] = body
        self._bytes += len(body)
        while len(self._kept) > self._entries or self._bytes > self._size:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped)


class _Route:
    """What the metrics read of the route that answered: its path."""

    def __init__(self, path: str) -> None:
        self.path = path


def answered_from_memory(app: ASGIApp, answers: Answers, path: str) -> ASGIApp:
    """`app`, with a GET of `path` whose answer is kept for the live commit sent at once,
    before routing, validation and the searcher (only the route itself keeps answers, so
    a query string found here was valid); the metrics count it under `path`."""
    route = _Route(path)

    async def fast(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == path and scope["method"] == "GET":
            body = answers.get(answers.commit(), scope["query_string"])
            if body is not None:
                scope["route"] = route
                headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return fast
