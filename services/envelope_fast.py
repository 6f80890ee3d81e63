"""The relay's fast path: an envelope built straight from the stored JSON state.

The same envelope as `envelope_from_notification`, without decoding into a domain event and
validating a pydantic model again: the stored state is already JSON. The fastest tier splices
the stored bytes (`spliced`); the next parses them (`parsed`); anything unusual (an upcast pending,
a cipher or compressor, an unknown transcoding) takes the slow path through the domain event.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from uuid import UUID, SafeUUID

from eventsourcing.persistence import Mapper, Notification
from pydantic import BaseModel

from services.envelope import (
    _ENVELOPE_FIELDS,
    CAUSE_FIELDS,
    ENVELOPE_VERSION,
    ActorRef,
    Envelope,
    encode,
    envelope_from_notification,
    mechanism_of_type,
)
from services.fast_json import loads


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
    raw = n.state
    if b'"_type_":' in raw:  # transcoded values as the envelope carries them, by bytes first
        raw = b"".join(_TYPED.split(raw))
        if b'"_type_":' in raw:
            raw = _UUID.sub(_uuid, raw)
    try:
        # Parsed by orjson alone when no transcoded value is left (the usual case); the hook, a
        # Python call per JSON object, only for what the patterns above do not know.
        state = loads(raw) if b'"_type_":' not in raw else json.loads(raw, object_hook=_hook)
    except _Slow:
        return None
    if state.pop("class_version", 1) != version:
        return None
    return event_type, mechanism, version, state


def trusted_envelope(mapper: Mapper[UUID], n: Notification) -> Envelope | None:
    """The envelope `decode(parsed(...))` gives, built from the parsed stored state without
    validating it again: our own event store's event, whose payload is the event's own fields
    (the domain wrote them; the class version was checked). None when it needs the domain event.
    A consumer fed from the log skips the bytes, the decode and the payload model (most of its
    cost per event); Kafka's messages, from a shared broker, are still validated."""
    found = stored_state(mapper, n)
    if found is None:
        return None
    event_type, mechanism, version, state = found
    # The state was parsed for this call alone: the envelope's fields are taken out of it, and
    # what is left is the payload (`payload_of`, without copying the rest).
    pop = state.pop
    actor = _built(ActorRef, {"id": pop("actor_id"), "name": pop("actor_name"),
                              "agency": pop("actor_agency")})
    time = datetime.fromisoformat(pop("timestamp"))
    correlation, causation = pop("correlation_id", None), pop("causation_id", None)
    for name in _LEFT:
        if name in state:
            del state[name]
    return _built(Envelope, {
        "envelope_version": ENVELOPE_VERSION, "event_type": event_type, "schema_version": version,
        "mechanism": mechanism, "aggregate_id": _Id.of(n.originator_id),
        "aggregate_version": n.originator_version, "notification_id": n.id,
        "time": time, "actor": actor, "payload": state, "correlation_id": correlation,
        "causation_id": causation})


_set = object.__setattr__
# The envelope's fields `trusted_envelope` does not take (the creation event's topic; the
# aggregate's id and version are columns, not in the state, but would not be payload either).
_LEFT = tuple(sorted(_ENVELOPE_FIELDS - {"actor_id", "actor_name", "actor_agency", "timestamp"}))
_UNKNOWN = SafeUUID.unknown


class _Id(UUID):
    """A UUID that formats itself once: a consumer keys several documents by the aggregate's
    id at each event (the seen-version, the notice, its queue item), and `str(UUID)` is a
    Python loop each time. Equal to, and hashed as, the plain UUID."""

    __slots__ = ("_text",)
    _text: str

    @classmethod
    def of(cls, value: Any) -> _Id:
        made = object.__new__(cls)
        _set(made, "int", value.int if isinstance(value, UUID) else UUID(str(value)).int)
        _set(made, "is_safe", _UNKNOWN)
        return made

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text = UUID.__str__(self)
            _set(self, "_text", text)
            return text


def keyed(env: Envelope) -> Envelope:
    """The envelope with its aggregate id formatted once (`_Id`): a decoded one from Kafka."""
    env.__dict__["aggregate_id"] = _Id.of(env.aggregate_id)
    return env


_M = TypeVar("_M", bound=BaseModel)


def _built(cls: type[_M], values: dict[str, Any]) -> _M:
    """`cls.model_construct(**values)` for a plain model given every field (no alias, extra or
    private attribute): what it ends with, without its loop over the fields, which cost more
    than the rest of the envelope (tests/unit check the result equals the decoded one)."""
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


def payload_of(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS and k not in CAUSE_FIELDS}


# One JSON string token, escapes included (the stored state is the transcoder's compact JSON).
_STR = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
# Every event's state starts with the envelope's fields (dataclass order: timestamp, the
# creation event's originator_topic, then the actor); the payload fields follow. Anchored at
# the start, each token below is matched as a whole, so a match is the state's real structure.
_HEAD = re.compile(
    rb'\{"timestamp":\{"_type_":"datetime_iso","_data_":("[^"\\]*")\},'
    rb'(?:"originator_topic":' + _STR + rb',)?'
    rb'"actor_id":(' + _STR + rb'),"actor_name":(' + _STR + rb'),"actor_agency":(' + _STR + rb')'
    rb'([,}])', re.DOTALL)
