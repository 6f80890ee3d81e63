"""/api/v1/fund-years and /api/v1/prevention-projects: the prevention fee (工伤预防费).

hrss opens fund years, proposes projects, reports milestones, requests disbursements,
assesses and closes; finance approves or rejects and pays.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.http.deps import ContainerDep, UserDep, permit
from adapters.http.schemas import MONEY_RULES, Money, PositiveMoney, Strict, text_rule
from adapters.http.schemas import ProjectCategory as Category
from adapters.http.writes import IdempotencyDep, VersionDep
from services.policies import prevention as policy
from services.requests import create_once, once_id

router = APIRouter(tags=["prevention fee 工伤预防费"])
FUND_YEARS = "/api/v1/fund-years"
PROJECTS = "/api/v1/prevention-projects"
Count = Annotated[int, Field(ge=0, le=100_000_000)]
# The notices' text rule (trimmed, no control characters, not blank), as a 422 naming the field.
Text = Annotated[str, Field(max_length=4000), text_rule(4000, multiline=True)]
Note = Annotated[str, Field(max_length=4000), text_rule(4000, multiline=True, required=False)]


class FundYearIn(Strict):
    year: Annotated[int, Field(ge=2000, le=2100)]
    previous_year_fund_income_cny: Annotated[
        Money, Field(description=f"上年工伤保险基金收入: {MONEY_RULES}")]
    cap_ratio_pct: Annotated[Decimal, Field(ge=3, le=100, decimal_places=3)] = Decimal(3)
    ratio_approval_ref: Annotated[str, Field(max_length=200,
                                             description="needed for a ratio above 3%"),
                                  text_rule(200, required=False)] = ""


class RatioIn(Strict):
    cap_ratio_pct: Annotated[Decimal, Field(gt=3, le=100, decimal_places=3)]
    ratio_approval_ref: Annotated[str, Field(max_length=200), text_rule(200)]


class PlannedIn(Strict):
    days_on_tour: Count | None = None
    stops: Count | None = None
    audience: Count | None = None
    sessions: Count | None = None
    trainees: Count | None = None
    health_checks: Count | None = None


class ProjectIn(Strict):
    fund_year: Annotated[int, Field(ge=2000, le=2100)]
    category: Category
    title: Annotated[str, Field(max_length=300), text_rule(300)]
    description: Note = ""
    budget_cny: PositiveMoney
    planned: PlannedIn
    districts: Annotated[list[Annotated[str, Field(max_length=100), text_rule(100)]],
                         Field(max_length=100)] = []


class AchievedIn(Strict):
    days_toured: Count | None = None
    stops: Count | None = None
    audience_reached: Count | None = None
    materials_handed_out: Count | None = None
    sessions_held: Count | None = None
    trainees_trained: Count | None = None
    health_checks_given: Count | None = None


class MilestoneIn(Strict):
    achieved: AchievedIn
    note: Note = ""


class DisbursementIn(Strict):
    amount_cny: PositiveMoney
    purpose: Text


class ReasonIn(Strict):
    reason: Text


class ConclusionIn(Strict):
    conclusion: Text


class NoteIn(Strict):
    note: Note = ""


class ChangedOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: UUID
    version: int
    status: str


def _counts(model: BaseModel) -> dict[str, int]:
    return {k: v for k, v in model.model_dump().items() if v is not None}


@router.post(FUND_YEARS, status_code=201, dependencies=[permit(policy.OPEN_FUND_YEAR)])
def open_fund_year(body: FundYearIn, request: Request, c: ContainerDep, actor: UserDep,
                   idem: IdempotencyDep) -> Any:
    return idem.run(request, body.model_dump(mode="json"), lambda: (201, c.fund_years.open(
        actor, body.year, body.previous_year_fund_income_cny, body.cap_ratio_pct,
        body.ratio_approval_ref)))


@router.get(FUND_YEARS + "/{year}")
def get_fund_year(year: int, c: ContainerDep, actor: UserDep) -> Any:
    return c.fund_years.get(year)


@router.post(FUND_YEARS + "/{year}/ratio", dependencies=[permit(policy.RAISE_RATIO)])
def raise_ratio(year: int, body: RatioIn, request: Request, c: ContainerDep, actor: UserDep,
                version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (200, c.fund_years.raise_ratio(actor, year, body.cap_ratio_pct,
                                                           body.ratio_approval_ref, version)))


@router.post(PROJECTS, status_code=201, response_model=ChangedOut,
             dependencies=[permit(policy.PROPOSE)])
def propose(body: ProjectIn, request: Request, c: ContainerDep, actor: UserDep,
            idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        def create(project_id: UUID | None) -> dict[str, Any]:
            return c.projects.propose(
                actor, body.fund_year, body.category, body.title, body.budget_cny,
                _counts(body.planned), body.districts, body.description, project_id)

        def existing(project_id: UUID) -> dict[str, Any]:
            p = c.projects.get(project_id)  # stored by a first try whose answer was lost
            return {k: p[k] for k in ("id", "version", "status")}

        return 201, create_once("prevention-project", idem.scoped_key(), create,
                                c.projects.exists, existing)

    return idem.run(request, body.model_dump(mode="json"), act)


@router.get(PROJECTS + "/{project_id}")
def get_project(project_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.projects.get(project_id)


@router.post(PROJECTS + "/{project_id}/approval", response_model=ChangedOut,
             dependencies=[permit(policy.APPROVE)])
def approve(project_id: UUID, request: Request, c: ContainerDep, actor: UserDep,
            version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"version": version},
                    lambda: (200, c.projects.approve(project_id, actor, version)))


@router.post(PROJECTS + "/{project_id}/rejection", response_model=ChangedOut,
             dependencies=[permit(policy.REJECT)])
def reject(project_id: UUID, body: ReasonIn, request: Request, c: ContainerDep, actor: UserDep,
           version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (200, c.projects.reject(project_id, actor, body.reason, version)))


@router.post(PROJECTS + "/{project_id}/milestones", response_model=ChangedOut,
             dependencies=[permit(policy.REPORT_MILESTONE)])
def report_milestone(project_id: UUID, body: MilestoneIn, request: Request, c: ContainerDep,
                     actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (200, c.projects.report_milestone(
                        project_id, actor, _counts(body.achieved), body.note, version)))


@router.post(PROJECTS + "/{project_id}/disbursements", status_code=201, response_model=ChangedOut,
             dependencies=[permit(policy.REQUEST_DISBURSEMENT)])
def request_disbursement(project_id: UUID, body: DisbursementIn, request: Request,
                         c: ContainerDep, actor: UserDep, version: VersionDep,
                         idem: IdempotencyDep) -> Any:
    new_id = once_id("disbursement", idem.scoped_key())
    did = new_id.hex if new_id else None
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (201, c.projects.request_disbursement(
                        project_id, actor, body.amount_cny, body.purpose, version, did)))


@router.post(PROJECTS + "/{project_id}/disbursements/{disbursement_id}/payment",
             response_model=ChangedOut, dependencies=[permit(policy.PAY)])
def pay(project_id: UUID, disbursement_id: str, request: Request, c: ContainerDep,
        actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"version": version},
                    lambda: (200, c.projects.pay(project_id, disbursement_id, actor, version)))


@router.post(PROJECTS + "/{project_id}/assessment", response_model=ChangedOut,
             dependencies=[permit(policy.ASSESS)])
def assess(project_id: UUID, body: ConclusionIn, request: Request, c: ContainerDep,
           actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (200, c.projects.assess(project_id, actor, body.conclusion, version)))


@router.post(PROJECTS + "/{project_id}/closure", response_model=ChangedOut,
             dependencies=[permit(policy.CLOSE)])
def close(project_id: UUID, body: NoteIn, request: Request, c: ContainerDep, actor: UserDep,
          version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version},
                    lambda: (200, c.projects.close(project_id, actor, body.note, version)))
