"""/api/v1/joint-inspections: scheduling (also drawn at random, or from safety's proposal),
the lifecycle steps, the draw's verification, the calendar.

Only the inspectors booked on an inspection (the register entries their accounts are linked
to) record its start, findings, rectification orders, re-inspections, on-the-spot closures and
completion; anyone else gets 403 naming the rule. Hand-chosen inspectors must be active
register entries (422 naming the id). It starts within its window (Beijing dates; 409 before).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from adapters.http.deps import ContainerDep, UserDep, guard, permit
from adapters.http.errors import problem
from adapters.http.inspection_models import (
    CompletionIn,
    FindingIn,
    FindingOut,
    InspectionOut,
    ReasonIn,
    RectificationIn,
    ReinspectionIn,
    ScheduledOut,
    ScheduleIn,
    SpotClosureIn,
    VerifyOut,
    VersionOut,
)
from adapters.http.schemas import InspectionStatus, Unfiltered
from adapters.http.writes import IdempotencyDep, VersionDep
from services.agencies.safety import proposal
from services.policies import inspections as policy

router = APIRouter(prefix="/api/v1/joint-inspections", tags=["joint inspections 联合执法检查"])


def from_proposal(c: ContainerDep, body: ScheduleIn) -> tuple[str | None, list[dict[str, str]]]:
    """The notice and default target of the proposal the body names (checked)."""
    if not body.proposal_id:
        return (str(body.notice_id) if body.notice_id else None), []
    with c.store("safety").transaction() as tx:
        prop = proposal(tx, body.proposal_id)
    if prop is None:
        raise problem(404, "proposal_not_found", proposal_id=body.proposal_id)
    if prop["status"] == "scheduled":
        raise problem(409, "proposal_already_scheduled", proposal_id=body.proposal_id,
                      inspection_id=prop["inspection_id"])
    if prop["status"] != "proposed":
        raise problem(409, "proposal_status", proposal_id=body.proposal_id, status=prop["status"])
    if body.notice_id is not None and str(body.notice_id) != prop["notice_id"]:
        raise problem(422, "notice_differs_from_proposal", "notice_id")
    return prop["notice_id"], [dict(prop["employer"])]


@router.post("", status_code=201, response_model=ScheduledOut,
             dependencies=[permit(policy.SCHEDULE)])
def schedule(body: ScheduleIn, request: Request, c: ContainerDep, actor: UserDep,
             idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        notice_id, default_targets = from_proposal(c, body)
        if body.notice_id and not body.proposal_id and not c.notices.exists(body.notice_id):
            raise problem(422, "no_such_notice", "notice_id")
        targets = [t.model_dump() for t in body.targets] or default_targets
        return 201, c.inspections.schedule(
            actor, theme=body.theme, starts_on=body.starts_on, ends_on=body.ends_on,
            lead_agency=body.lead_agency, agencies=list(body.agencies),
            inspectors=[p.model_dump() for p in body.inspectors], targets=targets,
            notice_id=notice_id, proposal_id=body.proposal_id,
            draw=body.draw.model_dump() if body.draw else None)

    return idem.run(request, body.model_dump(mode="json"), act)


@router.get("", response_model=dict[str, Any])
def list_inspections(c: ContainerDep, actor: UserDep,
                     status: Annotated[InspectionStatus | None, Unfiltered] = None,
                     offset: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    c.inspection_index.catch_up()
    with c.inspection_index.consumer.store.transaction() as tx:
        rows = [d for _, d in tx.scan("inspections") if status is None or d["status"] == status]
    rows.sort(key=lambda d: (d["starts_on"], d["id"]))
    return {"total": len(rows), "offset": offset, "limit": limit,
            "items": rows[offset:offset + limit]}


@router.get("/calendar")
def inspector_calendar(c: ContainerDep, actor: UserDep,
                       inspector: Annotated[str, Query(min_length=1, max_length=100)],
                       start: Annotated[date, Query(alias="from")],
                       end: Annotated[date, Query(alias="to")]) -> Any:
    if end < start:
        raise problem(422, "to_before_from", "to")
    return {"inspector": inspector, "from": start.isoformat(), "to": end.isoformat(),
            "items": c.inspections.calendar(inspector, start, end)}


@router.get("/{inspection_id}", response_model=InspectionOut)
def get_inspection(inspection_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.inspections.get(inspection_id)


@router.get("/{inspection_id}/draw/verify", response_model=VerifyOut)
def verify_draw(inspection_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.inspections.verify_draw(inspection_id)


def booked(step: str) -> Any:
    """The step's guard: a booked inspector (a cancellation: or its scheduler), 403 first."""
    return guard(lambda c, actor, path: c.inspections.authorize(path["inspection_id"], actor,
                                                                step))


