"""工伤预防费年度: a fund year, whose approved project total may not exceed its cap.

The cap is 3% of the previous year's work-injury insurance fund income (上年工伤保险基金收入),
unless a higher ratio is recorded together with its approval reference. Approving a project
allocates its budget here; the project and the fund year are saved together, so two
concurrent approvals cannot both pass the cap (the second is a concurrent write).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, require_aware, traced
from domain.messages import Msg, msg

DEFAULT_RATIO_PCT = Decimal(3)
MAX_RATIO_PCT = Decimal(100)
CENT = Decimal("0.01")


class AmountRefused(DomainError):
    """An amount the rules refuse; `figures` are shown to the caller (409)."""

    def __init__(self, problem: Msg, figures: dict[str, str]) -> None:
        super().__init__(problem)
        self.figures = figures


class CapExceeded(AmountRefused):
    code = "cap_exceeded"


def money(value: Decimal, field: str, positive: bool = False) -> Decimal:
    if not value.is_finite():
        raise InvalidValue("money_not_finite", field)
    if value < 0 or (positive and value == 0):
        raise InvalidValue("must_be_more_than_zero" if positive else "must_be_zero_or_more",
                           field)
    if value != value.quantize(CENT):
        raise InvalidValue("money_places", field)
    return value.quantize(CENT)


def fund_year_id(year: int) -> UUID:
    """One fund year per calendar year: its id is derived from the year."""
    return uuid5(NAMESPACE_URL, f"linkage:fund-year:{year}")


def cap_for(income: Decimal, ratio_pct: Decimal) -> Decimal:
    return (income * ratio_pct / 100).quantize(CENT)


def check_ratio(ratio_pct: Decimal, approval_ref: str) -> None:
    if not ratio_pct.is_finite() or ratio_pct < DEFAULT_RATIO_PCT or ratio_pct > MAX_RATIO_PCT:
        raise InvalidValue("ratio_range", "cap_ratio_pct", low=DEFAULT_RATIO_PCT, high=MAX_RATIO_PCT)
    if ratio_pct > DEFAULT_RATIO_PCT and not approval_ref.strip():
        raise InvalidValue("ratio_needs_approval", "ratio_approval_ref")


class FundYear(Aggregate):
    def __init__(self) -> None:
        self.approved_total_cny = Decimal(0)
        self.allocations: dict[str, Decimal] = {}
        self.ratio_history: list[dict[str, Any]] = []

    class Opened(TracedEvent, Aggregate.Created):
        year: int
        previous_year_fund_income_cny: Decimal
        cap_ratio_pct: Decimal
        ratio_approval_ref: str
        cap_cny: Decimal
        opened_at: datetime

        def apply(self, fy: FundYear) -> None:
            fy.year = self.year
            fy.income_cny = self.previous_year_fund_income_cny
            fy.ratio_pct = self.cap_ratio_pct
            fy.ratio_approval_ref = self.ratio_approval_ref
            fy.cap_cny = self.cap_cny
            fy.opened_at = self.opened_at

    class RatioRaised(TracedEvent):
        cap_ratio_pct: Decimal
        ratio_approval_ref: str
        cap_cny: Decimal
        raised_at: datetime

        def apply(self, fy: FundYear) -> None:
            fy.ratio_history.append({"ratio_pct": fy.ratio_pct, "approval_ref": fy.ratio_approval_ref,
                                     "cap_cny": fy.cap_cny, "until": self.raised_at})
            fy.ratio_pct = self.cap_ratio_pct
            fy.ratio_approval_ref = self.ratio_approval_ref
            fy.cap_cny = self.cap_cny

    class Allocated(TracedEvent):
        project_id: str
        amount_cny: Decimal
        approved_total_cny: Decimal
        allocated_at: datetime

        def apply(self, fy: FundYear) -> None:
            fy.allocations[self.project_id] = self.amount_cny
            fy.approved_total_cny = self.approved_total_cny

    year: int
    income_cny: Decimal
    ratio_pct: Decimal
    ratio_approval_ref: str
    cap_cny: Decimal
    opened_at: datetime

    @classmethod
    def open(cls, *, actor: Actor, year: int, previous_year_fund_income_cny: Decimal,
             now: datetime, cap_ratio_pct: Decimal = DEFAULT_RATIO_PCT,
             ratio_approval_ref: str = "") -> FundYear:
        require_aware(now, "now")
        if not 2000 <= year <= 2100:
            raise InvalidValue("year_range", "year")
        income = money(previous_year_fund_income_cny, "previous_year_fund_income_cny")
        check_ratio(cap_ratio_pct, ratio_approval_ref)
        return cls._create(
            cls.Opened, id=fund_year_id(year), **traced(actor), year=year,
            previous_year_fund_income_cny=income, cap_ratio_pct=cap_ratio_pct,
            ratio_approval_ref=ratio_approval_ref.strip(), cap_cny=cap_for(income, cap_ratio_pct),
            opened_at=now,
        )

    @property
    def remaining_cny(self) -> Decimal:
        return self.cap_cny - self.approved_total_cny

    def raise_ratio(self, *, actor: Actor, cap_ratio_pct: Decimal, approval_ref: str,
                    now: datetime) -> None:
        require_aware(now, "now")
        check_ratio(cap_ratio_pct, approval_ref)
        if cap_ratio_pct <= self.ratio_pct:
            raise InvalidValue("ratio_not_higher", "cap_ratio_pct", ratio=self.ratio_pct)
        self.trigger_event(self.RatioRaised, **traced(actor), cap_ratio_pct=cap_ratio_pct,
                           ratio_approval_ref=approval_ref.strip(),
                           cap_cny=cap_for(self.income_cny, cap_ratio_pct), raised_at=now)

    def allocate(self, *, actor: Actor, project_id: str, amount_cny: Decimal, now: datetime) -> None:
        """Approve `amount_cny` for a project; refused when the approved total would pass the cap."""
        require_aware(now, "now")
        amount = money(amount_cny, "budget_cny", positive=True)
        if project_id in self.allocations:
            raise DomainError("project_already_approved", project_id=project_id, year=self.year)
        total = self.approved_total_cny + amount
        if total > self.cap_cny:
            raise CapExceeded(
                msg("cap_exceeded", amount=amount, year=self.year, total=total, cap=self.cap_cny),
                {"cap_cny": str(self.cap_cny), "approved_total_cny": str(self.approved_total_cny),
                 "requested_cny": str(amount), "remaining_cny": str(self.remaining_cny)},
            )
        self.trigger_event(self.Allocated, **traced(actor), project_id=project_id,
                           amount_cny=amount, approved_total_cny=total, allocated_at=now)
