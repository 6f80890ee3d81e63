"""工伤保险费率浮动: the floating premium rate of an employer for a rate year — the one place of the rule.

Base rates by the industry's risk class (工伤保险行业风险类别), in % of payroll:

    ====== ===== ===== ===== ===== ===== ===== ===== =====
    class    1     2     3     4     5     6     7     8
    base   0.2   0.4   0.7   0.9   1.1   1.3   1.6   1.9
    ====== ===== ===== ===== ===== ===== ===== ===== =====

The proposal for rate year Y is driven by the employer's accident record in the previous
calendar year Y-1 (notices by the accident's ``occurred_at``; withdrawn notices do not
count; deaths as last revised). The first matching row wins:

    ===================================================  =========  =========
    record in year Y-1                                   class 1    class 2-8
    ===================================================  =========  =========
    3 or more deaths, or 3 or more notices               150%       150%
    any death, or 2 notices                              120%       120%
    exactly 1 notice, no death                           100%       100%
    no notice, and no notice in Y-2 either (two clean    100%        50%
    years in a row, counted since the employer's first
    known notice)
    no notice                                            100%        80%
    ===================================================  =========  =========

Class 1 floats up only: it never goes below 100% of its base rate. The rate is the base
rate times the factor, in % of payroll; every proposal carries the reasons for its factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.common import InvalidValue
from domain.messages import Msg, msg

BASE_RATES: dict[int, Decimal] = {
    1: Decimal("0.2"), 2: Decimal("0.4"), 3: Decimal("0.7"), 4: Decimal("0.9"),
    5: Decimal("1.1"), 6: Decimal("1.3"), 7: Decimal("1.6"), 8: Decimal("1.9"),
}
UP_ONE = Decimal("1.2")
UP_TWO = Decimal("1.5")
UNCHANGED = Decimal("1.0")
DOWN_ONE = Decimal("0.8")
DOWN_TWO = Decimal("0.5")
SEVERE_DEATHS = 3
SEVERE_NOTICES = 3
REPEATED_NOTICES = 2


@dataclass(frozen=True)
class RateProposal:
    risk_class: int
    base_rate_pct: Decimal
    factor: Decimal
    rate_pct: Decimal
    reasons: tuple[Msg, ...]  # each worded in the reader's language (`Msg.text`)


def propose_rate(risk_class: int, notices: int, deaths: int, clean_years: int = 0) -> RateProposal:
    """The factor and rate for a rate year from the previous year's record.

    `notices` and `deaths` are the counts of the previous year; `clean_years` is how many
    consecutive years without a notice end with that year (0 when it had a notice; 2 or more
    earns the second step down).
    """
    if risk_class not in BASE_RATES:
        raise InvalidValue("risk_class_range", "risk_class")
    for name, value in (("notices", notices), ("deaths", deaths), ("clean_years", clean_years)):
        if value < 0:
            raise InvalidValue("must_be_zero_or_more", name)
    if notices == 0 and deaths > 0:
        raise InvalidValue("deaths_need_notice", "deaths")
    base = BASE_RATES[risk_class]
    reasons = [msg("rate_base", risk_class=risk_class, base=str(base)),
               msg("rate_record", notices=notices, deaths=deaths)]
    if deaths >= SEVERE_DEATHS or notices >= SEVERE_NOTICES:
        factor = UP_TWO
        reasons.append(msg("rate_up_two", severe_deaths=SEVERE_DEATHS,
                           severe_notices=SEVERE_NOTICES))
    elif deaths > 0 or notices >= REPEATED_NOTICES:
        factor = UP_ONE
        reasons.append(msg("rate_up_one"))
    elif notices == 1:
        factor = UNCHANGED
        reasons.append(msg("rate_unchanged"))
    elif risk_class == 1:
        factor = UNCHANGED
        reasons.append(msg("rate_class_one"))
    elif clean_years >= 2:
        factor = DOWN_TWO
        reasons.append(msg("rate_down_two", clean_years=clean_years))
    else:
        factor = DOWN_ONE
        reasons.append(msg("rate_down_one"))
    rate = (base * factor).quantize(Decimal("0.001"))
    return RateProposal(risk_class, base, factor, rate, tuple(reasons))
