"""The chain link covers every part of a stored event and the link before it."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.persistence import Notification

from services.chain import GENESIS, link

AGG = uuid4()


def note(**kw: object) -> Notification:
    base: dict[str, object] = {"id": 7, "originator_id": AGG, "originator_version": 2,
                               "topic": "domain.accident_notice:AccidentNotice.Acknowledged",
                               "state": b'{"agency":"hrss"}'}
    base.update(kw)
    return Notification(**base)  # type: ignore[arg-type]


def test_link_is_deterministic_and_covers_every_field() -> None:
    h = link(GENESIS, note())
    assert h == link(GENESIS, note()) and len(h) == 32
    assert h == link(GENESIS, note(originator_id=str(AGG)))  # SQLite gives a str, PostgreSQL a UUID
    variants = [note(id=8), note(originator_id=uuid4()), note(originator_version=3),
                note(topic="domain.accident_notice:AccidentNotice.Filed"),
                note(state=b'{"agency":"hrsS"}')]
    assert all(link(GENESIS, v) != h for v in variants)
    assert link(bytes(31) + b"\x01", note()) != h


def test_topic_and_state_boundaries_are_unambiguous() -> None:
    a = note(topic="x:A", state=b"Bc")
    b = note(topic="x:AB", state=b"c")
    assert link(GENESIS, a) != link(GENESIS, b)
