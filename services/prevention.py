"""Prevention-fee commands and queries: fund years and prevention projects.

Approving a project changes the project and its fund year; both are saved in one commit,
so a concurrent approval of another project in the same year fails (ConcurrentWrite → 409)
instead of passing the cap.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.common import Actor
from domain.fund_year import DEFAULT_RATIO_PCT, FundYear, fund_year_id
from domain.prevention_project import PreventionProject
from services.application import ConcurrentWrite, LinkageApp, NotFound
from services.envelope import Envelope, jsonable_dict
from services.ports import Clock, Doc, Tx
from services.projections import ALL, Projection

FUND = "prevention-fund"


class FundYearExists(ConcurrentWrite):
    code = "fund_year_exists"


def fund_year_view(fy: FundYear) -> dict[str, Any]:
    return jsonable_dict({
        "id": fy.id, "year": fy.year, "version": fy.version,
        "previous_year_fund_income_cny": fy.income_cny, "cap_ratio_pct": fy.ratio_pct,
        "ratio_approval_ref": fy.ratio_approval_ref, "cap_cny": fy.cap_cny,
        "approved_total_cny": fy.approved_total_cny, "remaining_cny": fy.remaining_cny,
        "allocations": fy.allocations, "ratio_history": fy.ratio_history, "opened_at": fy.opened_at,
    })


def project_view(p: PreventionProject) -> dict[str, Any]:
    return jsonable_dict({
        "id": p.id, "version": p.version, "status": p.status, "fund_year": p.fund_year,
        "category": p.category, "title": p.title, "description": p.description,
        "budget_cny": p.budget_cny, "planned": p.planned, "districts": p.districts,
        "proposed_at": p.proposed_at, "proposed_by": p.proposed_by, "decision": p.decision,
        "achieved": p.achieved, "milestones": p.milestones,
        "disbursements": sorted(p.disbursements.values(), key=lambda d: d["requested_at"]),
        "paid_cny": p.paid_cny, "requested_unpaid_cny": p.requested_cny,
        "unspent_cny": p.budget_cny - p.paid_cny, "comparison": p.comparison(),
        "assessment": p.assessment, "closure": p.closure,
    })


class FundYears:
    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    def load(self, year: int, expected_version: int | None = None) -> FundYear:
        try:
            return self.app.load(fund_year_id(year), FundYear, expected_version)
        except NotFound as e:
            raise NotFound("fund_year_not_open", year=year) from e

    def open(self, actor: Actor, year: int, previous_year_fund_income_cny: Decimal,
             cap_ratio_pct: Decimal = DEFAULT_RATIO_PCT, ratio_approval_ref: str = "") -> dict[str, Any]:
        fy = FundYear.open(actor=actor, year=year, now=self.clock(),
                           previous_year_fund_income_cny=previous_year_fund_income_cny,
                           cap_ratio_pct=cap_ratio_pct, ratio_approval_ref=ratio_approval_ref)
        try:
            self.app.commit(fy)
        except ConcurrentWrite as e:
            raise FundYearExists("fund_year_exists", year=year) from e
        return fund_year_view(fy)

    def get(self, year: int) -> dict[str, Any]:
        return fund_year_view(self.load(year))

    def raise_ratio(self, actor: Actor, year: int, cap_ratio_pct: Decimal, approval_ref: str,
                    expected_version: int | None = None) -> dict[str, Any]:
        fy = self.load(year, expected_version)
        fy.raise_ratio(actor=actor, cap_ratio_pct=cap_ratio_pct, approval_ref=approval_ref,
                       now=self.clock())
        self.app.commit(fy)
        return fund_year_view(fy)


class PreventionProjects:
    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.fund_years = FundYears(app, clock)

    def _load(self, project_id: UUID, expected_version: int | None = None) -> PreventionProject:
        return self.app.load(project_id, PreventionProject, expected_version)

    def _save(self, project: PreventionProject) -> dict[str, Any]:
        self.app.commit(project)
        return {"id": str(project.id), "version": project.version, "status": project.status}

    def propose(self, actor: Actor, fund_year: int, category: str, title: str, budget_cny: Decimal,
                planned: dict[str, int], districts: list[str] | None = None, description: str = "",
                project_id: UUID | None = None) -> dict[str, Any]:
        self.fund_years.load(fund_year)  # proposals go to an open fund year
        project = PreventionProject.propose(
            actor=actor, fund_year=fund_year, category=category, title=title,
            budget_cny=budget_cny, planned=planned, districts=districts, description=description,
            now=self.clock(), project_id=project_id)
        return self._save(project)

    def exists(self, project_id: UUID) -> bool:
        return self.app.exists(project_id, PreventionProject)

    def get(self, project_id: UUID) -> dict[str, Any]:
        return project_view(self._load(project_id))

    def approve(self, project_id: UUID, actor: Actor,
                expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        fy = self.fund_years.load(project.fund_year)
        now = self.clock()
        fy.allocate(actor=actor, project_id=str(project.id), amount_cny=project.budget_cny, now=now)
        project.approve(actor=actor, now=now)
        self.app.commit(project, fy)  # one transaction: a racing approval is a ConcurrentWrite
        return {"id": str(project.id), "version": project.version, "status": project.status,
                "fund_year": fund_year_view(fy)}

    def reject(self, project_id: UUID, actor: Actor, reason: str,
               expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        project.reject(actor=actor, reason=reason, now=self.clock())
        return self._save(project)

    def report_milestone(self, project_id: UUID, actor: Actor, achieved: dict[str, int],
                         note: str = "", expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        project.report_milestone(actor=actor, achieved=achieved, note=note, now=self.clock())
        return {**self._save(project), "achieved": dict(project.achieved)}

    def request_disbursement(self, project_id: UUID, actor: Actor, amount_cny: Decimal,
                             purpose: str, expected_version: int | None = None,
                             disbursement_id: str | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        did = project.request_disbursement(actor=actor, amount_cny=amount_cny, purpose=purpose,
                                           now=self.clock(), disbursement_id=disbursement_id)
        return {**self._save(project), "disbursement_id": did}

    def pay(self, project_id: UUID, disbursement_id: str, actor: Actor,
            expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        project.pay(actor=actor, disbursement_id=disbursement_id, now=self.clock())
        return {**self._save(project), "paid_cny": str(project.paid_cny)}

    def assess(self, project_id: UUID, actor: Actor, conclusion: str,
               expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        project.assess(actor=actor, conclusion=conclusion, now=self.clock())
        return {**self._save(project), "comparison": jsonable_dict(project.comparison())}

    def close(self, project_id: UUID, actor: Actor, note: str,
              expected_version: int | None = None) -> dict[str, Any]:
        project = self._load(project_id, expected_version)
        project.close(actor=actor, note=note, now=self.clock())
        return self._save(project)


class ProjectIndex(Projection):
    """The pages' list of fund years and of projects, newest fund year first (envelopes only)."""

    name = "prevention"
    mechanisms = (FUND,)

    def apply(self, tx: Tx, env: Envelope) -> None:
        cls, kind = env.event_type.split(".", 1)
        key, p = str(env.aggregate_id), env.payload
        if cls == "FundYear":
            if kind == "Opened":
                tx.put("fund_years", key, {"year": p["year"]})
                tx.index("fund_years", key, f"{9999 - int(p['year']):04d}", [ALL])
            return
        doc: Doc | None = tx.get("projects", key)
        if kind == "Proposed":
            doc = {"id": key, "fund_year": p["fund_year"], "title": p["title"],
                   "category": p["category"], "budget_cny": p["budget_cny"],
                   "status": "proposed", "proposed_at": p["proposed_at"],
                   "proposed_by": env.actor.name}
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        doc["status"] = {"Approved": "approved", "Rejected": "rejected", "Assessed": "assessed",
                         "Closed": "closed"}.get(kind, doc["status"])
        tx.put("projects", key, doc)
        order = f"{9999 - int(doc['fund_year']):04d}|{doc['proposed_at']}"
        tx.index("projects", key, order, [ALL, f"year:{doc['fund_year']}",
                                          f"status:{doc['status']}"])


def listing(tx: Tx, coll: str, tags: list[str], limit: int = 500) -> list[Doc]:
    """The fund years or projects listed under `tags` (newest fund year first)."""
    return [doc for _, _, doc in tx.page(coll, tags or [ALL], limit=limit)]
