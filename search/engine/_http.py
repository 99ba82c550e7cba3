"""`HttpBackend`: the backend seam over HTTP, a client of `search serve`.

Every method is one request to /api/v1; a problem document comes back as the snapsearch
error the service raised (by its `code`), with the same message.

A client needs neither Whoosh nor the `index` package: `SnapshotInfo` and the error
classes are imported when a snapshot list or an error comes back.

The transport is h11 (HTTP/1.1 as a state machine, the one uvicorn and httpcore use) over
plain sockets, with keep-alive connections kept for reuse. A cold `search --server URL
query` must start in 80 ms, and a client's imports are most of it: httpx and its client
took ~50 ms, the standard library's `http.client` ~18 ms (it imports `email` and `ssl`),
h11 and `socket` ~8 ms. This client needs nothing more than they give: one origin, JSON,
no redirects, no cookies, no proxies; `ssl` is imported for an https:// service only.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import h11

from ._types import Hit, Results, Token, Word

if TYPE_CHECKING:
    from index import SnapshotInfo
    from index.errors import SnapsearchError
    from index.vectors import VectorStore

__all__ = ["HttpBackend"]

API = "/api/v1"
MAX_LIMIT = 1_000  # the service's default bound on `limit`: what "no limit" asks for


class HttpBackend:
    """The `Backend` of a running service at `base_url` (e.g. `http://127.0.0.1:8750`)."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _Origin(base_url, timeout)
        self._headers = [("Host", self._origin.netloc), ("Accept", "application/json")]
        self._headers.append(("User-Agent", "snapsearch"))
        if token:
            self._headers.append(("Authorization", f"Bearer {token}"))
        # Idle keep-alive connections: the TUI searches from worker threads, each request
        # takes one (or opens one) and gives it back when its answer is read.
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def refresh(self) -> None:
        """Nothing to do: the service moves to the latest commit before each request."""

    def prepare(self) -> None:
        """Nothing to read ahead: the service prepares its own engines when it starts."""

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

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
        path = f"/documents/{quote(_encodable(doc_id), safe='')}"
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
        return self._send("POST", path, body=body)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        absent_ok: bool = False,
    ) -> Any:
        """The JSON the service answers; None for a document it does not hold, when
        `absent_ok` (the seam answers None there)."""
        target = self._origin.prefix + API + path
        if params:
            target += "?" + urlencode(params, doseq=True)
        headers = list(self._headers)
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            headers += [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        status, reason, data = self._exchange(method, target, payload, headers)
        if 200 <= status < 300:
            try:
                return json.loads(data)
            except ValueError:
                raise _failure(
                    f"the search service at {self.base_url} answered {status} {reason}"
                    " with a body that is not JSON"
                ) from None
        problem = _problem(data)
        if absent_ok and problem is not None and problem[0] == "unknown-document":
            return None
        raise _error(status, reason, problem, self.base_url)

    def _exchange(
        self, method: str, target: str, payload: bytes, headers: list[tuple[str, str]]
    ) -> tuple[int, str, bytes]:
        """One request and its whole answer: status, reason and body.

        A kept connection the service has closed meanwhile (uvicorn drops idle ones after
        5 s, a restart drops all) fails before any answer; the request is then sent once
        more on a new one. Every request here reads, so sending it twice is safe.
        """
        for attempt in (1, 2):
            try:
                connection, reused = self._take()
            except OSError as exc:
                raise self._unreachable(exc) from None
            try:
                answer = connection.exchange(method, target, headers, payload)
            except TimeoutError:
                connection.close()
                raise _failure(
                    f"the search service at {self.base_url} did not answer in time"
                ) from None
            except h11.ProtocolError as exc:
                connection.close()
                raise _failure(
                    f"the search service at {self.base_url} answered something that is not"
                    f" HTTP/1.1: {exc}"
                ) from None
            except OSError as exc:
                connection.close()
                if reused and attempt == 1 and isinstance(exc, _STALE):
                    continue
                raise self._unreachable(exc) from None
            self._give(connection)
            return answer
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _unreachable(self, exc: OSError) -> SnapsearchError:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return _failure(
            f"cannot reach the search service at {self.base_url}: {reason}"
            " (is `search serve` running there?)"
        )

    def _take(self) -> tuple[_Connection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return _Connection(self._origin.connect()), False

    def _give(self, connection: _Connection) -> None:
        """Keep `connection` for the next request, if it can serve one."""
        if connection.ready():
            with self._lock:
                if len(self._idle) < KEPT:
                    self._idle.append(connection)
                    return
        connection.close()


KEPT = 8  # idle connections kept per client
CHUNK = 65_536  # bytes read from the socket at a time


class _Closed(ConnectionResetError):
    """The service closed the connection before it answered."""


# What a kept connection that the service closed meanwhile fails with, before any answer.
_STALE = (ConnectionResetError, BrokenPipeError)  # _Closed is a ConnectionResetError


class _Connection:
    """One HTTP/1.1 connection: its socket and h11's state of it."""

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        self._state = h11.Connection(h11.CLIENT)

    def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], payload: bytes
    ) -> tuple[int, str, bytes]:
        state = self._state
        request = h11.Request(method=method, target=target, headers=headers)
        out = state.send(request) + (state.send(h11.Data(data=payload)) if payload else b"")
        self._socket.sendall(out + state.send(h11.EndOfMessage()))
        response: h11.Response | None = None
        body = bytearray()
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                data = self._socket.recv(CHUNK)
                if not data and response is None:
                    # Closed before an answer began (h11 calls that a protocol error).
                    raise _Closed("the connection closed without an answer")
                state.receive_data(data)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and response is not None:
                return response.status_code, response.reason.decode("latin-1"), bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                raise _Closed("the connection closed in the middle of an answer")

    def ready(self) -> bool:
        """Whether both sides are done and the connection stays open for another request."""
        if self._state.our_state is h11.DONE and self._state.their_state is h11.DONE:
            self._state.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self._socket.close()


