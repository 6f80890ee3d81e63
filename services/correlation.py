"""Which request caused the events being saved: their correlation and causation ids.

An HTTP request's id (X-Request-ID, or one made up) is the causation id of every event it
saves; the correlation id is the caller's X-Correlation-ID when it sends one (a conversation
spanning several requests), else the request id too. Background jobs name themselves. The ids
travel in the stored event (see LinkageApp's mapper) and in the envelope (version 2), so one
notice can be followed from the POST through the relay to each agency's consumer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    correlation_id: str
    causation_id: str


_CAUSE: ContextVar[Cause | None] = ContextVar("linkage_cause", default=None)


def current() -> Cause | None:
    return _CAUSE.get()


@contextmanager
def caused_by(causation_id: str, correlation_id: str | None = None) -> Iterator[Cause]:
    """Events saved inside are stamped with these ids."""
    cause = Cause(correlation_id or causation_id, causation_id)
    token = _CAUSE.set(cause)
    try:
        yield cause
    finally:
        _CAUSE.reset(token)


def job_id(name: str) -> str:
    """A fresh id for one run of a background job (e.g. `deadline-watcher:3f2a…`)."""
    return f"{name}:{uuid.uuid4().hex}"
