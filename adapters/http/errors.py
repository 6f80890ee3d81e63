"""Every failure becomes a clear HTTP answer: 4xx naming the field, 503 when the database is away.

Every error body carries a stable `code` and its message in the reader's language
(`Accept-Language`: zh-CN by default, `en`), from the one catalogue (domain/messages.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.http.validation import field_name, items
from domain.accident_notice import NotRequired, PendingAcknowledgements, RevisionWindowClosed
from domain.common import DomainError, InvalidValue
from domain.fund_year import AmountRefused
from domain.health_follow_up import NotHealth
from domain.joint_inspection import DoubleBooked, NoSuchFinding, NotParticipating
from domain.joint_meeting import NoQuorum, NoSuchActionItem, NotAssigned, NotConvenor
from domain.messages import DEFAULT, negotiate, render
from services.application import ConcurrentWrite, NotFound, StaleVersion, Unavailable
from services.policies import Forbidden
from services.ports import StoreUnavailable

log = logging.getLogger(__name__)
UNAVAILABLE = (Unavailable, StoreUnavailable, OperationalError, InterfaceError,
               psycopg.OperationalError, psycopg.InterfaceError)
# The aggregates' own "not yours" rules: 403 with their stable code, like a Forbidden.
FORBIDDEN = (NotHealth, NotParticipating, NotConvenor, NotAssigned, NotRequired)
# A part of a record named in the path that it does not have (a finding, a resolution's item).
MISSING = (NoSuchFinding, NoSuchActionItem)
# A bare HTTPException (FastAPI's own 404/405, a handler's status): a code by its status.
STATUS_CODES = {401: "unknown_token", 404: "http_not_found", 405: "method_not_allowed",
                503: "database_unavailable"}

__all__ = ["Problem", "error_body", "field_name", "install", "lang_of", "problem"]


class Problem(HTTPException):
    """An HTTP refusal raised by a handler, worded from the catalogue: `problem(404,
    "no_such_account", account_id=...)`; with `field`, a 422 item naming it."""

    def __init__(self, status: int, code: str, /, field: str | None = None, *,
                 headers: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(status, render(code, "en", params), headers)
        self.code = code
        self.field = field
        self.params = params

    def body(self, lang: str) -> dict[str, Any]:
        text = render(self.code, lang, self.params)
        if self.field is not None:
            return {"detail": [{"field": self.field, "code": self.code, "message": text}],
                    "code": self.code}
        return {"detail": text, "code": self.code}


def problem(status: int, code: str, /, field: str | None = None, *,
            headers: dict[str, str] | None = None, **params: Any) -> Problem:
    return Problem(status, code, field, headers=headers, **params)


def lang_of(request: Request) -> str:
    """The reader's language: `Accept-Language` (zh-CN when absent or unknown)."""
    return negotiate(request.headers.get("accept-language"))


def _http(exc: StarletteHTTPException, lang: str) -> dict[str, Any]:
    if isinstance(exc, Problem):
        return exc.body(lang)
    code = STATUS_CODES.get(exc.status_code, "http_error")
    if exc.status_code == 422 and isinstance(exc.detail, list):
        return {"detail": exc.detail, "code": "invalid_input"}
    return {"detail": render(code, lang), "code": code}


def _domain(exc: DomainError, lang: str) -> dict[str, Any]:
    return {"detail": exc.text(lang), "code": exc.code}


