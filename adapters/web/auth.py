"""Sign-in, sign-out, the language switch and the home page that sends each role to its work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from adapters.http.deps import ContainerDep, source
from adapters.web import i18n, session
from adapters.web.render import render
from adapters.web.session import WebUserDep
from services.accounts import SignIn

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
    actor = session.user_for(c, request.cookies.get(session.COOKIE))
    if actor is not None:
        return RedirectResponse(session.safe_next(next), status_code=303)
    return render(request, "login.html", None, next=session.safe_next(next), signed_out=bool(out))


@router.post("/ui/login", response_class=HTMLResponse)
def login(request: Request, c: ContainerDep, token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/ui/") -> Response:
    session.same_origin(request)
    address, agent = source(request)
    wait = c.security.throttle.retry_after(address)
    if wait is not None:
        page = render(request, "login.html", None, status=429, next=session.safe_next(next),
                      error="throttled")
        page.headers["Retry-After"] = str(wait)
        return page
    session_id, signed = session.start(c, token) if token.strip() else (None, SignIn("no_token"))
    who = ({"id": signed.actor.id, "name": signed.actor.name, "agency": signed.actor.agency}
           if signed.actor else {"id": signed.account_id})
    c.security.sign_in(method="web", outcome=signed.outcome, address=address, user_agent=agent,
                       account=who, token_id=signed.token_id)
    if session_id is None:
        return render(request, "login.html", None, status=401, next=session.safe_next(next),
                      error="bad_token")
    response = RedirectResponse(session.safe_next(next), status_code=303)
    session.set_cookie(request, response, session_id)
    return response


@router.post("/ui/logout")
async def logout(request: Request, c: ContainerDep) -> RedirectResponse:
    session.same_origin(request)
    sid = request.cookies.get(session.COOKIE)
    found = await run_in_threadpool(session.current, c, sid)
    if found is not None:
        await session.check_csrf(request, found[1])
        await run_in_threadpool(session.end, c, sid)
    response = RedirectResponse("/ui/login?out=1", status_code=303)
    session.clear_cookie(response)
    return response


@router.get("/ui/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/ui/") -> RedirectResponse:
    response = RedirectResponse(session.safe_next(next), status_code=303)
    response.set_cookie(session.LANG_COOKIE, i18n.pick(lang), max_age=365 * 86400, path="/",
                        samesite="lax", secure=request.url.scheme == "https")
    return response
