"""One table from snapsearch errors to problem documents (RFC 9457), and the handlers.

Each problem has a `code` (also the last part of its `type`), a status and a title; its
`detail` is the text the CLI prints after `error:`. `HttpBackend` maps the codes back.

ServiceProblem (a SnapsearchError)   raised by the service itself: bad query, too large,
                                     unauthorised, unknown document, timeout
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from index import (
    IndexBusyError,
    IndexDamagedError,
    IndexMissingError,
    IndexStateError,
    IndexUnsafeError,
    IndexWriteError,
    SnapsearchError,
    SnapshotError,
)
from search.ask import EmptyQuestionError
from search.engine import UnknownSnapshotError
from search.timeline import UnknownSeriesError

__all__ = ["PROBLEM_RESPONSES", "TABLE", "Problem", "ProblemModel", "ServiceProblem", "install"]

MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Problem:
    """A kind of failure: its code, HTTP status and title."""

    code: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return f"urn:snapsearch:problem:{self.code}"


# Most specific first: the first class an exception is an instance of decides.
TABLE: list[tuple[type[SnapsearchError], Problem]] = [
    (EmptyQuestionError, Problem("empty-question", 400, "Empty question")),
    (UnknownSnapshotError, Problem("unknown-snapshot", 404, "Unknown snapshot")),
    (UnknownSeriesError, Problem("unknown-series", 404, "Unknown rate or stock index")),
    (SnapshotError, Problem("bad-page", 422, "Not a snapshot page")),
    (IndexMissingError, Problem("index-missing", 503, "No index yet")),
    (IndexBusyError, Problem("index-busy", 503, "Index busy")),
    (IndexDamagedError, Problem("index-damaged", 503, "Index damaged")),
    (IndexUnsafeError, Problem("index-unsafe", 503, "Index refused as unsafe")),
    (IndexWriteError, Problem("index-write-failed", 503, "Index write failed")),
    (IndexStateError, Problem("index-unavailable", 503, "Index unavailable")),
]
# Raised by the service itself, by code.
OWN = {
    p.code: p
    for p in (
        Problem("bad-query", 400, "Bad query"),
        Problem("bad-request", 400, "Bad request"),
        Problem("unauthorized", 401, "Bearer token needed"),
        Problem("writes-disabled", 403, "Writes disabled"),
        Problem("unknown-document", 404, "Unknown document"),
        Problem("not-found", 404, "Not found"),
        Problem("method-not-allowed", 405, "Method not allowed"),
        Problem("too-large", 413, "Request too large"),
        Problem("unsupported-media-type", 415, "Unsupported media type"),
        Problem("timeout", 503, "Request took too long"),
        Problem("internal", 500, "Internal error"),
    )
}
GENERIC = OWN["bad-request"]  # any other SnapsearchError: a request the index cannot serve


class ServiceProblem(SnapsearchError):
    """A failure the service itself reports, by its code in `OWN`."""

    def __init__(self, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.problem = OWN[code]
        self.headers = headers or {}


class ProblemModel(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None


_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemModel"}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemModel, "description": title, "content": _CONTENT}
    for status, title in (
        (400, "Bad query"),
        (401, "Bearer token needed"),
        (404, "Unknown snapshot, document or series"),
        (413, "Request too large"),
        (503, "Index unavailable or busy"),
    )
}


def problem_for(exc: SnapsearchError) -> Problem:
    """The table's entry for `exc`."""
    if isinstance(exc, ServiceProblem):
        return exc.problem
    for cls, problem in TABLE:
        if isinstance(exc, cls):
            return problem
    return GENERIC


def respond(
    problem: Problem, detail: str, request: Request, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The problem document for `problem`, as application/problem+json."""
    body: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "code": problem.code,
        "instance": request.url.path,
    }
    return JSONResponse(body, problem.status, headers=headers, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Make every error of `app` a problem document."""

    async def snapsearch(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SnapsearchError)
        headers = exc.headers if isinstance(exc, ServiceProblem) else None
        return respond(problem_for(exc), str(exc), request, headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return respond(OWN["bad-query"], _validation_detail(exc), request)

    async def http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}
        problem = OWN.get(codes.get(exc.status_code, ""), Problem("http", exc.status_code, ""))
        return respond(problem, str(exc.detail), request, exc.headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        detail = f"unexpected {type(exc).__name__}: {exc}"
        return respond(OWN["internal"], detail, request)

    app.add_exception_handler(SnapsearchError, snapsearch)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, unexpected)


def _validation_detail(exc: RequestValidationError) -> str:
    """`q: String should have at most 1000 characters` for each failed field."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"
