"""The accident notice's state and the questions asked of it; the commands are in accident_notice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.notice_errors import NotRequired
from domain.notice_rules import pending_agencies, revision_deadline
from domain.notice_values import Casualties, Employer


class NoticeState:
    """What the notice's events leave behind, read by its commands and by the services."""

    status: str
    acknowledgements: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    closure: dict[str, Any] | None
    steps: list[dict[str, Any]]
    # Set by Filed.apply.
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


    def _step(self, kind: str, at: datetime, by: dict[str, str] | None, **more: Any) -> None:
        self.steps.append({"kind": kind, "at": at, "by": by, "round": self.round,
                           "grade": self.grade, "figures": self.casualties.figures(),
                           "note": "", **more})

    def require_acknowledger(self, agency: str) -> None:
        """Only an agency the notice requires acknowledges it: the API asks this before it reads
        the request (403 before any validation), the command again."""
        if agency not in self.required_agencies:
            raise NotRequired("agency_not_required", agency=agency,
                              required=list(self.required_agencies))

    def acknowledged_in_round(self, agency: str) -> bool:
        return any(a["agency"] == agency and a["round"] == self.round
                   for a in self.acknowledgements)

    def pending_agencies(self) -> list[str]:
        return pending_agencies(self.status, self.required_agencies,
                                [a for a in self.required_agencies
                                 if self.acknowledged_in_round(a)])

    def escalated_in_round(self, agency: str) -> bool:
        return any(e["agency"] == agency and e["round"] == self.round for e in self.escalations)

    def overdue_agencies(self, now: datetime) -> list[str]:
        return [a for a in self.pending_agencies()
                if now > self.deadlines[a] and not self.escalated_in_round(a)]

    def revision_deadline(self) -> datetime:
        return revision_deadline(self.occurred_at, self.cause)
