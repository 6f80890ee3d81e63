"""Request-scoped dependencies: the container, the acting user, If-Match and idempotency.

The cheap ones are `async def`: FastAPI runs a plain `def` dependency in a worker thread, and
each such hop cost more CPU than the work itself. Anything that may wait on the database
still runs in a worker thread (run_in_threadpool), never on the event loop.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from adapters.accounts import Accounts, TokenCache
from adapters.bootstrap import Container
from adapters.faults import maybe_crash
from adapters.http.errors import error_body
from domain.common import Actor
from services.application import Unavailable
from services.freshness import note_writer
from services.requests import run_once


class ContainerSource(Protocol):
    """app.state.container: builds the container (may connect), or returns it once built."""

    def __call__(self) -> Container: ...

    def ready(self) -> Container | None: ...


def _build(source: ContainerSource) -> Container:
    try:
        return source()
    except Unavailable:
        raise
    except Exception as e:
        raise Unavailable(f"the database cannot be reached: {type(e).__name__}") from e


async def container(request: Request) -> Container:
    source: ContainerSource = request.app.state.container
    built = source.ready()
    if built is not None:
        return built
    return await run_in_threadpool(_build, source)  # bootstrap connects: not on the event loop


ContainerDep = Annotated[Container, Depends(container)]


async def authenticate(request: Request, c: Container, token: str) -> Actor | None:
    """The token's user: from the app's cache when seen lately, else from the store."""
    cache: TokenCache = request.app.state.tokens
    actor = cache.lookup(token)
    if actor is None:
        actor = await run_in_threadpool(lambda: Accounts(c.store("api"), cache).authenticate(token))
    return actor


def bearer(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip()


async def current_user(request: Request, c: ContainerDep,
                       authorization: Annotated[str | None, Header()] = None) -> Actor:
    token = bearer(authorization)
    if token is None:
        raise HTTPException(401, "missing bearer token", {"WWW-Authenticate": "Bearer"})
    actor = await authenticate(request, c, token)
    if actor is None:
        raise HTTPException(401, "unknown token", {"WWW-Authenticate": "Bearer"})
    note_writer(actor)
    return actor


UserDep = Annotated[Actor, Depends(current_user)]


def require(actor: Actor, *, roles: tuple[str, ...], agencies: tuple[str, ...] | None = None) -> None:
    if actor.role not in roles:
        raise HTTPException(403, f"role {actor.role} may not do this (needs {', '.join(roles)})")
    if agencies is not None and actor.agency not in agencies:
        raise HTTPException(403, f"agency {actor.agency} may not do this (needs {', '.join(agencies)})")


async def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    if if_match is None:
        return None
    m = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', if_match)
    if not m:
        raise HTTPException(422, [{"field": "If-Match", "message": 'must be a version like "3"'}])
    return int(m.group(1))


VersionDep = Annotated[int | None, Depends(expected_version)]


class Idempotency:
    """Same key and body: the first answer again, nothing new stored (services/requests.py).

    The answer is stored in the same transaction as the command's events, so a crash at any
    moment leaves either both or neither: a retry after any crash is applied at most once."""

    def __init__(self, c: Container, actor: Actor, key: str | None) -> None:
        self.container = c
        self.actor = actor
        self.key = key
        if key is not None and not 1 <= len(key) <= 200:
            raise HTTPException(422, [{"field": "Idempotency-Key",
                                       "message": "must be 1 to 200 characters"}])

    def scoped_key(self) -> str | None:
        return f"{self.actor.id}:{self.key}" if self.key else None

    def run(self, request: Request, body: Any, action: Callable[[], tuple[int, Any]]) -> JSONResponse:
        digest = hashlib.sha256(json.dumps(
            [request.method, request.url.path, body], sort_keys=True, default=str
        ).encode()).hexdigest()
        answer = run_once(self.container.app, self.scoped_key(), digest, action, error_body)
        maybe_crash("api-after-commit")  # stored, not yet answered: the retry must replay
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)


async def idempotency(c: ContainerDep, actor: UserDep,
                      idempotency_key: Annotated[str | None, Header()] = None) -> Idempotency:
    return Idempotency(c, actor, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
