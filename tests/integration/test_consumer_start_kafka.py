"""An agency's consumer started before anything has been relayed: the order a fresh deployment
(or `docker compose up`) starts its processes in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from kafka.admin import KafkaAdminClient

from adapters.bootstrap import Container
from adapters.kafka_relay import build
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.agencies import projection_for
from services.envelope import topics
from tests.integration.kafka_support import Proc, wait_until
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def topic_names(bootstrap: str, prefix: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {t for t in admin.list_topics() if t.startswith(prefix)}
    finally:
        admin.close()


def test_a_consumer_started_before_the_relay_creates_its_topics_and_never_joins_without_them(
        kcontainer: Container, ksettings: Settings, clock: ManualClock, tmp_path: Path) -> None:
    assert ksettings.kafka_bootstrap
    assert topic_names(ksettings.kafka_bootstrap, ksettings.topic_prefix) == set()
    consumer = Proc(["consume", "--agency", "hrss"], ksettings, tmp_path / "hrss.log")
    consumer.start()
    try:
        wanted = {topics(ksettings.topic_prefix)[m] for m in projection_for("hrss").mechanisms}
        wait_until(lambda: wanted <= topic_names(ksettings.kafka_bootstrap or "",
                                                 ksettings.topic_prefix), 60, "hrss's topics")
        nid = kcontainer.notices.file(
            SAFETY, Employer("福州某机械厂", credit_code(7), "制造业", 4),
            Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", "机械伤害", "mechanical"),
            Casualties(0, 1, 0, Decimal(1000)))["id"]
        _, relay = build(ksettings, kcontainer)
        try:
            relay.drain()
        finally:
            relay.kafka.close(timeout=10)

        def in_queue() -> bool:
            with kcontainer.store("hrss").transaction(write=False) as tx:
                return any(d.get("notice_id") == nid for _, d in tx.scan("queue"))
        wait_until(in_queue, 60, "the notice in hrss's read model")
    finally:
        consumer.stop()
    # Subscribed only once its topics and partitions were known: it never joined its group
    # without them (a member was once left with no partitions after such a join). A second,
    # quick rebalance when the metadata refreshes is kafka-python's own and does no harm.
    log = consumer.log.read_text()
    assert "No partition metadata" not in log, log[-3000:]
    assignments = [line for line in log.splitlines() if "Updated partition assignment" in line]
    assert assignments and all("assignment: []" not in line for line in assignments[:-1]), log[-3000:]
    # The topics have the configured partitions, not the broker's default.
    admin = KafkaAdminClient(bootstrap_servers=ksettings.kafka_bootstrap)
    try:
        described = admin.describe_topics(sorted(wanted))
    finally:
        admin.close()
    assert {len(t["partitions"]) for t in described} == {ksettings.topic_partitions}
