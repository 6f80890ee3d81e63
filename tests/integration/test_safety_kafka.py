"""The proposal path through a real broker: notice → relay → safety consumer → proposal →
inspection scheduled over HTTP → relay → safety consumer links the proposal to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor, beijing_date
from services.agencies.safety import proposal_id_for
from tests.integration.kafka_support import Proc, docs, rebuilt, wait_until
from tests.support import ManualClock, credit_code

LIAISON = Actor("u-s", "王敏", "safety", "liaison")


@pytest.fixture
def procs(ksettings: Settings, tmp_path: Path) -> Iterator[list[Proc]]:
    made = [Proc(["relay"], ksettings, tmp_path / "relay.log"),
            Proc(["consume", "--agency", "safety"], ksettings, tmp_path / "safety.log")]
    yield made
    for p in made:
        p.stop()


def proposals(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get("/api/v1/agencies/safety/proposals", headers=auth)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_a_large_notice_becomes_a_proposal_then_an_inspection_through_kafka(
    kcontainer: Container, procs: list[Proc], clock: ManualClock, tmp_path: Path
) -> None:
    for p in procs:
        p.start()
    c = kcontainer
    assert c.agency_feeders == {}  # nothing in-process: only the broker feeds safety
    filed = c.notices.file(
        LIAISON, Employer("闽江建工集团有限公司", credit_code(77), "建筑业", 5),
        Incident("仓山区", clock.now - timedelta(hours=2), "在建工地", "塔吊倾覆", "collapse"),
        Casualties(3, 1, 0, Decimal("6500000")))
    assert filed["grade"] == "large"
    pid = proposal_id_for(filed["id"])
    c.registers.put("inspectors", Actor("u-a", "名录管理员", "safety", "admin"), [
        {"id": "s-9", "name": "林检", "agency": "safety"},
        {"id": "h-9", "name": "李审", "agency": "hrss"}])
    token = Accounts(c.store("api")).add("林检", "safety", "inspector")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(lambda: c, background=False)) as client:
        wait_until(lambda: [p["id"] for p in proposals(client, auth)] == [pid], 90,
                   "the proposal in safety's read model (relay and consumer)")
        queue = client.get("/api/v1/agencies/safety/queue", headers=auth).json()["items"]
        assert any(i["kind"] == "propose_inspection" and i["proposal_id"] == pid for i in queue)
        d = beijing_date(clock.now)
        r = client.post("/api/v1/joint-inspections", headers=auth, json={
            "theme": "建筑起重机械专项检查", "starts_on": d.isoformat(),
            "ends_on": (d + timedelta(days=1)).isoformat(), "lead_agency": "safety",
            "agencies": ["safety", "hrss"], "proposal_id": pid,
            "inspectors": [{"id": "s-9", "name": "林检", "agency": "safety"},
                           {"id": "h-9", "name": "李审", "agency": "hrss"}]})
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        insp = client.get(f"/api/v1/joint-inspections/{iid}", headers=auth).json()
        assert insp["proposal_id"] == pid and insp["notice_id"] == filed["id"]
        wait_until(lambda: proposals(client, auth)[0]["inspection_id"] == iid, 90,
                   "the proposal linked to its inspection")
        [linked] = proposals(client, auth)
        assert linked["status"] == "scheduled"
        queue = client.get("/api/v1/agencies/safety/queue", headers=auth).json()["items"]
        assert not any(i["kind"] == "propose_inspection" for i in queue)
        cal = client.get("/api/v1/agencies/safety/calendar", headers=auth).json()["items"]
        assert [x["inspection_id"] for x in cal] == [iid]
        assert not any(p.died() for p in procs), (tmp_path / "safety.log").read_text()[-2000:]
        # What came through Kafka equals a rebuild from the event store.
        assert docs(c, "safety") == rebuilt(c, "safety")
