"""docker-compose.yml cannot run here (no Docker engine): check it against the real CLI and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from adapters.cli import app
from adapters.settings import Settings
from domain.vocabulary import AGENCIES

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_every_service_has_what_it_needs() -> None:
    services = compose()["services"]
    expected = {"postgres", "kafka", "api", "relay", "notify"} | {f"consumer-{a}" for a in AGENCIES}
    assert set(services) == expected
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["kafka"]
    assert "healthcheck" in services["api"]


def test_commands_are_real_cli_commands() -> None:
    runner = CliRunner()
    for name, service in compose()["services"].items():
        command = service.get("command")
        if not command or command[0] != "linkage":
            continue
        # --help on the exact command line: typer rejects unknown commands and options.
        result = runner.invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{name}: {command}: {result.output}"
        if "--agency" in command:
            assert command[command.index("--agency") + 1] in AGENCIES


def test_environment_names_real_settings_and_selects_postgres_and_kafka() -> None:
    fields = {f"LINKAGE_{n.upper()}" for n in Settings.model_fields}
    for name, service in compose()["services"].items():
        if service.get("image") != "linkage:latest":
            continue
        env = service["environment"]
        assert set(env) <= fields, f"{name}: unknown settings {set(env) - fields}"
        assert env["LINKAGE_DATABASE_URL"].startswith("postgresql://")
        assert env["LINKAGE_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert {"postgres", "kafka"} <= set(service["depends_on"])


def test_every_linkage_process_has_a_readiness_check_on_its_own_port() -> None:
    for name, service in compose()["services"].items():
        if service.get("image") != "linkage:latest":
            continue
        probe = " ".join(service["healthcheck"]["test"])
        assert "/readyz" in probe, name
        command = service["command"]
        if command[1] == "serve":
            port = command[command.index("--port") + 1]
        else:
            port = command[command.index("--metrics-port") + 1]
        assert f"127.0.0.1:{port}/readyz" in probe, f"{name} probes a port it does not serve"


def test_kafka_keeps_its_log_on_the_volume() -> None:
    kafka = compose()["services"]["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert any(v.split(":")[1] == log_dirs for v in kafka["volumes"])
    assert (ROOT / ".env.example").read_text().count("POSTGRES_PASSWORD=") == 1


def test_replicas_fit_the_partitions_and_the_published_ports() -> None:
    """Several of each process: no more instances of an agency's consumer than partitions (the
    extra ones would stand idle), one relay, and a host port for every API instance."""
    services = compose()["services"]
    partitions = int(services["api"]["environment"]["LINKAGE_TOPIC_PARTITIONS"])
    for agency in AGENCIES:
        replicas = services[f"consumer-{agency}"].get("deploy", {}).get("replicas", 1)
        assert 2 <= replicas <= partitions, agency
    assert services["relay"].get("deploy", {}).get("replicas", 1) == 1
    api = services["api"]
    host = api["ports"][0].rsplit(":", 1)[0]
    first, _, last = host.partition("-")
    assert int(last or first) - int(first) + 1 == api["deploy"]["replicas"] >= 2
