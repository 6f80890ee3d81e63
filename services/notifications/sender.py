"""Sends what the notifier owes: lease a batch, send each, record each outcome.

A crash between a send and its record sends that message again with the same id (the receiver
may drop the repeat: `Idempotency-Key`, `Message-ID`); nothing owed is ever dropped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from services.notifications.messages import Message, render
from services.notifications.owed import FAILED, OUTBOX, any_due, deliveries_of, due_reminders
from services.ports import Clock, Doc, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """`transient`: try again later; `bounded` False means however long it takes (SMTP down)."""

    outcome: Literal["sent", "failed", "transient"]
    answer: str
    bounded: bool = True


class Channel(Protocol):
    def send(self, delivery: Doc, message: Message) -> Result: ...


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds before the 2nd attempt; doubles each time
    backoff_max: float = 600.0
    lease: float = 30.0  # seconds a claimed batch stays claimed

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1)))


class Sender:
    def __init__(self, store: Store, channels: Mapping[str, Channel], clock: Clock,
                 policy: Policy | None = None, link: Callable[[Doc], str | None] | None = None,
                 after_send: Callable[[], None] | None = None) -> None:
        self.store = store
        self.channels = channels
        self.clock = clock
        self.policy = policy or Policy()
        self.link = link or (lambda d: None)
        self.after_send = after_send  # a crash point in tests
        self.owner = uuid.uuid4().hex

    def remind(self) -> int:
        """Owe the reminders due by now (once each). Looks first without the writer's lock:
        most rounds find nothing due."""
        now = self.clock()
        with self.store.transaction(write=False) as tx:
            if not any_due(tx, now):
                return 0
        with self.store.transaction() as tx:
            return due_reminders(tx, now)

    def _lease(self, now: datetime, limit: int) -> list[Doc]:
        """Claim up to `limit` due deliveries for a while, so two senders never send one twice
        at the same time; a claim left by a crashed sender runs out."""
        out: list[Doc] = []
        with self.store.transaction(write=False) as tx:  # most rounds: nothing due, no lock
            if not any(self._due(o, now) for _, o in tx.scan(OUTBOX)):
                return out
        with self.store.transaction() as tx:
            due = [(k, o) for k, o in tx.scan(OUTBOX) if self._due(o, now)]
            due.sort(key=lambda ko: ko[1]["next_at"])
            for key, o in due[:limit]:
                tx.prefetch(deliveries_of(o["agency"]), [key])
            for key, o in due[:limit]:
                doc = tx.get(deliveries_of(o["agency"]), key)
                if doc is None:
                    tx.delete(OUTBOX, key)
                    continue
                until = now + timedelta(seconds=self.policy.lease)
                tx.put(OUTBOX, key, {**o, "lease": until.isoformat(), "owner": self.owner})
                out.append(doc)
        return out

    @staticmethod
    def _due(o: Doc, now: datetime) -> bool:
        return bool(o["next_at"] <= now.isoformat() and (not o["lease"] or o["lease"] <= now.isoformat()))

    def _send(self, d: Doc) -> Result:
        channel = self.channels.get(d["channel"])
        if channel is None:
            return Result("transient", f"no {d['channel']} channel is configured", bounded=False)
        try:
            return channel.send(d, render(d, self.link(d)))
        except Exception as e:  # a bug in one channel must not stop the others
            log.exception("sending %s failed", d["id"])
            return Result("transient", f"{type(e).__name__}: {e}"[:500])

    def _record(self, d: Doc, r: Result) -> str:
        now = self.clock().astimezone(UTC)
        attempts = d["attempts"] + 1
        status = r.outcome if r.outcome != "transient" else "retrying"
        if status == "retrying" and r.bounded and attempts >= self.policy.max_attempts:
            status = "failed"
        with self.store.transaction() as tx:
            doc = tx.get(deliveries_of(d["agency"]), d["id"]) or d
            doc.update(status=status, attempts=attempts, answer=r.answer[:2000],
                       last_at=now.isoformat())
            doc["history"] = [*doc["history"][-19:],
                              {"at": now.isoformat(), "outcome": status, "answer": r.answer[:500]}]
            tx.put(deliveries_of(d["agency"]), d["id"], doc)
            if status == "retrying":
                tx.put(OUTBOX, d["id"], {"next_at": (now + self.policy.delay(attempts)).isoformat(),
                                         "lease": "", "agency": d["agency"]})
            else:
                tx.delete(OUTBOX, d["id"])
            if status == "failed":
                failed = tx.get(FAILED, d["agency"]) or {"ids": {}}
                failed["ids"][d["id"]] = now.isoformat()
                tx.put(FAILED, d["agency"], failed)
        return status

    def run_once(self, limit: int = 50) -> dict[str, int]:
        """Send one batch of what is due; returns how many ended in each status."""
        counts: dict[str, int] = {}
        for d in self._lease(self.clock().astimezone(UTC), limit):
            r = self._send(d)
            if self.after_send:
                self.after_send()
            status = self._record(d, r)
            counts[status] = counts.get(status, 0) + 1
            if status != "sent":
                log.info("delivery %s (%s to %s): %s: %s", d["id"], d["channel"], d["agency"],
                         status, r.answer[:200])
        return counts
