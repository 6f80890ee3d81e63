"""The audit stream's record of one event: time, actor, agency, type and payload.

Built from the domain event (`record`) or straight from the stored JSON state (`record_stored`),
the same dict either way; `services.audit` re-exports both.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from services.envelope import _ENVELOPE_FIELDS, CAUSE_FIELDS, mechanism_of_type
from services.ports import Doc

_AS_IS = frozenset({str, int, bool, float, type(None)})


def plain(value: Any) -> Any:
    """Any aggregate attribute or event field as JSON-ready values."""
    t = type(value)
    if t in _AS_IS:
        return value
    if t is datetime:
        return value.isoformat()
    if t is list or t is tuple:
        return [plain(v) for v in value]
    if t is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


@cache
def _shape(cls: type[Any]) -> tuple[str, str, tuple[str, ...]]:
    """Per event class: its type name, its mechanism and its payload fields."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in _ENVELOPE_FIELDS)
    return cls.__qualname__, mechanism_of_type(cls.__qualname__), names


def record(event: Any, notification_id: int) -> Doc:
    """One event as the audit stream shows it: time, actor, agency, type and payload."""
    cls: type = type(event)
    event_type, mechanism, names = _shape(cls)
    fields = event.__dict__
    payload = {}
    for name in names:
        v = fields[name] if name in fields else getattr(event, name)
        payload[name] = v if type(v) in _AS_IS else plain(v)
    return {
        "notification_id": notification_id,
        "time": event.timestamp.isoformat(),
        "mechanism": mechanism,
        "event_type": event_type,
        "aggregate_id": str(event.originator_id),
        "aggregate_version": event.originator_version,
        "actor": {"id": event.actor_id, "name": event.actor_name},
        "agency": event.actor_agency,
        "payload": payload,
        # The request that stored it (its X-Request-ID), to be found in the logs; None before
        # the ids were stored with events.
        "causation_id": fields.get("causation_id"),
        "correlation_id": fields.get("correlation_id"),
    }


def record_stored(n: Notification, event_type: str, mechanism: str, state: Doc) -> Doc:
    """The same record as `record`, from the stored JSON state (no domain event). Takes
    `state` over: what is left of it once the envelope's fields are taken out is the payload."""
    pop = state.pop
    at, actor_id, actor_name, agency = (pop("timestamp"), pop("actor_id"), pop("actor_name"),
                                        pop("actor_agency"))
    causation, correlation = pop("causation_id", None), pop("correlation_id", None)
    for k in OTHER_ENVELOPE_FIELDS:
        if k in state:
            del state[k]
    return {
        "notification_id": n.id,
        "time": at,
        "mechanism": mechanism,
        "event_type": event_type,
        "aggregate_id": str(n.originator_id),
        "aggregate_version": n.originator_version,
        "actor": {"id": actor_id, "name": actor_name},
        "agency": agency,
        "payload": state,
        "causation_id": causation,
        "correlation_id": correlation,
    }


OTHER_ENVELOPE_FIELDS = (*sorted(_ENVELOPE_FIELDS - {"timestamp", "actor_id", "actor_name",
                                                        "actor_agency"}), *CAUSE_FIELDS)
