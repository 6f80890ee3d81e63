"""The relay's pipeline against a fake broker: log order, and positions never ahead of the acks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from adapters.kafka_relay import POSITION, Relay
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.accident_notices import AccidentNotices
from services.application import LinkageApp
from services.envelope_fast import envelope_bytes
from services.ports import Tx
from tests.support import ManualClock, MemoryStore, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")


class Rejected(Exception):
    pass


class FakeFuture:
    def __init__(self, broker: FakeBroker, nid: int) -> None:
        self.broker, self.nid = broker, nid
        self.is_done = False
        self.exception: Exception | None = None

    def succeeded(self) -> bool:
        return self.is_done and self.exception is None

    def failed(self) -> bool:
        return self.is_done and self.exception is not None

    def get(self, timeout: float | None = None) -> None:
        if not self.is_done:
            self.broker.ack_through(self)
        if self.exception is not None:
            raise self.exception


class FakeBroker:
    """A producer whose records are acknowledged in send order, when waited for (or at once
    when `eager`); `reject` names notification ids the broker fails. `events` logs sends,
    acknowledgements, failures and recorded positions."""

    def __init__(self, reject: set[int] | None = None, eager: bool = False) -> None:
        self.reject = reject or set()
        self.eager = eager
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []
        self.pending: list[FakeFuture] = []
        self.events: list[tuple[str, int]] = []
        self.on_send: Any = None

    def send(self, topic: str, key: bytes, value: bytes,
             headers: list[tuple[str, bytes]]) -> FakeFuture:
        nid = int(dict(headers)["notification_id"])
        self.sent.append((topic, key, value, headers))
        self.events.append(("send", nid))
        f = FakeFuture(self, nid)
        self.pending.append(f)
        if self.on_send is not None:
            self.on_send(nid)
        if self.eager:
            self.ack_through(f)
        return f

    def ack_through(self, last: FakeFuture | None) -> None:
        while self.pending:
            f = self.pending.pop(0)
            f.is_done = True
            if f.nid in self.reject:
                f.exception = Rejected(f.nid)
                self.events.append(("fail", f.nid))
            else:
                self.events.append(("ack", f.nid))
            if f is last:
                return

    def flush(self) -> None:
        self.ack_through(None)


class LoggingStore(MemoryStore):
    def __init__(self, events: list[tuple[str, int]]) -> None:
        super().__init__("relay")
        self.events = events

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        before = self.pos.get(POSITION)
        with super().transaction(write) as tx:
            yield tx
        if self.pos.get(POSITION) != before:
            self.events.append(("position", self.pos[POSITION]))


def history(app: LinkageApp, notices: int) -> int:
    """Notices filed and acknowledged: three events each; returns the last notification id."""
    clock = ManualClock()
    service = AccidentNotices(app, clock)
    for i in range(notices):
        r = service.file(SAFETY, Employer(f"企业{i}", credit_code(i), "制造业", 2),
                         Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", f"事故{i}",
                                  "mechanical"),
                         Casualties(0, 0, 0, Decimal("10.5")))
        service.acknowledge(UUID(r["id"]), SAFETY)
        service.acknowledge(UUID(r["id"]), HRSS)
    return app.recorder.max_notification_id() or 0


def relay_on(app: LinkageApp, broker: FakeBroker, batch: int, depth: int) -> Relay:
    return Relay(app, LoggingStore(broker.events), broker, "t.", batch=batch,  # type: ignore[arg-type]
                 depth=depth)


def check_positions(events: list[tuple[str, int]]) -> None:
    """Every recorded position: each event up to it was acknowledged, none failed."""
    acked: set[int] = set()
    sent: set[int] = set()
    for what, n in events:
        if what == "send":
            sent.add(n)
        elif what == "ack":
            acked.add(n)
        elif what == "position":
            assert {s for s in sent if s <= n} <= acked, f"position {n} ahead of the acks"
            assert set(range(1, n + 1)) <= sent


@pytest.mark.parametrize(("batch", "depth"), [(4, 1), (4, 2), (5, 3), (1000, 2)])
def test_drain_publishes_the_log_in_order_and_records_only_acknowledged_positions(
    batch: int, depth: int
) -> None:
    app = LinkageApp()
    last = history(app, 7)
    broker = FakeBroker()
    relay = relay_on(app, broker, batch, depth)
    assert relay.drain() == last
    assert relay.position() == last
    notes = app.recorder.select_notifications(start=1, limit=100)
    expected = []
    for n in notes:
        aggregate_id, mechanism, event_type, value = envelope_bytes(app.mapper, n)
        expected.append((f"t.{mechanism}", aggregate_id.encode(), value,
                         [("event_type", event_type.encode()),
                          ("notification_id", str(n.id).encode())]))
    assert broker.sent == expected
    check_positions(broker.events)
    # A batch goes out only once the batch `depth` before it is acknowledged.
    acked: set[int] = set()
    for what, n in broker.events:
        if what == "ack":
            acked.add(n)
        elif what == "send":
            first = (n - 1) // batch * batch + 1  # first event of n's batch
            assert set(range(1, first - (depth - 1) * batch)) <= acked
    assert relay.drain() == 0


@pytest.mark.parametrize("eager", [False, True])
def test_nothing_is_sent_after_a_failure_and_the_position_stays_before_it(eager: bool) -> None:
    app = LinkageApp()
    last = history(app, 6)
    broker = FakeBroker(reject={6}, eager=eager)  # in the second batch of 4
    relay = relay_on(app, broker, 4, 2)
    with pytest.raises(Rejected):
        relay.drain()
    check_positions(broker.events)
    assert relay.position() == 4
    # Once the failure is known no other batch goes out (with eager acks, it is known while
    # its own batch, 5 to 8, is being sent).
    failed_at = broker.events.index(("fail", 6))
    assert {n for what, n in broker.events[failed_at:] if what == "send"} <= {7, 8}
    # Started again (a fresh producer), it republishes from the recorded position.
    again = FakeBroker()
    relay.kafka = again  # type: ignore[assignment]
    assert relay.drain() == last - 4
    assert [int(dict(h)["notification_id"]) for _, _, _, h in again.sent] == list(
        range(5, last + 1))


def test_stop_settles_what_is_in_flight_and_records_it() -> None:
    app = LinkageApp()
    history(app, 5)
    broker = FakeBroker()
    stop = threading.Event()
    broker.on_send = lambda nid: nid == 4 and stop.set()
    relay = relay_on(app, broker, 4, 2)
    assert relay.drain(stop) == 4
    assert relay.position() == 4
    assert [n for what, n in broker.events if what == "send"] == [1, 2, 3, 4]
    check_positions(broker.events)

