"""/api/v1/agencies/{agency}/...: each agency's read model, readable by it and by auditors."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.http.deps import ContainerDep, UserDep, permit, reads
from adapters.http.errors import lang_of, problem
from adapters.http.fresh import FreshDep
from adapters.http.schemas import Agency, Cause, Grade, Unfiltered
from adapters.http.writes import IdempotencyDep
from domain.common import beijing_date
from domain.messages import DEFAULT
from services.agencies import finance, health, hrss
from services.notice_list import BadCursor, queue_page
from services.notifications.log import alerts
from services.policies.prevention import HEALTH_FOLLOW_UP_DONE
from services.projections import EVERYTHING as ALL_ITEMS

# Reads wait for the reader's own last write (and a Linkage-Position header): adapters/http/fresh.py
router = APIRouter(prefix="/api/v1/agencies", tags=["agency read models"], dependencies=[FreshDep])


class QueueItemOut(BaseModel):
    """A work item; `kind` says which (acknowledge_notice, …) and which other fields it has."""

    model_config = ConfigDict(extra="allow")

    kind: str
    deadline: str | None = None


class QueueOut(BaseModel):
    agency: Agency
    items: list[QueueItemOut]
    positions: dict[str, int]
    total: int = 0
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page")


@router.get("/{agency}/queue", response_model=QueueOut, dependencies=[reads()])
def agency_queue(
    agency: Agency, c: ContainerDep, actor: UserDep,
    kind: Annotated[str | None, Query(max_length=50)] = None,
    grade: Annotated[Grade | None, Unfiltered] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    cause: Annotated[Cause | None, Unfiltered] = None,
    overdue: Annotated[bool, Query(description="only items whose deadline has passed")] = False,
    cursor: Annotated[str | None, Query(
        max_length=1000, description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    """The most urgent first: the nearest deadline (so overdue first), then the higher grade,
    then items without a deadline; a page continues from `cursor`."""
    with c.store(agency).transaction(write=False) as tx:
        try:
            page = queue_page(tx, kind=kind, grade=grade, district=district, cause=cause,
                              overdue_at=c.clock() if overdue else None, cursor=cursor,
                              limit=limit)
        except BadCursor as e:
            raise problem(422, "bad_cursor", "cursor") from e
        positions = tx.positions()
    filtered = grade or district or cause or overdue
    if kind in (None, "delivery_failed") and not filtered:  # issue 18: failed deliveries
        with c.store("notify").transaction(write=False) as tx:
            failed = alerts(tx, agency)
        page["total"] += len(failed)
        if page["next_cursor"] is None:
            page["items"] += failed
    return {"agency": agency, **page, "positions": positions}


@router.get("/{agency}/dead-letters", dependencies=[reads()])
def dead_letters(agency: Agency, c: ContainerDep, actor: UserDep) -> Any:
    with c.store(agency).transaction() as tx:
        return {"agency": agency, "items": tx.dead_letters()}


# -- agency-specific read models (issue 5) -------------------------------------------------
Year = Annotated[int | None, Query(ge=2000, le=2101)]


@router.get("/finance/ledger", dependencies=[reads("finance")])
def finance_ledger(c: ContainerDep, actor: UserDep) -> Any:
    """Prevention-fee ledger per fund year (cap, approved, paid, remaining) and what waits."""
    with c.store("finance").transaction() as tx:
        return {"agency": "finance", "fund_years": finance.ledger(tx),
                "approvals_waiting": queue_page(tx, kind="approve_project", limit=ALL_ITEMS)["items"],
                "disbursements_waiting": queue_page(tx, kind="pay_disbursement",
                                                    limit=ALL_ITEMS)["items"]}


@router.get("/hrss/statistics", dependencies=[reads("hrss")])
def hrss_statistics(c: ContainerDep, actor: UserDep, year: Year = None) -> Any:
    """Cases by month, employer, industry and district, with the year-on-year change."""
    with c.store("hrss").transaction() as tx:
        return {"agency": "hrss", **hrss.statistics(hrss.all_cases(tx), year)}


@router.get("/hrss/rate-proposals", dependencies=[reads("hrss")])
def hrss_rate_proposals(c: ContainerDep, actor: UserDep, year: Year = None,
                        lang: Annotated[str, Depends(lang_of)] = DEFAULT) -> Any:
    """Floating premium-rate proposal per employer for a rate year, each with its reasons (in
    the `Accept-Language`, and as stable `reason_codes`)."""
    with c.store("hrss").transaction() as tx:
        return {"agency": "hrss", **hrss.rate_proposals(hrss.all_cases(tx), year, lang)}


@router.get("/hrss/action-items", dependencies=[reads("hrss")])
def hrss_action_items(c: ContainerDep, actor: UserDep, overdue: bool = False) -> Any:
    """Joint-meeting action items; overdue = not done and due before today (judged now)."""
    today = beijing_date(c.clock()).isoformat()  # the city's calendar day, not UTC's
    with c.store("hrss").transaction() as tx:
        return {"agency": "hrss", "today": today, "items": hrss.action_items(tx, today, overdue)}


@router.get("/health/follow-ups", dependencies=[reads("health")])
def health_follow_ups(c: ContainerDep, actor: UserDep,
                      status: Literal["open", "done"] | None = None) -> Any:
    with c.store("health").transaction() as tx:
        return {"agency": "health", "items": health.follow_ups(tx, status)}


class FollowUpDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    findings: Annotated[str, Field(min_length=1, max_length=4000)]
    health_checks_given: Annotated[int, Field(ge=0, le=1_000_000)] = 0


@router.post("/health/follow-ups/{notice_id}/done", status_code=201,
             dependencies=[permit(HEALTH_FOLLOW_UP_DONE)])
def follow_up_done(notice_id: UUID, body: FollowUpDoneIn, request: Request, c: ContainerDep,
                   actor: UserDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, body.model_dump(mode="json"), lambda: (201, c.health_follow_ups.record_done(
        notice_id, actor, body.findings, body.health_checks_given)))
