"""Retried commands under SIGKILL: two `linkage serve` processes on one PostgreSQL database are
killed at the injected point between storing a request's events and answering it, and at random
moments, while clients send over 1,000 non-create commands of every kind, each with its own
Idempotency-Key, and resend every unanswered one (to either server) until it is answered.

Then every aggregate holds exactly one event per request that was answered 2xx (a request
applied twice would show as one more event), and every agency's read model equals a rebuild.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.accounts import Accounts
from adapters.bootstrap import Container, bootstrap
from adapters.settings import Settings
from domain.common import Actor
from domain.vocabulary import AGENCIES
from tests.integration.kafka_support import Proc, docs, rebuilt, wait_until
from tests.support import credit_code, notice_body

pytestmark = pytest.mark.postgres
UNITS = 28  # of each kind: notices, inspections, meetings, projects (~1,000 non-create commands)
WORKERS = 4
BEIJING = timezone(timedelta(hours=8))  # meetings and inspection windows go by Beijing's date
ADMIN = Actor(id="admin-1", name="名录管理员", agency="safety", role="admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Servers:
    """Two serve processes; a dead one is started again (clean after a few crashed starts)."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.ports = [free_port(), free_port()]
        self.procs = [Proc(["serve", "--port", str(p), "--no-access-log"], settings,
                           tmp_path / f"serve-{p}.log") for p in self.ports]
        self.lock = threading.Lock()

    def launch(self, p: Proc) -> None:
        p.start(LINKAGE_CRASH_POINTS="api-after-commit=0.015" if p.starts < 8 else "",
                LINKAGE_WATCHER_INTERVAL="3600")

    def revive(self) -> None:
        with self.lock:
            for p in self.procs:
                if p.died():
                    self.launch(p)

    def kill_one(self, rng: random.Random) -> None:
        with self.lock:
            victim = rng.choice(self.procs)
            victim.kill()
            self.launch(victim)

    def url(self, rng: random.Random) -> str:
        return f"http://127.0.0.1:{rng.choice(self.ports)}"


