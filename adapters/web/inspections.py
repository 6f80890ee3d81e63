"""Inspector pages: the calendar (week and month) with inspectors per day, an inspection's page
with its lifecycle steps (findings, rectification deadlines, re-inspections), overdue
rectifications highlighted. Steps go through the API's request models and the same service."""

from __future__ import annotations

import calendar as cal
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from adapters.http.deps import ContainerDep
from adapters.http.inspection_models import (
    CompletionIn,
    FindingIn,
    ReasonIn,
    RectificationIn,
    ReinspectionIn,
    SpotClosureIn,
)
from adapters.http.validation import messages_by_field
from adapters.web import catalogue_work, i18n
from adapters.web.once import OnceDep
from adapters.web.render import NAV, error_page, forbidden, problem, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError, beijing_date
from domain.joint_inspection import ON_THE_SPOT
from domain.messages import render as render_message
from domain.vocabulary import FINDING_SEVERITIES
from services.agencies.safety import PROPOSALS
from services.policies import inspections as policy
from services.policies.agencies import may_read

assert catalogue_work
router = APIRouter(prefix="/ui/inspections", include_in_schema=False)
NAV.append(("/ui/inspections", "inspections", ("inspector", "admin", "auditor"), None))


def window(view: str, day: date) -> tuple[date, date, list[list[date]]]:
    """The weeks (Monday first) the calendar shows for a week or a month around `day`."""
    if view == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6), [[first + timedelta(days=i) for i in range(7)]]
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
    return weeks[0][0], weeks[-1][-1], weeks


def all_inspections(c: ContainerDep) -> list[dict[str, Any]]:
    c.inspection_index.catch_up()
    with c.inspection_index.consumer.store.transaction() as tx:
        return [d for _, d in tx.scan("inspections")]


def overdue_findings(c: ContainerDep, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if row["findings"] and row["status"] != "cancelled":
            insp = c.inspections.get(UUID(row["id"]))
            out += [{**f, "inspection": insp} for f in insp["findings"] if f["overdue"]]
    return sorted(out, key=lambda f: f["rectification_deadline"])


@router.get("", response_class=HTMLResponse)
def calendar_page(request: Request, c: ContainerDep, actor: WebUserDep, view: str = "month",
                  day: str = "") -> Response:
    view = "week" if view == "week" else "month"
    today = beijing_date(c.clock())
    try:
        shown = date.fromisoformat(day) if day else today
    except ValueError:
        shown = today
    first, last, weeks = window(view, shown)
    rows = all_inspections(c)
    visible = [c.inspections.get(UUID(r["id"])) for r in rows
               if r["starts_on"] <= last.isoformat() and r["ends_on"] >= first.isoformat()]
    late = overdue_findings(c, rows)
    late_ids = {f["inspection"]["id"] for f in late}
    by_day: dict[date, list[dict[str, Any]]] = {d: [] for week in weeks for d in week}
    for insp in sorted(visible, key=lambda i: (i["starts_on"], i["theme"])):
        insp["late"] = insp["id"] in late_ids
        for d in by_day:
            if insp["starts_on"] <= d.isoformat() <= insp["ends_on"]:
                by_day[d].append(insp)
    step = timedelta(days=7) if view == "week" else timedelta(days=31)
    anchor = shown if view == "week" else shown.replace(day=15)
    proposals: list[dict[str, Any]] = []
    if may_read(actor, "safety"):
        with c.store("safety").transaction() as tx:
            proposals = [d for _, d in tx.scan(PROPOSALS) if d["status"] == "proposed"]
    return render(request, "inspections.html", actor, view=view, shown=shown, today=today,
                  weeks=weeks, by_day=by_day, first=first, last=last, late=late,
                  prev=(anchor - step).isoformat(), next=(anchor + step).isoformat(),
                  proposals=proposals, may_schedule=policy.SCHEDULE.allows(actor))


def _page(request: Request, c: ContainerDep, actor: Actor, inspection_id: str,
          errors: dict[str, str] | None = None, done: str = "", status: int = 200) -> Response:
    try:
        insp = c.inspections.get(UUID(inspection_id))
        draw = c.inspections.verify_draw(UUID(inspection_id)) if insp["drawn"] else None
    except (DomainError, ValueError) as e:
        if isinstance(e, ValueError):
            return render(request, "error.html", actor, status=404, message=None, status_code=404)
        return error_page(request, actor, e)
    names = {t["credit_code"]: t["name"] for t in insp["targets"]}
    booked = policy.START.allows(actor) and c.inspections.is_booked(UUID(inspection_id), actor)
    now = c.clock().astimezone(i18n.TZ) + timedelta(days=7)
    return render(request, "inspection.html", actor, status=status, i=insp, draw=draw,
                  names=names, errors=errors or {}, done=done, may_act=booked,
                  not_booked=policy.START.allows(actor) and not booked,
                  severities=FINDING_SEVERITIES, spot=ON_THE_SPOT,
                  default_deadline=now.strftime("%Y-%m-%dT%H:%M"))


@router.get("/{inspection_id}", response_class=HTMLResponse)
def inspection_page(request: Request, inspection_id: str, c: ContainerDep, actor: WebUserDep,
                    done: str = "") -> Response:
    return _page(request, c, actor, inspection_id, done=done)


async def form_multi(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_multi)]


