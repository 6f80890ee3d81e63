"""Several of each process: two `linkage serve` behind one PostgreSQL, two instances of one
agency's consumer group across the topic's partitions; one of each killed mid-run, nothing lost,
nothing applied twice (every read model equals a rebuild from the event store)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from tests.e2e.ui_support import free_port
from tests.integration.kafka_support import LINKAGE, Proc, docs, env_of, rebuilt, wait_until
from tests.support import notice_body

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]
NOTICES = "/api/v1/accident-notices"


class Server(Proc):
    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
                         settings, log)
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
def fleet(ksettings: Settings, tmp_path: Path) -> Iterator[dict[str, Proc]]:
    made: dict[str, Proc] = {"relay": Proc(["relay"], ksettings, tmp_path / "relay.log"),
                             "serve-1": Server(ksettings, tmp_path / "serve-1.log"),
                             "serve-2": Server(ksettings, tmp_path / "serve-2.log")}
    for agency in AGENCIES:
        made[agency] = Proc(["consume", "--agency", agency], ksettings, tmp_path / f"{agency}.log")
    made["safety-2"] = Proc(["consume", "--agency", "safety"], ksettings, tmp_path / "safety-2.log")
    yield made
    for p in made.values():
        p.stop()


def token(settings: Settings, agency: str) -> dict[str, str]:
    out = subprocess.run([LINKAGE, "users", "add", "--name", f"{agency} 联络员", "--agency", agency,
                          "--role", "liaison"], env=env_of(settings), capture_output=True, text=True,
                         check=True, timeout=60)
    return {"Authorization": f"Bearer {out.stdout.strip()}"}


@pytest.mark.heavy
def test_two_servers_and_two_consumers_of_one_agency_lose_nothing(
        kcontainer: Container, ksettings: Settings, fleet: dict[str, Proc]) -> None:
    for p in fleet.values():
        p.start()
    servers = [fleet["serve-1"], fleet["serve-2"]]
    assert isinstance(servers[0], Server) and isinstance(servers[1], Server)
    wait_until(lambda: all(s.ready() for s in servers), 60, "both servers")  # type: ignore[attr-defined]
    auth = {a: token(ksettings, a) for a in ("safety", "hrss")}
    filed: list[str] = []

    def file_and_ack(server: Server, n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for i in range(n):
                r = http.post(NOTICES, json=notice_body(deaths=i % 4), headers=auth["safety"])
                assert r.status_code == 201, r.text
                filed.append(r.json()["id"])
                if i % 2 == 0:  # acknowledged through the other server than it was filed on
                    other = servers[1] if server is servers[0] else servers[0]
                    if other.p is not None and other.p.poll() is None:
                        a = httpx.post(f"{other.url}{NOTICES}/{filed[-1]}/acknowledgements",
                                       headers=auth["hrss"], timeout=30)
                        assert a.status_code == 200, a.text

    file_and_ack(servers[0], 30)  # type: ignore[arg-type]
    file_and_ack(servers[1], 30)  # type: ignore[arg-type]
    fleet["serve-1"].kill()  # one server and one of safety's two consumers die mid-run
    fleet["safety"].kill()
    file_and_ack(servers[1], 40)  # type: ignore[arg-type]
    assert len(set(filed)) == 100
    assert fleet["serve-1"].crashes == 1 and fleet["safety"].crashes == 1

    expected = {a: rebuilt(kcontainer, a) for a in AGENCIES}
    wait_until(lambda: all(docs(kcontainer, a) == expected[a] for a in AGENCIES), 180,
               "every read model to equal its rebuild", step=1.0)
    notices = docs(kcontainer, "safety")
    assert notices and all(s.died() is False for s in [fleet["safety-2"], fleet["serve-2"]])