def error_body(exc: Exception, lang: str = DEFAULT) -> tuple[int, Any] | None:
    """Status and body (in `lang`) for a known failure; None for a bug."""
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, _http(exc, lang)
    if isinstance(exc, Forbidden):
        return 403, _domain(exc, lang)
    if isinstance(exc, (NotFound, *MISSING)):
        return 404, _domain(exc, lang)
    if isinstance(exc, StaleVersion):
        return 412, {**_domain(exc, lang), "current_version": exc.actual}
    if isinstance(exc, ConcurrentWrite):
        return 409, _domain(exc, lang)
    if isinstance(exc, AmountRefused):  # the cap or budget, the total so far, the request
        return 409, {**_domain(exc, lang), **exc.figures}
    if isinstance(exc, FORBIDDEN):
        return 403, _domain(exc, lang)
    if isinstance(exc, DoubleBooked):
        return 409, {**_domain(exc, lang), "inspector_id": exc.inspector_id,
                     "other_inspection_id": exc.other}
    if isinstance(exc, NoQuorum):
        return 409, {**_domain(exc, lang), "absent": exc.absent, "present": exc.present,
                     "members": exc.members, "quorum": exc.needed}
    if isinstance(exc, PendingAcknowledgements):
        return 409, {**_domain(exc, lang), "pending_agencies": exc.pending,
                     "acknowledgement_round": exc.round}
    if isinstance(exc, (InvalidValue, RevisionWindowClosed)):
        field = exc.field or "body"
        return 422, {"detail": [{"field": field, "code": exc.code, "message": exc.text(lang)}],
                     "code": exc.code}
    if isinstance(exc, DomainError):
        return 409, _domain(exc, lang)
    if isinstance(exc, UNAVAILABLE):
        return 503, {"detail": render("database_unavailable", lang),
                     "code": "database_unavailable"}
    return None


def install(app: FastAPI,
            guards: Callable[[Request], Awaitable[None]] | None = None,
            pages: Callable[[Request, int, str | None], Response | None] | None = None) -> None:
    """`guards`: the route's 401/403 checks, run when a body that is not JSON was refused
    before any dependency ran (authorization comes before validation). `pages`: a page for a
    refusal of a path the staff UI owns (routing's 404/405, or any asked for as HTML: a
    form sent with a stale CSRF token), instead of the API's JSON."""

    async def _refused(request: Request, lang: str) -> JSONResponse | None:
        """The route's 401/403, for a body refused before any dependency ran."""
        if guards is None:
            return None
        try:
            await guards(request)
        except (HTTPException, DomainError) as refused:
            status, body = error_body(refused, lang) or (500, {"detail": "internal error"})
            return JSONResponse(body, status_code=status, headers=getattr(refused, "headers", None))
        return None

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = lang_of(request)
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            refused = await _refused(request, lang)
            if refused is not None:
                return refused
        found = items(exc.errors(), lang)
        return JSONResponse({"detail": found, "code": found[0]["code"] if found else
                             "invalid_input"}, status_code=422)

    async def _known(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 400 and isinstance(
                exc.__cause__, UnicodeDecodeError):  # FastAPI's answer to a body not in UTF-8
            return await _not_utf8(request)
        if pages is not None and isinstance(exc, StarletteHTTPException) and (
                exc.status_code in (404, 405) or "text/html" in request.headers.get("accept", "")):
            message = render(exc.code, lang_of(request), exc.params) \
                if isinstance(exc, Problem) else None
            page = pages(request, exc.status_code, message)
            if page is not None:
                return page
        mapped = error_body(exc, lang_of(request))
        if mapped is None:  # pragma: no cover - only for bugs
            log.exception("unhandled error", exc_info=exc)
            return JSONResponse({"detail": "internal error"}, status_code=500)
        status, body = mapped
        if status == 503:
            log.warning("database unavailable: %s", exc)
        http = isinstance(exc, StarletteHTTPException)
        headers = getattr(exc, "headers", None) if http else None
        if status == 503:
            headers = {**(headers or {}), "Retry-After": "5"}
        if http and not is_body_allowed_for_status_code(status):
            return Response(status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    async def _not_utf8(request: Request) -> Response:
        """JSON bodies are UTF-8 (API.md): another encoding is a 422 naming the body, after
        the route's 401/403 like any invalid request."""
        lang = lang_of(request)
        refused = await _refused(request, lang)
        if refused is not None:
            return refused
        return JSONResponse(Problem(422, "body_not_utf8", "body").body(lang), status_code=422)

    for cls in (DomainError, StarletteHTTPException, *UNAVAILABLE):
        app.add_exception_handler(cls, _known)
