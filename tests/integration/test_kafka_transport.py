"""The transport through a real Apache Kafka broker: relay and agency consumers as processes."""

from __future__ import annotations

import json
import random
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.kafka_relay import build
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from domain.vocabulary import AGENCIES
from tests.integration.kafka_support import Proc, docs, rebuilt, wait_until
from tests.support import ManualClock, acknowledge_pending, credit_code, notice_body

ROOT = Path(__file__).resolve().parents[2]
Models = dict[str, dict[str, dict[str, object]]]  # agency -> collection -> key -> document
ACTORS = {a: Actor(f"u-{a}", f"{a} liaison", a, "liaison") for a in AGENCIES}


@pytest.fixture
def procs(ksettings: Settings, tmp_path: Path) -> Iterator[dict[str, Proc]]:
    made = {"relay": Proc(["relay"], ksettings, tmp_path / "relay.log")}
    for agency in AGENCIES:
        made[agency] = Proc(["consume", "--agency", agency], ksettings, tmp_path / f"{agency}.log")
    yield made
    for p in made.values():
        p.stop()


def applied_line(log: Path, notice_id: str) -> dict[str, Any] | None:
    """The consumer's JSON log line for the notice's filing, if written yet."""
    for text in log.read_text(errors="replace").splitlines():
        if text.startswith("{") and notice_id in text and "AccidentNotice.Filed" in text:
            line: dict[str, Any] = json.loads(text)
            return line
    return None


def queue_of(client: TestClient, token: str, agency: str) -> list[str]:
    r = client.get(f"/api/v1/agencies/{agency}/queue", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return [i["notice_id"] for i in r.json()["items"]]


def test_queues_fill_and_empty_through_the_broker(
    kcontainer: Container, procs: dict[str, Proc]
) -> None:
    for p in procs.values():
        p.start()
    tokens = {a: Accounts(kcontainer.store("api")).add(f"{a} 联络员", a, "liaison") for a in AGENCIES}
    with TestClient(create_app(lambda: kcontainer, background=False)) as client:
        r = client.post("/api/v1/accident-notices", json=notice_body(serious_injuries=1),
                        headers={"Authorization": f"Bearer {tokens['safety']}",
                                 "X-Request-ID": "req-through-kafka"})
        assert r.status_code == 201
        nid = r.json()["id"]
        for agency in ("safety", "hrss", "health"):
            wait_until(lambda a=agency: nid in queue_of(client, tokens[a], a), 60, f"{agency} queue")
        # Each consumer process logged the event with the id of the request that filed it.
        for agency in AGENCIES:
            wait_until(lambda a=agency: applied_line(procs[a].log, nid) is not None, 30,
                       f"{agency} log line")
            line = applied_line(procs[agency].log, nid)
            assert line is not None and line["request_id"] == "req-through-kafka"
            assert line["correlation_id"] == "req-through-kafka" and line["read_model"] == agency
        assert queue_of(client, tokens["finance"], "finance") == []
        ack = client.post(f"/api/v1/accident-notices/{nid}/acknowledgements",
                          headers={"Authorization": f"Bearer {tokens['hrss']}"})
        assert ack.status_code == 200
        wait_until(lambda: nid not in queue_of(client, tokens["hrss"], "hrss"), 30, "hrss ack")
        assert nid in queue_of(client, tokens["safety"], "safety")
        auth = {"Authorization": f"Bearer {tokens['safety']}"}
        status = client.get("/api/v1/transport/status", headers=auth).json()
        assert status["mode"] == "kafka" and status["relay_lag"] == 0 and status["log_head"] == 2
        assert sum(status["consumers"]["hrss"].values()) >= 1


def matching(live: dict[str, dict[str, object]], expected: dict[str, dict[str, object]]) -> int:
    """How many of the expected documents the live read model already holds, equal."""
    return sum(1 for coll, items in expected.items() for key, doc in items.items()
               if live.get(coll, {}).get(key) == doc)


def make_history(c: Container, clock: ManualClock, notices: int, seed: int) -> None:
    """Notices with acknowledgements, revisions and closures: about 3 events each."""
    rng = random.Random(seed)
    for i in range(notices):
        r = c.notices.file(
            ACTORS["safety"], Employer(f"企业{i}", credit_code(1000 + i % 50), "制造业", 1 + i % 8),
            Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", f"事故{i}", rng.choice(
                ["fall", "poisoning", "mechanical"])),
            Casualties(rng.choice([0, 0, 1, 3]), rng.choice([0, 2, 12]), 0, Decimal(1000)),
        )
        nid = UUID(r["id"])
        for agency in r["required_agencies"][: rng.randint(1, len(r["required_agencies"]))]:
            c.notices.acknowledge(nid, ACTORS[agency])
        if rng.random() < 0.2:
            c.notices.revise(nid, ACTORS["safety"], Casualties(10, 0, 0, Decimal(0)), "补报")
        if rng.random() < 0.2:
            acknowledge_pending(c, nid)  # closing needs the round acknowledged
            c.notices.close(nid, ACTORS["safety"], "结案")


