"""The in-process transport: the same consumer fed straight from the notification log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from services.application import LinkageApp
from services.consumer import Consumer, Message, Outcome
from services.envelope import MECHANISMS, event_classes
from services.envelope_fast import envelope_bytes, trusted_envelope

LOG_SOURCE = "log"


def stored_topics(mechanisms: tuple[str, ...]) -> list[str]:
    """The event store's topics (class paths) of the events of these mechanisms."""
    wanted = {a.__name__ for a, m in MECHANISMS.items() if m in mechanisms}
    return [get_topic(cls) for name, cls in event_classes().items()
            if name.split(".", 1)[0] in wanted]


class LogFeeder:
    """Polls the notification log (SQLite has no subscribe) after the consumer's position."""

    def __init__(self, app: LinkageApp, consumer: Consumer, batch: int = 500) -> None:
        self.app = app
        self.consumer = consumer
        self.batch = batch
        self.topics = stored_topics(consumer.projection.mechanisms)
        self._lock = Lock()

    def _message(self, n: Notification) -> Message:
        env = trusted_envelope(self.app.mapper, n)
        if env is not None:  # our own store's event: no bytes to decode and validate again
            return Message(LOG_SOURCE, n.id, b"", env)
        # The relay's own encoding, so both transports carry the same bytes.
        return Message(LOG_SOURCE, n.id, envelope_bytes(self.app.mapper, n)[3])

    def position(self) -> int:
        # Read without the store's writer lock: handle() reads it again under that lock and
        # skips what another process applied meanwhile.
        with self.consumer.store.transaction(write=False) as tx:
            return tx.position(LOG_SOURCE) or 0

    def _page(self, after: int) -> Sequence[Notification]:
        return self.app.recorder.select_notifications(
            start=after, limit=self.batch, topics=self.topics, inclusive_of_start=False)

    def catch_up(self, progress: Callable[[int], None] | None = None) -> Outcome:
        """Apply everything recorded so far; safe to call from several threads."""
        total = Outcome()
        with self._lock, ThreadPoolExecutor(1, thread_name_prefix="log-read-ahead") as ahead:
            notes = self._page(self.position())
            while notes:
                # A full page: read the next one while this one is applied (the query is
                # mostly the database's time; a rebuild waited on it for a fifth of its run).
                full = len(notes) >= self.batch
                following = ahead.submit(self._page, notes[-1].id) if full else None
                messages = [self._message(n) for n in notes]
                total += self.consumer.handle(messages)
                if progress:
                    progress(len(notes))
                if following is None:
                    # Everything recorded when the query ran: done. Polling again at once
                    # met the few filed meanwhile, a transaction each (the server's index
                    # took ~3 notices per transaction under load); the next call takes them.
                    return total
                notes = following.result()
        return total
