"""工伤事故通报: the accident notice, graded by Decree 493 art. 3 and routed to agencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import (
    Actor,
    DomainError,
    InvalidValue,
    TracedEvent,
    check_credit_code,
    require_aware,
    traced,
)
from domain.vocabulary import AGENCIES, CAUSES, GRADES, grade_at_least

HEALTH_CAUSES = ("poisoning", "occupational_disease")
# Lower bounds ("以上" includes the bound) for large, major, extraordinary.
DEATH_BOUNDS = (3, 10, 30)
SERIOUS_INJURY_BOUNDS = (10, 50, 100)
LOSS_BOUNDS = (Decimal(10_000_000), Decimal(50_000_000), Decimal(100_000_000))
REVISION_WINDOW = timedelta(days=30)
SHORT_REVISION_WINDOW = timedelta(days=7)
SHORT_WINDOW_CAUSES = ("road_traffic", "fire")
# Art. 9: safety within the hour; every other agency within a day.
DEFAULT_DEADLINES: dict[str, timedelta] = {a: timedelta(hours=1 if a == "safety" else 24) for a in AGENCIES}


class NoticeError(DomainError):
    """A command that the notice's rules refuse."""


class NotRequired(NoticeError):
    pass


class AlreadyAcknowledged(NoticeError):
    pass


class NotOpen(NoticeError):
    pass


class RevisionWindowClosed(NoticeError):
    field = "revised_at"


class NotOverdue(NoticeError):
    pass


class AlreadyEscalated(NoticeError):
    pass


def _level(value: int | Decimal, bounds: tuple[Any, ...]) -> int:
    return sum(1 for bound in bounds if value >= bound)


def grade_for(deaths: int, serious_injuries: int, direct_loss_cny: Decimal) -> str:
    """Decree 493 art. 3: the highest grade reached by any of the three measures."""
    level = max(
        _level(deaths, DEATH_BOUNDS),
        _level(serious_injuries, SERIOUS_INJURY_BOUNDS),
        _level(direct_loss_cny, LOSS_BOUNDS),
    )
    return GRADES[level]


def large_or_above(grade: str) -> bool:
    """较大及以上: routed to finance, and safety proposes a joint inspection."""
    return grade_at_least(grade, "large")


def required_agencies_for(grade: str, cause: str, serious_injuries: int) -> list[str]:
    """Routing, in the vocabulary's agency order: safety and hrss always, health for poisoning,
    occupational disease or any serious injury, finance from 较大 up."""
    required = {"safety", "hrss"}
    if cause in HEALTH_CAUSES or serious_injuries > 0:
        required.add("health")
    if large_or_above(grade):
        required.add("finance")
    return [a for a in AGENCIES if a in required]


def revision_window(cause: str) -> timedelta:
    return SHORT_REVISION_WINDOW if cause in SHORT_WINDOW_CAUSES else REVISION_WINDOW


@dataclass(frozen=True)
class Casualties:
    """The figures that grade a notice; counts and loss can never be negative."""

    deaths: int
    serious_injuries: int
    missing: int
    direct_loss_cny: Decimal

    def __post_init__(self) -> None:
        for name in ("deaths", "serious_injuries", "missing"):
            if getattr(self, name) < 0:
                raise InvalidValue("must be zero or more", name)
        if not self.direct_loss_cny.is_finite():
            raise InvalidValue("must be a finite amount", "direct_loss_cny")
        if self.direct_loss_cny < 0:
            raise InvalidValue("must be zero or more", "direct_loss_cny")

    @property
    def grade(self) -> str:
        return grade_for(self.deaths, self.serious_injuries, self.direct_loss_cny)


@dataclass(frozen=True)
class Employer:
    name: str
    credit_code: str
    industry: str
    risk_class: int

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("must not be empty", "employer.name")
        check_credit_code(self.credit_code, "employer.credit_code")
        if not 1 <= self.risk_class <= 8:
            raise InvalidValue("risk class must be 1 to 8", "employer.risk_class")


