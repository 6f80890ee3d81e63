"""专项联合执法检查: the joint inspection's plan, lifecycle and findings (bookings: inspector_booking).

Only the inspectors booked on an inspection act on it (start, findings, rectification orders,
re-inspections, on-the-spot closures, completion); the service names the register entry the
acting account is linked to. It starts within its window (Beijing dates). A `major` finding
needs a rectification order and a re-inspection before completion; an `observation` or a
`minor` one may be closed on the spot with a note.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import Actor, InvalidValue, TracedEvent, beijing_date, require_aware, traced
from domain.inspection_rules import (
    ON_THE_SPOT,
    InspectionError,
    NoSuchFinding,
    NotBooked,
    NotParticipating,
    NotYet,
    WrongStatus,
    check_plan,
    filled,
)
from domain.inspection_state import InspectionState
from domain.inspector_booking import DoubleBooked, InspectorBooking, booking_id, overlaps
from domain.messages import msg
from domain.vocabulary import FINDING_SEVERITIES

__all__ = [  # re-exported: callers catch and build with them
    "ON_THE_SPOT", "DoubleBooked", "InspectionError", "InspectorBooking", "JointInspection",
    "NoSuchFinding", "NotBooked", "NotParticipating", "NotYet", "WrongStatus", "booking_id",
    "check_plan", "overlaps",
]

# Version 1 severities of FindingRecorded, as version 2 reads them: every old finding needed a
# rectification order and a re-inspection, so `serious` and `major_hazard` are `major`.
SEVERITY_V1 = {"minor": "minor", "serious": "major", "major_hazard": "major"}


class JointInspection(InspectionState, Aggregate):
    def __init__(self) -> None:
        self.status = "scheduled"
        self.findings: list[dict[str, Any]] = []
        self.started_at: datetime | None = None
        self.ended: dict[str, Any] | None = None

    class Scheduled(TracedEvent, Aggregate.Created):
        theme: str
        starts_on: str
        ends_on: str
        lead_agency: str
        agencies: list[str]
        inspectors: list[dict[str, str]]
        targets: list[dict[str, str]]
        notice_id: str | None
        proposal_id: str | None
        draw: dict[str, Any] | None
        scheduled_at: datetime

        def apply(self, insp: JointInspection) -> None:
            for name in ("theme", "starts_on", "ends_on", "lead_agency", "notice_id",
                         "proposal_id", "draw", "scheduled_at"):
                setattr(insp, name, getattr(self, name))
            insp.agencies = list(self.agencies)
            insp.inspectors = [dict(p) for p in self.inspectors]
            insp.targets = [dict(t) for t in self.targets]
            insp.scheduled_by = {"id": self.actor_id, "name": self.actor_name,
                                 "agency": self.actor_agency}

    class Started(TracedEvent):
        started_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.status = "started"
            insp.started_at = self.started_at

    class FindingRecorded(TracedEvent):
        """`severity`: observation, minor or major (since version 2)."""

        class_version = 2

        finding_no: int
        employer_credit_code: str
        hazard: str
        severity: str
        legal_basis: str
        recorded_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["severity"] = SEVERITY_V1.get(state["severity"], state["severity"])

        def apply(self, insp: JointInspection) -> None:
            insp.findings.append({
                "no": self.finding_no, "employer_credit_code": self.employer_credit_code,
                "hazard": self.hazard, "severity": self.severity,
                "legal_basis": self.legal_basis, "recorded_at": self.recorded_at,
                "recorded_by": {"id": self.actor_id, "name": self.actor_name,
                                "agency": self.actor_agency},
                "rectification_deadline": None, "reinspection": None, "closed_on_spot": None,
            })

    class ClosedOnSpot(TracedEvent):
        finding_no: int
        note: str
        closed_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.findings[self.finding_no - 1]["closed_on_spot"] = {
                "note": self.note, "at": self.closed_at,
                "by": {"id": self.actor_id, "name": self.actor_name, "agency": self.actor_agency},
            }

    class RectificationOrdered(TracedEvent):
        finding_no: int
        deadline: datetime
        ordered_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.findings[self.finding_no - 1]["rectification_deadline"] = self.deadline

    class Reinspected(TracedEvent):
        finding_no: int
        rectified: bool
        note: str
        reinspected_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.findings[self.finding_no - 1]["reinspection"] = {
                "rectified": self.rectified, "note": self.note, "at": self.reinspected_at,
                "by": {"id": self.actor_id, "name": self.actor_name, "agency": self.actor_agency},
            }

    class Completed(TracedEvent):
        summary: str
        completed_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.status = "completed"
            insp.ended = {"summary": self.summary, "at": self.completed_at}

    class Cancelled(TracedEvent):
        reason: str
        cancelled_at: datetime

        def apply(self, insp: JointInspection) -> None:
            insp.status = "cancelled"
            insp.ended = {"reason": self.reason, "at": self.cancelled_at}

    @classmethod
    def schedule(cls, *, actor: Actor, theme: str, starts_on: date, ends_on: date,
                 lead_agency: str, agencies: list[str], inspectors: list[dict[str, str]],
                 targets: list[dict[str, str]], now: datetime, notice_id: str | None = None,
                 proposal_id: str | None = None, draw: dict[str, Any] | None = None,
                 inspection_id: UUID | None = None) -> JointInspection:
        require_aware(now, "now")
        check_plan(theme, starts_on, ends_on, lead_agency, agencies, inspectors, targets,
                   beijing_date(now))
        if actor.agency not in agencies:
            raise NotParticipating("agency_not_participating", agency=actor.agency)
        return cls._create(
            cls.Scheduled, id=inspection_id, **traced(actor), theme=theme.strip(),
            starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), lead_agency=lead_agency,
            agencies=sorted(set(agencies)),
            inspectors=[{"id": p["id"].strip(), "name": p["name"], "agency": p["agency"]}
                        for p in inspectors],
            targets=[{"credit_code": t["credit_code"], "name": t["name"]} for t in targets],
            notice_id=notice_id, proposal_id=proposal_id, draw=draw, scheduled_at=now,
        )

    # -- commands ---------------------------------------------------------------------

    def _booked(self, actor: Actor, inspector_id: str | None, now: datetime,
                *statuses: str, step: str = "") -> None:
        require_aware(now, "now")
        self.require_actor(actor, inspector_id, step)
        if self.status not in statuses:
            raise WrongStatus("inspection_wrong_status", inspection_status=self.status,
                              inspection_statuses=list(statuses))

    def _finding(self, finding_no: int) -> dict[str, Any]:
        if not 1 <= finding_no <= len(self.findings):
            raise NoSuchFinding("no_such_finding", finding_no=finding_no)
        return self.findings[finding_no - 1]

    def start(self, *, actor: Actor, now: datetime, inspector_id: str | None = None) -> None:
        self._booked(actor, inspector_id, now, "scheduled")
        if not self.may_start(now):
            raise NotYet("inspection_not_yet", starts_on=self.starts_on)
        self.trigger_event(self.Started, **traced(actor), started_at=now)

    def record_finding(self, *, actor: Actor, employer_credit_code: str, hazard: str,
                       severity: str, legal_basis: str, now: datetime,
                       inspector_id: str | None = None) -> int:
        self._booked(actor, inspector_id, now, "started")
        if severity not in FINDING_SEVERITIES:
            raise InvalidValue("must_be_one_of", "severity", choices=", ".join(FINDING_SEVERITIES))
        if employer_credit_code not in {t["credit_code"] for t in self.targets}:
            raise InvalidValue("not_a_target", "employer_credit_code")
        no = len(self.findings) + 1
        self.trigger_event(self.FindingRecorded, **traced(actor), finding_no=no,
                           employer_credit_code=employer_credit_code,
                           hazard=filled(hazard, "hazard"), severity=severity,
                           legal_basis=filled(legal_basis, "legal_basis"), recorded_at=now)
        return no

    def order_rectification(self, *, actor: Actor, finding_no: int, deadline: datetime,
                            now: datetime, inspector_id: str | None = None) -> None:
        self._booked(actor, inspector_id, now, "started")
        finding = self._finding(finding_no)
        require_aware(deadline, "deadline")
        if finding["severity"] == "observation":
            raise InspectionError("finding_is_observation", finding_no=finding_no)
        if finding["closed_on_spot"] is not None:
            raise InspectionError("finding_closed_on_spot", finding_no=finding_no)
        if finding["rectification_deadline"] is not None:
            raise InspectionError("rectification_already_ordered", finding_no=finding_no)
        if deadline <= now:
            raise InvalidValue("must_be_in_future", "deadline")
        self.trigger_event(self.RectificationOrdered, **traced(actor), finding_no=finding_no,
                           deadline=deadline, ordered_at=now)

    def reinspect(self, *, actor: Actor, finding_no: int, rectified: bool, note: str,
                  now: datetime, inspector_id: str | None = None) -> None:
        self._booked(actor, inspector_id, now, "started")
        finding = self._finding(finding_no)
        if finding["rectification_deadline"] is None:
            raise InspectionError("no_rectification_order", finding_no=finding_no)
        if finding["reinspection"] is not None:
            raise InspectionError("already_reinspected", finding_no=finding_no)
        self.trigger_event(self.Reinspected, **traced(actor), finding_no=finding_no,
                           rectified=rectified, note=note.strip(), reinspected_at=now)

    def close_on_spot(self, *, actor: Actor, finding_no: int, note: str, now: datetime,
                      inspector_id: str | None = None) -> None:
        """An observation or a minor finding, settled during the visit (with a note)."""
        self._booked(actor, inspector_id, now, "started")
        finding = self._finding(finding_no)
        if finding["severity"] not in ON_THE_SPOT:
            raise InspectionError("finding_is_major", finding_no=finding_no)
        if finding["closed_on_spot"] is not None:
            raise InspectionError("finding_already_closed", finding_no=finding_no)
        if finding["rectification_deadline"] is not None:
            raise InspectionError("finding_has_order", finding_no=finding_no)
        self.trigger_event(self.ClosedOnSpot, **traced(actor), finding_no=finding_no,
                           note=filled(note, "note"), closed_at=now)

    def complete(self, *, actor: Actor, summary: str, now: datetime,
                 inspector_id: str | None = None) -> None:
        self._booked(actor, inspector_id, now, "started")
        why = {"rectification": "unsettled_rectification",
               "reinspection": "unsettled_reinspection", "closure": "unsettled_closure"}
        waiting = [msg(why[u["needs"]], finding_no=u["finding_no"], severity=u["severity"])
                   for u in self.unsettled()]
        if waiting:
            raise InspectionError("inspection_unsettled", findings=waiting)
        self.trigger_event(self.Completed, **traced(actor), summary=summary.strip(),
                           completed_at=now)

    def cancel(self, *, actor: Actor, reason: str, now: datetime,
               inspector_id: str | None = None) -> None:
        """By a booked inspector or the one who scheduled it."""
        self._booked(actor, inspector_id, now, "scheduled", "started", step="cancel")
        self.trigger_event(self.Cancelled, **traced(actor), reason=filled(reason, "reason"),
                           cancelled_at=now)