class Client:
    """Sends a command with a fresh key and resends it, same key, until some server answers."""

    def __init__(self, servers: Servers, tokens: dict[tuple[str, str], str], seed: int) -> None:
        self.servers = servers
        self.tokens = tokens
        self.rng = random.Random(seed)
        self.http = httpx.Client(timeout=20.0)
        self.answers: list[tuple[str, int]] = []  # (aggregate id, status) per request
        self.resent = 0

    def post(self, path: str, who: tuple[str, str], body: Any = None) -> dict[str, Any]:
        key = uuid.uuid4().hex
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "Idempotency-Key": key}
        for attempt in range(600):
            try:
                r = self.http.post(self.servers.url(self.rng) + path, json=body, headers=headers)
            except httpx.TransportError:  # killed mid-request: no answer, send it again
                self.resent += attempt == 0
                self.servers.revive()
                time.sleep(0.05)
                continue
            if r.status_code == 503:
                time.sleep(0.1)
                continue
            assert r.status_code < 300, (path, r.status_code, r.text)
            out: dict[str, Any] = r.json()
            return out
        raise AssertionError(f"{path} never answered")

    def get(self, path: str, who: tuple[str, str]) -> dict[str, Any]:
        while True:
            try:
                r = self.http.get(self.servers.url(self.rng) + path,
                                  headers={"Authorization": f"Bearer {self.tokens[who]}"})
            except httpx.TransportError:
                self.servers.revive()
                time.sleep(0.05)
                continue
            if r.status_code < 300:
                out: dict[str, Any] = r.json()
                return out
            time.sleep(0.1)

    def count(self, aggregate_id: str, n: int = 1) -> None:
        self.answers.extend([(aggregate_id, 200)] * n)

    # One unit of each kind: a create, then its non-create commands in a valid order.

    def notice(self, n: int) -> None:
        url = "/api/v1/accident-notices"
        nid = self.post(url, ("safety", "liaison"), notice_body(
            employer={"name": f"企业{n}", "credit_code": credit_code(n % 50 + 1),
                      "industry": "制造业", "risk_class": 4}))["id"]
        self.count(nid)
        for deaths, serious in ((0, 2), (0, 3)):
            self.post(f"{url}/{nid}/revisions", ("safety", "liaison"), {
                "deaths": deaths, "serious_injuries": serious, "missing": 0,
                "direct_loss_cny": "130000", "reason": "补报伤情"})
            self.count(nid)
        for agency in self.get(f"{url}/{nid}", ("safety", "liaison"))["pending_agencies"]:
            self.post(f"{url}/{nid}/acknowledgements", (agency, "liaison"))
            self.count(nid)
        self.post(f"{url}/{nid}/closure", ("safety", "liaison"), {"reason": "调查结案"})
        self.count(nid)

    def inspection(self, n: int) -> None:
        url = "/api/v1/joint-inspections"
        today = datetime.now(BEIJING).date()
        who = ("safety", f"inspector-{n}")  # booked on this inspection, linked to its entry
        iid = self.post(url, who, {
            "theme": f"专项检查{n}", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=1)).isoformat(), "lead_agency": "safety",
            "agencies": ["safety", "health"],
            "inspectors": [{"id": f"i-{n}-s", "name": "王敏", "agency": "safety"},
                           {"id": f"i-{n}-h", "name": "陈静", "agency": "health"}],
            "targets": [{"credit_code": credit_code(1), "name": "福州某某机械制造有限公司"}]})["id"]
        self.count(iid)
        self.post(f"{url}/{iid}/start", who)
        self.count(iid)
        deadline = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        for no in (1, 2, 3):
            self.post(f"{url}/{iid}/findings", who, {
                "employer_credit_code": credit_code(1), "hazard": f"隐患{no}",
                "severity": "major", "legal_basis": "《安全生产法》第三十五条"})
            self.post(f"{url}/{iid}/findings/{no}/rectification", who, {"deadline": deadline})
            self.post(f"{url}/{iid}/findings/{no}/reinspection", who,
                      {"rectified": True, "note": "已整改"})
            self.count(iid, 3)
        self.post(f"{url}/{iid}/completion", who, {"summary": "全部整改"})
        self.count(iid)

    def meeting(self, n: int) -> None:
        url = "/api/v1/joint-meetings"
        hrss = ("hrss", "liaison")
        due = (datetime.now(BEIJING).date() + timedelta(days=10)).isoformat()
        mid = self.post(url, hrss, {
            "title": f"联席会议{n}", "held_on": datetime.now(BEIJING).date().isoformat(),
            "agenda": ["通报事故"], "invited": ["hrss", "safety", "health"]})["id"]
        self.count(mid)
        for agency in ("hrss", "safety", "health"):
            self.post(f"{url}/{mid}/attendance", hrss,
                      {"agency": agency, "present": True, "attendees": [f"{agency}代表"]})
            self.count(mid)
        for r in (1, 2):
            self.post(f"{url}/{mid}/resolutions", hrss, {"text": f"决议{r}", "action_items": [
                {"agency": "safety", "description": "方案", "due_on": due},
                {"agency": "health", "description": "体检", "due_on": due}]})
            self.count(mid)
        for r in (1, 2):
            for i, agency in ((1, "safety"), (2, "health")):
                self.post(f"{url}/{mid}/resolutions/{r}/action-items/{i}/done", (agency, "liaison"),
                          {"note": "已完成"})
                self.count(mid)
        self.post(f"{url}/{mid}/minutes", hrss, {"text": "会议纪要"})
        self.post(f"{url}/{mid}/closure", hrss)
        self.count(mid, 2)

    def project(self, n: int, fund_year: str) -> None:
        url = "/api/v1/prevention-projects"
        hrss, finance = ("hrss", "liaison"), ("finance", "liaison")
        pid = self.post(url, hrss, {"fund_year": 2026, "category": "training",
                                    "title": f"培训{n}", "budget_cny": "10000",
                                    "planned": {"sessions": 4, "trainees": 300}})["id"]
        self.count(pid)
        self.post(f"{url}/{pid}/approval", finance)
        self.count(pid)
        self.count(fund_year)  # the approval allocates from the fund year in the same save
        self.post(f"{url}/{pid}/milestones", hrss,
                  {"achieved": {"sessions_held": 4, "trainees_trained": 280}})
        self.count(pid)
        paid = []
        for part in ("首期", "尾款"):
            d = self.post(f"{url}/{pid}/disbursements", hrss, {"amount_cny": "4000", "purpose": part})
            paid.append(d["disbursement_id"])
            self.count(pid)
        for did in paid:
            self.post(f"{url}/{pid}/disbursements/{did}/payment", finance)
            self.count(pid)
        self.post(f"{url}/{pid}/assessment", hrss, {"conclusion": "完成九成"})
        self.post(f"{url}/{pid}/closure", hrss, {"note": "结项"})
        self.count(pid, 2)


