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
    expected = {"postgres", "kafka", "api", "relay"} | {f"consumer-{a}" for a in AGENCIES}
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
