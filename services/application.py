"""The event store of every joint mechanism: one application, one notification log (the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
)

from domain.common import DomainError
from domain.messages import Msg, msg
from services.correlation import current as current_cause
from services.freshness import WriteLog, Writer
from services.freshness import current as current_writes
from services.request_scope import RequestLog, StoredRequest, staging

A = TypeVar("A", bound=Aggregate)


class NotFound(DomainError):
    code = "not_found"


# What a missing record is called, by its aggregate class (`not_found`'s `what`).
RECORDS = {"AccidentNotice": "record_notice", "JointInspection": "record_inspection",
           "JointMeeting": "record_meeting", "PreventionProject": "record_project",
           "FundYear": "record_fund_year", "Account": "record_account", "Register": "record_register",
           "ContactBook": "record_contacts", "HealthFollowUp": "record_follow_up",
           "InspectorBooking": "record_booking"}


def record(cls: type) -> Msg:
    return msg(RECORDS.get(cls.__name__, "record"))


class StaleVersion(DomainError):
    """If-Match named a version that is no longer current."""

    code = "stale_version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__("stale_version", expected=expected, actual=actual)
        self.expected = expected
        self.actual = actual


class ConcurrentWrite(DomainError):
    """Another command changed the aggregate between our read and our write."""

    code = "concurrent_write"


class Unavailable(Exception):
    """The event store's database cannot be reached."""


class TracingMapper(Mapper[UUID]):
    """Stores, with each event, the ids of the request that caused it (services/correlation.py).

    They are kept beside the event's own fields, not declared on the event classes: an event
    stored before them simply has none, and the envelope carries null.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cause = current_cause()
        state = vars(domain_event)
        if cause is not None and "correlation_id" not in state:
            state["correlation_id"] = cause.correlation_id
            state["causation_id"] = cause.causation_id
        return super().to_stored_event(domain_event)


class LinkageApp(Application[UUID]):
    name = "linkage"

    def construct_mapper(self) -> Mapper[UUID]:
        if self.env.get(self.factory.MAPPER_TOPIC):
            return super().construct_mapper()
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=TracingMapper)

    def load(self, aggregate_id: UUID | str, cls: type[A], expected_version: int | None = None) -> A:
        if isinstance(aggregate_id, str):
            try:
                aggregate_id = UUID(aggregate_id)
            except ValueError as e:
                raise NotFound("not_found", what=record(cls), id=aggregate_id) from e
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError as e:
            raise NotFound("not_found", what=record(cls), id=aggregate_id) from e
        except (OperationalError, InterfaceError) as e:
            raise Unavailable(str(e)) from e
        if not isinstance(aggregate, cls):
            raise NotFound("not_found", what=record(cls), id=aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(expected_version, aggregate.version)
        return aggregate

    def find(self, aggregate_id: UUID | str, cls: type[A],
             expected_version: int | None = None) -> A | None:
        """`load`, but None for an aggregate never saved (a register before its first entry, a
        notice id no one filed). An If-Match on one never saved names version 0, as its empty
        view shows it: any other version is StaleVersion."""
        try:
            return self.load(aggregate_id, cls, expected_version)
        except NotFound:
            if expected_version is not None and expected_version != 0:
                raise StaleVersion(expected_version, 0) from None
            return None

    def exists(self, aggregate_id: UUID | str, cls: type[Aggregate]) -> bool:
        """Whether the aggregate is stored; only "not found" is False (an outage raises Unavailable)."""
        return self.find(aggregate_id, cls) is not None

    def commit(self, *aggregates: Any) -> int | None:
        """Save; a lost race becomes ConcurrentWrite, never a lost update.

        Inside a keyed request (services/requests.py) the aggregates are only staged, to be
        saved with the request's answer; a version someone took meanwhile is still refused here.
        """
        staged = staging()
        if staged is not None:
            self._check_unchanged(aggregates)
            staged.extend(a for a in aggregates if all(a is not s for s in staged))
            return None
        return self._save(list(aggregates))

    def _save(self, aggregates: list[Any], **kwargs: Any) -> int | None:
        writes = current_writes()
        if writes is not None and writes.actor_id is not None:
            # The user's marks go with the events, in their transaction (read your writes).
            kwargs["writer"] = Writer(writes.actor_id,
                                      datetime.now(UTC).isoformat(timespec="microseconds"))
        try:
            recordings = self.save(*aggregates, **kwargs)
        except IntegrityError as e:
            raise ConcurrentWrite("concurrent_write") from e
        except (OperationalError, InterfaceError) as e:
            raise Unavailable(str(e)) from e
        if writes is not None:
            writes.note(recordings)  # the position the answer carries: services/freshness.py
        return recordings[-1].notification.id if recordings else None

    def _check_unchanged(self, aggregates: tuple[Any, ...]) -> None:
        for agg in aggregates:
            pending = agg.pending_events
            if not pending:
                continue
            try:
                latest = self.recorder.select_events(agg.id, desc=True, limit=1)
            except (OperationalError, InterfaceError) as e:
                raise Unavailable(str(e)) from e
            stored = latest[0].originator_version if latest else 0
            if stored != pending[0].originator_version - 1:
                raise ConcurrentWrite("concurrent_write")

    def _our_recorder(self, method: str, keeps: str) -> Any:
        """The recorder, which must be ours (adapters/request_log.py) to keep this."""
        if not hasattr(self.recorder, method):
            raise TypeError(f"the event store's recorder keeps no {keeps} "
                            "(APPLICATION_RECORDER_TOPIC, see adapters/request_log.py)")
        return self.recorder

    @property
    def request_log(self) -> RequestLog:
        return self._our_recorder("select_request", "request log")  # type: ignore[no-any-return]

    @property
    def write_log(self) -> WriteLog:
        return self._our_recorder("select_last_writes", "users' last writes")  # type: ignore[no-any-return]

    def save_with_request(self, aggregates: list[Any], request: StoredRequest) -> int | None:
        if not any(a.pending_events for a in aggregates):
            if not self.request_log.insert_request(request):
                raise ConcurrentWrite("idempotency_key_in_use")
            return None
        return self._save(aggregates, request=request)
