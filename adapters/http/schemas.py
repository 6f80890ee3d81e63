"""Request and response types shared by every router: the strict base model, the vocabulary as
pydantic types (from domain.vocabulary, never copied here) and the credit-code check."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.common import credit_code_problem
from domain.messages import Invalid
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
    "Agency", "Cause", "CreditCode", "FindingSeverity", "Grade", "InspectionStatus", "MeetingStatus",
    "Name", "NoticeStatus", "ProjectCategory", "Role", "Strict", "Text",
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


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
