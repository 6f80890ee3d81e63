"""Sign-in and access audit over HTTP: every attempt recorded (never the token), throttling,
the access log, the auditor's queries and CSV, and the retention purge — SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from services.accounts import CLI_ACTOR
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import sign_in
from tests.support import ManualClock, notice_body

NOTICES = "/api/v1/accident-notices"
AUDIT = "/api/v1/audit"


def test_attempts_are_recorded_without_the_token_and_failures_are_throttled(api: Api) -> None:
    made = api.container.accounts.add(CLI_ACTOR, name="王敏", agency="safety", role="liaison")
    good = {"Authorization": f"Bearer {made['token']['token']}", "User-Agent": "probe/1.0"}
    for _ in range(3):
        assert api.client.get(NOTICES, headers=good).status_code == 200
    bad = {"Authorization": "Bearer lk_guessing", "User-Agent": "probe/1.0"}
    for _ in range(10):
        assert api.client.get(NOTICES, headers=bad).status_code == 401
    assert api.client.get(NOTICES, headers=bad).status_code == 401  # the 11th: more than 10
    r = api.client.get(NOTICES, headers=bad)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert api.client.get(NOTICES, headers=good).status_code == 429  # the address, not the token

    auditor = api.auth("safety", "auditor")  # another address would not be blocked; ours is
    api.container.security.throttle._failures.clear()
    rows = api.client.get(f"{AUDIT}/sign-ins", headers=auditor).json()["items"]
    ok = [r for r in rows if r["outcome"] == "ok" and r["name"] == "王敏"]
    assert sum(r["count"] for r in ok) == 3 and ok[0]["user_agent"] == "probe/1.0"
    assert ok[0]["address"] == "testclient" and ok[0]["token_id"] == made["token"]["id"]
    failed = [r for r in rows if r["outcome"] == "unknown_token"]
    assert sum(r["count"] for r in failed) == 11 and failed[0]["account_id"] is None
    assert made["token"]["token"] not in str(rows) and "lk_guessing" not in str(rows)
    events = api.client.get(f"{AUDIT}/security-events", headers=auditor).json()["items"]
    assert [e["kind"] for e in events] == ["throttled"] and events[0]["address"] == "testclient"


def test_a_web_sign_in_is_recorded_and_reads_land_in_the_access_log(api: Api) -> None:
    liaison = api.auth("safety")
    notice = api.client.post(NOTICES, json=notice_body(), headers=liaison).json()["id"]
    api.container.drain()
    assert api.client.post("/ui/login", data={"token": "lk_wrong"}).status_code == 401
    assert api.client.get(f"{NOTICES}/{notice}", headers=liaison).status_code == 200
    assert api.client.get("/api/v1/agencies/safety/queue", headers=liaison).status_code == 200
    assert api.client.get(f"{NOTICES}/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                          headers=liaison).status_code == 404  # not a read of anything

    auditor = api.auth("hrss", "auditor")
    web = api.client.get(f"{AUDIT}/sign-ins", params={"object": "testclient"},
                         headers=auditor).json()["items"]
    assert any(r["method"] == "web" and r["outcome"] == "unknown_token" for r in web)
    log = api.client.get(f"{AUDIT}/access-log", headers=auditor).json()["items"]
    assert [(r["what"], r["object"], r["name"], r["agency"]) for r in log] == [
        ("agency read model", "safety", "safety-liaison", "safety"),
        ("notice", notice, "safety-liaison", "safety")]
    only = api.client.get(f"{AUDIT}/access-log", params={"object": notice, "person": "safety-liaison",
                                                         "agency": "safety"}, headers=auditor)
    assert [r["object"] for r in only.json()["items"]] == [notice]
    since = api.client.get(f"{AUDIT}/access-log", headers=auditor,
                           params={"since": "2999-01-01T00:00:00+08:00"}).json()
    assert since == {"items": []}
    exported = api.client.get(f"{AUDIT}/access-log", params={"format": "csv"}, headers=auditor)
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {r["对象"] for r in table} == {notice, "safety"} and table[0]["姓名"] == "safety-liaison"
    for path in ("sign-ins", "security-events", "access-log"):
        assert api.client.get(f"{AUDIT}/{path}", headers=liaison).status_code == 403
    # the auditor's own reads of the notice's history are in the log too
    for path in (f"{AUDIT}/aggregates/{notice}", f"{AUDIT}/aggregates/{notice}/timeline"):
        assert api.client.get(path, headers=auditor).status_code == 200, path
    sign_in(api, "hrss", "auditor")  # the page, in a web session
    assert api.client.get(f"/ui/audit/aggregates/{notice}").status_code == 200
    mine = api.client.get(f"{AUDIT}/access-log", params={"object": notice, "person": "hrss-auditor"},
                          headers=auditor).json()["items"]
    assert sorted(r["path"] for r in mine) == sorted([
        f"{AUDIT}/aggregates/{notice}", f"{AUDIT}/aggregates/{notice}/timeline",
        f"/ui/audit/aggregates/{notice}"])
    assert {r["what"] for r in mine} == {"history"}


def test_the_purge_keeps_the_retention_period_and_never_touches_the_event_store(
        api: Api, clock: ManualClock) -> None:
    liaison = api.auth("safety")
    notice = api.client.post(NOTICES, json=notice_body(), headers=liaison).json()["id"]
    api.client.get(f"{NOTICES}/{notice}", headers=liaison)
    clock.advance(days=100)
    api.client.get(f"{NOTICES}/{notice}", headers=liaison)
    head = api.container.app.recorder.max_notification_id()
    clock.advance(days=81)  # the first read is 181 days old, the second 81
    removed = api.container.security.purge(timedelta(days=180))
    assert removed["access"] == 1 and removed["signins"] >= 1
    auditor = api.auth("hrss", "auditor")
    log = api.client.get(f"{AUDIT}/access-log", headers=auditor).json()["items"]
    assert len(log) == 1 and log[0]["at"] == (clock.now - timedelta(days=81)).isoformat()
    purges = [e for e in api.client.get(f"{AUDIT}/security-events",
                                        headers=auditor).json()["items"] if e["kind"] == "purge"]
    assert len(purges) == 1 and "access 1" in purges[0]["detail"]
    assert api.container.app.recorder.max_notification_id() == head
    assert api.client.get(f"{NOTICES}/{notice}", headers=liaison).status_code == 200
