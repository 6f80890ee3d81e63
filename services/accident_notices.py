"""Accident-notice commands and queries: get, one call on the aggregate, save."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor
from services.application import LinkageApp, StaleVersion
from services.envelope import jsonable_dict
from services.notice_view import view
from services.policies import notices as policy
from services.ports import Clock


class AccidentNotices:
    def __init__(self, app: LinkageApp, clock: Clock,
                 deadlines: dict[str, timedelta] | None = None) -> None:
        self.app = app
        self.clock = clock
        self.deadlines = deadlines

    def file(self, actor: Actor, employer: Employer, incident: Incident,
             casualties: Casualties, notice_id: UUID | None = None) -> dict[str, Any]:
        notice = AccidentNotice.file(actor=actor, employer=employer, incident=incident,
                                     casualties=casualties, now=self.clock(),
                                     deadlines=self.deadlines, notice_id=notice_id)
        self.app.commit(notice)
        return jsonable_dict({"id": notice.id, "version": notice.version, "grade": notice.grade,
                         "required_agencies": notice.required_agencies,
                         "deadlines": notice.deadlines})

    def get(self, notice_id: UUID) -> dict[str, Any]:
        return view(self.app.load(notice_id, AccidentNotice), self.clock())

    def exists(self, notice_id: UUID) -> bool:
        return self.app.exists(notice_id, AccidentNotice)

    def authorize(self, notice_id: UUID, actor: Actor, step: str) -> None:
        """Whether the user may take `step` ("acknowledge", "withdraw") on this notice, asked
        before the request is read (403 before any validation); an unknown notice passes,
        the step answers it."""
        notice = self.app.find(notice_id, AccidentNotice)
        if notice is None:
            return
        if step == "acknowledge":
            notice.require_acknowledger(actor.agency)
        elif step == "withdraw":
            policy.check_withdraw(actor, notice.filed_by["agency"])

    def acknowledge(self, notice_id: UUID, actor: Actor,
                    expected_version: int | None = None) -> int:
        notice = self.app.load(notice_id, AccidentNotice, expected_version)
        notice.acknowledge(actor=actor, now=self.clock())
        self.app.commit(notice)
        return notice.version

    def revise(self, notice_id: UUID, actor: Actor, casualties: Casualties, reason: str,
               expected_version: int | None = None) -> dict[str, Any]:
        notice = self.app.load(notice_id, AccidentNotice, expected_version)
        notice.revise(actor=actor, casualties=casualties, reason=reason, now=self.clock(),
                      deadlines=self.deadlines)
        self.app.commit(notice)
        return jsonable_dict({"id": notice.id, "version": notice.version, "grade": notice.grade,
                         "reopened": notice.revisions[-1]["reopened"],
                         "required_agencies": notice.required_agencies,
                         "deadlines": notice.deadlines})

    def close(self, notice_id: UUID, actor: Actor, reason: str,
              expected_version: int | None = None) -> int:
        notice = self.app.load(notice_id, AccidentNotice, expected_version)
        notice.close(actor=actor, reason=reason, now=self.clock())
        self.app.commit(notice)
        return notice.version

    def withdraw(self, notice_id: UUID, actor: Actor, reason: str,
                 expected_version: int | None = None) -> int:
        notice = self.app.load(notice_id, AccidentNotice)
        policy.check_withdraw(actor, notice.filed_by["agency"])  # refused before "stale"
        if expected_version is not None and notice.version != expected_version:
            raise StaleVersion(expected_version, notice.version)
        notice.withdraw(actor=actor, reason=reason, now=self.clock())
        self.app.commit(notice)
        return notice.version

    def escalate(self, notice_id: UUID, actor: Actor, agency: str) -> int:
        notice = self.app.load(notice_id, AccidentNotice)
        notice.escalate(actor=actor, agency=agency, now=self.clock())
        self.app.commit(notice)
        return notice.version
