"""Sign-in sessions: an HTTP-only, SameSite=Strict cookie holds a random session id.

The server keeps only the session id's SHA-256 → the account, its token's hash and a CSRF
token (in the API's own store), so neither the token nor a usable session id is ever stored.
Every page view checks the token against the account index: a revoked token, an expired one
or a deactivated account ends the session at once. Sessions end after `session_idle` without
a page view and `session_lifetime` after sign-in, whatever happens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapters.accounts import authenticate, authenticate_key, token_hash
from adapters.bootstrap import Container
from adapters.http.deps import ContainerDep
from adapters.http.errors import problem
from adapters.web import i18n
from domain.common import Actor
from services.accounts import SignIn
from services.freshness import note_writer

COOKIE = "linkage_session"
LANG_COOKIE = "linkage_lang"
SESSIONS = "web_sessions"
CSRF_FIELD = "csrf"
TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(c: Container, token: str) -> tuple[str | None, SignIn]:
    """A new session id for a valid token (None when refused), and the sign-in's outcome."""
    signed = authenticate(c, token.strip())
    if signed.actor is None:
        return None, signed
    now = c.clock()
    session_id = secrets.token_urlsafe(32)
    with c.store("api").transaction() as tx:
        tx.put(SESSIONS, _key(session_id), {
            "user": token_hash(token.strip()), "account_id": signed.account_id,
            "created_at": now.isoformat(), "last_seen": now.isoformat(),
            "csrf": secrets.token_urlsafe(24)})
    return session_id, signed


def end(c: Container, session_id: str | None) -> None:
    if session_id:
        with c.store("api").transaction() as tx:
            tx.delete(SESSIONS, _key(session_id))


def current(c: Container, session_id: str | None) -> tuple[Actor, str] | None:
    """The session's user and CSRF token, or None when there is no live session."""
    if not session_id:
        return None
    s, now, key = c.settings, c.clock(), _key(session_id)
    with c.store("api").transaction(write=False) as tx:
        doc = tx.get(SESSIONS, key)
    if doc is None or "csrf" not in doc:  # sessions from before CSRF tokens: sign in again
        return None
    created, seen = (datetime.fromisoformat(doc[k]) for k in ("created_at", "last_seen"))
    signed = authenticate_key(c, doc["user"])  # never cached: a revocation ends it at once
    if (signed.actor is None or now - created >= s.session_lifetime
            or now - seen >= s.session_idle):
        end(c, session_id)
        return None
    if now - seen >= TOUCH_EVERY:
        with c.store("api").transaction() as tx:
            tx.put(SESSIONS, key, {**doc, "last_seen": now.isoformat()})
    return signed.actor, str(doc["csrf"])


def user_for(c: Container, session_id: str | None) -> Actor | None:
    found = current(c, session_id)
    return found[0] if found else None


def set_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(COOKIE, session_id, path="/",  # a browser-session cookie; the server ends it
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def lang_of(request: Request) -> str:
    return i18n.pick(request.cookies.get(LANG_COOKIE))


def safe_next(url: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if not url:
        return "/ui/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/ui/"
    return url


def same_origin(request: Request) -> None:
    """A form POST must come from our own pages (SameSite=Strict is the first line)."""
    origin = request.headers.get("origin")
    if (request.method == "POST" and origin and origin != "null"
            and urlsplit(origin).netloc != request.headers.get("host", request.url.netloc)):
        raise problem(403, "cross_site_post")


async def check_csrf(request: Request, expected: str) -> None:
    """A form POST carries the session's CSRF token (field `csrf` or header X-CSRF-Token)."""
    if request.method != "POST":
        return
    sent: Any = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise problem(403, "csrf_stale")


async def web_user(request: Request, c: ContainerDep) -> Actor:
    same_origin(request)
    found = await run_in_threadpool(current, c, request.cookies.get(COOKIE))
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(path if request.method == "GET" else "/ui/", safe="/"))
    actor, csrf = found
    await check_csrf(request, csrf)
    request.state.actor = actor
    request.state.csrf = csrf
    note_writer(actor)
    return actor


WebUserDep = Annotated[Actor, Depends(web_user)]
