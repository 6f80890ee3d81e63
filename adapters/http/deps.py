"""Request-scoped dependencies: the container, the acting user, If-Match and idempotency."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.http.errors import error_body
from domain.common import Actor
from services.application import Unavailable

IDEMPOTENCY = "idempotency"
# A request that crashed mid-way leaves a pending key; after this it may run again.
PENDING_EXPIRY = timedelta(seconds=30)


def container(request: Request) -> Container:
    get: Callable[[], Container] = request.app.state.container
    try:
        return get()
    except Unavailable:
        raise
    except Exception as e:
        raise Unavailable(f"the database cannot be reached: {type(e).__name__}") from e


ContainerDep = Annotated[Container, Depends(container)]


def current_user(c: ContainerDep, authorization: Annotated[str | None, Header()] = None) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(401, "missing bearer token", {"WWW-Authenticate": "Bearer"})
    actor = Accounts(c.store("api")).authenticate(authorization[7:].strip())
    if actor is None:
        raise HTTPException(401, "unknown token", {"WWW-Authenticate": "Bearer"})
    return actor


UserDep = Annotated[Actor, Depends(current_user)]


def require(actor: Actor, *, roles: tuple[str, ...], agencies: tuple[str, ...] | None = None) -> None:
    if actor.role not in roles:
        raise HTTPException(403, f"role {actor.role} may not do this (needs {', '.join(roles)})")
    if agencies is not None and actor.agency not in agencies:
        raise HTTPException(403, f"agency {actor.agency} may not do this (needs {', '.join(agencies)})")


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    if if_match is None:
        return None
    m = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', if_match)
    if not m:
        raise HTTPException(422, [{"field": "If-Match", "message": 'must be a version like "3"'}])
    return int(m.group(1))


VersionDep = Annotated[int | None, Depends(expected_version)]


class Idempotency:
    """Same key and body: the first response again, nothing new stored."""

    def __init__(self, c: ContainerDep, actor: UserDep,
                 idempotency_key: Annotated[str | None, Header()] = None) -> None:
        self.store = c.store("api")
        self.actor = actor
        self.key = idempotency_key
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise HTTPException(422, [{"field": "Idempotency-Key",
                                       "message": "must be 1 to 200 characters"}])

    def scoped_key(self) -> str | None:
        return f"{self.actor.id}:{self.key}" if self.key else None

    def run(self, request: Request, body: Any, action: Callable[[], tuple[int, Any]]) -> JSONResponse:
        key = self.scoped_key()
        if key is None:
            status, content = action()
            return JSONResponse(content, status_code=status)
        digest = hashlib.sha256(json.dumps(
            [request.method, request.url.path, body], sort_keys=True, default=str
        ).encode()).hexdigest()
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            existing = tx.get(IDEMPOTENCY, key)
            if existing is None or (existing["state"] == "pending" and
                                    now - datetime.fromisoformat(existing["at"]) > PENDING_EXPIRY):
                tx.put(IDEMPOTENCY, key, {"hash": digest, "state": "pending", "at": now.isoformat()})
                existing = None
        if existing is not None:
            if existing["hash"] != digest:
                raise HTTPException(422, [{"field": "Idempotency-Key",
                                           "message": "was used before with a different request body"}])
            if existing["state"] == "pending":
                raise HTTPException(409, "a request with this Idempotency-Key is still in progress")
            return JSONResponse(existing["body"], status_code=existing["status"],
                                headers={"Idempotent-Replayed": "true"})
        try:
            status, content = action()
        except Exception as e:
            mapped = error_body(e)
            if mapped is not None and mapped[0] < 500:
                self._finish(key, digest, *mapped)
            else:
                self._forget(key)
            raise
        self._finish(key, digest, status, content)
        return JSONResponse(content, status_code=status)

    def _finish(self, key: str, digest: str, status: int, body: Any) -> None:
        with self.store.transaction() as tx:
            tx.put(IDEMPOTENCY, key, {"hash": digest, "state": "done", "status": status,
                                      "body": body, "at": datetime.now(UTC).isoformat()})

    def _forget(self, key: str) -> None:
        with self.store.transaction() as tx:
            tx.delete(IDEMPOTENCY, key)


IdempotencyDep = Annotated[Idempotency, Depends()]
