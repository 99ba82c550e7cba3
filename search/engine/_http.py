"""`HttpBackend`: the backend seam over HTTP, a client of `search serve`.

Every method is one request to /api/v1; a problem document comes back as the snapsearch
error the service raised (by its `code`), with the same message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from index import SnapshotInfo
from index.errors import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexUnsafeError,
    IndexWriteError,
    SnapsearchError,
    SnapshotError,
)

from ._types import Hit, Results, Token, UnknownSnapshotError, Word

__all__ = ["HttpBackend"]

API = "/api/v1"
MAX_LIMIT = 1_000  # the service's default bound on `limit`: what "no limit" asks for
_ERRORS: dict[str, type[SnapsearchError]] = {
    "unknown-snapshot": UnknownSnapshotError,
    "index-missing": IndexMissingError,
    "index-busy": IndexBusyError,
    "index-damaged": IndexDamagedError,
    "index-unsafe": IndexUnsafeError,
    "index-write-failed": IndexWriteError,
    "index-unavailable": IndexStateError,
}


class HttpBackend:
    """The `Backend` of a running service at `base_url` (e.g. `http://127.0.0.1:8750`)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=self.base_url + API, headers=headers, timeout=timeout)

    # ------------------------------------------------------------------ lifecycle

    def refresh(self) -> None:
        """Nothing to do: the service moves to the latest commit before each request."""

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ snapshots

    def snapshots(self) -> list[SnapshotInfo]:
        return [SnapshotInfo(**info) for info in self._get("/snapshots")["snapshots"]]

    def resolve_snapshot(self, snapshot: str | None) -> str | None:
        if snapshot is None:
            return None
        found: str | None = self._get("/_seam/resolve", snapshot=snapshot)["snapshot"]
        return found

    def document_count(self) -> int:
        return int(self._get("/_seam/document_count")["documents"])

    # ------------------------------------------------------------------ searching

    def words(self, text: str) -> list[Word]:
        if not text:
            return []
        return [_word(w) for w in self._get("/_seam/words", text=text)]

    def tokens(self, text: str, lang: str | None) -> list[Token]:
        found = self._post("/_seam/tokens", {"text": text, "lang": lang})
        return [Token(t["start"], t["end"], t["plain"], frozenset(t["stems"])) for t in found]

    def search(
        self,
        text: str,
        *,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
        prefix_last: bool = True,
        offset: int = 0,
        since: str | None = None,
        until: str | None = None,
        sort: str = "relevance",
        **options: Any,
    ) -> Results:
        """As `Backend.search`; further keyword options go to the service as parameters."""
        params = {
            "q": text,
            "limit": MAX_LIMIT if limit is None else limit,
            "kind": kind,
            "snapshot": snapshot,
            "prefix_last": prefix_last,
            "offset": offset or None,
            "since": since,
            "until": until,
            "sort": None if sort == "relevance" else sort,
            **options,
        }
        data = self._get("/search", **params)
        hits = tuple(_hit(h) for h in data["hits"])
        return Results(data["query"], data["total"], hits, data.get("fuzzy", False))

    def match(
        self,
        words: Sequence[Word],
        *,
        every: bool = True,
        limit: int | None = 10,
        kind: str | None = None,
        snapshot: str | None = None,
    ) -> tuple[int, tuple[Hit, ...]]:
        body = {
            "words": [_unword(w) for w in words],
            "every": every,
            "limit": limit,
            "kind": kind,
            "snapshot": snapshot,
        }
        data = self._post("/_seam/match", body)
        return data["total"], tuple(_hit(h) for h in data["hits"])

    def count(
        self, phrases: Sequence[Sequence[Word]], *, kind: str, since: str | None = None
    ) -> int:
        body = {"phrases": [[_unword(w) for w in p] for p in phrases], "kind": kind, "since": since}
        return int(self._post("/_seam/count", body)["count"])

    def frequency(self, field: str, term: str) -> int:
        return int(self._get("/_seam/frequency", field=field, term=term)["frequency"])

    # ------------------------------------------------------------------ documents

    def document(self, doc_id: str, highlight: str = "") -> Hit | None:
        try:
            data = self._get(f"/documents/{quote(doc_id, safe='')}", highlight=highlight)
        except _UnknownDocument:
            return None
        return _hit(data["document"])

    def documents(self, **fields: str) -> list[Hit]:
        return [_hit(h) for h in self._get("/_seam/documents", **fields)]

    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        return [_hit(h) for h in self._get("/_seam/newest", limit=limit, **fields)]

    def newest_copy(self, hit: Hit) -> Hit:
        return _hit(self._post("/_seam/newest_copy", hit.to_json()))

    def values(self, field: str) -> list[str]:
        found: list[str] = self._get("/_seam/values", field=field)
        return found

    # ------------------------------------------------------------------ transport

    def _get(self, path: str, **params: Any) -> Any:
        wanted = {k: _param(v) for k, v in params.items() if v is not None}
        return self._send("GET", path, params=wanted)

    def _post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, json=body)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise SnapsearchError(
                f"the search service at {self.base_url} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise SnapsearchError(
                f"cannot reach the search service at {self.base_url}: {exc}"
                " (is `search serve` running there?)"
            ) from None
        if response.is_success:
            return response.json()
        raise _error(response, self.base_url)


class _UnknownDocument(SnapsearchError):
    """The service holds no document of that id (the seam answers None)."""


def _error(response: httpx.Response, base_url: str) -> SnapsearchError:
    """The snapsearch error a problem document stands for."""
    try:
        problem = response.json()
        code, detail = str(problem["code"]), str(problem["detail"])
    except (ValueError, KeyError, TypeError):
        return SnapsearchError(
            f"the search service at {base_url} answered {response.status_code} "
            f"{response.reason_phrase}, not a problem document"
        )
    if code == "unknown-document":
        return _UnknownDocument(detail)
    if code == "bad-page":
        path, _, reason = detail.partition(": ")
        return SnapshotError(path, reason)
    return _ERRORS.get(code, SnapsearchError)(detail)


def _param(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _word(data: dict[str, Any]) -> Word:
    return Word(data["raw"], data["plain"], tuple((f, s) for f, s in data["stems"]))


def _unword(word: Word) -> dict[str, Any]:
    return {"raw": word.raw, "plain": word.plain, "stems": [list(s) for s in word.stems]}


def _hit(data: dict[str, Any]) -> Hit:
    return Hit(
        id=data["id"],
        kind=data["kind"],
        snapshot=data["snapshot"],
        date=data["date"],
        paragraph=data["paragraph"],
        code=data["code"],
        name=data["name"],
        lang=data["lang"],
        score=data["score"],
        text=data["text"],
        highlights=tuple((a, b) for a, b in data["highlights"]),
        data=data.get("data"),
        dates=tuple(data.get("dates", ())),
        path=data.get("path"),
        line=data.get("line"),
    )
