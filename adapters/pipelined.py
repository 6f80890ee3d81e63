"""A rebuild's store on PostgreSQL: each batch commits in a thread while the next is folded.

A rebuild alternated two kinds of work: folding a batch of events (Python, one core) and
committing its documents (mostly PostgreSQL's own work, the other core). Here batch N+1 is
folded while batch N is being written and committed, so both cores work at once.

Why it is still right:
- Commits happen one at a time, in order, each with its batch's positions: a crash leaves a
  prefix of the batches, as before, and the next run continues after it.
- Batch N+1 starts from what batch N wrote (`SqlTx.carry`/`seed`), since N may not be committed
  yet; anything else it reads was committed by N-1 or earlier (N is handed over only after N-1's
  commit has finished).
- The read model's lock (the one every consumer transaction takes) is held by this store for the
  whole rebuild, on a connection of its own: a consumer started by mistake waits for the rebuild
  instead of interleaving with it. The batches' own transactions then take no lock.
- Lists and scans are refused inside a batch: they would not see batch N's documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

from adapters.pg_tx import PgTx
from adapters.sql_tx import Carried
from adapters.stores import PostgresStore
from services.ports import Store, Tx


class _BatchTx(PgTx):
    def _refuse(self, *_: Any, **__: Any) -> Any:
        raise RuntimeError("a pipelined batch cannot list or scan: the previous batch may "
                           "not be committed yet")

    page = count = facets = scan = collections = _refuse  # type: ignore[assignment]


class PipelinedStore(Store):
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.name = store.name
        self._pending: Future[None] | None = None
        self._carried: Carried | None = None
        self._commits = ThreadPoolExecutor(1, thread_name_prefix=f"commit-{store.name}")
        self._lock_conn = store.pool.getconn()
        self._lock_conn.autocommit = True
        self._lock_conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (store.tables["docs"],))

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()  # a failed commit stops the rebuild here

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        if not write:  # a read sees every batch handed over so far
            self._wait()
            with self.store.transaction(write=False) as tx:
                yield tx
            return
        if self._pending is not None and self._pending.done():
            self._wait()
        conn = self.store.pool.getconn()
        try:
            # One transaction per batch (a pooled connection may come back in autocommit
            # mode, where a COPY into the ON COMMIT DELETE ROWS table would be emptied at once).
            conn.autocommit = False
            cur = conn.cursor()
            tx = _BatchTx(cur, self.store.tables, "%s")
            if self._carried is not None:
                tx.seed(self._carried)
            yield tx
            self._wait()  # commits in order; the next batch reads what N-1 left committed
            self._carried = tx.carry()
        except BaseException:
            conn.rollback()
            self.store.pool.putconn(conn)
            raise
        self._pending = self._commits.submit(self._commit, conn, tx)

    def _commit(self, conn: Any, tx: PgTx) -> None:
        try:
            tx.flush()
            conn.commit()
        except BaseException:
            with suppress(Exception):
                conn.rollback()
            raise
        finally:
            self.store.pool.putconn(conn)

    def reset(self) -> None:
        self._wait()
        self._carried = None
        self.store.reset()

    def close(self) -> None:
        """Wait for the last commit, then let consumers in again."""
        try:
            self._wait()
        finally:
            self._commits.shutdown()
            try:
                self._lock_conn.execute("SELECT pg_advisory_unlock(hashtext(%s))",
                                        (self.store.tables["docs"],))
            finally:
                self._lock_conn.autocommit = False  # as the pool's other users expect it
                self.store.pool.putconn(self._lock_conn)


@contextmanager
def batches(store: Store) -> Iterator[Store]:
    """The store a rebuild feeds: pipelined on PostgreSQL, the store itself elsewhere (SQLite
    has one writer at a time, so a commit could not overlap the next batch anyway)."""
    if not isinstance(store, PostgresStore):
        yield store
        return
    piped = PipelinedStore(store)
    try:
        yield piped
    finally:
        piped.close()