@pytest.mark.heavy
def test_killing_relay_and_consumers_loses_nothing_and_applies_nothing_twice(
    kcontainer: Container, ksettings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    rng = random.Random(20261129)
    procs = [Proc(["relay"], ksettings, tmp_path / "relay.log")]
    # Two instances of safety's consumer share its partitions.
    for name in [*AGENCIES, "safety"]:
        procs.append(Proc(["consume", "--agency", name], ksettings, tmp_path / f"{name}.log"))
    crash = {"relay": "relay-after-publish=0.3", "consume": "consumer-before-commit=0.2"}

    def launch(p: Proc) -> None:
        # The first launches crash at their crash points; later ones run clean, so it ends.
        points = crash[p.args[0]] if p.starts < 4 else ""
        p.start(LINKAGE_CRASH_POINTS=points)

    try:
        for p in procs:
            launch(p)
        make_history(kcontainer, clock, notices=700, seed=7)
        total = kcontainer.app.recorder.max_notification_id() or 0
        assert total >= 2000
        expected = {a: rebuilt(kcontainer, a) for a in AGENCIES}
        # Wait while the read models still move towards the rebuild: a slow or busy machine
        # needs longer, but a model that stops moving while it differs has lost something.
        external_kills = 0
        last: Models = {}
        moved = started = time.monotonic()
        while time.monotonic() - moved < 120 and time.monotonic() - started < 900:
            for p in procs:
                if p.died():
                    launch(p)
            if external_kills < 6 and rng.random() < 0.3:
                victim = rng.choice(procs)
                victim.kill()  # SIGKILL at a random moment
                external_kills += 1
                launch(victim)
            now: Models = {a: docs(kcontainer, a) for a in AGENCIES}
            if now == expected:
                break
            if now != last:
                last, moved = now, time.monotonic()
            time.sleep(1.0)
        for a in AGENCIES:
            live = docs(kcontainer, a)
            assert live == expected[a], (
                f"{a} read model differs from the rebuild after {time.monotonic() - started:.0f}s"
                f" (documents as the rebuild has them, per agency: "
                f"{ {b: matching(last.get(b, {}), expected[b]) for b in AGENCIES} }, of "
                f"{ {b: matching(expected[b], expected[b]) for b in AGENCIES} })")
            for summary in live["notices"].values():
                assert summary["events"] == summary["version"]  # nothing applied twice
        crashed = sum(p.crashes for p in procs)
        relay_crashes = procs[0].crashes
        print(f"events {total}, crashes {crashed} (relay {relay_crashes}), "
              f"external kills {external_kills}")
        assert relay_crashes >= 1 and crashed - relay_crashes >= 1
    finally:
        for p in procs:
            p.stop()


def kafka_sh(command: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), command], check=True,
                   timeout=180, capture_output=True)


@pytest.mark.heavy
def test_with_the_broker_down_notices_are_accepted_and_the_relay_drains_later(
    kcontainer: Container, ksettings: Settings, procs: dict[str, Proc], clock: ManualClock
) -> None:
    _, relay = build(ksettings, kcontainer)  # topics exist before the broker goes
    relay.kafka.close()
    tokens = {a: Accounts(kcontainer.store("api")).add(a, a, "liaison") for a in ("safety", "hrss")}
    kafka_sh("stop")
    try:
        procs["relay"].start()
        procs["hrss"].start()
        ids = []
        with TestClient(create_app(lambda: kcontainer, background=False)) as client:
            for _ in range(5):
                r = client.post("/api/v1/accident-notices", json=notice_body(),
                                headers={"Authorization": f"Bearer {tokens['safety']}"})
                assert r.status_code == 201
                ids.append(r.json()["id"])
            time.sleep(3)  # the relay is retrying against a dead broker
            assert not procs["relay"].died()
            kafka_sh("start")
            wait_until(lambda: sorted(queue_of(client, tokens["hrss"], "hrss")) == sorted(ids),
                       120, "hrss queue after the broker returned")
        # While it was away the relay tried again at least every second (kafka-python's own
        # backoff grows to 30 s: the notices would have waited that long after its return).
        waits = [float(w) for w in re.findall(r"(?:backoff|waiting) ([0-9.]+) secs",
                                              procs["relay"].log.read_text(errors="replace"))]
        assert waits and max(waits) <= 1.5, waits  # 1 s, give or take its jitter
    finally:
        kafka_sh("start")
