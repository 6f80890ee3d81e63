"""/api/v1/accident-notices: filing, acknowledgement, revision (补报), closure, withdrawal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from adapters.http.deps import ContainerDep, IdempotencyDep, UserDep, VersionDep, permit
from adapters.http.schemas import Agency, Cause, CreditCode, Grade, NoticeStatus, Strict
from domain.accident_notice import Casualties, Employer, Incident
from services.application import ConcurrentWrite
from services.notice_summary import pending
from services.policies import notices as policy

router = APIRouter(prefix="/api/v1/accident-notices", tags=["accident notices 工伤事故通报"])

Text = Annotated[str, Field(min_length=1, max_length=4000)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class EmployerIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: CreditCode
    industry: Annotated[str, Field(min_length=1, max_length=200)]
    risk_class: Annotated[int, Field(ge=1, le=8, description="工伤保险行业风险类别 1-8")]

class CasualtiesIn(Strict):
    deaths: Count
    serious_injuries: Annotated[int, Field(ge=0, le=100_000, description="重伤, incl. acute poisoning")]
    missing: Count = 0
    direct_loss_cny: Money


def _not_future(v: datetime) -> datetime:
    if v > datetime.now(UTC):
        raise ValueError("must not be in the future")
    return v


class NoticeIn(CasualtiesIn):
    employer: EmployerIn
    district: Annotated[str, Field(min_length=1, max_length=100)]
    occurred_at: AwareDatetime
    location: Annotated[str, Field(min_length=1, max_length=500)]
    summary: Text
    cause: Cause
    measures_taken: Annotated[str, Field(max_length=4000)] = ""

    _future = field_validator("occurred_at")(_not_future)


class RevisionIn(CasualtiesIn):
    reason: Text


class ReasonIn(Strict):
    reason: Text


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


class PersonOut(BaseModel):
    id: str
    name: str
    agency: str | None = None


class NoticeOut(BaseModel):
    id: UUID
    version: int
    status: NoticeStatus
    grade: Grade
    employer: EmployerIn
    district: str
    occurred_at: datetime
    location: str
    summary: str
    cause: str
    deaths: int
    serious_injuries: int
    missing: int
    direct_loss_cny: Decimal
    measures_taken: str
    filed_at: datetime
    filed_by: PersonOut
    required_agencies: list[Agency]
    deadlines: dict[str, datetime]
    pending_agencies: list[Agency]
    acknowledgement_round: int
    acknowledgements: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    revision_deadline: datetime
    closure: dict[str, Any] | None


class SummaryOut(BaseModel):
    id: UUID
    version: int
    status: str
    grade: Grade
    employer_name: str
    district: str
    cause: str
    occurred_at: datetime
    filed_at: datetime
    pending_agencies: list[str]
    deadlines: dict[str, datetime]


class PageOut(BaseModel):
    items: list[SummaryOut]
    total: int
    offset: int
    limit: int


def _casualties(body: CasualtiesIn) -> Casualties:
    return Casualties(body.deaths, body.serious_injuries, body.missing, body.direct_loss_cny)


@router.post("", status_code=201, response_model=FiledOut, dependencies=[permit(policy.FILE)])
def file_notice(body: NoticeIn, request: Request, c: ContainerDep, actor: UserDep,
                idem: IdempotencyDep) -> Any:
    key = idem.scoped_key()
    # A retried create after a crash maps to the same aggregate id: never filed twice.
    notice_id = uuid5(NAMESPACE_URL, f"linkage:notice:{key}") if key else None

    def act() -> tuple[int, Any]:
        e = body.employer
        try:
            result = c.notices.file(
                actor, Employer(e.name, e.credit_code, e.industry, e.risk_class),
                Incident(body.district, body.occurred_at, body.location, body.summary,
                         body.cause, body.measures_taken),
                _casualties(body), notice_id=notice_id,
            )
        except ConcurrentWrite:
            if notice_id is None or not c.notices.exists(notice_id):
                raise
            n = c.notices.get(notice_id)  # filed by the first try, whose answer was lost
            result = {k: n[k] for k in ("id", "version", "grade", "required_agencies",
                                        "deadlines")}
        return 201, result

    return idem.run(request, body.model_dump(mode="json"), act)


@router.get("/{notice_id}", response_model=NoticeOut)
def get_notice(notice_id: UUID, c: ContainerDep, actor: UserDep) -> Any:
    return c.notices.get(notice_id)


@router.get("", response_model=PageOut)
def list_notices(
    c: ContainerDep, actor: UserDep,
    status: NoticeStatus | None = None,
    grade: Grade | None = None,
    pending_for: Agency | None = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    c.index.catch_up()
    with c.index.consumer.store.transaction() as tx:
        rows = [s for _, s in tx.scan("notices")]
    rows = [s for s in rows
            if (status is None or s["status"] == status)
            and (grade is None or s["grade"] == grade)
            and (pending_for is None or pending_for in pending(s))
            and (district is None or s["district"] == district)]
    rows.sort(key=lambda s: s["filed_at"], reverse=True)
    page = rows[offset:offset + limit]
    return {"total": len(rows), "offset": offset, "limit": limit, "items": [
        {"id": s["id"], "version": s["version"], "status": s["status"], "grade": s["grade"],
         "employer_name": s["employer"]["name"], "district": s["district"], "cause": s["cause"],
         "occurred_at": s["occurred_at"], "filed_at": s["filed_at"],
         "pending_agencies": pending(s), "deadlines": s["deadlines"]} for s in page]}


@router.post("/{notice_id}/acknowledgements", response_model=VersionOut,
             dependencies=[permit(policy.ACKNOWLEDGE)])
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
             dependencies=[permit(policy.WITHDRAW)])
def withdraw(notice_id: UUID, body: ReasonIn, request: Request, c: ContainerDep, actor: UserDep,
             version: VersionDep, idem: IdempotencyDep) -> Any:

    def act() -> tuple[int, Any]:
        return 200, {"id": str(notice_id),
                     "version": c.notices.withdraw(notice_id, actor, body.reason, version)}

    return idem.run(request, {"body": body.model_dump(mode="json"), "version": version}, act)

