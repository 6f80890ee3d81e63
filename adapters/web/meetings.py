"""Joint-meeting pages: the list with overdue action items per agency, a meeting's agenda,
attendance, resolutions and action items with due dates; hrss convenes and records. Forms go
through the API's request models and the same service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from adapters.http.deps import ContainerDep
from adapters.http.meetings import AttendanceIn, ConveneIn, MinutesIn, NoteIn, ResolutionIn
from adapters.web import catalogue_work, i18n
from adapters.web.inspection_form import FormDep
from adapters.web.inspections import parse
from adapters.web.once import OnceDep
from adapters.web.render import NAV, error_page, forbidden, problem, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError, beijing_date
from domain.vocabulary import AGENCIES
from services.joint_meetings import overdue_by_agency
from services.policies import meetings as policy

assert catalogue_work
router = APIRouter(prefix="/ui/meetings", include_in_schema=False)
NAV.append(("/ui/meetings", "meetings", None, None))
i18n.register({
    "convene": ("召开联席会议", "Convene a meeting"),
    "title": ("会议名称", "Title"),
    "held_on": ("会议日期", "Held on"),
    "invited": ("邀请成员单位", "Invited agencies"),
    "agenda_lines": ("议程（每行一项）", "Agenda (one item a line)"),
    "present": ("出席", "present"),
    "absent": ("缺席", "absent"),
    "attendees": ("出席人（逗号分隔）", "Attendees (comma separated)"),
    "record_attendance": ("登记出席", "Record attendance"),
    "resolution_text": ("决议内容", "Resolution"),
    "adopt": ("通过决议", "Adopt the resolution"),
    "item_n": ("事项 {n}", "Item {n}"),
    "description": ("事项说明", "Description"),
    "mark_done": ("标记完成", "Mark done"),
    "done": ("已完成", "done"),
    "minutes": ("会议纪要", "Minutes"),
    "publish_minutes": ("发布纪要", "Publish the minutes"),
    "close_meeting": ("闭会", "Close the meeting"),
    "convener": ("召集单位", "convener"),
    "quorum": ("法定人数", "Quorum"),
    "quorum_rule": ("决议须有过半数成员单位出席（召集单位计入成员），缺席的成员单位同样受决议约束："
                    "决议及其待办事项送达各成员单位的待办队列。",
                    "A resolution needs more than half of the member agencies present (the "
                    "convener counts as a member); absent members are bound too: the resolution "
                    "and its action items reach every member's queue."),
    "quorum_state": ("成员 {members} 个，已出席 {present} 个，至少需 {needed} 个",
                     "{members} members, {present} present, {needed} needed"),
    "quorum_met": ("已达法定人数", "quorum met"),
    "quorum_not_met": ("未达法定人数", "no quorum yet"),
    "not_before_day": ("会议当日（北京时间 {day}）起方可登记出席、通过决议、发布纪要和闭会。",
                       "Attendance, resolutions, minutes and closure open on the meeting's day "
                       "({day}, Beijing time)."),
    "kind.meeting_resolution": ("联席会议决议", "joint-meeting resolution"),
    "kind.meeting_action_item": ("联席会议待办事项", "joint-meeting action item"),
    "no_meetings": ("暂无会议。", "No meetings yet."),
    "resolution": ("决议", "Resolution"),
})


def _convenor(actor: Actor) -> bool:
    return policy.CONVENE.allows(actor)


def _index(c: ContainerDep) -> list[dict[str, Any]]:
    c.meeting_index.catch_up()
    with c.meeting_index.consumer.store.transaction() as tx:
        return [d for _, d in tx.scan("meetings")]


@router.get("", response_class=HTMLResponse)
def meetings_page(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    return _list(request, c, actor)


def _list(request: Request, c: ContainerDep, actor: Actor, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> Response:
    rows = sorted(_index(c), key=lambda d: (d["held_on"], d["id"]), reverse=True)
    overdue = overdue_by_agency(rows, beijing_date(c.clock()))
    today = beijing_date(c.clock()).isoformat()
    return render(request, "meetings.html", actor, status=status, rows=rows, overdue=overdue,
                  may_convene=_convenor(actor), agencies=AGENCIES, errors=errors or {},
                  v=values or {"held_on": today, "invited": list(AGENCIES)})


def _meeting(request: Request, c: ContainerDep, actor: Actor, meeting_id: str,
             errors: dict[str, str] | None = None, done: str = "", status: int = 200,
             typed: dict[str, str] | None = None) -> Response:
    """The meeting's page; after a refusal, `typed` fills the form in again as it was sent."""
    try:
        m = c.meetings.get(UUID(meeting_id))
    except ValueError:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    except DomainError as e:
        return error_page(request, actor, e)
    return render(request, "meeting.html", actor, status=status, m=m, errors=errors or {},
                  done=done, convenor=_convenor(actor), agencies=AGENCIES,
                  may_mark=policy.MARK_DONE.allows(actor), typed=typed or {})


@router.get("/{meeting_id}", response_class=HTMLResponse)
def meeting_page(request: Request, meeting_id: str, c: ContainerDep, actor: WebUserDep,
                 done: str = "") -> Response:
    return _meeting(request, c, actor, meeting_id, done=done)


