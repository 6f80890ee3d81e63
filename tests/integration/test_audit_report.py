"""The audit report renders the figures of a known scenario, and the CLI commands run."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters import audit_wiring
from adapters.audit_report import render, report_data
from adapters.bootstrap import Container
from adapters.cli import app as cli
from adapters.settings import Settings
from adapters.web.i18n import TZ
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.integration.test_tamper import Raw
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")


def known_scenario(c: Container, clock: ManualClock) -> tuple[str, str]:
    a = c.notices.file(SAFETY, Employer("闽侯甲机械厂", credit_code(301), "制造业", 4),
                       Incident("闽侯县", clock.now - timedelta(hours=1), "车间", "压伤", "mechanical"),
                       Casualties(0, 1, 0, Decimal("50000")))["id"]
    b = c.notices.file(SAFETY, Employer("长乐乙化工厂", credit_code(302), "化工", 7),
                       Incident("长乐区", clock.now - timedelta(hours=1), "罐区", "中毒", "poisoning"),
                       Casualties(3, 0, 0, Decimal("2000000")))["id"]
    clock.advance(minutes=20)
    c.notices.acknowledge(a, SAFETY)
    c.notices.acknowledge(a, HRSS)
    clock.advance(hours=2)
    for actor in (SAFETY, HRSS, FINANCE, HEALTH):
        c.notices.acknowledge(b, actor)
    clock.advance(hours=25)
    assert c.watcher.run_once() == [(a, "health")]
    clock.advance(days=1)
    c.notices.revise(a, SAFETY, Casualties(10, 1, 0, Decimal("50000")), "九人后送医不治")
    c.drain()
    return a, b


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "exported.jsonl"
    monkeypatch.setenv(audit_wiring.CHECKPOINT_ENV, str(path))
    return path


def test_report_shows_the_known_figures(container: Container, clock: ManualClock,
                                        exported: Path) -> None:
    a, b = known_scenario(container, clock)
    d = report_data(container, None, clock.now + timedelta(days=1))
    assert d["mechanisms"]["accident-notices"] == {"events": 10, "aggregates": 2}
    assert d["grades"] == {"major": 1, "large": 1}
    comp = d["compliance"]
    assert comp["notices"] == 2
    assert comp["by_agency"]["safety"] == {"on_time": 1, "late": 1, "pending": 1}
    assert comp["by_agency"]["health"] == {"on_time": 1, "pending": 2}
    late = [r for r in comp["acknowledgements"] if r["on_time"] is False]
    assert [(r["notice_id"], r["agency"], r["delay_minutes"]) for r in late] == [(b, "safety", 140.0)]
    assert [(e["notice_id"], e["agency"]) for e in comp["escalations"]] == [(a, "health")]
    assert [(r["notice_id"], r["late"], r["reopened"], r["grade"]) for r in comp["revisions"]] == [
        (a, True, True, "major")]
    v = d["verification"]
    assert v["ok"] and v["checked"] == 10 and v["consumers_ok"]
    assert json.loads(exported.read_text().splitlines()[-1])["head"] == v["head"]

    html = render(d)
    for text in ("工伤事故预防联动机制 审计报告", "Linkage audit report", "完整 intact", v["head"],
                 "闽侯甲机械厂", "长乐乙化工厂", "超时 late", "<svg", "Monthly notices by grade",
                 "Acknowledgement delays", "<td>事故通报 accident-notices</td><td>10</td><td>2</td>",
                 "<td>重大 major</td><td>1</td>",
                 "<td>应急管理局 safety</td><td>1</td><td>1</td><td>1</td><td>0</td>"):
        assert text in html, text
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in html and "<link" not in html  # self-contained


def test_a_withdrawn_notice_owes_no_acknowledgement(container: Container, clock: ManualClock,
                                                   exported: Path) -> None:
    a, _ = known_scenario(container, clock)
    container.notices.withdraw(a, SAFETY, "误报：同一事故已另行报送")
    container.drain()
    comp = report_data(container, None, clock.now + timedelta(days=1))["compliance"]
    assert comp["by_agency"]["safety"] == {"on_time": 1, "late": 1, "withdrawn": 1}
    assert comp["by_agency"]["health"] == {"on_time": 1, "withdrawn": 2}
    assert {r["state"] for r in comp["acknowledgements"] if r["notice_id"] == a} == {
        "on_time", "withdrawn"}
    html = render(report_data(container, None, clock.now + timedelta(days=1)))
    assert "<td>应急管理局 safety</td><td>1</td><td>1</td><td>0</td><td>1</td>" in html
    assert "已撤回 withdrawn" in html


def test_report_speaks_labels_and_beijing_time(container: Container, clock: ManualClock,
                                              exported: Path) -> None:
    """No raw dictionary, value or ISO time reaches the reader; chart titles are whole."""
    known_scenario(container, clock)
    d = report_data(container, None, clock.now + timedelta(days=1))
    html = render(d)
    assert "{'" not in html and "': " not in html, "a raw dictionary in the report"
    assert "通知日志 log: 10" in html  # a consumer's position, not {'log': 10}
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert not [c for c in cells if re.search(r"\d{4}-\d{2}-\d{2}T", c)], "an ISO time in a cell"
    acked = next(r for r in d["compliance"]["acknowledgements"] if r["acknowledged_at"])
    beijing = datetime.fromisoformat(acked["acknowledged_at"]).astimezone(TZ)
    assert f"<td>{beijing.year}年{beijing.month}月{beijing.day}日 {beijing:%H:%M}</td>" in html
    for text in ("人社局 hrss", "卫健委 health", "按时 on time", "超时 late",
                 "<strong>每月通报（按等级） Monthly notices by grade</strong>",
                 "<strong>确认用时（按时与超时） Acknowledgement delays, on time and late</strong>",
                 "<td>一般 ordinary → 重大 major</td><td>是 yes</td>",
                 "北京时间 Beijing time"):
        assert text in html, text
    legends = re.findall(r'font-size="11">([^<]+)</text>', html)
    assert "一般 ordinary" in legends and "on_time" not in legends and "late" not in legends


def test_report_shows_tampering(container: Container, clock: ManualClock, exported: Path,
                                settings: Settings) -> None:
    known_scenario(container, clock)
    audit_wiring.chainer(container).run_once()
    Raw(settings).change_byte(4)
    html = render(report_data(container, None, clock.now))
    assert "已被篡改 TAMPERED" in html and "event 4" in html


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_cli_commands(settings: Settings, clock: ManualClock, exported: Path,
                      make_container: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("DATA_DIR", str(settings.data_dir)), ("DATABASE_SCHEMA",
                        settings.database_schema), ("DATABASE_URL", settings.database_url or "")):
        monkeypatch.setenv("LINKAGE_" + name, value)
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    c = make_container(settings)
    a, _ = known_scenario(c, clock)
    other = tmp_path / "elsewhere.jsonl"
    r = run("audit", "checkpoint", "--export", str(other))
    assert r.exit_code == 0 and json.loads(r.stdout)["notification_id"] == 10
    assert json.loads(other.read_text())["head"] == json.loads(r.stdout)["head"]

    out = tmp_path / "events.jsonl"
    r = run("audit", "replay", "--out", str(out), "--type", "Acknowledged", "--agency", "safety")
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["aggregate_version"] for x in out.read_text().splitlines()] == [2, 2]
    r = run("audit", "replay", "--format", "csv", "--aggregate", a, "--no-verify")
    assert r.stdout.splitlines()[0].startswith("notification_id,time,mechanism")
    assert len(r.stdout.splitlines()) == 1 + 5

    r = run("audit", "verify", "--checkpoints", str(other))
    assert r.exit_code == 0 and r.stdout.startswith("OK: 10 events"), r.output
    r = run("audit", "as-of", (clock.now + timedelta(days=1)).isoformat())
    assert r.exit_code == 0 and "finance: " in r.stdout, r.output
    whole = {ln.split(":")[0]: int(ln.split()[1]) for ln in r.stdout.splitlines() if "applied" in ln}
    r = run("audit", "as-of", "--position", "1")  # the first event only: the notice as filed
    assert r.exit_code == 0, r.output
    first = {ln.split(":")[0]: int(ln.split()[1]) for ln in r.stdout.splitlines() if "applied" in ln}
    assert first["safety"] == 1 and sum(first.values()) < sum(whole.values())
    r = run("audit", "as-of")
    assert r.exit_code == 2 and "--position" in r.output

    report = tmp_path / "report.html"
    r = run("audit", "report", "--out", str(report), "--from", "2000-01-01")
    assert r.exit_code == 0 and "完整 intact" in report.read_text(encoding="utf-8")

    Raw(settings).delete(3)
    r = run("audit", "verify")
    assert r.exit_code == 1 and "BROKEN: event 3" in r.stdout
    r = run("audit", "replay", "--out", str(out))
    assert r.exit_code == 1 and "VERIFICATION FAILED" in r.output
