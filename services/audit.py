"""The auditor's questions, answered from the event history alone, for every aggregate type.

Replay (the history in order, filtered), an aggregate as it was at a version or a moment, its
timeline, and every agency's read model rebuilt as of a moment into a separate store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from services.agencies import projection_for
from services.application import LinkageApp, NotFound
from services.audit_records import plain, record, record_stored
from services.chain import Verification, notifications, verified
from services.consumer import Consumer, Message, Outcome
from services.envelope import encode, envelope_of, mechanism_of_type
from services.envelope_fast import stored_state
from services.feeder import LOG_SOURCE, stored_topics
from services.ports import Doc, Store
from services.replay_fast import fast_verified_records

__all__ = ["Filters", "aggregate_as_of", "events_of", "plain", "rebuild_as_of", "record",
           "record_stored", "replay", "state_of", "timeline", "verified_replay", "version_at"]


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None  # event time >= start
    end: datetime | None = None  # event time < end
    aggregate: UUID | None = None
    agency: str | None = None
    actor: str | None = None  # actor id or name
    type: str | None = None  # full event type, or its last part (e.g. Acknowledged)
    mechanism: str | None = None  # e.g. accident-notices
    aggregate_type: str | None = None  # e.g. AccidentNotice

    @property
    def on_stored(self) -> bool:
        """Whether a filter applies to the stored row (its topic or originator)."""
        return (self.aggregate is not None or bool(self.type) or bool(self.mechanism)
                or bool(self.aggregate_type))

    def keeps_stored(self, n: Notification) -> bool:
        if self.aggregate is not None and UUID(str(n.originator_id)) != self.aggregate:
            return False
        event_type = n.topic.rpartition(":")[2]
        if self.aggregate_type and event_type.partition(".")[0] != self.aggregate_type:
            return False
        if self.mechanism and _mechanism(event_type) != self.mechanism:
            return False
        return not (self.type and not (n.topic.endswith(":" + self.type)
                                       or n.topic.endswith("." + self.type)))

    def keeps(self, event: Any) -> bool:
        if self.start is not None and event.timestamp < self.start:
            return False
        if self.end is not None and event.timestamp >= self.end:
            return False
        if self.agency and event.actor_agency != self.agency:
            return False
        return not (self.actor and self.actor not in (event.actor_id, event.actor_name))


def _mechanism(event_type: str) -> str | None:
    try:
        return mechanism_of_type(event_type)
    except KeyError:
        return None


def replay(app: LinkageApp, filters: Filters = Filters(),
           source: Iterable[Notification] | None = None,
           progress: Callable[[int], None] | None = None) -> Iterator[Doc]:
    """The history in log order; `source` may be a verifying iterator (services.chain.verified)."""
    stored = filters.on_stored
    decoded = bool(filters.start or filters.end or filters.agency or filters.actor)
    to_domain_event = app.mapper.to_domain_event
    mapper = app.mapper
    done = 0
    for n in source if source is not None else notifications(app):
        done += 1
        if progress and done == 1000:
            progress(done)
            done = 0
        if stored and not filters.keeps_stored(n):
            continue
        if not decoded:  # no filter on decoded fields: read the stored JSON as it is
            found = stored_state(mapper, n)
            if found is not None:
                yield record_stored(n, found[0], found[1], found[3])
                continue
        event = to_domain_event(n)
        if not decoded or filters.keeps(event):
            yield record(event, n.id)
    if progress and done:
        progress(done)


def verified_replay(app: LinkageApp, chain_store: Store, filters: Filters = Filters(),
                    checkpoints: list[Doc] | None = None,
                    progress: Callable[[int], None] | None = None) -> tuple[Iterator[Doc], Verification]:
    """Replay while verifying every event against the hash chain; read the result at the end."""
    result = Verification()
    if filters == Filters():  # the usual case, a million events at a time: the fast path
        records = fast_verified_records(app, chain_store, result, checkpoints or [], progress)
        if records is not None:
            return records, result
    source = verified(app, chain_store, result, checkpoints or [])
    return replay(app, filters, source, progress), result


def _uuid(aggregate_id: UUID | str) -> UUID:
    try:
        return aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
    except ValueError as e:
        raise NotFound("aggregate_missing", aggregate_id=aggregate_id) from e


def events_of(app: LinkageApp, aggregate_id: UUID | str) -> list[Any]:
    events = [app.mapper.to_domain_event(s)
              for s in app.recorder.select_events(_uuid(aggregate_id))]
    if not events:
        raise NotFound("aggregate_missing", aggregate_id=aggregate_id)
    return events


def state_of(aggregate: Any) -> Doc:
    """Any aggregate's state, generically: its public attributes."""
    state = {k: plain(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
    return {"id": str(aggregate.id), "type": type(aggregate).__name__,
            "version": aggregate.version, "created_on": plain(aggregate.created_on),
            "modified_on": plain(aggregate.modified_on), "state": state}


def version_at(events: list[Any], as_of: datetime) -> int | None:
    """The aggregate's last version recorded at or before `as_of` (None: it did not exist yet)."""
    versions = [e.originator_version for e in events if e.timestamp <= as_of]
    return max(versions) if versions else None


def aggregate_as_of(app: LinkageApp, aggregate_id: UUID | str, *, version: int | None = None,
                    as_of: datetime | None = None) -> Doc:
    events = events_of(app, aggregate_id)
    if as_of is not None:
        version = version_at(events, as_of)
        if version is None:
            raise NotFound("aggregate_not_yet", aggregate_id=aggregate_id, as_of=as_of.isoformat())
    last = events[-1].originator_version
    if version is not None and not 1 <= version <= last:
        raise NotFound("no_such_version", aggregate_id=aggregate_id, version=version,
                       latest=last)
    aggregate: Any = app.repository.get(_uuid(aggregate_id), version=version)
    doc = state_of(aggregate)
    doc["latest_version"] = last
    doc["as_of"] = as_of.isoformat() if as_of else None
    return doc


def timeline(app: LinkageApp, aggregate_id: UUID | str) -> list[Doc]:
    """Who did what and when, one entry per event."""
    return [{k: v for k, v in record(e, 0).items() if k != "notification_id"}
            for e in events_of(app, aggregate_id)]


def rebuild_as_of(app: LinkageApp, as_of: datetime | None, stores: dict[str, Store],
                  progress: Callable[[int], None] | None = None,
                  position: int | None = None) -> dict[str, Outcome]:
    """Each agency's read model as it stood at `as_of` (or once the log reached `position`), into
    `stores` (reset first).

    One pass over the log; each event recorded at or before `as_of` (at or before `position`)
    goes to every agency that consumes its mechanism, through the same consumer code as the
    live read models.
    """
    consumers: dict[str, tuple[Consumer, set[str]]] = {}
    for agency, store in stores.items():
        store.reset()
        projection = projection_for(agency)
        consumers[agency] = (Consumer(projection, store),
                             set(stored_topics(projection.mechanisms)))
    outcomes = {agency: Outcome() for agency in stores}
    batch: dict[str, list[Message]] = {agency: [] for agency in stores}

    def flush() -> None:
        for agency, messages in batch.items():
            if messages:
                outcomes[agency] += consumers[agency][0].handle(messages)
                messages.clear()

    for i, n in enumerate(notifications(app, stop=position), 1):
        if position is not None and n.id > position:
            break
        if progress:
            progress(1)
        wanting = [a for a, (_, topics) in consumers.items() if n.topic in topics]
        if not wanting:
            continue
        event: Any = app.mapper.to_domain_event(n)
        if as_of is not None and event.timestamp > as_of:
            continue
        raw = encode(envelope_of(event, n.id))
        for agency in wanting:
            batch[agency].append(Message(LOG_SOURCE, n.id, raw))
        if i % 500 == 0:
            flush()
    flush()
    return outcomes