def parse(model: type[BaseModel], data: dict[str, Any], lang: str) -> tuple[Any, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as e:
        return None, messages_by_field(e.errors(), lang, local=frozenset({"deadline"}))


STEPS: dict[str, type[BaseModel] | None] = {
    "start": None, "finding": FindingIn, "rectification": RectificationIn,
    "reinspection": ReinspectionIn, "completion": CompletionIn, "cancellation": ReasonIn,
    "spot_closure": SpotClosureIn,
}


def _data(step: str, form: dict[str, str]) -> dict[str, Any]:
    if step == "finding":
        return {k: form.get(k, "") for k in ("employer_credit_code", "hazard", "severity",
                                             "legal_basis")}
    if step == "rectification":
        return {"deadline": i18n.parse_local(form.get("deadline")) or form.get("deadline", "")}
    if step == "reinspection":
        return {"rectified": form.get("rectified", ""), "note": form.get("note", "")}
    if step == "completion":
        return {"summary": form.get("summary", "")}
    if step == "spot_closure":
        return {"note": form.get("note", "")}
    return {"reason": form.get("reason", "")} if step == "cancellation" else {}


@router.post("/{inspection_id}/{step}", response_class=HTMLResponse)
def act(request: Request, inspection_id: str, step: str, form: FormDep, c: ContainerDep,
        actor: WebUserDep, once: OnceDep) -> Response:
    if step not in STEPS:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    if not policy.STEPS[step].allows(actor):
        return forbidden(request, actor)
    model = STEPS[step]
    body: Any = None
    errors: dict[str, str] = {}
    if model is not None:
        body, errors = parse(model, _data(step, form), lang_of(request))
    if errors:
        return _page(request, c, actor, inspection_id, {f"{step}.{k}": v for k, v in errors.items()},
                     status=422)
    try:
        iid = UUID(inspection_id)
        no = int(form.get("finding_no", "0") or 0)
        s = c.inspections

        def command() -> Any:
            if step == "start":
                return s.start(iid, actor)
            if step == "finding":
                return s.record_finding(iid, actor, **body.model_dump())
            if step == "rectification":
                return s.order_rectification(iid, actor, no, body.deadline)
            if step == "reinspection":
                return s.reinspect(iid, actor, no, body.rectified, body.note)
            if step == "spot_closure":
                return s.close_on_spot(iid, actor, no, body.note)
            if step == "completion":
                return s.complete(iid, actor, body.summary)
            return s.cancel(iid, actor, body.reason)

        once(command)
    except (DomainError, ValueError) as e:
        lang = lang_of(request)
        found = (problem(e, lang) if isinstance(e, DomainError)
                 else (404, render_message("http_not_found", lang), None))
        if found is None:
            raise
        return _page(request, c, actor, inspection_id,
                     {f"{step}.{found[2] or 'body'}": found[1]}, status=found[0])
    return RedirectResponse(f"/ui/inspections/{inspection_id}?done={step}", status_code=303)
