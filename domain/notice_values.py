"""An accident notice's value objects: the employer, the incident and the casualty figures,
each checked (and its text trimmed) by the rules of domain/values.py when built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from domain.common import InvalidValue, check_credit_code, require_aware
from domain.notice_rules import CAUSES, MULTILINE, TEXT_LIMITS, grade_for
from domain.values import check_count, check_money, clean_text, time_problem

T = TypeVar("T")


def text(value: object, field: str) -> str:
    """A notice's text field, checked and trimmed by its documented limit."""
    return clean_text(value, field, max_length=TEXT_LIMITS[field],
                      multiline=field in MULTILINE, required=field != "measures_taken")


def restored(cls: type[T], *values: Any) -> T:
    """A value object rebuilt from a stored event, as it was accepted then: rules tightened
    later must not make history unreadable."""
    obj = object.__new__(cls)
    for f, v in zip(cls.__dataclass_fields__, values, strict=True):  # type: ignore[attr-defined]
        object.__setattr__(obj, f, v)
    return obj


@dataclass(frozen=True)
class Casualties:
    """The figures that grade a notice; counts and loss can never be negative."""

    deaths: int
    serious_injuries: int
    missing: int
    direct_loss_cny: Decimal

    def __post_init__(self) -> None:
        for name in ("deaths", "serious_injuries", "missing"):
            check_count(getattr(self, name), name)
        check_money(self.direct_loss_cny, "direct_loss_cny")

    def figures(self) -> dict[str, Any]:
        return {"deaths": self.deaths, "serious_injuries": self.serious_injuries,
                "missing": self.missing, "direct_loss_cny": self.direct_loss_cny}

    @property
    def grade(self) -> str:
        return grade_for(self.deaths, self.serious_injuries, self.direct_loss_cny)


@dataclass(frozen=True)
class Employer:
    name: str
    credit_code: str
    industry: str
    risk_class: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", text(self.name, "employer.name"))
        object.__setattr__(self, "industry", text(self.industry, "employer.industry"))
        check_credit_code(self.credit_code, "employer.credit_code")
        if type(self.risk_class) is not int or not 1 <= self.risk_class <= 8:
            raise InvalidValue("risk_class_range", "employer.risk_class")

    def event_fields(self) -> dict[str, Any]:
        """The employer as the Filed event stores it."""
        return {"employer_name": self.name, "employer_credit_code": self.credit_code,
                "industry": self.industry, "risk_class": self.risk_class}


@dataclass(frozen=True)
class Incident:
    """What happened, where and when, as the liaison reports it."""

    district: str
    occurred_at: datetime
    location: str
    summary: str
    cause: str
    measures_taken: str = ""

    def __post_init__(self) -> None:
        for name in ("district", "location", "summary", "measures_taken"):
            object.__setattr__(self, name, text(getattr(self, name), name))
        if self.cause not in CAUSES:
            raise InvalidValue("must_be_one_of", "cause", choices=", ".join(CAUSES))
        require_aware(self.occurred_at, "occurred_at")
        problem = time_problem(self.occurred_at)
        if problem:
            raise InvalidValue(problem, "occurred_at")