class _Origin:
    """Where the service is: scheme, host, port and any path before /api/v1."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _failure(
                f"the search service URL {base_url!r} is not http://host:port or https://…"
            )
        try:
            port = parts.port
        except ValueError:
            raise _failure(f"the search service URL {base_url!r} has a bad port") from None
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = port or (443 if self.https else 80)
        self.netloc = parts.netloc.rpartition("@")[2]  # the Host header: no user or password
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout

    def connect(self) -> socket.socket:
        """A connected socket; for https, TLS verifying the certificate and host name
        against the system's CAs."""
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self.https:
            return sock
        import ssl  # ~8 ms, for https:// services only

        try:
            return ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _failure(message: str) -> SnapsearchError:
    from index.errors import SnapsearchError  # imported once there is an error to raise

    return SnapsearchError(message)


def _problem(data: bytes) -> tuple[str, str] | None:
    """The `code` and `detail` of a problem document; None for any other answer."""
    try:
        problem = json.loads(data)
        return str(problem["code"]), str(problem["detail"])
    except (ValueError, KeyError, TypeError):
        return None


def _error(
    status: int, reason: str, problem: tuple[str, str] | None, base_url: str
) -> SnapsearchError:
    """The snapsearch error a problem document stands for."""
    from index import errors

    from ._types import UnknownSnapshotError

    if problem is None:
        return errors.SnapsearchError(
            f"the search service at {base_url} answered {status} {reason}, not a problem document"
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
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _encodable(value)
    if isinstance(value, list):
        return [_encodable(v) if isinstance(v, str) else v for v in value]
    return value


def _encodable(text: str) -> str:
    """`text` with what UTF-8 cannot encode replaced by U+FFFD: a byte the terminal could
    not decode reaches a command-line argument as a lone surrogate, which the URL's
    encoding refuses (`index._text.encodable`, not imported: the client stays light)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


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
