"""Prevention-fee pages (工伤预防费): fund years with their cap (hrss opens them and raises the
ratio), the projects list and the proposal form — validated by the API's request models and
carried out by the same services, offered by the same policy rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from adapters.http.deps import ContainerDep
from adapters.http.prevention import FundYearIn, ProjectIn, RatioIn
from adapters.web import i18n, prevention_text
from adapters.web.inspection_form import FormDep
from adapters.web.inspections import parse
from adapters.web.once import OnceDep
from adapters.web.render import NAV, problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError
from domain.prevention_project import PLANNED_MEASURES, REQUIRED_PLANNED
from domain.vocabulary import PROJECT_CATEGORIES, PROJECT_STATUSES
from services.application import NotFound
from services.policies import prevention as policy
from services.prevention import listing
from services.requests import create_once

assert prevention_text
router = APIRouter(prefix="/ui", include_in_schema=False)
NAV.append(("/ui/prevention", "prevention", None, ("hrss", "finance")))
# The planned figures each category's form asks for: its required ones, and a caravan's audience.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    c: REQUIRED_PLANNED[c] + (("audience",) if c == "publicity" else ()) for c in PROJECT_CATEGORIES}


def fund_years(c: ContainerDep) -> list[dict[str, Any]]:
    """Every open fund year, newest first, with its cap figures from the fund year itself."""
    c.project_index.catch_up()
    with c.project_index.consumer.store.transaction() as tx:
        years = [d["year"] for d in listing(tx, "fund_years", [])]
    return [c.fund_years.get(y) for y in years]


def projects(c: ContainerDep, year: str, status: str) -> list[dict[str, Any]]:
    tags = ([f"year:{year}"] if year.isdigit() else []) + (
        [f"status:{status}"] if status in PROJECT_STATUSES else [])
    c.project_index.catch_up()
    with c.project_index.consumer.store.transaction() as tx:
        return listing(tx, "projects", tags)


def _list(request: Request, c: ContainerDep, actor: Actor, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200, done: str = "",
          year: str = "", state: str = "") -> Response:
    years = fund_years(c)
    today = c.clock().astimezone(i18n.TZ).year
    return render(request, "prevention.html", actor, status=status, years=years, done=done,
                  rows=projects(c, year, state), q={"year": year, "status": state},
                  statuses=PROJECT_STATUSES, errors=errors or {},
                  v=values or {"year": str(today), "cap_ratio_pct": "3"},
                  may_open=policy.OPEN_FUND_YEAR.allows(actor),
                  may_raise=policy.RAISE_RATIO.allows(actor),
                  may_propose=policy.PROPOSE.allows(actor))


@router.get("/prevention", response_class=HTMLResponse)
def prevention_page(request: Request, c: ContainerDep, actor: WebUserDep, done: str = "",
                    year: str = "", status: str = "") -> Response:
    return _list(request, c, actor, done=done, year=year, state=status)


def _failed(e: Exception, lang: str) -> tuple[int, dict[str, str]]:
    found = problem(e, lang)
    if found is None:
        raise e
    return found[0], {found[2] or "body": found[1]}


@router.post("/fund-years", response_class=HTMLResponse)
def open_fund_year(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep,
                   once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.OPEN_FUND_YEAR)) is not None:
        return page
    raw = {k: str(form.get(k, "")) for k in ("year", "previous_year_fund_income_cny",
                                             "cap_ratio_pct", "ratio_approval_ref")}
    body, errors = parse(FundYearIn, {k: v for k, v in raw.items() if v.strip()}, lang_of(request))
    status = 422
    if body is not None:
        try:
            once(lambda: c.fund_years.open(actor, body.year, body.previous_year_fund_income_cny,
                                           body.cap_ratio_pct, body.ratio_approval_ref))
            return RedirectResponse("/ui/prevention?done=fund_year", status_code=303)
        except DomainError as e:
            status, errors = _failed(e, lang_of(request))
    return _list(request, c, actor, errors, raw, status=status)


@router.post("/fund-years/{year}/ratio", response_class=HTMLResponse)
def raise_ratio(request: Request, year: str, form: FormDep, c: ContainerDep, actor: WebUserDep,
                once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.RAISE_RATIO)) is not None:
        return page
    if not year.isdigit():
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    raw = {k: str(form.get(k, "")) for k in ("cap_ratio_pct", "ratio_approval_ref")}
    body, errors = parse(RatioIn, raw, lang_of(request))
    status = 422
    if body is not None:
        try:
            once(lambda: c.fund_years.raise_ratio(actor, int(year), body.cap_ratio_pct,
                                                  body.ratio_approval_ref))
            return RedirectResponse("/ui/prevention?done=ratio", status_code=303)
        except DomainError as e:
            status, errors = _failed(e, lang_of(request))
    return _list(request, c, actor, errors, status=status)


def _form(request: Request, c: ContainerDep, actor: Actor, values: dict[str, Any],
          errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "project_form.html", actor, status=status, v=values, errors=errors,
                  years=fund_years(c), categories=PROJECT_CATEGORIES, fields=CATEGORY_FIELDS)


@router.get("/projects/new", response_class=HTMLResponse)
def new_project(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    if (page := refused(request, actor, policy.PROPOSE)) is not None:
        return page
    return _form(request, c, actor, {"category": "publicity"}, {})


def proposal_of(form: FormData) -> dict[str, Any]:
    """The API's JSON body from the form: the chosen category's own planned figures only."""
    f = {k: v.strip() for k, v in form.multi_items() if isinstance(v, str)}
    category = f.get("category", "")
    planned = {m: f.get(f"planned.{m}", "") for m in CATEGORY_FIELDS.get(category, ())}
    districts = [d.strip() for d in f.get("districts", "").replace("，", ",").replace("、", ",")
                 .split(",") if d.strip()]
    return {"fund_year": f.get("fund_year", ""), "category": category,
            "title": f.get("title", ""), "description": f.get("description", ""),
            "budget_cny": f.get("budget_cny", ""), "districts": districts,
            "planned": {k: v for k, v in planned.items() if v}}


@router.post("/projects/new", response_class=HTMLResponse)
def propose(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep,
            once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.PROPOSE)) is not None:
        return page
    values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    body, errors = parse(ProjectIn, proposal_of(form), lang_of(request))
    status = 422
    if body is not None:
        planned = {k: v for k, v in body.planned.model_dump().items()
                   if v is not None and k in PLANNED_MEASURES}

        def create(project_id: UUID | None) -> str:
            return str(c.projects.propose(
                actor, body.fund_year, body.category, body.title, body.budget_cny, planned,
                body.districts, body.description, project_id)["id"])

        try:
            pid = once(lambda: create_once("prevention-project", once.scoped, create,
                                           c.projects.exists, str))
            return RedirectResponse(f"/ui/projects/{pid}?done=proposed", status_code=303)
        except NotFound as e:  # the fund year is not open
            errors = {"fund_year": e.text(lang_of(request))}
        except DomainError as e:
            status, errors = _failed(e, lang_of(request))
    return _form(request, c, actor, values, errors, status=status)
