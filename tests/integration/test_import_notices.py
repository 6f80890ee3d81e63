"""`linkage import notices`: mapping, dry run, rejected rows with reasons, idempotent re-runs,
Excel as well as CSV, and the shipped OSHA example mapping on the shared sample."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.cli import app as cli
from adapters.import_mapping import Mapping
from adapters.importer import REASON, Importer, read_rows
from adapters.settings import Settings
from domain.common import Actor
from tests.conftest import REQUIRED
from tests.support import credit_code

ROOT = Path(__file__).resolve().parents[2]
OSHA = ROOT.parent / "shared" / "data" / "osha-severe-injuries.csv"
OSHA_MAPPING = ROOT / "docs" / "import" / "osha-severe-injuries.toml"
LIAISON = Actor("u-imp", "导入员", "safety", "liaison")

MAPPING = """
[source]
name = "county-system"
key = ["编号"]
timezone = "Asia/Shanghai"
date_formats = ["%Y年%m月%d日 %H:%M"]

[fields]
"employer.name" = "单位名称"
"employer.credit_code" = "统一社会信用代码"
"employer.industry" = "行业"
"employer.risk_class" = { column = "风险类别", convert = "int" }
district = { column = "区县", map = "district" }
occurred_at = { column = "发生时间", convert = "datetime" }
location = "地点"
summary = "经过"
cause = { column = "原因", map = "cause" }
deaths = { column = "死亡", convert = "int" }
serious_injuries = { column = "重伤", convert = "int" }
direct_loss_cny = { column = "直接经济损失（万元）", convert = "decimal", scale = "10000" }

[maps.district]
"GL" = "鼓楼区"
"TJ" = "台江区"

[maps.cause]
"高处坠落" = "fall"
"物体打击" = "struck_by"
"中毒" = "poisoning"
"""
HEADER = ["编号", "单位名称", "统一社会信用代码", "行业", "风险类别", "区县", "发生时间", "地点", "经过",
          "原因", "死亡", "重伤", "直接经济损失（万元）"]


def record(n: str, **kw: str) -> list[str]:
    row = {"编号": n, "单位名称": f"企业{n}", "统一社会信用代码": credit_code(700 + len(n)),
           "行业": "建筑业", "风险类别": "5", "区县": "GL", "发生时间": "2026年02月01日 09:30",
           "地点": "工地", "经过": "脚手架坍塌", "原因": "高处坠落", "死亡": "0", "重伤": "1",
           "直接经济损失（万元）": "12.5"}
    row.update(kw)
    return [row[h] for h in HEADER]


ROWS = [
    record("A1"),
    record("A2", **{"直接经济损失（万元）": "1200", "原因": "中毒"}),  # 12,000,000 CNY: large
    record("A3", 统一社会信用代码="91350100MA2Y0A0B1X"),  # check digit wrong
    record("A4", 发生时间="2099年01月01日 00:00"),  # in the future
    record("A5", 原因="触电"),  # not in the value map
    record("A6", 死亡="-1"),
    record("A1"),  # the same key again
    record("A7", 区县="XX"),
]


def write_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *ROWS])
    return path


def write_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    book.save(path)
    return path


def importer(c: Container, tmp_path: Path) -> Importer:
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    return Importer(c, LIAISON, Mapping.load(tmp_path / "m.toml"))


def test_dry_run_rejects_and_an_idempotent_rerun(container: Container, tmp_path: Path) -> None:
    imp = importer(container, tmp_path)
    header, rows = read_rows(write_csv(tmp_path / "in.csv"), imp.mapping)
    head = container.app.recorder.max_notification_id() or 0

    dry = imp.run(header, rows, dry_run=True, rejects=tmp_path / "dry.csv")
    assert (dry.filed, dry.existing, dry.rejected) == (2, 0, 6)
    assert (container.app.recorder.max_notification_id() or 0) == head  # nothing filed

    done = imp.run(header, rows, dry_run=False, rejects=tmp_path / "rejected.csv")
    assert (done.filed, done.existing, done.rejected) == (2, 0, 6)
    with (tmp_path / "rejected.csv").open(encoding="utf-8-sig") as f:
        rejected = {r["编号"]: r[REASON] for r in csv.DictReader(f)}
    assert set(rejected) == {"A3", "A4", "A5", "A6", "A1", "A7"}
    assert "employer.credit_code" in rejected["A3"] and "check digit" in rejected["A3"]
    assert "occurred_at" in rejected["A4"] and "future" in rejected["A4"]
    assert "校验位" in rejected["A3"] and "不能晚于现在" in rejected["A4"]  # Chinese first
    assert "不能小于 0" in rejected["A6"]
    assert rejected["A5"].startswith("cause:") and "触电" in rejected["A5"]
    assert "deaths" in rejected["A6"]
    assert "row 1" in rejected["A1"]
    assert rejected["A7"].startswith("district:")

    large = container.notices.get(imp.notice_id("A2"))
    assert large["grade"] == "large" and Decimal(large["direct_loss_cny"]) == 12_000_000
    assert "health" in large["required_agencies"]  # poisoning: the same routing as the API
    assert large["occurred_at"].startswith("2026-02-01T09:30:00+08:00")
    assert large["filed_by"]["name"] == "导入员"

    again = imp.run(header, rows, dry_run=False, rejects=None)
    assert (again.filed, again.existing) == (0, 2)
    xlsx_header, xlsx_rows = read_rows(write_xlsx(tmp_path / "in.xlsx"), imp.mapping)
    from_excel = imp.run(xlsx_header, xlsx_rows, dry_run=False, rejects=None)
    assert (from_excel.filed, from_excel.existing, from_excel.rejected) == (0, 2, 6)
    assert (container.app.recorder.max_notification_id() or 0) == head + 2


def test_osha_sample_with_the_shipped_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not OSHA.exists():
        if REQUIRED:
            pytest.fail(f"the shared sample data is missing: {OSHA}")
        pytest.skip(f"no {OSHA}")
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    from adapters.bootstrap import bootstrap

    c = bootstrap(Settings())
    token = Accounts(c.store("api")).add("导入员", "safety", "liaison")
    hrss = Accounts(c.store("api")).add("人社", "hrss", "liaison")
    c.close()
    args = ["import", "notices", str(OSHA), "--mapping", str(OSHA_MAPPING),
            "--rejects", str(tmp_path / "rejected.csv"), "--token", token]
    runner = CliRunner()
    refused = runner.invoke(cli, [*args[:-1], hrss.replace("lk_", "lk_x")])
    assert refused.exit_code == 2 and "token is not valid" in refused.output
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1521" in dry.output and "would file 1521" in dry.output
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "filed 1521" in done.output and "rejected 0" in done.output
    again = runner.invoke(cli, args)
    assert "filed 0" in again.output and "already imported 1521" in again.output

    c = bootstrap(Settings())
    try:
        c.drain()
        with c.index.consumer.store.transaction() as tx:
            notices = dict(tx.scan("notices"))
        assert len(notices) == 1521
        # Report 2015010015 (the first row): a fracture while restraining an inmate, NY.
        first = c.notices.get(UUID(str(
            Importer(c, LIAISON, Mapping.load(OSHA_MAPPING)).notice_id("2015010015\x1f931176"))))
        assert first["district"] == "纽约州" and first["serious_injuries"] == 1
        assert first["employer"]["name"] == "FCI Otisville Federal Correctional Institution"
        assert first["occurred_at"].startswith("2015-01-01T00:00:00-05:00")
    finally:
        c.close()
