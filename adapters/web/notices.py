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
from adapters.http.notices import ReasonIn, RevisionIn
from adapters.http.validation import messages_by_field
from adapters.web import filters
from adapters.web.notice_form import FormDep, typed
from adapters.web.once import OnceDep
from adapters.web.render import error_page, problem, refused, render
from adapters.web.session import WebUserDep, lang_of
from domain.accident_notice import Casualties
from domain.common import Actor, DomainError
from services import notice_list
from services.notifications.log import alerts
from services.policies import Forbidden
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
    chosen, late = filters.read(request, notice_list.QUEUE_FILTERS), filters.overdue(request)
    now = c.clock()
    with c.store(actor.agency).transaction(write=False) as tx:
        page = _page_of(request, lambda cursor: notice_list.queue_page(
            tx, kind=chosen["kind"], grade=chosen["grade"], district=chosen["district"],
            cause=chosen["cause"], overdue_at=now if late else None, cursor=cursor,
            limit=filters.limit(request)))
        counts = notice_list.facets(tx, "queue", chosen, now if late else None, now)
    if page is None:
        return not_found(request, actor)
    if not any(chosen.values()) and not late:
        with c.store("notify").transaction(write=False) as tx:  # issue 18: failed deliveries
            failed = alerts(tx, actor.agency)
        page["total"] += len(failed)
        if page["next_cursor"] is None:
            page["items"] += failed
    for item in page["items"]:  # in the store's urgency order: overdue first
        item["overdue"] = _overdue(item.get("deadline"), now)
    return render(request, "queue.html", actor, items=page["items"], total=page["total"],
                  next_cursor=page["next_cursor"], done=done, may_ack=policy.ACKNOWLEDGE.allows(actor),
                  **_listing(request, chosen, late, counts),
                  groups=proposal_groups(page["items"]))


@router.get("/notices", response_class=HTMLResponse)
def all_notices(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    c.index.catch_up()
    chosen, late = filters.read(request, notice_list.NOTICE_FILTERS), filters.overdue(request)
    now = c.clock()
    with c.index.consumer.store.transaction(write=False) as tx:
        page = _page_of(request, lambda cursor: notice_list.notice_page(
            tx, status=chosen["status"], grade=chosen["grade"], district=chosen["district"],
            cause=chosen["cause"], overdue_at=now if late else None, cursor=cursor,
            limit=filters.limit(request)))
        counts = notice_list.facets(tx, "notices", chosen, now if late else None, now)
    if page is None:
        return not_found(request, actor)
    return render(request, "notices.html", actor, rows=page["items"], total=page["total"],
                  next_cursor=page["next_cursor"], **_listing(request, chosen, late, counts))


def _listing(request: Request, chosen: dict[str, str | None], late: bool,
             counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """What a list page shows around its items: filters with counts, paging, downloads."""
    keep = filters.query(chosen, late, limit=request.query_params.get("limit"))
    return {"filters": filters.choices(chosen, counts), "overdue_only": late,
            "overdue_count": counts["overdue"]["true"], "qs": keep,
            "filtered": any(chosen.values()) or late,
            "cursor": request.query_params.get("cursor"),
            "download_qs": filters.query(chosen, late)}


def proposal_groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Safety's inspection proposals of one employer together (one joint inspection covers
    them), in the order of the group's most urgent proposal."""
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.get("kind") == "propose_inspection":
            code = item.get("credit_code") or item.get("employer_name") or item["proposal_id"]
            groups.setdefault(code, {"key": code, "name": item.get("employer_name", ""),
                                     "items": []})["items"].append(item)
    return list(groups.values())


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
                  done=done, may_revise=may_revise, **ending_offer(actor, n),
                  errors=errors or {}, v={**{k: str(n[k]) for k in FIGURES}, **(values or {})})


def ending_offer(actor: Actor, n: dict[str, Any]) -> dict[str, Any]:
    """Whether the close and withdraw forms are offered (the policy's rules and the notice's
    state), and for a user who would expect one but may not use it, why not."""
    is_open = n["status"] == "open"
    close_rule = policy.CLOSE.allows(actor)
    close_why: tuple[str, dict[str, Any]] | None = None
    if is_open and actor.role in ("liaison", "inspector"):
        if not close_rule:
            close_why = ("close_not_yours", {})
        elif not n["closable"]:
            close_why = ("close_waiting", {"agencies": n["pending_agencies"]})
    try:
        policy.check_withdraw(actor, n["filed_by"]["agency"])
        withdraw_rule = True
    except Forbidden:
        withdraw_rule = False
    withdraw_why = (("withdraw_not_yours", {"agency": n["filed_by"]["agency"]})
                    if is_open and not withdraw_rule and actor.role == "liaison" else None)
    return {"may_close": is_open and close_rule and n["closable"], "close_why": close_why,
            "may_withdraw": is_open and withdraw_rule, "withdraw_why": withdraw_why}


ENDINGS = {"close": (policy.CLOSE, "closed"), "withdraw": (policy.WITHDRAW, "withdrawn")}


@router.post("/notices/{notice_id}/close", response_class=HTMLResponse)
def close(request: Request, notice_id: str, form: FormDep, c: ContainerDep,
          actor: WebUserDep, once: OnceDep) -> Response:
    """结案 with the investigation's conclusion, through the API's ReasonIn and the service."""
    return _end(request, "close", notice_id, form, c, actor, once)


@router.post("/notices/{notice_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, notice_id: str, form: FormDep, c: ContainerDep,
             actor: WebUserDep, once: OnceDep) -> Response:
    """撤回 a notice filed in error, with the reason."""
    return _end(request, "withdraw", notice_id, form, c, actor, once)


def _end(request: Request, step: str, notice_id: str, form: dict[str, str], c: ContainerDep,
         actor: Actor, once: Any) -> Response:
    rule, done = ENDINGS[step]
    if (page := refused(request, actor, rule)) is not None:
        return page
    if not _is_uuid(notice_id):
        return not_found(request, actor)
    field = f"{step}.reason"
    values = {field: form.get("reason", "")}
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    try:
        body = ReasonIn.model_validate({"reason": values[field]})
    except ValidationError as e:
        message = messages_by_field(e.errors(), lang_of(request)).get("reason", "")
        return _notice(request, c, actor, notice_id, errors={field: message}, values=values,
                       status=422)
    act = c.notices.close if step == "close" else c.notices.withdraw
    try:
        once(lambda: act(UUID(notice_id), actor, body.reason, version))
    except DomainError as e:
        found = problem(e, lang_of(request))
        if found is None or found[0] != 422:
            return error_page(request, actor, e)
        return _notice(request, c, actor, notice_id, errors={field: found[1]}, values=values,
                       status=422)
    c.index.catch_up()
    return RedirectResponse(f"/ui/notices/{notice_id}?done={done}", status_code=303)


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
