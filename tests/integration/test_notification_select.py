"""The event store's notification query (read by every log consumer and rebuild) answers as
the eventsourcing library's own, whatever the start, stop, topics and inclusiveness."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from adapters.bootstrap import Container
from adapters.request_log import PostgresRequestRecorder
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.feeder import stored_topics
from services.projections import NOTICES
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_the_query_answers_as_the_library_does(container: Container, clock: ManualClock) -> None:
    recorder = container.app.recorder
    assert isinstance(recorder, PostgresRequestRecorder)
    for i in range(6):
        r = container.notices.file(
            SAFETY, Employer(f"某厂{i}", credit_code(60 + i), "制造业", 3),
            Incident("台江区", clock.now - timedelta(hours=1), "仓库", f"事故{i}", "fall"),
            Casualties(0, 1, 0, Decimal("10.50")))
        if i % 2:
            container.notices.acknowledge(r["id"], SAFETY)
    container.fund_years.open(HRSS, 2026, Decimal("500000000"))
    head = recorder.max_notification_id() or 0
    assert head >= 10
    notices = stored_topics((NOTICES,))
    assert notices
    for start, stop, topics, inclusive, limit in itertools.product(
            (None, 0, 1, 4, head), (None, 3, head), ((), notices, ["no.such:Topic"]),
            (True, False), (1, 5, 100)):
        ours = recorder.select_notifications(start, limit, stop, topics,
                                             inclusive_of_start=inclusive)
        theirs = PostgresApplicationRecorder.select_notifications(
            recorder, start, limit, stop, topics, inclusive_of_start=inclusive)
        assert ours == theirs, (start, stop, topics, inclusive, limit)
        assert [type(n.state) for n in ours] == [bytes] * len(ours)
    everything = recorder.select_notifications(None, 100)
    assert [n.id for n in everything] == list(range(1, head + 1))
    assert {n.topic for n in recorder.select_notifications(None, 100, topics=notices)} <= set(notices)
