"""The scope of one keyed request (services/requests.py): what LinkageApp needs to stage its
saves and to store the request's answer with them. No import of the application here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.domain import Aggregate


@dataclass(frozen=True)
class StoredRequest:
    key: str
    digest: str
    status: int
    body: Any


class RequestLog(Protocol):
    """Kept by the event store's recorder, in the event store's database."""

    def select_request(self, key: str) -> StoredRequest | None: ...

    def insert_request(self, request: StoredRequest) -> bool:
        """Store an answer that came with no events; False if the key is already there."""


_staged: ContextVar[list[Aggregate] | None] = ContextVar("linkage_staged", default=None)


def staging() -> list[Aggregate] | None:
    """The aggregates the running keyed request has committed so far (None: no such request)."""
    return _staged.get()


@contextmanager
def stage() -> Iterator[list[Aggregate]]:
    staged: list[Aggregate] = []
    token = _staged.set(staged)
    try:
        yield staged
    finally:
        _staged.reset(token)
