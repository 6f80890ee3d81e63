"""Joint-meeting commands and queries, and the API's index of meetings and action items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.common import Actor, beijing_date
from domain.joint_meeting import JointMeeting
from services.application import LinkageApp
from services.envelope import Envelope, jsonable_dict
from services.ports import Clock, Doc, Tx
from services.projections import Projection

MEETINGS = "joint-meetings"


def view(m: JointMeeting, now: datetime) -> dict[str, Any]:
    overdue = {(i["resolution_no"], i["no"]) for i in m.overdue_items(beijing_date(now))}
    resolutions = [{**r, "action_items": [{**i, "overdue": (r["no"], i["no"]) in overdue}
                                          for i in r["action_items"]]} for r in m.resolutions]
    return jsonable_dict({
        "id": m.id, "version": m.version, "status": m.status, "title": m.title,
        "held_on": m.held_on, "agenda": m.agenda, "invited": m.invited,
        "convened_at": m.convened_at, "convened_by": m.convened_by,
        "attendance": m.attendance, "absent": m.absent(), "resolutions": resolutions,
        "minutes": m.minutes, "closed_at": m.closed_at, "quorum": m.quorum(),
        "in_session": m.in_session_from(now),
    })


class JointMeetings:
    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    def convene(self, actor: Actor, *, title: str, held_on: date, agenda: list[str],
                invited: list[str]) -> dict[str, Any]:
        m = JointMeeting.convene(actor=actor, title=title, held_on=held_on, agenda=agenda,
                                 invited=invited, now=self.clock())
        self.app.commit(m)
        return {"id": str(m.id), "version": m.version}

    def get(self, meeting_id: UUID) -> dict[str, Any]:
        return view(self.app.load(meeting_id, JointMeeting), self.clock())

    def authorize_done(self, meeting_id: UUID, actor: Actor, resolution_no: int,
                       item_no: int) -> None:
        """Whether the user's agency may mark this action item done, asked before the request
        is read (403 before any validation); an unknown meeting or item passes."""
        m = self.app.find(meeting_id, JointMeeting)
        if m is not None:
            m.require_assignee(actor.agency, resolution_no, item_no)

    def _act(self, meeting_id: UUID, expected_version: int | None, step: str,
             **kwargs: Any) -> tuple[JointMeeting, Any]:
        m = self.app.load(meeting_id, JointMeeting, expected_version)
        result = getattr(m, step)(now=self.clock(), **kwargs)
        self.app.commit(m)
        return m, result

    def record_attendance(self, meeting_id: UUID, actor: Actor, agency: str, present: bool,
                          attendees: list[str], expected_version: int | None = None) -> int:
        m, _ = self._act(meeting_id, expected_version, "record_attendance", actor=actor,
                         agency=agency, present=present, attendees=attendees)
        return m.version

    def adopt_resolution(self, meeting_id: UUID, actor: Actor, text: str,
                         action_items: list[dict[str, Any]],
                         expected_version: int | None = None) -> dict[str, Any]:
        m, no = self._act(meeting_id, expected_version, "adopt_resolution", actor=actor,
                          text=text, action_items=action_items)
        return {"id": str(m.id), "version": m.version, "resolution_no": no}

    def mark_done(self, meeting_id: UUID, actor: Actor, resolution_no: int, item_no: int,
                  note: str, expected_version: int | None = None) -> int:
        m, _ = self._act(meeting_id, expected_version, "mark_done", actor=actor,
                         resolution_no=resolution_no, item_no=item_no, note=note)
        return m.version

    def publish_minutes(self, meeting_id: UUID, actor: Actor, text: str,
                        expected_version: int | None = None) -> int:
        m, _ = self._act(meeting_id, expected_version, "publish_minutes", actor=actor, text=text)
        return m.version

    def close(self, meeting_id: UUID, actor: Actor, expected_version: int | None = None) -> int:
        m, _ = self._act(meeting_id, expected_version, "close", actor=actor)
        return m.version


class MeetingIndex(Projection):
    """The API's list of meetings and of open action items (built from envelopes only)."""

    name = "meetings"
    mechanisms = (MEETINGS,)

    def apply(self, tx: Tx, env: Envelope) -> None:
        kind = env.event_type.split(".", 1)[1]
        key, p = str(env.aggregate_id), env.payload
        doc = tx.get("meetings", key)
        if kind == "Convened":
            doc = {"id": key, "title": p["title"], "held_on": p["held_on"],
                   "invited": p["invited"], "status": "convened", "action_items": []}
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        if kind == "ResolutionAdopted":
            doc["action_items"] += [
                {"resolution_no": p["resolution_no"], "item_no": i["no"], "agency": i["agency"],
                 "description": i["description"], "due_on": i["due_on"], "done": False}
                for i in p["action_items"]]
        elif kind == "ActionItemDone":
            for i in doc["action_items"]:
                if (i["resolution_no"], i["item_no"]) == (p["resolution_no"], p["item_no"]):
                    i["done"] = True
        elif kind == "MinutesPublished":
            doc["status"] = "minutes_published"
        elif kind == "Closed":
            doc["status"] = "closed"
        tx.put("meetings", key, doc)


def overdue_by_agency(meetings: list[Doc], today: date) -> dict[str, list[Doc]]:
    """Open action items past their due date, per assigned agency, earliest first."""
    out: dict[str, list[Doc]] = {}
    for m in meetings:
        for i in m["action_items"]:
            if not i["done"] and i["due_on"] < today.isoformat():
                out.setdefault(i["agency"], []).append(
                    {**i, "meeting_id": m["id"], "meeting_title": m["title"]})
    for items in out.values():
        items.sort(key=lambda i: (i["due_on"], i["meeting_id"], i["resolution_no"], i["item_no"]))
    return dict(sorted(out.items()))
