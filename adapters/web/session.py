"""Sign-in sessions: an HTTP-only, SameSite=Strict cookie holds a random session id.

The server keeps only the session id's SHA-256 → the user's token hash (in the API's own store),
so neither the token nor a usable session id is ever stored, and no secret is needed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from adapters.accounts import USERS, token_hash
from adapters.http.deps import ContainerDep
from adapters.web import i18n
from domain.common import Actor
from services.freshness import note_writer
from services.ports import Store

COOKIE = "linkage_session"
LANG_COOKIE = "linkage_lang"
SESSIONS = "web_sessions"
LIFETIME = timedelta(hours=12)


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _actor(doc: dict[str, str]) -> Actor:
    return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"], role=doc["role"])


def start(store: Store, token: str) -> str | None:
    """A new session id for a valid token, or None."""
    user_key = token_hash(token.strip())
    now = datetime.now(UTC)
    with store.transaction() as tx:
        if tx.get(USERS, user_key) is None:
            return None
        session_id = secrets.token_urlsafe(32)
        tx.put(SESSIONS, _key(session_id), {"user": user_key, "created_at": now.isoformat(),
                                            "expires_at": (now + LIFETIME).isoformat()})
    return session_id


def end(store: Store, session_id: str | None) -> None:
    if session_id:
        with store.transaction() as tx:
            tx.delete(SESSIONS, _key(session_id))


def user_for(store: Store, session_id: str | None) -> Actor | None:
    if not session_id:
        return None
    with store.transaction() as tx:
        session = tx.get(SESSIONS, _key(session_id))
        if session is None:
            return None
        if datetime.fromisoformat(session["expires_at"]) < datetime.now(UTC):
            tx.delete(SESSIONS, _key(session_id))
            return None
        doc = tx.get(USERS, session["user"])
    return _actor(doc) if doc is not None else None


def set_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(COOKIE, session_id, max_age=int(LIFETIME.total_seconds()), path="/",
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
        raise HTTPException(403, "cross-site form posts are refused")


def web_user(request: Request, c: ContainerDep) -> Actor:
    same_origin(request)
    actor = user_for(c.store("api"), request.cookies.get(COOKIE))
    if actor is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(path if request.method == "GET" else "/ui/", safe="/"))
    note_writer(actor)
    return actor


WebUserDep = Annotated[Actor, Depends(web_user)]
