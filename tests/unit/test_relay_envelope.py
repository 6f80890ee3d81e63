"""The relay's spliced envelope is byte for byte the parsed one, or steps aside."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Notification

import services.envelope_fast as fast
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.accident_notices import AccidentNotices
from services.application import LinkageApp
from services.envelope import decode, envelope_from_notification
from services.envelope_fast import envelope_bytes, parsed, spliced
from tests.support import ManualClock, credit_code

ACK = "domain.accident_notice:AccidentNotice.Acknowledged"
FILED = "domain.accident_notice:AccidentNotice.Filed"
AT = datetime(2026, 11, 29, 7, 30, 15, 123456, tzinfo=UTC)
ACTOR: dict[str, Any] = {"actor_id": "u-1", "actor_name": "王敏", "actor_agency": "safety"}


@pytest.fixture
def app() -> LinkageApp:
    return LinkageApp()


def note(app: LinkageApp, state: dict[str, Any] | bytes, topic: str = ACK) -> Notification:
    raw = state if isinstance(state, bytes) else app.mapper.transcoder.encode(state)
    return Notification(id=42, originator_id=uuid4(), originator_version=3, topic=topic, state=raw)


def splice(app: LinkageApp, n: Notification) -> bytes | None:
    return spliced(app.mapper, n.topic, n.state, str(n.originator_id), n.originator_version, n.id)


ODD_STRINGS = [
    'quote " and backslash \\ and \\"',
    '{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"}',  # text, not a value
    '"_type_": and "class_version": inside a string',
    "control \x01 \n \t chars, 中文, emoji 🚒, \u2028",
    "ends with a backslash \\",
    "",
]


@pytest.mark.parametrize("state", [
    {"timestamp": AT, **ACTOR, "agency": "safety", "acknowledged_at": AT, "round": 1, "late": False},
    {"timestamp": AT, **ACTOR},  # no payload at all
    {"timestamp": AT, **ACTOR, "texts": ODD_STRINGS, "by_text": {s: s for s in ODD_STRINGS}},
    {"timestamp": AT, **ACTOR, "actor_name": ODD_STRINGS[0], "note": ODD_STRINGS[1]},
    {"timestamp": AT, **ACTOR, "nested": [[AT, Decimal("1.50")], {"d": {"id": UUID(int=7)}}],
     "none": None, "n": -3, "f": 0.25, "empty": {}, "list": []},
    {"timestamp": AT - timedelta(days=400), **ACTOR, "loss": Decimal("12000000.01"),
     "deadlines": {"safety": AT, "hrss": AT + timedelta(days=1)}},
])
def test_spliced_equals_parsed_byte_for_byte(app: LinkageApp, state: dict[str, Any]) -> None:
    n = note(app, state)
    raw = splice(app, n)
    assert raw is not None
    assert raw == parsed(app.mapper, n)
    assert decode(raw).payload == decode(parsed(app.mapper, n) or b"").payload


def test_a_creation_event_drops_its_originator_topic(app: LinkageApp) -> None:
    n = note(app, {"timestamp": AT, "originator_topic": "domain.accident_notice:AccidentNotice",
                   **ACTOR, "grade": "ordinary"}, FILED)
    raw = splice(app, n)
    assert raw is not None and raw == parsed(app.mapper, n)
    assert decode(raw).payload == {"grade": "ordinary"}


@pytest.mark.parametrize(("raw", "tier"), [
    # A transcoding the envelope does not know: the domain event decides (here it fails).
    (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
     b'"actor_id":"a","actor_name":"b","actor_agency":"c","x":{"_type_":"set","_data_":[]}}', None),
    # A dict that merely has a _type_ key: parsed keeps it as a dict.
    (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
     b'"actor_id":"a","actor_name":"b","actor_agency":"c","x":{"_type_":"a","_data_":1,"y":2}}',
     "parsed"),
    # Another schema version than the class's: only the domain event upcasts.
    (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
     b'"actor_id":"a","actor_name":"b","actor_agency":"c","round":1,"class_version":2}', None),
    # Not the transcoder's compact layout, or fields in another order.
    (b'{"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"}, '
     b'"actor_id": "a", "actor_name": "b", "actor_agency": "c", "round": 1}', "parsed"),
    (b'{"actor_id":"a","timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
     b'"actor_name":"b","actor_agency":"c","round":1}', "parsed"),
])
def test_anything_unusual_is_left_to_the_other_tiers(app: LinkageApp, raw: bytes,
                                                     tier: str | None) -> None:
    n = note(app, raw)
    assert splice(app, n) is None
    assert (parsed(app.mapper, n) is not None) == (tier == "parsed")
    if tier == "parsed":
        assert envelope_bytes(app.mapper, n)[3] == parsed(app.mapper, n)


@pytest.fixture
def version_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pretend AccidentNotice.Acknowledged is at class_version 2."""
    shape = fast._shape

    def patched(topic: str) -> tuple[str, str, int]:
        event_type, mechanism, version = shape(topic)
        return event_type, mechanism, 2 if topic == ACK else version

    fast._head.cache_clear()
    monkeypatch.setattr(fast, "_shape", patched)
    yield
    fast._head.cache_clear()


def test_a_versioned_class_is_spliced_only_at_its_version(app: LinkageApp,
                                                          version_two: None) -> None:
    state = {"timestamp": AT, **ACTOR, "agency": "safety", "round": 1}
    current = note(app, {**state, "class_version": 2})
    raw = splice(app, current)
    assert raw is not None and raw == parsed(app.mapper, current)
    assert decode(raw).schema_version == 2 and decode(raw).payload == {"agency": "safety",
                                                                       "round": 1}
    for older in (note(app, state), note(app, {**state, "class_version": 1}),
                  note(app, {"timestamp": AT, **ACTOR, "class_version": 2})):
        assert splice(app, older) is None


def test_every_real_event_is_spliced_and_equals_the_decoded_one(app: LinkageApp) -> None:
    clock = ManualClock()
    notices = AccidentNotices(app, clock)
    r = notices.file(Actor("u-s", "王敏", "safety", "liaison"),
                     Employer("某厂", credit_code(40), "制造业", 3),
                     Incident("台江区", clock.now - timedelta(hours=1), "仓库", "储罐\"中毒\"",
                              "poisoning"),
                     Casualties(0, 2, 1, Decimal("10.50")))
    notices.acknowledge(UUID(r["id"]), Actor("u-h", "李强", "hrss", "liaison"))
    notes = app.recorder.select_notifications(start=1, limit=100)
    assert len(notes) == 2
    for n in notes:
        raw = splice(app, n)
        assert raw is not None and raw == parsed(app.mapper, n)
        assert decode(raw) == envelope_from_notification(app.mapper, n)
