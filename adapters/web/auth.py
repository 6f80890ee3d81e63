"""Sign-in, sign-out, the language switch and the home page that sends each role to its work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.http.deps import ContainerDep
from adapters.web import i18n, session
from adapters.web.render import render
from adapters.web.session import WebUserDep

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {"liaison": "/ui/queue", "inspector": "/ui/inspections", "auditor": "/ui/audit",
                "admin": "/ui/notices"}


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/")
@router.get("/ui")
def home(actor: WebUserDep) -> RedirectResponse:
    return RedirectResponse(HOME_BY_ROLE.get(actor.role, "/ui/notices"), status_code=303)


@router.get("/ui/login", response_class=HTMLResponse)
def login_page(request: Request, c: ContainerDep, next: str = "/ui/", out: int = 0) -> Response:
    actor = session.user_for(c.store("api"), request.cookies.get(session.COOKIE))
    if actor is not None:
        return RedirectResponse(session.safe_next(next), status_code=303)
    return render(request, "login.html", None, next=session.safe_next(next), signed_out=bool(out))


@router.post("/ui/login", response_class=HTMLResponse)
def login(request: Request, c: ContainerDep, token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/ui/") -> Response:
    session.same_origin(request)
    session_id = session.start(c.store("api"), token) if token.strip() else None
    if session_id is None:
        return render(request, "login.html", None, status=401, next=session.safe_next(next),
                      error="bad_token")
    response = RedirectResponse(session.safe_next(next), status_code=303)
    session.set_cookie(request, response, session_id)
    return response


@router.post("/ui/logout")
def logout(request: Request, c: ContainerDep) -> RedirectResponse:
    session.same_origin(request)
    session.end(c.store("api"), request.cookies.get(session.COOKIE))
    response = RedirectResponse("/ui/login?out=1", status_code=303)
    session.clear_cookie(response)
    return response


@router.get("/ui/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/ui/") -> RedirectResponse:
    response = RedirectResponse(session.safe_next(next), status_code=303)
    response.set_cookie(session.LANG_COOKIE, i18n.pick(lang), max_age=365 * 86400, path="/",
                        samesite="lax", secure=request.url.scheme == "https")
    return response
