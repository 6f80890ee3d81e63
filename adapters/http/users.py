"""/api/v1/users: accounts and their tokens, for admins of the same agency.

An admin manages its own agency's accounts; a system-wide admin (the first account, made by
`linkage users add --role admin --system`) every agency's, and only it may make another
system-wide admin. Every POST takes an Idempotency-Key like any other. A token is shown in the
answer that issues it; under a key the request log stores that answer without the token, and
a replay shows the same token again, derived from the caller's bearer token, the key and the
body (`Idempotency.secret_for`), so no token is ever stored. Every command on an existing
account (role, deactivation, reactivation, token issue and revocation) may carry
`If-Match: "<version>"`, the account's `version` as `GET /api/v1/users/{id}` shows it: a stale
one is 412.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import Container
from adapters.http.deps import ContainerDep, UserDep, permit
from adapters.http.errors import problem
from adapters.http.schemas import text_rule
from adapters.http.writes import Idempotency, IdempotencyDep, VersionDep, keyed
from domain.account import NoSuchToken
from domain.common import Actor
from domain.vocabulary import Agency, Role
from services.accounts import may_manage
from services.policies import Forbidden, Rule
from services.ports import Doc

MANAGE = Rule("manage accounts", ("admin",))
router = APIRouter(prefix="/api/v1/users", tags=["accounts 账号"], dependencies=[permit(MANAGE)])


@dataclass(frozen=True)
class Caller:
    actor: Actor
    account: Doc


async def admin(c: ContainerDep, actor: UserDep) -> Caller:
    """The acting admin and its account (decided before any validation of the request)."""
    if actor.role != "admin":
        raise Forbidden("role_not_allowed", role=actor.role, roles=["admin"])
    doc = await run_in_threadpool(c.accounts.account_doc, actor.id)
    if doc is None:  # an admin stored before accounts had a history: its own agency only
        doc = {"id": actor.id, "name": actor.name, "agency": actor.agency, "role": actor.role,
               "active": True, "system": False}
    return Caller(actor=actor, account=doc)


AdminDep = Annotated[Caller, Depends(admin)]


def check_agency(caller: Caller, agency: str) -> None:
    if not may_manage(caller.account, agency):
        raise Forbidden("agency_not_allowed", agency=caller.account["agency"], agencies=[agency])


def target(c: Container, caller: Caller, account_id: UUID | str) -> Doc:
    """The account acted on, after checking the caller may manage it (unknown: 404)."""
    doc = c.accounts.account_doc(str(account_id))
    if doc is None:
        raise problem(404, "no_such_account", account_id=account_id)
    check_agency(caller, doc["agency"])
    return doc


# The domain's text rule (trimmed, not blank, no control characters) in pydantic itself, so one
# 422 names every offending field, not only the first the domain would refuse.
AccountName = Annotated[str, Field(min_length=1, max_length=100), text_rule(100)]
TokenName = Annotated[str, Field(min_length=1, max_length=60), text_rule(60)]


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: AccountName
    agency: Agency
    role: Role
    system: bool = Field(False, description="A system-wide admin (only a system admin may)")
    token_name: TokenName = "default"
    expires_in_days: int | None = Field(None, ge=1, le=366, description="Default: the setting")


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class Deactivation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(max_length=500),
                      text_rule(500, multiline=True, required=False)] = ""


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[TokenName, Field(description="e.g. the device it is for")]
    expires_in_days: int | None = Field(None, ge=1, le=366, description="Default: the setting")


def _expiry(c: Container, days: int | None) -> Any:
    from datetime import timedelta

    return None if days is None else c.clock() + timedelta(days=days)


def _forget(request: Request, account_id: UUID) -> None:
    request.app.state.tokens.forget_account(str(account_id))  # this process at once; others ≤ 5 s


@router.get("")
def list_accounts(c: ContainerDep, caller: AdminDep, agency: Agency | None = None,
                  role: Role | None = None, active: bool | None = None) -> list[Doc]:
    """Accounts of the caller's agency (a system admin: every agency, or `agency`)."""
    if agency is None and not caller.account["system"]:
        agency = caller.account["agency"]
    if agency is not None:
        check_agency(caller, agency)
    return c.accounts.list(agency=agency, role=role, active=active)


def _set_token(body: Doc, at: tuple[str, ...], token: str | None) -> Doc:
    inner = body
    for k in at[:-1]:
        inner = inner[k]
    inner[at[-1]] = token
    return body


def _without_token(status: int, body: Doc, at: tuple[str, ...]) -> tuple[int, Doc]:
    """The answer as the request log keeps it: the token taken out (a replay puts it back)."""
    return status, _set_token(body, at, None)


def _put_token(token: str, at: tuple[str, ...]) -> Callable[[Doc], Doc]:
    return lambda body: _set_token(body, at, token)