# A transcoded datetime or Decimal, whose string the envelope carries as it is. `{"` can only
# open an object (the quote is unescaped and followed by a name), so no match is inside a string.
_TYPED = re.compile(rb'\{"_type_":"(?:datetime_iso|decimal_str)","_data_":("[^"\\]*")\}')
_UUID = re.compile(rb'\{"_type_":"uuid_hex","_data_":"([0-9a-fA-F]{32})"\}')
# The request's ids, which the app's mapper appends after the event's own fields.
_CAUSE = re.compile(rb'"correlation_id":(' + _STR + rb'),"causation_id":(' + _STR + rb')\}\Z')


def _uuid(m: re.Match[bytes]) -> bytes:
    return b'"%s"' % str(UUID(hex=m[1].decode())).encode()


@cache
def _head(topic: str) -> tuple[str, str, bytes, bytes]:
    """(event type, mechanism, envelope bytes up to the aggregate id, class_version suffix)."""
    event_type, mechanism, version = _shape(topic)
    et, mech = (json.dumps(v, ensure_ascii=False).encode() for v in (event_type, mechanism))
    head = (b'{"envelope_version":%d,"event_type":%s,"schema_version":%d,"mechanism":%s,'
            b'"aggregate_id":"' % (ENVELOPE_VERSION, et, version, mech))
    return event_type, mechanism, head, b',"class_version":%d}' % version if version > 1 else b""


def kind(topic: str) -> tuple[str, str]:
    """(event type, mechanism) of a stored topic."""
    event_type, mechanism, _, _ = _head(topic)
    return event_type, mechanism


def spliced(mapper: Mapper[UUID], topic: str, state: bytes, aggregate_id: str,
            aggregate_version: int, notification_id: int) -> bytes | None:
    """The envelope cut and pasted from the stored bytes, with no parse and no re-encoding:
    byte for byte what `parsed` builds from what the transcoder wrote. None when the state is
    not in that shape (the other tiers then decide)."""
    if mapper.cipher is not None or mapper.compressor is not None:
        return None
    _, _, head, versioned = _head(topic)
    m = _HEAD.match(state)
    if m is None:
        return None
    if m[5] == b"}":  # no payload fields
        if m.end() != len(state) or versioned:
            return None
        payload = b"{}"
    else:
        payload = b"{" + state[m.end():]
        if versioned:  # the class is past version 1: only a state stored at it is as-is
            if not payload.endswith(versioned):
                return None
            payload = payload[:-len(versioned)] + b"}"
        if b'"class_version":' in payload:  # another version: the domain event upcasts it
            return None
    cause = _CAUSE.search(payload)
    ids = b"null,\"causation_id\":null"
    if cause is not None:
        before = payload[cause.start() - 1:cause.start()]
        if before not in (b",", b"{"):
            return None
        ids = b'%s,"causation_id":%s' % (cause[1], cause[2])
        payload = payload[:cause.start() - 1] + b"}" if before == b"," else b"{}"
    if b'"_type_":' in payload:
        payload = b"".join(_TYPED.split(payload))
        if b'"_type_":' in payload:
            payload = _UUID.sub(_uuid, payload)
            if b'"_type_":' in payload:
                return None
    return head + b'%s","aggregate_version":%d,"notification_id":%d,"time":%s,' \
        b'"actor":{"id":%s,"name":%s,"agency":%s},"payload":%s,"correlation_id":%s}' % (
            aggregate_id.encode(), aggregate_version, notification_id, m[1], m[2], m[3], m[4],
            payload, ids)


def parsed(mapper: Mapper[UUID], n: Notification) -> bytes | None:
    """The envelope from the parsed stored state, re-encoded; None when it needs the domain
    event."""
    found = stored_state(mapper, n)
    if found is None:
        return None
    event_type, mechanism, version, state = found
    body = {
        "envelope_version": ENVELOPE_VERSION,
        "event_type": event_type,
        "schema_version": version,
        "mechanism": mechanism,
        "aggregate_id": str(n.originator_id),
        "aggregate_version": n.originator_version,
        "notification_id": n.id,
        "time": state["timestamp"],
        "actor": {"id": state["actor_id"], "name": state["actor_name"],
                  "agency": state["actor_agency"]},
        "payload": payload_of(state),
        "correlation_id": state.get("correlation_id"),
        "causation_id": state.get("causation_id"),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unspliced(mapper: Mapper[UUID], n: Notification) -> tuple[str, str, bytes]:
    """(mechanism, event type, envelope JSON) by the tiers after `spliced`: the parsed stored
    state, else the domain event."""
    value = parsed(mapper, n)
    if value is None:
        env = envelope_from_notification(mapper, n)
        return env.mechanism, env.event_type, encode(env)
    event_type, mechanism = kind(n.topic)
    return mechanism, event_type, value


def envelope_bytes(mapper: Mapper[UUID], n: Notification) -> tuple[str, str, str, bytes]:
    """(aggregate id, mechanism, event type, envelope JSON) of one notification."""
    aggregate_id = str(n.originator_id)
    value = spliced(mapper, n.topic, n.state, aggregate_id, n.originator_version, n.id)
    if value is None:
        return aggregate_id, *unspliced(mapper, n)
    event_type, mechanism = kind(n.topic)
    return aggregate_id, mechanism, event_type, value
