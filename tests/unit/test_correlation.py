"""The request's ids travel with its events: stored beside the event's fields, carried in the
envelope (version 2) by every tier alike, and an envelope of version 1 (published before them,
still in Kafka or a dead-letter table) is read as version 2 with the ids unknown."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services import correlation
from services.accident_notices import AccidentNotices
from services.agencies import projection_for
from services.application import LinkageApp
from services.consumer import Consumer, Message
from services.envelope import decode, encode, envelope_from_notification
from services.envelope_fast import parsed
from tests.support import ManualClock, MemoryStore, credit_code
from tests.unit.test_relay_envelope import ACTOR, AT, note, splice, version_two  # noqa: F401

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")


@pytest.fixture
def app() -> LinkageApp:
    return LinkageApp()


def file_and_acknowledge(app: LinkageApp) -> UUID:
    clock = ManualClock()
    notices = AccidentNotices(app, clock)
    with correlation.caused_by("req-1", "conv-1"):
        r = notices.file(SAFETY, Employer("某厂", credit_code(40), "制造业", 3),
                         Incident("台江区", clock.now - timedelta(hours=1), "仓库", "中毒",
                                  "poisoning"), Casualties(0, 2, 1, Decimal("10.50")))
    with correlation.caused_by("req-2"):
        notices.acknowledge(UUID(r["id"]), HRSS)
    return UUID(r["id"])


def test_every_tier_carries_the_ids_of_the_request_that_saved_the_event(app: LinkageApp) -> None:
    file_and_acknowledge(app)
    filed, acked = app.recorder.select_notifications(start=1, limit=10)
    for n, (conv, cause) in ((filed, ("conv-1", "req-1")), (acked, ("req-2", "req-2"))):
        raw = splice(app, n)
        assert raw is not None and raw == parsed(app.mapper, n)
        env = decode(raw)
        assert env == envelope_from_notification(app.mapper, n)
        assert (env.envelope_version, env.correlation_id, env.causation_id) == (2, conv, cause)
        assert "correlation_id" not in env.payload and "causation_id" not in env.payload


def test_an_event_stored_without_ids_has_null_ids(app: LinkageApp) -> None:
    for state in ({"timestamp": AT, **ACTOR, "agency": "safety", "round": 1},
                  {"timestamp": AT, **ACTOR}):
        n = note(app, state)
        raw = splice(app, n)
        assert raw is not None and raw == parsed(app.mapper, n)
        env = decode(raw)
        assert env.correlation_id is None and env.causation_id is None


@pytest.mark.parametrize("payload", [{"agency": "safety", "round": 1}, {}])
def test_ids_after_the_fields_are_spliced_out_of_the_payload(app: LinkageApp,
                                                             payload: dict[str, Any]) -> None:
    n = note(app, {"timestamp": AT, **ACTOR, **payload, "correlation_id": "c\"1",
                   "causation_id": "r-1"})
    raw = splice(app, n)
    assert raw is not None and raw == parsed(app.mapper, n)
    env = decode(raw)
    assert env.payload == payload and (env.correlation_id, env.causation_id) == ('c"1', "r-1")


def test_a_versioned_class_keeps_its_ids(app: LinkageApp, version_two: None) -> None:  # noqa: F811
    n = note(app, {"timestamp": AT, **ACTOR, "agency": "safety", "round": 1,
                   "correlation_id": "c-9", "causation_id": "r-9", "class_version": 2})
    raw = splice(app, n)
    assert raw is not None and raw == parsed(app.mapper, n)
    env = decode(raw)
    assert env.schema_version == 2 and env.causation_id == "r-9"
    assert env.payload == {"agency": "safety", "round": 1}


def version_one(raw: bytes) -> bytes:
    """The envelope as linkage published it before version 2."""
    old = json.loads(raw)
    del old["correlation_id"], old["causation_id"]
    old["envelope_version"] = 1
    return json.dumps(old, ensure_ascii=False).encode()


def test_a_version_one_envelope_is_read_as_version_two_and_applied(app: LinkageApp) -> None:
    file_and_acknowledge(app)
    notes = app.recorder.select_notifications(start=1, limit=10)
    current = [encode(envelope_from_notification(app.mapper, n)) for n in notes]
    old = [version_one(raw) for raw in current]
    assert b'"envelope_version":1' in old[0].replace(b" ", b"")
    upcast = decode(old[0])
    assert upcast.envelope_version == 2 and upcast.correlation_id is None
    assert upcast.model_dump(exclude={"correlation_id", "causation_id"}) == \
        decode(current[0]).model_dump(exclude={"correlation_id", "causation_id"})

    store = MemoryStore()
    consumer = Consumer(projection_for("hrss"), store)
    outcome = consumer.handle([Message("log", i + 1, raw) for i, raw in enumerate(old)])
    assert (outcome.applied, outcome.dead) == (2, 0)
    with store.transaction(write=False) as tx:
        assert tx.dead_letters() == []
        assert tx.get("notices", str(upcast.aggregate_id)) is not None


def test_an_agency_consumer_logs_each_event_with_its_request(
        app: LinkageApp, caplog: pytest.LogCaptureFixture) -> None:
    nid = file_and_acknowledge(app)
    raws = [encode(envelope_from_notification(app.mapper, n))
            for n in app.recorder.select_notifications(start=1, limit=10)]
    with caplog.at_level(logging.INFO, logger="linkage.events"):
        Consumer(projection_for("safety"), MemoryStore()).handle(
            [Message("log", i + 1, raw) for i, raw in enumerate(raws)])
    lines = [r for r in caplog.records if r.name == "linkage.events"]
    assert [(r.request_id, r.correlation_id, r.event_type) for r in lines] == [  # type: ignore[attr-defined]
        ("req-1", "conv-1", "AccidentNotice.Filed"),
        ("req-2", "req-2", "AccidentNotice.Acknowledged")]
    assert all(r.aggregate_id == str(nid) and r.read_model == "safety"  # type: ignore[attr-defined]
               for r in lines)


def test_outside_any_request_nothing_is_invented(app: LinkageApp) -> None:
    clock = ManualClock()
    AccidentNotices(app, clock).file(
        SAFETY, Employer("某厂", credit_code(41), "制造业", 3),
        Incident("台江区", clock.now - timedelta(hours=1), "仓库", "中毒", "poisoning"),
        Casualties(0, 0, 0, Decimal("1")))
    (n,) = app.recorder.select_notifications(start=1, limit=10)
    assert b"correlation_id" not in n.state
    env = envelope_from_notification(app.mapper, n)
    assert env.correlation_id is None and env.causation_id is None


def test_a_backlog_is_logged_a_line_a_batch_with_every_request_id(
        app: LinkageApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.consumer

    file_and_acknowledge(app)
    raws = [encode(envelope_from_notification(app.mapper, n))
            for n in app.recorder.select_notifications(start=1, limit=10)]
    monkeypatch.setattr(services.consumer, "PER_EVENT_LINES", 1)
    with caplog.at_level(logging.INFO, logger="linkage.events"):
        Consumer(projection_for("hrss"), MemoryStore()).handle(
            [Message("log", i + 1, raw) for i, raw in enumerate(raws)])
    (line,) = [r for r in caplog.records if r.name == "linkage.events"]
    assert line.request_ids == ["req-1", "req-2"]  # type: ignore[attr-defined]
