"""An agency's Kafka consumer group: the shared consumer runner, fed from its topics."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError

from adapters.bootstrap import bootstrap
from adapters.faults import maybe_crash
from adapters.gc_tuning import for_batches
from adapters.kafka_topics import BACKOFF, ensure_topics
from adapters.settings import Settings
from services.agencies import projection_for
from services.consumer import Consumer, Message, Outcome
from services.envelope import topics
from services.ports import Store

log = logging.getLogger(__name__)


def source(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


class SeekToRecorded(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, resume after the position recorded with the read model, not Kafka's."""

    def __init__(self, kafka: KafkaConsumer, store: Store) -> None:
        self.kafka = kafka
        self.store = store

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        with self.store.transaction() as tx:
            recorded = tx.positions()
        for tp in assigned:
            pos = recorded.get(source(tp))
            if pos is None:
                self.kafka.seek_to_beginning(tp)
            else:
                self.kafka.seek(tp, pos + 1)


def kafka_consumer(settings: Settings, group: str, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "group_id": group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 2000,  # a backlog in few transactions; live, a poll holds few
        "fetch_max_wait_ms": settings.consumer_fetch_wait_ms,
        "fetch_min_bytes": 4096,  # a few envelopes, or the wait above, ends a fetch
        "session_timeout_ms": 6_000,
        "heartbeat_interval_ms": 1_000,
        "client_id": group,
        # Topics are made with the configured partitions (ensure_topics), never by a metadata
        # request with the broker's default.
        "allow_auto_create_topics": False,
        **BACKOFF,
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def subscribed(settings: Settings, group: str, names: list[str], store: Store,
               stop: threading.Event,
               on_error: Callable[[KafkaError], None] | None = None) -> KafkaConsumer | None:
    """The group's consumer, subscribed once its topics and their partitions are known; None
    if stopped first. A broker that is down is waited for.

    Topics that appear while the group is joining can leave a member with no partitions and no
    further rebalance (seen with kafka-python 3.0 when consumers started before the relay had
    created the topics), so the consumer creates any that are missing and waits for their
    metadata before it subscribes.
    """
    assert settings.kafka_bootstrap
    while not stop.is_set():
        kafka: KafkaConsumer | None = None
        try:
            ensure_topics(settings.kafka_bootstrap, names, settings.topic_partitions)
            kafka = kafka_consumer(settings, group)
            while not all(kafka.partitions_for_topic(n) for n in names):
                if stop.wait(0.2):
                    kafka.close()
                    return None
            kafka.subscribe(names, listener=SeekToRecorded(kafka, store))
            return kafka
        except KafkaError as e:  # the broker may be down: wait for it
            log.warning("broker unavailable at start, will retry: %s", e)
            if on_error is not None:
                on_error(e)
            if kafka is not None:
                kafka.close()
            stop.wait(2.0)
    return None


class OffsetHint:
    """Commits the group's offsets to Kafka at most every `every` seconds.

    A hint only (the read model's own positions are the truth): a commit per batch cost the
    broker a write per poll, and a stale one means only a redelivery the positions skip.
    """

    def __init__(self, kafka: KafkaConsumer, every: float = 1.0) -> None:
        self.kafka = kafka
        self.every = every
        self.last = 0.0

    def maybe_commit(self) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        try:
            self.kafka.commit_async()
        except KafkaError as e:
            log.info("offset commit skipped: %s", e)


def consume_batch(kafka: KafkaConsumer, runner: Consumer, hint: OffsetHint,
                  timeout_ms: int = 500) -> Outcome:
    records = kafka.poll(timeout_ms=timeout_ms)
    messages = [Message(source(tp), m.offset, m.value or b"")
                for tp, batch in records.items() for m in batch]
    if not messages:
        return Outcome()
    outcome = runner.handle(messages)
    hint.maybe_commit()
    return outcome


def partition_lag(kafka: KafkaConsumer) -> dict[str, int] | None:
    """Lag per assigned topic-partition (high-water mark - position); None until all known."""
    lag: dict[str, int] = {}
    for tp in kafka.assignment():
        high = kafka.highwater(tp)
        if high is None:
            return None
        lag[source(tp)] = max(0, high - kafka.position(tp))
    return lag


class Watch:
    """Metrics and readiness of one consumer process, refreshed at most every `every` s."""

    def __init__(self, agency: str, metrics_port: int | None, every: float = 2.0) -> None:
        from adapters.probes import Readiness

        self.agency = agency
        self.readiness = Readiness()
        self.every = every
        self.last = 0.0
        self.server = None
        if metrics_port is not None:
            from adapters.probes import serve_probes

            self.server = serve_probes(metrics_port, self.readiness)

    def update(self, kafka: KafkaConsumer, outcome: Outcome) -> None:
        from adapters.metrics import CONSUMER_LAG, count_outcome

        count_outcome(self.agency, outcome)
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        lag = partition_lag(kafka)
        for name, n in (lag or {}).items():
            CONSUMER_LAG.labels(self.agency, name).set(n)
        self.readiness.ok(lag)

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()


def run_consumer(settings: Settings, agency: str, once: bool = False,
                 stop: threading.Event | None = None, metrics_port: int | None = None) -> Outcome:
    if not settings.kafka_bootstrap:
        raise SystemExit("LINKAGE_KAFKA_BOOTSTRAP is not set: use `linkage serve` in-process")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    c = bootstrap(settings)
    if threading.current_thread() is threading.main_thread():
        for_batches()  # a process of its own (not a test's thread: the collector is global)
    projection = projection_for(agency)
    store = c.store(agency)
    runner = Consumer(projection, store, lambda: maybe_crash("consumer-before-commit"))
    names = [topics(settings.topic_prefix)[m] for m in projection.mechanisms]
    kafka = subscribed(settings, settings.consumer_group_prefix + agency, names, store, stop)
    total = Outcome()
    watch = Watch(agency, metrics_port)
    if kafka is None:
        watch.close()
        c.close()
        return total
    idle = 0
    hint = OffsetHint(kafka)
    log.info("%s consumer on %s", agency, ", ".join(names))
    try:
        while not stop.is_set():
            try:
                outcome = consume_batch(kafka, runner, hint)
            except KafkaError as e:
                log.warning("broker unavailable, will retry: %s", e)
                watch.readiness.failed(f"broker: {type(e).__name__}")
                stop.wait(1.0)
                continue
            except Exception as e:  # the database: the batch is not applied, Kafka redelivers
                watch.readiness.failed(f"database: {type(e).__name__}")
                raise
            watch.update(kafka, outcome)
            total += outcome
            if outcome.applied or outcome.skipped or outcome.dead:
                idle = 0
                log.info("%s: applied %s, skipped %s, dead-lettered %s", agency,
                         outcome.applied, outcome.skipped, outcome.dead)
            else:
                idle += 1
                if once and idle >= 6:
                    break
    finally:
        watch.close()
        kafka.close()
        c.close()
    return total
