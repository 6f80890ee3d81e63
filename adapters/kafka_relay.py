"""The outbox relay: notification log → Kafka, at least once, in log order per aggregate.

The position is recorded only after the broker acknowledged every event up to it, so a
crash between publish and record republishes (consumers skip what they applied).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from typing import Any

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from adapters.bootstrap import Container, bootstrap
from adapters.faults import maybe_crash
from adapters.settings import Settings
from services.application import LinkageApp
from services.envelope import topics
from services.envelope_fast import envelope_bytes
from services.ports import Store

log = logging.getLogger(__name__)
POSITION = "relay"


def producer(bootstrap_servers: str, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "acks": "all",  # every in-sync replica
        "retries": 2**31 - 1,
        "enable_idempotence": True,  # retries neither duplicate nor reorder
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": 5,
        "delivery_timeout_ms": 120_000,
        "client_id": "linkage-relay",
    }
    config.update(overrides)
    return KafkaProducer(**config)


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="linkage-admin")
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, num_partitions=partitions, replication_factor=1)
               for n in names if n not in existing]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new)
    finally:
        admin.close()


class Relay:
    def __init__(self, app: LinkageApp, store: Store, kafka: KafkaProducer,
                 topic_prefix: str, batch: int = 1000) -> None:
        self.app = app
        self.store = store
        self.kafka = kafka
        self.topics = topics(topic_prefix)
        self.batch = batch

    def position(self) -> int:
        with self.store.transaction() as tx:
            return tx.position(POSITION) or 0

    def lag(self) -> int:
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position())

    def publish_once(self) -> int:
        """Publish one batch after the recorded position; returns how many were published."""
        start = self.position()
        notes = self.app.recorder.select_notifications(
            start=start, limit=self.batch, inclusive_of_start=False
        )
        if not notes:
            return 0
        futures = []
        for n in notes:
            aggregate_id, mechanism, event_type, value = envelope_bytes(self.app.mapper, n)
            futures.append(self.kafka.send(
                self.topics[mechanism], key=aggregate_id.encode(), value=value,
                headers=[("event_type", event_type.encode()),
                         ("notification_id", str(n.id).encode())],
            ))
        self.kafka.flush()
        for f in futures:
            f.get(timeout=60)  # raises if the broker did not acknowledge
        maybe_crash("relay-after-publish")
        with self.store.transaction() as tx:
            tx.set_position(POSITION, notes[-1].id)
            tx.put("status", "relay", {"position": notes[-1].id, "at": time.time()})
        return len(notes)

    def drain(self) -> int:
        total = 0
        while n := self.publish_once():
            total += n
        return total


def build(settings: Settings, container: Container | None = None) -> tuple[Container, Relay]:
    if not settings.kafka_bootstrap:
        raise SystemExit("LINKAGE_KAFKA_BOOTSTRAP is not set: nothing to relay to")
    c = container or bootstrap(settings)
    ensure_topics(settings.kafka_bootstrap, list(topics(settings.topic_prefix).values()),
                  settings.topic_partitions)
    relay = Relay(c.app, c.store("relay"), producer(settings.kafka_bootstrap),
                  settings.topic_prefix)
    return c, relay


def run_relay(settings: Settings, once: bool = False, stop: threading.Event | None = None,
              interval: float = 0.05) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    c = bootstrap(settings)
    relay: Relay | None = None
    while relay is None and not stop.is_set():
        try:
            _, relay = build(settings, c)
        except (KafkaError, OSError) as e:  # the broker may be down: keep the backlog, retry
            log.warning("broker unavailable at start, will retry: %s", e)
            stop.wait(2.0)
    if relay is None:
        c.close()
        return
    log.info("relay publishing from %s to %s", settings.describe(), settings.kafka_bootstrap)
    last_report = 0.0
    try:
        while not stop.is_set():
            try:
                published = relay.publish_once()
            except (KafkaError, OSError) as e:
                log.warning("broker unavailable, will retry: %s", e)
                stop.wait(2.0)
                continue
            except Exception as e:
                log.warning("relay failed, will retry: %s", e)
                stop.wait(2.0)
                continue
            if once and not published:
                break
            now = time.monotonic()
            if now - last_report > 10:
                log.info("relay position %s, lag %s", relay.position(), relay.lag())
                last_report = now
            if not published:
                stop.wait(interval)
    finally:
        relay.kafka.close(timeout=10)
        c.close()
