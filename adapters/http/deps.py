"""Request-scoped dependencies: the container, the acting user and the guards that refuse them.

The cheap ones are `async def`: FastAPI runs a plain `def` dependency in a worker thread, and
each such hop cost more CPU than the work itself. Anything that may wait on the database
still runs in a worker thread (run_in_threadpool), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from adapters.accounts import TokenCache, token_hash
from adapters.accounts import authenticate as sign_in_with_token
from adapters.bootstrap import Container
from adapters.http.errors import problem
from domain.common import Actor
from domain.vocabulary import Agency
from services.accounts import SignIn
from services.application import Unavailable
from services.freshness import note_writer
from services.policies import Rule
from services.policies.agencies import check_read
from services.policies.audit import check_write


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


class Guard:
    """A route's guard that needs the object its path names (a notice's required agencies, an
    inspection's booked inspectors): 403 before any validation, like `Permit`, which it
    follows in `dependencies`. It reads the path as sent; a value that does not parse skips
    it (the route then answers 422 or 404)."""

    def __init__(self, check: Callable[[Container, Actor, dict[str, Any]], None]) -> None:
        self.check = check

    async def __call__(self, request: Request, actor: UserDep) -> None:
        await self.run(request, actor)

    async def run(self, request: Request, actor: Actor) -> None:
        try:  # `…_id` is a UUID, `…_no` a number, as the routes declare them
            values = {k: UUID(v) if k.endswith("_id") else int(v) if k.endswith("_no") else v
                      for k, v in request.path_params.items()}
        except ValueError:
            return
        await run_in_threadpool(self.check, await container(request), actor, values)


def guard(check: Callable[[Container, Actor, dict[str, Any]], None]) -> Any:
    """`dependencies=[permit(RULE), guard(lambda c, actor, path: ...)]`."""
    return Depends(Guard(check))


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
    not JSON, or not UTF-8): 401 or 403 come before the 422, as for every invalid request."""
    rules = rules_of(request.scope.get("route"))
    if not rules and request.method not in WRITES:
        return
    await auditors_read_only(request)
    actor = await user_for_token(request, bearer(request.headers.get("authorization")))
    for rule in rules:
        rule.check(actor)
    route = request.scope.get("route")
    for d in route.dependant.dependencies if isinstance(route, APIRoute) else []:
        if isinstance(d.call, Guard):
            await d.call.run(request, actor)
