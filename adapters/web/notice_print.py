"""The printed notice form (通报单): one notice laid out as the official form, A4 from the
browser (static/print.css), labels in the page's language, figures and text as filed."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from adapters.http.deps import ContainerDep
from adapters.web import catalogue_notices
from adapters.web.render import error_page, render
from adapters.web.session import WebUserDep
from domain.common import DomainError

assert catalogue_notices
router = APIRouter(prefix="/ui/notices", include_in_schema=False)


@router.get("/{notice_id}/print", response_class=HTMLResponse)
def print_view(request: Request, notice_id: str, c: ContainerDep, actor: WebUserDep) -> Response:
    try:
        nid = UUID(notice_id)
    except ValueError:
        return render(request, "error.html", actor, status=404, message=None, status_code=404)
    try:
        n = c.notices.get(nid)  # the same read as the notice's page (logged for the auditor)
    except DomainError as e:
        return error_page(request, actor, e)
    return render(request, "notice_print.html", actor, n=n, printed_at=c.clock())
