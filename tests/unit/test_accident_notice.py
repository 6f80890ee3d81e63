"""AccidentNotice: filing, acknowledgement, closure, withdrawal, traceability and replay.

Revision and escalation are in test_accident_notice_revision.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.accident_notice import (
    AccidentNotice,
    AlreadyAcknowledged,
    Casualties,
    Employer,
    Incident,
    NotOpen,
    NotRequired,
)
from domain.common import SYSTEM_WATCHER, Actor, InvalidValue
from tests.support import acknowledge_all

NoticeFactory = Callable[..., AccidentNotice]
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


# -- filing ----------------------------------------------------------------------------


def test_filing_records_the_report(
    file_notice: NoticeFactory, liaison: Actor, employer: Employer,
    occurred_at: datetime, filed_at: datetime,
) -> None:
    notice = file_notice(deaths=1, serious_injuries=2, missing=1,
                         direct_loss_cny=Decimal("1234567.89"))
    assert notice.status == "open"
    assert notice.version == 1
    assert notice.round == 1
    assert notice.grade == "ordinary"
    assert notice.employer == employer
    assert notice.occurred_at == occurred_at
    assert notice.filed_at == filed_at
    assert notice.cause == "fall"
    assert notice.casualties == Casualties(1, 2, 1, Decimal("1234567.89"))
    assert notice.filed_by == {"id": liaison.id, "name": liaison.name, "agency": "hrss"}
    assert notice.pending_agencies() == ["safety", "hrss", "health"]
    assert notice.acknowledgements == [] and notice.escalations == []
    assert notice.revisions == [] and notice.closure is None


def test_filing_uses_the_given_notice_id(
    liaison: Actor, employer: Employer, make_incident: Callable[..., Incident],
    filed_at: datetime,
) -> None:
    notice_id = uuid4()
    notice = AccidentNotice.file(actor=liaison, employer=employer, incident=make_incident(),
                                 casualties=Casualties(0, 0, 0, Decimal(0)), now=filed_at,
                                 notice_id=notice_id)
    assert notice.id == notice_id


def test_accident_in_the_future_is_refused(
    file_notice: NoticeFactory, filed_at: datetime
) -> None:
    with pytest.raises(InvalidValue) as caught:
        file_notice(occurred_at=filed_at + SECOND, now=filed_at)
    assert caught.value.field == "occurred_at"


def test_accident_filed_the_same_instant_is_accepted(
    file_notice: NoticeFactory, filed_at: datetime
) -> None:
    assert file_notice(occurred_at=filed_at, now=filed_at).occurred_at == filed_at


def test_naive_occurred_at_is_refused(make_incident: Callable[..., Incident]) -> None:
    with pytest.raises(InvalidValue) as caught:
        make_incident(occurred_at=datetime(2024, 3, 1, 8, 0))
    assert caught.value.field == "occurred_at"


def test_naive_filing_time_is_refused(file_notice: NoticeFactory) -> None:
    with pytest.raises(InvalidValue) as caught:
        file_notice(now=datetime(2024, 3, 1, 9, 0))
    assert caught.value.field == "now"


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ((-1, 0, 0, Decimal(0)), "deaths"),
        ((0, -1, 0, Decimal(0)), "serious_injuries"),
        ((0, 0, -1, Decimal(0)), "missing"),
        ((0, 0, 0, Decimal("-0.01")), "direct_loss_cny"),
    ],
)
def test_negative_figures_are_refused_naming_the_field(
    figures: tuple[int, int, int, Decimal], field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        Casualties(*figures)
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["summary", "district", "location"])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_empty_text_is_refused(
    make_incident: Callable[..., Incident], field: str, blank: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        make_incident(**{field: blank})
    assert caught.value.field == field


@pytest.mark.parametrize("cause", ["", "Fall", "earthquake", "traffic"])
def test_unknown_cause_is_refused(make_incident: Callable[..., Incident], cause: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        make_incident(cause=cause)
    assert caught.value.field == "cause"


@pytest.mark.parametrize("risk_class", [0, 9, -1])
def test_risk_class_outside_1_to_8_is_refused(valid_code: str, risk_class: int) -> None:
    with pytest.raises(InvalidValue) as caught:
        Employer("某某公司", valid_code, "mining", risk_class)
    assert caught.value.field == "employer.risk_class"


@pytest.mark.parametrize("risk_class", [1, 8])
def test_risk_class_bounds_are_accepted(valid_code: str, risk_class: int) -> None:
    assert Employer("某某公司", valid_code, "mining", risk_class).risk_class == risk_class


def test_blank_employer_name_is_refused(valid_code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Employer("  ", valid_code, "mining", 3)
    assert caught.value.field == "employer.name"


# -- acknowledgement ----------------------------------------------------------------------


def test_required_agencies_acknowledge_in_any_order(
    file_notice: NoticeFactory, agency_actor: Callable[[str], Actor], filed_at: datetime
) -> None:
    notice = file_notice(deaths=3, serious_injuries=1)
    for agency, expected in [("finance", ["safety", "hrss", "health"]),
                             ("safety", ["hrss", "health"]), ("health", ["hrss"]),
                             ("hrss", [])]:
        notice.acknowledge(actor=agency_actor(agency), now=filed_at + timedelta(minutes=5))
        assert notice.pending_agencies() == expected
    assert [a["agency"] for a in notice.acknowledgements] == [
        "finance", "safety", "health", "hrss"]
    assert notice.status == "open"  # acknowledgement does not close a notice


@pytest.mark.parametrize("agency", ["finance", "health", "system", "police"])
def test_agency_not_required_cannot_acknowledge(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], filed_at: datetime,
    agency: str,
) -> None:
    with pytest.raises(NotRequired, match=agency):
        fresh_notice.acknowledge(actor=agency_actor(agency), now=filed_at)
    assert fresh_notice.acknowledgements == []
    assert fresh_notice.version == 1


def test_agency_acknowledges_only_once_per_round(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], filed_at: datetime
) -> None:
    fresh_notice.acknowledge(actor=agency_actor("safety"), now=filed_at)
    other_officer = Actor("u-safety-9", "another officer", "safety", "inspector")
    with pytest.raises(AlreadyAcknowledged):
        fresh_notice.acknowledge(actor=other_officer, now=filed_at + SECOND)
    assert len(fresh_notice.acknowledgements) == 1
    assert fresh_notice.version == 2


@pytest.mark.parametrize(
    ("agency", "after_filing", "late"),
    [("safety", HOUR - SECOND, False), ("safety", HOUR, False),
     ("safety", HOUR + SECOND, True), ("hrss", 24 * HOUR, False),
     ("hrss", 24 * HOUR + SECOND, True), ("hrss", HOUR + SECOND, False)],
)
def test_acknowledgement_after_the_deadline_is_flagged_late(
    fresh_notice: AccidentNotice, agency_actor: Callable[[str], Actor], filed_at: datetime,
    agency: str, after_filing: timedelta, late: bool,
) -> None:
    fresh_notice.acknowledge(actor=agency_actor(agency), now=filed_at + after_filing)
    (ack,) = fresh_notice.acknowledgements
    assert ack["late"] is late
    assert ack["at"] == filed_at + after_filing
    assert ack["round"] == 1


# -- closure and withdrawal -------------------------------------------------------------


@pytest.mark.parametrize("command", ["close", "withdraw"])
@pytest.mark.parametrize("reason", ["", "  "])
def test_closing_and_withdrawing_need_a_reason(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime,
    command: str, reason: str,
) -> None:
    with pytest.raises(InvalidValue) as caught:
        getattr(fresh_notice, command)(actor=liaison, reason=reason, now=filed_at)
    assert caught.value.field == "reason"
    assert fresh_notice.status == "open"
    assert fresh_notice.version == 1


@pytest.mark.parametrize(("command", "status"), [("close", "closed"),
                                                 ("withdraw", "withdrawn")])
def test_closing_and_withdrawing_record_reason_time_and_person(
    fresh_notice: AccidentNotice, liaison: Actor, filed_at: datetime,
    command: str, status: str,
) -> None:
    at = filed_at + timedelta(days=3)
    acknowledge_all(fresh_notice, filed_at + HOUR)
    getattr(fresh_notice, command)(actor=liaison, reason="investigation concluded", now=at)
    assert fresh_notice.status == status
    assert fresh_notice.closure == {
        "reason": "investigation concluded", "at": at,
        "by": {"id": liaison.id, "name": liaison.name, "agency": liaison.agency}}
    assert fresh_notice.pending_agencies() == []
    assert fresh_notice.overdue_agencies(at + timedelta(days=9)) == []


def _attempts(agency_actor: Callable[[str], Actor], liaison: Actor,
              now: datetime) -> dict[str, Callable[[AccidentNotice], Any]]:
    return {
        "acknowledge": lambda n: n.acknowledge(actor=agency_actor("safety"), now=now),
        "revise": lambda n: n.revise(actor=liaison, casualties=Casualties(3, 0, 0, Decimal(0)),
                                     reason="more deaths", now=now),
        "close": lambda n: n.close(actor=liaison, reason="again", now=now),
        "withdraw": lambda n: n.withdraw(actor=liaison, reason="again", now=now),
    }


@pytest.mark.parametrize("ending", ["close", "withdraw"])
@pytest.mark.parametrize("attempt", ["acknowledge", "revise", "close", "withdraw"])
def test_nothing_but_reading_after_closure_or_withdrawal(
    fresh_notice: AccidentNotice, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime, ending: str, attempt: str,
) -> None:
    if ending == "close":
        acknowledge_all(fresh_notice, filed_at + SECOND)
    getattr(fresh_notice, ending)(actor=liaison, reason="done", now=filed_at + SECOND)
    version = fresh_notice.version
    with pytest.raises(NotOpen):
        _attempts(agency_actor, liaison, filed_at + HOUR)[attempt](fresh_notice)
    assert fresh_notice.version == version


# -- traceability and replay ---------------------------------------------------------------


def _full_history(file_notice: NoticeFactory, agency_actor: Callable[[str], Actor],
                  liaison: Actor, filed_at: datetime, ending: str) -> AccidentNotice:
    notice = file_notice(serious_injuries=1)
    notice.acknowledge(actor=agency_actor("hrss"), now=filed_at + timedelta(minutes=20))
    notice.escalate(actor=SYSTEM_WATCHER, agency="safety", now=filed_at + 2 * HOUR)
    notice.acknowledge(actor=agency_actor("safety"), now=filed_at + 3 * HOUR)
    notice.revise(actor=liaison, casualties=Casualties(3, 1, 0, Decimal(0)),
                  reason="two more died", now=filed_at + 6 * HOUR)
    for agency in ("finance", "safety", "hrss", "health"):  # the re-opened round 2
        notice.acknowledge(actor=agency_actor(agency), now=filed_at + 7 * HOUR)
    getattr(notice, ending)(actor=agency_actor("safety"), reason="concluded",
                            now=filed_at + timedelta(days=20))
    return notice


@pytest.mark.parametrize("ending", ["close", "withdraw"])
def test_every_event_carries_the_acting_person(
    file_notice: NoticeFactory, agency_actor: Callable[[str], Actor], liaison: Actor,
    filed_at: datetime, ending: str,
) -> None:
    notice = _full_history(file_notice, agency_actor, liaison, filed_at, ending)
    events = notice.collect_events()
    expected = [liaison, agency_actor("hrss"), SYSTEM_WATCHER, agency_actor("safety"),
                liaison, *(agency_actor(a) for a in ("finance", "safety", "hrss", "health")),
                agency_actor("safety")]
    assert [type(e).__name__ for e in events] == [
        "Filed", "Acknowledged", "Escalated", "Acknowledged", "Revised", *["Acknowledged"] * 4,
        "Closed" if ending == "close" else "Withdrawn"]
    for event, actor in zip(events, expected, strict=True):
        assert (event.actor_id, event.actor_name, event.actor_agency) == (  # type: ignore[attr-defined]
            actor.id, actor.name, actor.agency)


@pytest.mark.parametrize("ending", ["close", "withdraw", None])
def test_replaying_the_events_rebuilds_an_equal_notice(
    file_notice: NoticeFactory, agency_actor: Callable[[str], Actor], liaison: Actor,
    filed_at: datetime, ending: str | None,
) -> None:
    if ending is None:
        notice = file_notice(serious_injuries=1)
        notice.acknowledge(actor=agency_actor("health"), now=filed_at + SECOND)
        notice.revise(actor=liaison, casualties=Casualties(0, 10, 0, Decimal(0)),
                      reason="more injured", now=filed_at + HOUR)
    else:
        notice = _full_history(file_notice, agency_actor, liaison, filed_at, ending)
    events = notice.collect_events()
    replayed: AccidentNotice | None = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert replayed.id == notice.id
    assert replayed.version == notice.version == len(events)
    assert replayed.grade == notice.grade
    assert replayed.round == notice.round
    assert replayed.status == notice.status
    assert replayed.pending_agencies() == notice.pending_agencies()
    assert replayed.acknowledgements == notice.acknowledgements
    assert replayed.escalations == notice.escalations
    assert replayed.revisions == notice.revisions
    assert replayed.deadlines == notice.deadlines
    assert replayed == notice
