"""A joint inspection's plan rules and what its lifecycle refuses (the aggregate: joint_inspection)."""

from __future__ import annotations

from datetime import date

from domain.common import DomainError, InvalidValue, check_credit_code
from domain.vocabulary import AGENCIES

ON_THE_SPOT = ("observation", "minor")


class InspectionError(DomainError):
    """A step the inspection's lifecycle refuses."""


class WrongStatus(InspectionError):
    pass


class NotParticipating(InspectionError):
    """The acting inspector's agency does not take part (403)."""


class NotBooked(NotParticipating):
    """The acting user is not one of the inspectors booked on the inspection (403)."""


class NotYet(WrongStatus):
    """Started before the inspection's window (409)."""


class NoSuchFinding(InspectionError):
    pass


def filled(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidValue("must not be empty", field)
    return value.strip()


def check_plan(theme: str, starts_on: date, ends_on: date, lead_agency: str, agencies: list[str],
               inspectors: list[dict[str, str]], targets: list[dict[str, str]], today: date) -> None:
    filled(theme, "theme")
    if ends_on < starts_on:
        raise InvalidValue("must be on or after starts_on", "ends_on")
    if ends_on < today:
        raise InvalidValue("the window must not end in the past", "ends_on")
    for i, a in enumerate(agencies):
        if a not in AGENCIES:
            raise InvalidValue(f"must be one of {', '.join(AGENCIES)}", f"agencies.{i}")
    if len(set(agencies)) < 2:
        raise InvalidValue("at least two participating agencies", "agencies")
    if lead_agency not in agencies:
        raise InvalidValue("the lead agency must be one of the participating agencies",
                           "lead_agency")
    ids = [p["id"] for p in inspectors]
    if len(set(ids)) != len(ids):
        raise InvalidValue("each inspector may appear once", "inspectors")
    for i, p in enumerate(inspectors):
        filled(p["id"], f"inspectors.{i}.id")
        if p["agency"] not in agencies:
            raise InvalidValue("an inspector must come from a participating agency",
                               f"inspectors.{i}.agency")
    if len({p["agency"] for p in inspectors}) < 2:
        raise InvalidValue("inspectors from at least two agencies", "inspectors")
    if not targets:
        raise InvalidValue("at least one target employer", "targets")
    codes = [check_credit_code(t["credit_code"], f"targets.{i}.credit_code")
             for i, t in enumerate(targets)]
    if len(set(codes)) != len(codes):
        raise InvalidValue("each target employer may appear once", "targets")
