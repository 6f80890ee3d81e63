"""/healthz, /readyz and /metrics of `linkage serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import Api
from tests.support import ManualClock, notice_body


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the Prometheus text format (labels: a subset to match)."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return None


def test_alive_and_ready_need_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_metrics_count_requests_by_route_template_and_read_the_stores(api: Api,
                                                                        clock: ManualClock) -> None:
    h = api.auth("safety")
    filed = api.client.post("/api/v1/accident-notices", json=notice_body(), headers=h)
    assert filed.status_code == 201
    nid = filed.json()["id"]
    route = "/api/v1/accident-notices/{notice_id}"
    before = api.client.get("/metrics").text  # counters are per process: other tests count too
    assert api.client.get(f"/api/v1/accident-notices/{nid}", headers=h).status_code == 200
    api.container.drain()
    clock.advance(hours=2)  # safety's one-hour deadline has passed

    text = api.client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return (sample(text, name, **labels) or 0) - (sample(before, name, **labels) or 0)

    assert delta("linkage_http_requests_total", route=route, method="GET", status="200") == 1
    assert sample(text, "linkage_http_requests_total", route="/api/v1/accident-notices",
                  method="POST", status="201") is not None
    assert nid not in text  # raw paths never become labels
    assert delta("linkage_http_request_duration_seconds_count", route=route, method="GET") == 1
    assert sample(text, "linkage_database_up") == 1
    assert (sample(text, "linkage_events_stored") or 0) >= 1
    assert sample(text, "linkage_notices_overdue", agency="safety") == 1
    assert sample(text, "linkage_consumer_log_lag_events", agency="safety") == 0
    assert sample(text, "linkage_dead_letters", agency="hrss") == 0
    assert sample(text, "linkage_chain_last_verification_timestamp_seconds") == 0

    verified = api.client.post("/api/v1/audit/verify", headers=api.auth("hrss", "auditor"))
    assert verified.status_code == 200, verified.text
    text = api.client.get("/metrics").text
    assert (sample(text, "linkage_chain_last_verification_timestamp_seconds") or 0) > 0
    assert sample(text, "linkage_chain_last_verification_ok") == 1


WORKER = """
import sys
from fastapi.testclient import TestClient
from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings

settings = Settings(data_dir=sys.argv[1], database_url=None, kafka_bootstrap=None)
with TestClient(create_app(lambda: bootstrap(settings), background=False)) as client:
    for _ in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
    if len(sys.argv) > 3:
        print(client.get("/metrics").text)
"""


def test_metrics_of_several_worker_processes_add_up(tmp_path: Path) -> None:
    """Multiprocess mode: two 'workers' count requests; a scrape of either sees both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    run = [sys.executable, "-c", WORKER, str(tmp_path / "var")]
    subprocess.run([*run, "3"], env=env, check=True, timeout=120)
    out = subprocess.run([*run, "2", "scrape"], env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    assert sample(out, "linkage_http_requests_total", route="/healthz", method="GET",
                  status="200") == 5
    assert sample(out, "linkage_database_up") == 1
