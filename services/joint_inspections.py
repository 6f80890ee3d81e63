"""Joint-inspection commands and queries (schedule, draw, lifecycle, calendar) and the API's index."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from threading import Lock
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.common import Actor
from domain.draw import make_draw, verify_draw
from domain.joint_inspection import (
    InspectionError,
    InspectorBooking,
    JointInspection,
    booking_id,
    overlaps,
)
from domain.registers import check_inspectors
from services.application import ConcurrentWrite, LinkageApp, NotFound
from services.consumer import Consumer, Outcome
from services.envelope import Envelope, jsonable_dict
from services.feeder import LogFeeder
from services.ports import Clock, Tx
from services.projections import Projection
from services.registers import Registers

INSPECTIONS = "joint-inspections"
RETRIES = 5


def from_proposal_id(proposal_id: str, attempt: int = 1) -> UUID:
    """A proposal becomes at most one live inspection: its id follows from the proposal's (and,
    once an inspection of it was cancelled, from the attempt's number)."""
    suffix = "" if attempt == 1 else f":{attempt}"
    return uuid5(NAMESPACE_URL, f"linkage:inspection-from-proposal:{proposal_id}{suffix}")


def view(i: JointInspection, now: Any) -> dict[str, Any]:
    findings = [{**f, "overdue": i.overdue(f, now)} for f in i.findings]
    return jsonable_dict({
        "id": i.id, "version": i.version, "status": i.status, "theme": i.theme,
        "starts_on": i.starts_on, "ends_on": i.ends_on, "lead_agency": i.lead_agency,
        "agencies": i.agencies, "inspectors": i.inspectors, "targets": i.targets,
        "notice_id": i.notice_id, "proposal_id": i.proposal_id, "drawn": i.draw is not None,
        "scheduled_at": i.scheduled_at, "scheduled_by": i.scheduled_by,
        "started_at": i.started_at, "findings": findings, "ended": i.ended,
        "may_start": i.may_start(now), "unsettled": i.unsettled(),
    })


