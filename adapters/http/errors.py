"""Every failure becomes a clear HTTP answer: 4xx naming the field, 503 when the database is away."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from domain.accident_notice import NotRequired, PendingAcknowledgements, RevisionWindowClosed
from domain.common import DomainError, InvalidValue
from domain.fund_year import AmountRefused
from domain.health_follow_up import NotHealth
from domain.joint_inspection import DoubleBooked, NotParticipating
from domain.joint_meeting import NoQuorum, NotAssigned, NotConvenor
from services.application import ConcurrentWrite, NotFound, StaleVersion, Unavailable
from services.policies import Forbidden
from services.ports import StoreUnavailable

log = logging.getLogger(__name__)
UNAVAILABLE = (Unavailable, StoreUnavailable, OperationalError, InterfaceError,
               psycopg.OperationalError, psycopg.InterfaceError)
# The aggregates' own "not yours" rules, with the same kind of stable code as a Forbidden.
FORBIDDEN_CODES: dict[type[Exception], str] = {
    NotHealth: "not_health", NotParticipating: "agency_not_participating",
    NotConvenor: "not_convenor", NotAssigned: "action_item_not_assigned",
    NotRequired: "agency_not_required",
}


def field_name(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the field name the user sees ("employer.credit_code")."""
    parts = [str(p) for p in loc if p not in ("body", "query", "header", "path")]
    return ".".join(parts) or "body"


def error_body(exc: Exception) -> tuple[int, Any] | None:
    """Status and body for a known failure; None for a bug."""
    if isinstance(exc, HTTPException):
        return exc.status_code, {"detail": exc.detail}
    if isinstance(exc, Forbidden):
        return 403, {"detail": exc.reason, "code": exc.code}
    if isinstance(exc, NotFound):
        return 404, {"detail": exc.message}
    if isinstance(exc, StaleVersion):
        return 412, {"detail": exc.message, "current_version": exc.actual}
    if isinstance(exc, ConcurrentWrite):
        return 409, {"detail": exc.message}
    if isinstance(exc, AmountRefused):  # the cap or budget, the total so far, the request
        return 409, {"detail": exc.message, **exc.figures}
    for refused, code in FORBIDDEN_CODES.items():
        if isinstance(exc, refused):
            return 403, {"detail": str(exc), "code": code}
    if isinstance(exc, DoubleBooked):
        return 409, {"detail": exc.message, "inspector_id": exc.inspector_id,
                     "other_inspection_id": exc.other}
    if isinstance(exc, NoQuorum):
        return 409, {"detail": exc.message, "absent": exc.absent, "present": exc.present,
                     "members": exc.members, "quorum": exc.needed}
    if isinstance(exc, PendingAcknowledgements):
        return 409, {"detail": exc.message, "pending_agencies": exc.pending,
                     "acknowledgement_round": exc.round}
    if isinstance(exc, (InvalidValue, RevisionWindowClosed)):
        field = exc.field or "body"
        return 422, {"detail": [{"field": field, "message": exc.message}]}
    if isinstance(exc, DomainError):
        return 409, {"detail": exc.message}
    if isinstance(exc, UNAVAILABLE):
        return 503, {"detail": "the database is unavailable; please retry shortly"}
    return None


def install(app: FastAPI,
            guards: Callable[[Request], Awaitable[None]] | None = None) -> None:
    """`guards`: the route's 401/403 checks, run when a body that is not JSON was refused
    before any dependency ran (authorization comes before validation)."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if guards is not None and any(e.get("type") == "json_invalid" for e in exc.errors()):
            try:
                await guards(request)
            except (HTTPException, DomainError) as refused:
                status, body = error_body(refused) or (500, {"detail": "internal error"})
                return JSONResponse(body, status_code=status,
                                    headers=getattr(refused, "headers", None))
        errors = [{"field": field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid"),
                   "type": e.get("type")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    async def _known(_: Request, exc: Exception) -> JSONResponse:
        mapped = error_body(exc)
        if mapped is None:  # pragma: no cover - only for bugs
            log.exception("unhandled error", exc_info=exc)
            return JSONResponse({"detail": "internal error"}, status_code=500)
        status, body = mapped
        if status == 503:
            log.warning("database unavailable: %s", exc)
        headers = {"Retry-After": "5"} if status == 503 else None
        return JSONResponse(body, status_code=status, headers=headers)

    for cls in (DomainError, *UNAVAILABLE):
        app.add_exception_handler(cls, _known)
