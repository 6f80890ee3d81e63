"""Tamper evidence: a hash chain over the notification log, its checkpoints and its verification.

Each link is SHA-256 over the previous link, the notification id, the aggregate id and version,
the stored topic and the stored bytes, so a changed byte, a deleted, reordered or inserted event
breaks the chain at that event. The links live in the `audit` store (collection `chain`, one
document per block of notification ids); the chain head is checkpointed periodically and the
checkpoints are exported outside the database, so that a rewrite of every link inside the
database is still caught against an earlier exported checkpoint.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from services.application import LinkageApp
from services.ports import Clock, Doc, Store

GENESIS = bytes(32)
BLOCK = 1000  # notification ids per chain document
CHAIN, META, CHECKPOINTS = "chain", "chain-meta", "checkpoints"
SOURCE = "chain"  # the store position: last chained notification id
READ_BATCH = 2000
LINK_BLOCKS = 4  # chain documents read per transaction when verifying

_HEAD = struct.Struct(">Q16sQQQ")  # id, aggregate id, version, topic length, state length
_topics: dict[str, bytes] = {}


def aggregate_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def link(prev: bytes, n: Notification) -> bytes:
    """The chain link after `prev` for one stored notification:
    SHA-256(prev ‖ id ‖ aggregate id ‖ version ‖ len(topic) ‖ len(state) ‖ topic ‖ state)."""
    topic = _topics.get(n.topic)
    if topic is None:
        topic = _topics[n.topic] = n.topic.encode("utf-8")
    head = _HEAD.pack(n.id, aggregate_uuid(n.originator_id).bytes, n.originator_version,
                      len(topic), len(n.state))
    return hashlib.sha256(b"".join((prev, head, topic, n.state))).digest()


def event_type(topic: str) -> str:
    """`domain.accident_notice:AccidentNotice.Filed` -> `AccidentNotice.Filed`."""
    return topic.rsplit(":", 1)[-1]


def _block_key(notification_id: int) -> str:
    return f"{notification_id // BLOCK:012d}"


def _point_key(notification_id: int) -> str:
    return f"{notification_id:020d}"


def notifications(app: LinkageApp, after: int | None = None, stop: int | None = None,
                  batch: int = READ_BATCH) -> Iterator[Notification]:
    """Every stored notification after `after` (all of them: None), up to `stop`, in log order."""
    while True:
        notes = app.recorder.select_notifications(start=after, limit=batch, stop=stop,
                                                  inclusive_of_start=False)
        yield from notes
        if len(notes) < batch:
            return
        after = notes[-1].id


class Chainer:
    """Extends the chain after its last link; several processes may run it (the store serialises)."""

    def __init__(self, app: LinkageApp, store: Store, clock: Clock,
                 export: Callable[[Doc], None] | None = None, batch: int = 5000) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self.export = export
        self.batch = batch

    def head(self) -> Doc:
        with self.store.transaction() as tx:
            return tx.get(META, "head") or {"n": 0, "h": GENESIS.hex(), "count": 0}

    def extend(self, progress: Callable[[int], None] | None = None) -> int:
        """Chain every notification recorded so far; returns how many were added."""
        added = 0
        while True:
            with self.store.transaction() as tx:
                tx.position(SOURCE)  # on PostgreSQL: a lock, so two chainers take turns
                meta = tx.get(META, "head") or {"n": 0, "h": GENESIS.hex(), "count": 0}
                notes = self.app.recorder.select_notifications(
                    start=meta["n"], limit=self.batch, inclusive_of_start=False)
                if not notes:
                    return added
                prev = bytes.fromhex(meta["h"])
                blocks: dict[str, Doc] = {}
                for n in notes:
                    prev = link(prev, n)
                    key = _block_key(n.id)
                    if key not in blocks:
                        blocks[key] = tx.get(CHAIN, key) or {"links": []}
                    blocks[key]["links"].append(
                        [n.id, prev.hex(), aggregate_uuid(n.originator_id).hex,
                         n.originator_version, event_type(n.topic)])
                for key, doc in blocks.items():
                    tx.put(CHAIN, key, doc)
                meta = {"n": notes[-1].id, "h": prev.hex(), "count": meta["count"] + len(notes)}
                tx.put(META, "head", meta)
                tx.set_position(SOURCE, notes[-1].id)
            added += len(notes)
            if progress:
                progress(len(notes))

    def checkpoint(self) -> Doc | None:
        """Record the chain head (if it moved since the last checkpoint) and export it."""
        head = self.head()
        if head["n"] == 0:
            return None
        with self.store.transaction() as tx:
            if tx.get(CHECKPOINTS, _point_key(head["n"])) is not None:
                return None
            point = {"notification_id": head["n"], "head": head["h"], "count": head["count"],
                     "at": self.clock().isoformat()}
            tx.put(CHECKPOINTS, _point_key(head["n"]), point)
        if self.export:
            self.export(point)
        return point

    def run_once(self) -> Doc | None:
        """The background job: extend, then checkpoint the new head."""
        self.extend()
        return self.checkpoint()

    def stored_checkpoints(self) -> list[Doc]:
        with self.store.transaction() as tx:
            return [doc for _, doc in tx.scan(CHECKPOINTS)]


def stored_links(store: Store) -> Iterator[list[Any]]:
    """[notification id, head hex, aggregate hex, version, event type] in order."""
    for links in stored_link_blocks(store):
        yield from links


def stored_link_blocks(store: Store) -> Iterator[list[list[Any]]]:
    """The links of `stored_links`, one chain document's list at a time."""
    with store.transaction(write=False) as tx:
        meta = tx.get(META, "head")
    if meta is None:
        return
    last_block = meta["n"] // BLOCK
    block = 0
    while block <= last_block:  # a few blocks per transaction: few objects alive at a time
        keys = [f"{b:012d}" for b in range(block, min(block + LINK_BLOCKS, last_block + 1))]
        with store.transaction(write=False) as tx:
            tx.prefetch(CHAIN, keys)  # one query for the blocks, not one each
            docs = [tx.peek(CHAIN, k) for k in keys]
        for doc in docs:
            if doc is not None:
                yield doc["links"]
        block += LINK_BLOCKS


