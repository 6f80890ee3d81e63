"""The fund year's cap: 3% of last year's fund income, or a higher ratio with its approval."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.common import Actor, DomainError, InvalidValue
from domain.fund_year import CapExceeded, FundYear, fund_year_id

HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def open_year(income: str = "100000000.00", ratio: str = "3", ref: str = "") -> FundYear:
    return FundYear.open(actor=HRSS, year=2026, previous_year_fund_income_cny=Decimal(income),
                         now=NOW, cap_ratio_pct=Decimal(ratio), ratio_approval_ref=ref)


def test_cap_is_three_percent_by_default() -> None:
    fy = open_year()
    assert fy.cap_cny == Decimal("3000000.00")
    assert fy.id == fund_year_id(2026)
    assert fy.remaining_cny == Decimal("3000000.00")


def test_cap_rounds_to_the_fen() -> None:
    assert open_year("333.33").cap_cny == Decimal("10.00")  # 9.9999 → 10.00


def test_higher_ratio_needs_its_approval_reference() -> None:
    with pytest.raises(InvalidValue) as e:
        open_year(ratio="5")
    assert e.value.field == "ratio_approval_ref"
    fy = open_year(ratio="5", ref="闽人社函〔2026〕12号")
    assert fy.cap_cny == Decimal("5000000.00")
    assert fy.ratio_approval_ref == "闽人社函〔2026〕12号"


@pytest.mark.parametrize("ratio", ["2.99", "0", "100.01", "NaN"])
def test_ratio_out_of_range(ratio: str) -> None:
    with pytest.raises(InvalidValue) as e:
        open_year(ratio=ratio, ref="ref")
    assert e.value.field == "cap_ratio_pct"


@pytest.mark.parametrize("income", ["-1", "1.001", "Infinity"])
def test_bad_income(income: str) -> None:
    with pytest.raises(InvalidValue) as e:
        open_year(income)
    assert e.value.field == "previous_year_fund_income_cny"


def test_approved_total_may_reach_the_cap_exactly_but_not_pass_it() -> None:
    fy = open_year("1000.00")  # cap 30.00
    fy.allocate(actor=FINANCE, project_id="p1", amount_cny=Decimal("20.00"), now=NOW)
    fy.allocate(actor=FINANCE, project_id="p2", amount_cny=Decimal("10.00"), now=NOW)
    assert fy.approved_total_cny == Decimal("30.00") and fy.remaining_cny == 0
    with pytest.raises(CapExceeded) as e:
        fy.allocate(actor=FINANCE, project_id="p3", amount_cny=Decimal("0.01"), now=NOW)
    assert e.value.figures == {"cap_cny": "30.00", "approved_total_cny": "30.00",
                               "requested_cny": "0.01", "remaining_cny": "0.00"}
    assert fy.version == 3  # the refusal recorded nothing


def test_one_fen_over_is_refused_showing_the_figures() -> None:
    fy = open_year("1000.00")
    fy.allocate(actor=FINANCE, project_id="p1", amount_cny=Decimal("12.50"), now=NOW)
    with pytest.raises(CapExceeded) as e:
        fy.allocate(actor=FINANCE, project_id="p2", amount_cny=Decimal("17.51"), now=NOW)
    assert "30.00" in e.value.message and "30.01" in e.value.message
    assert e.value.figures["approved_total_cny"] == "12.50"
    assert e.value.figures["requested_cny"] == "17.51"


def test_a_project_is_allocated_once() -> None:
    fy = open_year()
    fy.allocate(actor=FINANCE, project_id="p1", amount_cny=Decimal(1), now=NOW)
    with pytest.raises(DomainError):
        fy.allocate(actor=FINANCE, project_id="p1", amount_cny=Decimal(1), now=NOW)


def test_raising_the_ratio_raises_the_cap_and_keeps_history() -> None:
    fy = open_year("1000.00")
    with pytest.raises(InvalidValue):
        fy.raise_ratio(actor=HRSS, cap_ratio_pct=Decimal(4), approval_ref=" ", now=NOW)
    with pytest.raises(InvalidValue):
        fy.raise_ratio(actor=HRSS, cap_ratio_pct=Decimal(3), approval_ref="ref", now=NOW)
    fy.raise_ratio(actor=HRSS, cap_ratio_pct=Decimal(4), approval_ref="批复 1", now=NOW)
    assert fy.cap_cny == Decimal("40.00")
    assert fy.ratio_history[0]["cap_cny"] == Decimal("30.00")
    fy.allocate(actor=FINANCE, project_id="p1", amount_cny=Decimal("40.00"), now=NOW)


def test_naive_time_and_bad_year_refused() -> None:
    with pytest.raises(InvalidValue):
        FundYear.open(actor=HRSS, year=2026, previous_year_fund_income_cny=Decimal(1),
                      now=datetime(2026, 1, 1))
    with pytest.raises(InvalidValue) as e:
        FundYear.open(actor=HRSS, year=1999, previous_year_fund_income_cny=Decimal(1), now=NOW)
    assert e.value.field == "year"
