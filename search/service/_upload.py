"""POST a snapshot page: parsed as `index build` parses it, stored under a checked id,
indexed in one commit; a bad page is refused before anything is written."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from index import BuildReport, IndexDir, SnapsearchError, SnapshotError, build, parse_snapshot

from ._auth import ReaderDep
from ._errors import PROBLEM_RESPONSES, ServiceProblem
from ._settings import Settings

__all__ = ["ID_PATTERN", "upload_router"]

# A file name, never a path: letters, digits, dot, dash, underscore; no leading dot.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$"
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


def upload_router(settings: Settings, writer: ReaderDep) -> APIRouter:
    """`POST /snapshots/{snapshot_id}` with the page as the body."""
    router = APIRouter(responses=PROBLEM_RESPONSES)
    lock = threading.Lock()  # one upload at a time per worker; builds lock across processes

    @router.post(
        "/snapshots/{snapshot_id}",
        summary="Add or replace snapshot `snapshot_id` with the page in the body",
        dependencies=[Depends(writer)],
        openapi_extra=_BODY,
        responses={422: PROBLEM_RESPONSES[400] | {"description": "Not a snapshot page"}},
    )
    async def add(
        snapshot_id: Annotated[str, PathParam(pattern=ID_PATTERN)], request: Request
    ) -> JSONResponse:
        if ".." in snapshot_id:
            raise ServiceProblem("bad-request", f"{snapshot_id!r} is not a snapshot id")
        data = await _body(request, settings.max_body_bytes)
        name = f"{snapshot_id}.txt"
        parse_snapshot(data, path=name, mtime=time.time())  # SnapshotError: 422, nothing kept

        def store() -> dict[str, Any]:
            with lock:
                return _store_and_index(settings, name, data)

        report = await asyncio.to_thread(store)
        return JSONResponse(report, 201 if report["added"] else 200)

    return router


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ServiceProblem:
    return ServiceProblem("too-large", f"the page is over {limit / 1e6:g} MB; send a smaller one")


def _store_and_index(settings: Settings, name: str, data: bytes) -> dict[str, Any]:
    """Write the page atomically into the pages folder, then index it; undo on failure."""
    folder = settings.pages_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    previous = target.read_bytes() if target.is_file() else None
    _write_atomically(target, data)
    try:
        report = _build(settings, target)
    except SnapsearchError:
        _restore(target, previous)
        raise
    if report.failed:
        _restore(target, previous)
        _, reason = report.failed[0]
        raise SnapshotError(name, reason)
    return report.to_json()


def _build(settings: Settings, page: Path) -> BuildReport:
    """Index `page` where the service's index lives: the folder, or the database."""
    size, wait = settings.max_body_bytes, settings.build_wait
    if settings.backend:
        from index import postgres

        return postgres.build(settings.backend, [page], max_bytes=size, lock_wait=wait)
    return build(IndexDir(settings.index, mmap=False), [page], max_bytes=size, lock_wait=wait)


def _write_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, target)


def _restore(target: Path, previous: bytes | None) -> None:
    if previous is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
    else:
        _write_atomically(target, previous)
