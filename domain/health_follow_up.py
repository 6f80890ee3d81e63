"""职业健康随访: the health commission's record that an accident notice's follow-up is done.

One per notice (its id is derived from the notice's), recorded by a health liaison; the
health agency's read model folds it into its follow-up list, so a rebuild keeps it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, require_aware, traced


class NotHealth(DomainError):
    code = "not_health"


def follow_up_id(notice_id: UUID | str) -> UUID:
    return uuid5(NAMESPACE_URL, f"linkage:health-follow-up:{notice_id}")


class HealthFollowUp(Aggregate):
    class Done(TracedEvent, Aggregate.Created):
        notice_id: str
        findings: str
        health_checks_given: int
        done_at: datetime

        def apply(self, f: HealthFollowUp) -> None:
            f.notice_id = self.notice_id
            f.findings = self.findings
            f.health_checks_given = self.health_checks_given
            f.done_at = self.done_at

    notice_id: str
    findings: str
    health_checks_given: int
    done_at: datetime

    @classmethod
    def record_done(cls, *, actor: Actor, notice_id: UUID, findings: str, now: datetime,
                    health_checks_given: int = 0) -> HealthFollowUp:
        require_aware(now, "now")
        if actor.agency != "health":
            raise NotHealth("not_health")
        if health_checks_given < 0:
            raise InvalidValue("must_be_zero_or_more", "health_checks_given")
        if not findings.strip():
            raise InvalidValue("must_not_be_empty", "findings")
        return cls._create(cls.Done, id=follow_up_id(notice_id), **traced(actor),
                           notice_id=str(notice_id), findings=findings.strip(),
                           health_checks_given=health_checks_given, done_at=now)
