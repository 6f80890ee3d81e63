"""工伤预防项目: a project paid from the prevention fee, from proposal to closure.

proposed → approved (by finance, within the fund year's cap) or rejected → milestones
reported and disbursements requested (hrss) and paid (finance), never more than the approved
budget in total → assessed (planned against achieved) → closed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, require_aware, traced
from domain.fund_year import AmountRefused, money
from domain.messages import msg
from domain.vocabulary import PROJECT_CATEGORIES

# Planned measures each category must state (counts), and the district list for publicity.
REQUIRED_PLANNED = {
    "publicity": ("days_on_tour", "stops"),
    "training": ("sessions", "trainees"),
    "health_checks": ("health_checks",),
    "research": (),
    "other": (),
}
PLANNED_MEASURES = ("days_on_tour", "stops", "audience", "sessions", "trainees", "health_checks")
ACHIEVED_MEASURES = ("days_toured", "stops", "audience_reached", "materials_handed_out",
                     "sessions_held", "trainees_trained", "health_checks_given")
# Which achieved figure answers which planned one, for the assessment.
PLANNED_VS_ACHIEVED = {"days_on_tour": "days_toured", "stops": "stops", "audience": "audience_reached",
                       "sessions": "sessions_held", "trainees": "trainees_trained",
                       "health_checks": "health_checks_given"}


class ProjectError(DomainError):
    pass


class WrongStatus(ProjectError):
    code = "project_wrong_status"


class BudgetExceeded(AmountRefused):
    code = "budget_exceeded"


def counts(values: dict[str, int], allowed: tuple[str, ...], field: str) -> dict[str, int]:
    for name, value in values.items():
        if name not in allowed:
            raise InvalidValue("unknown_measure", f"{field}.{name}", choices=", ".join(allowed))
        if value < 0:
            raise InvalidValue("must_be_zero_or_more", f"{field}.{name}")
    return dict(sorted(values.items()))


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidValue("must_not_be_empty", field)
    return value.strip()


class PreventionProject(Aggregate):
    def __init__(self) -> None:
        self.status = "proposed"
        self.achieved: dict[str, int] = {}
        self.milestones: list[dict[str, Any]] = []
        self.disbursements: dict[str, dict[str, Any]] = {}
        self.decision: dict[str, Any] | None = None
        self.assessment: dict[str, Any] | None = None
        self.closure: dict[str, Any] | None = None

    class Proposed(TracedEvent, Aggregate.Created):
        fund_year: int
        category: str
        title: str
        description: str
        budget_cny: Decimal
        planned: dict[str, int]
        districts: list[str]
        proposed_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.fund_year = self.fund_year
            p.category = self.category
            p.title = self.title
            p.description = self.description
            p.budget_cny = self.budget_cny
            p.planned = dict(self.planned)
            p.districts = list(self.districts)
            p.proposed_at = self.proposed_at
            p.proposed_by = {"id": self.actor_id, "name": self.actor_name, "agency": self.actor_agency}

    class Approved(TracedEvent):
        approved_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.status = "approved"
            p.decision = {"approved": True, "at": self.approved_at, "reason": "",
                          "by": {"id": self.actor_id, "name": self.actor_name}}

    class Rejected(TracedEvent):
        reason: str
        rejected_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.status = "rejected"
            p.decision = {"approved": False, "at": self.rejected_at, "reason": self.reason,
                          "by": {"id": self.actor_id, "name": self.actor_name}}

    class MilestoneReported(TracedEvent):
        achieved: dict[str, int]
        note: str
        reported_at: datetime

        def apply(self, p: PreventionProject) -> None:
            for name, value in self.achieved.items():
                p.achieved[name] = p.achieved.get(name, 0) + value
            p.milestones.append({"achieved": dict(self.achieved), "note": self.note,
                                 "at": self.reported_at, "by": {"id": self.actor_id,
                                                                "name": self.actor_name}})

    class DisbursementRequested(TracedEvent):
        disbursement_id: str
        amount_cny: Decimal
        purpose: str
        requested_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.disbursements[self.disbursement_id] = {
                "id": self.disbursement_id, "amount_cny": self.amount_cny, "purpose": self.purpose,
                "requested_at": self.requested_at, "paid_at": None, "status": "requested"}

    class DisbursementPaid(TracedEvent):
        disbursement_id: str
        amount_cny: Decimal
        paid_total_cny: Decimal
        paid_at: datetime

        def apply(self, p: PreventionProject) -> None:
            d = p.disbursements[self.disbursement_id]
            d["status"] = "paid"
            d["paid_at"] = self.paid_at

    class Assessed(TracedEvent):
        planned: dict[str, int]
        achieved: dict[str, int]
        conclusion: str
        assessed_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.status = "assessed"
            p.assessment = {"planned": dict(self.planned), "achieved": dict(self.achieved),
                            "conclusion": self.conclusion, "at": self.assessed_at,
                            "by": {"id": self.actor_id, "name": self.actor_name}}

    class Closed(TracedEvent):
        note: str
        closed_at: datetime

        def apply(self, p: PreventionProject) -> None:
            p.status = "closed"
            p.closure = {"note": self.note, "at": self.closed_at,
                         "by": {"id": self.actor_id, "name": self.actor_name}}

    fund_year: int
    category: str
    title: str
    description: str
    budget_cny: Decimal
    planned: dict[str, int]
    districts: list[str]
    proposed_at: datetime
    proposed_by: dict[str, str]

    @classmethod
    def propose(cls, *, actor: Actor, fund_year: int, category: str, title: str, budget_cny: Decimal,
                planned: dict[str, int], now: datetime, districts: list[str] | None = None,
                description: str = "", project_id: UUID | None = None) -> PreventionProject:
        require_aware(now, "now")
        if category not in PROJECT_CATEGORIES:
            raise InvalidValue("must_be_one_of", "category", choices=", ".join(PROJECT_CATEGORIES))
        plan = counts(planned, PLANNED_MEASURES, "planned")
        for name in REQUIRED_PLANNED[category]:
            if plan.get(name, 0) <= 0:
                raise InvalidValue("category_must_plan", f"planned.{name}", category=category,
                                   measure=name)
        names = [_text(d, "districts") for d in districts or []]
        if category == "publicity" and not names:
            raise InvalidValue("publicity_districts", "districts")
        return cls._create(
            cls.Proposed, id=project_id or uuid4(), **traced(actor), fund_year=fund_year,
            category=category, title=_text(title, "title"), description=description.strip(),
            budget_cny=money(budget_cny, "budget_cny", positive=True), planned=plan,
            districts=names, proposed_at=now,
        )

    # -- state ----------------------------------------------------------------

    def _sum(self, *statuses: str) -> Decimal:
        return sum((d["amount_cny"] for d in self.disbursements.values() if d["status"] in statuses),
                   Decimal("0.00"))

    @property
    def paid_cny(self) -> Decimal:
        return self._sum("paid")

    @property
    def requested_cny(self) -> Decimal:
        """Requested and not yet paid."""
        return self._sum("requested")

    def _require(self, now: datetime, *statuses: str) -> None:
        require_aware(now, "now")
        if self.status not in statuses:
            raise WrongStatus("project_wrong_status", project_status=self.status,
                              project_statuses=list(statuses))

    # -- commands -------------------------------------------------------------

    def approve(self, *, actor: Actor, now: datetime) -> None:
        """Only together with FundYear.allocate, saved in the same commit."""
        self._require(now, "proposed")
        self.trigger_event(self.Approved, **traced(actor), approved_at=now)

    def reject(self, *, actor: Actor, reason: str, now: datetime) -> None:
        self._require(now, "proposed")
        self.trigger_event(self.Rejected, **traced(actor), reason=_text(reason, "reason"),
                           rejected_at=now)

    def report_milestone(self, *, actor: Actor, achieved: dict[str, int], now: datetime,
                         note: str = "") -> None:
        self._require(now, "approved")
        figures = counts(achieved, ACHIEVED_MEASURES, "achieved")
        if not any(figures.values()):
            raise InvalidValue("report_a_figure", "achieved")
        self.trigger_event(self.MilestoneReported, **traced(actor), achieved=figures,
                           note=note.strip(), reported_at=now)

    def request_disbursement(self, *, actor: Actor, amount_cny: Decimal, purpose: str,
                             now: datetime, disbursement_id: str | None = None) -> str:
        self._require(now, "approved")
        amount = money(amount_cny, "amount_cny", positive=True)
        committed = self.paid_cny + self.requested_cny
        if committed + amount > self.budget_cny:
            raise BudgetExceeded(
                msg("budget_exceeded", amount=amount, total=committed + amount,
                    budget=self.budget_cny),
                {"budget_cny": str(self.budget_cny), "paid_cny": str(self.paid_cny),
                 "requested_unpaid_cny": str(self.requested_cny), "requested_cny": str(amount)},
            )
        did = disbursement_id or uuid4().hex
        if did in self.disbursements:
            raise ProjectError("disbursement_exists", disbursement_id=did)
        self.trigger_event(self.DisbursementRequested, **traced(actor), disbursement_id=did,
                           amount_cny=amount, purpose=_text(purpose, "purpose"), requested_at=now)
        return did

    def pay(self, *, actor: Actor, disbursement_id: str, now: datetime) -> None:
        self._require(now, "approved", "assessed")
        d = self.disbursements.get(disbursement_id)
        if d is None:
            raise ProjectError("no_such_disbursement", disbursement_id=disbursement_id)
        if d["status"] == "paid":
            raise ProjectError("disbursement_paid", disbursement_id=disbursement_id)
        total = self.paid_cny + d["amount_cny"]
        if total > self.budget_cny:  # cannot happen after the request check; kept as a guard
            raise BudgetExceeded(msg("payment_over_budget"),
                                 {"budget_cny": str(self.budget_cny), "paid_cny": str(self.paid_cny),
                                  "requested_cny": str(d["amount_cny"])})
        self.trigger_event(self.DisbursementPaid, **traced(actor), disbursement_id=disbursement_id,
                           amount_cny=d["amount_cny"], paid_total_cny=total, paid_at=now)

    def comparison(self) -> dict[str, dict[str, Any]]:
        """Planned against achieved, per planned measure (achievement in %, one decimal)."""
        out: dict[str, dict[str, Any]] = {}
        for name, planned in sorted(self.planned.items()):
            achieved = self.achieved.get(PLANNED_VS_ACHIEVED[name], 0)
            pct = (Decimal(achieved) * 100 / planned).quantize(Decimal("0.1")) if planned else None
            out[name] = {"planned": planned, "achieved": achieved, "achievement_pct": pct}
        return out

    def assess(self, *, actor: Actor, conclusion: str, now: datetime) -> None:
        self._require(now, "approved")
        self.trigger_event(self.Assessed, **traced(actor), planned=dict(self.planned),
                           achieved=dict(sorted(self.achieved.items())),
                           conclusion=_text(conclusion, "conclusion"), assessed_at=now)

    def close(self, *, actor: Actor, note: str, now: datetime) -> None:
        self._require(now, "assessed")
        if self.requested_cny:
            raise ProjectError("requested_unpaid", amount=self.requested_cny)
        self.trigger_event(self.Closed, **traced(actor), note=note.strip(), closed_at=now)
