"""Shared builders for the unit tests of domain/ (no I/O).

Builders are fixtures (there is no tests/__init__.py, so test modules cannot import
each other). Fixtures that hand out immutable values are session-scoped so that
Hypothesis tests may use them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol

import pytest

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor, credit_code_check_char

CST = timezone(timedelta(hours=8), "CST")

# The accident happens at 08:00 local time; the liaison files it 30 minutes later, so that
# "from filing time" and "from the accident" can be told apart.
OCCURRED_AT = datetime(2024, 3, 1, 8, 0, tzinfo=CST)
FILED_AT = OCCURRED_AT + timedelta(minutes=30)

# A code in the real format: 9 (industry and commerce) 1 (enterprise) 350100 (Fuzhou)
# M000100Y4 (organisation code); the 18th character is computed.
CODE_FIRST17 = "91350100M000100Y4"


class NoticeFactory(Protocol):
    def __call__(
        self,
        *,
        deaths: int = ...,
        serious_injuries: int = ...,
        missing: int = ...,
        direct_loss_cny: Decimal = ...,
        cause: str = ...,
        occurred_at: datetime = ...,
        now: datetime = ...,
        deadlines: dict[str, timedelta] | None = ...,
        actor: Actor | None = ...,
    ) -> AccidentNotice: ...


@pytest.fixture(scope="session")
def occurred_at() -> datetime:
    return OCCURRED_AT


@pytest.fixture(scope="session")
def filed_at() -> datetime:
    return FILED_AT


@pytest.fixture(scope="session")
def valid_code() -> str:
    return CODE_FIRST17 + credit_code_check_char(CODE_FIRST17)


@pytest.fixture(scope="session")
def employer(valid_code: str) -> Employer:
    return Employer(name="闽江机械有限公司", credit_code=valid_code, industry="manufacturing",
                    risk_class=4)


@pytest.fixture(scope="session")
def liaison() -> Actor:
    return Actor(id="u-liaison-1", name="林晓", agency="hrss", role="liaison")


@pytest.fixture(scope="session")
def agency_actor() -> Callable[[str], Actor]:
    """An acting person of the given agency (distinct id and name per agency)."""

    def build(agency: str) -> Actor:
        return Actor(id=f"u-{agency}-7", name=f"officer of {agency}", agency=agency,
                     role="inspector")

    return build


@pytest.fixture(scope="session")
def make_casualties() -> Callable[..., Casualties]:
    def build(deaths: int = 0, serious_injuries: int = 0, missing: int = 0,
              direct_loss_cny: Decimal = Decimal("0")) -> Casualties:
        return Casualties(deaths=deaths, serious_injuries=serious_injuries, missing=missing,
                          direct_loss_cny=direct_loss_cny)

    return build


@pytest.fixture(scope="session")
def make_incident() -> Callable[..., Incident]:
    def build(cause: str = "fall", occurred_at: datetime = OCCURRED_AT,
              summary: str = "a worker fell from scaffolding",
              district: str = "鼓楼区", location: str = "workshop 3") -> Incident:
        return Incident(district=district, occurred_at=occurred_at, location=location,
                        summary=summary, cause=cause, measures_taken="site sealed")

    return build


@pytest.fixture(scope="session")
def file_notice(
    employer: Employer,
    liaison: Actor,
    make_incident: Callable[..., Incident],
    make_casualties: Callable[..., Casualties],
) -> NoticeFactory:
    """File a notice; every figure defaults to zero, cause to 'fall', now to FILED_AT."""

    def build(
        *,
        deaths: int = 0,
        serious_injuries: int = 0,
        missing: int = 0,
        direct_loss_cny: Decimal = Decimal("0"),
        cause: str = "fall",
        occurred_at: datetime = OCCURRED_AT,
        now: datetime = FILED_AT,
        deadlines: dict[str, timedelta] | None = None,
        actor: Actor | None = None,
    ) -> AccidentNotice:
        return AccidentNotice.file(
            actor=actor or liaison,
            employer=employer,
            incident=make_incident(cause=cause, occurred_at=occurred_at),
            casualties=make_casualties(deaths, serious_injuries, missing, direct_loss_cny),
            now=now,
            deadlines=deadlines,
        )

    return build


@pytest.fixture
def fresh_notice(file_notice: NoticeFactory) -> Iterator[AccidentNotice]:
    """An ordinary notice (no casualties): requires safety and hrss only."""
    yield file_notice()
