"""Read your own writes: a user's read waits until the read model holds that user's last write.

The event store keeps each user's recent writes (the aggregates and versions stored) with the
events, in their transaction (`Writer`; so every server process knows them), and a read of an
agency's read model first waits, bounded, until that model has applied those versions. Each
request notes the notification id of its last event (`Writes.position`), which it answers.
A read model says which versions it has applied in its `_seen` collection (services/consumer.py),
on either transport, so no offset needs translating into a notification id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.consumer import SEEN
from services.envelope import MECHANISMS
from services.ports import Store

RECENT = timedelta(minutes=10)  # an older write has reached every read model long since
KEEP = 50  # aggregates remembered per user
_MECHANISM = {cls.__name__: mechanism for cls, mechanism in MECHANISMS.items()}

Mark = tuple[str, int, str]  # aggregate id, version, mechanism


@dataclass
class Writes:
    """What one request stored; filled by LinkageApp while the request runs."""

    actor_id: str | None = None
    position: int | None = None

    def note(self, recordings: list[Any]) -> None:
        for r in recordings:
            self.position = max(self.position or 0, r.notification.id)


_writes: ContextVar[Writes | None] = ContextVar("linkage_writes", default=None)


def current() -> Writes | None:
    return _writes.get()


def note_writer(actor: Any) -> None:
    """The request's user: their writes are the ones their next reads wait for."""
    w = _writes.get()
    if w is not None:
        w.actor_id = actor.id


@contextmanager
def noting() -> Iterator[Writes]:
    w = Writes()
    token = _writes.set(w)
    try:
        yield w
    finally:
        _writes.reset(token)


@dataclass(frozen=True)
class Writer:
    """Given to the event store with a request's events (`save(..., writer=...)`): the recorder
    keeps the user's marks in the events' own transaction (adapters/request_log.py), so every
    server process knows them as soon as the events are stored, at no extra transaction."""

    actor_id: str
    at: str  # ISO time in UTC, when the events were saved


class WriteLog(Protocol):
    """The recorder's table of each user's recent writes (adapters/request_log.py)."""

    def select_last_writes(self, actor_id: str, since: str, limit: int) -> list[Mark]: ...


def mechanism_of_topic(topic: str) -> str:
    """The mechanism of a stored event's topic ("module:Aggregate.Event")."""
    return _MECHANISM.get(topic.rsplit(":", 1)[-1].split(".", 1)[0], "")


def marks_of(stored: Iterable[Any]) -> list[Mark]:
    """Each aggregate's highest version among these stored events, with its mechanism."""
    marks: dict[str, Mark] = {}
    for e in stored:
        agg = str(e.originator_id)
        if agg not in marks or marks[agg][1] < e.originator_version:
            marks[agg] = (agg, e.originator_version, mechanism_of_topic(e.topic))
    return list(marks.values())


def last_write(log: WriteLog, actor_id: str, now: datetime) -> list[Mark]:
    """The user's writes of the last RECENT (the newest KEEP): the versions their next read
    must see."""
    return log.select_last_writes(actor_id, (now - RECENT).isoformat(timespec="microseconds"),
                                  KEEP)


def marks_at(recorder: Any, position: int) -> list[Mark]:
    """The event stored at a notification id (a position another system was answered)."""
    notes = recorder.select_notifications(start=position, limit=1, stop=position)
    if not notes:
        return []
    n = notes[0]
    return [(str(n.originator_id), n.originator_version, mechanism_of_topic(n.topic))]


def reached(store: Store, mechanisms: tuple[str, ...], marks: list[Mark]) -> bool:
    wanted = [(agg, v) for agg, v, mechanism in marks if mechanism in mechanisms]
    if not wanted:
        return True
    with store.transaction(write=False) as tx:
        tx.prefetch(SEEN, [agg for agg, _ in wanted])
        for agg, v in wanted:
            seen = tx.get(SEEN, agg)
            if seen is None or seen["v"] < v:
                return False
    return True


def wait_until_reached(store: Store, mechanisms: tuple[str, ...], marks: list[Mark],
                       timeout: float, catch_up: Callable[[], object] | None = None,
                       step: float = 0.02) -> bool:
    """True once the read model holds every mark (at once when there is none); False when
    `timeout` seconds passed first. `catch_up` feeds an in-process read model meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if reached(store, mechanisms, marks):
            return True
        if catch_up is not None:
            catch_up()
            if reached(store, mechanisms, marks):
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
