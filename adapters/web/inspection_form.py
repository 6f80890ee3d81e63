"""Scheduling a joint inspection: from safety's proposal or from scratch, chosen by hand from the
registers or drawn at random (双随机) with the seed recorded — validated by the API's ScheduleIn
and scheduled by the same service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from adapters.http.deps import ContainerDep
from adapters.http.inspection_models import ScheduleIn
from adapters.http.inspections import from_proposal
from adapters.web import catalogue_notices, i18n
from adapters.web.inspections import parse
from adapters.web.once import OnceDep
from adapters.web.render import problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, beijing_date
from domain.vocabulary import AGENCIES
from services.agencies.safety import proposal as find_proposal
from services.policies import inspections as policy

assert catalogue_notices
router = APIRouter(prefix="/ui/inspections", include_in_schema=False)


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def _lines(text: str, parts: int) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.strip():
            cells = [p.strip() for p in line.replace("，", ",").split(",", parts - 1)]
            if len(cells) < parts and parts == 2:
                cells = line.strip().split(None, 1)
            rows.append(cells + [""] * (parts - len(cells)))
    return rows


def body_of(form: FormData, inspectors: list[dict[str, str]],
            employers: list[dict[str, str]]) -> dict[str, Any]:
    """The API's JSON body from the form: register picks plus typed lines, or a draw."""
    v = {k: x for k, x in form.multi_items() if isinstance(x, str)}
    body: dict[str, Any] = {
        "theme": v.get("theme", ""), "starts_on": v.get("starts_on", ""),
        "ends_on": v.get("ends_on", ""), "lead_agency": v.get("lead_agency", ""),
        "agencies": [a for a in form.getlist("agencies") if isinstance(a, str)],
    }
    if v.get("proposal_id"):
        body["proposal_id"] = v["proposal_id"]
    if v.get("mode") == "draw":
        body["draw"] = {"targets": v.get("draw.targets", ""),
                        "inspectors": v.get("draw.inspectors", ""),
                        "seed": v.get("draw.seed", "").strip() or None}
        return body
    picked = set(form.getlist("inspector"))
    body["inspectors"] = [p for p in inspectors if p["id"] in picked] + [
        {"id": i, "name": n, "agency": a} for i, n, a in _lines(v.get("inspectors_text", ""), 3)]
    chosen = set(form.getlist("target"))
    body["targets"] = [{"credit_code": e["credit_code"], "name": e["name"]}
                       for e in employers if e["credit_code"] in chosen] + [
        {"credit_code": code, "name": name} for code, name in _lines(v.get("targets_text", ""), 2)]
    return body


def _form(request: Request, c: ContainerDep, actor: Actor, values: dict[str, Any],
          errors: dict[str, str], status: int = 200) -> Response:
    prop = None
    if values.get("proposal_id"):
        with c.store("safety").transaction() as tx:
            prop = find_proposal(tx, values["proposal_id"])
    today = beijing_date(c.clock()).isoformat()
    return render(request, "inspection_form.html", actor, status=status, v=values,
                  errors=errors, agencies=AGENCIES, proposal=prop, today=today,
                  inspectors=c.registers.contents("inspectors"),
                  employers=c.registers.contents("employers"))


@router.get("/new", response_class=HTMLResponse)
def new_inspection(request: Request, c: ContainerDep, actor: WebUserDep,
                   proposal: str = "") -> Response:
    if (page := refused(request, actor, policy.SCHEDULE)) is not None:
        return page  # the form only for those who may schedule (the POST checks it again)
    today = beijing_date(c.clock()).isoformat()
    values: dict[str, Any] = {"starts_on": today, "ends_on": today, "lead_agency": actor.agency,
                              "agencies": [actor.agency], "mode": "manual", "proposal_id": proposal}
    if proposal:  # a theme suggested from the proposal's employer (the clerk may change it)
        with c.store("safety").transaction(write=False) as tx:
            prop = find_proposal(tx, proposal)
        if prop is not None:
            values["theme"] = i18n.translate(lang_of(request), "joint_theme",
                                             name=prop["employer"]["name"])
    return _form(request, c, actor, values, {})


@router.post("/new", response_class=HTMLResponse)
def schedule(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep,
             once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.SCHEDULE)) is not None:
        return page
    registers = c.registers.contents("inspectors"), c.registers.contents("employers")
    raw = body_of(form, *registers)
    values = {**{k: x for k, x in form.multi_items() if isinstance(x, str)},
              "agencies": raw["agencies"], "inspector": form.getlist("inspector"),
              "target": form.getlist("target")}
    body, errors = parse(ScheduleIn, raw, lang_of(request))
    if body is None:
        return _form(request, c, actor, values, errors, status=422)
    try:
        notice_id, default_targets = from_proposal(c, body)  # the API's own proposal check
        result = once(lambda: c.inspections.schedule(
            actor, theme=body.theme, starts_on=body.starts_on, ends_on=body.ends_on,
            lead_agency=body.lead_agency, agencies=list(body.agencies),
            inspectors=[p.model_dump() for p in body.inspectors],
            targets=[t.model_dump() for t in body.targets] or default_targets,
            notice_id=notice_id, proposal_id=body.proposal_id,
            draw=body.draw.model_dump() if body.draw else None))
    except Exception as e:
        found = problem(e, lang_of(request))
        if found is None:
            raise
        return _form(request, c, actor, values, {found[2] or "body": found[1]}, status=found[0])
    return RedirectResponse(f"/ui/inspections/{result['id']}?done=scheduled", status_code=303)
