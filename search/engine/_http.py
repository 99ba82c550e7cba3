"""`HttpBackend`: the backend seam over HTTP, a client of `search serve`.

Every method is one request to /api/v1; a problem document comes back as the snapsearch
error the service raised (by its `code`), with the same message.

A client needs neither Whoosh nor the `index` package: `SnapshotInfo` and the error
classes are imported when a snapshot list or an error comes back.
"""

from __future__ import annotations

import ssl
import sys
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._types import Hit, Results, Token, Word

if TYPE_CHECKING:
    from index import SnapshotInfo
    from index.errors import SnapsearchError
    from index.vectors import VectorStore

__all__ = ["HttpBackend"]


def _import_httpx() -> None:
    """Import httpx without its command-line client.

    `httpx/__init__` imports `httpx._main` whenever click, rich and pygments are installed,
    as they are here: rich's console, progress bars, tables and syntax highlighting, and
    pygments' lexers, for `httpx.main`, which nothing here calls. While httpx is imported,
    a stand-in module takes its place, whose `main` imports the real one on first call;
    afterwards the name is released, so `import httpx._main` still gets the real module.
    Nothing in site-packages is changed.
    """
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stand_in = types.ModuleType("httpx._main")
    stand_in.main = _httpx_main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in
    try:
        import httpx  # noqa: F401
    finally:
        if sys.modules.get("httpx._main") is stand_in:
            del sys.modules["httpx._main"]


def _httpx_main(*args: Any, **kwargs: Any) -> Any:
    from httpx._main import main  # the real one, on first use

    return main(*args, **kwargs)


_import_httpx()

import httpx  # noqa: E402  (after the stand-in above)

API = "/api/v1"
MAX_LIMIT = 1_000  # the service's default bound on `limit`: what "no limit" asks for


class HttpBackend:
    """The `Backend` of a running service at `base_url` (e.g. `http://127.0.0.1:8750`)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(
            base_url=self.base_url + API, headers=headers, timeout=timeout, verify=_tls(base_url)
        )

    # ------------------------------------------------------------------ lifecycle

    def refresh(self) -> None:
        """Nothing to do: the service moves to the latest commit before each request."""

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ snapshots

    def snapshots(self) -> list[SnapshotInfo]:
        from index import SnapshotInfo

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
        exact: bool = True,
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
            "exact": None if exact else "false",
            **options,
        }
        data = self._get("/search", **params)
        hits = tuple(_hit(h) for h in data["hits"])
        return Results(
            data["query"],
            data["total"],
            hits,
            data.get("fuzzy", False),
            data.get("estimated", False),
        )

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
        path = f"/documents/{quote(doc_id, safe='')}"
        data = self._send("GET", path, params={"highlight": highlight}, absent_ok=True)
        return None if data is None else _hit(data["document"])

    def documents(self, **fields: str) -> list[Hit]:
        return [_hit(h) for h in self._get("/_seam/documents", **fields)]

    def newest(self, limit: int | None, **fields: str) -> list[Hit]:
        return [_hit(h) for h in self._get("/_seam/newest", limit=limit, **fields)]

    def newest_copy(self, hit: Hit) -> Hit:
        return _hit(self._post("/_seam/newest_copy", hit.to_json()))

    def values(self, field: str) -> list[str]:
        found: list[str] = self._get("/_seam/values", field=field)
        return found

    def text_hit(self, kind: str, digest: str, snapshot: str | None = None) -> Hit | None:
        """Through the seam's `newest` route, by the `digest` field."""
        if kind not in ("paragraph", "title"):
            return None
        found = self.newest(
            1, kind=kind, digest=digest, **({"snapshot": snapshot} if snapshot else {})
        )
        return found[0] if found else None

    def vectors(self) -> VectorStore | None:
        """None: the seam sends no vectors over HTTP (~1.5 kB a text), so answering
        through this client computes the few it compares lazily; the service's own
        `/ask` route answers with the index's stored vectors."""
        return None

    # ------------------------------------------------------------------ transport

    def _get(self, path: str, **params: Any) -> Any:
        wanted = {k: _param(v) for k, v in params.items() if v is not None}
        return self._send("GET", path, params=wanted)

    def _post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, json=body)

    def _send(self, method: str, path: str, *, absent_ok: bool = False, **kwargs: Any) -> Any:
        """The JSON the service answers; None for a document it does not hold, when
        `absent_ok` (the seam answers None there)."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise _failure(
                f"the search service at {self.base_url} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise _failure(
                f"cannot reach the search service at {self.base_url}: {exc}"
                " (is `search serve` running there?)"
            ) from None
        if response.is_success:
            return response.json()
        problem = _problem(response)
        if absent_ok and problem is not None and problem[0] == "unknown-document":
            return None
        raise _error(response, problem, self.base_url)


def _tls(base_url: str) -> ssl.SSLContext | bool:
    """What the client verifies TLS with: httpx's default, the CA bundle (reading it takes
    ~17 ms), for an https:// service; for an http:// one, a context without any CA, made
    in no time. Requests only ever go to `base_url` and redirects are not followed, so no
    TLS is spoken there; if it ever were, the empty context would fail closed."""
    if base_url.lower().startswith("https:"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names


def _failure(message: str) -> SnapsearchError:
    from index.errors import SnapsearchError  # imported once there is an error to raise

    return SnapsearchError(message)


def _problem(response: httpx.Response) -> tuple[str, str] | None:
    """The `code` and `detail` of a problem document; None for any other answer."""
    try:
        problem = response.json()
        return str(problem["code"]), str(problem["detail"])
    except (ValueError, KeyError, TypeError):
        return None


def _error(
    response: httpx.Response, problem: tuple[str, str] | None, base_url: str
) -> SnapsearchError:
    """The snapsearch error a problem document stands for."""
    from index import errors

    from ._types import UnknownSnapshotError

    if problem is None:
        return errors.SnapsearchError(
            f"the search service at {base_url} answered {response.status_code} "
            f"{response.reason_phrase}, not a problem document"
        )
    code, detail = problem
    if code == "bad-page":
        path, _, reason = detail.partition(": ")
        return errors.SnapshotError(path, reason)
    by_code: dict[str, type[errors.SnapsearchError]] = {
        "unknown-snapshot": UnknownSnapshotError,
        "index-missing": errors.IndexMissingError,
        "index-busy": errors.IndexBusyError,
        "index-damaged": errors.IndexDamagedError,
        "index-unsafe": errors.IndexUnsafeError,
        "index-write-failed": errors.IndexWriteError,
        "index-unavailable": errors.IndexStateError,
    }
    return by_code.get(code, errors.SnapsearchError)(detail)


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
