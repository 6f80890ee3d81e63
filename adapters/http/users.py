"""/api/v1/users: accounts and their tokens, for admins of the same agency.

An admin manages its own agency's accounts; a system-wide admin (the first account, made by
`linkage users add --role admin --system`) every agency's, and only it may make another
system-wide admin. A token is shown once, in the answer that issues it: these routes keep no
Idempotency-Key replay of it (a replay would have to store the token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import Container
from adapters.http.deps import ContainerDep, UserDep, VersionDep, permit
from adapters.http.errors import problem
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


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    agency: Agency
    role: Role
    system: bool = Field(False, description="A system-wide admin (only a system admin may)")
    token_name: str = Field("default", min_length=1, max_length=60)
    expires_in_days: int | None = Field(None, ge=1, le=366, description="Default: the setting")


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class Deactivation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=500)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60, description="e.g. the device it is for")
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


@router.post("", status_code=201)
def add_account(c: ContainerDep, caller: AdminDep, body: NewAccount) -> dict[str, Any]:
    """A new account and its first token (the `token` field is shown this once)."""
    check_agency(caller, body.agency)
    if body.system and not caller.account["system"]:
        raise Forbidden("not_system_admin")
    return c.accounts.add(caller.actor, name=body.name, agency=body.agency, role=body.role,
                          system_admin=body.system, token_name=body.token_name,
                          expires_at=_expiry(c, body.expires_in_days))


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


@router.post("/{account_id}/role")
def change_role(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
                body: RoleChange, expected: VersionDep) -> dict[str, Any]:
    target(c, caller, account_id)
    version = c.accounts.change_role(caller.actor, str(account_id), body.role, expected)
    _forget(request, account_id)
    return {"id": str(account_id), "version": version, "role": body.role}


@router.post("/{account_id}/deactivation")
def deactivate(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
               body: Deactivation, expected: VersionDep) -> dict[str, Any]:
    """Every token and web session of the account stops working on every server within 5 s."""
    target(c, caller, account_id)
    version = c.accounts.deactivate(caller.actor, str(account_id), body.reason, expected)
    _forget(request, account_id)
    return {"id": str(account_id), "version": version, "active": False}


@router.post("/{account_id}/reactivation")
def reactivate(c: ContainerDep, caller: AdminDep, account_id: UUID,
               expected: VersionDep) -> dict[str, Any]:
    target(c, caller, account_id)
    version = c.accounts.reactivate(caller.actor, str(account_id), expected)
    return {"id": str(account_id), "version": version, "active": True}


@router.post("/{account_id}/tokens", status_code=201)
def issue_token(c: ContainerDep, caller: AdminDep, account_id: UUID,
                body: NewToken) -> dict[str, Any]:
    """A new named token: the `token` field is shown this once, only its hash is kept."""
    target(c, caller, account_id)
    return c.accounts.issue_token(caller.actor, str(account_id), body.name,
                                  _expiry(c, body.expires_in_days))


@router.post("/{account_id}/tokens/{token_id}/revocation")
def revoke_token(request: Request, c: ContainerDep, caller: AdminDep, account_id: UUID,
                 token_id: str) -> dict[str, Any]:
    target(c, caller, account_id)
    try:
        version = c.accounts.revoke_token(caller.actor, str(account_id), token_id)
    except NoSuchToken as e:
        raise problem(404, e.code, **e.params) from e
    _forget(request, account_id)
    return {"id": str(account_id), "version": version, "token_id": token_id, "revoked": True}
