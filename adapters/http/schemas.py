"""Request and response types shared by every router: the strict base model, the vocabulary as
pydantic types (from domain.vocabulary, never copied here), the credit-code check, and the
domain's text and money rules (domain/values.py) as pydantic types, so that one 422 names every
offending field with the rule's own code."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from domain.common import credit_code_problem
from domain.messages import Invalid
from domain.values import MAX_MONEY_CNY, parse_money, text_problem
from domain.vocabulary import (
    Agency,
    Cause,
    FindingSeverity,
    Grade,
    InspectionStatus,
    MeetingStatus,
    NoticeStatus,
    ProjectCategory,
    Role,
)

__all__ = [
    "MONEY_RULES", "Agency", "Cause", "CreditCode", "FindingSeverity", "Grade", "InspectionStatus",
    "MeetingStatus", "Money", "Name", "NoticeStatus", "PositiveMoney", "ProjectCategory", "Role",
    "Strict", "Text", "text_rule",
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]

MONEY_RULES = (f"CNY as a JSON string with at most two decimal places (\"1800000.50\") or a "
               f"JSON integer; never negative, -0 or an exponent; at most {MAX_MONEY_CNY}")
Money = Annotated[Decimal, BeforeValidator(parse_money),
                  Field(description=MONEY_RULES, examples=["1800000.00"])]
"""Money as docs/notice-rules.md has it: `1e3`, `1000.5` (a JSON fraction) and `"1.234"` are 422."""
PositiveMoney = Annotated[Money, Field(gt=0)]


def text_rule(max_length: int, *, multiline: bool = False, required: bool = True) -> AfterValidator:
    """The domain's text rule (trimmed; no control characters; required text not blank once
    white space and zero-width characters are removed; at most `max_length` characters)."""

    def check(value: str) -> str:
        text, problem = text_problem(value, max_length=max_length, multiline=multiline,
                                     required=required)
        if problem:
            raise Invalid(problem)
        return text

    return AfterValidator(check)


def _blank_is_absent(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# A query filter sent empty (`?status=&grade=`, as API.md writes the list's filters) filters
# nothing, as if left out: `status: Annotated[NoticeStatus | None, Unfiltered] = None`.
Unfiltered = BeforeValidator(_blank_is_absent)


class Strict(BaseModel):
    """Every request body: unknown fields refused, surrounding white space trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _credit_code(v: str) -> str:
    v = v.upper()
    problem = credit_code_problem(v)
    if problem:
        raise Invalid(problem)
    return v


CreditCode = Annotated[str, Field(description="统一社会信用代码, 18 characters (GB 32100-2015)"),
                       AfterValidator(_credit_code)]
