"""Read your own writes: a user's read waits until the read model holds that user's last write.

Every save made while a request runs is noted (`Writes`, one per request): the aggregates and
versions it stored and the notification id of its last event, the write's position. The server
keeps each user's last write in the `api` store (so every server process knows it), and a read
of an agency's read model first waits, bounded, until that model has applied those versions.
A read model says which versions it has applied in its `_seen` collection (services/consumer.py),
on either transport, so no offset needs translating into a notification id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.consumer import SEEN
from services.envelope import MECHANISMS
from services.ports import Doc, Store

LAST_WRITE = "last-write"
RECENT = timedelta(minutes=10)  # an older write has reached every read model long since
KEEP = 50  # aggregates remembered per user
_MECHANISM = {cls.__name__: mechanism for cls, mechanism in MECHANISMS.items()}

Mark = tuple[str, int, str]  # aggregate id, version, mechanism


@dataclass
class Writes:
    """What one request stored; filled by LinkageApp while the request runs."""

    actor_id: str | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    position: int | None = None

    def note(self, recordings: list[Any]) -> None:
        for r in recordings:
            e = r.domain_event
            mechanism = _MECHANISM.get(type(e).__qualname__.split(".", 1)[0], "")
            self.marks[str(e.originator_id)] = (str(e.originator_id), e.originator_version,
                                                mechanism)
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


def remember(store: Store, w: Writes, now: datetime) -> None:
    """Keep the user's recent writes (one document per user, in the `api` store): the marks of
    this write added to those of the user's writes in the last RECENT, the newest KEEP."""
    if w.actor_id is None or w.position is None:
        return
    position = w.position

    def merged(old: Doc | None) -> Doc:
        marks: dict[str, list[Any]] = {}
        if old is not None and now - datetime.fromisoformat(old["at"]) <= RECENT:
            marks = {m[0]: m for m in old["marks"]}
        for agg, version, mechanism in w.marks.values():
            marks.pop(agg, None)  # re-inserted last: the newest are kept
            marks[agg] = [agg, version, mechanism]
        return {"position": position, "at": now.isoformat(), "marks": list(marks.values())[-KEEP:]}

    # Only this function writes these documents, one user's at a time: a per-document swap
    # (one round trip or two on PostgreSQL) instead of a locked transaction (six), per POST.
    store.replace(LAST_WRITE, w.actor_id, merged)


def last_write(store: Store, actor_id: str, now: datetime) -> list[Mark]:
    """The user's last write if recent: the versions their next read must see."""
    with store.transaction(write=False) as tx:
        doc: Doc | None = tx.get(LAST_WRITE, actor_id)
    if doc is None or now - datetime.fromisoformat(doc["at"]) > RECENT:
        return []
    return [(m[0], int(m[1]), m[2]) for m in doc["marks"]]


def marks_at(recorder: Any, position: int) -> list[Mark]:
    """The event stored at a notification id (a position another system was answered)."""
    notes = recorder.select_notifications(start=position, limit=1, stop=position)
    if not notes:
        return []
    n = notes[0]
    cls = n.topic.rsplit(":", 1)[-1].split(".", 1)[0]
    return [(str(n.originator_id), n.originator_version, _MECHANISM.get(cls, ""))]


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
