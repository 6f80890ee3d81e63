"""Overdue rectifications and action items, from audit records alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.audit_compliance import obligations


def rec(agg: str, event_type: str, mechanism: str, **payload: Any) -> dict[str, Any]:
    return {"aggregate_id": agg, "event_type": event_type, "mechanism": mechanism,
            "agency": "safety", "time": "2026-05-01T00:00:00+00:00", "payload": payload}


RECORDS = [
    rec("i1", "JointInspection.RectificationOrdered", "joint-inspections", finding_no=1,
        deadline="2026-05-10T00:00:00+00:00"),
    rec("i1", "JointInspection.RectificationOrdered", "joint-inspections", finding_no=2,
        deadline="2026-05-10T00:00:00+00:00"),
    rec("i1", "JointInspection.RectificationOrdered", "joint-inspections", finding_no=3,
        deadline="2026-05-10T00:00:00+00:00"),
    rec("i1", "JointInspection.Reinspected", "joint-inspections", finding_no=1, rectified=True,
        reinspected_at="2026-05-09T00:00:00+00:00"),
    rec("i1", "JointInspection.Reinspected", "joint-inspections", finding_no=2, rectified=False,
        reinspected_at="2026-05-09T00:00:00+00:00"),
    rec("m1", "JointMeeting.ResolutionAdopted", "joint-meetings", resolution_no=1, action_items=[
        {"no": 1, "agency": "finance", "due_on": "2026-05-05", "description": "拨付"},
        {"no": 2, "agency": "health", "due_on": "2026-05-05", "description": "体检"},
        {"no": 3, "agency": "hrss", "due_on": "2026-06-30", "description": "宣传"}]),
    rec("m1", "JointMeeting.ActionItemDone", "joint-meetings", resolution_no=1, item_no=1,
        done_at="2026-05-05T10:00:00+00:00"),
    rec("m1", "JointMeeting.ActionItemDone", "joint-meetings", resolution_no=1, item_no=2,
        done_at="2026-05-06T10:00:00+00:00"),
]


def test_overdue_obligations() -> None:
    rows = obligations(RECORDS, datetime(2026, 5, 20, tzinfo=UTC))
    assert [(r["aggregate_id"], r["item"]) for r in rows] == [
        ("i1", "finding 2"), ("i1", "finding 3"), ("m1", "item 1.2")]
    assert rows[2]["agency"] == "health" and rows[2]["closed_at"] == "2026-05-06T10:00:00+00:00"


def test_nothing_is_overdue_before_the_due_times() -> None:
    opened = RECORDS[:3] + RECORDS[5:6]  # what had happened by then
    assert obligations(opened, datetime(2026, 5, 4, tzinfo=UTC)) == []
    assert len(obligations(opened, datetime(2026, 5, 6, tzinfo=UTC))) == 2  # items 1.1 and 1.2