@pytest.fixture
def settings(pg_url: str, pg_schema: str, tmp_path: Path) -> Settings:
    return Settings(database_url=pg_url, database_schema=pg_schema, kafka_bootstrap=None,
                    data_dir=tmp_path / "var")


@pytest.fixture
def checker(settings: Settings) -> Iterator[Container]:
    c = bootstrap(settings)
    yield c
    c.close()


@pytest.mark.heavy
def test_retries_after_sigkill_are_applied_once_and_read_models_equal_a_rebuild(
        settings: Settings, checker: Container, tmp_path: Path) -> None:
    accounts = Accounts(checker.store("api"))
    tokens = {(a, r): accounts.add(f"{a}-{r}", a, r) for a in AGENCIES
              for r in ("liaison", "inspector")}
    # Hand-scheduled inspectors are active register entries; only booked ones act, each through
    # the account linked to its entry (one account per entry).
    checker.registers.put("inspectors", ADMIN, [
        {"id": f"i-{n}-{a[0]}", "name": f"检查员{n}{a[0]}", "agency": a}
        for n in range(UNITS) for a in ("safety", "health")])
    for n in range(UNITS):
        tokens[("safety", f"inspector-{n}")] = token = accounts.add(f"检查员{n}", "safety",
                                                                     "inspector")
        account = accounts.authenticate(token)
        assert account is not None
        checker.registers.link_account(ADMIN, f"i-{n}-s", account)
    servers = Servers(settings, tmp_path)
    rng = random.Random(20261202)
    for p in servers.procs:
        servers.launch(p)
    setup = Client(servers, tokens, 0)
    try:
        wait_until(lambda: all(_up(port) for port in servers.ports), 60, "both servers")
        fund_year = setup.post("/api/v1/fund-years", ("hrss", "liaison"), {
            "year": 2026, "previous_year_fund_income_cny": "100000000"})["id"]
        setup.count(fund_year)
        clients = [Client(servers, tokens, seed) for seed in range(1, WORKERS + 1)]
        units = [(kind, n) for n in range(UNITS)
                 for kind in ("notice", "inspection", "meeting", "project")]

        def work(client: Client, mine: list[tuple[str, int]]) -> None:
            for kind, n in mine:
                if kind == "project":
                    client.project(n, fund_year)
                else:
                    getattr(client, kind)(n)

        threads = [threading.Thread(target=work, args=(cl, units[i::WORKERS]))
                   for i, cl in enumerate(clients)]
        for t in threads:
            t.start()
        kills = 0
        while any(t.is_alive() for t in threads):
            time.sleep(1.5)
            servers.revive()
            if kills < 6 and rng.random() < 0.5:
                servers.kill_one(rng)  # SIGKILL at a random moment
                kills += 1
        for t in threads:
            t.join()
    finally:
        for p in servers.procs:
            p.stop()

    answers = setup.answers + [a for cl in clients for a in cl.answers]
    expected: dict[str, int] = {}
    for aggregate_id, _ in answers:
        expected[aggregate_id] = expected.get(aggregate_id, 0) + 1
    non_create = len(answers) - len(expected)
    assert non_create >= 1000
    for aggregate_id, n in expected.items():
        stored = checker.app.recorder.select_events(uuid.UUID(aggregate_id))
        assert len(stored) == n, f"{aggregate_id}: {len(stored)} events for {n} requests"
    checker.drain()
    for a in AGENCIES:
        assert docs(checker, a) == rebuilt(checker, a), f"{a} read model differs from a rebuild"
    crashes = sum(p.crashes for p in servers.procs)
    resent = sum(cl.resent for cl in clients)
    print(f"requests {len(answers)} (non-create {non_create}), crashes {crashes} "
          f"(random kills {kills}), resent {resent}")
    assert crashes > kills and resent > 0  # the injected point was hit, and retried


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
