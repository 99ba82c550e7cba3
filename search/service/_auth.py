"""Bearer-token guards: writes always need the token; reads need it when so configured."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ._errors import ServiceProblem

__all__ = ["ReaderDep", "guards"]

ReaderDep = Callable[..., Awaitable[None]]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="snapsearch"'}


def guards(token: str | None, reads_need_token: bool) -> tuple[ReaderDep, ReaderDep]:
    """The dependencies that guard reads and writes."""

    async def open_reader() -> None:
        """Reads are open (loopback or --public): the spec shows no security on them."""

    async def guarded_reader(credentials: Credentials) -> None:
        _check(token, credentials, "this service needs a bearer token for every request")

    async def writer(credentials: Credentials) -> None:
        if token is None:
            raise ServiceProblem(
                "writes-disabled",
                "this service takes no writes: start it with --token-file FILE",
            )
        _check(token, credentials, "adding snapshots needs the bearer token")

    return (guarded_reader if reads_need_token else open_reader), writer


def _check(token: str | None, credentials: HTTPAuthorizationCredentials | None, why: str) -> None:
    given = credentials.credentials if credentials else ""
    if token is None or not hmac.compare_digest(given.encode(), token.encode()):
        wrong = "a wrong bearer token" if given else "no bearer token"
        raise ServiceProblem(
            "unauthorized", f"{why} (Authorization: Bearer …); got {wrong}", _CHALLENGE
        )
