"""The staff UI: server-rendered pages on the same services as the API (`/ui/...`, `/static`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from adapters.web.session import LoginRequired

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    # One router module per page group; fixed paths (".../new") before ".../{id}".
    from adapters.web import (
        accounts,
        audit,
        audit_pages,
        auth,
        contacts,
        deliveries,
        downloads,
        finance,
        inspection_form,
        inspections,
        meetings,
        notice_form,
        notice_print,
        notices,
        prevention,
        project,
        registers,
    )

    for group in (auth, notice_form, notice_print, notices, downloads, inspection_form,
                  inspections, meetings, finance, audit, audit_pages, accounts, deliveries,
                  contacts, prevention, project, registers):
        app.include_router(group.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/ui/login?next={exc.next_url}", status_code=303)