class JointInspections:
    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.registers = Registers(app, clock)

    def _booking(self, inspector_id: str) -> InspectorBooking | None:
        return self.app.find(booking_id(inspector_id), InspectorBooking)

    def exists(self, inspection_id: UUID) -> bool:
        return self.app.exists(inspection_id, JointInspection)

    def schedule(self, actor: Actor, *, theme: str, starts_on: date, ends_on: date,
                 lead_agency: str, agencies: list[str], inspectors: list[dict[str, str]],
                 targets: list[dict[str, str]], notice_id: str | None = None,
                 proposal_id: str | None = None, draw: dict[str, Any] | None = None,
                 ) -> dict[str, Any]:
        """Schedule and book every inspector in one save; a lost race is re-checked.

        `draw` ({"targets": n, "inspectors": m, "seed": optional}) draws both from the
        registers instead of taking `inspectors` and `targets`.
        """
        seed = (draw or {}).get("seed") or secrets.token_hex(16)
        for _ in range(RETRIES):
            inspection_id = self._proposal_slot(proposal_id) if proposal_id else None
            record = None
            if draw is not None:
                record = make_draw(seed, self.registers.contents("employers"),
                                   self.registers.contents("inspectors"), agencies,
                                   draw["targets"], draw["inspectors"])
                inspectors, targets = record["inspectors"], record["targets"]
            else:  # chosen by hand: active register entries, employers named as registered
                inspectors = check_inspectors(inspectors, self.registers.load("inspectors"))
                names = {e["credit_code"]: e["name"] for e in self.registers.contents("employers")}
                targets = [{"credit_code": t["credit_code"].strip().upper(),
                            "name": names.get(t["credit_code"].strip().upper(), t["name"])}
                           for t in targets]
            insp = JointInspection.schedule(
                actor=actor, theme=theme, starts_on=starts_on, ends_on=ends_on,
                lead_agency=lead_agency, agencies=agencies, inspectors=inspectors,
                targets=targets, now=self.clock(), notice_id=notice_id, proposal_id=proposal_id,
                draw=record, inspection_id=inspection_id)
            bookings = []
            for p in insp.inspectors:
                b = self._booking(p["id"]) or InspectorBooking.open(actor=actor, inspector_id=p["id"])
                b.book(actor=actor, inspection_id=str(insp.id), starts_on=insp.starts_on,
                       ends_on=insp.ends_on)  # DoubleBooked names the other inspection
                bookings.append(b)
            try:
                self.app.commit(insp, *bookings)
            except ConcurrentWrite:
                continue  # someone booked one of ours meanwhile: load again and re-check
            return jsonable_dict({"id": insp.id, "version": insp.version, "status": insp.status,
                                  "inspectors": insp.inspectors, "targets": insp.targets})
        raise ConcurrentWrite("bookings_kept_changing")

    def _proposal_slot(self, proposal_id: str) -> UUID:
        """The id the proposal's inspection gets: the next after every cancelled one."""
        attempt = 1
        while True:
            candidate = from_proposal_id(proposal_id, attempt)
            try:
                insp = self.app.load(candidate, JointInspection)
            except NotFound:
                return candidate
            if insp.status != "cancelled":
                raise InspectionError("proposal_already_scheduled", proposal_id=proposal_id,
                                      inspection_id=candidate)
            attempt += 1

    def get(self, inspection_id: UUID) -> dict[str, Any]:
        return view(self.app.load(inspection_id, JointInspection), self.clock())

    def is_booked(self, inspection_id: UUID, actor: Actor) -> bool:
        """Whether the actor is one of the inspectors booked on the inspection."""
        insp = self.app.load(inspection_id, JointInspection)
        return insp.booked(actor, self.registers.inspector_for(actor))

    def authorize(self, inspection_id: UUID, actor: Actor, step: str) -> None:
        """Whether the user may take `step` (a command's name) on this inspection, asked before
        the request is read (403 before any validation); an unknown one passes."""
        insp = self.app.find(inspection_id, JointInspection)
        if insp is not None:
            insp.require_actor(actor, self.registers.inspector_for(actor), step)

    def _act(self, inspection_id: UUID, expected_version: int | None, step: str,
             **kwargs: Any) -> JointInspection:
        insp = self.app.load(inspection_id, JointInspection, expected_version)
        getattr(insp, step)(now=self.clock(), inspector_id=self.registers.inspector_for(
            kwargs["actor"]), **kwargs)
        self.app.commit(insp)
        return insp

    def start(self, inspection_id: UUID, actor: Actor, expected_version: int | None = None) -> int:
        return self._act(inspection_id, expected_version, "start", actor=actor).version

    def record_finding(self, inspection_id: UUID, actor: Actor, *, employer_credit_code: str,
                       hazard: str, severity: str, legal_basis: str,
                       expected_version: int | None = None) -> dict[str, Any]:
        insp = self._act(inspection_id, expected_version, "record_finding", actor=actor,
                         employer_credit_code=employer_credit_code, hazard=hazard,
                         severity=severity, legal_basis=legal_basis)
        return {"id": str(insp.id), "version": insp.version, "finding_no": len(insp.findings)}

    def order_rectification(self, inspection_id: UUID, actor: Actor, finding_no: int,
                            deadline: Any, expected_version: int | None = None) -> int:
        return self._act(inspection_id, expected_version, "order_rectification", actor=actor,
                         finding_no=finding_no, deadline=deadline).version

    def reinspect(self, inspection_id: UUID, actor: Actor, finding_no: int, rectified: bool,
                  note: str, expected_version: int | None = None) -> int:
        return self._act(inspection_id, expected_version, "reinspect", actor=actor,
                         finding_no=finding_no, rectified=rectified, note=note).version

    def close_on_spot(self, inspection_id: UUID, actor: Actor, finding_no: int, note: str,
                      expected_version: int | None = None) -> int:
        return self._act(inspection_id, expected_version, "close_on_spot", actor=actor,
                         finding_no=finding_no, note=note).version

    def complete(self, inspection_id: UUID, actor: Actor, summary: str,
                 expected_version: int | None = None) -> int:
        return self._act(inspection_id, expected_version, "complete", actor=actor,
                         summary=summary).version

    def cancel(self, inspection_id: UUID, actor: Actor, reason: str,
               expected_version: int | None = None) -> int:
        """Cancelled: its inspectors are free again on those days."""
        for _ in range(RETRIES):
            insp = self.app.load(inspection_id, JointInspection, expected_version)
            insp.cancel(actor=actor, reason=reason, now=self.clock(),
                        inspector_id=self.registers.inspector_for(actor))
            freed = []
            for p in insp.inspectors:
                b = self._booking(p["id"])
                if b is not None:
                    b.release(actor=actor, inspection_id=str(insp.id))
                    freed.append(b)
            try:
                self.app.commit(insp, *freed)
            except ConcurrentWrite:
                if expected_version is not None:
                    raise
                continue
            return insp.version
        raise ConcurrentWrite("inspection_kept_changing")

    def verify_draw(self, inspection_id: UUID) -> dict[str, Any]:
        insp = self.app.load(inspection_id, JointInspection)
        if insp.draw is None:
            raise NotFound("not_drawn", inspection_id=inspection_id)
        problems = verify_draw(insp.draw)
        d = insp.draw
        return {"id": str(insp.id), "verified": not problems, "problems": problems,
                "seed": d["seed"], "employer_register_sha256": d["employer_register_sha256"],
                "inspector_register_sha256": d["inspector_register_sha256"],
                "targets": d["targets"], "inspectors": d["inspectors"]}

    def calendar(self, inspector_id: str, start: date, end: date) -> list[dict[str, Any]]:
        """The inspector's booked inspections overlapping [start, end], from the booking index."""
        b = self._booking(inspector_id)
        if b is None:
            return []
        out = []
        for iid, w in sorted(b.bookings.items(), key=lambda kv: (kv[1]["starts_on"], kv[0])):
            if overlaps(w["starts_on"], w["ends_on"], start.isoformat(), end.isoformat()):
                insp = self.app.load(UUID(iid), JointInspection)
                out.append({"inspection_id": iid, "theme": insp.theme, "status": insp.status,
                            "starts_on": w["starts_on"], "ends_on": w["ends_on"],
                            "lead_agency": insp.lead_agency})
        return out


