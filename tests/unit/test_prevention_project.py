"""A prevention project's lifecycle and its disbursement limit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.common import Actor, InvalidValue
from domain.prevention_project import BudgetExceeded, PreventionProject, ProjectError, WrongStatus

HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def publicity(budget: str = "100000.00") -> PreventionProject:
    return PreventionProject.propose(
        actor=HRSS, fund_year=2026, category="publicity", title="工伤预防宣传大篷车",
        budget_cny=Decimal(budget), planned={"days_on_tour": 20, "stops": 40, "audience": 8000},
        districts=["鼓楼区", "台江区"], now=NOW)


def approved(budget: str = "100000.00") -> PreventionProject:
    p = publicity(budget)
    p.approve(actor=FINANCE, now=NOW)
    return p


def test_publicity_must_plan_its_tour() -> None:
    with pytest.raises(InvalidValue) as e:
        PreventionProject.propose(actor=HRSS, fund_year=2026, category="publicity", title="t",
                                  budget_cny=Decimal(1), planned={"days_on_tour": 3},
                                  districts=["鼓楼区"], now=NOW)
    assert e.value.field == "planned.stops"
    with pytest.raises(InvalidValue) as e:
        PreventionProject.propose(actor=HRSS, fund_year=2026, category="publicity", title="t",
                                  budget_cny=Decimal(1), planned={"days_on_tour": 3, "stops": 2},
                                  now=NOW)
    assert e.value.field == "districts"


@pytest.mark.parametrize(("kw", "field"), [
    ({"category": "party"}, "category"),
    ({"planned": {"sessions": 2}}, "planned.trainees"),
    ({"planned": {"sessions": 2, "trainees": 50, "cakes": 1}}, "planned.cakes"),
    ({"planned": {"sessions": -1, "trainees": 5}}, "planned.sessions"),
    ({"budget_cny": Decimal(0)}, "budget_cny"),
    ({"budget_cny": Decimal("1.005")}, "budget_cny"),
    ({"title": "  "}, "title"),
])
def test_training_proposal_validation(kw: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"actor": HRSS, "fund_year": 2026, "category": "training",
                               "title": "班组长安全培训", "budget_cny": Decimal(5000),
                               "planned": {"sessions": 4, "trainees": 200}, "now": NOW}
    args.update(kw)
    with pytest.raises(InvalidValue) as e:
        PreventionProject.propose(**args)  # type: ignore[arg-type]
    assert e.value.field == field


def test_decision_only_once() -> None:
    p = publicity()
    p.reject(actor=FINANCE, reason="预算依据不足", now=NOW)
    assert p.status == "rejected" and p.decision is not None and p.decision["reason"] == "预算依据不足"
    with pytest.raises(WrongStatus):
        p.approve(actor=FINANCE, now=NOW)
    with pytest.raises(WrongStatus):
        p.report_milestone(actor=HRSS, achieved={"stops": 1}, now=NOW)
    with pytest.raises(InvalidValue):
        publicity().reject(actor=FINANCE, reason=" ", now=NOW)


def test_disbursements_never_pass_the_budget_in_total() -> None:
    p = approved("100.00")
    d1 = p.request_disbursement(actor=HRSS, amount_cny=Decimal("60.00"), purpose="首期", now=NOW)
    # Requested-but-unpaid counts too: 60 + 40.01 > 100.
    with pytest.raises(BudgetExceeded) as e:
        p.request_disbursement(actor=HRSS, amount_cny=Decimal("40.01"), purpose="二期", now=NOW)
    assert e.value.figures == {"budget_cny": "100.00", "paid_cny": "0.00", "requested_unpaid_cny": "60.00",
                               "requested_cny": "40.01"}
    d2 = p.request_disbursement(actor=HRSS, amount_cny=Decimal("40.00"), purpose="二期", now=NOW)
    p.pay(actor=FINANCE, disbursement_id=d1, now=NOW)
    p.pay(actor=FINANCE, disbursement_id=d2, now=NOW)
    assert p.paid_cny == Decimal("100.00") and p.requested_cny == 0
    with pytest.raises(BudgetExceeded):
        p.request_disbursement(actor=HRSS, amount_cny=Decimal("0.01"), purpose="三期", now=NOW)
    with pytest.raises(ProjectError):
        p.pay(actor=FINANCE, disbursement_id=d1, now=NOW)  # paid twice
    with pytest.raises(ProjectError):
        p.pay(actor=FINANCE, disbursement_id="nope", now=NOW)


def test_no_disbursement_before_approval() -> None:
    with pytest.raises(WrongStatus):
        publicity().request_disbursement(actor=HRSS, amount_cny=Decimal(1), purpose="x", now=NOW)


def test_milestones_add_up_and_assessment_compares_planned_with_achieved() -> None:
    p = approved()
    p.report_milestone(actor=HRSS, achieved={"days_toured": 8, "stops": 15, "audience_reached": 3000,
                                             "materials_handed_out": 5000}, now=NOW)
    p.report_milestone(actor=HRSS, achieved={"days_toured": 12, "stops": 21,
                                             "audience_reached": 6200}, now=NOW, note="第二阶段")
    with pytest.raises(InvalidValue):
        p.report_milestone(actor=HRSS, achieved={"stops": 0}, now=NOW)
    with pytest.raises(InvalidValue):
        p.report_milestone(actor=HRSS, achieved={"sessions": 1}, now=NOW)  # a planned name
    assert p.achieved["stops"] == 36
    cmp = p.comparison()
    assert cmp["days_on_tour"] == {"planned": 20, "achieved": 20, "achievement_pct": Decimal("100.0")}
    assert cmp["stops"]["achievement_pct"] == Decimal("90.0")
    assert cmp["audience"]["achievement_pct"] == Decimal("115.0")
    p.assess(actor=HRSS, conclusion="基本完成", now=NOW)
    assert p.assessment is not None and p.assessment["achieved"]["audience_reached"] == 9200
    with pytest.raises(WrongStatus):
        p.report_milestone(actor=HRSS, achieved={"stops": 1}, now=NOW)


def test_close_needs_assessment_and_nothing_unpaid() -> None:
    p = approved()
    with pytest.raises(WrongStatus):
        p.close(actor=HRSS, note="", now=NOW)
    d = p.request_disbursement(actor=HRSS, amount_cny=Decimal(10), purpose="尾款", now=NOW)
    p.assess(actor=HRSS, conclusion="完成", now=NOW)
    with pytest.raises(ProjectError):
        p.close(actor=HRSS, note="", now=NOW)
    p.pay(actor=FINANCE, disbursement_id=d, now=NOW)  # finance may still pay after assessment
    p.close(actor=HRSS, note="结项", now=NOW)
    assert p.status == "closed"
