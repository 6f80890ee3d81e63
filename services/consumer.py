"""The one consumer runner, fed from Kafka or straight from the notification log.

Exactly once in effect: each message's position and the read-model change are
committed in one transaction, and an aggregate version already applied is skipped
(the relay may publish an event twice; a redelivery may come again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import ValidationError

from services.envelope import Envelope, decode, event_classes, payload_model
from services.envelope_fast import keyed
from services.ports import Store
from services.projections import Projection

log = logging.getLogger(__name__)
# A line per applied event, carrying the id of the request that caused it (request_id) so one
# notice can be followed from the POST to each agency; rebuilds turn it down (adapters/rebuild).
events_log = logging.getLogger("linkage.events")
PER_EVENT_LINES = 50  # live traffic comes in small batches; a bigger one is a backlog
SEEN = "_seen"


class Message(NamedTuple):  # a tuple: made once per event, at a fraction of a dataclass's cost
    source: str  # "topic:partition", or "log" for the notification log
    position: int  # offset, or notification id
    raw: bytes
    # Built from our own event store (services/feeder): trusted, not decoded or validated again
    envelope: Envelope | None = None


@dataclass
class Outcome:
    applied: int = 0
    skipped: int = 0
    dead: int = 0

    def __iadd__(self, other: Outcome) -> Outcome:
        self.applied += other.applied
        self.skipped += other.skipped
        self.dead += other.dead
        return self


class Consumer:
    def __init__(self, projection: Projection, store: Store,
                 before_commit: Callable[[], None] | None = None) -> None:
        self.projection = projection
        self.store = store
        self.before_commit = before_commit  # a crash point in tests
        self.known = set(event_classes())

    def _poison(self, raw: bytes) -> tuple[Envelope | None, str | None]:
        try:
            env = decode(raw)
        except (ValidationError, ValueError) as e:
            return None, f"undecodable envelope: {str(e)[:500]}"
        if env.event_type not in self.known:
            return None, f"unknown event type {env.event_type!r}"
        try:
            payload_model(env.event_type).model_validate(env.payload)
        except ValidationError as e:
            return None, f"payload does not match {env.event_type}: {str(e)[:500]}"
        return keyed(env), None

    def handle(self, messages: Sequence[Message]) -> Outcome:
        """Apply a batch in one transaction; returns what happened to each message."""
        outcome = Outcome()
        decoded = [(m, m.envelope, None) if m.envelope is not None else (m, *self._poison(m.raw))
                   for m in messages]
        envelopes = [env for _, env, _ in decoded if env is not None]
        applied: list[Envelope] = []
        with self.store.transaction() as tx:
            # Read together what the batch will read anyway: one round trip, not one each.
            tx.prefetch(SEEN, {str(env.aggregate_id) for env in envelopes})
            self.projection.prefetch(tx, envelopes)
            positions: dict[str, int | None] = {}
            for m, env, reason in decoded:
                if m.source not in positions:
                    positions[m.source] = tx.position(m.source)
                last = positions[m.source]
                if last is not None and m.position <= last:
                    outcome.skipped += 1
                    continue
                positions[m.source] = m.position
                tx.set_position(m.source, m.position)
                if env is None:
                    # Moved aside, never dropped and never blocking the partition.
                    log.warning("%s: dead letter at %s@%s: %s", self.projection.name,
                                m.source, m.position, reason)
                    tx.add_dead_letter(m.source, m.position, reason or "", m.raw)
                    outcome.dead += 1
                    continue
                key = str(env.aggregate_id)
                seen = tx.peek(SEEN, key)
                if seen is not None and env.aggregate_version <= seen["v"]:
                    outcome.skipped += 1
                    continue
                if seen is not None and env.aggregate_version != seen["v"] + 1:
                    log.warning("%s: %s jumps from version %s to %s", self.projection.name,
                                key, seen["v"], env.aggregate_version)
                self.projection.apply(tx, env)
                tx.keep(SEEN, key, {"v": env.aggregate_version, "n": env.notification_id})
                outcome.applied += 1
                applied.append(env)
            tx.settle()
            if self.before_commit:
                self.before_commit()
        if self.projection.logs_events and events_log.isEnabledFor(logging.INFO):
            self._log_applied(applied)
        return outcome

    def _log_applied(self, applied: list[Envelope]) -> None:
        if len(applied) > PER_EVENT_LINES:  # a backlog: one line a batch (a line costs ~40 µs)
            events_log.info("%s applied %d events", self.projection.name, len(applied), extra={
                "read_model": self.projection.name,
                "request_ids": sorted({e.causation_id for e in applied if e.causation_id}),
                "notification_ids": [applied[0].notification_id, applied[-1].notification_id]})
            return
        for env in applied:
            events_log.info(
                "%s applied %s %s v%d", self.projection.name, env.event_type, env.aggregate_id,
                env.aggregate_version, extra={
                    "request_id": env.causation_id, "correlation_id": env.correlation_id,
                    "read_model": self.projection.name, "event_type": env.event_type,
                    "aggregate_id": str(env.aggregate_id), "notification_id": env.notification_id})
