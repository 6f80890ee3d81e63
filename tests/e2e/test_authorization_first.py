"""Authorization before validation: every write route, walked from app.routes, answers a known
user who may not use it with 403 (and a stable code), whatever is wrong with the request's body,
path or headers; a user who may use it gets the 422 that request deserves.

The table below is the contract (who may use each route, by role and agency); the aggregate's
own part of a decision (the agency required on that notice, booked on that inspection…) comes
before validation too, and is tested with each mechanism (test_object_guards_first.py, the
inspection and meeting tests).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from adapters.settings import Settings
from domain.vocabulary import AGENCIES, ROLES
from tests.conftest import sqlite_settings
from tests.e2e.conftest import Api
from tests.e2e.test_openapi_contract import conforms
from tests.e2e.test_ui_pages import csrf_of

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The embedded store only: each refusal here comes before any aggregate or read model is
    read, so PostgreSQL would repeat the same walk (~20 s) to the same answers."""
    return sqlite_settings(tmp_path)
LIAISON = ("liaison",)
INSPECTOR = ("inspector",)
CONVENOR = (("liaison", "admin"), ("hrss",))
HRSS = (LIAISON, ("hrss",))
FINANCE = (LIAISON, ("finance",))
N = "/api/v1/accident-notices"
J = "/api/v1/joint-inspections"
M = "/api/v1/joint-meetings"
P = "/api/v1/prevention-projects"
Who = tuple[tuple[str, ...], tuple[str, ...] | None]
API_ROUTES: dict[tuple[str, str], Who] = {
    ("POST", N): (LIAISON, None),
    ("POST", N + "/{notice_id}/acknowledgements"): (LIAISON, None),
    ("POST", N + "/{notice_id}/revisions"): (LIAISON, None),
    ("POST", N + "/{notice_id}/closure"): (("liaison", "inspector"), ("safety",)),
    ("POST", N + "/{notice_id}/withdrawal"): (LIAISON, None),
    ("POST", J): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/start"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/findings"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/findings/{finding_no}/rectification"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/findings/{finding_no}/reinspection"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/findings/{finding_no}/closure"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/completion"): (INSPECTOR, None),
    ("POST", J + "/{inspection_id}/cancellation"): (INSPECTOR, None),
    ("POST", M): CONVENOR,
    ("POST", M + "/{meeting_id}/attendance"): CONVENOR,
    ("POST", M + "/{meeting_id}/resolutions"): CONVENOR,
    ("POST", M + "/{meeting_id}/minutes"): CONVENOR,
    ("POST", M + "/{meeting_id}/closure"): CONVENOR,
    ("POST", M + "/{meeting_id}/resolutions/{resolution_no}/action-items/{item_no}/done"):
        (("liaison", "inspector", "admin"), None),
    ("POST", "/api/v1/fund-years"): HRSS,
    ("POST", "/api/v1/fund-years/{year}/ratio"): HRSS,
    ("POST", P): HRSS,
    ("POST", P + "/{project_id}/milestones"): HRSS,
    ("POST", P + "/{project_id}/disbursements"): HRSS,
    ("POST", P + "/{project_id}/assessment"): HRSS,
    ("POST", P + "/{project_id}/closure"): HRSS,
    ("POST", P + "/{project_id}/approval"): FINANCE,
    ("POST", P + "/{project_id}/rejection"): FINANCE,
    ("POST", P + "/{project_id}/disbursements/{disbursement_id}/payment"): FINANCE,
    ("POST", "/api/v1/agencies/health/follow-ups/{notice_id}/done"): (LIAISON, ("health",)),
    ("POST", "/api/v1/registers/{kind}"): (("admin",), None),
    ("DELETE", "/api/v1/registers/{kind}/{key}"): (("admin",), None),
    ("POST", "/api/v1/registers/inspectors/{key}/account"): (("admin",), None),
    ("POST", "/api/v1/registers/{kind}/{key}/deactivation"): (("admin",), None),
    ("POST", "/api/v1/registers/{kind}/{key}/reactivation"): (("admin",), None),
    ("POST", "/api/v1/audit/verify"): (("auditor", "admin"), None),
    ("POST", "/api/v1/users"): (("admin",), None),
    ("POST", "/api/v1/users/{account_id}/role"): (("admin",), None),
    ("POST", "/api/v1/users/{account_id}/deactivation"): (("admin",), None),
    ("POST", "/api/v1/users/{account_id}/reactivation"): (("admin",), None),
    ("POST", "/api/v1/users/{account_id}/tokens"): (("admin",), None),
    ("POST", "/api/v1/users/{account_id}/tokens/{token_id}/revocation"): (("admin",), None),
    # the path's agency's own admins (liaisons too for a retry); a bad path names no agency
    ("POST", "/api/v1/agencies/{agency}/contacts"): (("admin",), None),
    ("PUT", "/api/v1/agencies/{agency}/contacts/{contact_id}"): (("admin",), None),
    ("DELETE", "/api/v1/agencies/{agency}/contacts/{contact_id}"): (("admin",), None),
    ("POST", "/api/v1/agencies/{agency}/deliveries/{delivery_id}/retry"): (("admin", "liaison"), None),
}
# The staff UI's forms (a session cookie instead of a bearer token); a step in the path picks
# the action. Sign-in, sign-out and the form's live check are open to anyone.
UI_OPEN = {"/ui/login", "/ui/logout", "/ui/notices/check"}
UI_ROUTES: dict[str, Who] = {
    "/ui/accounts": (("admin",), None),
    "/ui/accounts/{account_id}/{step}": (("admin",), None),
    "/ui/notices/new": (LIAISON, None),
    "/ui/notices/{notice_id}/revise": (LIAISON, None),
    "/ui/notices/{notice_id}/acknowledge": (LIAISON, None),
    "/ui/notices/{notice_id}/close": (("liaison", "inspector"), ("safety",)),
    "/ui/notices/{notice_id}/withdraw": (LIAISON, None),
    "/ui/inspections/new": (INSPECTOR, None),
    "/ui/inspections/{inspection_id}/start": (INSPECTOR, None),
    "/ui/inspections/{inspection_id}/finding": (INSPECTOR, None),
    "/ui/inspections/{inspection_id}/cancellation": (INSPECTOR, None),
    "/ui/meetings": CONVENOR,
    "/ui/meetings/{meeting_id}/attendance": CONVENOR,
    "/ui/meetings/{meeting_id}/minutes": CONVENOR,
    "/ui/meetings/{meeting_id}/done": (("liaison", "inspector", "admin"), None),
    "/ui/ledger/{project_id}/approve": FINANCE,
    "/ui/ledger/{project_id}/pay": FINANCE,
    "/ui/audit/verify": (("auditor", "admin"), None),
    "/ui/contacts": (("admin",), None),
    "/ui/contacts/{contact_id}/remove": (("admin",), None),
    "/ui/fund-years": HRSS,
    "/ui/fund-years/{year}/ratio": HRSS,
    "/ui/projects/new": HRSS,
    "/ui/projects/{project_id}/approval": FINANCE,
    "/ui/projects/{project_id}/rejection": FINANCE,
    "/ui/projects/{project_id}/milestones": HRSS,
    "/ui/projects/{project_id}/disbursements": HRSS,
    "/ui/projects/{project_id}/disbursements/{disbursement_id}/payment": FINANCE,
    "/ui/projects/{project_id}/assessment": HRSS,
    "/ui/projects/{project_id}/closure": HRSS,
    "/ui/registers/{kind}": (("admin",), None),
    "/ui/registers/{kind}/{key}/deactivation": (("admin",), None),
    "/ui/registers/{kind}/{key}/reactivation": (("admin",), None),
    "/ui/registers/{kind}/{key}/removal": (("admin",), None),
    "/ui/registers/inspectors/{key}/account": (("admin",), None),
}
USERS = [(agency, role) for agency in AGENCIES for role in ROLES]
CODES = {"role_not_allowed", "agency_not_allowed", "auditor_read_only"}
# What is wrong with every request sent: a path parameter of the wrong type, an If-Match that
# is no version, an Idempotency-Key too long, and a body of the wrong shape or not JSON at all.
BAD_HEADERS = {"If-Match": "not a version", "Idempotency-Key": "k" * 300}
BAD_BODIES: list[dict[str, Any]] = [
    {"json": {"unexpected": ["field"], "deaths": "many"}},
    {"content": b'{"title": ', "headers": {"Content-Type": "application/json"}},
]