@dataclass(frozen=True)
class Incident:
    """What happened, where and when, as the liaison reports it."""

    district: str
    occurred_at: datetime
    location: str
    summary: str
    cause: str
    measures_taken: str = ""

    def __post_init__(self) -> None:
        for name in ("district", "location", "summary"):
            if not getattr(self, name).strip():
                raise InvalidValue("must not be empty", name)
        if self.cause not in CAUSES:
            raise InvalidValue(f"must be one of {', '.join(CAUSES)}", "cause")
        require_aware(self.occurred_at, "occurred_at")


class AccidentNotice(Aggregate):
    """A notice is graded on filing and on every revision; required agencies acknowledge it."""

    def __init__(self) -> None:
        self.status = "open"
        self.acknowledgements: list[dict[str, Any]] = []
        self.escalations: list[dict[str, Any]] = []
        self.revisions: list[dict[str, Any]] = []
        self.closure: dict[str, Any] | None = None

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
            notice.employer = Employer(
                self.employer_name, self.employer_credit_code, self.industry, self.risk_class
            )
            notice.district = self.district
            notice.occurred_at = self.occurred_at
            notice.location = self.location
            notice.summary = self.summary
            notice.cause = self.cause
            notice.casualties = Casualties(
                self.deaths, self.serious_injuries, self.missing, self.direct_loss_cny
            )
            notice.measures_taken = self.measures_taken
            notice.grade = self.grade
            notice.required_agencies = list(self.required_agencies)
            notice.deadlines = dict(self.deadlines)
            notice.filed_at = self.filed_at
            notice.filed_by = {"id": self.actor_id, "name": self.actor_name,
                               "agency": self.actor_agency}
            notice.round = 1

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
            notice.casualties = Casualties(
                self.deaths, self.serious_injuries, self.missing, self.direct_loss_cny
            )
            notice.grade = self.grade
            notice.required_agencies = list(self.required_agencies)
            notice.deadlines = dict(self.deadlines)
            if self.reopened:
                notice.round += 1
            notice.revisions.append({
                "at": self.revised_at, "reason": self.reason,
                "by": {"id": self.actor_id, "name": self.actor_name, "agency": self.actor_agency},
                "previous": {"deaths": previous.deaths,
                             "serious_injuries": previous.serious_injuries,
                             "missing": previous.missing,
                             "direct_loss_cny": previous.direct_loss_cny},
                "deaths": self.deaths, "serious_injuries": self.serious_injuries,
                "missing": self.missing, "direct_loss_cny": self.direct_loss_cny,
                "previous_grade": self.previous_grade, "grade": self.grade,
                "reopened": self.reopened,
            })

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

    class Closed(TracedEvent):
        reason: str
        closed_at: datetime

        def apply(self, notice: AccidentNotice) -> None:
            notice.status = "closed"
            notice.closure = {"reason": self.reason, "at": self.closed_at,
                              "by": {"id": self.actor_id, "name": self.actor_name,
                                     "agency": self.actor_agency}}

    class Withdrawn(TracedEvent):
        reason: str
        withdrawn_at: datetime

        def apply(self, notice: AccidentNotice) -> None:
            notice.status = "withdrawn"
            notice.closure = {"reason": self.reason, "at": self.withdrawn_at,
                              "by": {"id": self.actor_id, "name": self.actor_name,
                                     "agency": self.actor_agency}}

    # Declared for type checkers; set by Filed.apply.
    employer: Employer
    district: str
    occurred_at: datetime
    location: str
    summary: str
    cause: str
    casualties: Casualties
    measures_taken: str
    grade: str
    required_agencies: list[str]
    deadlines: dict[str, datetime]
    filed_at: datetime
    filed_by: dict[str, str]
    round: int

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
        if incident.occurred_at > now:
            raise InvalidValue("must not be in the future", "occurred_at")
        grade = casualties.grade
        required = required_agencies_for(grade, incident.cause, casualties.serious_injuries)
        durations = {**DEFAULT_DEADLINES, **(deadlines or {})}
        return cls._create(
            cls.Filed,
            id=notice_id,
            **traced(actor),
            employer_name=employer.name,
            employer_credit_code=employer.credit_code,
            industry=employer.industry,
            risk_class=employer.risk_class,
            district=incident.district,
            occurred_at=incident.occurred_at,
            location=incident.location,
            summary=incident.summary,
            cause=incident.cause,
            deaths=casualties.deaths,
            serious_injuries=casualties.serious_injuries,
            missing=casualties.missing,
            direct_loss_cny=casualties.direct_loss_cny,
            measures_taken=incident.measures_taken,
            grade=grade,
            required_agencies=required,
            deadlines={a: now + durations[a] for a in required},
            filed_at=now,
        )

    # -- queries on state -------------------------------------------------

    def acknowledged_in_round(self, agency: str) -> bool:
        return any(a["agency"] == agency and a["round"] == self.round
                   for a in self.acknowledgements)

    def pending_agencies(self) -> list[str]:
        if self.status != "open":
            return []
        return [a for a in self.required_agencies if not self.acknowledged_in_round(a)]

    def escalated_in_round(self, agency: str) -> bool:
        return any(e["agency"] == agency and e["round"] == self.round for e in self.escalations)

    def overdue_agencies(self, now: datetime) -> list[str]:
        return [a for a in self.pending_agencies()
                if now > self.deadlines[a] and not self.escalated_in_round(a)]

    def revision_deadline(self) -> datetime:
        return self.occurred_at + revision_window(self.cause)

    # -- commands -----------------------------------------------------------

    def _require_open(self, now: datetime) -> None:
        require_aware(now, "now")
        if self.status != "open":
            raise NotOpen(f"notice is {self.status}")

    def acknowledge(self, *, actor: Actor, now: datetime) -> None:
        self._require_open(now)
        agency = actor.agency
        if agency not in self.required_agencies:
            raise NotRequired(
                f"agency {agency} is not required to acknowledge this notice "
                f"(required: {', '.join(self.required_agencies)})"
            )
        if self.acknowledged_in_round(agency):
            raise AlreadyAcknowledged(f"agency {agency} has already acknowledged this notice")
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
        if not reason.strip():
            raise InvalidValue("must not be empty", "reason")
        if now > self.revision_deadline():
            days = revision_window(self.cause).days
            raise RevisionWindowClosed(
                f"revisions are accepted within {days} days of the accident "
                f"(until {self.revision_deadline().isoformat()})"
            )
        grade = casualties.grade
        required = required_agencies_for(grade, self.cause, casualties.serious_injuries)
        # Keep every agency already involved: a revision never drops anyone's duty.
        required = [a for a in AGENCIES if a in required or a in self.required_agencies]
        reopened = GRADES.index(grade) > GRADES.index(self.grade)
        durations = {**DEFAULT_DEADLINES, **(deadlines or {})}
        new_deadlines = dict(self.deadlines)
        for agency in required:
            if reopened or agency not in self.required_agencies:
                new_deadlines[agency] = now + durations[agency]
        self.trigger_event(
            self.Revised, **traced(actor),
            deaths=casualties.deaths, serious_injuries=casualties.serious_injuries,
            missing=casualties.missing, direct_loss_cny=casualties.direct_loss_cny,
            reason=reason, revised_at=now, previous_grade=self.grade, grade=grade,
            required_agencies=required, deadlines=new_deadlines, reopened=reopened,
        )

    def escalate(self, *, actor: Actor, agency: str, now: datetime) -> None:
        """Raised by the deadline watcher only, once per agency and acknowledgement round."""
        require_aware(now, "now")
        if agency not in self.pending_agencies():
            raise NotOverdue(f"agency {agency} owes no acknowledgement")
        if now <= self.deadlines[agency]:
            raise NotOverdue(f"deadline for {agency} has not passed")
        if self.escalated_in_round(agency):
            raise AlreadyEscalated(f"agency {agency} has already been escalated")
        self.trigger_event(
            self.Escalated, **traced(actor), agency=agency, deadline=self.deadlines[agency],
            escalated_at=now, round=self.round,
        )

    def close(self, *, actor: Actor, reason: str, now: datetime) -> None:
        """The investigation has concluded."""
        self._require_open(now)
        if not reason.strip():
            raise InvalidValue("must not be empty", "reason")
        self.trigger_event(self.Closed, **traced(actor), reason=reason, closed_at=now)

    def withdraw(self, *, actor: Actor, reason: str, now: datetime) -> None:
        """Filed in error."""
        self._require_open(now)
        if not reason.strip():
            raise InvalidValue("must not be empty", "reason")
        self.trigger_event(self.Withdrawn, **traced(actor), reason=reason, withdrawn_at=now)
