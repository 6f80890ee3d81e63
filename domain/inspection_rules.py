"""A joint inspection's plan rules and what its lifecycle refuses (the aggregate: joint_inspection)."""

from __future__ import annotations

from datetime import date

from domain.common import DomainError, InvalidValue, check_credit_code
from domain.vocabulary import AGENCIES

ON_THE_SPOT = ("observation", "minor")


class InspectionError(DomainError):
    """A step the inspection's lifecycle refuses."""


class WrongStatus(InspectionError):
    code = "inspection_wrong_status"


class NotParticipating(InspectionError):
    """The acting inspector's agency does not take part (403)."""

    code = "agency_not_participating"


class NotBooked(NotParticipating):
    """The acting user is not one of the inspectors booked on the inspection (403)."""

    code = "not_booked"


class NotYet(WrongStatus):
    """Started before the inspection's window (409)."""

    code = "inspection_not_yet"


class NoSuchFinding(InspectionError):
    code = "no_such_finding"


def filled(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidValue("must_not_be_empty", field)
    return value.strip()


def check_plan(theme: str, starts_on: date, ends_on: date, lead_agency: str, agencies: list[str],
               inspectors: list[dict[str, str]], targets: list[dict[str, str]], today: date) -> None:
    filled(theme, "theme")
    if ends_on < starts_on:
        raise InvalidValue("ends_before_start", "ends_on")
    if ends_on < today:
        raise InvalidValue("window_in_past", "ends_on")
    for i, a in enumerate(agencies):
        if a not in AGENCIES:
            raise InvalidValue("must_be_one_of", f"agencies.{i}", choices=", ".join(AGENCIES))
    if len(set(agencies)) < 2:
        raise InvalidValue("two_agencies", "agencies")
    if lead_agency not in agencies:
        raise InvalidValue("lead_not_participating", "lead_agency")
    ids = [p["id"] for p in inspectors]
    if len(set(ids)) != len(ids):
        raise InvalidValue("each_inspector_once", "inspectors")
    for i, p in enumerate(inspectors):
        filled(p["id"], f"inspectors.{i}.id")
        if p["agency"] not in agencies:
            raise InvalidValue("inspector_agency_not_participating", f"inspectors.{i}.agency")
    if len({p["agency"] for p in inspectors}) < 2:
        raise InvalidValue("inspectors_two_agencies", "inspectors")
    if not targets:
        raise InvalidValue("one_target", "targets")
    codes = [check_credit_code(t["credit_code"], f"targets.{i}.credit_code")
             for i, t in enumerate(targets)]
    if len(set(codes)) != len(codes):
        raise InvalidValue("each_target_once", "targets")
