"""Liaison pages: my agency's queue, one-click acknowledgement, the notice list and a notice's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from adapters.http.deps import ContainerDep
from adapters.http.fresh import web_read
from adapters.http.notices import RevisionIn
from adapters.http.validation import messages_by_field
from adapters.web.notice_form import FormDep, typed
from adapters.web.once import OnceDep
from adapters.web.render import error_page, problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.accident_notice import Casualties
from domain.common import Actor, DomainError
from services import notice_list
from services.notifications.log import alerts
from services.policies import notices as policy

router = APIRouter(prefix="/ui", include_in_schema=False)


def _overdue(deadline: str | None, now: datetime) -> bool:
    return deadline is not None and datetime.fromisoformat(deadline) < now


def _page_of(request: Request, fetch: Any) -> Any:
    try:
        return fetch(request.query_params.get("cursor"))
    except notice_list.BadCursor:
        return None


@router.get("/queue", response_class=HTMLResponse)
def my_queue(request: Request, c: ContainerDep, actor: WebUserDep, done: str = "") -> Response:
    web_read(c, actor.id, actor.agency)  # what this user just committed, on either transport
    with c.store(actor.agency).transaction(write=False) as tx:
        page = _page_of(request, lambda cursor: notice_list.queue_page(
            tx, cursor=cursor, limit=PAGE))
    if page is None:
        return not_found(request, actor)
    with c.store("notify").transaction(write=False) as tx:  # issue 18: failed deliveries
        failed = alerts(tx, actor.agency)
    page["total"] += len(failed)
    if page["next_cursor"] is None:
        page["items"] += failed
    now = c.clock()
    for item in page["items"]:  # in the store's urgency order: overdue first
        item["overdue"] = _overdue(item.get("deadline"), now)
    return render(request, "queue.html", actor, items=page["items"], total=page["total"],
                  next_cursor=page["next_cursor"], done=done, may_ack=policy.ACKNOWLEDGE.allows(actor))


@router.get("/notices", response_class=HTMLResponse)
def all_notices(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    c.index.catch_up()
    with c.index.consumer.store.transaction(write=False) as tx:
        page = _page_of(request, lambda cursor: notice_list.notice_page(
            tx, cursor=cursor, limit=PAGE))
    if page is None:
        return not_found(request, actor)
    return render(request, "notices.html", actor, rows=page["items"], total=page["total"],
                  next_cursor=page["next_cursor"])


PAGE = 100


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
    mine = next((r for r in n["agency_states"] if r["agency"] == actor.agency), None)
    may_ack = policy.ACKNOWLEDGE.allows(actor) and mine is not None and mine["state"] == "pending"
    may_revise = policy.REVISE.allows(actor) and n["revision_open"]
    return render(request, "notice.html", actor, status=status, n=n, may_ack=may_ack,
                  done=done, may_revise=may_revise,
                  errors=errors or {}, v=values or {k: str(n[k]) for k in FIGURES})


FIGURES = ("deaths", "serious_injuries", "missing", "direct_loss_cny")


@router.post("/notices/{notice_id}/revise", response_class=HTMLResponse)
def revise(request: Request, notice_id: str, form: FormDep, c: ContainerDep,
           actor: WebUserDep, once: OnceDep) -> Response:
    """补报 through the API's RevisionIn and the same service; its messages shown inline."""
    if (page := refused(request, actor, policy.REVISE)) is not None:
        return page
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    values = {k: form.get(k, "") for k in (*FIGURES, "reason")}
    try:
        body = RevisionIn.model_validate({k: typed(k, v) for k, v in values.items()})
    except ValidationError as e:
        errors = messages_by_field(e.errors(), lang_of(request))
        return _notice(request, c, actor, notice_id, errors=errors, values=values, status=422)
    try:
        once(lambda: c.notices.revise(UUID(notice_id), actor, Casualties(
            body.deaths, body.serious_injuries, body.missing, body.direct_loss_cny), body.reason))
    except DomainError as e:
        found = problem(e, lang_of(request))
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
                once: OnceDep, back: str = "notice") -> Response:
    if (page := refused(request, actor, policy.ACKNOWLEDGE)) is not None:
        return page
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    try:
        once(lambda: c.notices.acknowledge(UUID(notice_id), actor))
    except DomainError as e:
        return error_page(request, actor, e)
    feeder = c.agency_feeders.get(actor.agency)
    if feeder is not None:
        feeder.catch_up()
    target = "/ui/queue?done=ack" if back == "queue" else f"/ui/notices/{notice_id}?done=ack"
    return RedirectResponse(target, status_code=303)