def _issuing(request: Request, c: Container, idem: Idempotency, body: BaseModel,
             issue: Callable[[str | None], Doc], at: tuple[str, ...],
             expected: int | None = None) -> Any:
    """Run a request whose answer shows a new token: keyed, the same token on every retry."""
    dumped = keyed(body, expected)
    secret = idem.secret_for(request, dumped)
    if secret is None:  # no key (or no bearer token to derive it from): a one-off token
        return JSONResponse(jsonable_encoder(issue(None)), status_code=201)

    def action() -> tuple[int, Doc]:
        return _without_token(201, jsonable_encoder(issue(secret)), at)

    answer = idem.run(request, dumped, action, _put_token("lk_" + secret, at))
    c.accounts.refresh()  # the new token signs in on this process at once
    return answer


@router.post("", status_code=201)
def add_account(request: Request, c: ContainerDep, caller: AdminDep, body: NewAccount,
                idem: IdempotencyDep) -> Any:
    """A new account and its first token (the `token` field is shown in this answer, and again
    in a replay of its Idempotency-Key; never stored)."""
    check_agency(caller, body.agency)
    if body.system and not caller.account["system"]:
        raise Forbidden("not_system_admin")
    return _issuing(request, c, idem, body, lambda secret: c.accounts.add(
        caller.actor, name=body.name, agency=body.agency, role=body.role,
        system_admin=body.system, token_name=body.token_name,
        expires_at=_expiry(c, body.expires_in_days), secret=secret), ("token", "token"))


@router.get("/{account_id}")
def get_account(c: ContainerDep, caller: AdminDep, account_id: UUID) -> dict[str, Any]:
    target(c, caller, account_id)
    view = c.accounts.get(account_id)
    used = c.security.last_used([t["id"] for t in view["tokens"]])
    for t in view["tokens"]:
        t["last_used_at"] = used.get(t["id"])
    return view


@router.get("/{account_id}/tokens")
def list_tokens(c: ContainerDep, caller: AdminDep, account_id: UUID) -> list[dict[str, Any]]:
    """The account's tokens (never the tokens themselves) with when each was last used."""
    tokens: list[dict[str, Any]] = get_account(c, caller, account_id)["tokens"]
    return tokens


def _changing(request: Request, c: Container, idem: Idempotency, account_id: UUID,
              body: BaseModel | None, change: Callable[[], Doc], forget: bool = True,
              expected: int | None = None) -> Any:
    """A keyed change of an account: applied once, its answer replayed; then every cached
    sign-in of the account is dropped on this process (others within 5 s)."""
    answer = idem.run(request, keyed(body, expected), lambda: (200, change()))
    c.accounts.refresh()
    if forget:
        _forget(request, account_id)
    return answer


@router.post("/{account_id}/role")
def change_role(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
                body: RoleChange, expected: VersionDep, idem: IdempotencyDep) -> Any:
    target(c, caller, account_id)
    return _changing(request, c, idem, account_id, body, lambda: {
        "id": str(account_id), "role": body.role,
        "version": c.accounts.change_role(caller.actor, str(account_id), body.role, expected)},
        expected=expected)


@router.post("/{account_id}/deactivation")
def deactivate(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
               body: Deactivation, expected: VersionDep, idem: IdempotencyDep) -> Any:
    """Every token and web session of the account stops working on every server within 5 s."""
    target(c, caller, account_id)
    return _changing(request, c, idem, account_id, body, lambda: {
        "id": str(account_id), "active": False,
        "version": c.accounts.deactivate(caller.actor, str(account_id), body.reason, expected)},
        expected=expected)


@router.post("/{account_id}/reactivation")
def reactivate(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
               expected: VersionDep, idem: IdempotencyDep) -> Any:
    target(c, caller, account_id)
    return _changing(request, c, idem, account_id, None, lambda: {
        "id": str(account_id), "active": True,
        "version": c.accounts.reactivate(caller.actor, str(account_id), expected)}, forget=False,
        expected=expected)


@router.post("/{account_id}/tokens", status_code=201)
def issue_token(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
                body: NewToken, expected: VersionDep, idem: IdempotencyDep) -> Any:
    """A new named token: the `token` field is shown in this answer (and again in a replay of
    its Idempotency-Key); only its hash is kept."""
    target(c, caller, account_id)
    return _issuing(request, c, idem, body, lambda secret: c.accounts.issue_token(
        caller.actor, str(account_id), body.name, _expiry(c, body.expires_in_days), secret,
        expected), ("token",), expected)


@router.post("/{account_id}/tokens/{token_id}/revocation")
def revoke_token(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
                 token_id: str, expected: VersionDep, idem: IdempotencyDep) -> Any:
    target(c, caller, account_id)

    def revoke() -> Doc:
        try:
            version = c.accounts.revoke_token(caller.actor, str(account_id), token_id, expected)
        except NoSuchToken as e:
            raise problem(404, e.code, **e.params) from e
        return {"id": str(account_id), "version": version, "token_id": token_id, "revoked": True}

    return _changing(request, c, idem, account_id, None, revoke, expected=expected)
