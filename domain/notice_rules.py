"""An accident notice's rules, written once: grading, routing, the revision window, the
acknowledgement round, who is still pending, closure, and the urgency order of lists.

The aggregate (domain/accident_notice.py), the read models' summary (services/notice_summary.py),
the agency queues and the web pages all call these functions; none restates them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from domain.vocabulary import AGENCIES, CAUSES, GRADES, grade_at_least

__all__ = ["AGENCIES", "CAUSES", "GRADES"]
HEALTH_CAUSES = ("poisoning", "occupational_disease")
# Lower bounds ("以上" includes the bound) for large, major, extraordinary.
DEATH_BOUNDS = (3, 10, 30)
SERIOUS_INJURY_BOUNDS = (10, 50, 100)
LOSS_BOUNDS = (Decimal(10_000_000), Decimal(50_000_000), Decimal(100_000_000))
REVISION_WINDOW = timedelta(days=30)
SHORT_REVISION_WINDOW = timedelta(days=7)
SHORT_WINDOW_CAUSES = ("road_traffic", "fire")
# Art. 9: safety within the hour; every other agency within a day.
DEFAULT_DEADLINES: dict[str, timedelta] = {
    a: timedelta(hours=1 if a == "safety" else 24) for a in AGENCIES}
# Maximum lengths, in characters after trimming, of a notice's text fields.
TEXT_LIMITS = {
    "employer.name": 200, "employer.industry": 200, "district": 100, "location": 500,
    "summary": 4000, "measures_taken": 4000, "reason": 2000,
}
MULTILINE = ("summary", "measures_taken", "reason")


def _level(value: int | Decimal, bounds: tuple[Any, ...]) -> int:
    return sum(1 for bound in bounds if value >= bound)


def grade_for(deaths: int, serious_injuries: int, direct_loss_cny: Decimal) -> str:
    """Decree 493 art. 3: the highest grade reached by any of the three measures."""
    level = max(
        _level(deaths, DEATH_BOUNDS),
        _level(serious_injuries, SERIOUS_INJURY_BOUNDS),
        _level(direct_loss_cny, LOSS_BOUNDS),
    )
    return GRADES[level]


def large_or_above(grade: str) -> bool:
    """较大及以上: routed to finance, and safety proposes a joint inspection."""
    return grade_at_least(grade, "large")


def required_agencies_for(grade: str, cause: str, serious_injuries: int) -> list[str]:
    """Routing, in the vocabulary's agency order: safety and hrss always, health for poisoning,
    occupational disease or any serious injury, finance from 较大 up."""
    required = {"safety", "hrss"}
    if cause in HEALTH_CAUSES or serious_injuries > 0:
        required.add("health")
    if large_or_above(grade):
        required.add("finance")
    return [a for a in AGENCIES if a in required]


def required_after_revision(required_now: Iterable[str], required_before: Collection[str]
                            ) -> list[str]:
    """A revision never drops anyone's duty: every agency already involved stays required."""
    now = set(required_now)
    return [a for a in AGENCIES if a in now or a in required_before]


def reopens(previous_grade: str, grade: str) -> bool:
    """A revision re-opens acknowledgement (a new round) when the grade rises."""
    return GRADES.index(grade) > GRADES.index(previous_grade)


def revision_window(cause: str) -> timedelta:
    return SHORT_REVISION_WINDOW if cause in SHORT_WINDOW_CAUSES else REVISION_WINDOW


def revision_deadline(occurred_at: datetime, cause: str) -> datetime:
    return occurred_at + revision_window(cause)


def revision_open(status: str, occurred_at: datetime, cause: str, now: datetime) -> bool:
    return status == "open" and now <= revision_deadline(occurred_at, cause)


def pending_agencies(status: str, required: Iterable[str], acknowledged: Collection[str]
                     ) -> list[str]:
    """Required agencies that have not acknowledged in the current round (none once ended).

    `acknowledged` holds the agencies that acknowledged in the current round only.
    """
    if status != "open":
        return []
    return [a for a in required if a not in acknowledged]


def may_close(status: str, pending: Collection[str]) -> bool:
    """Closing needs every agency required in the current round to have acknowledged."""
    return status == "open" and not pending


def utc_key(moment: datetime | str) -> str:
    """A time as a fixed-width UTC string: such strings sort as the times do."""
    if isinstance(moment, str):
        return _utc_key_of_text(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


@lru_cache(maxsize=4096)
def _utc_key_of_text(moment: str) -> str:
    # A read model keys a notice's deadlines again at each of its events: parsed once.
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def urgency_key(deadlines: Iterable[datetime | str | None], grade: str | None) -> str:
    """Lists' order: the nearest deadline first (so every overdue item, most overdue first,
    comes before every item still in time), items without one last; then the higher grade.

    A string, so that a store can index it; independent of the clock, so that an order and a
    cursor stay valid while time passes.
    """
    times = sorted(utc_key(d) for d in deadlines if d is not None)
    rank = len(GRADES) - 1 - (GRADES.index(grade) if grade in GRADES else -1)
    return f"0|{times[0]}|{rank}" if times else f"1||{rank}"


def overdue_before(now: datetime) -> str:
    """The urgency keys of the items whose deadline has passed at `now` all sort before this
    one (and no other key does): "overdue only" is a prefix of the urgency order."""
    return f"0|{utc_key(now)}"


def notice_urgency(status: str, deadlines: Mapping[str, datetime | str],
                   pending: Iterable[str], grade: str) -> str:
    """A notice is as urgent as the nearest deadline of an agency still pending."""
    if status != "open":
        return urgency_key((), grade)
    return urgency_key((deadlines.get(a) for a in pending), grade)
