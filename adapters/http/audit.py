"""/api/v1/audit/...: the auditor's read-only views of the event history, and verification."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from adapters import audit_wiring
from adapters.http.deps import ContainerDep, UserDep, auditors_read_only, permit
from adapters.http.errors import problem
from adapters.http.schemas import Agency
from services import audit, audit_timeline
from services.chain import notifications
from services.policies import audit as policy
from services.projections import queue

router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计"])
READ = [permit(policy.READ)]
__all__ = ["auditors_read_only", "router"]  # the app-wide guard is installed from here


class AuditEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    notification_id: int
    time: str
    mechanism: str
    event_type: str
    aggregate_id: str
    aggregate_version: int
    actor: dict[str, str]
    agency: str
    payload: dict[str, Any]
    causation_id: str | None = Field(
        None, description="the id of the request that stored the event (its X-Request-ID, as "
                          "in the logs), or the background job's name; null for events stored "
                          "before these ids were kept")
    correlation_id: str | None = Field(
        None, description="the caller's X-Correlation-ID when it sent one (a conversation of "
                          "several requests), else the same as causation_id")


class EventPage(BaseModel):
    items: list[AuditEvent]
    next_after: int | None


def _filters(start: datetime | None, end: datetime | None, aggregate: UUID | None,
             agency: str | None, actor: str | None, type_: str | None,
             mechanism: str | None = None, aggregate_type: str | None = None) -> audit.Filters:
    return audit.Filters(start=start, end=end, aggregate=aggregate, agency=agency, actor=actor,
                         type=type_, mechanism=mechanism, aggregate_type=aggregate_type)


def _one_moment(as_of: datetime | None, version: int | None, position: int | None) -> None:
    if sum(x is not None for x in (as_of, version, position)) > 1:
        raise problem(422, "one_moment", "as_of")


@router.get("/events", response_model=EventPage, dependencies=READ)
def events(c: ContainerDep, user: UserDep,
           start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
           end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
           aggregate: UUID | None = None, agency: str | None = None, actor: str | None = None,
           type_: Annotated[str | None, Query(alias="type")] = None,
           mechanism: str | None = None,
           aggregate_type: Annotated[str | None, Query(description="e.g. AccidentNotice")] = None,
           after: Annotated[int | None, Query(description="Resume after this notification id")] = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
           format: Annotated[Literal["json", "ndjson"], Query()] = "json") -> Any:
    """The history in log order; `format=ndjson` streams every match as JSON Lines."""
    f = _filters(start, end, aggregate, agency, actor, type_, mechanism, aggregate_type)
    records = audit.replay(c.app, f, notifications(c.app, after=after))
    if format == "ndjson":
        def lines() -> Iterator[bytes]:
            for rec in records:
                yield (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        return StreamingResponse(lines(), media_type="application/x-ndjson")
    items = list(itertools.islice(records, limit))
    return {"items": items,
            "next_after": items[-1]["notification_id"] if len(items) == limit else None}


@router.get("/aggregates/{aggregate_id}", dependencies=READ)
def aggregate_state(aggregate_id: str, c: ContainerDep, user: UserDep,
                    as_of: AwareDatetime | None = None,
                    version: Annotated[int | None, Query(ge=1)] = None,
                    position: Annotated[int | None, Query(
                        ge=1, description="A notification id: the state once the log got there")]
                    = None) -> Any:
    """Any aggregate exactly as it was at a moment (`as_of`), a version or a log position; else
    as it is now."""
    _one_moment(as_of, version, position)
    if position is not None:
        return audit_timeline.aggregate_at_position(c.app, aggregate_id, position)
    return audit.aggregate_as_of(c.app, aggregate_id, version=version, as_of=as_of)


@router.get("/aggregates/{aggregate_id}/timeline", dependencies=READ)
def aggregate_timeline(aggregate_id: str, c: ContainerDep, user: UserDep) -> Any:
    """Who did what, and when, to one aggregate; each event's `changes` (field, before, after)."""
    return audit_timeline.history(c.app, aggregate_id)


@router.get("/compliance", dependencies=READ)
def compliance(c: ContainerDep, user: UserDep,
               start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
               end: Annotated[AwareDatetime | None, Query(alias="to")] = None) -> Any:
    """Acknowledgement delays against deadlines, escalations, late revisions, overdue items."""
    from services.audit_compliance import notice_compliance, obligations

    records = list(audit.replay(c.app))
    return {**notice_compliance(records, start, end),
            "overdue": obligations(records, end or c.clock())}


@router.post("/verify", dependencies=[permit(policy.VERIFY)])
def verify(c: ContainerDep, user: UserDep) -> Any:
    """Recompute the hash chain from the stored rows; the first broken link names the event.

    Read-only for the history: it only extends the chain (the audit store) before checking.
    """
    return audit_wiring.verify(c)


@router.get("/as-of/{agency}", dependencies=READ)
def read_model_as_of(agency: Agency, c: ContainerDep, user: UserDep,
                     as_of: AwareDatetime | None = None,
                     position: Annotated[int | None, Query(ge=1)] = None) -> Any:
    """Every document of an agency's read model as of a moment or a log position, rebuilt on
    demand from the log (nothing to run first)."""
    _need_moment(as_of, position)
    return audit_wiring.read_model_as_of(c, agency, as_of, position)


def _need_moment(as_of: datetime | None, position: int | None) -> None:
    _one_moment(as_of, None, position)
    if as_of is None and position is None:
        raise problem(422, "moment_missing", "as_of")


@router.get("/as-of/{agency}/queue", dependencies=READ)
def queue_as_of(agency: Agency, c: ContainerDep, user: UserDep,
                as_of: AwareDatetime | None = None,
                position: Annotated[int | None, Query(ge=1)] = None) -> Any:
    """An agency's queue as of `as_of` or `position`, rebuilt on demand; without either, as
    last rebuilt by `linkage audit as-of` (the moment is in `as_of`)."""
    if as_of is not None or position is not None:
        _need_moment(as_of, position)
        with audit_wiring.scratch_as_of(c, agency, as_of, position) as (store, _), \
                store.transaction(write=False) as tx:
            return {"agency": agency, "as_of": as_of.isoformat() if as_of else None,
                    "position": position, "items": queue(tx)}
    with c.store(audit_wiring.as_of_store(agency)).transaction() as tx:
        meta = tx.get(audit_wiring.AS_OF_META, "meta")
        if meta is None:
            raise problem(404, "no_as_of_rebuild")
        return {"agency": agency, "as_of": meta["as_of"], "position": meta.get("position"),
                "items": queue(tx)}


@router.get("/report", response_class=HTMLResponse, dependencies=READ)
def report(c: ContainerDep, user: UserDep,
           start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
           end: Annotated[AwareDatetime | None, Query(alias="to")] = None) -> Any:
    """The audit report as a self-contained HTML page."""
    from adapters.audit_report import build_report

    return HTMLResponse(build_report(c, start, end or datetime.now(UTC)))
