"""A user's recent writes are remembered together: a read waits for each of them, not only
for the last (through Kafka, two aggregates may reach a read model in either order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.freshness import Writes, last_write, reached, remember
from tests.support import MemoryStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def write(store: MemoryStore, agg: str, version: int, at: datetime) -> None:
    w = Writes(actor_id="u1", marks={agg: (agg, version, "accident-notices")}, position=version)
    remember(store, w, at)


def test_recent_writes_add_up_and_old_ones_are_forgotten() -> None:
    store = MemoryStore("api")
    write(store, "a", 1, NOW)
    write(store, "b", 3, NOW + timedelta(seconds=1))
    write(store, "a", 2, NOW + timedelta(seconds=2))
    marks = last_write(store, "u1", NOW + timedelta(seconds=3))
    assert sorted(marks) == [("a", 2, "accident-notices"), ("b", 3, "accident-notices")]
    assert last_write(store, "u1", NOW + timedelta(hours=1)) == []
    write(store, "c", 1, NOW + timedelta(hours=1))
    assert last_write(store, "u1", NOW + timedelta(hours=1)) == [("c", 1, "accident-notices")]
    assert last_write(store, "u2", NOW) == []


def test_a_read_model_has_reached_a_write_once_it_applied_that_version() -> None:
    model = MemoryStore("safety")
    marks = [("a", 2, "accident-notices"), ("p", 5, "prevention-fund")]
    mechanisms = ("accident-notices",)  # safety does not consume the prevention fund
    assert not reached(model, mechanisms, marks)
    with model.transaction() as tx:
        tx.put("_seen", "a", {"v": 1, "n": 10})
    assert not reached(model, mechanisms, marks)
    with model.transaction() as tx:
        tx.put("_seen", "a", {"v": 2, "n": 11})
    assert reached(model, mechanisms, marks)
