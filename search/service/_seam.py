"""The backend seam over HTTP: the read routes `HttpBackend` needs beyond the public ones.

Words and tokens travel as `{"raw", "plain", "stems": [[field, stem], …]}` and
`{"start", "end", "plain", "stems": [stem, …]}`; hits as `Hit.to_json()`.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from search.engine import Hit, Token, Word

from ._auth import ReaderDep
from ._errors import PROBLEM_RESPONSES, ServiceProblem
from ._settings import Settings
from ._warm import Warm

__all__ = ["seam_router"]

# Keyword fields a document can be looked up by (the index's ID fields).
FIELDS = ("id", "kind", "snapshot", "series", "code", "digest")
Short = Annotated[str, Field(max_length=200)]


class WordModel(BaseModel):
    raw: Short
    plain: Short
    # (language field, stem): a field the index does not have is a bad request, not damage
    stems: list[tuple[Literal["fr", "en"], Short]] = Field(default_factory=list, max_length=4)


class TokensRequest(BaseModel):
    text: Annotated[str, Field(max_length=200_000)]
    lang: Literal["fr", "en"] | None = None


class MatchRequest(BaseModel):
    words: list[WordModel] = Field(max_length=64)
    every: bool = True
    limit: int | None = Field(default=10, ge=1)
    kind: Annotated[str | None, Field(max_length=20)] = None
    snapshot: Annotated[str | None, Field(max_length=200)] = None


class CountRequest(BaseModel):
    phrases: list[list[WordModel]] = Field(max_length=64)
    kind: Annotated[str, Field(max_length=20)]
    since: dt.date | None = None


class HitModel(BaseModel):
    id: Short
    kind: Short
    snapshot: Short
    date: Short
    paragraph: int | None = None
    code: str | None = None
    name: str | None = None
    lang: str | None = None
    score: float = 0.0
    text: Annotated[str, Field(max_length=200_000)] = ""
    highlights: list[tuple[int, int]] = Field(default_factory=list, max_length=10_000)
    data: dict[str, Any] | None = None
    dates: list[str] = Field(default_factory=list, max_length=10_000)


def seam_router(settings: Settings, warm: Warm, reader: ReaderDep) -> APIRouter:
    """Routes under /_seam, one per `Backend` method the public routes do not cover."""
    router = APIRouter(prefix="/_seam", dependencies=[Depends(reader)], responses=PROBLEM_RESPONSES)
    Limit = Annotated[int | None, Query(ge=1, le=settings.max_limit)]
    Value = Annotated[str | None, Query(max_length=200)]  # one field of `FIELDS`
    Analysed = Annotated[
        str, Query(pattern=r"^(plain|fr|en|start|id|kind|snapshot|series|code|digest)$")
    ]
    Keyword = Annotated[str, Query(pattern=r"^(id|kind|snapshot|series|code|digest)$")]

    def cap(limit: int | None) -> int:
        return settings.max_limit if limit is None else min(limit, settings.max_limit)

    @router.get("/resolve")
    async def resolve(
        snapshot: Annotated[str | None, Query(max_length=200)] = None,
    ) -> JSONResponse:
        return JSONResponse({"snapshot": await warm(lambda e: e.resolve_snapshot(snapshot))})

    @router.get("/document_count")
    async def document_count() -> JSONResponse:
        return JSONResponse({"documents": await warm(lambda e: e.document_count())})

    @router.get("/words")
    async def words(
        text: Annotated[str, Query(max_length=settings.max_query_chars)] = "",
    ) -> JSONResponse:
        return JSONResponse([_word(w) for w in await warm(lambda e: e.words(text))])

    @router.post("/tokens")
    async def tokens(body: TokensRequest) -> JSONResponse:
        found = await warm(lambda e: e.tokens(body.text, body.lang))
        return JSONResponse([_token(t) for t in found])

    @router.post("/match")
    async def match(body: MatchRequest) -> JSONResponse:
        words = [_unword(w) for w in body.words]
        total, hits = await warm(
            lambda e: e.match(
                words,
                every=body.every,
                limit=cap(body.limit),
                kind=body.kind,
                snapshot=body.snapshot,
            )
        )
        return JSONResponse({"total": total, "hits": [h.to_json() for h in hits]})

    @router.post("/count")
    async def count(body: CountRequest) -> JSONResponse:
        phrases = [[_unword(w) for w in phrase] for phrase in body.phrases]
        found = await warm(
            lambda e: e.count(
                phrases, kind=body.kind, since=body.since.isoformat() if body.since else None
            )
        )
        return JSONResponse({"count": found})

    @router.get("/frequency")
    async def frequency(
        field: Analysed, term: Annotated[str, Query(max_length=200)]
    ) -> JSONResponse:
        return JSONResponse({"frequency": await warm(lambda e: e.frequency(field, term))})

    def field_values(
        request: Request,
        id: Value = None,
        kind: Value = None,
        snapshot: Value = None,
        series: Value = None,
        code: Value = None,
        digest: Value = None,
    ) -> dict[str, str]:
        """The field filters of a request: named here so that OpenAPI documents them."""
        return _fields(request)

    FieldsDep = Annotated[dict[str, str], Depends(field_values)]

    @router.get("/documents", summary="Every document whose fields equal the query parameters")
    async def documents(fields: FieldsDep) -> JSONResponse:
        found = await warm(lambda e: e.documents(**fields))
        return JSONResponse([h.to_json() for h in found])

    @router.get("/newest", summary="Documents whose fields equal the parameters, newest first")
    async def newest(fields: FieldsDep, limit: Limit = None) -> JSONResponse:
        found = await warm(lambda e: e.newest(cap(limit), **fields))
        return JSONResponse([h.to_json() for h in found])

    @router.post("/newest_copy")
    async def newest_copy(body: HitModel) -> JSONResponse:
        hit = _unhit(body)
        return JSONResponse((await warm(lambda e: e.newest_copy(hit))).to_json())

    @router.get("/values")
    async def values(field: Keyword) -> JSONResponse:
        return JSONResponse(await warm(lambda e: e.values(field)))

    return router


def _fields(request: Request) -> dict[str, str]:
    unknown = set(request.query_params) - {*FIELDS, "limit"}
    if unknown:
        raise ServiceProblem("bad-query", f"unknown field(s) {', '.join(sorted(unknown))}")
    return {k: v for k, v in request.query_params.items() if k in FIELDS}


def _word(word: Word) -> dict[str, Any]:
    return {"raw": word.raw, "plain": word.plain, "stems": [list(s) for s in word.stems]}


def _unword(word: WordModel) -> Word:
    return Word(word.raw, word.plain, tuple((f, s) for f, s in word.stems))


def _token(token: Token) -> dict[str, Any]:
    stems = sorted(token.stems)
    return {"start": token.start, "end": token.end, "plain": token.plain, "stems": stems}


def _unhit(hit: HitModel) -> Hit:
    return Hit(
        hit.id,
        hit.kind,
        hit.snapshot,
        hit.date,
        hit.paragraph,
        hit.code,
        hit.name,
        hit.lang,
        hit.score,
        hit.text,
        tuple(hit.highlights),
        hit.data,
        tuple(hit.dates),
    )
