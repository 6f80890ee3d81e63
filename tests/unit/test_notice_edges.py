"""Issue 12, accident notices at their edges: the timeline as it was, closing only a fully
acknowledged round, and input stored as typed (counts, money, dates, text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from domain.accident_notice import (
    AccidentNotice,
    Casualties,
    Employer,
    Incident,
    PendingAcknowledgements,
)
from domain.common import Actor, InvalidValue
from domain.notice_rules import TEXT_LIMITS, urgency_key
from tests.support import acknowledge_all

NoticeFactory = Callable[..., AccidentNotice]
HOUR = timedelta(hours=1)


# -- the timeline shows each step as it was ------------------------------------------------


def test_each_step_keeps_the_grade_and_figures_it_had(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    notice = file_notice(deaths=3, direct_loss_cny=Decimal("1800000.00"))  # 较大
    notice.acknowledge(actor=agency_actor("safety"), now=filed_at + HOUR)
    notice.revise(actor=liaison, casualties=Casualties(10, 0, 0, Decimal("1800000.00")),
                  reason="七人送医后死亡", now=filed_at + 2 * HOUR)
    assert notice.grade == "major"
    filed, acked, revised = notice.steps
    assert (filed["kind"], filed["grade"], filed["figures"]["deaths"]) == ("filed", "large", 3)
    assert (acked["kind"], acked["grade"], acked["agency"]) == ("acknowledged", "large", "safety")
    assert (revised["kind"], revised["previous_grade"], revised["grade"]) == (
        "revised", "large", "major")
    assert revised["figures"]["deaths"] == 10 and revised["previous"]["deaths"] == 3
    assert revised["note"] == "七人送医后死亡"


# -- closing needs the current round acknowledged -------------------------------------------


def test_a_reopened_round_wholly_pending_cannot_be_closed_but_can_be_withdrawn(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    notice = file_notice()
    acknowledge_all(notice, filed_at + HOUR)
    notice.revise(actor=liaison, casualties=Casualties(3, 0, 0, Decimal(0)),
                  reason="two more died", now=filed_at + 2 * HOUR)
    assert notice.round == 2
    with pytest.raises(PendingAcknowledgements) as caught:
        notice.close(actor=agency_actor("safety"), reason="concluded", now=filed_at + 3 * HOUR)
    assert caught.value.pending == ["safety", "hrss", "finance"]
    assert "safety, hrss, finance" in caught.value.message
    notice.acknowledge(actor=agency_actor("safety"), now=filed_at + 3 * HOUR)
    with pytest.raises(PendingAcknowledgements) as again:
        notice.close(actor=agency_actor("safety"), reason="concluded", now=filed_at + 3 * HOUR)
    assert again.value.pending == ["hrss", "finance"]
    notice.withdraw(actor=liaison, reason="filed in error", now=filed_at + 4 * HOUR)
    assert notice.status == "withdrawn"


def test_closing_after_every_required_agency_acknowledged(
    file_notice: NoticeFactory, agency_actor: Callable[[str], Actor], filed_at: datetime,
) -> None:
    notice = file_notice(serious_injuries=1)
    acknowledge_all(notice, filed_at + HOUR)
    notice.close(actor=agency_actor("safety"), reason="调查结束", now=filed_at + 2 * HOUR)
    assert notice.status == "closed"


# -- counts and money ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, "3", 3.0, -1, 100_001])
@pytest.mark.parametrize("field", ["deaths", "serious_injuries", "missing"])
def test_counts_are_integers_only(value: Any, field: str) -> None:
    figures: dict[str, Any] = {"deaths": 0, "serious_injuries": 0, "missing": 0,
                               "direct_loss_cny": Decimal(0), field: value}
    with pytest.raises(InvalidValue) as caught:
        Casualties(**figures)
    assert caught.value.field == field


@pytest.mark.parametrize("value", ["-0", "-0.00", "-1", "1E+3", "1e3", "0.001", "1.505",
                                   "100000000000.01", "NaN", "Infinity"])
def test_money_is_a_plain_decimal_with_two_places_at_most(value: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Casualties(0, 0, 0, Decimal(value))
    assert caught.value.field == "direct_loss_cny"


@pytest.mark.parametrize("value", ["0", "0.5", "1000.00", "100000000000.00"])
def test_money_within_the_rules_is_kept_as_given(value: str) -> None:
    assert str(Casualties(0, 0, 0, Decimal(value)).direct_loss_cny) == value


def test_money_as_a_float_is_refused() -> None:
    with pytest.raises(InvalidValue):
        Casualties(0, 0, 0, 1000.5)  # type: ignore[arg-type]


# -- when it happened ---------------------------------------------------------------------------


BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize("when", [datetime(1949, 9, 30, 23, 59, tzinfo=BEIJING),
                                  datetime(1900, 1, 1, tzinfo=BEIJING)])
def test_accidents_before_1949_10_01_are_refused(
    make_incident: Callable[..., Incident], when: datetime
) -> None:
    with pytest.raises(InvalidValue) as caught:
        make_incident(occurred_at=when)
    assert caught.value.field == "occurred_at"


def test_1949_10_01_itself_is_accepted(make_incident: Callable[..., Incident]) -> None:
    when = datetime(1949, 10, 1, tzinfo=BEIJING)
    assert make_incident(occurred_at=when).occurred_at == when


# -- text -------------------------------------------------------------------------------------------


def _incident(**text: str) -> Incident:
    values = {"district": "鼓楼区", "location": "车间", "summary": "摔伤",
              "measures_taken": "", **text}
    return Incident(occurred_at=datetime(2024, 3, 1, tzinfo=BEIJING), cause="fall", **values)


@pytest.mark.parametrize("field", ["district", "location", "summary", "measures_taken"])
@pytest.mark.parametrize("bad", ["a\x00b", "a\tb", "a\x1bb", "a\x7fb", "a\x85b"])
def test_incident_text_refuses_control_characters(field: str, bad: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        _incident(**{field: bad})
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["district", "location", "summary"])
@pytest.mark.parametrize("empty", ["", "   ", "\u3000", "\u200b", " \u200b\ufeff\u2060 "])
def test_required_text_refuses_what_is_empty_without_space_and_zero_width(
    field: str, empty: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        _incident(**{field: empty})
    assert caught.value.field == field


def test_newlines_only_in_free_text_and_text_is_trimmed() -> None:
    incident = _incident(summary="  \u200b第一行\r\n第二行\n ", district=" 鼓楼区\u3000",
                         measures_taken=" \n")
    assert incident.summary == "第一行\n第二行"
    assert incident.district == "鼓楼区"
    assert incident.measures_taken == ""
    with pytest.raises(InvalidValue) as caught:
        _incident(location="一号\n车间")
    assert caught.value.field == "location"


@pytest.mark.parametrize("field", ["district", "location", "summary", "measures_taken"])
def test_text_has_a_maximum_length(field: str) -> None:
    limit = TEXT_LIMITS[field]
    assert len(getattr(_incident(**{field: "字" * limit}), field)) == limit
    with pytest.raises(InvalidValue) as caught:
        _incident(**{field: "字" * (limit + 1)})
    assert caught.value.field == field


def test_employer_text_is_checked_and_trimmed(valid_code: str) -> None:
    assert Employer(" 闽江机械 ", valid_code, "制造业\u200b", 4).name == "闽江机械"
    with pytest.raises(InvalidValue) as caught:
        Employer("闽江\x00机械", valid_code, "制造业", 4)
    assert caught.value.field == "employer.name"
    with pytest.raises(InvalidValue) as caught:
        Employer("闽江机械", valid_code, "\u200b", 4)
    assert caught.value.field == "employer.industry"
    with pytest.raises(InvalidValue) as caught:
        Employer("闽江机械", valid_code, "制造业", True)
    assert caught.value.field == "employer.risk_class"


@pytest.mark.parametrize("command", ["revise", "close", "withdraw"])
@pytest.mark.parametrize("reason", ["\u200b", "原因\x00", "x" * 2001])
def test_every_reason_is_checked(
    file_notice: NoticeFactory, liaison: Actor, filed_at: datetime, command: str, reason: str,
) -> None:
    notice = file_notice()
    acknowledge_all(notice, filed_at + HOUR)
    kwargs: dict[str, Any] = {"actor": liaison, "reason": reason, "now": filed_at + HOUR}
    if command == "revise":
        kwargs["casualties"] = Casualties(1, 0, 0, Decimal(0))
    with pytest.raises(InvalidValue) as caught:
        getattr(notice, command)(**kwargs)
    assert caught.value.field == "reason"
    assert notice.status == "open"


def test_reasons_are_stored_trimmed(
    file_notice: NoticeFactory, liaison: Actor, filed_at: datetime
) -> None:
    notice = file_notice()
    notice.withdraw(actor=liaison, reason="  误报\r\n重复填报 ", now=filed_at + HOUR)
    assert notice.closure is not None and notice.closure["reason"] == "误报\n重复填报"


# -- urgency order ------------------------------------------------------------------------------


def test_urgency_orders_by_nearest_deadline_then_grade_whatever_the_offset() -> None:
    early_cst = "2026-03-02T09:00:00+08:00"  # 01:00 UTC
    later_utc = "2026-03-02T02:00:00+00:00"
    keys = {
        "later ordinary": urgency_key([later_utc], "ordinary"),
        "early ordinary": urgency_key([early_cst], "ordinary"),
        "early major": urgency_key([early_cst], "major"),
        "none extraordinary": urgency_key([], "extraordinary"),
        "none ordinary": urgency_key([None], "ordinary"),
    }
    assert sorted(keys, key=keys.__getitem__) == [
        "early major", "early ordinary", "later ordinary", "none extraordinary",
        "none ordinary"]


# -- one output schema ---------------------------------------------------------------------------


def test_the_service_view_is_exactly_the_shared_notice_schema(
    file_notice: NoticeFactory, liaison: Actor, agency_actor: Callable[[str], Actor],
    filed_at: datetime,
) -> None:
    from services.notice_view import NoticeView, view

    notice = file_notice(serious_injuries=1)
    notice.acknowledge(actor=agency_actor("safety"), now=filed_at + HOUR)
    notice.revise(actor=liaison, casualties=Casualties(3, 1, 0, Decimal("10.50")),
                  reason="补报", now=filed_at + 2 * HOUR)
    data = view(notice, filed_at + 3 * HOUR)
    assert set(data) == set(NoticeView.model_fields)
    parsed = NoticeView.model_validate(data)
    assert [s.kind for s in parsed.steps] == ["filed", "acknowledged", "revised"]
    assert parsed.revision_open and not parsed.closable
    states = {s.agency: (s.state, s.overdue) for s in parsed.agency_states}
    assert states == {"safety": ("pending", False), "hrss": ("pending", False),
                      "health": ("pending", False), "finance": ("pending", False)}
    late = NoticeView.model_validate(view(notice, filed_at + 40 * 24 * HOUR))
    assert not late.revision_open and all(s.overdue for s in late.agency_states)
