"""The server process's periodic jobs: in-process consumers, the deadline watcher, the chainer.

Apart from the composition root so that the root imports no adapter that imports it back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.accounts import import_legacy_users
from adapters.audit_wiring import chainer
from adapters.bootstrap import Container
from adapters.request_log import RETENTION
from services.correlation import caused_by, job_id

log = logging.getLogger(__name__)


class Background:
    """Periodic jobs of the server process: in-process consumers and the deadline watcher."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def _loop(self, name: str, interval: float, job: Callable[[], object]) -> None:
        while not self.stop.is_set():
            try:
                with caused_by(job_id(name.replace(" ", "-"))):
                    job()
            except Exception as e:  # keep running: the database may come back
                log.warning("%s failed, will retry: %s", name, e)
            self.stop.wait(interval)

    def start(self) -> None:
        s = self.container.settings
        jobs: list[tuple[str, float, Callable[[], object]]] = [
            ("deadline watcher", s.watcher_interval, self.container.watcher.run_once),
            # Kept current in small steps: caught up only by the watcher, it took a whole
            # interval's events at once and stalled requests meanwhile.
            ("notice index", s.feed_interval, self.container.index.catch_up),
            # Revocations and deactivations made by any process reach this one's sign-ins.
            ("account index", max(s.feed_interval, 0.5), self.container.account_index.catch_up),
            ("legacy users", 3600.0, lambda: import_legacy_users(self.container)),
        ]
        from adapters.metrics import counted  # applied/skipped/dead-lettered, for /metrics

        for agency, feeder in self.container.agency_feeders.items():
            jobs.append((f"{agency} consumer", s.feed_interval, counted(agency, feeder.catch_up)))
        from adapters.notify.runner import notify_jobs  # issue 18: the in-process notifier

        jobs.extend(notify_jobs(self.container))
        jobs.append(("audit chainer", 60.0, chainer(self.container).run_once))  # hash chain
        jobs.append(("request log purge", 3600.0, self.purge_requests))
        security = self.container.security
        jobs.append(("security log purge", 86400.0, lambda: security.purge(s.security_retention)))
        security.start()
        for name, interval, job in jobs:
            t = threading.Thread(target=self._loop, args=(name, interval, job), name=name,
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def purge_requests(self) -> None:
        """Idempotency keys older than RETENTION (7 days; the API promises 24 hours) go."""
        purge = getattr(self.container.app.recorder, "purge_requests", None)
        if purge is not None:
            purge(datetime.now(UTC) - RETENTION)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)
