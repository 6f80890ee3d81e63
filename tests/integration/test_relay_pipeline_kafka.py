"""The relay's own reading of the log, and its pipeline through a real broker."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from kafka import KafkaConsumer

from adapters.bootstrap import Container
from adapters.kafka_relay import LogReader, build
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from domain.vocabulary import AGENCIES
from services.envelope import decode, envelope_from_notification, topics
from tests.support import ManualClock, credit_code

ACTORS = {a: Actor(f"u-{a}", f"{a} 联络员", a, "liaison") for a in AGENCIES}


def history(c: Container, clock: ManualClock, notices: int) -> int:
    """Notices acknowledged by each required agency; returns the last notification id."""
    for i in range(notices):
        r = c.notices.file(ACTORS["safety"],
                           Employer(f"企业{i}", credit_code(500 + i), "制造业", 1 + i % 8),
                           Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", f"事故{i}",
                                    ("fall", "poisoning", "mechanical")[i % 3]),
                           Casualties(i % 4, i % 3, 0, Decimal("1000.5")))
        for agency in r["required_agencies"]:
            c.notices.acknowledge(UUID(r["id"]), ACTORS[agency])
    return c.app.recorder.max_notification_id() or 0


def test_the_log_reader_reads_what_select_notifications_does(
    container: Container, clock: ManualClock
) -> None:
    last = history(container, clock, 4)
    reader = LogReader(container.app.recorder)
    assert (reader.pg is not None) == (type(container.app.recorder).__name__.startswith("Postgres"))
    for after, limit in ((0, 1000), (0, 3), (2, 5), (last - 1, 10), (last, 10)):
        expected = [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                    for n in container.app.recorder.select_notifications(
                        start=after, limit=limit, inclusive_of_start=False)]
        assert reader.rows(after, limit) == expected


def test_the_pipelined_relay_publishes_every_event_once_in_log_order_per_aggregate(
    kcontainer: Container, ksettings: Settings, clock: ManualClock
) -> None:
    last = history(kcontainer, clock, 12)
    _, relay = build(ksettings, kcontainer)
    relay.batch, relay.depth = 5, 3  # many batches, several in flight
    try:
        assert relay.drain() == last
    finally:
        relay.kafka.close(timeout=10)
    assert relay.position() == last

    names = list(topics(ksettings.topic_prefix).values())
    consumer = KafkaConsumer(*names, bootstrap_servers=ksettings.kafka_bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=5000)
    try:
        got = list(consumer)
    finally:
        consumer.close()
    assert len(got) == last
    notes = {n.id: n for n in kcontainer.app.recorder.select_notifications(start=1, limit=1000)}
    versions: dict[str, list[int]] = defaultdict(list)
    for m in got:
        env = decode(m.value)
        assert m.key == str(env.aggregate_id).encode()
        assert dict(m.headers) == {"event_type": env.event_type.encode(),
                                   "notification_id": str(env.notification_id).encode()}
        assert env == envelope_from_notification(kcontainer.app.mapper, notes[env.notification_id])
        versions[str(env.aggregate_id)].append(env.aggregate_version)
    for aggregate, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), aggregate
