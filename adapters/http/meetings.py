"""/api/v1/joint-meetings: hrss convenes; attendance, resolutions, action items, minutes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from adapters.http.deps import ContainerDep, UserDep, guard, permit
from adapters.http.schemas import Agency, MeetingStatus, Strict, Unfiltered
from adapters.http.writes import IdempotencyDep, VersionDep
from domain.common import beijing_date
from services.joint_meetings import overdue_by_agency
from services.policies import meetings as policy

router = APIRouter(prefix="/api/v1/joint-meetings", tags=["joint meetings 联席会议"])
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class ConveneIn(Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    held_on: date
    agenda: Annotated[list[Text], Field(min_length=1)]
    invited: Annotated[list[Agency], Field(min_length=1, description="member agencies invited")]


class AttendanceIn(Strict):
    agency: Agency
    present: bool
    attendees: list[Annotated[str, Field(min_length=1, max_length=200)]] = []


class ActionItemIn(Strict):
    agency: Agency
    description: Text
    due_on: date


class ResolutionIn(Strict):
    text: Text
    action_items: list[ActionItemIn] = []


class NoteIn(Strict):
    note: Annotated[str, Field(max_length=4000)] = ""


class MinutesIn(Strict):
    text: Text


class VersionOut(BaseModel):
    id: UUID
    version: int


class ResolutionOut(VersionOut):
    resolution_no: int


class Quorum(BaseModel):
    """A resolution needs more than half of the member agencies present, the convener
    included; it binds absent members too."""

    members: int
    present: int
    needed: int
    met: bool


class MeetingOut(BaseModel):
    id: UUID
    version: int
    status: MeetingStatus
    title: str
    held_on: date
    agenda: list[str]
    invited: list[Agency] = Field(description="the member agencies, the convener included")
    convened_at: str
    convened_by: dict[str, str]
    attendance: dict[str, dict[str, Any]]
    absent: list[Agency]
    resolutions: list[dict[str, Any]]
    minutes: dict[str, Any] | None
    closed_at: str | None
    quorum: Quorum
    in_session: bool = Field(description="the meeting's day (Beijing time) has come: "
                                         "attendance, resolutions, minutes and closure allowed")


def _run(request: Request, idem: IdempotencyDep, body: Any, version: int | None,
         status: int, run: Any) -> Any:
    def act() -> tuple[int, Any]:
        return status, run()
    return idem.run(request, {"body": body, "version": version}, act)


@router.post("", status_code=201, response_model=VersionOut,
             dependencies=[permit(policy.CONVENE)])
def convene(body: ConveneIn, request: Request, c: ContainerDep, actor: UserDep,
            idem: IdempotencyDep) -> Any:
    return _run(request, idem, body.model_dump(mode="json"), None, 201, lambda: c.meetings.convene(
        actor, title=body.title, held_on=body.held_on, agenda=list(body.agenda),
        invited=list(body.invited)))


@router.get("")
def list_meetings(c: ContainerDep, actor: UserDep,
                  status: Annotated[MeetingStatus | None, Unfiltered] = None,
                  offset: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    c.meeting_index.catch_up()
    with c.meeting_index.consumer.store.transaction() as tx:
        rows = [d for _, d in tx.scan("meetings") if status is None or d["status"] == status]
    rows.sort(key=lambda d: (d["held_on"], d["id"]), reverse=True)
    return {"total": len(rows), "offset": offset, "limit": limit,
            "items": rows[offset:offset + limit]}


@router.get("/overdue-action-items")
def overdue_action_items(c: ContainerDep, actor: UserDep, agency: Agency | None = None) -> Any:
    """Open action items past their due date, per assigned agency."""
    c.meeting_index.catch_up()
    with c.meeting_index.consumer.store.transaction() as tx:
        meetings = [d for _, d in tx.scan("meetings")]
    today = beijing_date(c.clock())  # the city's calendar day, not UTC's
    grouped = overdue_by_agency(meetings, today)
    if agency is not None:
        grouped = {agency: grouped.get(agency, [])}
    return {"as_of": today.isoformat(), "agencies": grouped}


@router.get("/{meeting_id}", response_model=MeetingOut)
def get_meeting(meeting_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.meetings.get(meeting_id)


@router.post("/{meeting_id}/attendance", response_model=VersionOut,
             dependencies=[permit(policy.RECORD_ATTENDANCE)])
def record_attendance(meeting_id: UUID, body: AttendanceIn, request: Request, c: ContainerDep,
                      actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _run(request, idem, body.model_dump(mode="json"), version, 200, lambda: {
        "id": str(meeting_id), "version": c.meetings.record_attendance(
            meeting_id, actor, body.agency, body.present, list(body.attendees), version)})


@router.post("/{meeting_id}/resolutions", status_code=201, response_model=ResolutionOut,
             dependencies=[permit(policy.ADOPT_RESOLUTION)])
def adopt_resolution(meeting_id: UUID, body: ResolutionIn, request: Request, c: ContainerDep,
                     actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _run(request, idem, body.model_dump(mode="json"), version, 201,
                lambda: c.meetings.adopt_resolution(
                    meeting_id, actor, body.text, [i.model_dump() for i in body.action_items],
                    version))


@router.post("/{meeting_id}/resolutions/{resolution_no}/action-items/{item_no}/done",
             response_model=VersionOut, dependencies=[permit(policy.MARK_DONE), guard(
                 lambda c, actor, path: c.meetings.authorize_done(
                     path["meeting_id"], actor, path["resolution_no"], path["item_no"]))])
def mark_done(meeting_id: UUID, resolution_no: int, item_no: int, body: NoteIn, request: Request,
              c: ContainerDep, actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _run(request, idem, body.model_dump(mode="json"), version, 200, lambda: {
        "id": str(meeting_id), "version": c.meetings.mark_done(
            meeting_id, actor, resolution_no, item_no, body.note, version)})


@router.post("/{meeting_id}/minutes", response_model=VersionOut,
             dependencies=[permit(policy.PUBLISH_MINUTES)])
def publish_minutes(meeting_id: UUID, body: MinutesIn, request: Request, c: ContainerDep,
                    actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return _run(request, idem, body.model_dump(mode="json"), version, 200, lambda: {
        "id": str(meeting_id),
        "version": c.meetings.publish_minutes(meeting_id, actor, body.text, version)})


@router.post("/{meeting_id}/closure", response_model=VersionOut,
             dependencies=[permit(policy.CLOSE)])
def close(meeting_id: UUID, request: Request, c: ContainerDep, actor: UserDep,
          version: VersionDep, idem: IdempotencyDep) -> Any:
    return _run(request, idem, None, version, 200, lambda: {
        "id": str(meeting_id), "version": c.meetings.close(meeting_id, actor, version)})
