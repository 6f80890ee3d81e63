"""Decree 493 art. 3 grading: bounds ("以上" includes the bound), highest measure wins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accident_notice import Casualties
from domain.notice_rules import grade_for
from domain.vocabulary import GRADES

ZERO = Decimal("0")


def reference_grade(deaths: int, serious_injuries: int, loss: Decimal) -> str:
    """An independent restatement of the Decree 493 art. 3 table, row by row."""
    if deaths >= 30 or serious_injuries >= 100 or loss >= Decimal("100000000"):
        return "extraordinary"
    if 10 <= deaths <= 29 or 50 <= serious_injuries <= 99 or (
        Decimal("50000000") <= loss < Decimal("100000000")
    ):
        return "major"
    if 3 <= deaths <= 9 or 10 <= serious_injuries <= 49 or (
        Decimal("10000000") <= loss < Decimal("50000000")
    ):
        return "large"
    return "ordinary"


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [(0, "ordinary"), (1, "ordinary"), (2, "ordinary"), (3, "large"), (9, "large"),
     (10, "major"), (29, "major"), (30, "extraordinary"), (31, "extraordinary"),
     (1000, "extraordinary")],
)
def test_death_bounds(deaths: int, expected: str) -> None:
    assert grade_for(deaths, 0, ZERO) == expected


@pytest.mark.parametrize(
    ("serious_injuries", "expected"),
    [(0, "ordinary"), (1, "ordinary"), (9, "ordinary"), (10, "large"), (49, "large"),
     (50, "major"), (99, "major"), (100, "extraordinary"), (101, "extraordinary")],
)
def test_serious_injury_bounds(serious_injuries: int, expected: str) -> None:
    assert grade_for(0, serious_injuries, ZERO) == expected


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("0", "ordinary"),
        ("9999999.99", "ordinary"),
        ("10000000", "large"),
        ("10000000.00", "large"),
        ("10000000.01", "large"),
        ("49999999.99", "large"),
        ("50000000", "major"),
        ("50000000.00", "major"),
        ("99999999.99", "major"),
        ("100000000", "extraordinary"),
        ("100000000.00", "extraordinary"),
        ("1E+9", "extraordinary"),
    ],
)
def test_direct_loss_bounds(loss: str, expected: str) -> None:
    assert grade_for(0, 0, Decimal(loss)) == expected


def test_loss_just_below_a_bound_by_a_fraction_of_a_fen_stays_below() -> None:
    assert grade_for(0, 0, Decimal("9999999.999")) == "ordinary"
    assert grade_for(0, 0, Decimal("99999999.9999")) == "major"


@pytest.mark.parametrize(
    ("deaths", "serious_injuries", "loss", "expected"),
    [
        (2, 9, "9999999.99", "ordinary"),  # every measure just below 较大
        (3, 0, "0", "large"),
        (0, 10, "0", "large"),
        (3, 50, "0", "major"),  # injuries outrank deaths
        (10, 10, "10000000", "major"),  # deaths outrank the other two
        (2, 9, "50000000", "major"),  # loss alone decides
        (9, 49, "100000000", "extraordinary"),
        (30, 0, "0", "extraordinary"),
        (0, 100, "0", "extraordinary"),
        (29, 99, "99999999.99", "major"),  # every measure just below 特别重大
    ],
)
def test_highest_of_the_three_measures_wins(
    deaths: int, serious_injuries: int, loss: str, expected: str
) -> None:
    assert grade_for(deaths, serious_injuries, Decimal(loss)) == expected


def test_missing_persons_do_not_grade() -> None:
    # Decree 493 art. 3 grades on deaths, serious injuries and direct loss only.
    assert Casualties(0, 0, 500, ZERO).grade == "ordinary"


def test_casualties_grade_delegates_to_the_table() -> None:
    assert Casualties(3, 0, 0, ZERO).grade == "large"
    assert Casualties(0, 50, 0, ZERO).grade == "major"
    assert Casualties(0, 0, 0, Decimal("100000000")).grade == "extraordinary"


# -- properties ----------------------------------------------------------------

deaths_st = st.integers(min_value=0, max_value=200)
injuries_st = st.integers(min_value=0, max_value=500)
loss_st = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("300000000"), places=2,
    allow_nan=False, allow_infinity=False,
)
# Steps that are small enough to cross single bounds and large enough to skip grades.
int_step_st = st.integers(min_value=0, max_value=120)
loss_step_st = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("150000000"), places=2,
    allow_nan=False, allow_infinity=False,
)


def rank(grade: str) -> int:
    return GRADES.index(grade)


@given(deaths_st, injuries_st, loss_st, int_step_st)
def test_grade_is_monotonic_in_deaths(d: int, s: int, loss: Decimal, step: int) -> None:
    assert rank(grade_for(d + step, s, loss)) >= rank(grade_for(d, s, loss))


@given(deaths_st, injuries_st, loss_st, int_step_st)
def test_grade_is_monotonic_in_serious_injuries(
    d: int, s: int, loss: Decimal, step: int
) -> None:
    assert rank(grade_for(d, s + step, loss)) >= rank(grade_for(d, s, loss))


@given(deaths_st, injuries_st, loss_st, loss_step_st)
def test_grade_is_monotonic_in_direct_loss(
    d: int, s: int, loss: Decimal, step: Decimal
) -> None:
    assert rank(grade_for(d, s, loss + step)) >= rank(grade_for(d, s, loss))


@given(deaths_st, injuries_st, loss_st)
def test_grade_matches_an_independent_restatement_of_the_table(
    d: int, s: int, loss: Decimal
) -> None:
    assert grade_for(d, s, loss) == reference_grade(d, s, loss)


@given(deaths_st, injuries_st, loss_st)
def test_grade_is_the_highest_single_measure_grade(d: int, s: int, loss: Decimal) -> None:
    singles = [grade_for(d, 0, ZERO), grade_for(0, s, ZERO), grade_for(0, 0, loss)]
    assert grade_for(d, s, loss) == max(singles, key=rank)


# Values near the bounds are where mistakes live; sample them densely too.
near_deaths = st.sampled_from([0, 1, 2, 3, 4, 8, 9, 10, 11, 28, 29, 30, 31])
near_injuries = st.sampled_from([0, 1, 8, 9, 10, 11, 48, 49, 50, 51, 98, 99, 100, 101])
near_losses = st.sampled_from([
    Decimal(v) for v in ("0", "9999999.99", "10000000", "10000000.01", "49999999.99",
                         "50000000", "50000000.01", "99999999.99", "100000000",
                         "100000000.01")
])


@given(near_deaths, near_injuries, near_losses)
def test_grade_matches_the_table_near_every_bound(d: int, s: int, loss: Decimal) -> None:
    assert grade_for(d, s, loss) == reference_grade(d, s, loss)
