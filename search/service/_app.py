"""The app factory: the same FastAPI app for uvicorn, `search serve` and the tests."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse

from index import IndexDir
from search.engine import Backend, WhooshEngine

from ._answers import Answers, answered_from_memory
from ._auth import guards
from ._errors import ServiceProblem, install
from ._metrics import Metrics
from ._routes import public_router
from ._seam import seam_router
from ._settings import Settings
from ._upload import upload_router
from ._warm import Warm

__all__ = ["API", "app_from_environment", "create_app"]

API = "/api/v1"
VERSION = "1"
SWITCH_INTERVAL = 0.0005  # seconds; see app_from_environment


def create_app(settings: Settings) -> FastAPI:
    """The service over `settings.index`, with its routes, errors, metrics and guards."""
    token = settings.read_token()
    reader, writer = guards(token, settings.reads_need_token)
    warm = _warm(settings)
    answers = Answers(warm.index_dir)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.get_running_loop().run_in_executor(None, warm.open_all)
        yield
        warm.close()

    app = FastAPI(
        title="snapsearch",
        version=VERSION,
        summary="Full-text search and extractive answers over news-page snapshots",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # the interactive pages load scripts from a CDN: not served offline
        redoc_url=None,
        lifespan=lifespan,
    )
    install(app)
    app.state.answers, app.state.warm = answers, warm  # for the tests
    api = APIRouter(prefix=API)
    api.include_router(public_router(settings, warm, reader, answers))
    api.include_router(upload_router(settings, writer))
    api.include_router(seam_router(settings, warm, reader))
    app.include_router(api)

    @app.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get(
        "/metrics",
        summary="Prometheus metrics of this worker",
        dependencies=[Depends(reader)],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics_route() -> PlainTextResponse:
        generation, documents = await warm(lambda e: (_generation(warm), e.document_count()))
        return PlainTextResponse(
            metrics.render(generation, documents), media_type="text/plain; version=0.0.4"
        )

    app.add_middleware(_BodyLimit, limit=settings.max_body_bytes)
    if not settings.reads_need_token:  # else every search goes by the route and its guard
        app.add_middleware(
            _Wrapped, wrap=lambda app: answered_from_memory(app, answers, f"{API}/search")
        )
    app.add_middleware(_Wrapped, wrap=metrics.middleware)
    return app


class _BodyLimit:
    """Refuse a request body over `limit` bytes, declared or streamed, with 413."""

    def __init__(self, app: Any, limit: int) -> None:
        self._app, self._limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self._limit:
            await _too_large(self._limit)(scope, receive, send)
            return
        if declared:  # h11 holds the body to its declared length
            await self._app(scope, receive, send)
            return
        # Streamed without a length: read it here, at most `limit` bytes, then replay it.
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self._limit:
                await _too_large(self._limit)(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        replay = iter(messages)

        async def replayed() -> Any:
            return next(replay, None) or await receive()

        await self._app(scope, replayed, send)


def _too_large(limit: int) -> Any:
    problem = ServiceProblem("too-large", f"the request is over {limit / 1e6:g} MB; send less")
    body = {
        "type": problem.problem.type,
        "title": problem.problem.title,
        "status": 413,
        "detail": str(problem),
        "code": problem.problem.code,
    }
    return JSONResponse(body, 413, media_type="application/problem+json")


class _Wrapped:
    """An ASGI middleware from a function that wraps an app."""

    def __init__(self, app: Any, wrap: Any) -> None:
        self._app = wrap(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def _warm(settings: Settings) -> Warm:
    """The worker's engine: on the index folder, or on the PostgreSQL database."""
    if settings.backend:
        url, read_url = settings.backend, settings.read_url

        def database() -> Backend:
            from search.engine import PostgresBackend

            return PostgresBackend(url, read_url=read_url)

        return Warm(None, settings.timeout, database)
    index_dir = IndexDir(settings.index)
    return Warm(index_dir, settings.timeout, lambda: WhooshEngine(index_dir), settings.engines)


def _generation(warm: Warm) -> int:
    if warm.index_dir is None:  # a database has no generations
        return 0
    folder = warm.index_dir.generation()
    digits = "".join(ch for ch in folder.name if ch.isdigit()) if folder else ""
    return int(digits) if digits else 0


def app_from_environment() -> FastAPI:
    """The app for uvicorn's workers: settings from the environment `search serve` sets."""
    # Searches run in threads and hold the GIL for tens of milliseconds; the event loop,
    # which answers kept searches at once, gets it back within 0.5 ms instead of 5 ms.
    # Measured at N=1,000 with 16 clients: repeated searches p95 ~15 -> ~9 ms.
    sys.setswitchinterval(SWITCH_INTERVAL)
    settings = Settings.from_environment()
    return create_app(settings)
