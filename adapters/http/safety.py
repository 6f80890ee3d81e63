"""/api/v1/agencies/safety/...: safety's inspection proposals, investigations and calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from adapters.http.deps import ContainerDep, UserDep, reads
from services.agencies.safety import INVESTIGATIONS, PROPOSALS, calendar

router = APIRouter(prefix="/api/v1/agencies/safety", tags=["agency read models"],
                   dependencies=[reads("safety")])


@router.get("/proposals")
def proposals(c: ContainerDep, actor: UserDep,
              status: Literal["proposed", "scheduled", "dropped"] | None = None) -> Any:
    with c.store("safety").transaction() as tx:
        items = [d for _, d in tx.scan(PROPOSALS) if status is None or d["status"] == status]
    return {"items": sorted(items, key=lambda d: (datetime.fromisoformat(d["occurred_at"]), d["id"]))}


@router.get("/investigations")
def investigations(c: ContainerDep, actor: UserDep) -> Any:
    with c.store("safety").transaction() as tx:
        items = [d for _, d in tx.scan(INVESTIGATIONS)]
    return {"items": sorted(items, key=lambda d: (datetime.fromisoformat(d["occurred_at"]), d["notice_id"]))}


@router.get("/calendar")
def safety_calendar(c: ContainerDep, actor: UserDep,
                    start: Annotated[date | None, Query(alias="from")] = None,
                    end: Annotated[date | None, Query(alias="to")] = None,
                    inspector: Annotated[str | None, Query(max_length=100)] = None) -> Any:
    with c.store("safety").transaction() as tx:
        return {"items": calendar(tx, start.isoformat() if start else None,
                                  end.isoformat() if end else None, inspector)}
