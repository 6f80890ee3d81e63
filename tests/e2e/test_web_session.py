"""Web sessions end server-side: sign-out, a revoked token, a deactivated account, 30 minutes
idle, 12 hours in all; forms need the session's CSRF token; pages send security headers."""

from __future__ import annotations

from datetime import timedelta

from services.accounts import CLI_ACTOR
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import csrf_of
from tests.support import ManualClock


def signed_in(api: Api) -> tuple[str, str, str]:
    """(account id, token id, CSRF token) of a liaison signed in on the UI."""
    made = api.container.accounts.add(CLI_ACTOR, name="王敏", agency="safety", role="liaison")
    api.client.cookies.clear()
    r = api.client.post("/ui/login", data={"token": made["token"]["token"]}, follow_redirects=False)
    assert r.status_code == 303
    page = api.client.get("/ui/queue")
    assert page.status_code == 200
    return made["id"], made["token"]["id"], csrf_of(page.text)


def signed_out(api: Api) -> bool:
    r = api.client.get("/ui/queue", follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/ui/login")


def test_a_deactivated_or_revoked_users_session_ends(api: Api) -> None:
    uid, _, _ = signed_in(api)
    api.container.accounts.deactivate(CLI_ACTOR, uid, "调离")
    assert signed_out(api)
    api.container.accounts.reactivate(CLI_ACTOR, uid)
    assert signed_out(api)  # ended, not suspended: sign in again
    uid, tid, _ = signed_in(api)
    api.container.accounts.revoke_token(CLI_ACTOR, uid, tid)
    assert signed_out(api)


def test_idle_and_absolute_timeouts(api: Api, clock: ManualClock) -> None:
    signed_in(api)
    clock.advance(minutes=29)
    assert api.client.get("/ui/queue").status_code == 200
    clock.advance(minutes=29)  # 58 minutes after sign-in, 29 after the last page
    assert api.client.get("/ui/queue").status_code == 200
    clock.advance(minutes=31)
    assert signed_out(api)
    signed_in(api)
    start = clock.now
    while not signed_out(api):  # busy all day: a page every 28 minutes
        clock.advance(minutes=28)
        assert clock.now - start <= timedelta(hours=13)
    assert clock.now - start >= timedelta(hours=12)


def test_forms_need_the_csrf_token_and_pages_send_security_headers(api: Api) -> None:
    _, _, csrf = signed_in(api)
    page = api.client.get("/ui/notices/new")
    assert f'name="csrf" value="{csrf}"' in page.text and "<script>" not in page.text
    headers = page.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    refused = api.client.post("/ui/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and not signed_out(api)
    r = api.client.post("/ui/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and signed_out(api)
    api_headers = api.client.get("/api/v1/accident-notices", headers=api.auth("safety")).headers
    assert api_headers["X-Content-Type-Options"] == "nosniff"
