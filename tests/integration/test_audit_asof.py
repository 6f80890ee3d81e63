"""State as of a moment equals the live state at that moment, for aggregates and agency read models."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from adapters import audit_wiring
from adapters.bootstrap import Container
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from domain.vocabulary import AGENCIES
from services import audit
from services.application import NotFound
from services.ports import Store
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")


def contents(store: Store) -> dict[str, Any]:
    with store.transaction() as tx:
        return {coll: dict(tx.scan(coll)) for coll in tx.collections()
                if coll not in ("_seen", audit_wiring.AS_OF_META)}


def moment() -> datetime:
    t = datetime.now(UTC)
    time.sleep(0.005)  # the next event is recorded strictly later
    return t


def file(c: Container, clock: ManualClock, n: int, deaths: int = 0) -> UUID:
    filed = c.notices.file(
        SAFETY, Employer(f"福州{n}号机械厂", credit_code(200 + n), "制造业", 4),
        Incident("鼓楼区", clock.now - timedelta(hours=2), "车间", "冲压伤手", "mechanical"),
        Casualties(deaths, 1, 0, Decimal("120000")))
    return UUID(filed["id"])


def scripted_run(c: Container, clock: ManualClock) -> list[tuple[datetime, dict[str, Any],
                                                                 dict[str, Any]]]:
    """Steps of a run; after each: the moment, every aggregate's live state, every agency's model."""
    points = []
    ids: list[UUID] = []

    def snapshot() -> None:
        c.drain()
        at = moment()
        states = {i: audit.state_of(c.app.repository.get(i)) for i in ids}
        models = {a: contents(c.store(a)) for a in AGENCIES}
        points.append((at, states, models))

    ids.append(file(c, clock, 1))
    snapshot()
    clock.advance(minutes=20)
    c.notices.acknowledge(ids[0], SAFETY)
    ids.append(file(c, clock, 2))
    snapshot()
    clock.advance(hours=25)
    c.watcher.run_once()  # hrss and health missed their deadlines on both
    c.notices.acknowledge(ids[1], SAFETY)
    snapshot()
    c.notices.revise(ids[0], SAFETY, Casualties(3, 1, 0, Decimal("900000")), "一人抢救无效死亡")
    c.notices.acknowledge(ids[0], FINANCE)
    snapshot()
    for actor in (HRSS, HEALTH):  # closing needs the round acknowledged
        c.notices.acknowledge(ids[1], actor)
    c.notices.close(ids[1], SAFETY, "调查结束")
    snapshot()
    return points


def test_aggregates_and_queues_as_of_each_moment_equal_the_live_state(
        container: Container, clock: ManualClock) -> None:
    before = moment()
    points = scripted_run(container, clock)
    assert len(points) == 5
    for at, states, models in points:
        for aggregate_id, live in states.items():
            then = audit.aggregate_as_of(container.app, aggregate_id, as_of=at)
            assert {k: then[k] for k in live} == live
        audit_wiring.rebuild_as_of(container, at)
        for agency in AGENCIES:
            assert contents(container.store(audit_wiring.as_of_store(agency))) == models[agency]
    # The models did change along the way, so the equalities above compared something.
    assert points[0][2]["finance"] != points[3][2]["finance"]
    assert points[0][2]["safety"] != points[1][2]["safety"]
    first = next(iter(points[0][1]))
    with pytest.raises(NotFound):
        audit.aggregate_as_of(container.app, first, as_of=before)


def test_aggregate_at_each_version_and_its_timeline(container: Container, clock: ManualClock) -> None:
    nid = file(container, clock, 7)
    container.notices.acknowledge(nid, SAFETY)
    container.notices.revise(nid, SAFETY, Casualties(10, 1, 0, Decimal("100")), "补报")
    v1 = audit.aggregate_as_of(container.app, nid, version=1)
    assert v1["version"] == 1 and v1["state"]["grade"] == "ordinary"
    assert v1["state"]["acknowledgements"] == [] and v1["latest_version"] == 3
    v3 = audit.aggregate_as_of(container.app, nid, version=3)
    assert v3["state"]["grade"] == "major" and v3["state"]["casualties"]["deaths"] == 10
    with pytest.raises(NotFound):
        audit.aggregate_as_of(container.app, nid, version=4)
    events = audit.timeline(container.app, nid)
    assert [e["event_type"] for e in events] == ["AccidentNotice.Filed", "AccidentNotice.Acknowledged",
                                                 "AccidentNotice.Revised"]
    assert events[1]["actor"] == {"id": "u-s", "name": "王敏"} and events[1]["agency"] == "safety"


def test_replay_filters(container: Container, clock: ManualClock) -> None:
    a = file(container, clock, 1)
    mid = moment()
    b = file(container, clock, 2)
    container.notices.acknowledge(a, HRSS)
    container.notices.acknowledge(b, SAFETY)
    every = list(audit.replay(container.app))
    assert [r["notification_id"] for r in every] == [1, 2, 3, 4]
    assert every[0]["payload"]["employer_name"] == "福州1号机械厂"
    assert "actor_id" not in every[0]["payload"]

    def ids(**kw: Any) -> list[int]:
        return [r["notification_id"] for r in audit.replay(container.app, audit.Filters(**kw))]

    assert ids(aggregate=a) == [1, 3]
    assert ids(agency="hrss") == [3]
    assert ids(actor="王敏") == [1, 2, 4] and ids(actor="u-h") == [3]
    assert ids(type="Acknowledged") == [3, 4] and ids(type="AccidentNotice.Filed") == [1, 2]
    assert ids(start=mid) == [2, 3, 4] and ids(end=mid) == [1]
    assert ids(type="Acknowledged", agency="safety") == [4]


def test_verified_replay_stops_at_a_broken_link(container: Container, clock: ManualClock) -> None:
    from tests.integration.test_tamper import Raw

    for n in range(3):
        file(container, clock, n)
    audit_wiring.chainer(container).extend()
    records, result = audit.verified_replay(container.app, container.store("audit"))
    assert len(list(records)) == 3 and result.ok and result.checked == 3
    Raw(container.settings).change_byte(2)
    records, result = audit.verified_replay(container.app, container.store("audit"))
    assert len(list(records)) == 1 and not result.ok
    assert result.broken_at is not None and result.broken_at["notification_id"] == 2
