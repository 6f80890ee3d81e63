"""While PostgreSQL is away a request is refused at once, not after ten pool timeouts."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool, PoolTimeout

from adapters.pg_reach import DatabaseDown, Reach, fail_fast, reach_of


class CountingPool(ConnectionPool[Any]):
    """A pool that never opens: each checkout is counted, and times out or hands out `conn`."""

    def __init__(self) -> None:
        super().__init__("", open=False)
        self.checkouts = 0
        self.conn: Any = None

    def getconn(self, timeout: float | None = None) -> Any:
        self.checkouts += 1
        if self.conn is None:
            raise PoolTimeout("couldn't get a connection after 2.00 sec")
        return self.conn


class FakeReach(Reach):
    """Direct connections that are refused, get in, or wait for the timeout, as told."""

    def __init__(self) -> None:
        super().__init__({"host": "db.invalid"})
        self.database = "refuses"
        self.tries = 0

    def _connect(self) -> None:
        self.tries += 1
        if self.database == "drops":
            time.sleep(0.6)  # as a connect timeout would
        if self.database == "full":
            raise psycopg.errors.TooManyConnections("sorry, too many clients already")
        if self.database != "answers":
            raise psycopg.OperationalError("connection refused")


@pytest.fixture
def wired() -> tuple[CountingPool, FakeReach]:
    pool, reach = CountingPool(), FakeReach()
    fail_fast(pool, reach)
    return pool, reach


def test_once_the_database_is_found_away_checkouts_fail_at_once(
        wired: tuple[CountingPool, FakeReach]) -> None:
    pool, reach = wired
    with pytest.raises(DatabaseDown):
        pool.getconn()
    assert pool.checkouts == 1 and reach.down
    for _ in range(5):  # eventsourcing's retries, later requests: the pool is not waited on
        with pytest.raises(psycopg.OperationalError):  # handled as every outage was before
            pool.getconn()
    assert pool.checkouts == 1
    assert reach.tries == 6  # but each asks the database again: a refusal costs nothing


def test_the_first_checkout_after_the_database_is_back_gets_a_connection(
        wired: tuple[CountingPool, FakeReach]) -> None:
    pool, reach = wired
    with pytest.raises(DatabaseDown):
        pool.getconn()
    reach.database, pool.conn = "answers", object()
    assert pool.getconn() is pool.conn
    assert not reach.down and pool.checkouts == 2


def test_a_busy_pool_with_the_database_there_still_times_out_and_is_tried_again(
        wired: tuple[CountingPool, FakeReach]) -> None:
    pool, reach = wired
    reach.database = "answers"
    for n in (1, 2):
        with pytest.raises(PoolTimeout):
            pool.getconn()
        assert pool.checkouts == n and not reach.down


def test_a_database_with_every_connection_taken_is_there_not_away(
        wired: tuple[CountingPool, FakeReach]) -> None:
    pool, reach = wired
    reach.database = "full"  # the pool keeps working connections: wait for one, as before
    for n in (1, 2):
        with pytest.raises(PoolTimeout):
            pool.getconn()
        assert pool.checkouts == n and not reach.down


def test_a_database_that_drops_packets_is_not_waited_on_by_every_checkout(
        wired: tuple[CountingPool, FakeReach]) -> None:
    pool, reach = wired
    reach.database = "drops"
    with pytest.raises(DatabaseDown):
        pool.getconn()
    for _ in range(3):
        with pytest.raises(DatabaseDown):
            pool.getconn()
    assert reach.tries == 1 and pool.checkouts == 1


def test_the_pools_of_one_database_share_what_they_learn() -> None:
    a = reach_of({"host": "h", "port": 5432, "dbname": "linkage", "user": "u", "password": "p"})
    b = reach_of({"host": "h", "port": 5432, "dbname": "linkage", "user": "u",
                  "connect_timeout": 5})
    other = reach_of({"host": "h", "port": 5432, "dbname": "linkage_test", "user": "u"})
    assert a is b and a is not other
