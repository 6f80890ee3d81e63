"""/api/v1/registers/{employers|inspectors}: the 双随机 registers, kept by an admin."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.http.deps import ContainerDep, IdempotencyDep, UserDep, require
from adapters.http.schemas import Agency

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
    entries: list[dict[str, str]]


@router.get("/{kind}", response_model=RegisterOut)
def get_register(kind: Kind, c: ContainerDep, actor: UserDep) -> Any:
    require(actor, roles=("admin", "inspector", "auditor"))
    return c.registers.get(kind)


@router.post("/{kind}", response_model=RegisterOut)
def put_entries(kind: Kind, body: EntriesIn, request: Request, c: ContainerDep, actor: UserDep,
                idem: IdempotencyDep) -> Any:
    """Add entries, or replace those with the same key."""
    require(actor, roles=("admin",))

    def act() -> tuple[int, Any]:
        entries = [e.model_dump(exclude_none=True) for e in body.entries]
        return 200, c.registers.put(kind, actor, entries)

    return idem.run(request, body.model_dump(mode="json"), act)


@router.delete("/{kind}/{key}", response_model=RegisterOut)
def remove_entry(kind: Kind, key: Annotated[str, Path(min_length=1, max_length=100)],
                 request: Request, c: ContainerDep, actor: UserDep, idem: IdempotencyDep) -> Any:
    require(actor, roles=("admin",))
    return idem.run(request, None, lambda: (200, c.registers.remove(kind, actor, key)))
