"""Fail fast while PostgreSQL is away, rather than after ~22 s.

A request that meets a dead database waited for a pooled connection (the pool's timeout, 2 s)
on each of eventsourcing's ten attempts, and the clerk saw 503 only after ~22 s; every later
request waited as long. Here, once the pool cannot hand out a connection in time, one direct
connection says whether PostgreSQL is there at all. If it is not, the pool is marked down and
every checkout fails at once (with an OperationalError, so every caller handles it as before)
until a new direct connection gets through; a busy pool (PostgreSQL there, every connection in
use) still times out as before. A refused connection costs a millisecond, so while down every
checkout tries once more (the first request after PostgreSQL is back gets through); a try
that had to wait for the connect timeout (packets dropped) is not repeated for SLOW_RETRY s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout


class DatabaseDown(psycopg.OperationalError):
    """PostgreSQL refused or did not answer a direct connection."""


class Reach:
    """Whether PostgreSQL answers, as the pool's last timeout and the direct tries found it."""

    SLOW_RETRY = 2.0  # s before another try, after one that waited for the connect timeout

    def __init__(self, kwargs: dict[str, Any], connect_timeout: float = 2.0) -> None:
        self.kwargs = {k: v for k, v in kwargs.items() if k not in ("row_factory", "autocommit")}
        self.kwargs["connect_timeout"] = max(1, int(connect_timeout))
        self.down = False
        self._wait_until = -float("inf")
        self._lock = threading.Lock()

    def answers(self) -> bool:
        """One direct connection (closed at once); what it found is kept."""
        start = time.monotonic()
        try:
            self._connect()
        except psycopg.Error as e:
            if (e.sqlstate or "").startswith("53"):  # too many connections: there, but busy
                self.down = False
                return True
            self.down = True
            if time.monotonic() - start > 0.5:  # not refused: it waited for the timeout
                self._wait_until = time.monotonic() + self.SLOW_RETRY
            return False
        self.down = False
        return True

    def _connect(self) -> None:
        psycopg.connect(**self.kwargs).close()

    def before_checkout(self) -> None:
        """While down: fail at once, unless a direct try gets in."""
        if not self.down:
            return
        with self._lock:  # one try for all the threads waiting on it
            if self.down and (time.monotonic() < self._wait_until or not self.answers()):
                raise DatabaseDown("the database cannot be reached")

    def after_timeout(self, e: PoolTimeout) -> DatabaseDown | PoolTimeout:
        """What a pool timeout means: the database is away, or every connection is busy."""
        with self._lock:
            if self.down or not self.answers():
                return DatabaseDown(f"the database cannot be reached ({e})")
        return e


_SHARED: dict[tuple[Any, ...], Reach] = {}
_SHARED_LOCK = threading.Lock()


def reach_of(pool_kwargs: dict[str, Any] | Callable[[], dict[str, Any]] | None,
             connect_timeout: float = 2.0) -> Reach:
    """One Reach per database in this process: what the event store's pool learns, the read
    models' pool knows at once (a request checks its token in one, then writes in the other)."""
    kwargs = dict(pool_kwargs() if callable(pool_kwargs) else pool_kwargs or {})
    key = tuple(str(kwargs.get(k)) for k in ("host", "port", "dbname", "user"))
    with _SHARED_LOCK:
        return _SHARED.setdefault(key, Reach(kwargs, connect_timeout))


def fail_fast(pool: ConnectionPool[Any], reach: Reach) -> None:
    """Make the pool's checkouts consult `reach` (a pool made elsewhere: eventsourcing's)."""
    if getattr(pool, "linkage_reach", None) is not None:
        return  # the same pool, wrapped once
    original = pool.getconn

    def getconn(timeout: float | None = None) -> Any:
        reach.before_checkout()
        try:
            return original(timeout)
        except PoolTimeout as e:
            raised = reach.after_timeout(e)
            if raised is e:
                raise
            raise raised from e

    pool.getconn = getconn  # type: ignore[method-assign]
    pool.linkage_reach = reach  # type: ignore[attr-defined]
