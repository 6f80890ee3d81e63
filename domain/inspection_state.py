"""A joint inspection's state as its events leave it, and the questions asked of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.common import Actor, beijing_date
from domain.inspection_rules import NotBooked, NotParticipating


class InspectionState:
    """Read by the inspection's commands, the services and the pages."""

    status: str
    findings: list[dict[str, Any]]
    started_at: datetime | None
    ended: dict[str, Any] | None
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
    scheduled_by: dict[str, str]

    def overdue(self, finding: dict[str, Any], now: datetime) -> bool:
        """Not rectified by its deadline (a late rectification stays overdue)."""
        deadline = finding["rectification_deadline"]
        if deadline is None or now <= deadline:
            return False
        r = finding["reinspection"]
        return not (r is not None and r["rectified"] and r["at"] <= deadline)

    def booked(self, actor: Actor, inspector_id: str | None) -> bool:
        """Whether the actor is one of the booked inspectors: its linked register entry (or,
        for bookings made by account id, the account itself) is on the inspection."""
        ids = {p["id"] for p in self.inspectors}
        return (inspector_id is not None and inspector_id in ids) or actor.id in ids

    def require_actor(self, actor: Actor, inspector_id: str | None, step: str) -> None:
        """Who may take a step: a booked inspector of an agency taking part; a cancellation
        also the one who scheduled it. The API asks this before it reads the request (403
        before any validation); the step itself asks again."""
        scheduler = step == "cancel" and actor.id == self.scheduled_by["id"]
        if not scheduler and not self.booked(actor, inspector_id):
            names = "、".join(p["name"] for p in self.inspectors)
            raise NotBooked("not_booked", name=actor.name, booked=names)
        if actor.agency not in self.agencies:
            raise NotParticipating("agency_not_participating", agency=actor.agency)

    def may_start(self, now: datetime) -> bool:
        """Scheduled and its window (Beijing dates) has begun."""
        return self.status == "scheduled" and beijing_date(now).isoformat() >= self.starts_on

    def unsettled(self) -> list[dict[str, Any]]:
        """What still blocks completion, per finding: `needs` is `rectification` (a major
        finding without an order), `reinspection` (ordered, not re-inspected) or `closure`
        (an observation or a minor finding neither closed on the spot nor ordered)."""
        out: list[dict[str, Any]] = []
        for f in self.findings:
            if f["reinspection"] is not None or f["closed_on_spot"] is not None:
                continue
            needs = ("reinspection" if f["rectification_deadline"] is not None else
                     "rectification" if f["severity"] == "major" else "closure")
            out.append({"finding_no": f["no"], "severity": f["severity"], "needs": needs})
        return out
