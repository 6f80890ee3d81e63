"""The read-your-writes scenario, run on the embedded default (tests/e2e) and through the real
broker (tests/integration): each write is followed at once by the same user's read of an
agency read model, with no wait or drain in between."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.common import beijing_date
from tests.e2e.conftest import Api
from tests.support import ManualClock, notice_body

NOTICES = "/api/v1/accident-notices"


def post(api: Api, url: str, who: tuple[str, str], body: Any = None, status: int = 200) -> Any:
    r = api.client.post(url, json=body, headers=api.auth(*who))
    assert r.status_code == status, r.text
    assert int(r.headers["Linkage-Position"]) > 0
    return r


def read(api: Api, url: str, who: tuple[str, str], **headers: str) -> Any:
    r = api.client.get(url, headers={**api.auth(*who), **headers})
    assert r.status_code == 200, r.text
    assert "Linkage-Stale" not in r.headers
    return r.json()


def queue_ids(api: Api, agency: str, who: tuple[str, str], **headers: str) -> list[str]:
    items = read(api, f"/api/v1/agencies/{agency}/queue", who, **headers)["items"]
    return [i["notice_id"] for i in items if i["kind"] == "acknowledge_notice"]


def run(api: Api, clock: ManualClock) -> None:
    safety, hrss = ("safety", "liaison"), ("hrss", "liaison")
    finance = ("finance", "liaison")
    # A notice: in the filer's queue at once.
    filed = post(api, NOTICES, safety, notice_body(), 201)
    nid = filed.json()["id"]
    assert nid in queue_ids(api, "safety", safety)
    # Another agency's system names the position it was answered: it sees the notice too.
    assert nid in queue_ids(api, "hrss", ("hrss", "inspector"),
                            **{"Linkage-Position": filed.headers["Linkage-Position"]})
    # An acknowledgement: gone from the acknowledging agency's queue at once.
    post(api, f"{NOTICES}/{nid}/acknowledgements", hrss)
    assert nid not in queue_ids(api, "hrss", hrss)
    # A paid disbursement: no longer waiting in finance's ledger.
    post(api, "/api/v1/fund-years", hrss,
         {"year": 2026, "previous_year_fund_income_cny": "10000000"}, 201)
    pid = post(api, "/api/v1/prevention-projects", hrss, {
        "fund_year": 2026, "category": "training", "title": "培训", "budget_cny": "10000",
        "planned": {"sessions": 4, "trainees": 300}}, 201).json()["id"]
    post(api, f"/api/v1/prevention-projects/{pid}/approval", finance)
    did = post(api, f"/api/v1/prevention-projects/{pid}/disbursements", hrss,
               {"amount_cny": "4000", "purpose": "首期"}, 201).json()["disbursement_id"]
    post(api, f"/api/v1/prevention-projects/{pid}/disbursements/{did}/payment", finance)
    ledger = read(api, "/api/v1/agencies/finance/ledger", finance)
    assert ledger["disbursements_waiting"] == []
    assert [y["paid_cny"] for y in ledger["fund_years"]] == ["4000.00"]
    # A meeting resolution: its action items in hrss's list at once.
    mid = post(api, "/api/v1/joint-meetings", hrss, {
        "title": "联席会议", "held_on": beijing_date(clock.now).isoformat(),
        "agenda": ["通报"], "invited": ["hrss", "safety"]}, 201).json()["id"]
    for agency in ("hrss", "safety"):
        post(api, f"/api/v1/joint-meetings/{mid}/attendance", hrss,
             {"agency": agency, "present": True, "attendees": ["代表"]})
    due = (beijing_date(clock.now) + timedelta(days=10)).isoformat()
    post(api, f"/api/v1/joint-meetings/{mid}/resolutions", hrss, {
        "text": "开展联合检查", "action_items": [
            {"agency": "safety", "description": "制定方案", "due_on": due}]}, 201)
    items = read(api, "/api/v1/agencies/hrss/action-items", hrss)["items"]
    assert [(i["meeting_id"], i["description"]) for i in items] == [(mid, "制定方案")]