class InspectionIndex(Projection):
    """The API's list of inspections by status (built from envelopes only)."""

    name = "inspections"
    mechanisms = (INSPECTIONS,)

    def apply(self, tx: Tx, env: Envelope) -> None:
        cls, kind = env.event_type.split(".", 1)
        if cls != "JointInspection":
            return
        key, p = str(env.aggregate_id), env.payload
        doc = tx.get("inspections", key)
        if kind == "Scheduled":
            doc = {"id": key, "theme": p["theme"], "starts_on": p["starts_on"],
                   "ends_on": p["ends_on"], "lead_agency": p["lead_agency"],
                   "agencies": p["agencies"], "inspectors": [i["id"] for i in p["inspectors"]],
                   "targets": [t["credit_code"] for t in p["targets"]],
                   "notice_id": p["notice_id"], "proposal_id": p["proposal_id"],
                   "status": "scheduled", "findings": 0, "scheduled_at": p["scheduled_at"]}
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        status = {"Started": "started", "Completed": "completed", "Cancelled": "cancelled"}
        doc["status"] = status.get(kind, doc["status"])
        if kind == "FindingRecorded":
            doc["findings"] += 1
        tx.put("inspections", key, doc)


class LazyFeeder:
    """A LogFeeder made on first use: a process that never reads an index never creates its
    tables (fewer concurrent DDL statements when relay and consumers start together)."""

    def __init__(self, make: Callable[[], LogFeeder]) -> None:
        self._make = make
        self._feeder: LogFeeder | None = None
        self._lock = Lock()

    def get(self) -> LogFeeder:
        with self._lock:
            if self._feeder is None:
                self._feeder = self._make()
            return self._feeder

    @property
    def consumer(self) -> Consumer:
        return self.get().consumer

    @property
    def topics(self) -> list[str]:
        return self.get().topics

    def catch_up(self, progress: Callable[[int], None] | None = None) -> Outcome:
        return self.get().catch_up(progress)
