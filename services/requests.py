"""Once-only commands: a request retried under the same key is applied at most once.

A keyed request's events and its answer (status and body) are stored in ONE transaction of the
event store (the `linkage_requests` table beside the events, see adapters/request_log.py): while
the request runs, `LinkageApp.commit` only stages the aggregates (after checking that nobody
wrote them meanwhile), and `run_once` saves them together with the answer. So at any crash
point either both are stored or neither: a retry finds the answer and replays it, or finds
nothing and runs the command for the first time. Two tries of one key at once: the second
save collides on the key and answers what the first stored. There is no pending state to
expire and nothing to reconcile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import InvalidValue
from services.application import ConcurrentWrite
from services.request_scope import RequestLog, StoredRequest, stage

R = TypeVar("R")
RETRIES = 3  # a command whose save lost a race to another writer runs again on fresh state


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool = False


class KeyReused(InvalidValue):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("idempotency_key_reused", "Idempotency-Key")


class Saver(Protocol):
    """What run_once needs of the application (LinkageApp)."""

    @property
    def request_log(self) -> RequestLog: ...

    def save_with_request(self, aggregates: list[Aggregate], request: StoredRequest) -> int | None:
        """Save the events and the request in one transaction; the last notification id.
        Raises ConcurrentWrite when the key or an aggregate version was taken meanwhile."""


def _replay(found: StoredRequest, digest: str) -> Answer:
    if found.digest != digest:
        raise KeyReused
    return Answer(found.status, found.body, replayed=True)


def run_once(app: Saver, key: str | None, digest: str, action: Callable[[], tuple[int, Any]],
             refusal: Callable[[Exception], tuple[int, Any] | None]) -> Answer:
    """Run `action` (which returns status and body) at most once per key.

    `refusal` maps an exception to the answer it stands for (a 4xx is remembered under the key
    like a success; anything else, e.g. the database away, stores nothing and is raised)."""
    if key is None:
        status, body = action()
        return Answer(status, body)
    log = app.request_log
    found = log.select_request(key)
    if found is not None:
        return _replay(found, digest)
    for _ in range(RETRIES):
        with stage() as staged:
            try:
                status, body = action()
            except Exception as e:
                mapped = refusal(e)
                if mapped is None or mapped[0] >= 500:
                    raise
                if log.insert_request(StoredRequest(key, digest, *mapped)):
                    raise
                found = None  # another try of this key got there first: its answer
            else:
                try:
                    app.save_with_request(list(staged), StoredRequest(key, digest, status, body))
                except ConcurrentWrite:
                    found = None  # the key (a twin try) or a version was taken: which?
                else:
                    return Answer(status, body)
        found = log.select_request(key)
        if found is not None:
            return _replay(found, digest)
    raise ConcurrentWrite("kept_changing")


def once_id(kind: str, scoped_key: str | None) -> UUID | None:
    """The id a keyed create gives its new aggregate: the same for every retry of the key."""
    return uuid5(NAMESPACE_URL, f"linkage:{kind}:{scoped_key}") if scoped_key else None


def create_once(kind: str, scoped_key: str | None, create: Callable[[UUID | None], R],
                exists: Callable[[UUID], bool], existing: Callable[[UUID], R]) -> R:
    """Create with the key's id; if a first try already created it, its current answer.

    (Keys recorded with the events make this a second line: it still guards creates whose
    key was recorded before the request log existed, and creates sent with no key twice
    by the web form's own key.)"""
    new_id = once_id(kind, scoped_key)
    try:
        return create(new_id)
    except ConcurrentWrite:
        if new_id is None or not exists(new_id):
            raise
        return existing(new_id)
