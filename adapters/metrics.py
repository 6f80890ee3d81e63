"""Prometheus metrics: counters the processes update, and gauges read from the stores at scrape.

`linkage serve` answers `/metrics`; the relay and each consumer serve `/metrics`, `/healthz`
and `/readyz` on `--metrics-port` (adapters/probes.py). With several server worker processes,
set PROMETHEUS_MULTIPROC_DIR (`linkage serve --workers N` sets one up): the counters and the
histogram then live in files there and every worker's scrape sums them. The gauges that
describe the stores (events stored, relay lag, overdue notices, chain verification) are read
from the database at each scrape, so any process answers them the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from adapters.bootstrap import Container
from domain.vocabulary import AGENCIES
from services.consumer import Outcome
from services.feeder import LOG_SOURCE
from services.notice_summary import pending

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter("linkage_http_requests", "HTTP requests by route template, method and status",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("linkage_http_request_duration_seconds",
                         "HTTP request latency by route template and method", ["route", "method"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CONSUMER_EVENTS = Counter("linkage_consumer_events",
                          "Events a consumer handled: applied, skipped (already applied) or "
                          "dead_lettered", ["agency", "outcome"])
CONSUMER_LAG = Gauge("linkage_consumer_lag_events",
                     "A Kafka consumer's lag per topic-partition (high-water mark - position)",
                     ["agency", "source"], multiprocess_mode="livemax")
RELAY_PUBLISHED = Counter("linkage_relay_published_events", "Events the relay published (acknowledged)")


def count_outcome(agency: str, outcome: Outcome) -> None:
    for name, n in (("applied", outcome.applied), ("skipped", outcome.skipped),
                    ("dead_lettered", outcome.dead)):
        if n:
            CONSUMER_EVENTS.labels(agency, name).inc(n)


def counted(agency: str, job: Callable[[], Outcome]) -> Callable[[], Outcome]:
    """An in-process consumer's catch_up, counting what it handled."""

    def run() -> Outcome:
        outcome = job()
        count_outcome(agency, outcome)
        return outcome

    return run


def relay_lag(c: Container) -> tuple[int, int, float]:
    """(position, lag in events, lag in seconds: age of the oldest unpublished event)."""
    head = c.app.recorder.max_notification_id() or 0
    with c.store("relay").transaction(write=False) as tx:
        position = tx.position("relay") or 0
    lag = max(0, head - position)
    seconds = 0.0
    if lag:
        oldest = c.app.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
        if oldest:
            at: datetime = getattr(c.app.mapper.to_domain_event(oldest[0]), "timestamp")  # noqa: B009
            seconds = max(0.0, time.time() - at.timestamp())
    return position, lag, seconds


LAG_LIMIT = 10_000  # pending events counted up to this many


def in_process_lag(c: Container, agency: str, positions: dict[str, int]) -> int | None:
    """Events of the agency's mechanisms after its position (None: fed from Kafka). The log
    holds every mechanism's events, so its head alone would show a consumer behind when the
    last events are ones it does not consume."""
    feeder = c.agency_feeders.get(agency)
    if feeder is None:
        return None
    return len(c.app.recorder.select_notifications(
        start=positions.get(LOG_SOURCE, 0), limit=LAG_LIMIT, topics=feeder.topics,
        inclusive_of_start=False))


def overdue_by_agency(c: Container, now: datetime) -> dict[str, int]:
    """Open notices whose acknowledgement deadline passed without it, per agency (the index)."""
    counts: dict[str, int] = dict.fromkeys(AGENCIES, 0)
    with c.index.consumer.store.transaction(write=False) as tx:
        for _, summary in tx.scan("notices"):
            for agency in pending(summary):
                deadline = summary["deadlines"].get(agency)
                if deadline and datetime.fromisoformat(deadline) < now:
                    counts[agency] = counts.get(agency, 0) + 1
    return counts


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


class StateCollector(Collector):
    """Gauges read from the event store and read models at each scrape."""

    def __init__(self, container: Callable[[], Container | None], relay: bool = True,
                 notices: bool = True) -> None:
        self.container = container
        self.relay = relay
        self.notices = notices

    def collect(self) -> Iterator[GaugeMetricFamily]:
        c = self.container()
        up = _gauge("linkage_database_up", "1 when the last scrape reached the database")
        if c is None:
            up.add_metric([], 0)
            yield up
            return
        try:
            families = list(self._families(c))
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, c: Container) -> Iterator[GaugeMetricFamily]:
        head = c.app.recorder.max_notification_id() or 0
        stored = _gauge("linkage_events_stored", "Events in the event store (notification log head)")
        stored.add_metric([], head)
        yield stored
        if self.relay and c.settings.uses_kafka:
            position, lag, seconds = relay_lag(c)
            for name, doc, value in (
                    ("linkage_relay_position", "The relay's recorded position", position),
                    ("linkage_relay_lag_events", "Events stored but not yet published", lag),
                    ("linkage_relay_lag_seconds", "Age of the oldest unpublished event", seconds)):
                g = _gauge(name, doc)
                g.add_metric([], value)
                yield g
        lag_g = _gauge("linkage_consumer_log_lag_events",
                       "In-process consumers: events of the log not yet applied", ["agency"])
        dead_g = _gauge("linkage_dead_letters", "Dead letters kept per agency", ["agency"])
        for agency in AGENCIES:
            with c.store(agency).transaction(write=False) as tx:
                positions = tx.positions()
                dead_g.add_metric([agency], len(tx.dead_letters()))
            pending = in_process_lag(c, agency, positions)
            if pending is not None:
                lag_g.add_metric([agency], pending)
        yield lag_g
        yield dead_g
        if self.notices:
            overdue = _gauge("linkage_notices_overdue",
                             "Open notices past an agency's acknowledgement deadline", ["agency"])
            for name, n in overdue_by_agency(c, c.clock()).items():
                overdue.add_metric([name], n)
            yield overdue
        yield from self._chain(c)
        yield from self._pool(c)

    def _chain(self, c: Container) -> Iterator[GaugeMetricFamily]:
        from adapters.audit_wiring import last_verification

        last = last_verification(c)
        at = _gauge("linkage_chain_last_verification_timestamp_seconds",
                    "When the hash chain was last verified (0: never)")
        ok = _gauge("linkage_chain_last_verification_ok", "1 if the last verification passed")
        at.add_metric([], last["at"] if last else 0)
        ok.add_metric([], 1 if last and last["ok"] else 0)
        yield at
        yield ok

    def _pool(self, c: Container) -> Iterator[GaugeMetricFamily]:
        pool = c.read_model_pool()
        if pool is None:
            return
        stats = pool.get_stats()
        g = _gauge("linkage_db_pool_connections", "The read-model connection pool", ["state"])
        size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
        g.add_metric(["open"], size)
        g.add_metric(["in_use"], max(0, size - available))
        g.add_metric(["idle"], available)
        g.add_metric(["waiting"], stats.get("requests_waiting", 0))
        g.add_metric(["max"], pool.max_size)
        yield g


def exposition(state: Collector | None = None) -> bytes:
    """The text format: the process's (or every worker's) counters, then the state gauges."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        out = generate_latest(registry)
    else:
        out = generate_latest(REGISTRY)
    if state is not None:
        extra = CollectorRegistry()
        extra.register(state)
        out += generate_latest(extra)
    return out


CONTENT_TYPE = CONTENT_TYPE_LATEST
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HttpMetrics:
    """ASGI middleware: counts each request by its route template (never the raw path)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(route, method, str(status[0])).inc()
            HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
