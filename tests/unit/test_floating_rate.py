"""The floating premium-rate rule at every risk class and every boundary of the record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.common import InvalidValue
from domain.floating_rate import BASE_RATES, propose_rate

CLASSES = range(1, 9)
EXPECTED_BASE = ["0.2", "0.4", "0.7", "0.9", "1.1", "1.3", "1.6", "1.9"]


def test_base_rates_by_class() -> None:
    assert [str(BASE_RATES[c]) for c in CLASSES] == EXPECTED_BASE


# (notices, deaths, clean_years) → factor for classes 2-8, factor for class 1
CASES = [
    # no notice: one step down, two after two clean years; class 1 never below 100%
    ((0, 0, 0), "0.8", "1.0"),
    ((0, 0, 1), "0.8", "1.0"),
    ((0, 0, 2), "0.5", "1.0"),
    ((0, 0, 5), "0.5", "1.0"),
    # one notice without deaths: unchanged
    ((1, 0, 0), "1.0", "1.0"),
    # deaths below three, or two notices: one step up
    ((1, 1, 0), "1.2", "1.2"),
    ((1, 2, 0), "1.2", "1.2"),
    ((2, 0, 0), "1.2", "1.2"),
    ((2, 2, 0), "1.2", "1.2"),
    # three deaths, or three notices: two steps up ("3 or more" includes 3)
    ((1, 3, 0), "1.5", "1.5"),
    ((3, 0, 0), "1.5", "1.5"),
    ((2, 3, 0), "1.5", "1.5"),
    ((7, 12, 0), "1.5", "1.5"),
]


@pytest.mark.parametrize("risk_class", CLASSES)
@pytest.mark.parametrize(("record", "factor_2_8", "factor_1"), CASES)
def test_factor_and_rate_at_every_class(risk_class: int, record: tuple[int, int, int],
                                        factor_2_8: str, factor_1: str) -> None:
    notices, deaths, clean = record
    p = propose_rate(risk_class, notices, deaths, clean)
    expected = Decimal(factor_1 if risk_class == 1 else factor_2_8)
    assert p.factor == expected
    assert p.base_rate_pct == Decimal(EXPECTED_BASE[risk_class - 1])
    assert p.rate_pct == (p.base_rate_pct * expected).quantize(Decimal("0.001"))
    assert str(p.reasons[0]).startswith(f"risk class {risk_class}: base rate")
    assert f"{notices} notice(s), {deaths} death(s)" in str(p.reasons[1])
    assert p.reasons[1].text("zh-CN") == f"上一年度事故通报 {notices} 起，死亡 {deaths} 人"


def test_class_1_floats_up_only_and_says_why() -> None:
    p = propose_rate(1, 0, 0, 9)
    assert p.factor == Decimal("1.0") and p.rate_pct == Decimal("0.200")
    assert "class 1 floats up only" in str(p.reasons[-1])
    assert "一类行业只上浮不下浮" in p.reasons[-1].text("zh-CN")


def test_reasons_name_the_step() -> None:
    steps = [(propose_rate(4, 0, 0, 2), "down two steps to 50%", "下浮两档至 50%"),
             (propose_rate(4, 0, 0, 1), "down one step to 80%", "下浮一档至 80%"),
             (propose_rate(4, 1, 0), "unchanged", "维持 100%"),
             (propose_rate(4, 2, 0), "up one step to 120%", "上浮一档至 120%"),
             (propose_rate(4, 1, 3), "up two steps to 150%", "上浮两档至 150%")]
    for p, en, zh in steps:
        assert en in p.reasons[-1].text("en") and zh in p.reasons[-1].text("zh-CN")
    assert "连续 2 年无通报" in steps[0][0].reasons[-1].text("zh-CN")


def test_concrete_rates() -> None:
    assert propose_rate(8, 3, 0).rate_pct == Decimal("2.850")  # 1.9% x 150%
    assert propose_rate(2, 0, 0, 2).rate_pct == Decimal("0.200")  # 0.4% x 50%
    assert propose_rate(5, 0, 0).rate_pct == Decimal("0.880")  # 1.1% x 80%


@pytest.mark.parametrize(("args", "field"), [
    ((0, 0, 0), "risk_class"), ((9, 0, 0), "risk_class"), ((3, -1, 0), "notices"),
    ((3, 1, -1), "deaths"), ((3, 0, 1), "deaths"),
])
def test_impossible_records_are_refused(args: tuple[int, int, int], field: str) -> None:
    with pytest.raises(InvalidValue) as e:
        propose_rate(*args)
    assert e.value.field == field


def test_negative_clean_years_refused() -> None:
    with pytest.raises(InvalidValue):
        propose_rate(3, 0, 0, -1)
