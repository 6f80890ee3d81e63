"""The consumer runner: exactly once in effect, poison messages aside, on a fake store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor
from services.agencies import projection_for
from services.consumer import Consumer, Message
from services.envelope import decode, encode, envelope_of
from services.projections import queue
from tests.support import MemoryStore, credit_code

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
SAFETY = Actor("u1", "王敏", "safety", "liaison")
HRSS = Actor("u2", "李强", "hrss", "liaison")


def notice_events() -> list[bytes]:
    n = AccidentNotice.file(
        actor=SAFETY, employer=Employer("某厂", credit_code(3), "制造业", 2),
        incident=Incident("鼓楼区", NOW - timedelta(hours=1), "车间", "触电", "electrical"),
        casualties=Casualties(0, 0, 0, Decimal(0)), now=NOW,
    )
    n.acknowledge(actor=HRSS, now=NOW)
    return [encode(envelope_of(e, i + 1)) for i, e in enumerate(n.collect_events())]


def messages(raws: list[bytes], source: str = "t:0") -> list[Message]:
    return [Message(source, i, raw) for i, raw in enumerate(raws)]


def queue_ids(store: MemoryStore) -> list[str]:
    with store.transaction() as tx:
        return [item["notice_id"] for item in queue(tx)]


def test_queue_fills_on_filing_and_empties_on_acknowledgement() -> None:
    filed, acked = notice_events()
    hrss = MemoryStore()
    runner = Consumer(projection_for("hrss"), hrss)
    runner.handle(messages([filed]))
    assert len(queue_ids(hrss)) == 1
    runner.handle([Message("t:0", 1, acked)])
    assert queue_ids(hrss) == []


def test_redelivery_and_republished_duplicates_are_skipped() -> None:
    raws = notice_events()
    store = MemoryStore()
    runner = Consumer(projection_for("safety"), store)
    first = runner.handle(messages(raws))
    assert first.applied == 2
    again = runner.handle(messages(raws))  # the same offsets: a redelivery
    assert (again.applied, again.skipped) == (0, 2)
    # The relay republished after a crash: same events, new offsets.
    republished = runner.handle([Message("t:0", 10 + i, r) for i, r in enumerate(raws)])
    assert (republished.applied, republished.skipped) == (0, 2)
    with store.transaction() as tx:
        assert tx.get("notices", queue_ids(store)[0])["version"] == 2  # type: ignore[index]


def test_poison_messages_go_to_dead_letters_without_blocking() -> None:
    filed = notice_events()[0]
    unknown = filed.replace(b"AccidentNotice.Filed", b"AccidentNotice.Exploded")
    store = MemoryStore()
    runner = Consumer(projection_for("safety"), store)
    out = runner.handle(messages([b"{not json", unknown, filed]))
    assert (out.dead, out.applied) == (2, 1)
    with store.transaction() as tx:
        reasons = [d["reason"] for d in tx.dead_letters()]
        assert tx.position("t:0") == 2
    assert "undecodable" in reasons[0]
    assert "unknown event type 'AccidentNotice.Exploded'" in reasons[1]
    assert len(queue_ids(store)) == 1


def test_a_crash_before_commit_applies_nothing_and_the_retry_applies_once() -> None:
    raws = notice_events()
    store = MemoryStore()
    runner = Consumer(projection_for("safety"), store)
    store.fail_commit = True
    with pytest.raises(RuntimeError):
        runner.handle(messages(raws[:1]))
    store.fail_commit = False
    assert queue_ids(store) == [] and store.pos == {}
    assert runner.handle(messages(raws[:1])).applied == 1
    assert len(queue_ids(store)) == 1


@pytest.mark.parametrize("agency", ["safety", "hrss", "health", "finance"])
def test_a_batch_leaves_each_notice_listed_as_event_by_event_would(agency: str) -> None:
    """A notice's lists are set once, at the end of its batch, from its last summary: filed and
    acknowledged in one batch, the read model (documents and list entries) is the one the two
    events make one batch each."""
    raws = notice_events()
    together, apart = MemoryStore(), MemoryStore()
    Consumer(projection_for(agency), together).handle(messages(raws))
    for m in messages(raws):
        Consumer(projection_for(agency), apart).handle([m])
    assert contents(together) == contents(apart)
    assert together.data["_index"]["notices"]  # listed at all


def contents(store: MemoryStore) -> dict[str, object]:
    """Documents and list entries, without the fake's empty collections (an item deleted
    before it was ever listed leaves one)."""
    return {name: {coll: v for coll, v in docs.items() if v} if name == "_index" else docs
            for name, docs in store.data.items() if docs}


def test_a_decoded_envelope_reads_as_the_broker_sent_it() -> None:
    raw = notice_events()[0]
    env, reason = Consumer(projection_for("safety"), MemoryStore())._poison(raw)
    assert reason is None and env is not None
    sent = decode(raw)
    assert env == sent and str(env.aggregate_id) == str(sent.aggregate_id)
    assert env.aggregate_id == sent.aggregate_id and hash(env.aggregate_id) == hash(sent.aggregate_id)
    assert env.model_dump_json() == sent.model_dump_json()
