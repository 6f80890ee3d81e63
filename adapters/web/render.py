"""Jinja2 rendering: every page gets the user, the language, translations and formatters."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import escape

from adapters.http.errors import error_body
from adapters.web import i18n
from adapters.web.once import with_form_keys
from adapters.web.session import lang_of
from domain.common import Actor
from services.policies import Forbidden, Rule

HERE = Path(__file__).parent
env = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


@pass_context
def beijing(ctx: Any, value: Any, seconds: bool = False) -> str:
    """`{{ e.time | beijing }}`: any time in Beijing time, in the page's language's format
    (2026年12月2日 16:05 / 2 Dec 2026, 16:05) — the same formatter as `dt(...)`."""
    return i18n.format_datetime(ctx.get("lang", i18n.DEFAULT), value, seconds)


env.filters["beijing"] = beijing

# Navigation entries: (path, catalogue key, roles, agencies) — None: everyone; auditors read
# every agency's pages. Each page group appends its own.
NAV: list[tuple[str, str, tuple[str, ...] | None, tuple[str, ...] | None]] = [
    ("/ui/queue", "queue", ("liaison",), None),
    ("/ui/notices/new", "file_notice", ("liaison",), None),
    ("/ui/notices", "notices", None, None),
]


NAV_ORDER = ("/ui/queue", "/ui/notices/new", "/ui/notices", "/ui/inspections", "/ui/meetings",
             "/ui/ledger", "/ui/statistics", "/ui/rate-proposals", "/ui/audit", "/ui/deliveries",
             "/ui/contacts")


def nav_for(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return []
    entries = sorted(NAV, key=lambda e: NAV_ORDER.index(e[0]) if e[0] in NAV_ORDER else 99)
    return [(path, key) for path, key, roles, agencies in entries
            if (roles is None or actor.role in roles)
            and (agencies is None or actor.agency in agencies or actor.role == "auditor")]


def render(request: Request, template: str, actor: Actor | None, status: int = 200,
           **ctx: Any) -> HTMLResponse:
    lang = lang_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = env.get_template(template).render(
        request=request, user=actor, lang=lang, here=here, nav=nav_for(actor),
        langs=(("zh-CN", "简体中文"), ("en", "English")), **i18n.helpers(lang), **ctx,
    )
    csrf = getattr(request.state, "csrf", None)
    if csrf is not None:
        html = with_csrf(html, csrf)
    return HTMLResponse(with_form_keys(html), status_code=status)


POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>", re.IGNORECASE)


def with_csrf(html: str, csrf: str) -> str:
    """Every POST form carries the session's CSRF token (pages need not remember to)."""
    field = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    return POST_FORM.sub(lambda m: m.group(0) + field, html)


def problem(exc: Exception, lang: str) -> tuple[int, str, str | None] | None:
    """(status, message in `lang`, field) for a known failure, the same mapping and the same
    catalogue (domain/messages.py) as the API's."""
    mapped = error_body(exc, lang)
    if mapped is None:
        return None
    status, body = mapped
    detail = body.get("detail")
    if isinstance(detail, list) and detail:
        first = detail[0]
        return status, str(first.get("message", "")), first.get("field")
    return status, str(detail), None


def forbidden(request: Request, actor: Actor | None) -> HTMLResponse:
    """A policy refused the user (services.policies): 403, worded from the catalogue."""
    return render(request, "error.html", actor, status=403, message=None, status_code=403)


def refused(request: Request, actor: Actor, rule: Rule) -> HTMLResponse | None:
    """The 403 page when the rule does not let the user act, else None."""
    return None if rule.allows(actor) else forbidden(request, actor)


def error_page(request: Request, actor: Actor | None, exc: Exception) -> HTMLResponse:
    if isinstance(exc, Forbidden):  # why, in the page's language (the catalogue's words)
        return render(request, "error.html", actor, status=403,
                      message=exc.text(lang_of(request)), status_code=403)
    found = problem(exc, lang_of(request))
    if found is None:
        raise exc
    status, message, field = found
    if field:  # which input was refused, in the page's words
        message = f"{i18n.translate(lang_of(request), field)}: {message}"
    return render(request, "error.html", actor, status=status, message=message,
                  status_code=status)


def routing_page(request: Request, status: int, message: str | None) -> HTMLResponse | None:
    """A refusal of a path under /ui/ (no such page, or a form sent with a stale CSRF token):
    the error page, in the reader's language, not the API's JSON; None elsewhere."""
    if not request.url.path.startswith("/ui"):
        return None
    return render(request, "error.html", getattr(request.state, "actor", None), status=status,
                  message=message, status_code=status)
