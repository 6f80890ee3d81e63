"""The relay hears a commit on PostgreSQL instead of waiting for its next poll."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

from adapters.bootstrap import Container
from adapters.log_wakeup import LogWakeup
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def file_one(c: Container, clock: ManualClock, i: int) -> None:
    c.notices.file(SAFETY, Employer(f"企业{i}", credit_code(700 + i), "制造业", 3),
                   Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", "摔伤", "fall"),
                   Casualties(0, 1, 0, Decimal("1000")))


def test_a_commit_wakes_the_waiting_reader_on_postgres_and_polling_remains_on_sqlite(
    container: Container, clock: ManualClock
) -> None:
    wakeup = LogWakeup(container.app.recorder).start()
    try:
        if wakeup.pg is None:  # SQLite: nothing to listen to; the reader polls at its interval
            assert wakeup.wait(0.1) is False
            return
        assert wakeup.listening.wait(30), "the LISTEN connection did not come up"
        assert wakeup.wait(30) is True  # the read after LISTEN starts (it may have missed some)
        wakeup.clear()  # (the channel is per table name, so other schemas' commits wake it too)
        saver = threading.Timer(0.2, file_one, (container, clock, 1))
        saver.start()
        assert wakeup.wait(60) is True  # woken by the commit's NOTIFY, not by the timeout
        saver.join()
    finally:
        wakeup.stop()


def test_a_stopped_relay_stops_waiting(container: Container) -> None:
    wakeup = LogWakeup(container.app.recorder).start()
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    try:
        assert wakeup.pg is None or wakeup.listening.wait(30)
        wakeup.clear()
        while wakeup.wait(600, stop):  # (other schemas' commits on the same channel wake it too)
            wakeup.clear()
        assert stop.is_set()  # it returned because the relay was stopped, not after 600 s
    finally:
        wakeup.stop()
