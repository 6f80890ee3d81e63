"""One inspector's bookings: the index that keeps an inspector on one inspection a day."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, TracedEvent, traced


class DoubleBooked(DomainError):
    """An inspector already booked on an overlapping inspection."""

    code = "inspector_double_booked"

    def __init__(self, inspector_id: str, other: str, starts_on: str, ends_on: str) -> None:
        super().__init__("inspector_double_booked", inspector_id=inspector_id, other=other,
                         starts_on=starts_on, ends_on=ends_on)
        self.inspector_id = inspector_id
        self.other = other


def booking_id(inspector_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"linkage:inspector-booking:{inspector_id}")


def overlaps(a_start: str, a_end: str, b_start: str, b_end: str) -> bool:
    """Inclusive day windows (ISO dates compare as strings) share at least one day."""
    return a_start <= b_end and b_start <= a_end


class InspectorBooking(Aggregate):
    """One inspector's bookings; saved with the inspection, so a racing booking conflicts."""

    def __init__(self) -> None:
        self.bookings: dict[str, dict[str, str]] = {}

    inspector_id: str

    class Opened(TracedEvent, Aggregate.Created):
        inspector_id: str

        def apply(self, booking: InspectorBooking) -> None:
            booking.inspector_id = self.inspector_id

    class Booked(TracedEvent):
        inspection_id: str
        starts_on: str
        ends_on: str

        def apply(self, booking: InspectorBooking) -> None:
            booking.bookings[self.inspection_id] = {"starts_on": self.starts_on,
                                                    "ends_on": self.ends_on}

    class Released(TracedEvent):
        inspection_id: str

        def apply(self, booking: InspectorBooking) -> None:
            booking.bookings.pop(self.inspection_id, None)

    @classmethod
    def open(cls, *, actor: Actor, inspector_id: str) -> InspectorBooking:
        return cls._create(cls.Opened, id=booking_id(inspector_id), **traced(actor),
                           inspector_id=inspector_id)

    def clash(self, starts_on: str, ends_on: str) -> tuple[str, dict[str, str]] | None:
        for other, window in sorted(self.bookings.items()):
            if overlaps(starts_on, ends_on, window["starts_on"], window["ends_on"]):
                return other, window
        return None

    def book(self, *, actor: Actor, inspection_id: str, starts_on: str, ends_on: str) -> None:
        found = self.clash(starts_on, ends_on)
        if found is not None:
            raise DoubleBooked(self.inspector_id, found[0], found[1]["starts_on"],
                               found[1]["ends_on"])
        self.trigger_event(self.Booked, **traced(actor), inspection_id=inspection_id,
                           starts_on=starts_on, ends_on=ends_on)

    def release(self, *, actor: Actor, inspection_id: str) -> None:
        if inspection_id in self.bookings:
            self.trigger_event(self.Released, **traced(actor), inspection_id=inspection_id)
