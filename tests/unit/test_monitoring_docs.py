"""The sample alert rules and scrape configuration name metrics that linkage exports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = {"linkage_http_requests_total", "linkage_http_request_duration_seconds",
            "linkage_consumer_events_total", "linkage_consumer_lag_events",
            "linkage_relay_published_events_total", "linkage_database_up", "linkage_events_stored",
            "linkage_relay_position", "linkage_relay_lag_events", "linkage_relay_lag_seconds",
            "linkage_consumer_log_lag_events", "linkage_dead_letters", "linkage_notices_overdue",
            "linkage_chain_last_verification_timestamp_seconds",
            "linkage_chain_last_verification_ok", "linkage_db_pool_connections"}


def test_every_metric_an_alert_uses_is_exported() -> None:
    source = (ROOT / "adapters" / "metrics.py").read_text()
    rules = yaml.safe_load((ROOT / "docs" / "monitoring" / "alerts.yml").read_text())
    used: set[str] = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            used |= set(re.findall(r"linkage_[a-z_]+", rule["expr"]))
            assert "/" in rule["annotations"]["summary"]  # Chinese / English
    assert used and used <= EXPORTED
    for name in EXPORTED:  # each documented name is defined in adapters/metrics.py
        assert name.removesuffix("_total") in source, name


def test_scrape_targets_are_the_compose_services_and_ports() -> None:
    scrape = yaml.safe_load((ROOT / "docs" / "monitoring" / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for job in scrape["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            service, port = target.split(":")
            command = compose[service]["command"]
            assert port in command, f"{target}: {command}"
