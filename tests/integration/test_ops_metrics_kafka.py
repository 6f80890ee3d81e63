"""The relay's and a consumer's /readyz and /metrics (--metrics-port), and relay lag that moves
when the relay stops."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from adapters.bootstrap import Container
from adapters.metrics import StateCollector, exposition
from adapters.settings import Settings
from tests.e2e.test_ops_probes import sample
from tests.integration.kafka_support import Proc, wait_until
from tests.support import notice_body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def file_notices(c: Container, n: int) -> None:
    from adapters.http.notices import NoticeIn
    from domain.accident_notice import Casualties, Employer, Incident
    from domain.common import Actor

    actor = Actor(id="u1", name="王敏", agency="safety", role="liaison")
    for i in range(n):
        b = NoticeIn.model_validate(notice_body(summary=f"事故 {i}"))
        e = b.employer
        c.notices.file(actor, Employer(e.name, e.credit_code, e.industry, e.risk_class),
                       Incident(b.district, b.occurred_at, b.location, b.summary, b.cause),
                       Casualties(b.deaths, b.serious_injuries, b.missing, b.direct_loss_cny))


def scrape(port: int, path: str = "/metrics") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def test_relay_lag_moves_when_the_relay_stops(ksettings: Settings, kcontainer: Container,
                                              tmp_path: Path) -> None:
    relay_port, consumer_port = free_port(), free_port()
    relay = Proc(["relay", "--metrics-port", str(relay_port)], ksettings, tmp_path / "relay.log")
    safety = Proc(["consume", "--agency", "safety", "--metrics-port", str(consumer_port)],
                  ksettings, tmp_path / "safety.log")
    server_side = StateCollector(lambda: kcontainer)  # what `linkage serve`'s /metrics reads
    file_notices(kcontainer, 5)
    assert sample(exposition(server_side).decode(), "linkage_relay_lag_events") == 5
    relay.start()
    safety.start()
    try:
        def ready(port: int) -> bool:
            try:
                return scrape(port, "/readyz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(lambda: ready(relay_port), 60, "the relay to be ready")
        wait_until(lambda: ready(consumer_port), 60, "the consumer to be ready")
        wait_until(lambda: sample(scrape(relay_port).text, "linkage_relay_lag_events") == 0, 30,
                   "the relay to catch up")
        assert scrape(relay_port, "/healthz").json() == {"status": "ok"}

        def consumer_applied() -> bool:
            text = scrape(consumer_port).text
            return sample(text, "linkage_consumer_events_total", agency="safety",
                          outcome="applied") == 5
        wait_until(consumer_applied, 30, "the consumer to apply 5 events")
        text = scrape(consumer_port).text
        assert sample(text, "linkage_consumer_lag_events", agency="safety",
                      source=f"{ksettings.topic_prefix}accident-notices:0") is not None

        relay.stop()
        file_notices(kcontainer, 3)
        text = exposition(server_side).decode()
        assert sample(text, "linkage_relay_lag_events") == 3
        assert (sample(text, "linkage_relay_lag_seconds") or -1) >= 0
    finally:
        relay.stop()
        safety.stop()