def allowed(who: Who, agency: str, role: str) -> bool:
    roles, agencies = who
    return role in roles and (agencies is None or agency in agencies)


def routes(api: Api) -> list[Any]:
    """Every route the app serves, through the routers it includes."""
    app: Any = api.client.app
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


def api_write_routes(api: Api) -> set[tuple[str, str]]:
    return {(m, r.path) for r in routes(api) if r.path.startswith("/api/") for m in r.methods & WRITES}


def bad_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "not-valid-%25", template)


def test_every_write_route_answers_403_before_422(api: Api) -> None:
    routes = api_write_routes(api)
    assert routes == set(API_ROUTES), ("give each new write route its row here",
                                       routes ^ set(API_ROUTES))
    head = api.container.app.recorder.max_notification_id()
    doc = api.client.get("/openapi.json").json()
    wrong: list[tuple[str, str, str, str, int]] = []
    refused = 0
    for (method, template), who in sorted(API_ROUTES.items()):
        for agency, role in USERS:
            auth = api.auth(agency, role)
            for bad in BAD_BODIES:
                headers = {**BAD_HEADERS, **bad.get("headers", {}), **auth}
                r = api.client.request(method, bad_path(template), headers=headers,
                                       **{k: v for k, v in bad.items() if k != "headers"})
                if r.status_code in (403, 422):
                    conforms(doc, method, template, r)  # documented, with this very body
                if not allowed(who, agency, role):
                    refused += 1
                    if r.status_code != 403 or r.json().get("code") not in CODES:
                        wrong.append((method, template, agency, role, r.status_code))
                elif template != "/api/v1/audit/verify" and r.status_code != 422:
                    wrong.append((method, template, agency, role, r.status_code))
    assert refused > 500
    assert not wrong, f"{len(wrong)} of {refused} refused requests: {wrong[:20]}"
    assert api.container.app.recorder.max_notification_id() == head  # nothing was stored


