"""Request-scoped dependencies: the container, the acting user, If-Match and idempotency.

The cheap ones are `async def`: FastAPI runs a plain `def` dependency in a worker thread, and
each such hop cost more CPU than the work itself. Anything that may wait on the database
still runs in a worker thread (run_in_threadpool), never on the event loop.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from adapters.accounts import TokenCache, token_hash
from adapters.accounts import authenticate as sign_in_with_token
from adapters.bootstrap import Container
from adapters.faults import maybe_crash
from adapters.http.errors import error_body, lang_of, problem
from domain.common import Actor
from domain.vocabulary import Agency
from services.accounts import SignIn
from services.application import Unavailable
from services.freshness import note_writer
from services.policies import Rule
from services.policies.agencies import check_read
from services.policies.audit import check_write
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

UNAUTHORIZED = {  # a sign-in outcome → its catalogue code
    "unknown_token": "unknown_token", "expired": "token_expired", "revoked": "token_revoked",
    "deactivated": "account_deactivated",
}
CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def sign_in(request: Request, c: Container, token: str) -> SignIn:
    """The token's sign-in: from the app's cache when seen lately, else from the account index."""
    cache: TokenCache = request.app.state.tokens
    signed = cache.get(token_hash(token), c.clock())
    if signed is None:
        signed = await run_in_threadpool(sign_in_with_token, c, token, cache)
    return signed


async def authenticate(request: Request, c: Container, token: str) -> Actor | None:
    """The token's user if it may act now (unknown, expired, revoked, deactivated: None)."""
    return (await sign_in(request, c, token)).actor


def bearer(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip()


# Declares the bearer scheme in the OpenAPI document; the answer stays ours (401 with a body).
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A user's token (`linkage users add` prints it).")


def source(request: Request) -> tuple[str, str]:
    """The attempt's source address and user agent, as recorded in the security log."""
    address = request.client.host if request.client else "unknown"
    return address, request.headers.get("user-agent", "")


async def user_for_token(request: Request, token: str | None) -> Actor:
    """The token's user; every attempt is recorded, an address with too many failures is 429."""
    if token is None:
        raise problem(401, "missing_token", headers=CHALLENGE)
    done: tuple[str, SignIn] | None = getattr(request.state, "signed_in", None)
    if done is not None and done[0] == token:  # checked (and recorded) once per request
        if done[1].actor is None:
            raise problem(401, UNAUTHORIZED[done[1].outcome], headers=CHALLENGE)
        return done[1].actor
    c = await container(request)
    address, agent = source(request)
    wait = c.security.throttle.retry_after(address)
    if wait is not None:
        raise problem(429, "too_many_sign_ins", headers={"Retry-After": str(wait)},
                      address=address, wait=wait)
    signed = await sign_in(request, c, token)
    who = ({"id": signed.actor.id, "name": signed.actor.name, "agency": signed.actor.agency}
           if signed.actor else {"id": signed.account_id})
    c.security.sign_in(method="bearer", outcome=signed.outcome, address=address,
                       user_agent=agent, account=who, token_id=signed.token_id)
    request.state.signed_in = (token, signed)
    if signed.actor is None:
        raise problem(401, UNAUTHORIZED[signed.outcome], headers=CHALLENGE)
    request.state.actor = signed.actor
    note_writer(signed.actor)
    return signed.actor


async def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Actor:
    return await user_for_token(request, credentials.credentials if credentials else None)


UserDep = Annotated[Actor, Depends(current_user)]


class Permit:
    """A route's guard: the user, refused (403) unless the policy's rule lets them act.

    Given in the route decorator's `dependencies`, it runs before the route's own parameters
    (path, query, headers, body) are validated, so a user who may not use the route never
    learns what a valid request looks like.
    """

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    async def __call__(self, actor: UserDep) -> Actor:
        self.rule.check(actor)
        return actor


def permit(rule: Rule) -> Any:
    """`dependencies=[permit(policies.notices.CLOSE)]`: the route's role/agency check."""
    return Depends(Permit(rule))


class Reader:
    """A read model's guard: only the agency's own users and auditors. The agency is fixed, or
    the path's `{agency}` as sent (so the answer is 403 before the path is validated)."""

    def __init__(self, agency: Agency | None = None) -> None:
        self.agency = agency

    async def __call__(self, request: Request, actor: UserDep) -> Actor:
        check_read(actor, self.agency or str(request.path_params.get("agency", "")))
        return actor


def reads(agency: Agency | None = None) -> Any:
    """`dependencies=[reads("finance")]`: the route reads that agency's data."""
    return Depends(Reader(agency))


WRITES = ("POST", "PUT", "PATCH", "DELETE")
AUDIT_PREFIX = "/api/v1/audit/"


async def auditors_read_only(request: Request) -> None:
    """An app-wide guard, run before any body is read: an auditor's token never writes.

    Every method but GET/HEAD/OPTIONS is a write, except the audit routes' own POST (verify),
    which changes nothing in the history. Requests without a (known) token fall through to the
    route, which answers 401 as before. Async, with the token cache: most requests cost no
    worker-thread hop and no database read here.
    """
    if request.method not in WRITES or request.url.path.startswith(AUDIT_PREFIX):
        return
    token = bearer(request.headers.get("authorization"))
    if token is None:
        return
    actor = await authenticate(request, await container(request), token)
    if actor is not None:
        check_write(actor)


def rules_of(route: Any) -> list[Rule]:
    if not isinstance(route, APIRoute):
        return []
    return [d.call.rule for d in route.dependant.dependencies if isinstance(d.call, Permit)]


async def refuse_early(request: Request) -> None:
    """The guards, for a request FastAPI refused before running any dependency (a body that is
    not JSON): 401 or 403 come before the 422, as they do for every other invalid request."""
    rules = rules_of(request.scope.get("route"))
    if not rules and request.method not in WRITES:
        return
    await auditors_read_only(request)
    actor = await user_for_token(request, bearer(request.headers.get("authorization")))
    for rule in rules:
        rule.check(actor)


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
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
        out = reveal(copy.deepcopy(answer.body)) if reveal and answer.status < 300 else answer.body
        return JSONResponse(out, status_code=answer.status, headers=headers)


async def idempotency(c: ContainerDep, actor: UserDep,
                      idempotency_key: Annotated[str | None, Header()] = None) -> Idempotency:
    return Idempotency(c, actor, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
