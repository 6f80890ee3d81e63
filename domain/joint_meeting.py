"""联席会议: the joint meeting convened by hrss, its resolutions and their action items.

Rules: the convener (hrss) is a member of its own meeting. Attendance, resolutions, minutes
and closure wait for the meeting's day (Beijing time). A resolution needs a quorum: more than
half of the member agencies present, the convener counted as a member; it binds every member,
absent ones too. An action item goes to a member agency of the meeting.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import (
    Actor,
    DomainError,
    InvalidValue,
    TracedEvent,
    beijing_date,
    require_aware,
    traced,
)
from domain.messages import msg
from domain.vocabulary import AGENCIES

CONVENOR = "hrss"


class MeetingError(DomainError):
    """A step the meeting's rules refuse."""


class NotConvenor(MeetingError):
    """Only the convening agency may do this (403)."""

    code = "not_convenor"


class NotAssigned(MeetingError):
    """Only the agency an action item is assigned to may mark it done (403)."""

    code = "action_item_not_assigned"


class NoQuorum(MeetingError):
    """Fewer than a quorum of the member agencies present (409, with the counts)."""

    code = "no_quorum"

    def __init__(self, present: list[str], members: list[str]) -> None:
        needed = quorum(len(members))
        absent = [a for a in members if a not in present]
        super().__init__("no_quorum", count=len(members), quorum=needed,
                         present_count=len(present), absent=absent)
        self.present = present
        self.members = members
        self.needed = needed
        self.absent = absent


class TooEarly(MeetingError):
    """A step of the meeting itself, tried before the meeting's day (409)."""

    code = "meeting_too_early"


def quorum(members: int) -> int:
    """The smallest number of member agencies present that is more than half of them."""
    return members // 2 + 1


class NoSuchActionItem(MeetingError):
    code = "no_such_action_item"


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidValue("must_not_be_empty", field)
    return value.strip()


