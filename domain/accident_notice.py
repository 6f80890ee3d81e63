"""工伤事故通报: the accident notice, graded by Decree 493 art. 3 and routed to agencies."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import Actor, InvalidValue, TracedEvent, beijing_minute, require_aware, traced
from domain.notice_errors import (
    AlreadyAcknowledged,
    AlreadyEscalated,
    NoticeError,
    NotOpen,
    NotOverdue,
    NotRequired,
    PendingAcknowledgements,
    RevisionWindowClosed,
)
from domain.notice_rules import (
    DEFAULT_DEADLINES,
    may_close,
    reopens,
    required_after_revision,
    required_agencies_for,
    revision_window,
)
from domain.notice_state import NoticeState
from domain.notice_values import Casualties, Employer, Incident, restored, text
from domain.values import time_problem

__all__ = [  # the errors and values are re-exported: callers raise and build with them
    "AccidentNotice",
    "AlreadyAcknowledged",
    "AlreadyEscalated",
    "Casualties",
    "Employer",
    "Incident",
    "NotOpen",
    "NotOverdue",
    "NotRequired",
    "NoticeError",
    "PendingAcknowledgements",
    "RevisionWindowClosed",
]


def _by(event: TracedEvent) -> dict[str, str]:
    return {"id": event.actor_id, "name": event.actor_name, "agency": event.actor_agency}


class AccidentNotice(NoticeState, Aggregate):
    """A notice is graded on filing and on every revision; required agencies acknowledge it."""

    def __init__(self) -> None:
        self.status = "open"
        self.acknowledgements: list[dict[str, Any]] = []
        self.escalations: list[dict[str, Any]] = []
        self.revisions: list[dict[str, Any]] = []
        self.closure: dict[str, Any] | None = None
        # Every step as it was then: its grade and figures from the state that event left.
        self.steps: list[dict[str, Any]] = []

    class Filed(TracedEvent, Aggregate.Created):
        employer_name: str
        employer_credit_code: str
        industry: str
        risk_class: int
        district: str
        occurred_at: datetime
        location: str
        summary: str
        cause: str
        deaths: int
        serious_injuries: int
        missing: int
        direct_loss_cny: Decimal
        measures_taken: str
        grade: str
        required_agencies: list[str]
        deadlines: dict[str, datetime]
        filed_at: datetime

        def apply(self, notice: AccidentNotice) -> None:
            notice.employer = restored(
                Employer, self.employer_name, self.employer_credit_code, self.industry,
                self.risk_class,
            )
            notice.district = self.district
            notice.occurred_at = self.occurred_at
            notice.location = self.location
            notice.summary = self.summary
            notice.cause = self.cause
            notice.casualties = restored(
                Casualties, self.deaths, self.serious_injuries, self.missing,
                self.direct_loss_cny,
            )
            notice.measures_taken = self.measures_taken
            notice.grade = self.grade
            notice.required_agencies = list(self.required_agencies)
            notice.deadlines = dict(self.deadlines)
            notice.filed_at = self.filed_at
            notice.filed_by = {"id": self.actor_id, "name": self.actor_name,
                               "agency": self.actor_agency}
            notice.round = 1
            notice._step("filed", self.filed_at, notice.filed_by)

    class Acknowledged(TracedEvent):
        agency: str
        acknowledged_at: datetime
        round: int
        late: bool

        def apply(self, notice: AccidentNotice) -> None:
            notice.acknowledgements.append({
                "agency": self.agency, "at": self.acknowledged_at, "round": self.round,
                "late": self.late, "by": {"id": self.actor_id, "name": self.actor_name},
            })
            notice._step("acknowledged", self.acknowledged_at, _by(self), agency=self.agency,
                         late=self.late, ack_round=self.round)

    class Revised(TracedEvent):
        deaths: int
        serious_injuries: int
        missing: int
        direct_loss_cny: Decimal
        reason: str
        revised_at: datetime
        previous_grade: str
        grade: str
        required_agencies: list[str]
        deadlines: dict[str, datetime]
        reopened: bool

        def apply(self, notice: AccidentNotice) -> None:
            previous = notice.casualties
            notice.casualties = restored(
                Casualties, self.deaths, self.serious_injuries, self.missing,
                self.direct_loss_cny,
            )
            notice.grade = self.grade
            notice.required_agencies = list(self.required_agencies)
            notice.deadlines = dict(self.deadlines)
            if self.reopened:
                notice.round += 1
            notice.revisions.append({
                "at": self.revised_at, "reason": self.reason,
                "by": {"id": self.actor_id, "name": self.actor_name, "agency": self.actor_agency},
                "previous": previous.figures(), **notice.casualties.figures(),
                "previous_grade": self.previous_grade, "grade": self.grade,
                "reopened": self.reopened,
            })
            notice._step("revised", self.revised_at, _by(self), note=self.reason,
                         previous_grade=self.previous_grade, previous=previous.figures(),
                         reopened=self.reopened)

    class Escalated(TracedEvent):
        agency: str
        deadline: datetime
        escalated_at: datetime
        round: int

        def apply(self, notice: AccidentNotice) -> None:
            notice.escalations.append({
                "agency": self.agency, "deadline": self.deadline, "at": self.escalated_at,
                "round": self.round,
            })
            notice._step("escalated", self.escalated_at, None, agency=self.agency,
                         deadline=self.deadline, ack_round=self.round)

    class Closed(TracedEvent):
        reason: str
        closed_at: datetime

        def apply(self, notice: AccidentNotice) -> None:
            notice.status = "closed"
            notice.closure = {"reason": self.reason, "at": self.closed_at, "by": _by(self)}
            notice._step("closed", self.closed_at, _by(self), note=self.reason)

    class Withdrawn(TracedEvent):
        reason: str
        withdrawn_at: datetime

        def apply(self, notice: AccidentNotice) -> None:
            notice.status = "withdrawn"
            notice.closure = {"reason": self.reason, "at": self.withdrawn_at, "by": _by(self)}
            notice._step("withdrawn", self.withdrawn_at, _by(self), note=self.reason)

    @classmethod
    def file(
        cls,
        *,
        actor: Actor,
        employer: Employer,
        incident: Incident,
        casualties: Casualties,
        now: datetime,
        deadlines: dict[str, timedelta] | None = None,
        notice_id: UUID | None = None,
    ) -> AccidentNotice:
        require_aware(now, "now")
        problem = time_problem(incident.occurred_at, now)
        if problem:
            raise InvalidValue(problem, "occurred_at")
        grade = casualties.grade
        required = required_agencies_for(grade, incident.cause, casualties.serious_injuries)
        durations = {**DEFAULT_DEADLINES, **(deadlines or {})}
        return cls._create(
            cls.Filed,
            id=notice_id,
            **traced(actor),
            **employer.event_fields(),
            **asdict(incident),
            **casualties.figures(),
            grade=grade,
            required_agencies=required,
            deadlines={a: now + durations[a] for a in required},
            filed_at=now,
        )

    # -- commands -----------------------------------------------------------

    def _require_open(self, now: datetime) -> None:
        require_aware(now, "now")
        if self.status != "open":
            raise NotOpen("notice_not_open", notice_status=self.status)

    def acknowledge(self, *, actor: Actor, now: datetime) -> None:
        self._require_open(now)
        agency = actor.agency
        self.require_acknowledger(agency)
        if self.acknowledged_in_round(agency):
            raise AlreadyAcknowledged("already_acknowledged", agency=agency)
        self.trigger_event(
            self.Acknowledged, **traced(actor), agency=agency, acknowledged_at=now,
            round=self.round, late=now > self.deadlines[agency],
        )

    def revise(
        self,
        *,
        actor: Actor,
        casualties: Casualties,
        reason: str,
        now: datetime,
        deadlines: dict[str, timedelta] | None = None,
    ) -> None:
        """补报: new casualty and loss figures, within the window from the accident."""
        self._require_open(now)
        reason = text(reason, "reason")
        if now > self.revision_deadline():
            days = revision_window(self.cause).days
            raise RevisionWindowClosed("revision_window_closed", days=days,
                                       until=beijing_minute(self.revision_deadline()))
        grade = casualties.grade
        required = required_after_revision(
            required_agencies_for(grade, self.cause, casualties.serious_injuries),
            self.required_agencies)
        reopened = reopens(self.grade, grade)
        durations = {**DEFAULT_DEADLINES, **(deadlines or {})}
        new_deadlines = dict(self.deadlines)
        for agency in required:
            if reopened or agency not in self.required_agencies:
                new_deadlines[agency] = now + durations[agency]
        self.trigger_event(
            self.Revised, **traced(actor),
            **casualties.figures(), reason=reason, revised_at=now, previous_grade=self.grade, grade=grade,
            required_agencies=required, deadlines=new_deadlines, reopened=reopened,
        )

    def escalate(self, *, actor: Actor, agency: str, now: datetime) -> None:
        """Raised by the deadline watcher only, once per agency and acknowledgement round."""
        require_aware(now, "now")
        if agency not in self.pending_agencies():
            raise NotOverdue("no_acknowledgement_owed", agency=agency)
        if now <= self.deadlines[agency]:
            raise NotOverdue("deadline_not_passed", agency=agency)
        if self.escalated_in_round(agency):
            raise AlreadyEscalated("already_escalated", agency=agency)
        self.trigger_event(
            self.Escalated, **traced(actor), agency=agency, deadline=self.deadlines[agency],
            escalated_at=now, round=self.round,
        )

    def close(self, *, actor: Actor, reason: str, now: datetime) -> None:
        """The investigation has concluded: only once the current round is acknowledged."""
        self._require_open(now)
        reason = text(reason, "reason")
        pending = self.pending_agencies()
        if not may_close(self.status, pending):
            raise PendingAcknowledgements(pending, self.round)
        self.trigger_event(self.Closed, **traced(actor), reason=reason, closed_at=now)

    def withdraw(self, *, actor: Actor, reason: str, now: datetime) -> None:
        """Filed in error: possible at any time while open, with a reason."""
        self._require_open(now)
        reason = text(reason, "reason")
        self.trigger_event(self.Withdrawn, **traced(actor), reason=reason, withdrawn_at=now)