def _multi(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


@router.post("", response_class=HTMLResponse)
def convene(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep,
            once: OnceDep) -> Response:
    if not _convenor(actor):
        return forbidden(request, actor)
    agenda = [line.strip() for line in str(form.get("agenda", "")).splitlines() if line.strip()]
    raw = {"title": form.get("title", ""), "held_on": form.get("held_on", ""), "agenda": agenda,
           "invited": _multi(form, "invited")}
    body, errors = parse(ConveneIn, raw, lang_of(request))
    if body is not None:
        try:
            result = once(lambda: c.meetings.convene(
                actor, title=body.title, held_on=body.held_on, agenda=list(body.agenda),
                invited=list(body.invited)))
            return RedirectResponse(f"/ui/meetings/{result['id']}?done=1", status_code=303)
        except DomainError as e:
            lang = lang_of(request)
            found = problem(e, lang)
            errors = {(found[2] if found else None) or "body": found[1] if found else e.text(lang)}
    values = {**raw, "agenda": str(form.get("agenda", ""))}
    return _list(request, c, actor, errors, values, status=422)


STEPS: dict[str, type[BaseModel] | None] = {
    "attendance": AttendanceIn, "resolution": ResolutionIn, "done": NoteIn,
    "minutes": MinutesIn, "closure": None,
}


ITEM_ROWS = (1, 2, 3)
FIELD_WORDS = {"description": "description", "due_on": "due", "agency": "agency"}


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def _filled(f: dict[str, str], n: int) -> bool:
    return bool(f.get(f"item{n}.description", "").strip() or f.get(f"item{n}.due_on", "").strip())


def _labelled(step: str, form: FormData, errors: dict[str, str], lang: str) -> dict[str, str]:
    """The form's own words for each refused field ("事项 2 · 到期日", "决议内容"), not the model's
    path ("action_items.1.due_on", "text")."""
    f = _fields(form)
    rows = [n for n in ITEM_ROWS if _filled(f, n)]
    out: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "action_items" and len(parts) == 3 and parts[1].isdigit() \
                and int(parts[1]) < len(rows):
            key = (f"{i18n.translate(lang, 'item_n', n=rows[int(parts[1])])} · "
                   f"{i18n.translate(lang, FIELD_WORDS.get(parts[2], parts[2]))}")
        elif key == "text":
            key = i18n.translate(lang, "resolution_text" if step == "resolution" else "minutes")
        out[key] = message
    return out


def _typed(step: str, form: FormData) -> dict[str, str]:
    """What the clerk typed in the resolution or minutes form, to show again after a refusal."""
    f = _fields(form)
    if step == "resolution":
        return {"resolution_text": f.get("text", ""),
                **{k: v for k, v in f.items() if k.startswith("item")}}
    return {"minutes_text": f.get("text", "")} if step == "minutes" else {}


def _data(step: str, form: FormData) -> dict[str, Any]:
    f = _fields(form)
    if step == "attendance":
        people = [p.strip() for p in f.get("attendees", "").replace("，", ",").split(",") if p.strip()]
        return {"agency": f.get("agency", ""), "present": f.get("present", ""), "attendees": people}
    if step == "resolution":  # a row with a description or a due date is an item: never dropped
        items = [{"agency": f.get(f"item{n}.agency", ""), "description": f.get(f"item{n}.description", ""),
                  "due_on": f.get(f"item{n}.due_on", "")} for n in ITEM_ROWS if _filled(f, n)]
        return {"text": f.get("text", ""), "action_items": items}
    if step == "done":
        return {"note": f.get("note", "")}
    return {"text": f.get("text", "")} if step == "minutes" else {}


@router.post("/{meeting_id}/{step}", response_class=HTMLResponse)
def act(request: Request, meeting_id: str, step: str, form: FormDep, c: ContainerDep,
        actor: WebUserDep, once: OnceDep) -> Response:
    rule = policy.STEPS.get(step)
    if step not in STEPS or rule is None or not rule.allows(actor):
        return forbidden(request, actor)
    model = STEPS[step]
    body: Any = None
    errors: dict[str, str] = {}
    if model is not None:
        body, errors = parse(model, _data(step, form), lang_of(request))
    if errors:
        return _meeting(request, c, actor, meeting_id,
                        _labelled(step, form, errors, lang_of(request)), status=422,
                        typed=_typed(step, form))
    try:
        mid, s = UUID(meeting_id), c.meetings

        def command() -> Any:
            if step == "attendance":
                return s.record_attendance(mid, actor, body.agency, body.present,
                                           list(body.attendees))
            if step == "resolution":
                return s.adopt_resolution(mid, actor, body.text,
                                          [i.model_dump() for i in body.action_items])
            if step == "done":
                return s.mark_done(mid, actor, int(str(form.get("resolution_no") or 0)),
                                   int(str(form.get("item_no") or 0)), body.note)
            if step == "minutes":
                return s.publish_minutes(mid, actor, body.text)
            return s.close(mid, actor)

        once(command)
    except ValueError:  # not a meeting id (or item number): no such page
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    except DomainError as e:
        found = problem(e, lang_of(request))
        if found is None:
            raise
        return _meeting(request, c, actor, meeting_id, {found[2] or step: found[1]},
                        status=found[0], typed=_typed(step, form))
    return RedirectResponse(f"/ui/meetings/{meeting_id}?done={step}", status_code=303)
