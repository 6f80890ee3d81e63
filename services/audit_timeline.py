"""An aggregate's history as the auditor reads it: each event with what it changed, field by field,
and who acted in which role; an aggregate or an agency's read model as of a log position.

The changes come from replaying the aggregate's own events (the state before and after each),
so they show what an event did to the aggregate, not merely what its payload says.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from services import audit
from services.application import LinkageApp, NotFound
from services.chain import notifications
from services.ports import Doc, Store


def _state(aggregate: Any) -> Doc:
    state: Doc = audit.state_of(aggregate)["state"]
    return state


EMPTY: tuple[Any, ...] = (None, "", [], {})


def diff(before: Doc, after: Doc) -> list[Doc]:
    """The fields whose value differs, in the order of the later state (then removed ones). A
    field that appears empty is no change; a list that only grew also names what was `added`."""
    changes = []
    for k, v in after.items():
        old = before.get(k)
        if (k in before and old == v) or (k not in before and v in EMPTY):
            continue
        change = {"field": k, "before": old, "after": v}
        if isinstance(old, list) and isinstance(v, list) and v[:len(old)] == old:
            change["added"] = v[len(old):]
        changes.append(change)
    changes += [{"field": k, "before": v, "after": None} for k, v in before.items() if k not in after]
    return changes


def aggregate_type(app: LinkageApp, aggregate_id: UUID | str) -> str:
    first = audit.events_of(app, aggregate_id)[0]
    return str(type(first).__qualname__).partition(".")[0]


def history(app: LinkageApp, aggregate_id: UUID | str) -> Doc:
    """The aggregate's type and its timeline, each entry with `changes` (field, before, after)."""
    events = audit.events_of(app, aggregate_id)
    aggregate: Any = None
    before: Doc = {}
    entries: list[Doc] = []
    for event in events:
        aggregate = event.mutate(aggregate)
        after = _state(aggregate)
        entry = {k: v for k, v in audit.record(event, 0).items() if k != "notification_id"}
        entry["changes"] = diff(before, after)
        entries.append(entry)
        before = after
    return {"aggregate_id": str(aggregate_id),
            "type": str(type(events[0]).__qualname__).partition(".")[0], "events": entries}


def roles_at(app: LinkageApp, actor_id: str) -> list[tuple[datetime, str]]:
    """When an account took each role, from its own history (empty: not an account id)."""
    try:
        originator = UUID(actor_id)
    except ValueError:
        return []
    found: list[tuple[datetime, str]] = []
    for stored in app.recorder.select_events(originator):
        event: Any = app.mapper.to_domain_event(stored)
        name = type(event).__qualname__
        if name in ("Account.Added", "Account.RoleChanged"):
            found.append((event.timestamp, str(event.role)))
    return found


def role_then(roles: list[tuple[datetime, str]], moment: datetime) -> str | None:
    """The role an account held at `moment` (None: unknown)."""
    held = [role for at, role in roles if at <= moment]
    return held[-1] if held else (roles[0][1] if roles else None)


def version_at_position(app: LinkageApp, aggregate_id: UUID | str, position: int) -> int:
    """The aggregate's last version stored at or before notification `position`."""
    target = UUID(str(aggregate_id))
    version = None
    for n in notifications(app, stop=position):
        if n.id > position:
            break
        if n.originator_id == target:
            version = n.originator_version
    if version is None:
        raise NotFound("aggregate_not_at_position", aggregate_id=aggregate_id,
                       position=position)
    return int(version)


def aggregate_at_position(app: LinkageApp, aggregate_id: UUID | str, position: int) -> Doc:
    doc = audit.aggregate_as_of(app, aggregate_id,
                                version=version_at_position(app, aggregate_id, position))
    doc["position"] = position
    return doc


def documents(store: Store) -> Iterator[tuple[str, list[Doc]]]:
    """Every collection of a read model and its documents (keys as `_key`), collections sorted;
    not the consumer's own bookkeeping (collections named `_…`, e.g. what it has seen)."""
    with store.transaction(write=False) as tx:
        for coll in sorted(c for c in tx.collections() if not c.startswith("_")):
            yield coll, [{"_key": key, **doc} for key, doc in tx.scan(coll)]
