"""/api/v1/accident-notices: filing, acknowledgement, revision (补报), closure, withdrawal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator

from adapters.http.deps import ContainerDep, UserDep, guard, permit
from adapters.http.errors import problem
from adapters.http.schemas import (
    Agency,
    Cause,
    CreditCode,
    Grade,
    Money,
    NoticeStatus,
    Strict,
    Unfiltered,
    text_rule,
)
from adapters.http.writes import IdempotencyDep, VersionDep
from domain.accident_notice import Casualties, Employer, Incident
from domain.messages import Invalid
from domain.notice_rules import MULTILINE, TEXT_LIMITS
from domain.values import MAX_COUNT, time_problem
from services.notice_list import BadCursor, notice_page
from services.notice_view import NoticeView, SummaryView
from services.policies import notices as policy
from services.requests import create_once

router = APIRouter(prefix="/api/v1/accident-notices", tags=["accident notices 工伤事故通报"])


def _text_rule(field: str) -> AfterValidator:
    """The domain's text rule for this field (domain/values.py), so that a 422 names it."""

    return text_rule(TEXT_LIMITS[field], multiline=field in MULTILINE,
                     required=field != "measures_taken")


def _limit(field: str) -> Any:
    limit = TEXT_LIMITS[field]
    return Field(min_length=0 if field == "measures_taken" else 1, max_length=limit,
                 description=(
        f"at most {limit} characters; trimmed; no control characters"
        + (" (line breaks allowed)" if field in MULTILINE else "")))


Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT,
                             description=f"an integer, 0 to {MAX_COUNT}")]


class EmployerIn(Strict):
    name: Annotated[str, _limit("employer.name"), _text_rule("employer.name")]
    credit_code: CreditCode
    industry: Annotated[str, _limit("employer.industry"), _text_rule("employer.industry")]
    risk_class: Annotated[int, Field(strict=True, ge=1, le=8,
                                     description="工伤保险行业风险类别 1-8")]


class CasualtiesIn(Strict):
    deaths: Count
    serious_injuries: Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT,
                                           description="重伤, incl. acute poisoning")]
    missing: Count = 0
    direct_loss_cny: Money


def _not_future(v: datetime) -> datetime:
    problem = time_problem(v, datetime.now(UTC))  # no earlier than 1949-10-01, not future
    if problem:
        raise Invalid(problem)
    return v


class NoticeIn(CasualtiesIn):
    employer: EmployerIn
    district: Annotated[str, _limit("district"), _text_rule("district")]
    occurred_at: Annotated[AwareDatetime, Field(
        description="with a UTC offset; no earlier than 1949-10-01 (Beijing time), not in "
                    "the future")]
    location: Annotated[str, _limit("location"), _text_rule("location")]
    summary: Annotated[str, _limit("summary"), _text_rule("summary")]
    cause: Cause
    measures_taken: Annotated[str, _limit("measures_taken"), _text_rule("measures_taken")] = ""

    _future = field_validator("occurred_at")(_not_future)


class RevisionIn(CasualtiesIn):
    reason: Annotated[str, _limit("reason"), _text_rule("reason")]


class ReasonIn(Strict):
    reason: Annotated[str, _limit("reason"), _text_rule("reason")]


class FiledOut(BaseModel):
    id: UUID
    version: int
    grade: Grade
    required_agencies: list[Agency]
    deadlines: dict[str, datetime]


class VersionOut(BaseModel):
    id: UUID
    version: int


class RevisedOut(FiledOut):
    reopened: bool


class PageOut(BaseModel):
    items: list[SummaryView]
    total: int
    offset: int
    limit: int
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page")


def _casualties(body: CasualtiesIn) -> Casualties:
    return Casualties(body.deaths, body.serious_injuries, body.missing, body.direct_loss_cny)


