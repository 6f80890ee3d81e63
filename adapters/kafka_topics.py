"""Kafka's producer settings for the relay, and the topics it publishes to (create, clean up)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

# kafka-python 3 backs off up to 30 s between tries to reach a broker that is away: after a
# broker restart the relay and the consumers took that long again to notice it was back. The
# broker is on the same network: try again within a second.
BACKOFF: dict[str, Any] = {"reconnect_backoff_ms": 50, "reconnect_backoff_max_ms": 1000}


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
        **BACKOFF,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def _admin(bootstrap_servers: str) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="linkage-admin",
                            **BACKOFF)


def ensure_topics(bootstrap_servers: str, names: list[str], partitions: int) -> None:
    admin = _admin(bootstrap_servers)
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, num_partitions=partitions, replication_factor=1)
               for n in names if n not in existing]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new)
    finally:
        admin.close()


def delete_topics(bootstrap_servers: str, prefix: str, groups: Sequence[str] = ()) -> int:
    """Best effort: delete the topics named prefix… and these consumer groups (what a test
    or benchmark run made); returns how many topics. Left behind, they pile up in the broker."""
    try:
        admin = _admin(bootstrap_servers)
    except Exception as e:
        log.warning("could not clean Kafka up: %s", e)
        return 0
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine, raise_errors=False)
        if groups:
            with contextlib.suppress(Exception):
                admin.delete_groups(list(groups))
        return len(mine)
    except Exception as e:
        log.warning("could not clean Kafka up: %s", e)
        return 0
    finally:
        admin.close()
