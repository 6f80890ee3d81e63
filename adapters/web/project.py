"""A prevention project's page: its plan against what was achieved, the decision, milestones,
disbursements and assessment; each next step a form offered only to the users the policy rule
allows and only in the project's state, with the cap or budget left said where a step is refused.
Forms go through the API's request models and the same service."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from adapters.http.deps import ContainerDep
from adapters.http.prevention import ConclusionIn, DisbursementIn, MilestoneIn, NoteIn, ReasonIn
from adapters.web import prevention_text
from adapters.web.inspection_form import FormDep
from adapters.web.inspections import parse
from adapters.web.once import OnceDep, WebOnce
from adapters.web.render import error_page, problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError
from domain.prevention_project import ACHIEVED_MEASURES, PLANNED_VS_ACHIEVED
from services.policies import Rule
from services.policies import prevention as policy
from services.requests import once_id

assert prevention_text
router = APIRouter(prefix="/ui/projects", include_in_schema=False)


def achieved_fields(p: dict[str, Any]) -> list[str]:
    """The figures a milestone reports: those answering the plan (a caravan's materials too);
    every measure for a project that planned none."""
    names = [PLANNED_VS_ACHIEVED[m] for m in p["planned"]]
    if p["category"] == "publicity":
        names.append("materials_handed_out")
    return [m for m in ACHIEVED_MEASURES if m in names] or list(ACHIEVED_MEASURES)


def offers(p: dict[str, Any], fy: dict[str, Any] | None, actor: Actor) -> dict[str, Any]:
    """What the page offers this user now, and why a step a user would expect is refused."""
    status = p["status"]
    budget = Decimal(p["budget_cny"])
    left = budget - Decimal(p["paid_cny"]) - Decimal(p["requested_unpaid_cny"])
    remaining = Decimal(fy["remaining_cny"]) if fy else Decimal(0)
    o: dict[str, Any] = {
        "decide": status == "proposed" and policy.APPROVE.allows(actor),
        "reject": status == "proposed" and policy.REJECT.allows(actor),
        "cap_ok": budget <= remaining, "remaining_cny": remaining, "budget_cny": budget,
        "budget_left_cny": left,
        "milestone": status == "approved" and policy.REPORT_MILESTONE.allows(actor),
        "request": status == "approved" and policy.REQUEST_DISBURSEMENT.allows(actor),
        "pay": status in ("approved", "assessed") and policy.PAY.allows(actor),
        "assess": status == "approved" and policy.ASSESS.allows(actor),
        "close": status == "assessed" and policy.CLOSE.allows(actor),
        "unpaid_cny": Decimal(p["requested_unpaid_cny"]),
    }
    o["waiting"] = ("awaits_finance" if status == "proposed" and not o["decide"] else
                    "awaits_hrss" if status in ("approved", "assessed") and not (
                        o["milestone"] or o["close"] or o["pay"]) else "")
    return o


def show(request: Request, c: ContainerDep, actor: Actor, project_id: str,
         errors: dict[str, str] | None = None, done: str = "", status: int = 200) -> Response:
    try:
        p = c.projects.get(UUID(project_id))
    except ValueError:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    except DomainError as e:
        return error_page(request, actor, e)
    try:
        fy: dict[str, Any] | None = c.fund_years.get(p["fund_year"])
    except DomainError:
        fy = None
    return render(request, "project.html", actor, status=status, p=p, fy=fy, done=done,
                  errors=errors or {}, o=offers(p, fy, actor), achieved=achieved_fields(p))


@router.get("/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: str, c: ContainerDep, actor: WebUserDep,
                 done: str = "") -> Response:
    return show(request, c, actor, project_id, done=done)


def _version(form: FormData) -> int | None:
    v = str(form.get("version", ""))
    return int(v) if v.isdigit() else None


def step(request: Request, c: ContainerDep, actor: Actor, project_id: str, name: str, rule: Rule,
         model: type[BaseModel] | None, data: dict[str, Any], once: WebOnce,
         command: Callable[[UUID, Any], Any]) -> Response:
    """Refused before the form is read unless the rule allows; then the API's model, then the
    service's command once; the page again with the message when either refuses."""
    if (page := refused(request, actor, rule)) is not None:
        return page
    body: Any = None
    if model is not None:
        body, errors = parse(model, data, lang_of(request))
        if errors:
            return show(request, c, actor, project_id, errors, status=422)
    try:
        pid = UUID(project_id)
        once(lambda: command(pid, body))
    except ValueError:  # not a project id: no such page
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    except DomainError as e:
        found = problem(e, lang_of(request))
        if found is None:
            raise
        return show(request, c, actor, project_id, {found[2] or f"step.{name}": found[1]},
                    status=found[0])
    return RedirectResponse(f"/ui/projects/{project_id}?done={name}", status_code=303)


def _text(form: FormData, *names: str) -> dict[str, str]:
    return {n: str(form.get(n, "")) for n in names}


@router.post("/{project_id}/approval", response_class=HTMLResponse)
def approve(request: Request, project_id: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
            once: OnceDep) -> Response:
    return step(request, c, actor, project_id, "approval", policy.APPROVE, None, {}, once,
                lambda pid, _: c.projects.approve(pid, actor, _version(form)))


@router.post("/{project_id}/rejection", response_class=HTMLResponse)
def reject(request: Request, project_id: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
           once: OnceDep) -> Response:
    return step(request, c, actor, project_id, "rejection", policy.REJECT, ReasonIn,
                _text(form, "reason"), once,
                lambda pid, b: c.projects.reject(pid, actor, b.reason, _version(form)))


@router.post("/{project_id}/milestones", response_class=HTMLResponse)
def milestone(request: Request, project_id: str, form: FormDep, c: ContainerDep,
              actor: WebUserDep, once: OnceDep) -> Response:
    figures = {m: str(form.get(f"achieved.{m}", "")).strip() for m in ACHIEVED_MEASURES}
    data = {"achieved": {k: v for k, v in figures.items() if v}, "note": str(form.get("note", ""))}

    def command(pid: UUID, b: Any) -> Any:
        achieved = {k: v for k, v in b.achieved.model_dump().items() if v is not None}
        return c.projects.report_milestone(pid, actor, achieved, b.note, _version(form))

    return step(request, c, actor, project_id, "milestone", policy.REPORT_MILESTONE, MilestoneIn,
                data, once, command)


@router.post("/{project_id}/disbursements", response_class=HTMLResponse)
def request_disbursement(request: Request, project_id: str, form: FormDep, c: ContainerDep,
                         actor: WebUserDep, once: OnceDep) -> Response:
    new_id = once_id("disbursement", once.scoped)
    return step(request, c, actor, project_id, "disbursement", policy.REQUEST_DISBURSEMENT,
                DisbursementIn, _text(form, "amount_cny", "purpose"), once,
                lambda pid, b: c.projects.request_disbursement(
                    pid, actor, b.amount_cny, b.purpose, _version(form),
                    new_id.hex if new_id else None))


@router.post("/{project_id}/disbursements/{disbursement_id}/payment", response_class=HTMLResponse)
def pay(request: Request, project_id: str, disbursement_id: str, form: FormDep, c: ContainerDep,
        actor: WebUserDep, once: OnceDep) -> Response:
    return step(request, c, actor, project_id, "payment", policy.PAY, None, {}, once,
                lambda pid, _: c.projects.pay(pid, disbursement_id, actor, _version(form)))


@router.post("/{project_id}/assessment", response_class=HTMLResponse)
def assess(request: Request, project_id: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
           once: OnceDep) -> Response:
    return step(request, c, actor, project_id, "assessment", policy.ASSESS, ConclusionIn,
                _text(form, "conclusion"), once,
                lambda pid, b: c.projects.assess(pid, actor, b.conclusion, _version(form)))


@router.post("/{project_id}/closure", response_class=HTMLResponse)
def close(request: Request, project_id: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
          once: OnceDep) -> Response:
    return step(request, c, actor, project_id, "closure", policy.CLOSE, NoteIn,
                _text(form, "note"), once,
                lambda pid, b: c.projects.close(pid, actor, b.note, _version(form)))
