"""The public routes under /api/v1: each answers with the CLI's --json document."""

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from index import IndexDir
from search._status import status_document
from search.engine import KINDS, SORTS, Backend, Hit, Results

from ._answers import Answers, Encoded, encode
from ._auth import ReaderDep
from ._errors import PROBLEM_RESPONSES, ServiceProblem
from ._settings import Settings
from ._warm import Warm

__all__ = ["public_router"]

SNAPSHOT = "An id, or `latest` for the newest snapshot."


def public_router(settings: Settings, warm: Warm, reader: ReaderDep, answers: Answers) -> APIRouter:
    """The routes of what the CLI does: search, ask, snapshots, documents, history, diff.

    Search answers are kept in `answers` for the commit they were read from."""
    router = APIRouter(dependencies=[Depends(reader)], responses=PROBLEM_RESPONSES)
    Text = Annotated[str, Query(min_length=1, max_length=settings.max_query_chars)]
    Limit = Annotated[int, Query(ge=1, le=settings.max_limit)]
    Snapshot = Annotated[str | None, Query(max_length=200, description=SNAPSHOT)]
    Kind = Annotated[str | None, Query(pattern=f"^({'|'.join(KINDS)})$")]
    Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD, inclusive")]
    Sort = Annotated[str, Query(pattern=f"^({'|'.join(SORTS)})$")]

    @router.get("/search", summary="Find documents matching q (the CLI's query syntax)")
    async def search(
        request: Request,
        q: Text,
        limit: Limit = 10,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
        kind: Kind = None,
        snapshot: Snapshot = None,
        since: Day = None,
        until: Day = None,
        sort: Sort = "relevance",
        prefix_last: bool = True,
        exact: Annotated[
            bool, Query(description="false: a costly total may be estimated (as-you-type)")
        ] = True,
    ) -> JSONResponse:
        def run(engine: Backend) -> Results:
            return engine.search(
                q,
                limit=limit,
                offset=offset,
                kind=kind,
                snapshot=snapshot,
                since=since.isoformat() if since else None,
                until=until.isoformat() if until else None,
                sort=sort,
                prefix_last=prefix_last,
                exact=exact,
            )

        key = request.scope["query_string"]
        commit = answers.commit()  # read before the search: its engine is at least as new
        body = answers.get(commit, key)
        if body is None:
            body = encode((await warm(run)).to_json())
            answers.put(commit, key, body)
        return Encoded(body)

    @router.get("/ask", summary="An extractive answer to the question q, with its sources")
    async def ask(q: Text, snapshot: Snapshot = None) -> JSONResponse:
        from search.ask import answer

        reply = await warm(lambda e: answer(e, q, snapshot=snapshot))
        return JSONResponse(reply.to_json())

    @router.get("/snapshots", summary="The snapshots in the index, oldest first")
    async def snapshots() -> JSONResponse:
        infos = await warm(lambda e: e.snapshots())
        return JSONResponse({"snapshots": [vars(s) for s in infos]})

    @router.get("/status", summary="The index: folder, documents and snapshots")
    async def status() -> JSONResponse:
        def read(engine: Backend) -> dict[str, Any]:
            snapshots, documents = engine.snapshots(), engine.document_count()
            if settings.backend:  # a database: no folder, nothing to reclaim
                where = re.sub(r"://([^:/@]+):[^@]*@", r"://\1@", settings.backend)
                return {
                    "index": where,
                    "documents": documents,
                    "reclaimable_bytes": 0,
                    "snapshots": [vars(s) for s in snapshots],
                }
            index_dir = IndexDir(settings.index, mmap=False)
            return status_document(index_dir, snapshots, documents)

        return JSONResponse(await warm(read))

    @router.get("/documents/{doc_id}", summary="One document and, for a paragraph, its neighbours")
    async def document(
        doc_id: Annotated[str, Path(max_length=300)],
        highlight: Annotated[str, Query(max_length=settings.max_query_chars)] = "",
    ) -> JSONResponse:
        found = await warm(lambda e: _with_neighbours(e, doc_id, highlight))
        if found is None:
            raise ServiceProblem("unknown-document", f"no document {doc_id!r} in the index")
        return JSONResponse(found)

    @router.get("/history/{code}", summary="A rate or stock index in every snapshot")
    async def history(code: Annotated[str, Path(max_length=100)]) -> JSONResponse:
        from search.timeline import history

        series = await warm(lambda e: history(e, code))
        return JSONResponse(series.to_json())

    @router.get("/diff", summary="What changed from snapshot old to new (default: two newest)")
    async def diff(
        old: Snapshot = None, new: Snapshot = None, top: Annotated[int, Query(ge=1, le=100)] = 10
    ) -> JSONResponse:
        from search.timeline import diff

        changes = await warm(lambda e: diff(e, old, new, top=top))
        return JSONResponse(changes.to_json())

    return router


def _with_neighbours(engine: Backend, doc_id: str, highlight: str) -> dict[str, Any] | None:
    hit = engine.document(doc_id, highlight)
    if hit is None:
        return None
    around: list[Hit | None] = [None, None]
    if hit.kind == "paragraph" and hit.paragraph is not None:
        around = [engine.document(f"{hit.snapshot}:p{hit.paragraph + step}") for step in (-1, 1)]
    return {
        "document": hit.to_json(),
        "previous": around[0] and around[0].to_json(),
        "next": around[1] and around[1].to_json(),
    }
