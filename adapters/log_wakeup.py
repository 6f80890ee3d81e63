"""Wakes a log reader (the relay) as soon as events are committed, instead of at its next poll.

eventsourcing's PostgreSQL recorder sends `NOTIFY <events table>` inside every insert's
transaction, so PostgreSQL delivers it at commit. A thread LISTENs on its own connection and
sets an event; the reader still polls at its interval when nothing arrives (SQLite, a lost
connection), so a missed notification delays an event, never loses it.
"""

from __future__ import annotations

import logging
import threading
import time

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)
RETRY = 2.0  # s between attempts to listen again after the connection failed
STOP_SLICE = 0.05  # s: how soon a waiting reader sees its stop event


class LogWakeup:
    """`wait(timeout)` returns early once new events were committed since the last `clear()`."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.arrived = threading.Event()
        self.stopped = threading.Event()
        self.listening = threading.Event()  # for tests and the log: notifications are heard
        self.pg = recorder if isinstance(recorder, PostgresApplicationRecorder) else None
        self.thread: threading.Thread | None = None

    def start(self) -> LogWakeup:
        if self.pg is not None and self.thread is None:
            self.thread = threading.Thread(target=self._listen, name="log-wakeup", daemon=True)
            self.thread.start()
        return self

    def clear(self) -> None:
        self.arrived.clear()

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Until events arrive, `timeout` passes or `stop` is set (seen within 50 ms)."""
        deadline = time.monotonic() + timeout
        while not self.arrived.wait(min(STOP_SLICE, max(0.0, deadline - time.monotonic()))):
            if (stop is not None and stop.is_set()) or time.monotonic() >= deadline:
                return False
        return True

    def stop(self) -> None:
        self.stopped.set()
        self.arrived.set()
        if self.thread is not None:
            self.thread.join(timeout=2.0)

    def _listen(self) -> None:
        assert self.pg is not None
        listen = SQL("LISTEN {}").format(Identifier(self.pg.channel_name))
        while not self.stopped.is_set():
            try:
                with self.pg.datastore.get_connection() as conn:
                    conn.execute(listen)
                    conn.commit()
                    self.arrived.set()  # anything committed before LISTEN: read once more
                    self.listening.set()
                    while not self.stopped.is_set():
                        # A short timeout so that stop() is seen; any notify is enough.
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self.arrived.set()
            except Exception as e:  # psycopg's, the pool's or the network's: poll, retry later
                self.listening.clear()
                log.warning("not listening for new events (polling meanwhile): %s", e)
                self.stopped.wait(RETRY)
