"""Every event class of every aggregate has a label an auditor can read, in zh-CN and English."""

from __future__ import annotations

import re

from domain.event_labels import (
    AGGREGATE_LABELS,
    EVENT_LABELS,
    MECHANISM_LABELS,
    STATUS_KINDS,
    event_label,
    value_label,
)
from domain.vocabulary import LABELS
from services.envelope import MECHANISMS, event_classes

CJK = re.compile(r"[\u4e00-\u9fff]")


def _bilingual(table: dict[str, tuple[str, str]]) -> list[str]:
    return [k for k, (zh, en) in table.items() if not CJK.search(zh) or not en or CJK.search(en)]


def test_every_event_class_has_a_label() -> None:
    missing = sorted(set(event_classes()) - set(EVENT_LABELS))
    assert not missing, f"add a label to domain/event_labels.py EVENT_LABELS for: {missing}"
    stale = sorted(set(EVENT_LABELS) - set(event_classes()))
    assert not stale, f"labels of event classes that no longer exist: {stale}"
    assert not _bilingual(EVENT_LABELS)


def test_every_aggregate_and_mechanism_has_a_label() -> None:
    assert {a.__name__ for a in MECHANISMS} == set(AGGREGATE_LABELS)
    assert set(MECHANISMS.values()) == set(MECHANISM_LABELS)
    assert not _bilingual(AGGREGATE_LABELS) and not _bilingual(MECHANISM_LABELS)
    assert all(kind in LABELS for kind in STATUS_KINDS.values())


def test_labels_and_values() -> None:
    assert event_label("AccidentNotice.Filed") == "填报事故通报"
    assert event_label("AccidentNotice.Filed", "en") == "Notice filed"
    assert event_label("Unknown.Thing") == "Unknown.Thing"
    assert value_label("AccidentNotice", "status", "closed") == "已结案"
    assert value_label("JointMeeting", "status", "closed") == "已闭会"
    assert value_label("PreventionProject", "status", "closed", "en") == "closed"
    assert value_label("AccidentNotice", "grade", "large") == "较大"
    assert value_label("Account", "previous", "auditor") == "审计员"
    assert value_label("AccidentNotice", "summary", "closed") == "closed"  # free text as typed
    assert value_label("AccidentNotice", "kind", "acknowledged") == "确认收到通报"  # a step
    assert value_label("PreventionProject", "status", "paid") == "已拨付"  # a disbursement's


def test_values_read_as_labels_in_both_languages() -> None:
    from adapters.web.audit_format import show

    assert show("zh-CN", "AccidentNotice", "required_agencies", ["safety", "hrss"]) == "应急管理局、人社局"
    assert show("en", "AccidentNotice", "required_agencies", ["safety", "hrss"]) == "Work Safety, HRSS"
    assert show("zh-CN", "AccidentNotice", "filed_at", "2026-12-02T08:05:00+00:00") == "2026年12月2日 16:05"
    assert show("en", "AccidentNotice", "filed_at", "2026-12-02T08:05:00+00:00") == "2 Dec 2026, 16:05"
    assert show("zh-CN", "AccidentNotice", "deadlines", {"hrss": "2026-12-02T08:05:00+00:00"}) == \
        "（人社局：2026年12月2日 16:05）"
    assert show("zh-CN", "JointMeeting", "status", "closed") == "已闭会"
    assert show("en", "AccidentNotice", "late", False) == "no"
    long = show("zh-CN", "Register", "entries", list(range(25)))
    assert long.endswith("……另有 5 项") and long.startswith("0、1、")


def test_the_role_an_actor_held_then_and_what_an_event_changed() -> None:
    from datetime import UTC, datetime, timedelta

    from services.audit_timeline import diff, role_then

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    roles = [(t0, "liaison"), (t0 + timedelta(days=10), "admin")]
    assert role_then(roles, t0 + timedelta(days=1)) == "liaison"
    assert role_then(roles, t0 + timedelta(days=11)) == "admin"
    assert role_then([], t0) is None
    changes = diff({"status": "open", "acks": ["hrss"], "grade": "large"},
                   {"status": "closed", "acks": ["hrss", "safety"], "grade": "large", "note": ""})
    assert changes == [{"field": "status", "before": "open", "after": "closed"},
                       {"field": "acks", "before": ["hrss"], "after": ["hrss", "safety"],
                        "added": ["safety"]}]
