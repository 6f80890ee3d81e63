"""The relay's fast envelope equals the one decoded through the domain event, for every event."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest

import services.envelope_fast
from adapters.bootstrap import Container
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import SYSTEM_WATCHER, Actor
from services.audit import record, record_stored
from services.envelope import decode, envelope_from_notification
from services.envelope_fast import envelope_bytes, stored_state, trusted_envelope
from tests.support import ManualClock, acknowledge_pending, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")


def test_fast_envelope_equals_the_decoded_one(
    container: Container, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = container.notices
    r = n.file(SAFETY, Employer("某厂", credit_code(40), "制造业", 3),
               Incident("台江区", clock.now - timedelta(hours=1), "仓库", "储罐中毒", "poisoning"),
               Casualties(0, 2, 1, Decimal("10.50")))
    nid = UUID(r["id"])
    n.acknowledge(nid, SAFETY)
    n.revise(nid, SAFETY, Casualties(3, 2, 0, Decimal("12000000.01")), "补报")
    clock.advance(hours=2)
    n.escalate(nid, SYSTEM_WATCHER, "safety")
    acknowledge_pending(container, nid)
    n.close(nid, SAFETY, "结案")
    container.fund_years.open(HRSS, 2026, Decimal("500000000"))
    p = container.projects.propose(HRSS, 2026, "training", "千人培训计划", Decimal("1500000"),
                                   {"sessions": 10, "trainees": 1000})
    container.projects.approve(UUID(p["id"]), FINANCE)
    notes = container.app.recorder.select_notifications(start=1, limit=1000)

    def no_slow_path(*_: object) -> None:
        raise AssertionError("the fast path fell back to decoding the domain event")

    monkeypatch.setattr(services.envelope_fast, "envelope_from_notification", no_slow_path)
    assert len(notes) >= 8
    kinds = set()
    for note in notes:
        slow = envelope_from_notification(container.app.mapper, note)
        aggregate_id, mechanism, event_type, raw = envelope_bytes(container.app.mapper, note)
        assert decode(raw) == slow, event_type
        # A consumer fed from the log builds it without the bytes: the same envelope.
        trusted = trusted_envelope(container.app.mapper, note)
        assert trusted is not None, event_type
        decoded = decode(raw)  # what the consumer decoded from the bytes before
        assert trusted == slow and trusted.model_fields_set == decoded.model_fields_set, event_type
        assert trusted.model_dump_json() == slow.model_dump_json(), event_type
        assert (aggregate_id, mechanism, event_type) == (
            str(slow.aggregate_id), slow.mechanism, slow.event_type)
        kinds.add(mechanism)
    assert kinds == {"accident-notices", "prevention-fund"}
    # The audit replay reads the same stored JSON: its records equal the decoded ones.
    for note in notes:
        found = stored_state(container.app.mapper, note)
        assert found is not None
        event = container.app.mapper.to_domain_event(note)
        assert record_stored(note, found[0], found[1], found[3]) == record(event, note.id)
