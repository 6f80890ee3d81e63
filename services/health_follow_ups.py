"""Recording an occupational-health follow-up as done (卫健委)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.accident_notice import AccidentNotice
from domain.common import Actor, DomainError
from domain.health_follow_up import HealthFollowUp, follow_up_id
from domain.notice_rules import HEALTH_CAUSES
from services.application import ConcurrentWrite, LinkageApp, NotFound
from services.envelope import jsonable_dict
from services.ports import Clock


class NoFollowUpOwed(DomainError):
    code = "no_follow_up_owed"


def owes_follow_up(cause: str, serious_injuries: int) -> bool:
    """Poisoning or an occupational-disease cause, or any serious injury."""
    return cause in HEALTH_CAUSES or serious_injuries > 0


class HealthFollowUps:
    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    def record_done(self, notice_id: UUID, actor: Actor, findings: str,
                    health_checks_given: int = 0) -> dict[str, Any]:
        notice = self.app.load(notice_id, AccidentNotice)
        if notice.status == "withdrawn" or not owes_follow_up(
                notice.cause, notice.casualties.serious_injuries):
            raise NoFollowUpOwed("no_follow_up_owed", notice_id=notice_id)
        done = HealthFollowUp.record_done(actor=actor, notice_id=notice_id, findings=findings,
                                          now=self.clock(), health_checks_given=health_checks_given)
        try:
            self.app.commit(done)
        except ConcurrentWrite as e:
            raise ConcurrentWrite("follow_up_done", notice_id=notice_id) from e
        return jsonable_dict({"notice_id": notice_id, "id": done.id, "done_at": done.done_at})

    def get(self, notice_id: UUID) -> dict[str, Any]:
        try:
            f = self.app.load(follow_up_id(notice_id), HealthFollowUp)
        except NotFound as e:
            raise NotFound("no_follow_up", notice_id=notice_id) from e
        return jsonable_dict({"notice_id": f.notice_id, "findings": f.findings,
                              "health_checks_given": f.health_checks_given, "done_at": f.done_at})