@dataclass
class Verification:
    ok: bool = True
    checked: int = 0
    head: str = GENESIS.hex()
    head_notification_id: int = 0
    unchained: int = 0
    problem: str | None = None
    broken_at: Doc | None = None
    checkpoints_checked: int = 0
    consumers: list[Doc] = field(default_factory=list)

    def fail(self, problem: str, **where: Any) -> None:
        if self.ok:
            self.ok = False
            self.problem = problem
            self.broken_at = where

    def as_dict(self) -> Doc:
        return {"ok": self.ok, "checked": self.checked, "head": self.head,
                "head_notification_id": self.head_notification_id, "unchained": self.unchained,
                "problem": self.problem, "broken_at": self.broken_at,
                "checkpoints_checked": self.checkpoints_checked, "consumers": self.consumers}


def _named(n: Notification) -> Doc:
    return {"notification_id": n.id, "aggregate_id": str(aggregate_uuid(n.originator_id)),
            "aggregate_version": n.originator_version, "event_type": event_type(n.topic)}


def _named_link(lk: list[Any]) -> Doc:
    return {"notification_id": lk[0], "aggregate_id": str(UUID(hex=lk[2])),
            "aggregate_version": lk[3], "event_type": lk[4]}


def broken(result: Verification, n: Notification, lk: list[Any]) -> None:
    same = aggregate_uuid(n.originator_id).hex == lk[2] and n.originator_version == lk[3]
    why = ("its stored bytes or topic changed" if same else
           f"the chain has {lk[4]} of {UUID(hex=lk[2])} version {lk[3]} there:"
           " reordered, replaced or inserted")
    result.fail(f"link broken at event {n.id} ({event_type(n.topic)} of "
                f"{aggregate_uuid(n.originator_id)} version {n.originator_version}): {why}",
                **_named(n))


def missing(result: Verification, pending: Notification | None, lk: list[Any]) -> None:
    """The log's next event is not the chain's next link (`pending` None: the log ended)."""
    lid = lk[0]
    if pending is None or pending.id > lid:
        result.fail(f"event {lid} ({lk[4]} of {UUID(hex=lk[2])} version {lk[3]}) is in "
                    "the chain but missing from the log: deleted", **_named_link(lk))
    else:
        result.fail(f"event {pending.id} is in the log but not in the chain: inserted",
                    **_named(pending))


def checkpoints_hold(result: Verification, points: dict[int, list[Doc]], lk: list[Any]) -> bool:
    """Check (and take out of `points`) the exported checkpoints at link `lk`."""
    lid = lk[0]
    for cp in points.pop(lid):
        result.checkpoints_checked += 1
        if cp["head"] != lk[1]:
            result.fail(f"the chain head at event {lid} differs from the checkpoint "
                        f"exported at {cp.get('at')}: the chain was rewritten at or "
                        f"before event {lid}", **_named_link(lk))
            return False
    return True


def no_checkpoints_left(result: Verification, points: dict[int, list[Doc]]) -> bool:
    """After the last link: a checkpoint left over is of an id the chain does not hold."""
    for nid in sorted(points):
        result.fail(f"a checkpoint covers event {nid}, which the chain no longer holds: "
                    "the chain or the log was truncated", notification_id=nid)
        return False
    return True


def checkpoints_by_id(checkpoints: Sequence[Doc]) -> dict[int, list[Doc]]:
    points: dict[int, list[Doc]] = {}
    for cp in checkpoints:
        points.setdefault(int(cp["notification_id"]), []).append(cp)
    return points


def verified(app: LinkageApp, store: Store, result: Verification,
             checkpoints: Sequence[Doc] = ()) -> Iterator[Notification]:
    """Yield the log's notifications in order while checking each against the chain.

    Stops at the first broken link (recorded in `result`); notifications after the chain head
    are yielded too and counted in `result.unchained` (not yet covered by the chain).
    """
    points = checkpoints_by_id(checkpoints)
    log = notifications(app)
    pending: Notification | None = next(log, None)
    prev, checked, last = GENESIS, 0, None
    try:
        for lk in stored_links(store):
            lid = lk[0]
            if pending is None or pending.id != lid:
                missing(result, pending, lk)
                return
            n = pending
            prev = link(prev, n)
            if prev.hex() != lk[1]:
                broken(result, n, lk)
                return
            if lid in points and not checkpoints_hold(result, points, lk):
                return
            checked += 1
            last = lk
            yield n
            pending = next(log, None)
    finally:
        result.checked = checked
        if last is not None:
            result.head, result.head_notification_id = last[1], last[0]
    if not no_checkpoints_left(result, points):
        return
    while pending is not None:
        result.unchained += 1
        yield pending
        pending = next(log, None)
