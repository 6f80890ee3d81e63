"""/api/v1/audit/...: the auditor's read-only views of the event history, and verification."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict

from adapters import audit_wiring
from adapters.http.deps import ContainerDep, UserDep, authenticate, bearer, container, require
from adapters.http.schemas import Agency
from domain.common import Actor
from services import audit
from services.chain import notifications
from services.projections import queue

router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计"])
AUDIT_ROLES = ("auditor", "admin")


def auditor(actor: Actor) -> None:
    require(actor, roles=AUDIT_ROLES)


async def auditors_read_only(request: Request) -> None:
    """An app-wide guard, run before any body is read: an auditor's token never writes.

    Every method but GET/HEAD/OPTIONS is a write, except the audit routes' own POST (verify),
    which changes nothing in the history. Requests without a (known) token fall through to the
    route, which answers 401 as before. Async, with the token cache: most requests cost no
    worker-thread hop and no database read here.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or request.url.path.startswith(router.prefix):
        return
    token = bearer(request.headers.get("authorization"))
    if token is None:
        return
    actor = await authenticate(request, await container(request), token)
    if actor is not None and actor.role == "auditor":
        raise HTTPException(403, "role auditor is read-only: it may not change anything")


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


class EventPage(BaseModel):
    items: list[AuditEvent]
    next_after: int | None


def _filters(start: datetime | None, end: datetime | None, aggregate: UUID | None,
             agency: str | None, actor: str | None, type_: str | None) -> audit.Filters:
    return audit.Filters(start=start, end=end, aggregate=aggregate, agency=agency, actor=actor,
                         type=type_)


@router.get("/events", response_model=EventPage)
def events(c: ContainerDep, user: UserDep,
           start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
           end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
           aggregate: UUID | None = None, agency: str | None = None, actor: str | None = None,
           type_: Annotated[str | None, Query(alias="type")] = None,
           after: Annotated[int | None, Query(description="Resume after this notification id")] = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
           format: Annotated[Literal["json", "ndjson"], Query()] = "json") -> Any:
    """The history in log order; `format=ndjson` streams every match as JSON Lines."""
    auditor(user)
    f = _filters(start, end, aggregate, agency, actor, type_)
    records = audit.replay(c.app, f, notifications(c.app, after=after))
    if format == "ndjson":
        def lines() -> Iterator[bytes]:
            for rec in records:
                yield (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        return StreamingResponse(lines(), media_type="application/x-ndjson")
    items = list(itertools.islice(records, limit))
    return {"items": items,
            "next_after": items[-1]["notification_id"] if len(items) == limit else None}


@router.get("/aggregates/{aggregate_id}")
def aggregate_state(aggregate_id: str, c: ContainerDep, user: UserDep,
                    as_of: AwareDatetime | None = None,
                    version: Annotated[int | None, Query(ge=1)] = None) -> Any:
    """Any aggregate exactly as it was at a moment (`as_of`) or a version; else as it is now."""
    auditor(user)
    if as_of is not None and version is not None:
        raise HTTPException(422, [{"field": "as_of", "message": "give as_of or version, not both"}])
    return audit.aggregate_as_of(c.app, aggregate_id, version=version, as_of=as_of)


@router.get("/aggregates/{aggregate_id}/timeline")
def aggregate_timeline(aggregate_id: str, c: ContainerDep, user: UserDep) -> Any:
    """Who did what, and when, to one aggregate."""
    auditor(user)
    return {"aggregate_id": aggregate_id, "events": audit.timeline(c.app, aggregate_id)}


@router.get("/compliance")
def compliance(c: ContainerDep, user: UserDep,
               start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
               end: Annotated[AwareDatetime | None, Query(alias="to")] = None) -> Any:
    """Acknowledgement delays against deadlines, escalations, late revisions, overdue items."""
    auditor(user)
    from services.audit_compliance import notice_compliance, obligations

    records = list(audit.replay(c.app))
    return {**notice_compliance(records, start, end),
            "overdue": obligations(records, end or c.clock())}


@router.post("/verify")
def verify(c: ContainerDep, user: UserDep) -> Any:
    """Recompute the hash chain from the stored rows; the first broken link names the event.

    Read-only for the history: it only extends the chain (the audit store) before checking.
    """
    auditor(user)
    return audit_wiring.verify(c)


@router.get("/as-of/{agency}/queue")
def queue_as_of(agency: Agency, c: ContainerDep, user: UserDep) -> Any:
    """An agency's queue as rebuilt by `linkage audit as-of` (the moment is in `as_of`)."""
    auditor(user)
    with c.store(audit_wiring.as_of_store(agency)).transaction() as tx:
        meta = tx.get(audit_wiring.AS_OF_META, "meta")
        if meta is None:
            raise HTTPException(404, "no as-of rebuild yet: run `linkage audit as-of <time>`")
        return {"agency": agency, "as_of": meta["as_of"], "items": queue(tx)}


@router.get("/report", response_class=HTMLResponse)
def report(c: ContainerDep, user: UserDep,
           start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
           end: Annotated[AwareDatetime | None, Query(alias="to")] = None) -> Any:
    """The audit report as a self-contained HTML page."""
    auditor(user)
    from adapters.audit_report import build_report

    return HTMLResponse(build_report(c, start, end or datetime.now(UTC)))
