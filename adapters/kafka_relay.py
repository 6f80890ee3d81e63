"""The outbox relay: notification log → Kafka, at least once, in log order per aggregate.

The position is recorded only after the broker acknowledged every event up to it, so a
crash between publish and record republishes (consumers skip what they applied).
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, InterfaceError, Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from adapters.bootstrap import Container, bootstrap
from adapters.faults import maybe_crash
from adapters.kafka_topics import ensure_topics, producer
from adapters.log_wakeup import LogWakeup
from adapters.settings import Settings
from services.application import LinkageApp
from services.envelope import topics
from services.envelope_fast import kind, spliced, unspliced
from services.ports import Store

log = logging.getLogger(__name__)
POSITION = "relay"
ACK_TIMEOUT = 180.0  # s; the producer fails a record after its delivery_timeout_ms (120 s)


Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]  # topic, key, value, headers
Row = tuple[int, str, int, str, bytes]  # notification id, aggregate id, version, topic, state


class LogReader:
    """The notification log after a position, as plain rows.

    On PostgreSQL one query straight to the recorder's table, binary and as tuples: a third of
    the work of `select_notifications`, which builds a dict and then a Notification per row.
    The same rows, in the same order; other recorders go through `select_notifications`.
    """

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        self.pg = recorder if isinstance(recorder, PostgresApplicationRecorder) else None
        self.query = None if self.pg is None else SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state "
            "FROM {}.{} WHERE notification_id>%s ORDER BY notification_id LIMIT %s"
        ).format(Identifier(self.pg.datastore.schema), Identifier(self.pg.events_table_name))

    def rows(self, after: int, limit: int) -> list[Row]:
        if self.pg is None or self.query is None:
            return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                    for n in self.recorder.select_notifications(
                        start=after, limit=limit, inclusive_of_start=False)]
        rows: list[Row] = self._pg_rows(self.pg, self.query, after, limit)
        return rows

    @staticmethod
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the recorder's
    def _pg_rows(pg: PostgresApplicationRecorder, query: Composed, after: int,
                 limit: int) -> list[Row]:
        with pg.datastore.get_connection() as conn, \
                conn.cursor(row_factory=tuple_row, binary=True) as cur:
            cur.execute(query, (after, limit), prepare=True)
            rows: list[Row] = cur.fetchall()
            return rows


@dataclass
class Batch:
    """Consecutive notifications after the recorded position, built into Kafka records."""

    last: int  # notification id of the batch's last event: the position once all are acked
    records: list[Record]  # until sent
    futures: list[FutureRecordMetadata] = field(default_factory=list)
    size: int = 0

    def failure(self) -> BaseException | None:
        """The first failure among the records the broker answered so far."""
        return next((f.exception for f in self.futures if f.failed()), None)


class Relay:
    def __init__(self, app: LinkageApp, store: Store, kafka: KafkaProducer,
                 topic_prefix: str, batch: int = 1000, depth: int = 2) -> None:
        self.app = app
        self.store = store
        self.kafka = kafka
        self.topics = topics(topic_prefix)
        self.batch = batch
        self.depth = max(1, depth)  # batches in the producer, unacknowledged, at a send
        self.log = LogReader(app.recorder)
        self.kinds: dict[str, tuple[str, tuple[str, bytes]]] = {}  # topic, event_type header

    def position(self) -> int:
        with self.store.transaction(write=False) as tx:
            return tx.position(POSITION) or 0

    def lag(self) -> int:
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position())

    def read(self, after: int) -> Batch | None:
        """The next batch after notification `after`, envelopes built; None when none."""
        rows = self.log.rows(after, self.batch)
        return Batch(rows[-1][0], self.build(rows)) if rows else None

    def build(self, rows: list[Row]) -> list[Record]:
        """The Kafka record of each row: topic, key (the aggregate id), envelope, headers."""
        mapper, kinds = self.app.mapper, self.kinds
        records: list[Record] = []
        for nid, aggregate_id, version, stored_topic, state in rows:
            topic, event_type = kinds.get(stored_topic) or self._kind(stored_topic)
            value = spliced(mapper, stored_topic, state, aggregate_id, version, nid)
            if value is None:  # the parsing tier, or the domain event
                value = unspliced(mapper, Notification(
                    id=nid, originator_id=UUID(aggregate_id), originator_version=version,
                    topic=stored_topic, state=state))[2]
            records.append((topic, aggregate_id.encode(), value,
                            [event_type, ("notification_id", b"%d" % nid)]))
        return records

    def _kind(self, stored_topic: str) -> tuple[str, tuple[str, bytes]]:
        event_type, mechanism = kind(stored_topic)
        found = (self.topics[mechanism], ("event_type", event_type.encode()))
        self.kinds[stored_topic] = found
        return found

    def send(self, batch: Batch) -> None:
        # Built beforehand, the sends come in one tight burst: the producer's sender thread
        # then finds full record batches rather than a trickle of small requests.
        send = self.kafka.send
        batch.futures = [send(t, key=k, value=v, headers=h) for t, k, v, h in batch.records]
        # Dropped once sent (the producer copied them into its record batches): a batch in
        # flight keeps only its futures, not ~1 MB of envelopes, while the next is built.
        batch.size, batch.records = len(batch.records), []

    def settle(self, batch: Batch, flush: bool = True) -> None:
        """Returns once the broker acknowledged every record of the batch; raises if any
        failed. `flush` first sends what is lingering (the producer holds nothing newer)."""
        if flush:
            self.kafka.flush()
        for f in batch.futures:
            if not f.succeeded():
                f.get(timeout=ACK_TIMEOUT)  # waits; raises if the broker did not acknowledge

    def record(self, batch: Batch) -> None:
        maybe_crash("relay-after-publish")
        with self.store.transaction() as tx:
            tx.set_position(POSITION, batch.last)
            tx.put("status", "relay", {"position": batch.last, "at": time.time()})

    def drain(self, stop: threading.Event | None = None, seconds: float | None = None) -> int:
        """Publish until the log is exhausted, `stop` is set or `seconds` have passed;
        returns how many were published (and recorded).

        Pipelined: the next batch is read and built while earlier ones' acks are
        outstanding, and sent once at most `depth - 1` batches are still unacknowledged
        (to the producer, one larger batch: each partition keeps log order). A batch's
        position is recorded once every record up to it is acknowledged, while the next
        batch is on its way; a crash republishes. Nothing more is sent once a failure is known.
        A short batch ends it, as the log's head is reached: a trickle of new events is
        published one batch per call, with a wait for its acks, as one batch at a time was.
        """
        until = time.monotonic() + (math.inf if seconds is None else seconds)
        total = 0
        after = self.position()
        flying: deque[Batch] = deque()
        while not (stop is not None and stop.is_set()) and time.monotonic() < until:
            batch = self.read(after)
            if batch is None:
                break
            acked = None
            while len(flying) >= self.depth:
                self.settle(flying[0], flush=len(flying) == 1)
                acked = flying.popleft()
                total += acked.size
            failure = next(filter(None, (b.failure() for b in flying)), None)
            if failure is not None:  # send nothing more; keep what is acknowledged
                if acked is not None:
                    self.record(acked)
                raise failure
            self.send(batch)
            flying.append(batch)
            after = batch.last
            if acked is not None:
                self.record(acked)
            if batch.size < self.batch:  # caught up: settle rather than poll at once
                break
        acked = None
        while flying:
            self.settle(flying[0], flush=len(flying) == 1)
            acked = flying.popleft()
            total += acked.size
        if acked is not None:
            self.record(acked)
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
              interval: float = 0.05, metrics_port: int | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    c = bootstrap(settings)
    from adapters.metrics import RELAY_PUBLISHED, StateCollector
    from adapters.probes import Readiness, serve_probes

    readiness = Readiness()
    server = None if metrics_port is None else serve_probes(
        metrics_port, readiness, StateCollector(lambda: c, notices=False))
    relay: Relay | None = None
    while relay is None and not stop.is_set():
        try:
            _, relay = build(settings, c)
        except (KafkaError, OSError) as e:  # the broker may be down: keep the backlog, retry
            log.warning("broker unavailable at start, will retry: %s", e)
            readiness.failed(f"broker: {type(e).__name__}")
            stop.wait(2.0)
    if relay is None:
        if server is not None:
            server.shutdown()
        c.close()
        return
    log.info("relay publishing from %s to %s", settings.describe(), settings.kafka_bootstrap)
    last_report = 0.0
    wakeup = LogWakeup(c.app.recorder).start()  # PostgreSQL: publish at commit, not next poll
    try:
        while not stop.is_set():
            wakeup.clear()  # before reading: a commit during the drain wakes the next wait
            started = time.monotonic()
            try:
                published = relay.drain(stop, seconds=10)
            except (KafkaError, OSError) as e:
                log.warning("broker unavailable, will retry: %s", e)
                readiness.failed(f"broker: {type(e).__name__}")
                stop.wait(2.0)
                continue
            except Exception as e:
                log.warning("relay failed, will retry: %s", e)
                readiness.failed(f"relay: {type(e).__name__}")
                stop.wait(2.0)
                continue
            RELAY_PUBLISHED.inc(published)
            now = time.monotonic()
            if now - readiness.at > 2.0 or readiness.lag is None:
                try:
                    readiness.ok({"relay": relay.lag()})
                except Exception as e:
                    readiness.failed(f"database: {type(e).__name__}")
            if once and not published:
                break
            if now - last_report > 10:
                log.info("relay position %s, lag %s", relay.position(), relay.lag())
                last_report = now
            if not published:
                wakeup.wait(interval if wakeup.pg is None else max(interval, 0.5), stop)
                # A trickle still goes in batches, at most one read per interval as polling did
                # (a read per commit cost twice the relay's CPU at 100 notices/s); after a quiet
                # spell the first commit is published at once.
                stop.wait(max(0.0, started + interval - time.monotonic()))
    finally:
        wakeup.stop()
        if server is not None:
            server.shutdown()
        relay.kafka.close(timeout=10)
        c.close()