class JointMeeting(Aggregate):
    def __init__(self) -> None:
        self.status = "convened"
        self.attendance: dict[str, dict[str, Any]] = {}
        self.resolutions: list[dict[str, Any]] = []
        self.minutes: dict[str, Any] | None = None
        self.closed_at: datetime | None = None

    class Convened(TracedEvent, Aggregate.Created):
        """`invited`: the member agencies, the convener included (since version 2)."""

        class_version = 2

        title: str
        held_on: str
        agenda: list[str]
        invited: list[str]
        convened_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 listed the invited agencies, the convener only if ticked; the convener
            is a member of its own meeting."""
            state["invited"] = sorted({*state["invited"], CONVENOR})

        def apply(self, m: JointMeeting) -> None:
            m.title = self.title
            m.held_on = self.held_on
            m.agenda = list(self.agenda)
            m.invited = list(self.invited)
            m.convened_at = self.convened_at
            m.convened_by = {"id": self.actor_id, "name": self.actor_name,
                             "agency": self.actor_agency}

    class AttendanceRecorded(TracedEvent):
        agency: str
        present: bool
        attendees: list[str]
        recorded_at: datetime

        def apply(self, m: JointMeeting) -> None:
            m.attendance[self.agency] = {"present": self.present, "attendees": list(self.attendees),
                                         "at": self.recorded_at}

    class ResolutionAdopted(TracedEvent):
        resolution_no: int
        text: str
        action_items: list[dict[str, Any]]
        adopted_at: datetime

        def apply(self, m: JointMeeting) -> None:
            m.resolutions.append({
                "no": self.resolution_no, "text": self.text, "adopted_at": self.adopted_at,
                "action_items": [{**i, "done": None} for i in self.action_items],
            })

    class ActionItemDone(TracedEvent):
        resolution_no: int
        item_no: int
        note: str
        done_at: datetime

        def apply(self, m: JointMeeting) -> None:
            item = m.resolutions[self.resolution_no - 1]["action_items"][self.item_no - 1]
            item["done"] = {"at": self.done_at, "note": self.note,
                            "by": {"id": self.actor_id, "name": self.actor_name,
                                   "agency": self.actor_agency}}

    class MinutesPublished(TracedEvent):
        text: str
        published_at: datetime

        def apply(self, m: JointMeeting) -> None:
            m.status = "minutes_published"
            m.minutes = {"text": self.text, "at": self.published_at}

    class Closed(TracedEvent):
        closed_at: datetime

        def apply(self, m: JointMeeting) -> None:
            m.status = "closed"
            m.closed_at = self.closed_at

    title: str
    held_on: str
    agenda: list[str]
    invited: list[str]
    convened_at: datetime
    convened_by: dict[str, str]

    @classmethod
    def convene(cls, *, actor: Actor, title: str, held_on: date, agenda: list[str],
                invited: list[str], now: datetime, meeting_id: UUID | None = None) -> JointMeeting:
        require_aware(now, "now")
        if actor.agency != CONVENOR:
            raise NotConvenor("not_convenor", agency=CONVENOR)
        if held_on < beijing_date(now):
            raise InvalidValue("must_not_be_in_past", "held_on")
        items = [_text(a, f"agenda.{i}") for i, a in enumerate(agenda)]
        if not items:
            raise InvalidValue("one_agenda_item", "agenda")
        for i, a in enumerate(invited):
            if a not in AGENCIES:
                raise InvalidValue("must_be_one_of", f"invited.{i}", choices=", ".join(AGENCIES))
        if len(set(invited) - {CONVENOR}) < 1:
            raise InvalidValue("invite_a_member", "invited")
        return cls._create(cls.Convened, id=meeting_id, **traced(actor),
                           title=_text(title, "title"), held_on=held_on.isoformat(),
                           agenda=items, invited=sorted({*invited, CONVENOR}), convened_at=now)

    # -- queries ------------------------------------------------------------------------

    def absent(self) -> list[str]:
        return [a for a in self.invited
                if not self.attendance.get(a, {}).get("present", False)]

    def present(self) -> list[str]:
        return [a for a in self.invited if self.attendance.get(a, {}).get("present", False)]

    def quorum(self) -> dict[str, Any]:
        """The quorum rule as it stands: members, present, needed, and whether it is met."""
        present, needed = self.present(), quorum(len(self.invited))
        return {"members": len(self.invited), "present": len(present), "needed": needed,
                "met": len(present) >= needed}

    def in_session_from(self, now: datetime) -> bool:
        """Whether the meeting's day (Beijing time) has come."""
        return beijing_date(now).isoformat() >= self.held_on

    def overdue_items(self, today: date) -> list[dict[str, Any]]:
        return [{"resolution_no": r["no"], **i} for r in self.resolutions for i in r["action_items"]
                if i["done"] is None and i["due_on"] < today.isoformat()]

    # -- commands -------------------------------------------------------------------------

    def _convenor(self, actor: Actor, now: datetime) -> None:
        require_aware(now, "now")
        if actor.agency != CONVENOR:
            raise NotConvenor("not_convenor", agency=CONVENOR)

    def _in_session(self) -> None:
        if self.status != "convened":
            raise MeetingError("meeting_not_in_session", meeting_status=self.status)

    def _held(self, now: datetime, what: str) -> None:
        if not self.in_session_from(now):
            raise TooEarly("meeting_too_early", held_on=self.held_on, what=msg(what))

    def record_attendance(self, *, actor: Actor, agency: str, present: bool,
                          attendees: list[str], now: datetime) -> None:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "meeting_step_attendance")
        if agency not in self.invited:
            raise InvalidValue("not_a_member", "agency", members=list(self.invited))
        names = [n.strip() for n in attendees if n.strip()]
        if present and not names:
            raise InvalidValue("name_attendees", "attendees")
        self.trigger_event(self.AttendanceRecorded, **traced(actor), agency=agency,
                           present=present, attendees=names if present else [], recorded_at=now)

    def adopt_resolution(self, *, actor: Actor, text: str, action_items: list[dict[str, Any]],
                         now: datetime) -> int:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "meeting_step_resolution")
        if not self.quorum()["met"]:
            raise NoQuorum(self.present(), list(self.invited))
        items = []
        for i, item in enumerate(action_items, start=1):
            if item["agency"] not in self.invited:
                raise InvalidValue("not_a_member_agency", f"action_items.{i - 1}.agency",
                                   members=list(self.invited))
            due: date = item["due_on"]
            if due < date.fromisoformat(self.held_on):
                raise InvalidValue("due_before_meeting", f"action_items.{i - 1}.due_on")
            items.append({"no": i, "agency": item["agency"], "due_on": due.isoformat(),
                          "description": _text(item["description"],
                                               f"action_items.{i - 1}.description")})
        no = len(self.resolutions) + 1
        self.trigger_event(self.ResolutionAdopted, **traced(actor), resolution_no=no,
                           text=_text(text, "text"), action_items=items, adopted_at=now)
        return no

    def require_assignee(self, agency: str, resolution_no: int, item_no: int) -> None:
        """Only the agency an action item is assigned to marks it done (an item that does not
        exist is the step's own refusal). The API asks before it reads the request."""
        if 1 <= resolution_no <= len(self.resolutions):
            items = self.resolutions[resolution_no - 1]["action_items"]
            if 1 <= item_no <= len(items) and agency != items[item_no - 1]["agency"]:
                raise NotAssigned("action_item_not_assigned", resolution_no=resolution_no,
                                  item_no=item_no, agency=items[item_no - 1]["agency"])

    def mark_done(self, *, actor: Actor, resolution_no: int, item_no: int, note: str,
                  now: datetime) -> None:
        require_aware(now, "now")
        if not 1 <= resolution_no <= len(self.resolutions):
            raise NoSuchActionItem("no_such_resolution", resolution_no=resolution_no)
        items = self.resolutions[resolution_no - 1]["action_items"]
        if not 1 <= item_no <= len(items):
            raise NoSuchActionItem("no_such_action_item", resolution_no=resolution_no, item_no=item_no)
        item = items[item_no - 1]
        self.require_assignee(actor.agency, resolution_no, item_no)
        if item["done"] is not None:
            raise MeetingError("action_item_done", resolution_no=resolution_no, item_no=item_no)
        self.trigger_event(self.ActionItemDone, **traced(actor), resolution_no=resolution_no,
                           item_no=item_no, note=note.strip(), done_at=now)

    def publish_minutes(self, *, actor: Actor, text: str, now: datetime) -> None:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "meeting_step_minutes")
        if not self.attendance:
            raise MeetingError("attendance_before_minutes")
        self.trigger_event(self.MinutesPublished, **traced(actor), text=_text(text, "text"),
                           published_at=now)

    def close(self, *, actor: Actor, now: datetime) -> None:
        self._convenor(actor, now)
        self._held(now, "meeting_step_close")
        if self.status != "minutes_published":
            raise MeetingError("minutes_before_closing" if self.status == "convened"
                               else "meeting_closed")
        self.trigger_event(self.Closed, **traced(actor), closed_at=now)
