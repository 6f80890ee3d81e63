"""Routing: which agencies must acknowledge a notice, and by when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accident_notice import AccidentNotice, Casualties
from domain.common import Actor
from domain.notice_rules import required_agencies_for
from domain.vocabulary import CAUSES, GRADES

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
NON_HEALTH_CAUSES = [c for c in CAUSES if c not in ("poisoning", "occupational_disease")]


@pytest.mark.parametrize(
    ("grade", "cause", "serious_injuries", "expected"),
    [
        ("ordinary", "fall", 0, {"safety", "hrss"}),
        ("ordinary", "poisoning", 0, {"safety", "hrss", "health"}),
        ("ordinary", "occupational_disease", 0, {"safety", "hrss", "health"}),
        ("ordinary", "fall", 1, {"safety", "hrss", "health"}),
        ("large", "fall", 0, {"safety", "hrss", "finance"}),
        ("major", "electrical", 0, {"safety", "hrss", "finance"}),
        ("extraordinary", "explosion", 0, {"safety", "hrss", "finance"}),
        ("large", "poisoning", 12, {"safety", "hrss", "health", "finance"}),
        ("extraordinary", "fire", 150, {"safety", "hrss", "health", "finance"}),
    ],
)
def test_required_agencies_table(
    grade: str, cause: str, serious_injuries: int, expected: set[str]
) -> None:
    required = required_agencies_for(grade, cause, serious_injuries)
    assert set(required) == expected
    assert len(required) == len(expected)  # no duplicates


@given(st.sampled_from(GRADES), st.sampled_from(CAUSES), st.integers(0, 200))
def test_routing_rules_hold_for_every_combination(
    grade: str, cause: str, serious_injuries: int
) -> None:
    required = required_agencies_for(grade, cause, serious_injuries)
    assert "safety" in required
    assert "hrss" in required
    needs_health = cause in ("poisoning", "occupational_disease") or serious_injuries > 0
    assert ("health" in required) == needs_health
    assert ("finance" in required) == (grade != "ordinary")
    assert len(set(required)) == len(required)


@pytest.mark.parametrize("cause", NON_HEALTH_CAUSES)
def test_no_health_for_other_causes_without_serious_injury(cause: str) -> None:
    assert "health" not in required_agencies_for("ordinary", cause, 0)


def test_filed_notice_routes_by_its_own_figures(
    file_notice: Callable[..., AccidentNotice],
) -> None:
    assert set(file_notice().required_agencies) == {"safety", "hrss"}
    assert set(file_notice(cause="poisoning").required_agencies) == {"safety", "hrss", "health"}
    assert set(file_notice(serious_injuries=1).required_agencies) == {
        "safety", "hrss", "health"}
    assert set(file_notice(deaths=3).required_agencies) == {"safety", "hrss", "finance"}
    assert set(file_notice(direct_loss_cny=Decimal("9999999.99")).required_agencies) == {
        "safety", "hrss"}
    assert set(file_notice(direct_loss_cny=Decimal("10000000")).required_agencies) == {
        "safety", "hrss", "finance"}


def test_finance_is_required_from_large_but_not_below(
    file_notice: Callable[..., AccidentNotice],
) -> None:
    assert "finance" not in file_notice(deaths=2, serious_injuries=0).required_agencies
    assert "finance" in file_notice(deaths=3).required_agencies
    assert "finance" in file_notice(serious_injuries=10).required_agencies


def test_default_deadlines_run_from_filing_time(
    file_notice: Callable[..., AccidentNotice], filed_at: datetime, occurred_at: datetime
) -> None:
    notice = file_notice(deaths=3, serious_injuries=1)
    assert filed_at != occurred_at
    assert notice.filed_at == filed_at
    assert notice.deadlines == {
        "safety": filed_at + HOUR,
        "hrss": filed_at + DAY,
        "health": filed_at + DAY,
        "finance": filed_at + DAY,
    }


def test_deadlines_only_for_required_agencies(
    file_notice: Callable[..., AccidentNotice],
) -> None:
    notice = file_notice()
    assert set(notice.deadlines) == set(notice.required_agencies) == {"safety", "hrss"}


def test_configured_deadlines_override_the_defaults(
    file_notice: Callable[..., AccidentNotice], filed_at: datetime
) -> None:
    notice = file_notice(
        serious_injuries=1,
        deadlines={"safety": timedelta(minutes=30), "health": timedelta(hours=6)},
    )
    assert notice.deadlines == {
        "safety": filed_at + timedelta(minutes=30),
        "hrss": filed_at + DAY,  # not configured: default
        "health": filed_at + timedelta(hours=6),
    }


def test_configured_deadline_for_an_agency_not_required_is_not_used(
    file_notice: Callable[..., AccidentNotice], filed_at: datetime
) -> None:
    notice = file_notice(deadlines={"finance": timedelta(hours=2)})
    assert "finance" not in notice.deadlines
    assert notice.deadlines["safety"] == filed_at + HOUR


def test_configured_deadlines_apply_on_revision(
    file_notice: Callable[..., AccidentNotice],
    liaison: Actor,
    make_casualties: Callable[..., Casualties],
    filed_at: datetime,
) -> None:
    notice = file_notice()
    revised_at = filed_at + timedelta(hours=5)
    notice.revise(
        actor=liaison, casualties=make_casualties(deaths=3), reason="two more died",
        now=revised_at, deadlines={"finance": timedelta(hours=3), "safety": timedelta(hours=2)},
    )
    assert notice.deadlines == {
        "safety": revised_at + timedelta(hours=2),
        "hrss": revised_at + DAY,
        "finance": revised_at + timedelta(hours=3),
    }


def test_overdue_agencies_after_the_safety_hour(
    file_notice: Callable[..., AccidentNotice], filed_at: datetime
) -> None:
    notice = file_notice()
    assert notice.overdue_agencies(filed_at + HOUR) == []
    assert notice.overdue_agencies(filed_at + HOUR + timedelta(seconds=1)) == ["safety"]
    assert notice.overdue_agencies(filed_at + DAY + timedelta(seconds=1)) == ["safety", "hrss"]


def test_acknowledged_agency_is_never_overdue(
    file_notice: Callable[..., AccidentNotice],
    agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    notice = file_notice()
    notice.acknowledge(actor=agency_actor("safety"), now=filed_at + timedelta(minutes=10))
    assert notice.pending_agencies() == ["hrss"]
    assert notice.overdue_agencies(filed_at + 2 * DAY) == ["hrss"]