def test_a_refused_request_is_403_with_its_reason_and_without_a_token_401(api: Api) -> None:
    r = api.client.post(N + "/not-a-uuid/closure", content=b"{", headers={
        **api.auth("hrss"), "Content-Type": "application/json", "Accept-Language": "en"})
    assert r.status_code == 403
    assert r.json() == {"code": "agency_not_allowed",
                        "detail": "agency hrss may not do this (needs safety)"}
    zh = api.client.post(N + "/not-a-uuid/closure", content=b"{", headers={
        **api.auth("hrss"), "Content-Type": "application/json"})
    assert zh.json() == {"code": "agency_not_allowed", "detail": "人社局无权执行此操作（需要：应急管理局）"}
    r = api.client.post(N, content=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    r = api.client.post(N, content=b"not json", headers={
        **api.auth("safety"), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"


def sign_in(api: Api, agency: str, role: str) -> None:
    token = api.auth(agency, role)["Authorization"][7:]
    api.client.cookies.clear()
    r = api.client.post("/ui/login", data={"token": token, "next": "/ui/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    api.client.headers["X-CSRF-Token"] = csrf_of(api.client.get("/ui/").text)  # as a form would


def ui_write_routes(api: Api) -> set[str]:
    return {r.path for r in routes(api) if r.path.startswith("/ui") and r.methods & WRITES}


def test_every_ui_form_refuses_a_user_who_may_not_use_it_before_reading_it(api: Api) -> None:
    steps = {re.sub(r"/(start|finding|cancellation|attendance|minutes|done|approve|pay)$",
                    lambda m: "/{step}", p) for p in UI_ROUTES}
    assert ui_write_routes(api) == steps | UI_OPEN, ui_write_routes(api) ^ (steps | UI_OPEN)
    wrong = []
    for agency, role in USERS:
        sign_in(api, agency, role)
        for template, who in UI_ROUTES.items():
            path = template.replace("{notice_id}", "x").replace("{inspection_id}", "x") \
                .replace("{meeting_id}", "x").replace("{project_id}", "x")
            r = api.client.post(path, data={"deaths": "many", "title": ""},
                                follow_redirects=False)
            if allowed(who, agency, role) != (r.status_code != 403) or r.status_code >= 500:
                wrong.append((template, agency, role, r.status_code))
    assert not wrong, wrong
