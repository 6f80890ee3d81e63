"""One scenario, unchanged on SQLite and PostgreSQL: only the settings fixture differs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident, RevisionWindowClosed
from domain.common import Actor
from services.projections import queue
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")


def queue_ids(c: Container, agency: str) -> list[str]:
    c.drain()
    with c.store(agency).transaction() as tx:
        return [i["notice_id"] for i in queue(tx) if i["kind"] == "acknowledge_notice"]


def test_notice_lifecycle_survives_restart(
    settings: Settings, clock: ManualClock, make_container: Callable[[Settings], Container]
) -> None:
    c = make_container(settings)
    filed = c.notices.file(
        SAFETY, Employer("闽江建工集团有限公司", credit_code(11), "建筑业", 5),
        Incident("鼓楼区", clock.now - timedelta(hours=3), "在建工地", "脚手架坍塌", "collapse"),
        Casualties(1, 2, 0, Decimal("1800000")),
    )
    nid = UUID(filed["id"])
    assert filed["grade"] == "ordinary"
    assert filed["required_agencies"] == ["safety", "hrss", "health"]
    assert queue_ids(c, "health") == [str(nid)]
    assert queue_ids(c, "finance") == []

    clock.advance(minutes=10)
    c.notices.acknowledge(nid, SAFETY)
    c.notices.acknowledge(nid, HRSS)
    assert queue_ids(c, "safety") == []

    clock.advance(hours=25)  # health's 24 h passed
    assert c.watcher.run_once() == [(str(nid), "health")]
    assert c.watcher.run_once() == []  # exactly once

    clock.advance(days=1)
    revised = c.notices.revise(nid, SAFETY, Casualties(3, 2, 0, Decimal("4200000")), "一人抢救无效死亡")
    assert revised["grade"] == "large" and revised["reopened"]
    assert queue_ids(c, "finance") == [str(nid)]
    assert queue_ids(c, "safety") == [str(nid)]

    # A restart: a new container on the same settings sees the same history.
    c2 = make_container(settings)
    notice = c2.notices.get(nid)
    assert notice["version"] == 5
    assert [e["agency"] for e in notice["escalations"]] == ["health"]
    assert notice["escalations"][0]["deadline"] < notice["escalations"][0]["at"]
    assert notice["pending_agencies"] == ["safety", "hrss", "health", "finance"]
    for actor in (SAFETY, HRSS, HEALTH, FINANCE):
        c2.notices.acknowledge(nid, actor)
    assert all(queue_ids(c2, a) == [] for a in ("safety", "hrss", "health", "finance"))

    clock.advance(days=30)
    with pytest.raises(RevisionWindowClosed):
        c2.notices.revise(nid, SAFETY, Casualties(4, 2, 0, Decimal(0)), "再次补报")
    c2.notices.close(nid, SAFETY, "调查结束")
    assert c2.notices.get(nid)["status"] == "closed"
    c2.drain()
    with c2.index.consumer.store.transaction() as tx:
        summary = tx.get("notices", str(nid))
    assert summary is not None and summary["status"] == "closed" and summary["version"] == 10
