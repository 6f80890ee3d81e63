"""No inspector is booked on two overlapping inspections: sequentially, racing, or ever (property)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.common import Actor, credit_code_check_char
from domain.joint_inspection import DoubleBooked, InspectorBooking, JointInspection, overlaps
from services.application import LinkageApp
from services.joint_inspections import JointInspections
from tests.support import ManualClock

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
DAY0 = START.date()
ACTOR = Actor("u-s", "王敏", "safety", "inspector")
POOL = [{"id": f"i-{a}{n}", "name": f"{a}{n}", "agency": a}
        for a in ("safety", "health") for n in range(3)]
FIRST17 = "91350100M000100Y4"
TARGETS = [{"credit_code": FIRST17 + credit_code_check_char(FIRST17), "name": "闽江机械"}]


def service() -> JointInspections:
    s = JointInspections(LinkageApp(), ManualClock(START))
    s.registers.put("inspectors", Actor("a-1", "名录管理员", "safety", "admin"), POOL)
    return s


def schedule(s: JointInspections, ids: list[str], first: int, last: int,
             theme: str = "专项检查") -> dict[str, Any]:
    inspectors = [p for p in POOL if p["id"] in ids]
    return s.schedule(ACTOR, theme=theme, starts_on=DAY0 + timedelta(days=first),
                      ends_on=DAY0 + timedelta(days=last), lead_agency="safety",
                      agencies=["safety", "health"], inspectors=inspectors, targets=TARGETS)


def test_overlap_is_inclusive_of_both_ends() -> None:
    assert overlaps("2026-05-01", "2026-05-03", "2026-05-03", "2026-05-09")
    assert overlaps("2026-05-02", "2026-05-02", "2026-05-01", "2026-05-03")
    assert not overlaps("2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04")


def test_second_overlapping_inspection_is_refused_naming_inspector_and_other() -> None:
    s = service()
    first = schedule(s, ["i-safety0", "i-health0"], 0, 2)
    with pytest.raises(DoubleBooked) as e:
        schedule(s, ["i-safety1", "i-health0"], 2, 3)
    assert e.value.inspector_id == "i-health0" and e.value.other == first["id"]
    assert "i-health0" in e.value.message and first["id"] in e.value.message
    # Nothing of the refused one was stored: the other inspector is still free that day.
    schedule(s, ["i-safety1", "i-health1"], 2, 3)
    schedule(s, ["i-safety0", "i-health0"], 3, 4)  # the day after the first: free


def test_cancelling_frees_the_inspectors() -> None:
    s = service()
    first = schedule(s, ["i-safety0", "i-health0"], 0, 2)
    s.cancel(first["id"], ACTOR, "台风")
    assert s.calendar("i-safety0", DAY0, DAY0 + timedelta(days=9)) == []
    again = schedule(s, ["i-safety0", "i-health0"], 1, 1)
    assert [c["inspection_id"] for c in s.calendar("i-health0", DAY0, DAY0)] == []
    assert [c["inspection_id"] for c in s.calendar("i-health0", DAY0, DAY0 + timedelta(days=1))
            ] == [again["id"]]


def test_a_racing_scheduling_that_commits_first_wins_and_the_loser_is_told_why() -> None:
    s = service()
    orig = s.app.commit
    commits: list[int] = []
    winner: dict[str, Any] = {}

    def racing(*aggregates: Any) -> int | None:
        commits.append(len(aggregates))
        if len(commits) == 1:  # the other request commits between our read and our write
            s.app.commit = orig  # type: ignore[method-assign]
            winner.update(schedule(s, ["i-safety2", "i-health0"], 1, 1, "抢先"))
        return orig(*aggregates)

    s.app.commit = racing  # type: ignore[method-assign]
    with pytest.raises(DoubleBooked) as e:
        schedule(s, ["i-safety0", "i-health0"], 0, 3, "落后")
    assert commits == [3]  # we did reach the save, and lost it
    assert e.value.inspector_id == "i-health0" and e.value.other == winner["id"]
    assert s.calendar("i-safety0", DAY0, DAY0 + timedelta(days=9)) == []


def test_a_lost_race_without_a_clash_is_retried() -> None:
    s = service()
    orig = s.app.commit
    calls: list[int] = []

    def racing(*aggregates: Any) -> int | None:
        calls.append(1)
        if len(calls) == 1:
            s.app.commit = orig  # type: ignore[method-assign]
            schedule(s, ["i-safety1", "i-health0"], 5, 5)  # same inspector, other days
        return orig(*aggregates)

    s.app.commit = racing  # type: ignore[method-assign]
    ok = schedule(s, ["i-safety0", "i-health0"], 0, 1)
    days = s.calendar("i-health0", DAY0, DAY0 + timedelta(days=9))
    assert next(d["inspection_id"] for d in days) == ok["id"] and len(days) == 2


def test_booking_aggregate_refuses_and_releases() -> None:
    b = InspectorBooking.open(actor=ACTOR, inspector_id="i-x")
    b.book(actor=ACTOR, inspection_id="A", starts_on="2026-05-01", ends_on="2026-05-03")
    with pytest.raises(DoubleBooked):
        b.book(actor=ACTOR, inspection_id="B", starts_on="2026-05-03", ends_on="2026-05-03")
    b.release(actor=ACTOR, inspection_id="A")
    b.book(actor=ACTOR, inspection_id="B", starts_on="2026-05-03", ends_on="2026-05-03")
    assert list(b.bookings) == ["B"]


commands = st.lists(
    st.tuples(
        st.lists(st.sampled_from([p["id"] for p in POOL]), min_size=2, max_size=4, unique=True),
        st.integers(0, 20), st.integers(0, 4), st.booleans(),
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands)
def test_no_sequence_of_schedule_commands_double_books_anyone(
    cmds: list[tuple[list[str], int, int, bool]],
) -> None:
    s = service()
    accepted: list[tuple[str, set[str], int, int]] = []
    for ids, first, length, cancel_it in cmds:
        if {p["agency"] for p in POOL if p["id"] in ids} != {"safety", "health"}:
            continue
        last = first + length
        clash = any(set(ids) & who and first <= b_last and b_first <= last
                    for _, who, b_first, b_last in accepted)
        try:
            r = schedule(s, ids, first, last)
        except DoubleBooked as e:
            assert clash, "refused although nobody was booked"
            assert any(e.other == iid and e.inspector_id in who
                       for iid, who, _, _ in accepted)
            continue
        assert not clash, "accepted a double booking"
        if cancel_it:
            s.cancel(r["id"], ACTOR, "取消")
        else:
            accepted.append((r["id"], set(ids), first, last))
    # And the stored inspections agree: per inspector, no two live windows overlap.
    live = [s.app.load(iid, JointInspection) for iid, _, _, _ in accepted]
    for p in POOL:
        mine = [(i.starts_on, i.ends_on) for i in live if p["id"] in {x["id"] for x in i.inspectors}]
        for n, a in enumerate(mine):
            assert not any(overlaps(*a, *b) for b in mine[n + 1:])
