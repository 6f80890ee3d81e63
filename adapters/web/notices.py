"""Liaison pages: my agency's queue, one-click acknowledgement, the notice list and a notice's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from adapters.http.deps import ContainerDep
from adapters.http.errors import field_name
from adapters.http.notices import RevisionIn
from adapters.web.notice_form import FormDep
from adapters.web.render import error_page, problem, refused, render
from adapters.web.session import WebUserDep
from domain.accident_notice import Casualties
from domain.common import Actor, DomainError
from services.notice_summary import pending
from services.policies import notices as policy
from services.projections import queue

router = APIRouter(prefix="/ui", include_in_schema=False)


def _overdue(deadline: str | None, now: datetime) -> bool:
    return deadline is not None and datetime.fromisoformat(deadline) < now


@router.get("/queue", response_class=HTMLResponse)
def my_queue(request: Request, c: ContainerDep, actor: WebUserDep, done: str = "") -> Response:
    feeder = c.agency_feeders.get(actor.agency)
    if feeder is not None:  # embedded default: show what was just committed, not 0.2 s later
        feeder.catch_up()
    with c.store(actor.agency).transaction() as tx:
        items = queue(tx)
    now = c.clock()
    for item in items:
        item["overdue"] = _overdue(item.get("deadline"), now)
    # Overdue first (earliest deadline first within each group).
    items.sort(key=lambda i: (not i["overdue"], i.get("deadline") is None, i.get("deadline") or ""))
    return render(request, "queue.html", actor, items=items, done=done,
                  may_ack=policy.ACKNOWLEDGE.allows(actor))


@router.get("/notices", response_class=HTMLResponse)
def all_notices(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    c.index.catch_up()
    with c.index.consumer.store.transaction() as tx:
        rows = [s for _, s in tx.scan("notices")]
    rows.sort(key=lambda s: s["filed_at"], reverse=True)
    for s in rows:
        s["pending"] = pending(s)
    return render(request, "notices.html", actor, rows=rows[:200], total=len(rows))


def acknowledgement_rows(n: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The state of every required agency in the current acknowledgement round."""
    rows = []
    for agency in n["required_agencies"]:
        ack = next((a for a in n["acknowledgements"]
                    if a["agency"] == agency and a["round"] == n["acknowledgement_round"]), None)
        escalated = any(e["agency"] == agency and e["round"] == n["acknowledgement_round"]
                        for e in n["escalations"])
        deadline = n["deadlines"].get(agency)
        state = ("acknowledged" if ack else "pending" if n["status"] == "open" else n["status"])
        rows.append({"agency": agency, "ack": ack, "deadline": deadline, "state": state,
                     "escalated": escalated,
                     "overdue": state == "pending" and _overdue(deadline, now)})
    return rows


def timeline(n: dict[str, Any]) -> list[dict[str, Any]]:
    """Who did what, when — from the notice's own record of its events."""
    events: list[dict[str, Any]] = [{
        "at": n["filed_at"], "who": n["filed_by"]["name"], "agency": n["filed_by"]["agency"],
        "what": "ev_filed", "args": {"grade": n["grade"]}, "note": ""}]
    for a in n["acknowledgements"]:
        events.append({"at": a["at"], "who": a["by"]["name"], "agency": a["agency"],
                       "what": "ev_ack", "args": {"agency": a["agency"]},
                       "late": a["late"], "round": a["round"], "note": ""})
    for e in n["escalations"]:
        events.append({"at": e["at"], "who": None, "agency": "system", "what": "ev_escalated",
                       "args": {"agency": e["agency"]}, "round": e["round"], "note": ""})
    for r in n["revisions"]:
        events.append({"at": r["at"], "who": r["by"]["name"], "agency": r["by"]["agency"],
                       "what": "ev_revised",
                       "args": {"prev": r["previous_grade"], "grade": r["grade"]},
                       "note": r["reason"]})
    if n["closure"]:
        cl = n["closure"]
        events.append({"at": cl["at"], "who": cl["by"]["name"], "agency": cl["by"]["agency"],
                       "what": "ev_closed" if n["status"] == "closed" else "ev_withdrawn",
                       "args": {}, "note": cl["reason"]})
    events.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return events


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, notice_id: str, c: ContainerDep, actor: WebUserDep,
                done: str = "") -> Response:
    return _notice(request, c, actor, notice_id, done)


def _notice(request: Request, c: ContainerDep, actor: Actor, notice_id: str, done: str = "",
            errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
            status: int = 200) -> Response:
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    try:
        n = c.notices.get(UUID(notice_id))
    except DomainError as e:
        return error_page(request, actor, e)
    now = c.clock()
    rows = acknowledgement_rows(n, now)
    mine = next((r for r in rows if r["agency"] == actor.agency), None)
    may_ack = policy.ACKNOWLEDGE.allows(actor) and mine is not None and mine["state"] == "pending"
    may_revise = (policy.REVISE.allows(actor) and n["status"] == "open"
                  and datetime.fromisoformat(n["revision_deadline"]) >= now)
    return render(request, "notice.html", actor, status=status, n=n, rows=rows,
                  events=timeline(n), may_ack=may_ack, done=done, may_revise=may_revise,
                  errors=errors or {}, v=values or {k: str(n[k]) for k in FIGURES})


FIGURES = ("deaths", "serious_injuries", "missing", "direct_loss_cny")


@router.post("/notices/{notice_id}/revise", response_class=HTMLResponse)
def revise(request: Request, notice_id: str, form: FormDep, c: ContainerDep,
           actor: WebUserDep) -> Response:
    """补报 through the API's RevisionIn and the same service; its messages shown inline."""
    if (page := refused(request, actor, policy.REVISE)) is not None:
        return page
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    values = {k: form.get(k, "") for k in (*FIGURES, "reason")}
    try:
        body = RevisionIn.model_validate(values)
    except ValidationError as e:
        errors = {field_name(tuple(x.get("loc", ()))): x.get("msg", "") for x in e.errors()}
        return _notice(request, c, actor, notice_id, errors=errors, values=values, status=422)
    try:
        c.notices.revise(UUID(notice_id), actor, Casualties(
            body.deaths, body.serious_injuries, body.missing, body.direct_loss_cny), body.reason)
    except DomainError as e:
        found = problem(e)
        if found is None or found[0] != 422:
            return error_page(request, actor, e)
        return _notice(request, c, actor, notice_id, errors={found[2] or "reason": found[1]},
                       values=values, status=422)
    return RedirectResponse(f"/ui/notices/{notice_id}?done=revised", status_code=303)


def not_found(request: Request, actor: WebUserDep) -> Response:
    return render(request, "error.html", actor, status=404, message=None, status_code=404)


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


@router.post("/notices/{notice_id}/acknowledge", response_model=None)
def acknowledge(request: Request, notice_id: str, c: ContainerDep, actor: WebUserDep,
                back: str = "notice") -> Response:
    if (page := refused(request, actor, policy.ACKNOWLEDGE)) is not None:
        return page
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    try:
        c.notices.acknowledge(UUID(notice_id), actor)
    except DomainError as e:
        return error_page(request, actor, e)
    feeder = c.agency_feeders.get(actor.agency)
    if feeder is not None:
        feeder.catch_up()
    target = "/ui/queue?done=ack" if back == "queue" else f"/ui/notices/{notice_id}?done=ack"
    return RedirectResponse(target, status_code=303)
