"""hrss keeps the joint meetings' action items; overdue is judged at query time."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from domain.common import Actor
from domain.joint_meeting import JointMeeting
from services.agencies import projection_for
from services.agencies.hrss import action_items
from services.consumer import Consumer, Message
from services.envelope import encode, envelope_of
from tests.support import MemoryStore

ACTORS = {a: Actor(f"u-{a}", f"{a} liaison", a, "liaison") for a in ("hrss", "safety", "health")}
NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
ON = datetime(2026, 6, 2, 9, tzinfo=UTC)  # the meeting's day


def test_action_items_done_and_overdue() -> None:
    m = JointMeeting.convene(actor=ACTORS["hrss"], title="第二季度联席会议", held_on=date(2026, 6, 2),
                             agenda=["通报事故"], invited=["hrss", "safety", "health"], now=NOW)
    for agency in ("hrss", "safety", "health"):
        m.record_attendance(actor=ACTORS["hrss"], agency=agency, present=True,
                            attendees=[f"{agency} 代表"], now=ON)
    m.adopt_resolution(actor=ACTORS["hrss"], text="开展联合检查", now=ON, action_items=[
        {"agency": "safety", "due_on": date(2026, 6, 30), "description": "制定检查方案"},
        {"agency": "health", "due_on": date(2026, 7, 15), "description": "职业健康体检"},
    ])
    m.mark_done(actor=ACTORS["safety"], resolution_no=1, item_no=1, note="已完成", now=ON)
    store = MemoryStore("hrss")
    consumer = Consumer(projection_for("hrss"), store)
    n = itertools.count(1)
    for e in m.collect_events():
        env = envelope_of(e, next(n))
        consumer.handle([Message("log", env.notification_id, encode(env))])
    with store.transaction() as tx:
        items = action_items(tx, "2026-07-01")
        assert [(i["agency"], i["done"] is not None, i["overdue"]) for i in items] == [
            ("safety", True, False), ("health", False, False)]
        assert items[0]["meeting_title"] == "第二季度联席会议"
        assert action_items(tx, "2026-07-15", overdue_only=True) == []
        [late] = action_items(tx, "2026-07-16", overdue_only=True)
        assert late["agency"] == "health" and late["description"] == "职业健康体检"
