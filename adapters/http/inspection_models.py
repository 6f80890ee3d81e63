"""Request and response models of /api/v1/joint-inspections (the web forms parse with them too)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from adapters.http.schemas import Agency, CreditCode, FindingSeverity, InspectionStatus, Name, Strict, Text
from domain.messages import Invalid, msg


class InspectorIn(Strict):
    id: Annotated[str, Field(min_length=1, max_length=100,
                             description="an active entry of the inspector register (422 otherwise)")]
    name: Name
    agency: Agency


class TargetIn(Strict):
    credit_code: CreditCode
    name: Name


class DrawIn(Strict):
    targets: Annotated[int, Field(ge=1, le=1000, description="how many employers to draw")]
    inspectors: Annotated[int, Field(ge=2, le=100, description="how many inspectors to draw")]
    seed: Annotated[str | None, Field(min_length=1, max_length=100,
                                      description="omitted: a random seed, recorded")] = None


class ScheduleIn(Strict):
    theme: Text
    starts_on: date
    ends_on: date
    lead_agency: Agency
    agencies: Annotated[list[Agency], Field(min_length=2)]
    inspectors: list[InspectorIn] = []
    targets: list[TargetIn] = []
    draw: DrawIn | None = Field(None, description="双随机: draw targets and inspectors instead")
    notice_id: UUID | None = Field(None, description="the accident notice this follows up")
    proposal_id: str | None = Field(None, description="safety's proposal this schedules")

    @model_validator(mode="after")
    def _one_way(self) -> ScheduleIn:
        if self.draw is not None and (self.inspectors or self.targets):
            raise Invalid(msg("draw_or_lists"))
        if self.draw is None and not self.inspectors:
            raise Invalid(msg("inspectors_or_draw"))
        if self.draw is None and not self.targets and not self.proposal_id:
            raise Invalid(msg("targets_or_draw"))
        return self


class FindingIn(Strict):
    employer_credit_code: CreditCode
    hazard: Text
    severity: FindingSeverity = Field(
        description="major: needs a rectification order and a re-inspection before completion; "
                    "observation, minor: may be closed on the spot with a note")
    legal_basis: Text


class RectificationIn(Strict):
    deadline: AwareDatetime


class ReinspectionIn(Strict):
    rectified: bool
    note: Annotated[str, Field(max_length=4000)] = ""


class SpotClosureIn(Strict):
    note: Text


class CompletionIn(Strict):
    summary: Annotated[str, Field(max_length=4000)] = ""


class ReasonIn(Strict):
    reason: Text


class Person(BaseModel):
    id: str
    name: str
    agency: str


class Target(BaseModel):
    credit_code: str
    name: str


class ScheduledOut(BaseModel):
    id: UUID
    version: int
    status: InspectionStatus
    inspectors: list[Person]
    targets: list[Target]


class VersionOut(BaseModel):
    id: UUID
    version: int


class FindingOut(VersionOut):
    finding_no: int


class InspectionOut(BaseModel):
    id: UUID
    version: int
    status: InspectionStatus
    theme: str
    starts_on: date
    ends_on: date
    lead_agency: Agency
    agencies: list[Agency]
    inspectors: list[Person]
    targets: list[Target]
    notice_id: UUID | None
    proposal_id: str | None
    drawn: bool
    scheduled_at: str
    scheduled_by: Person
    started_at: str | None
    findings: list[dict[str, Any]]
    ended: dict[str, Any] | None
    may_start: bool = Field(description="scheduled and its window (Beijing dates) has begun")
    unsettled: list[dict[str, Any]] = Field(
        description="what blocks completion, per finding: finding_no, severity, needs "
                    "(rectification | reinspection | closure)")


class VerifyOut(BaseModel):
    id: UUID
    verified: bool
    problems: list[str]
    seed: str
    employer_register_sha256: str
    inspector_register_sha256: str
    targets: list[Target]
    inspectors: list[Person]
