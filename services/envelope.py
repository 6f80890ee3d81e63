"""The versioned JSON envelope every event travels in, and its published JSON Schema."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, Notification
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from domain.accident_notice import AccidentNotice
from domain.account import Account
from domain.contact_book import ContactBook
from domain.fund_year import FundYear
from domain.health_follow_up import HealthFollowUp
from domain.joint_inspection import InspectorBooking, JointInspection
from domain.joint_meeting import JointMeeting
from domain.prevention_project import PreventionProject
from domain.registers import Register

ENVELOPE_VERSION = 2  # 2 added correlation_id and causation_id (upcast_envelope reads 1)
TOPIC_PREFIX = "linkage."

# Mechanism (topic suffix) of each aggregate type; one Kafka topic per mechanism.
MECHANISMS: dict[type[Aggregate], str] = {
    AccidentNotice: "accident-notices",
    PreventionProject: "prevention-fund",
    FundYear: "prevention-fund",
    HealthFollowUp: "health-follow-ups",
    JointInspection: "joint-inspections",
    InspectorBooking: "joint-inspections",  # the booking index, saved with inspections
    Register: "joint-inspections",  # 双随机 registers the draws use
    JointMeeting: "joint-meetings",
    Account: "accounts",  # people, their roles and tokens (token hashes only)
    ContactBook: "contacts",  # 通知联系人: whom the notifier reaches
}
# Fields every event has that the envelope carries outside the payload.
_ENVELOPE_FIELDS = {
    "originator_id", "originator_version", "timestamp", "originator_topic",
    "actor_id", "actor_name", "actor_agency",
}
# Kept beside a stored event's fields by the app's mapper (services/application.py).
CAUSE_FIELDS = ("correlation_id", "causation_id")


class ActorRef(BaseModel):
    id: str
    name: str
    agency: str


class Envelope(BaseModel):
    """One stored event as other systems see it (Kafka value, audit stream)."""

    model_config = ConfigDict(title="linkage event envelope")

    envelope_version: Literal[2] = 2
    event_type: str = Field(description="Aggregate and event class, e.g. AccidentNotice.Filed")
    schema_version: int = Field(description="Version of the event's payload schema")
    mechanism: str = Field(description="Joint mechanism, also the topic suffix")
    aggregate_id: UUID
    aggregate_version: int
    notification_id: int = Field(description="Position in the event store's notification log")
    time: datetime = Field(description="When the event was recorded")
    actor: ActorRef
    payload: dict[str, Any]
    correlation_id: str | None = Field(
        default=None, description="The conversation the event belongs to: the caller's "
        "X-Correlation-ID, else the id of the request that caused it (null: unknown, e.g. "
        "stored before envelope version 2)")
    causation_id: str | None = Field(
        default=None, description="The id of the request (X-Request-ID) or background job "
        "that caused the event")

    @model_validator(mode="before")
    @classmethod
    def _upcast(cls, data: Any) -> Any:
        return upcast_envelope(data) if isinstance(data, dict) else data


def upcast_envelope(data: dict[str, Any]) -> dict[str, Any]:
    """An envelope of an earlier version as the current version reads it: version 1 had no
    correlation and causation ids (they are unknown: null)."""
    if data.get("envelope_version") == 1:
        data = {**data, "envelope_version": 2, "correlation_id": None, "causation_id": None}
    return data


def event_classes() -> dict[str, type[Any]]:
    """Every declared event class, by envelope event type."""
    found: dict[str, type[Any]] = {}
    for aggregate in MECHANISMS:
        for value in vars(aggregate).values():
            is_event = isinstance(value, type) and issubclass(value, Aggregate.Event)
            if is_event and value.__name__ not in ("Event", "Created"):
                found[value.__qualname__] = value
    return found


def mechanism_of_type(event_type: str) -> str:
    """The mechanism of an event type such as `AccidentNotice.Filed`."""
    for aggregate, mechanism in MECHANISMS.items():
        if event_type.startswith(aggregate.__name__ + "."):
            return mechanism
    raise KeyError(event_type)


def mechanism_of(event: Any) -> str:
    return mechanism_of_type(type(event).__qualname__)


def topics(prefix: str = TOPIC_PREFIX) -> dict[str, str]:
    """Mechanism -> Kafka topic name."""
    return {m: prefix + m for m in MECHANISMS.values()}


def jsonable_dict(value: dict[str, Any]) -> dict[str, Any]:
    return {str(k): jsonable(v) for k, v in value.items()}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def envelope_of(event: Any, notification_id: int) -> Envelope:
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    cause = vars(event)
    payload = {k: jsonable(v) for k, v in fields.items() if k not in _ENVELOPE_FIELDS}
    return Envelope(
        event_type=type(event).__qualname__,
        schema_version=getattr(type(event), "class_version", 1),
        mechanism=mechanism_of(event),
        aggregate_id=event.originator_id,
        aggregate_version=event.originator_version,
        notification_id=notification_id,
        time=event.timestamp,
        actor=ActorRef(id=event.actor_id, name=event.actor_name, agency=event.actor_agency),
        payload=payload,
        correlation_id=cause.get("correlation_id"),
        causation_id=cause.get("causation_id"),
    )


def envelope_from_notification(mapper: Mapper[UUID], notification: Notification) -> Envelope:
    return envelope_of(mapper.to_domain_event(notification), notification.id)


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode("utf-8")


def decode(raw: bytes) -> Envelope:
    return Envelope.model_validate_json(raw)


@cache
def payload_model(event_type: str) -> type[BaseModel]:
    cls = event_classes()[event_type]
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], ...)
        for f in dataclasses.fields(cls)
        if f.name not in _ENVELOPE_FIELDS
    }
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        event_type.replace(".", "") + "Payload",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    return model


def json_schema() -> dict[str, Any]:
    """Envelope schema, with each event type's payload schema bound by `event_type`."""
    schema = Envelope.model_json_schema()
    defs = schema.setdefault("$defs", {})
    branches = []
    for event_type in sorted(event_classes()):
        sub = payload_model(event_type).model_json_schema(ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        name = event_type.replace(".", "") + "Payload"
        defs[name] = sub
        branches.append({
            "properties": {"event_type": {"const": event_type}, "payload": {"$ref": f"#/$defs/{name}"}}
        })
    schema["oneOf"] = branches
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://linkage.example/schema/events/v2"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
