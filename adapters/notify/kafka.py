"""The notifier as the Kafka consumer group `linkage-notify`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kafka.errors import KafkaError

from adapters.bootstrap import Container
from adapters.kafka_consumer import OffsetHint, consume_batch, subscribed
from adapters.probes import Readiness
from services.consumer import Consumer
from services.envelope import topics
from services.notifications.sender import Sender

log = logging.getLogger(__name__)


def run_kafka_notify(c: Container, runner: Consumer, sender: Sender, once: bool,
                     stop: threading.Event, readiness: Readiness, owed: Callable[[], int]) -> None:
    s = c.settings
    names = [topics(s.topic_prefix)[m] for m in runner.projection.mechanisms]
    kafka = subscribed(s, s.consumer_group_prefix + "notify", names, runner.store, stop,
                       lambda e: readiness.failed(f"broker: {type(e).__name__}"))
    if kafka is None:
        return
    hint = OffsetHint(kafka)
    idle = 0
    try:
        while not stop.is_set():
            try:
                outcome = consume_batch(kafka, runner, hint, timeout_ms=int(s.notify_interval * 1000))
                sender.remind()
                counts = sender.run_once()
            except KafkaError as e:
                log.warning("broker unavailable, will retry: %s", e)
                readiness.failed(f"broker: {type(e).__name__}")
                stop.wait(1.0)
                continue
            except Exception as e:  # the database may come back: what is owed stays owed
                log.warning("notifier round failed, will retry: %s", e)
                readiness.failed(f"notifier: {type(e).__name__}")
                stop.wait(2.0)
                continue
            readiness.ok({"owed": owed()})
            if outcome.applied or outcome.dead or counts:
                idle = 0
                log.info("notifier: applied %s, sent %s", outcome.applied, counts)
            else:
                idle += 1
                if once and idle >= 6:
                    break
    finally:
        kafka.close()
