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
from domain.vocabulary import AGENCIES

CONVENOR = "hrss"


class MeetingError(DomainError):
    """A step the meeting's rules refuse."""


class NotConvenor(MeetingError):
    """Only the convening agency may do this (403)."""


class NotAssigned(MeetingError):
    """Only the agency an action item is assigned to may mark it done (403)."""


class NoQuorum(MeetingError):
    """Fewer than a quorum of the member agencies present (409, with the counts)."""

    def __init__(self, present: list[str], members: list[str]) -> None:
        self.present = present
        self.members = members
        self.needed = quorum(len(members))
        self.absent = [a for a in members if a not in present]
        super().__init__(
            f"a resolution needs a quorum: more than half of the {len(members)} member agencies "
            f"present, the convener included ({self.needed} or more); present: {len(present)}; "
            f"absent or not recorded: {', '.join(self.absent)}")


class TooEarly(MeetingError):
    """A step of the meeting itself, tried before the meeting's day (409)."""


def quorum(members: int) -> int:
    """The smallest number of member agencies present that is more than half of them."""
    return members // 2 + 1


class NoSuchActionItem(MeetingError):
    pass


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidValue("must not be empty", field)
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
            raise NotConvenor(f"only {CONVENOR} convenes the joint meeting")
        if held_on < beijing_date(now):
            raise InvalidValue("must not be in the past", "held_on")
        items = [_text(a, f"agenda.{i}") for i, a in enumerate(agenda)]
        if not items:
            raise InvalidValue("at least one agenda item", "agenda")
        for i, a in enumerate(invited):
            if a not in AGENCIES:
                raise InvalidValue(f"must be one of {', '.join(AGENCIES)}", f"invited.{i}")
        if len(set(invited) - {CONVENOR}) < 1:
            raise InvalidValue("invite at least one member agency besides the convenor", "invited")
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
            raise NotConvenor(f"only the convenor ({CONVENOR}) may do this")

    def _in_session(self) -> None:
        if self.status != "convened":
            raise MeetingError(f"meeting is {self.status.replace('_', ' ')}")

    def _held(self, now: datetime, what: str) -> None:
        if not self.in_session_from(now):
            raise TooEarly(f"the meeting is held on {self.held_on} (Beijing time): {what} only "
                           "on or after that day")

    def record_attendance(self, *, actor: Actor, agency: str, present: bool,
                          attendees: list[str], now: datetime) -> None:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "attendance is recorded")
        if agency not in self.invited:
            raise InvalidValue(f"not a member (members: {', '.join(self.invited)})", "agency")
        names = [n.strip() for n in attendees if n.strip()]
        if present and not names:
            raise InvalidValue("name who attended for a present agency", "attendees")
        self.trigger_event(self.AttendanceRecorded, **traced(actor), agency=agency,
                           present=present, attendees=names if present else [], recorded_at=now)

    def adopt_resolution(self, *, actor: Actor, text: str, action_items: list[dict[str, Any]],
                         now: datetime) -> int:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "resolutions are adopted")
        if not self.quorum()["met"]:
            raise NoQuorum(self.present(), list(self.invited))
        items = []
        for i, item in enumerate(action_items, start=1):
            if item["agency"] not in self.invited:
                raise InvalidValue(f"must be a member agency of this meeting (members: "
                                   f"{', '.join(self.invited)})", f"action_items.{i - 1}.agency")
            due: date = item["due_on"]
            if due < date.fromisoformat(self.held_on):
                raise InvalidValue("must not be before the meeting", f"action_items.{i - 1}.due_on")
            items.append({"no": i, "agency": item["agency"], "due_on": due.isoformat(),
                          "description": _text(item["description"],
                                               f"action_items.{i - 1}.description")})
        no = len(self.resolutions) + 1
        self.trigger_event(self.ResolutionAdopted, **traced(actor), resolution_no=no,
                           text=_text(text, "text"), action_items=items, adopted_at=now)
        return no

    def mark_done(self, *, actor: Actor, resolution_no: int, item_no: int, note: str,
                  now: datetime) -> None:
        require_aware(now, "now")
        if not 1 <= resolution_no <= len(self.resolutions):
            raise NoSuchActionItem(f"meeting has no resolution {resolution_no}")
        items = self.resolutions[resolution_no - 1]["action_items"]
        if not 1 <= item_no <= len(items):
            raise NoSuchActionItem(f"resolution {resolution_no} has no action item {item_no}")
        item = items[item_no - 1]
        if actor.agency != item["agency"]:
            raise NotAssigned(f"action item {resolution_no}.{item_no} is assigned to "
                              f"{item['agency']}; only it may mark it done")
        if item["done"] is not None:
            raise MeetingError(f"action item {resolution_no}.{item_no} is already done")
        self.trigger_event(self.ActionItemDone, **traced(actor), resolution_no=resolution_no,
                           item_no=item_no, note=note.strip(), done_at=now)

    def publish_minutes(self, *, actor: Actor, text: str, now: datetime) -> None:
        self._convenor(actor, now)
        self._in_session()
        self._held(now, "the minutes are published")
        if not self.attendance:
            raise MeetingError("record attendance before publishing the minutes")
        self.trigger_event(self.MinutesPublished, **traced(actor), text=_text(text, "text"),
                           published_at=now)

    def close(self, *, actor: Actor, now: datetime) -> None:
        self._convenor(actor, now)
        self._held(now, "the meeting is closed")
        if self.status != "minutes_published":
            raise MeetingError("publish the minutes before closing the meeting"
                               if self.status == "convened" else "meeting is already closed")
        self.trigger_event(self.Closed, **traced(actor), closed_at=now)