def _step(request: Request, idem: IdempotencyDep, body: Any, version: int | None,
          run: Any) -> Any:
    def act() -> tuple[int, Any]:
        return 200, run()
    return idem.run(request, {"body": body, "version": version}, act)


@router.post("/{inspection_id}/start", response_model=VersionOut,
             dependencies=[permit(policy.START), booked("start")])
def start(inspection_id: UUID, request: Request, c: ContainerDep, actor: UserDep,
          version: VersionDep, idem: IdempotencyDep) -> Any:
    return _step(request, idem, None, version, lambda: {
        "id": str(inspection_id), "version": c.inspections.start(inspection_id, actor, version)})


@router.post("/{inspection_id}/findings", status_code=201, response_model=FindingOut,
             dependencies=[permit(policy.RECORD_FINDING), booked("record_finding")])
def record_finding(inspection_id: UUID, body: FindingIn, request: Request, c: ContainerDep,
                   actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        return 201, c.inspections.record_finding(inspection_id, actor, **body.model_dump(),
                                                 expected_version=version)

    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version}, act)


@router.post("/{inspection_id}/findings/{finding_no}/rectification", response_model=VersionOut,
             dependencies=[permit(policy.ORDER_RECTIFICATION), booked("order_rectification")])
def order_rectification(inspection_id: UUID, finding_no: int, body: RectificationIn,
                        request: Request, c: ContainerDep, actor: UserDep, version: VersionDep,
                        idem: IdempotencyDep) -> Any:
    return _step(request, idem, body.model_dump(mode="json"), version, lambda: {
        "id": str(inspection_id), "version": c.inspections.order_rectification(
            inspection_id, actor, finding_no, body.deadline, version)})


@router.post("/{inspection_id}/findings/{finding_no}/reinspection", response_model=VersionOut,
             dependencies=[permit(policy.REINSPECT), booked("reinspect")])
def reinspect(inspection_id: UUID, finding_no: int, body: ReinspectionIn, request: Request,
              c: ContainerDep, actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _step(request, idem, body.model_dump(mode="json"), version, lambda: {
        "id": str(inspection_id), "version": c.inspections.reinspect(
            inspection_id, actor, finding_no, body.rectified, body.note, version)})


@router.post("/{inspection_id}/findings/{finding_no}/closure", response_model=VersionOut,
             dependencies=[permit(policy.CLOSE_ON_SPOT), booked("close_on_spot")])
def close_on_spot(inspection_id: UUID, finding_no: int, body: SpotClosureIn, request: Request,
                  c: ContainerDep, actor: UserDep, version: VersionDep,
                  idem: IdempotencyDep) -> Any:
    """An observation or a minor finding closed on the spot with a note (a booked inspector)."""
    return _step(request, idem, body.model_dump(mode="json"), version, lambda: {
        "id": str(inspection_id), "version": c.inspections.close_on_spot(
            inspection_id, actor, finding_no, body.note, version)})


@router.post("/{inspection_id}/completion", response_model=VersionOut,
             dependencies=[permit(policy.COMPLETE), booked("complete")])
def complete(inspection_id: UUID, body: CompletionIn, request: Request, c: ContainerDep,
             actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _step(request, idem, body.model_dump(mode="json"), version, lambda: {
        "id": str(inspection_id),
        "version": c.inspections.complete(inspection_id, actor, body.summary, version)})


@router.post("/{inspection_id}/cancellation", response_model=VersionOut,
             dependencies=[permit(policy.CANCEL), booked("cancel")])
def cancel(inspection_id: UUID, body: ReasonIn, request: Request, c: ContainerDep,
           actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _step(request, idem, body.model_dump(mode="json"), version, lambda: {
        "id": str(inspection_id),
        "version": c.inspections.cancel(inspection_id, actor, body.reason, version)})
