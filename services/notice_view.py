"""A notice's one output schema: the service's `view()`, the API's response model and the web
page all use NoticeView (and SummaryView for lists), so no layer maps a shape of its own."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from domain.accident_notice import AccidentNotice
from domain.notice_rules import may_close, revision_open
from domain.vocabulary import Agency, Cause, Grade, NoticeStatus
from services.envelope import jsonable_dict
from services.notice_summary import pending
from services.ports import Doc


class PersonView(BaseModel):
    id: str
    name: str
    agency: str | None = None


class EmployerView(BaseModel):
    name: str
    credit_code: str
    industry: str
    risk_class: int


class FiguresView(BaseModel):
    deaths: int
    serious_injuries: int
    missing: int
    direct_loss_cny: Decimal


class AgencyStateView(BaseModel):
    """One required agency in the current acknowledgement round."""

    agency: Agency
    state: Literal["acknowledged", "pending", "closed", "withdrawn"]
    deadline: datetime | None
    acknowledgement: dict[str, Any] | None
    escalated: bool
    overdue: bool


class StepView(BaseModel):
    """One step of the timeline, with the grade and figures as they were at that step."""

    kind: Literal["filed", "acknowledged", "escalated", "revised", "closed", "withdrawn"]
    at: datetime
    by: PersonView | None
    round: int
    grade: Grade
    figures: FiguresView
    note: str = ""
    agency: str | None = None
    late: bool | None = None
    previous_grade: Grade | None = None
    previous: FiguresView | None = None
    reopened: bool | None = None


class NoticeView(BaseModel):
    id: UUID
    version: int
    status: NoticeStatus
    grade: Grade
    employer: EmployerView
    district: str
    occurred_at: datetime
    location: str
    summary: str
    cause: Cause
    deaths: int
    serious_injuries: int
    missing: int
    direct_loss_cny: Decimal
    measures_taken: str
    filed_at: datetime
    filed_by: PersonView
    required_agencies: list[Agency]
    deadlines: dict[str, datetime]
    pending_agencies: list[Agency]
    acknowledgement_round: int
    acknowledgements: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    revision_deadline: datetime
    revision_open: bool
    closable: bool
    agency_states: list[AgencyStateView]
    steps: list[StepView]
    closure: dict[str, Any] | None


class SummaryView(BaseModel):
    """A notice in a list (from a read model's summary)."""

    id: UUID
    version: int
    status: NoticeStatus
    grade: Grade
    employer_name: str
    district: str
    cause: str
    occurred_at: datetime
    filed_at: datetime
    pending_agencies: list[str]
    deadlines: dict[str, datetime]


def agency_states(notice: AccidentNotice, now: datetime) -> list[dict[str, Any]]:
    pending_now = notice.pending_agencies()
    rows = []
    for agency in notice.required_agencies:
        ack = next((a for a in notice.acknowledgements
                    if a["agency"] == agency and a["round"] == notice.round), None)
        deadline = notice.deadlines.get(agency)
        state = "acknowledged" if ack else "pending" if agency in pending_now else notice.status
        rows.append({"agency": agency, "state": state, "deadline": deadline,
                     "acknowledgement": ack, "escalated": notice.escalated_in_round(agency),
                     "overdue": state == "pending" and deadline is not None and now > deadline})
    return rows


def view(notice: AccidentNotice, now: datetime) -> dict[str, Any]:
    """A notice as plain JSON-ready values, in NoticeView's shape."""
    c = notice.casualties
    pending_now = notice.pending_agencies()
    return jsonable_dict({
        "id": notice.id,
        "version": notice.version,
        "status": notice.status,
        "grade": notice.grade,
        "employer": {"name": notice.employer.name, "credit_code": notice.employer.credit_code,
                     "industry": notice.employer.industry,
                     "risk_class": notice.employer.risk_class},
        "district": notice.district,
        "occurred_at": notice.occurred_at,
        "location": notice.location,
        "summary": notice.summary,
        "cause": notice.cause,
        **c.figures(),
        "measures_taken": notice.measures_taken,
        "filed_at": notice.filed_at,
        "filed_by": notice.filed_by,
        "required_agencies": notice.required_agencies,
        "deadlines": notice.deadlines,
        "pending_agencies": pending_now,
        "acknowledgement_round": notice.round,
        "acknowledgements": notice.acknowledgements,
        "escalations": notice.escalations,
        "revisions": notice.revisions,
        "revision_deadline": notice.revision_deadline(),
        "revision_open": revision_open(notice.status, notice.occurred_at, notice.cause, now),
        "closable": may_close(notice.status, pending_now),
        "agency_states": agency_states(notice, now),
        "steps": notice.steps,
        "closure": notice.closure,
    })


def summary_view(s: Doc) -> dict[str, Any]:
    """A read model's summary (services/notice_summary.py) in SummaryView's shape."""
    return {"id": s["id"], "version": s["version"], "status": s["status"], "grade": s["grade"],
            "employer_name": s["employer"]["name"], "district": s["district"],
            "cause": s["cause"], "occurred_at": s["occurred_at"], "filed_at": s["filed_at"],
            "pending_agencies": pending(s), "deadlines": s["deadlines"]}
