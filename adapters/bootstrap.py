"""The composition root: settings in, a wired container out. Nothing connects at import."""

from __future__ import annotations

import logging
import math
import select
import threading
import time
import weakref
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import ConnectionPool

from adapters.pg_reach import fail_fast, reach_of
from adapters.security_log import SecurityLog
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from services.accident_notices import AccidentNotices
from services.accounts import AccountIndex, Accounts
from services.agencies import projection_for
from services.application import LinkageApp
from services.consumer import Consumer
from services.deadline_watcher import DeadlineWatcher
from services.feeder import LogFeeder
from services.health_follow_ups import HealthFollowUps
from services.joint_inspections import InspectionIndex, JointInspections, LazyFeeder
from services.joint_meetings import JointMeetings, MeetingIndex
from services.ports import Clock, Store
from services.prevention import FundYears, PreventionProjects, ProjectIndex
from services.projections import NoticeIndex, Projection, reindex

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _has_input(conn: Any) -> bool:
    """Whether the server sent an idle connection anything: only an ending one has news."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class ReadModelPool(ConnectionPool[Any]):
    """Pings a pooled connection before use only when it may be dead.

    A ping on every checkout (ConnectionPool.check_connection) cost a round trip per
    transaction. Here a connection is pinged only if the server has sent it something while
    it sat idle (a restart or a killed backend says so, and a closed socket reads as EOF), it
    has been idle for IDLE_PING seconds, or it was last used before a broken connection was
    seen (an outage kills them all). So requests still do not meet dead connections after
    PostgreSQL comes back.
    """

    IDLE_PING = 1.0

    def __init__(self, **kwargs: Any) -> None:
        self._last_good: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._broken_at = -math.inf
        super().__init__(check=self._check_if_stale, configure=self._good, **kwargs)
        fail_fast(self, reach_of(self.kwargs))  # 503 at once while PostgreSQL is away

    def _good(self, conn: Any) -> None:
        self._last_good[conn] = time.monotonic()

    def _check_if_stale(self, conn: Any) -> None:
        good = self._last_good.get(conn, -math.inf)
        try:
            if (good > self._broken_at and time.monotonic() - good < self.IDLE_PING
                    and not _has_input(conn)):
                return
            ConnectionPool.check_connection(conn)
        except Exception:
            self._broken_at = time.monotonic()
            raise
        self._good(conn)

    def putconn(self, conn: Any) -> None:
        if conn.broken:
            self._broken_at = time.monotonic()
        else:
            self._good(conn)
        super().putconn(conn)


_LIBPQ_SET: dict[str, str] = {}


def apply_libpq_env(settings: Settings) -> None:
    """The database URL's libpq parameters (sslmode, …) for every connection of this process,
    the event store's included; those an earlier container set and this one lacks are undone."""
    import os

    wanted = settings.libpq_env()
    for name in list(_LIBPQ_SET):
        if name not in wanted and os.environ.get(name) == _LIBPQ_SET.pop(name):
            del os.environ[name]
    for name, value in wanted.items():
        os.environ[name] = _LIBPQ_SET[name] = value


class Container:
    """Everything one process needs, built from settings."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self._pool: ConnectionPool[Any] | None = None
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()
        apply_libpq_env(settings)
        self.app = LinkageApp(env=settings.event_store_env())
        self.notices = AccidentNotices(self.app, clock, settings.deadlines())
        self.fund_years = FundYears(self.app, clock)
        self.projects = PreventionProjects(self.app, clock)
        self.health_follow_ups = HealthFollowUps(self.app, clock)
        self.index = LogFeeder(self.app, Consumer(NoticeIndex(), self.store("index")))
        self.watcher = DeadlineWatcher(self.notices, self.index, clock)
        self.inspections = JointInspections(self.app, clock)
        self.registers = self.inspections.registers
        self.meetings = JointMeetings(self.app, clock)
        # Accounts and tokens: every server process feeds this index itself (sign-in reads it).
        self.account_index = self.log_feeder(AccountIndex())
        self.accounts = Accounts(self.app, clock, self.account_index, settings.token_lifetime)
        self.security = SecurityLog(lambda: self.store("security"), clock,
                                    settings.auth_failure_limit)
        self.inspection_index = LazyFeeder(lambda: self.log_feeder(InspectionIndex()))
        self.meeting_index = LazyFeeder(lambda: self.log_feeder(MeetingIndex()))
        self.project_index = LazyFeeder(lambda: self.log_feeder(ProjectIndex()))
        # Embedded default: each agency's consumer is fed in-process from the log.
        self.agency_feeders: dict[str, LogFeeder] = {}
        if not settings.uses_kafka:
            for agency in AGENCIES:
                self.agency_feeders[agency] = self.log_feeder(projection_for(agency))
        self.store("notify")  # issue 18: opened (and its lists set up) with the others

    def in_process_feeders(self) -> list[LogFeeder | LazyFeeder]:
        """Every read model this process feeds from the log itself, registered here once (the
        auditor's consumer check and the background loops take them from here)."""
        return [self.index, self.inspection_index, self.meeting_index, self.account_index,
                self.project_index, *self.agency_feeders.values()]

    def pool(self) -> ConnectionPool[Any]:
        with self._lock:
            if self._pool is None:
                p = self.settings.postgres_params()
                self._pool = ReadModelPool(
                    kwargs={**p, "connect_timeout": 5}, min_size=1, max_size=10, open=True,
                    name="linkage-readmodels",
                )
            return self._pool

    def read_model_pool(self) -> ConnectionPool[Any] | None:
        """The read models' PostgreSQL pool if one was opened (for its metrics)."""
        return self._pool

    def store(self, name: str) -> Store:
        """The read-model store of one agency (or of the API itself: 'index', 'api')."""
        with self._lock:
            existing = self._stores.get(name)
        if existing is not None:
            return existing
        from adapters.stores import PostgresStore, SqliteStore

        store: Store
        if self.settings.uses_postgres:
            store = PostgresStore(self.pool(), self.settings.database_schema, name)
        else:
            path = self.settings.data_dir / f"readmodel-{name}.db"
            store = SqliteStore(path, name)
        reindex(store)  # lists made before they were indexed: listed once, then never again
        with self._lock:
            return self._stores.setdefault(name, store)

    def log_feeder(self, projection: Projection) -> LogFeeder:
        return LogFeeder(self.app, Consumer(projection, self.store(projection.name)))

    def drain(self) -> None:
        """Bring the index and every in-process agency read model up to date."""
        self.index.catch_up()
        for feeder in self.agency_feeders.values():
            feeder.catch_up()

    def close(self) -> None:
        self.security.close()
        self.app.close()
        if self._pool is not None:
            self._pool.close()


def bootstrap(settings: Settings | None = None, clock: Clock = utc_now,
              attempts: int = 5) -> Container:
    """Build the container; on PostgreSQL, retry a start that races other processes' DDL."""
    settings = settings or Settings()
    for attempt in range(1, attempts + 1):
        try:
            return Container(settings, clock)
        except Exception as e:
            if not settings.uses_postgres or attempt == attempts:
                raise
            log.warning("start-up failed (attempt %s of %s), retrying: %s", attempt, attempts, e)
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")
