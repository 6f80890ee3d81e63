"""/api/v1/agencies/{agency}/...: each agency's read model, readable by it and by auditors."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict

from adapters.http.deps import ContainerDep, UserDep
from domain.common import Actor
from services.projections import queue

router = APIRouter(prefix="/api/v1/agencies", tags=["agency read models"])
Agency = Literal["hrss", "safety", "health", "finance"]


class QueueItemOut(BaseModel):
    """A work item; `kind` says which (acknowledge_notice, …) and which other fields it has."""

    model_config = ConfigDict(extra="allow")

    kind: str
    deadline: str | None = None


class QueueOut(BaseModel):
    agency: Agency
    items: list[QueueItemOut]
    positions: dict[str, int]


def may_read(actor: Actor, agency: str) -> None:
    if actor.role != "auditor" and actor.agency != agency:
        raise HTTPException(403, f"only {agency} users and auditors may read {agency}'s data")


@router.get("/{agency}/queue", response_model=QueueOut)
def agency_queue(agency: Agency, c: ContainerDep, actor: UserDep) -> Any:
    may_read(actor, agency)
    with c.store(agency).transaction() as tx:
        return {"agency": agency, "items": queue(tx), "positions": tx.positions()}


@router.get("/{agency}/dead-letters")
def dead_letters(agency: Agency, c: ContainerDep, actor: UserDep) -> Any:
    may_read(actor, agency)
    with c.store(agency).transaction() as tx:
        return {"agency": agency, "items": tx.dead_letters()}
