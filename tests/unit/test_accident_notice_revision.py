"""AccidentNotice: casualty revisions (补报), regrading, re-opening and escalation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.accident_notice import (
    AccidentNotice,
    AlreadyAcknowledged,
    AlreadyEscalated,
    Casualties,
    NoticeError,
    NotOverdue,
    RevisionWindowClosed,
)
from domain.common import SYSTEM_WATCHER, Actor, InvalidValue
from tests.support import acknowledge_all

NoticeFactory = Callable[..., AccidentNotice]
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
NO_LOSS = Decimal(0)


def _ack_all(notice: AccidentNotice, agency_actor: Callable[[str], Actor], at: datetime) -> None:
    for agency in notice.pending_agencies():
        notice.acknowledge(actor=agency_actor(agency), now=at)
    assert notice.pending_agencies() == []


# -- the revision window ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "window"),
    [("fall", timedelta(days=30)), ("poisoning", timedelta(days=30)),
     ("road_traffic", timedelta(days=7)), ("fire", timedelta(days=7))],
)
def test_revision_accepted_exactly_at_the_bound_and_refused_one_second_after(
    file_notice: NoticeFactory, liaison: Actor, occurred_at: datetime,
    cause: str, window: timedelta,
) -> None:
    notice = file_notice(cause=cause)
    assert notice.revision_deadline() == occurred_at + window
    notice.revise(actor=liaison, casualties=Casualties(1, 0, 0, NO_LOSS),
                  reason="one died in hospital", now=occurred_at + window)
    assert notice.casualties.deaths == 1
    with pytest.raises(RevisionWindowClosed) as caught:
        notice.revise(actor=liaison, casualties=Casualties(2, 0, 0, NO_LOSS),
                      reason="another died", now=occurred_at + window + SECOND)
    assert caught.value.field == "revised_at"
    assert f"{window.days} days" in caught.value.message
    # The deadline as a clerk reads it: Beijing time to the minute, not a UTC ISO string.
    until = (occurred_at + window).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert caught.value.text("zh-CN").endswith(f"（截止北京时间 {until}）")
    assert caught.value.text("en").endswith(f"(until {until} Beijing time)")
    assert notice.casualties.deaths == 1
    assert len(notice.revisions) == 1


def test_window_runs_from_the_accident_not_from_filing(
    file_notice: NoticeFactory, liaison: Actor, occurred_at: datetime
) -> None:
    notice = file_notice(now=occurred_at + 5 * DAY)
    with pytest.raises(RevisionWindowClosed):
        notice.revise(actor=liaison, casualties=Casualties(1, 0, 0, NO_LOSS),
                      reason="late news", now=occurred_at + timedelta(days=30) + SECOND)


def test_eight_days_after_is_still_open_for_other_causes(
    file_notice: NoticeFactory, liaison: Actor, occurred_at: datetime
) -> None:
    notice = file_notice(cause="collapse")
    notice.revise(actor=liaison, casualties=Casualties(1, 0, 0, NO_LOSS), reason="died",
                  now=occurred_at + timedelta(days=8))
    assert notice.casualties.deaths == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_revision_needs_a_reason(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime, reason: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        fresh_notice.revise(actor=liaison, casualties=Casualties(3, 0, 0, NO_LOSS),
                            reason=reason, now=filed_at + HOUR)
    assert caught.value.field == "reason"
    assert fresh_notice.grade == "ordinary"
    assert fresh_notice.version == 1


# -- regrading and re-opening ------------------------------------------------------------


def test_revision_regrades_and_records_before_and_after(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime
) -> None:
    at = filed_at + 2 * DAY
    fresh_notice.revise(actor=liaison, casualties=Casualties(0, 0, 1, Decimal("10000000")),
                        reason="loss assessed", now=at)
    assert fresh_notice.grade == "large"
    assert fresh_notice.casualties == Casualties(0, 0, 1, Decimal("10000000"))
    (revision,) = fresh_notice.revisions
    assert revision["previous_grade"] == "ordinary" and revision["grade"] == "large"
    assert revision["previous"] == {"deaths": 0, "serious_injuries": 0, "missing": 0,
                                    "direct_loss_cny": NO_LOSS}
    assert revision["direct_loss_cny"] == Decimal("10000000")
    assert revision["reason"] == "loss assessed" and revision["at"] == at
    assert revision["by"] == {"id": liaison.id, "name": liaison.name, "agency": liaison.agency}
    assert revision["reopened"] is True


def test_rising_grade_reopens_acknowledgement_and_adds_finance(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    notice = file_notice(serious_injuries=2)
    _ack_all(notice, agency_actor, filed_at + timedelta(minutes=10))
    at = filed_at + 3 * DAY
    notice.revise(actor=liaison, casualties=Casualties(3, 2, 0, NO_LOSS),
                  reason="three died", now=at)
    assert notice.grade == "large"
    assert notice.round == 2
    assert notice.required_agencies == ["safety", "hrss", "health", "finance"]
    assert notice.pending_agencies() == ["safety", "hrss", "health", "finance"]
    assert notice.deadlines == {"safety": at + HOUR, "hrss": at + DAY, "health": at + DAY,
                                "finance": at + DAY}
    notice.acknowledge(actor=agency_actor("safety"), now=at + HOUR + SECOND)
    assert notice.acknowledgements[-1] | {"by": None} == {
        "agency": "safety", "at": at + HOUR + SECOND, "round": 2, "late": True, "by": None}
    with pytest.raises(AlreadyAcknowledged):
        notice.acknowledge(actor=agency_actor("safety"), now=at + 2 * HOUR)


def test_rising_from_large_to_major_reopens_every_agency(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    notice = file_notice(deaths=3)
    _ack_all(notice, agency_actor, filed_at + SECOND)
    notice.revise(actor=liaison, casualties=Casualties(10, 0, 0, NO_LOSS),
                  reason="seven more died", now=filed_at + DAY)
    assert notice.grade == "major"
    assert notice.round == 2
    assert notice.pending_agencies() == ["safety", "hrss", "finance"]


@pytest.mark.parametrize(
    ("filed", "revised", "grade"),
    [((3, 0, 0), (5, 0, 0), "large"),  # stays large
     ((3, 0, 0), (3, 0, 0), "large"),  # same figures (correction of another field)
     ((10, 0, 0), (3, 0, 0), "large"),  # falls from major
     ((3, 0, 0), (0, 0, 0), "ordinary")],  # falls to ordinary: finance keeps its duty
)
def test_no_reopen_when_grade_stays_or_falls(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime, filed: tuple[int, int, int], revised: tuple[int, int, int],
    grade: str,
) -> None:
    notice = file_notice(deaths=filed[0])
    _ack_all(notice, agency_actor, filed_at + SECOND)
    deadlines = dict(notice.deadlines)
    notice.revise(actor=liaison, casualties=Casualties(*revised, NO_LOSS),
                  reason="corrected", now=filed_at + DAY)
    assert notice.grade == grade
    assert notice.round == 1
    assert notice.pending_agencies() == []
    assert notice.required_agencies == ["safety", "hrss", "finance"]
    assert notice.deadlines == deadlines
    assert notice.revisions[-1]["reopened"] is False


def test_revision_adding_a_serious_injury_adds_health_with_a_fresh_deadline(
    fresh_notice: AccidentNotice, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    _ack_all(fresh_notice, agency_actor, filed_at + SECOND)
    deadlines = dict(fresh_notice.deadlines)
    at = filed_at + 2 * DAY
    fresh_notice.revise(actor=liaison, casualties=Casualties(0, 1, 0, NO_LOSS),
                        reason="one seriously injured", now=at)
    assert fresh_notice.grade == "ordinary"
    assert fresh_notice.round == 1
    assert fresh_notice.required_agencies == ["safety", "hrss", "health"]
    assert fresh_notice.pending_agencies() == ["health"]
    assert fresh_notice.deadlines == {**deadlines, "health": at + DAY}
    assert fresh_notice.overdue_agencies(at + DAY) == []
    assert fresh_notice.overdue_agencies(at + DAY + SECOND) == ["health"]


def test_revision_removing_the_serious_injury_keeps_health(
    file_notice: NoticeFactory, liaison: Actor, filed_at: datetime
) -> None:
    notice = file_notice(serious_injuries=1)
    notice.revise(actor=liaison, casualties=Casualties(0, 0, 0, NO_LOSS),
                  reason="injury was minor", now=filed_at + HOUR)
    assert "health" in notice.required_agencies
    assert "health" in notice.pending_agencies()


# -- escalation ------------------------------------------------------------------------------


@pytest.mark.parametrize("after", [timedelta(0), 30 * timedelta(minutes=1), HOUR])
def test_escalation_before_or_at_the_deadline_is_refused(
    fresh_notice: AccidentNotice, filed_at: datetime, after: timedelta
) -> None:
    with pytest.raises(NotOverdue):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + after)
    assert fresh_notice.escalations == []


def test_overdue_agency_is_escalated_once_per_round(
    fresh_notice: AccidentNotice, filed_at: datetime
) -> None:
    at = filed_at + HOUR + SECOND
    fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=at)
    assert fresh_notice.escalations == [
        {"agency": "safety", "deadline": filed_at + HOUR, "at": at, "round": 1}]
    assert fresh_notice.overdue_agencies(at + DAY) == ["hrss"]
    assert fresh_notice.pending_agencies() == ["safety", "hrss"]  # still owes it
    with pytest.raises(AlreadyEscalated):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=at + HOUR)
    assert len(fresh_notice.escalations) == 1


def test_acknowledged_or_unrequired_agency_is_not_escalated(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], filed_at: datetime
) -> None:
    fresh_notice.acknowledge(actor=agency_actor("safety"), now=filed_at + 2 * HOUR)
    with pytest.raises(NotOverdue):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + 3 * HOUR)
    with pytest.raises(NotOverdue):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="finance", now=filed_at + 3 * DAY)


def test_closed_notice_is_not_escalated(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime
) -> None:
    acknowledge_all(fresh_notice, filed_at + SECOND)
    fresh_notice.close(actor=liaison, reason="concluded", now=filed_at + SECOND)
    with pytest.raises(NoticeError):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + DAY)
    assert fresh_notice.escalations == []


def test_escalation_allowed_again_after_a_reopen(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime
) -> None:
    fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + 2 * HOUR)
    at = filed_at + 3 * HOUR
    fresh_notice.revise(actor=liaison, casualties=Casualties(3, 0, 0, NO_LOSS),
                        reason="three died", now=at)
    assert fresh_notice.round == 2
    # The new deadline runs from the revision: not overdue yet, though round 1's was.
    assert fresh_notice.overdue_agencies(at + HOUR) == []
    with pytest.raises(NotOverdue):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=at + HOUR)
    fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=at + HOUR + SECOND)
    assert [(e["agency"], e["round"]) for e in fresh_notice.escalations] == [
        ("safety", 1), ("safety", 2)]
    assert fresh_notice.escalations[-1]["deadline"] == at + HOUR
    with pytest.raises(AlreadyEscalated):
        fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=at + 2 * HOUR)


def test_escalated_agency_may_still_acknowledge_late(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], filed_at: datetime
) -> None:
    fresh_notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + 2 * HOUR)
    fresh_notice.acknowledge(actor=agency_actor("safety"), now=filed_at + 3 * HOUR)
    assert fresh_notice.acknowledgements[-1]["late"] is True
    assert fresh_notice.pending_agencies() == ["hrss"]
