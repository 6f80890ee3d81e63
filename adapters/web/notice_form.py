"""The file-a-notice form: the API's own model (NoticeIn) validates it, the same service files it.

`/ui/notices/check` answers the form's live part: each field's message and the computed grade.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from adapters.http.deps import ContainerDep
from adapters.http.notices import CasualtiesIn, NoticeIn
from adapters.http.validation import messages_by_field
from adapters.web import i18n
from adapters.web.once import OnceDep
from adapters.web.render import refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor, InvalidValue
from domain.notice_rules import grade_for, required_agencies_for
from domain.vocabulary import CAUSES
from services.policies import notices as policy
from services.requests import create_once

router = APIRouter(prefix="/ui/notices", include_in_schema=False)
FIELDS = ("employer.name", "employer.credit_code", "employer.industry", "employer.risk_class",
          "district", "occurred_at", "location", "cause", "summary", "deaths",
          "serious_injuries", "missing", "direct_loss_cny", "measures_taken")


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def local_time(value: str) -> str:
    """A datetime-local value ("2026-03-02T09:00") is Beijing time; an offset given is kept."""
    value = value.strip()
    if not value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # the model names the problem
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=i18n.TZ)).isoformat()


INTEGERS = ("employer.risk_class", "deaths", "serious_injuries", "missing")


def typed(name: str, value: str) -> Any:
    """A form sends text: a whole number typed into a count field is the integer the API
    takes as JSON; anything else stays text, for the model to name the problem."""
    if name.split(".")[-1] in {n.split(".")[-1] for n in INTEGERS}:
        digits = value.strip()
        if re.fullmatch(r"-?[0-9]+", digits):
            return int(digits)
    return value


def body_of(form: dict[str, str]) -> dict[str, Any]:
    """The API's JSON body from the form's fields (the same names, dotted for the employer)."""
    body: dict[str, Any] = {"employer": {}}
    for name in FIELDS:
        value = typed(name, form.get(name, ""))
        if name.startswith("employer."):
            body["employer"][name.split(".", 1)[1]] = value
        else:
            body[name] = local_time(value) if name == "occurred_at" else value
    return body


def validate(body: dict[str, Any], lang: str) -> tuple[NoticeIn | None, dict[str, str]]:
    try:
        return NoticeIn.model_validate(body), {}
    except ValidationError as e:
        return None, messages_by_field(e.errors(), lang, local=frozenset({"occurred_at"}))


def preview(body: dict[str, Any]) -> dict[str, Any]:
    """The grade and routing the domain gives these figures (None while they are invalid)."""
    try:
        figures = CasualtiesIn.model_validate(  # a figure not typed yet counts as 0 here
            {k: body.get(k) or 0 for k in ("deaths", "serious_injuries", "missing",
                                              "direct_loss_cny")})
    except ValidationError:
        return {"grade": None, "required": []}
    grade = grade_for(figures.deaths, figures.serious_injuries, figures.direct_loss_cny)
    cause = body.get("cause") if body.get("cause") in CAUSES else "other"
    return {"grade": grade,
            "required": required_agencies_for(grade, str(cause), figures.serious_injuries)}


def file(c: ContainerDep, actor: Actor, body: NoticeIn, key: str) -> str:
    """The API's filing: same service, and the same retry-safe id for a re-sent form."""
    e = body.employer

    def create(notice_id: UUID | None) -> str:
        return str(c.notices.file(
            actor, Employer(e.name, e.credit_code, e.industry, e.risk_class),
            Incident(body.district, body.occurred_at, body.location, body.summary, body.cause,
                     body.measures_taken),
            Casualties(body.deaths, body.serious_injuries, body.missing, body.direct_loss_cny),
            notice_id=notice_id)["id"])

    # the same form sent twice: filed once
    return create_once("notice", f"{actor.id}:web-{key}" if key else None, create,
                       c.notices.exists, str)


def _form_page(request: Request, c: ContainerDep, actor: Actor, values: dict[str, str],
               errors: dict[str, str], status: int = 200) -> Response:
    now = c.clock().astimezone(i18n.TZ).strftime("%Y-%m-%dT%H:%M")
    return render(request, "notice_form.html", actor, status=status, values=values,
                  errors=errors, causes=CAUSES, now=now, key=values.get("key") or
                  secrets.token_urlsafe(16), preview=preview(body_of(values)))


@router.get("/new", response_class=HTMLResponse)
def new_notice(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    if (page := refused(request, actor, policy.FILE)) is not None:
        return page
    return _form_page(request, c, actor, {"missing": "0", "deaths": "0", "serious_injuries": "0"},
                      {})


@router.post("/new", response_class=HTMLResponse)
def submit_notice(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep,
                  once: OnceDep) -> Response:
    if (page := refused(request, actor, policy.FILE)) is not None:
        return page
    body, errors = validate(body_of(form), lang_of(request))
    if body is not None:
        try:
            notice_id = once(lambda: file(c, actor, body, form.get("key", "")))
        except InvalidValue as e:
            errors = {e.field or "body": e.text(lang_of(request))}
        else:
            c.index.catch_up()
            return RedirectResponse(f"/ui/notices/{notice_id}?done=filed", status_code=303)
    return _form_page(request, c, actor, form, errors, status=422)


@router.post("/check")
def check(request: Request, form: FormDep, actor: WebUserDep) -> JSONResponse:
    """Each field's message (the API's wording) and the computed grade, for the live form."""
    lang = lang_of(request)
    values = body_of(form)
    _, errors = validate(values, lang)
    p = preview(values)
    return JSONResponse({
        "errors": errors,
        "grade": p["grade"],
        "grade_label": i18n.translate(lang, p["grade"]) if p["grade"] else "—",
        "required": [i18n.translate(lang, a) for a in p["required"]],
    })
