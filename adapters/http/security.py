"""The auditor's security log over HTTP, the access log of reads, and the security headers.

- `GET /api/v1/audit/sign-ins`, `/security-events`, `/access-log`: filtered by person
  (account id or name), agency, time (`since`, `until`) and object (a notice id, an agency,
  an address); `?format=csv|xlsx` exports the same rows (the Export middleware).
- AccessLog (ASGI middleware): a successful read of a notice's detail or of an agency's read
  models, by the API or a page, is recorded with who, what and when.
- SecurityHeaders (ASGI middleware): CSP without inline script, nosniff, no framing, no
  referrer to other sites, on every answer but the interactive API docs.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.deps import ContainerDep, UserDep, permit
from adapters.http.errors import problem
from adapters.http.schemas import Agency
from adapters.security_log import ACCESS, EVENTS, SIGNINS
from services.policies.audit import READ_SECURITY_LOG

# Checked before the query is validated, and declared in the OpenAPI document (403) from the
# guard, like every other route's.
router = APIRouter(prefix="/api/v1/audit", tags=["audit 审计"],
                   dependencies=[permit(READ_SECURITY_LOG)])

COLUMNS = {
    SIGNINS: ["at", "last_at", "count", "method", "outcome", "account_id", "name", "agency",
              "token_id", "address", "user_agent"],
    EVENTS: ["at", "kind", "detail", "account_id", "name", "agency", "address", "user_agent"],
    ACCESS: ["at", "account_id", "name", "agency", "role", "what", "object", "path"],
}


def _rows(c: Any, coll: str, user: Any, person: str | None, agency: str | None,
          since: datetime | None, until: datetime | None, object: str | None) -> Any:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise problem(422, "time_needs_offset", name)
    rows = c.security.query(coll, person=person, agency=agency, since=since, until=until,
                            obj=object)
    return {"items": [{k: r.get(k) for k in COLUMNS[coll]} for r in rows]}


@router.get("/sign-ins")
def sign_ins(c: ContainerDep, user: UserDep, person: str | None = None,
             agency: Agency | None = None, since: datetime | None = None,
             until: datetime | None = None, object: str | None = None) -> Any:
    """Every authentication attempt (bearer and web, success and failure), newest first;
    bearer attempts are counted per minute, token, address, user agent and outcome.
    `?format=csv|xlsx` exports them (adapters/export.py)."""
    return _rows(c, SIGNINS, user, person, agency, since, until, object)


@router.get("/security-events")
def security_events(c: ContainerDep, user: UserDep, person: str | None = None,
                    agency: Agency | None = None, since: datetime | None = None,
                    until: datetime | None = None, object: str | None = None) -> Any:
    """Throttled addresses and purges of the security log (`?format=csv|xlsx`)."""
    return _rows(c, EVENTS, user, person, agency, since, until, object)


@router.get("/access-log")
def access_log(c: ContainerDep, user: UserDep, person: str | None = None,
               agency: Agency | None = None, since: datetime | None = None,
               until: datetime | None = None, object: str | None = None) -> Any:
    """Who read which notice's detail or which agency's read models, and when
    (`?format=csv|xlsx`)."""
    return _rows(c, ACCESS, user, person, agency, since, until, object)


UUID_RE = r"[0-9a-fA-F-]{36}"
RECORDED = [
    (re.compile(rf"^/api/v1/accident-notices/({UUID_RE})$"), "notice"),
    (re.compile(rf"^/ui/notices/({UUID_RE})$"), "notice"),
    # An auditor's look at a record's history (a notice's among them): its detail too.
    (re.compile(rf"^/api/v1/audit/aggregates/({UUID_RE})(?:/timeline)?$"), "history"),
    (re.compile(rf"^/ui/audit/aggregates/({UUID_RE})$"), "history"),
    (re.compile(r"^/api/v1/agencies/([a-z]+)/[a-z-]+"), "agency read model"),
    (re.compile(r"^/ui/(queue|ledger|statistics|rate-proposals)$"), "agency read model"),
]


class AccessLog:
    """Records successful reads of the paths in RECORDED (after the answer is known)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        found = next(((m, what) for rx, what in RECORDED if (m := rx.match(path))), None)
        if found is None:
            await self.app(scope, receive, send)
            return
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, sending)
        actor = scope.get("state", {}).get("actor")
        source = scope["app"].state.container.ready() if "app" in scope else None
        if status == 200 and actor is not None and source is not None:
            m, what = found
            obj = m.group(1)
            if what == "agency read model" and path.startswith("/ui/"):
                obj = actor.agency
            source.security.access(account={"id": actor.id, "name": actor.name,
                                            "agency": actor.agency, "role": actor.role},
                                   what=what, object_id=obj, path=path)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
DOCS = ("/docs", "/redoc")  # these pages send their own CSP (adapters/http/docs.py)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS[1:] if scope["path"].startswith(DOCS) else HEADERS

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, sending)
