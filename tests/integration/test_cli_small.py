"""`linkage --version`; `linkage users add` prints only the token on stdout and says where it wrote."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"linkage {version('linkage')}"


def test_users_add_says_where_on_stderr_and_only_the_token_on_stdout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    result = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "safety",
                                      "--role", "liaison"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("lk_") and len(result.stdout.strip().splitlines()) == 1
    assert str((tmp_path / "var").resolve()) in result.stderr
    assert "用户已写入" in result.stderr and "written to" in result.stderr


def test_a_refused_users_command_says_why_in_chinese_and_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    result = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "police",
                                      "--role", "liaison"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--agency: 未知部门 police" in result.stderr
    assert "unknown agency 'police'" in result.stderr
