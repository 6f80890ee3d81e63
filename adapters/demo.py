"""`linkage demo`: a short scenario on the embedded default, told in Chinese and English."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import typer

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor, beijing_minute, credit_code_check_char
from domain.vocabulary import AGENCIES, bilingual


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def say(zh: str, en: str, detail: str = "") -> None:
    typer.echo(f"  {zh} / {en}" + (f": {detail}" if detail else ""))


def agencies(names: list[str]) -> str:
    return ", ".join(bilingual('agency', a) for a in names)


def run_demo(data_dir: Path | None = None) -> None:
    folder = data_dir or Path(tempfile.mkdtemp(prefix="linkage-demo-"))
    shutil.rmtree(folder, ignore_errors=True)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    c = bootstrap(Settings(data_dir=folder, kafka_bootstrap=None, database_url=None), clock)
    safety = Actor("demo-safety", "王敏", "safety", "liaison")
    hrss = Actor("demo-hrss", "李强", "hrss", "liaison")
    health = Actor("demo-health", "陈静", "health", "liaison")
    finance = Actor("demo-finance", "赵磊", "finance", "liaison")
    code = "91350100MA2Y0A0B1"
    code += credit_code_check_char(code)
    typer.echo(f"linkage demo — 数据目录 / data folder: {folder}")
    try:
        r = c.notices.file(
            safety, Employer("闽江建工集团有限公司", code, "建筑业", 5),
            Incident("鼓楼区", clock.now - timedelta(hours=3), "五一北路在建工地 3 号楼",
                     "脚手架坍塌，两名工人坠落", "collapse", "已停工并设置警戒区"),
            Casualties(deaths=1, serious_injuries=2, missing=0, direct_loss_cny=Decimal("1800000")),
        )
        nid = UUID(r["id"])
        say("已提交", "Filed", f"{nid} by 王敏 (safety)")
        say("定级", "Graded", bilingual("grade", r["grade"]))
        say("须确认机构", "Must acknowledge", agencies(r["required_agencies"]))
        for agency, deadline in r["deadlines"].items():
            say("确认时限", "Deadline",
                f"{bilingual('agency', agency)} {beijing_minute(datetime.fromisoformat(deadline))}"
                " (北京时间 / Beijing time)")
        clock.now += timedelta(minutes=20)
        c.notices.acknowledge(nid, safety)
        say("已确认", "Acknowledged", "应急管理局 safety (王敏)")
        clock.now += timedelta(hours=2)
        c.notices.acknowledge(nid, hrss)
        say("已确认", "Acknowledged", "人社局 hrss (李强)")
        clock.now += timedelta(days=1)
        for notice_id, agency in c.watcher.run_once():
            say("已督办（逾期升级）", "Escalated (deadline missed)",
                f"{bilingual('agency', agency)} on {notice_id}")
        clock.now += timedelta(days=2)
        rv = c.notices.revise(nid, safety,
                              Casualties(deaths=3, serious_injuries=2, missing=0,
                                         direct_loss_cny=Decimal("4200000")),
                              "一名重伤者经抢救无效死亡，另发现一名遇难者")
        say("补报", "Revised", f"deaths 1 → 3; {bilingual('grade', rv['grade'])}")
        if rv["reopened"]:
            say("重新确认", "Acknowledgement re-opened", agencies(rv["required_agencies"]))
        for actor in (safety, hrss, health, finance):
            c.notices.acknowledge(nid, actor)
            say("已确认", "Acknowledged", f"{bilingual('agency', actor.agency)} ({actor.name})")
        c.drain()
        for agency in AGENCIES:
            with c.store(agency).transaction() as tx:
                n = len(list(tx.scan("queue")))
            say("待办", "Queue", f"{bilingual('agency', agency)}: {n}")
        clock.now += timedelta(days=20)
        c.notices.close(nid, safety, "事故调查报告已批复，结案")
        say("已结案", "Closed", "事故调查报告已批复")
        final = c.notices.get(nid)
        typer.echo(f"  版本 / version {final['version']}, 状态 / status "
                   f"{bilingual('notice_status', final['status'])}, "
                   f"督办 / escalations {len(final['escalations'])}, "
                   f"补报 / revisions {len(final['revisions'])}")
    finally:
        c.close()
