"""The relay's fast path: an envelope built straight from the stored JSON state.

The same envelope as `envelope_from_notification`, without decoding into a domain event and
validating a pydantic model again: the stored state is already JSON. Anything unusual (an
upcast pending, a cipher or compressor, an unknown transcoding) takes the slow path.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from services.envelope import (
    _ENVELOPE_FIELDS,
    ENVELOPE_VERSION,
    encode,
    envelope_from_notification,
    mechanism_of_type,
)


class _Slow(Exception):
    pass


def _hook(d: dict[str, Any]) -> Any:
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        kind = d["_type_"]
        if kind in ("datetime_iso", "decimal_str"):
            return d["_data_"]  # already the ISO / decimal string the envelope carries
        if kind == "uuid_hex":
            return str(UUID(hex=d["_data_"]))
        raise _Slow(kind)
    return d


@cache
def _shape(topic: str) -> tuple[str, str, int]:
    """(event type, mechanism, schema version) of a stored topic."""
    from eventsourcing.utils import resolve_topic

    cls = resolve_topic(topic)
    return cls.__qualname__, mechanism_of_type(cls.__qualname__), getattr(cls, "class_version", 1)


def stored_state(mapper: Mapper[UUID], n: Notification) -> tuple[str, str, int, dict[str, Any]] | None:
    """(event type, mechanism, schema version, JSON-ready state) of a notification, or None
    when it needs the domain event (a pending upcast, a cipher, an unknown transcoding)."""
    event_type, mechanism, version = _shape(n.topic)
    if mapper.cipher is not None or mapper.compressor is not None:
        return None
    try:
        state = json.loads(n.state, object_hook=_hook)
    except _Slow:
        return None
    if state.pop("class_version", 1) != version:
        return None
    return event_type, mechanism, version, state


def payload_of(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS}


def envelope_bytes(mapper: Mapper[UUID], n: Notification) -> tuple[str, str, str, bytes]:
    """(aggregate id, mechanism, event type, envelope JSON) of one notification."""
    try:
        found = stored_state(mapper, n)
        if found is None:
            raise _Slow("slow")
        event_type, mechanism, version, state = found
        aggregate_id = str(n.originator_id)
        body = {
            "envelope_version": ENVELOPE_VERSION,
            "event_type": event_type,
            "schema_version": version,
            "mechanism": mechanism,
            "aggregate_id": aggregate_id,
            "aggregate_version": n.originator_version,
            "notification_id": n.id,
            "time": state["timestamp"],
            "actor": {"id": state["actor_id"], "name": state["actor_name"],
                      "agency": state["actor_agency"]},
            "payload": payload_of(state),
        }
        return aggregate_id, mechanism, event_type, json.dumps(
            body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except _Slow:
        env = envelope_from_notification(mapper, n)
        return str(env.aggregate_id), env.mechanism, env.event_type, encode(env)
