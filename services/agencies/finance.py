"""财政局: acknowledgement queue and the prevention-fee ledger per fund year.

Tables: `fund_years` (cap and approved total, from the FundYear's own events), `projects`
(budget, status, paid, from each project's events) and the queue (`approve_project`,
`pay_disbursement`). The fund year and its projects are different aggregates, so their
events may arrive in any order; the ledger is summed at query time, so the read model does
not depend on that order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.agencies.meetings import MEETINGS, apply_meeting
from services.envelope import Envelope
from services.ports import Doc, Tx
from services.projections import NOTICES, AgencyProjection, put_queue_item

FUND = "prevention-fund"


def _project_item(doc: Doc) -> Doc:
    return {"kind": "approve_project", "project_id": doc["id"], "deadline": None,
            "fund_year": doc["fund_year"], "title": doc["title"], "category": doc["category"],
            "budget_cny": doc["budget_cny"], "proposed_at": doc["proposed_at"]}


class FinanceProjection(AgencyProjection):
    mechanisms = (NOTICES, FUND, MEETINGS)

    def __init__(self) -> None:
        super().__init__("finance")

    def apply(self, tx: Tx, env: Envelope) -> None:
        super().apply(tx, env)
        if env.mechanism == MEETINGS:
            apply_meeting(tx, env, self.agency)
        kind = env.event_type
        if kind.startswith("FundYear."):
            self._fund_year(tx, env)
        elif kind.startswith("PreventionProject."):
            self._project(tx, env)

    def _fund_year(self, tx: Tx, env: Envelope) -> None:
        key = str(env.aggregate_id)
        p: dict[str, Any] = env.payload
        if env.event_type == "FundYear.Opened":
            tx.put("fund_years", key, {
                "year": p["year"], "previous_year_fund_income_cny": p["previous_year_fund_income_cny"],
                "cap_ratio_pct": p["cap_ratio_pct"], "ratio_approval_ref": p["ratio_approval_ref"],
                "cap_cny": p["cap_cny"], "approved_total_cny": "0.00", "version": 1})
            return
        doc = tx.get("fund_years", key)
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        if env.event_type == "FundYear.RatioRaised":
            for name in ("cap_ratio_pct", "ratio_approval_ref", "cap_cny"):
                doc[name] = p[name]
        elif env.event_type == "FundYear.Allocated":
            doc["approved_total_cny"] = p["approved_total_cny"]
        tx.put("fund_years", key, doc)

    def _project(self, tx: Tx, env: Envelope) -> None:
        key = str(env.aggregate_id)
        p: dict[str, Any] = env.payload
        kind = env.event_type.rsplit(".", 1)[-1]
        if kind == "Proposed":
            doc: Doc | None = {
                "id": key, "fund_year": p["fund_year"], "title": p["title"],
                "category": p["category"], "budget_cny": p["budget_cny"], "status": "proposed",
                "proposed_at": p["proposed_at"], "paid_cny": "0.00", "proposed_by": env.actor.name}
        else:
            doc = tx.get("projects", key)
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        if kind == "Proposed":
            put_queue_item(tx, key, _project_item(doc))
        elif kind in ("Approved", "Rejected"):
            doc["status"] = kind.lower()
            tx.delete("queue", key)
        elif kind in ("Assessed", "Closed"):
            doc["status"] = kind.lower()
        elif kind == "DisbursementRequested":
            put_queue_item(tx, f"{key}:{p['disbursement_id']}", {
                "kind": "pay_disbursement", "project_id": key, "deadline": None,
                "disbursement_id": p["disbursement_id"], "amount_cny": p["amount_cny"],
                "purpose": p["purpose"], "fund_year": doc["fund_year"], "title": doc["title"],
                "requested_at": p["requested_at"]})
        elif kind == "DisbursementPaid":
            doc["paid_cny"] = p["paid_total_cny"]
            tx.delete("queue", f"{key}:{p['disbursement_id']}")
        tx.put("projects", key, doc)


def ledger(tx: Tx) -> list[Doc]:
    """Per fund year: cap, approved, paid, remaining (cap - approved), unpaid (approved - paid)."""
    paid: dict[int, Decimal] = {}
    waiting: dict[int, int] = {}
    for _, project in tx.scan("projects"):
        year = project["fund_year"]
        paid[year] = paid.get(year, Decimal(0)) + Decimal(project["paid_cny"])
        if project["status"] == "proposed":
            waiting[year] = waiting.get(year, 0) + 1
    pending = [item for _, item in tx.scan("queue") if item["kind"] == "pay_disbursement"]
    rows = []
    for _, fy in tx.scan("fund_years"):
        year = fy["year"]
        cap, approved = Decimal(fy["cap_cny"]), Decimal(fy["approved_total_cny"])
        year_paid = paid.get(year, Decimal(0)).quantize(Decimal("0.01"))
        rows.append({
            **fy, "paid_cny": str(year_paid), "remaining_cny": str(cap - approved),
            "approved_unpaid_cny": str(approved - year_paid),
            "approvals_waiting": waiting.get(year, 0),
            "disbursements_waiting": sum(1 for i in pending if i["fund_year"] == year),
            "disbursements_waiting_cny": str(sum((Decimal(i["amount_cny"]) for i in pending
                                                  if i["fund_year"] == year), Decimal("0.00"))),
        })
    rows.sort(key=lambda r: r["year"])
    return rows
