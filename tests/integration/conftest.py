"""Fixtures of the Kafka tests: PostgreSQL + a real broker, on fresh topics and a fresh schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.bootstrap import Container, bootstrap
from adapters.kafka_topics import delete_topics
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from tests.integration.kafka_support import kafka_settings
from tests.support import ManualClock


@pytest.fixture
def ksettings(pg_url: str, pg_schema: str, kafka_bootstrap: str,
              tmp_path: Path) -> Iterator[Settings]:
    s = kafka_settings(pg_url, pg_schema, kafka_bootstrap, tmp_path / "var")
    yield s
    # Every test has its own topics: left behind, thousands of partitions slow the shared
    # broker's restarts and rebalances in later runs.
    delete_topics(kafka_bootstrap, s.topic_prefix,
                  [s.consumer_group_prefix + a for a in AGENCIES])


@pytest.fixture
def kcontainer(ksettings: Settings, clock: ManualClock) -> Iterator[Container]:
    c = bootstrap(ksettings, clock)
    yield c
    c.close()
