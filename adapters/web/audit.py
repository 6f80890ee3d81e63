"""Auditor pages: the event history with labelled filters, cursor paging and CSV/Excel downloads,
the hash-chain verification and the report download — on the audit API's own services. An
aggregate's timeline and the read models as of a moment are in adapters/web/audit_pages.py."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from adapters import audit_wiring
from adapters.export import FORMATS, tables, to_csv, to_xlsx
from adapters.http.deps import ContainerDep
from adapters.web import audit_format as fmt
from adapters.web import catalogue_audit, i18n
from adapters.web.render import NAV, forbidden, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor
from domain.event_labels import AGGREGATE_LABELS, event_label, pair_label
from domain.messages import render as render_message
from domain.vocabulary import AGENCIES
from services import audit
from services.chain import notifications
from services.policies import Rule
from services.policies import audit as policy

router = APIRouter(prefix="/ui/audit", include_in_schema=False)
PAGE = 50
EXPORT_LIMIT = 100_000
NAV.append(("/ui/audit", "audit", policy.READ.roles, None))
__all__ = ["catalogue_audit", "router"]  # the catalogue registers the pages' messages


def _auditor(request: Request, actor: Actor, rule: Rule = policy.READ) -> Response | None:
    return None if rule.allows(actor) else forbidden(request, actor)


@dataclass(frozen=True)
class Query:
    """The history page's filters as typed in the form (kept as text to refill it)."""

    start: str = ""
    end: str = ""
    type: str = ""
    agency: str = ""
    who: str = ""
    aggregate: str = ""
    mechanism: str = ""
    aggregate_type: str = ""

    def filters(self) -> audit.Filters:
        agg: UUID | None = None
        try:
            agg = UUID(self.aggregate.strip()) if self.aggregate.strip() else None
        except ValueError:
            agg = None
        return audit.Filters(
            start=i18n.parse_local(self.start), end=i18n.parse_local(self.end), aggregate=agg,
            agency=self.agency or None, actor=self.who.strip() or None,
            type=self.type.strip() or None, mechanism=self.mechanism or None,
            aggregate_type=self.aggregate_type or None)

    def problems(self, lang: str) -> dict[str, str]:
        """Each filter typed that cannot be read, by the form's label key: said, never dropped
        (an auditor would otherwise read the whole history as the filtered one)."""
        out: dict[str, str] = {}
        for key, value in (("from", self.start), ("to", self.end)):
            if value.strip() and i18n.parse_local(value) is None:
                out[key] = render_message("local_datetime", lang)
        if self.aggregate.strip():
            try:
                UUID(self.aggregate.strip())
            except ValueError:
                out["aggregate"] = render_message("uuid_parsing", lang)
        return out

    def url(self, path: str, **extra: Any) -> str:
        params = {k: v for k, v in vars(self).items() if v} | {k: v for k, v in extra.items() if v}
        return path + ("?" + urlencode(params) if params else "")


def _query(start: str, end: str, type: str, agency: str, who: str, aggregate: str,
           mechanism: str, aggregate_type: str) -> Query:
    return Query(start, end, type, agency, who, aggregate, mechanism, aggregate_type)


@router.get("", response_class=HTMLResponse)
def history(request: Request, c: ContainerDep, actor: WebUserDep, start: str = "",
            end: str = "", type: str = "", agency: str = "", who: str = "",
            aggregate: str = "", mechanism: str = "", aggregate_type: str = "",
            after: int | None = None) -> Response:
    refused = _auditor(request, actor)
    if refused:
        return refused
    lang = lang_of(request)
    q = _query(start, end, type, agency, who, aggregate, mechanism, aggregate_type)
    errors = q.problems(lang)
    found = audit.replay(c.app, q.filters(), notifications(c.app, after=after))
    events = [] if errors else list(itertools.islice(found, PAGE + 1))
    more = len(events) > PAGE
    events = events[:PAGE]
    for e in events:
        e["label"] = event_label(e["event_type"], lang)
        agg_type = e["event_type"].partition(".")[0]
        e["aggregate_label"] = pair_label(AGGREGATE_LABELS, agg_type, lang)
        e["payload_json"] = json.dumps(e["payload"], ensure_ascii=False, indent=1)
    return render(request, "audit_events.html", actor, status=422 if errors else 200,
                  errors=errors, events=events, q=q,
                  next_url=q.url("/ui/audit", after=events[-1]["notification_id"]) if more else None,
                  first_url=q.url("/ui/audit") if after else None,
                  csv_url=q.url("/ui/audit/export.csv"), xlsx_url=q.url("/ui/audit/export.xlsx"),
                  agencies=(*AGENCIES, "system"), type_groups=fmt.type_options(lang),
                  mechanisms=fmt.mechanism_options(lang),
                  aggregate_types=fmt.aggregate_options(lang))


@router.get("/export.{kind}")
def export(request: Request, c: ContainerDep, actor: WebUserDep, kind: str,
           start: str = "", end: str = "", type: str = "", agency: str = "", who: str = "",
           aggregate: str = "", mechanism: str = "", aggregate_type: str = "") -> Response:
    """Every event the filters keep (up to EXPORT_LIMIT), as the audit API's CSV or Excel, with
    the event's label in the page's language beside its type. (Not `?format=`: the API's Export
    middleware answers that one for every GET.)"""
    refused = _auditor(request, actor)
    if refused:
        return refused
    lang = lang_of(request)
    if kind not in FORMATS:
        return Response(status_code=404)
    q = _query(start, end, type, agency, who, aggregate, mechanism, aggregate_type)
    errors = q.problems(lang)
    if errors:  # never the whole history in place of the filtered one
        return render(request, "error.html", actor, status=422, status_code=422,
                      message="；".join(f"{i18n.translate(lang, k)}: {m}" for k, m in errors.items()))
    items = []
    for rec in itertools.islice(audit.replay(c.app, q.filters()), EXPORT_LIMIT):
        items.append({**{k: v for k, v in rec.items() if k != "payload"},
                      "event_label": event_label(rec["event_type"], lang),
                      "payload": rec["payload"]})
    sheets = tables({"items": items}, ["items"])
    data = to_csv(sheets) if kind == "csv" else to_xlsx(sheets)
    stamp = c.clock().astimezone(i18n.TZ).strftime("%Y%m%d-%H%M")
    media = FORMATS[kind] + ("; charset=utf-8" if kind == "csv" else "")
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="linkage-audit-events-{stamp}.{kind}"'})


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
