"""Auditor pages: the event history with filters, an aggregate as of a moment beside its timeline,
the hash-chain verification and the report download — on the audit API's own services."""

from __future__ import annotations

import itertools
import json
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from adapters import audit_wiring
from adapters.http.deps import ContainerDep
from adapters.web import i18n
from adapters.web.render import NAV, error_page, forbidden, render
from adapters.web.session import WebUserDep
from domain.common import Actor, DomainError
from domain.vocabulary import AGENCIES
from services import audit
from services.application import NotFound
from services.chain import notifications
from services.envelope import event_classes
from services.policies import Rule
from services.policies import audit as policy

router = APIRouter(prefix="/ui/audit", include_in_schema=False)
LIMIT = 300
NAV.append(("/ui/audit", "audit", policy.READ.roles, None))
i18n.register({
    "audit": ("审计", "Audit"),
    "audit_events": ("事件历史", "Event history"),
    "from": ("起始时间", "From"),
    "to": ("截止时间", "To"),
    "event_type": ("事件类型", "Event type"),
    "actor": ("操作人", "Actor"),
    "aggregate": ("对象编号", "Aggregate id"),
    "any": ("全部", "Any"),
    "filter": ("筛选", "Filter"),
    "payload": ("内容", "Payload"),
    "no_events": ("没有符合条件的事件。", "No events match."),
    "first_n": ("仅显示前 {n} 条。", "Showing the first {n}."),
    "as_of": ("查看时点", "As of"),
    "show_state": ("查看该时点状态", "Show the state then"),
    "state_at": ("{type} 在该时点的状态（第 {v} 版，共 {latest} 版）",
                 "{type} at that moment (version {v} of {latest})"),
    "now_state": ("当前状态", "Current state"),
    "after_moment": ("该时点之后", "after this moment"),
    "this_version": ("查看此版本", "view this version"),
    "verify": ("校验哈希链", "Verify the hash chain"),
    "verify_ok": ("校验通过：{n} 个事件，链路完整。", "Verified: {n} events, the chain is intact."),
    "verify_bad": ("校验失败：{problem}", "Verification failed: {problem}"),
    "chain_head": ("链头", "Chain head"),
    "consumers_ok": ("各部门读模型与事件一致", "Every agency read model matches the events"),
    "consumers_bad": ("有读模型与事件不一致", "A read model does not match the events"),
    "report": ("审计报告", "Audit report"),
    "download_report": ("下载审计报告（HTML）", "Download the report (HTML)"),
    "version": ("版本", "Version"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
})


def _auditor(request: Request, actor: Actor, rule: Rule = policy.READ) -> Response | None:
    return None if rule.allows(actor) else forbidden(request, actor)


@router.get("", response_class=HTMLResponse)
def history(request: Request, c: ContainerDep, actor: WebUserDep, start: str = "",
            end: str = "", type: str = "", agency: str = "", who: str = "",
            aggregate: str = "") -> Response:
    refused = _auditor(request, actor)
    if refused:
        return refused
    agg: UUID | None = None
    try:
        agg = UUID(aggregate.strip()) if aggregate.strip() else None
    except ValueError:
        agg = None
    f = audit.Filters(start=i18n.parse_local(start), end=i18n.parse_local(end), aggregate=agg,
                      agency=agency or None, actor=who.strip() or None, type=type.strip() or None)
    events = list(itertools.islice(audit.replay(c.app, f, notifications(c.app)), LIMIT + 1))
    for e in events:
        e["payload_json"] = json.dumps(e["payload"], ensure_ascii=False, indent=1)
    return render(request, "audit_events.html", actor, events=events[:LIMIT],
                  more=len(events) > LIMIT, limit=LIMIT, agencies=(*AGENCIES, "system"),
                  types=sorted(event_classes()),
                  q={"start": start, "end": end, "type": type, "agency": agency, "who": who,
                     "aggregate": aggregate})


@router.get("/aggregates/{aggregate_id}", response_class=HTMLResponse)
def aggregate_page(request: Request, aggregate_id: str, c: ContainerDep, actor: WebUserDep,
                   as_of: str = "", version: int | None = None) -> Response:
    refused = _auditor(request, actor)
    if refused:
        return refused
    moment = i18n.parse_local(as_of)
    absent = None
    try:
        events = audit.timeline(c.app, aggregate_id)
        try:
            doc = audit.aggregate_as_of(c.app, aggregate_id, as_of=moment,
                                        version=None if moment else version)
        except NotFound as e:  # not yet created at that moment: say so beside the timeline
            absent, moment = e.message, None
            doc = audit.aggregate_as_of(c.app, aggregate_id)
    except DomainError as e:
        return error_page(request, actor, e)
    for ev in events:
        ev["after"] = ev["aggregate_version"] > doc["version"]
        ev["payload_json"] = json.dumps(ev["payload"], ensure_ascii=False, indent=1)
    state = [(k, v if isinstance(v, (str, int, float, bool)) or v is None
              else json.dumps(v, ensure_ascii=False, indent=1))
             for k, v in doc["state"].items()]
    return render(request, "audit_aggregate.html", actor, doc=doc, state=state, events=events,
                  as_of=as_of or (i18n.local_input(doc["modified_on"]) if version else ""),
                  aggregate_id=aggregate_id, moment=moment or version, absent=absent)


@router.post("/verify", response_class=HTMLResponse)
def verify(request: Request, c: ContainerDep, actor: WebUserDep) -> Response:
    page = _auditor(request, actor, policy.VERIFY)
    if page:
        return page
    return render(request, "audit_verify.html", actor, result=audit_wiring.verify(c))


@router.get("/report")
def report(request: Request, c: ContainerDep, actor: WebUserDep, start: str = "",
           end: str = "") -> Response:
    refused = _auditor(request, actor)
    if refused:
        return refused
    from adapters.audit_report import build_report

    until = i18n.parse_local(end) or c.clock()
    html = build_report(c, i18n.parse_local(start), until)
    name = f"linkage-audit-report-{until.astimezone(i18n.TZ):%Y%m%d-%H%M}.html"
    return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{name}"'})
