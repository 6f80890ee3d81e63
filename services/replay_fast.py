"""The verified audit replay's fast path: one loop over plain rows and chain documents.

The same records and the same verification as `audit.replay` over `chain.verified`, with no
`Notification`, UUID or domain event per row: rows come from `log_rows`, each link is hashed from
the row as stored and compared with its chain document's list, and each record is built from the
stored JSON (`envelope_fast`'s decoding, inlined). What it does not know is handed to the general
code, event by event (a state that needs the domain event, a broken link, an error message); the
whole replay takes the general path when the mapper has a cipher or compressor or the recorder
has no raw reader (`fast_verified_records` then answers None).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from itertools import chain as chained
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from services import audit_records, chain, envelope_fast, log_rows
from services.application import LinkageApp
from services.ports import Doc, Store


def fast_verified_records(app: LinkageApp, store: Store, result: chain.Verification,
                          checkpoints: Sequence[Doc],
                          progress: Callable[[int], None] | None) -> Iterator[Doc] | None:
    """Every record of an unfiltered verified replay, or None (take the general path)."""
    mapper = app.mapper
    found = log_rows.reader(app.recorder)
    if found is None or mapper.cipher is not None or mapper.compressor is not None:
        return None
    return _records(app, store, result, checkpoints, progress, *found)


def _note(row: log_rows.Row, convert: Callable[[str], UUID]) -> Notification:
    """The row as the recorder gives it, for the general code (messages, the domain event)."""
    return Notification(id=row[0], originator_id=convert(row[1]), originator_version=row[2],
                        topic=row[3], state=row[4])


def _records(app: LinkageApp, store: Store, result: chain.Verification,
             checkpoints: Sequence[Doc], progress: Callable[[int], None] | None,
             page: log_rows.Pages, convert: Callable[[str], UUID]) -> Iterator[Doc]:
    points = chain.checkpoints_by_id(checkpoints)
    ids: log_rows.Ids = {}
    log = chained.from_iterable(log_rows.pages(page, convert, ids, chain.READ_BATCH))
    pending = next(log, None)
    prev, checked, last, done = chain.GENESIS, 0, None, 0
    sha256, pack = hashlib.sha256, chain._HEAD.pack
    kinds: dict[str, tuple[bytes, tuple[str, str, int] | None]] = {}
    decode, typed, typed_split = _DECODE, b'"_type_":', envelope_fast._TYPED.split
    scan = _SCAN
    others = audit_records.OTHER_ENVELOPE_FIELDS
    mapper = app.mapper
    going = True
    try:
        for lk in chained.from_iterable(chain.stored_link_blocks(store)):
            lid = lk[0]
            if pending is None or pending[0] != lid:
                chain.missing(result, None if pending is None else _note(pending, convert), lk)
                going = False
                break
            rid, text, version, topic, state = pending
            kind = kinds.get(topic)
            if kind is None:
                kind = kinds[topic] = _kind(topic)
            tb = kind[0]
            oid, agg = ids[text]
            prev = sha256(b"".join((prev, pack(rid, oid, version, len(tb), len(state)),
                                    tb, state))).digest()
            if prev.hex() != lk[1]:
                chain.broken(result, _note(pending, convert), lk)
                going = False
                break
            if lid in points and not chain.checkpoints_hold(result, points, lk):
                going = False
                break
            checked += 1
            last = lk
            done += 1
            if progress and done == 1000:
                progress(done)
                done = 0
            # The record, as `audit.replay` builds it from `envelope_fast.stored_state`.
            shape = kind[1] or envelope_fast._shape(topic)  # unknown topic: raises its error here
            raw = state
            if typed in raw:
                raw = b"".join(typed_split(raw))
            doc: Any = None
            if typed not in raw:
                js = raw.decode("utf-8")
                try:  # the C scanner alone: JSONDecoder.decode less its whitespace regexes
                    doc, end = scan(js, 0)
                except (StopIteration, ValueError):
                    end = -1
                if end != len(js):  # not one bare JSON value: decode says what it is (or raises)
                    doc = decode(js)
                if doc.pop("class_version", 1) != shape[2]:
                    doc = None
            if doc is None:
                yield _general(mapper, _note(pending, convert))
            else:
                pop = doc.pop
                rec = {"notification_id": rid, "time": pop("timestamp"), "mechanism": shape[1],
                       "event_type": shape[0], "aggregate_id": agg,
                       "aggregate_version": version,
                       "actor": {"id": pop("actor_id"), "name": pop("actor_name")},
                       "agency": pop("actor_agency"), "payload": doc,
                       "causation_id": pop("causation_id", None),
                       "correlation_id": pop("correlation_id", None)}
                for k in others:
                    if k in doc:
                        del doc[k]
                yield rec
            pending = next(log, None)
    finally:
        result.checked = checked
        if last is not None:
            result.head, result.head_notification_id = last[1], last[0]
    if going and chain.no_checkpoints_left(result, points):
        while pending is not None:  # after the chain head: not yet covered
            result.unchained += 1
            done += 1
            if progress and done == 1000:
                progress(done)
                done = 0
            yield _general(mapper, _note(pending, convert))
            pending = next(log, None)
    if progress and done:
        progress(done)


_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_DECODE = json.JSONDecoder().decode


def _kind(topic: str) -> tuple[bytes, tuple[str, str, int] | None]:
    """A topic's bytes in the link, and its (event type, mechanism, schema version) if known."""
    try:
        shape: tuple[str, str, int] | None = envelope_fast._shape(topic)
    except Exception:  # raised again where the general code raises it
        shape = None
    return topic.encode("utf-8"), shape


def _general(mapper: Any, n: Notification) -> Doc:
    """One record by the general code: the stored state's tiers, else the domain event."""
    found = envelope_fast.stored_state(mapper, n)
    if found is not None:
        return audit_records.record_stored(n, found[0], found[1], found[3])
    return audit_records.record(mapper.to_domain_event(n), n.id)
