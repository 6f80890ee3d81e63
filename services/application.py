"""The event store of every joint mechanism: one application, one notification log (the outbox)."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
)

from domain.common import DomainError

A = TypeVar("A", bound=Aggregate)


class NotFound(DomainError):
    pass


class StaleVersion(DomainError):
    """If-Match named a version that is no longer current."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"version {expected} is stale; the current version is {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrentWrite(DomainError):
    """Another command changed the aggregate between our read and our write."""


class Unavailable(Exception):
    """The event store's database cannot be reached."""


class LinkageApp(Application[UUID]):
    name = "linkage"

    def load(self, aggregate_id: UUID | str, cls: type[A], expected_version: int | None = None) -> A:
        if isinstance(aggregate_id, str):
            try:
                aggregate_id = UUID(aggregate_id)
            except ValueError as e:
                raise NotFound(f"{cls.__name__} {aggregate_id} not found") from e
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError as e:
            raise NotFound(f"{cls.__name__} {aggregate_id} not found") from e
        except (OperationalError, InterfaceError) as e:
            raise Unavailable(str(e)) from e
        if not isinstance(aggregate, cls):
            raise NotFound(f"{cls.__name__} {aggregate_id} not found")
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(expected_version, aggregate.version)
        return aggregate

    def exists(self, aggregate_id: UUID | str, cls: type[Aggregate]) -> bool:
        """Whether the aggregate is stored; only "not found" is False (an outage raises Unavailable)."""
        try:
            self.load(aggregate_id, cls)
        except NotFound:
            return False
        return True

    def commit(self, *aggregates: Any) -> int | None:
        """Save; a lost race becomes ConcurrentWrite, never a lost update."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError as e:
            raise ConcurrentWrite("the record was changed by someone else; reload and retry") from e
        except (OperationalError, InterfaceError) as e:
            raise Unavailable(str(e)) from e
        return recordings[-1].notification.id if recordings else None
