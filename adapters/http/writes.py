"""A write's request headers: If-Match (the version the user saw) and Idempotency-Key (a
retry answered with the first answer, nothing stored twice)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from adapters.bootstrap import Container
from adapters.faults import maybe_crash
from adapters.http.deps import ContainerDep, UserDep, bearer
from adapters.http.errors import error_body, lang_of, problem
from domain.common import Actor
from services.freshness import current
from services.requests import run_once


async def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    if if_match is None:
        return None
    m = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', if_match)
    if not m:
        raise problem(422, "bad_if_match", "If-Match")
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
            raise problem(422, "bad_idempotency_key", "Idempotency-Key")

    def scoped_key(self) -> str | None:
        return f"{self.actor.id}:{self.key}" if self.key else None

    @staticmethod
    def digest(request: Request, body: Any) -> str:
        return hashlib.sha256(json.dumps(
            [request.method, request.url.path, body], sort_keys=True, default=str
        ).encode()).hexdigest()

    def secret_for(self, request: Request, body: Any) -> str | None:
        """A secret the answer shows once (a new token), the same for every retry of the key.

        Derived from the caller's own bearer token, the key and the body, so a replay can show
        it again while the request log stores the answer without it. None without a key or a
        bearer token (the secret is then random and the request is not replayed)."""
        caller = bearer(request.headers.get("authorization"))
        if not self.key or not caller:
            return None
        mac = hmac.new(caller.encode("utf-8"), digestmod=hashlib.sha256)
        mac.update(f"linkage-secret:{self.scoped_key()}:{self.digest(request, body)}".encode())
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def run(self, request: Request, body: Any, action: Callable[[], tuple[int, Any]],
            reveal: Callable[[Any], Any] | None = None) -> JSONResponse:
        """`reveal` puts back into a success's body what the request log does not keep."""
        digest = self.digest(request, body) if self.key else ""  # compared only with a key's
        lang = lang_of(request)  # a replay answers in the first request's language
        answer = run_once(self.container.app, self.scoped_key(), digest, action,
                          lambda e: error_body(e, lang))
        maybe_crash("api-after-commit")  # stored, not yet answered: the retry must replay
        headers = None
        if answer.replayed:
            headers = {"Idempotent-Replayed": "true"}
            written = current()
            if answer.status < 300 and written is not None:
                # A replay stores nothing, so it has no event of its own to answer with: the
                # log's head is at or past the first write, and a read waiting for it sees it.
                head = self.container.app.recorder.max_notification_id() or 0
                written.position = max(written.position or 0, head)
        out = reveal(copy.deepcopy(answer.body)) if reveal and answer.status < 300 else answer.body
        return JSONResponse(out, status_code=answer.status, headers=headers)


def keyed(body: Any, version: int | None) -> Any:
    """What a retry under the same Idempotency-Key must repeat: the body (a model, dumped) and
    the If-Match; a request without If-Match keeps the fingerprint it always had."""
    dumped = body.model_dump(mode="json") if hasattr(body, "model_dump") else body
    return dumped if version is None else {"body": dumped, "version": version}


async def idempotency(c: ContainerDep, actor: UserDep,
                      idempotency_key: Annotated[str | None, Header()] = None) -> Idempotency:
    return Idempotency(c, actor, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