@router.post("", status_code=201, response_model=FiledOut, dependencies=[permit(policy.FILE)])
def file_notice(body: NoticeIn, request: Request, c: ContainerDep, actor: UserDep,
                idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        e = body.employer

        def create(notice_id: UUID | None) -> dict[str, Any]:
            return c.notices.file(
                actor, Employer(e.name, e.credit_code, e.industry, e.risk_class),
                Incident(body.district, body.occurred_at, body.location, body.summary,
                         body.cause, body.measures_taken),
                _casualties(body), notice_id=notice_id,
            )

        def existing(notice_id: UUID) -> dict[str, Any]:
            n = c.notices.get(notice_id)  # filed by the first try, whose answer was lost
            return {k: n[k] for k in ("id", "version", "grade", "required_agencies", "deadlines")}

        return 201, create_once("notice", idem.scoped_key(), create, c.notices.exists, existing)

    return idem.run(request, body.model_dump(mode="json"), act)


@router.get("/{notice_id}", response_model=NoticeView)
def get_notice(notice_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.notices.get(notice_id)


@router.get("", response_model=PageOut)
def list_notices(
    c: ContainerDep, actor: UserDep,
    status: Annotated[NoticeStatus | None, Unfiltered] = None,
    grade: Annotated[Grade | None, Unfiltered] = None,
    pending_for: Annotated[Agency | None, Unfiltered] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    cause: Annotated[Cause | None, Unfiltered] = None,
    overdue: Annotated[bool, Query(
        description="only notices with an acknowledgement deadline passed")] = False,
    cursor: Annotated[str | None, Query(
        max_length=1000, description="`next_cursor` of the previous page")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """The most urgent first: the nearest deadline still owed (so overdue first), then the
    higher grade, then notices owing nothing; a page continues from `cursor`."""
    c.index.catch_up()
    with c.index.consumer.store.transaction(write=False) as tx:
        try:
            return notice_page(tx, status=status, grade=grade, pending_for=pending_for,
                               district=district, cause=cause,
                               overdue_at=c.clock() if overdue else None,
                               cursor=cursor, limit=limit, offset=offset)
        except BadCursor as e:
            raise problem(422, "bad_cursor", "cursor") from e


@router.post("/{notice_id}/acknowledgements", response_model=VersionOut,
             dependencies=[permit(policy.ACKNOWLEDGE), guard(
                 lambda c, actor, path: c.notices.authorize(path["notice_id"], actor,
                                                            "acknowledge"))])
def acknowledge(notice_id: UUID, request: Request, c: ContainerDep, actor: UserDep,
                version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        v = c.notices.acknowledge(notice_id, actor, version)
        return 200, {"id": str(notice_id), "version": v}

    return idem.run(request, {"version": version}, act)


@router.post("/{notice_id}/revisions", response_model=RevisedOut,
             dependencies=[permit(policy.REVISE)])
def revise(notice_id: UUID, body: RevisionIn, request: Request, c: ContainerDep,
           actor: UserDep, version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        return 200, c.notices.revise(notice_id, actor, _casualties(body), body.reason, version)

    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version}, act)


@router.post("/{notice_id}/closure", response_model=VersionOut,
             dependencies=[permit(policy.CLOSE)])
def close(notice_id: UUID, body: ReasonIn, request: Request, c: ContainerDep, actor: UserDep,
          version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        return 200, {"id": str(notice_id),
                     "version": c.notices.close(notice_id, actor, body.reason, version)}

    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version}, act)


@router.post("/{notice_id}/withdrawal", response_model=VersionOut,
             dependencies=[permit(policy.WITHDRAW), guard(
                 lambda c, actor, path: c.notices.authorize(path["notice_id"], actor,
                                                            "withdraw"))])
def withdraw(notice_id: UUID, body: ReasonIn, request: Request, c: ContainerDep, actor: UserDep,
             version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        return 200, {"id": str(notice_id),
                     "version": c.notices.withdraw(notice_id, actor, body.reason, version)}

    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version}, act)

