"""Download buttons: a list page's rows as CSV or Excel, the same data the API answers with
`?format=csv|xlsx` — the web route calls the API's own route function with the page's filters
and the export module (adapters/export.py) turns its JSON into the same table.

`/ui/download/{list}.{csv|xlsx}?<the page's filters>`; a paged list is fetched page after page
(from the index, by cursor) so the file holds every matching row, not only the page shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel

from adapters import export
from adapters.http.agencies import (
    QueueOut,
    agency_queue,
    finance_ledger,
    hrss_rate_proposals,
    hrss_statistics,
)
from adapters.http.deps import ContainerDep
from adapters.http.fresh import web_read
from adapters.http.inspections import list_inspections
from adapters.http.meetings import list_meetings
from adapters.http.notices import PageOut, list_notices
from adapters.http.safety import proposals
from adapters.web import filters
from adapters.web.render import forbidden, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor
from services import notice_list
from services.policies.agencies import may_read

router = APIRouter(prefix="/ui/download", include_in_schema=False)
AGENCY = export.AGENCY
# list -> (the API route whose export it is, the agency whose read model it reads, the route's
# response model: its JSON is what the API serves, e.g. times as the model writes them)
LISTS: dict[str, tuple[str, str | None, type[BaseModel] | None]] = {
    "notices": ("/api/v1/accident-notices", None, PageOut),
    "queue": (f"{AGENCY}/{{agency}}/queue", "", QueueOut),  # "": the user's own agency
    "ledger": (f"{AGENCY}/finance/ledger", "finance", None),
    "statistics": (f"{AGENCY}/hrss/statistics", "hrss", None),
    "rate-proposals": (f"{AGENCY}/hrss/rate-proposals", "hrss", None),
    "meetings": ("/api/v1/joint-meetings", None, None),
    "inspections": ("/api/v1/joint-inspections", None, None),
    "proposals": (f"{AGENCY}/safety/proposals", "safety", None),
}


def _all_pages(fetch: Callable[[str | None], dict[str, Any]]) -> dict[str, Any]:
    """Every page of a paged list, one after the other, as one body."""
    body = fetch(None)
    items = list(body["items"])
    while body.get("next_cursor"):
        body = fetch(body["next_cursor"])
        items += body["items"]
    return {**body, "items": items, "next_cursor": None}


def _all_offsets(fetch: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Every page of a list paged by offset, as one body."""
    body = fetch(0)
    items = list(body["items"])
    while len(items) < body["total"] and body["items"]:
        body = fetch(len(items))
        items += body["items"]
    return {**body, "offset": 0, "limit": len(items), "items": items}


def _year(request: Request) -> int | None:
    raw = request.query_params.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2101 else None


def body_for(name: str, request: Request, c: ContainerDep, actor: Actor) -> Any:
    """The JSON the API's route answers for these filters."""
    late = filters.overdue(request)
    if name == "notices":
        f = filters.read(request, notice_list.NOTICE_FILTERS)
        return _all_pages(lambda cursor: list_notices(
            c=c, actor=actor, status=f["status"], grade=f["grade"], pending_for=None,  # type: ignore[arg-type]
            district=f["district"], cause=f["cause"], overdue=late, cursor=cursor,  # type: ignore[arg-type]
            offset=0, limit=500))
    if name == "queue":
        f = filters.read(request, notice_list.QUEUE_FILTERS)
        return _all_pages(lambda cursor: agency_queue(
            agency=actor.agency, c=c, actor=actor, kind=f["kind"], grade=f["grade"],  # type: ignore[arg-type]
            district=f["district"], cause=f["cause"], overdue=late, cursor=cursor,  # type: ignore[arg-type]
            limit=5000))
    if name == "ledger":
        return finance_ledger(c=c, actor=actor)
    if name == "statistics":
        return hrss_statistics(c=c, actor=actor, year=_year(request))
    if name == "meetings":
        return _all_offsets(lambda offset: list_meetings(
            c=c, actor=actor, status=None, offset=offset, limit=500))
    if name == "inspections":
        return _all_offsets(lambda offset: list_inspections(
            c=c, actor=actor, status=None, offset=offset, limit=500))
    if name == "proposals":  # what the calendar page lists: the proposals still open
        return proposals(c=c, actor=actor, status="proposed")
    return hrss_rate_proposals(c=c, actor=actor, year=_year(request), lang=lang_of(request))


@router.get("/{file}")
def download(request: Request, file: str, c: ContainerDep, actor: WebUserDep) -> Response:
    name, _, fmt = file.rpartition(".")
    if name not in LISTS or fmt not in export.FORMATS:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    route, agency, model = LISTS[name]
    reader = actor.agency if agency == "" else agency
    if reader is not None:
        if not may_read(actor, reader):
            return forbidden(request, actor)
        web_read(c, actor.id, reader)
    else:
        c.index.catch_up()
    body = body_for(name, request, c, actor)
    served = model.model_validate(body).model_dump(mode="json") if model else jsonable_encoder(body)
    sheets = export.tables(served, export.TABLES[route])
    data = export.to_csv(sheets) if fmt == "csv" else export.to_xlsx(sheets)
    mime = export.FORMATS[fmt] + ("; charset=utf-8" if fmt == "csv" else "")
    stem = f"{name}-{reader}" if reader else name
    return Response(data, media_type=mime, headers={
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})
