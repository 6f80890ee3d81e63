"""/api/v1/registers/{employers|inspectors}: the 双随机 registers, kept by an admin.

An entry may be deactivated (neither drawn nor booked by hand) and reactivated; an inspector
entry is linked to the user account (role inspector, same agency) that acts for it, and shows it.
Every change may carry `If-Match: "<version>"`, the register's `version` as GET shows it (0
before its first entry): a stale one is 412.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.accounts import find_account
from adapters.http.deps import ContainerDep, UserDep, permit
from adapters.http.errors import problem
from adapters.http.schemas import Agency
from adapters.http.writes import IdempotencyDep, VersionDep, keyed
from services.policies import registers as policy

router = APIRouter(prefix="/api/v1/registers", tags=["registers 双随机名录库"])
Kind = Literal["employers", "inspectors"]


class EntryIn(BaseModel):
    """An employer (credit_code, name) or an inspector (id, name, agency)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: Annotated[str | None, Field(max_length=18)] = None
    id: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    agency: Agency | None = None


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: Annotated[list[EntryIn], Field(min_length=1, max_length=10_000)]


class RegisterOut(BaseModel):
    kind: Kind
    version: int
    entries: list[dict[str, Any]] = Field(
        description="each with `active` and, for inspectors, the linked `account` (id, name)")


class AccountLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account_id: Annotated[str, Field(min_length=1, max_length=100)]


class DeactivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, Field(min_length=1, max_length=4000)]


@router.get("/{kind}", response_model=RegisterOut, dependencies=[permit(policy.READ)])
def get_register(kind: Kind, c: ContainerDep, actor: UserDep) -> Any:
    return c.registers.get(kind)


@router.post("/{kind}", response_model=RegisterOut, dependencies=[permit(policy.MANAGE)])
def put_entries(kind: Kind, body: EntriesIn, request: Request, c: ContainerDep, actor: UserDep,
                version: VersionDep, idem: IdempotencyDep) -> Any:
    """Add entries, or replace those with the same key."""

    def act() -> tuple[int, Any]:
        entries = [e.model_dump(exclude_none=True) for e in body.entries]
        return 200, c.registers.put(kind, actor, entries, version)

    return idem.run(request, keyed(body, version), act)


@router.delete("/{kind}/{key}", response_model=RegisterOut,
               dependencies=[permit(policy.MANAGE)])
def remove_entry(kind: Kind, key: Annotated[str, Path(min_length=1, max_length=100)],
                 request: Request, c: ContainerDep, actor: UserDep, version: VersionDep,
                 idem: IdempotencyDep) -> Any:
    return idem.run(request, keyed(None, version),
                    lambda: (200, c.registers.remove(kind, actor, key, version)))


Key = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/inspectors/{key}/account", response_model=RegisterOut,
             dependencies=[permit(policy.MANAGE)])
def link_account(key: Key, body: AccountLinkIn, request: Request, c: ContainerDep, actor: UserDep,
                 version: VersionDep, idem: IdempotencyDep) -> Any:
    """Link an inspector entry to the user account (role inspector, the entry's agency) that
    acts for it: only the inspectors booked on an inspection act on it."""

    def act() -> tuple[int, Any]:
        account = find_account(c, body.account_id)
        if account is None:
            raise problem(422, "account_unknown", "account_id")
        return 200, c.registers.link_account(actor, key, account, version)

    return idem.run(request, keyed(body, version), act)


@router.post("/{kind}/{key}/deactivation", response_model=RegisterOut,
             dependencies=[permit(policy.MANAGE)])
def deactivate(kind: Kind, key: Key, body: DeactivationIn, request: Request, c: ContainerDep,
               actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    """An inactive entry is neither drawn nor accepted when inspectors are chosen by hand."""
    return idem.run(request, keyed(body, version),
                    lambda: (200, c.registers.deactivate(kind, actor, key, body.reason, version)))


@router.post("/{kind}/{key}/reactivation", response_model=RegisterOut,
             dependencies=[permit(policy.MANAGE)])
def reactivate(kind: Kind, key: Key, request: Request, c: ContainerDep, actor: UserDep,
               version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, keyed(None, version),
                    lambda: (200, c.registers.reactivate(kind, actor, key, version)))
