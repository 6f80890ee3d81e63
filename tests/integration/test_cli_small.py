"""`linkage --version`; `linkage users add` prints only the token on stdout and says where it wrote."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded default in a folder of its own, whatever the environment configures."""
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    return tmp_path / "var"


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"linkage {version('linkage')}"


def test_users_add_says_where_on_stderr_and_only_the_token_on_stdout(
        embedded: Path) -> None:
    result = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "safety",
                                      "--role", "liaison"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("lk_") and len(result.stdout.strip().splitlines()) == 1
    assert str(embedded.resolve()) in result.stderr
    assert "用户已写入" in result.stderr and "written to" in result.stderr


def test_a_refused_users_command_says_why_in_chinese_and_english(
        embedded: Path) -> None:
    result = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "police",
                                      "--role", "liaison"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--agency: 未知部门 police" in result.stderr
    assert "unknown agency 'police'" in result.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--name", "  "], ["--name: 不能为空 / must not be empty"]),
    (["--name", "王\u0007敏"], ["--name: 不能包含控制字符（U+0007）",
                                "must not contain control characters (U+0007)"]),
    (["--name", "\u200b", "--token-name", "pc\u001b"],
     ["--name: 不能为空", "--token-name: 不能包含控制字符（U+001B）"]),
])
def test_users_add_refuses_a_blank_or_control_character_name_like_the_api(
        embedded: Path, args: list[str], says: list[str]) -> None:
    result = CliRunner().invoke(app, ["users", "add", "--agency", "safety", "--role", "liaison",
                                      *args])
    assert result.exit_code == 2 and result.stdout == ""
    for words in says:
        assert words in result.stderr, result.stderr
    listed = CliRunner().invoke(app, ["users", "list", "--json"])
    assert listed.exit_code == 0 and listed.stdout.strip() == "[]"  # nothing was written


def test_token_issue_refuses_a_blank_name(embedded: Path) -> None:
    result = CliRunner().invoke(app, ["users", "token", "issue", "some-id", "--name", "\t"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--name: 不能为空 / must not be empty" in result.stderr


@pytest.mark.parametrize(("days", "says"), [("0", "--days: 不能小于 1 / must be at least 1"),
                                            ("10000", "--days: 不能大于 366 / must be at most 366")])
def test_token_issue_keeps_the_apis_lifetime_bounds(
        embedded: Path, days: str, says: str) -> None:
    added = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "safety",
                                     "--role", "liaison"])
    assert added.exit_code == 0, added.stderr
    [user] = json.loads(CliRunner().invoke(app, ["users", "list", "--json"]).stdout)
    result = CliRunner().invoke(app, ["users", "token", "issue", user["id"], "--days", days])
    assert result.exit_code == 2 and result.stdout == "" and says in result.stderr
    ok = CliRunner().invoke(app, ["users", "token", "issue", user["id"], "--days", "366",
                                  "--name", "laptop"])
    assert ok.exit_code == 0 and len(ok.stdout.strip()) > 20
    listed = CliRunner().invoke(app, ["users", "token", "list", user["id"]]).stdout
    assert "有效 usable" in listed and "(北京时间 / Beijing time)" in listed
    assert "+00:00" not in listed and "laptop" in listed


def test_a_read_only_command_refuses_a_data_folder_that_does_not_exist(embedded: Path) -> None:
    for args in (["audit", "verify"], ["audit", "replay"], ["backup", str(embedded.parent / "b")]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "数据文件夹不存在 / no data folder" in result.stderr and str(embedded) in result.stderr
    assert not embedded.exists()  # no new, empty store was made


def test_audit_verify_refuses_checkpoint_files_that_do_not_exist(embedded: Path) -> None:
    assert CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "safety",
                                    "--role", "liaison"]).exit_code == 0
    missing = embedded.parent / "nosuch.jsonl"
    result = CliRunner().invoke(app, ["audit", "verify", "--checkpoints", str(missing)])
    assert result.exit_code == 2 and "OK" not in result.stdout
    assert f"--checkpoints: 文件不存在 / no such file: {missing}" in result.stderr


@pytest.mark.parametrize(("content", "says"), [
    ("ID,EventDate,Employer\n1,2025-01-02,福州某某机械厂\n".encode("gbk"), "不是 UTF-8 编码"),
    (b"not json at all\n", "不是有效的 JSON"),
])
def test_a_file_that_cannot_be_read_is_said_not_a_traceback(
        embedded: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        content: bytes, says: str) -> None:
    from adapters.cli import main

    added = CliRunner().invoke(app, ["users", "add", "--name", "王敏", "--agency", "safety",
                                     "--role", "liaison"])
    assert added.exit_code == 0
    monkeypatch.setenv("LINKAGE_TOKEN", added.stdout.strip())
    bad = embedded.parent / "bad.file"
    bad.write_bytes(content)
    mapping = Path(__file__).resolve().parents[2] / "docs" / "import" / "osha-severe-injuries.toml"
    args = (["import", "notices", str(bad), "--mapping", str(mapping), "--dry-run"]
            if "UTF-8" in says
            else ["audit", "verify", "--checkpoints", str(bad)])
    monkeypatch.setattr("sys.argv", ["linkage", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err, err


def test_the_demo_speaks_labels_and_beijing_time(embedded: Path) -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "确认时限 / Deadline: 应急管理局 safety 2026-" in result.stdout
    assert "(北京时间 / Beijing time)" in result.stdout and "+00:00" not in result.stdout
    assert "状态 / status 已结案 closed" in result.stdout
