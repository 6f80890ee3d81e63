"""Deadline compliance from the event history: acknowledgements, escalations, late revisions,
and overdue obligations (rectifications, action items) of the other mechanisms.

Input is the audit stream (services.audit.record dicts), so this works on any replay; the
obligations of each mechanism are named by event type in `_opened` and `_closed`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from domain.common import beijing_month
from services.ports import Doc

NOTICES = "accident-notices"


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _minutes(a: str, b: str) -> float:
    return round((_t(b) - _t(a)).total_seconds() / 60, 1)


def _in(value: str, start: datetime | None, end: datetime | None) -> bool:
    t = _t(value)
    return (start is None or t >= start) and (end is None or t < end)


class _Notice:
    def __init__(self, rec: Doc) -> None:
        p = rec["payload"]
        self.id = rec["aggregate_id"]
        self.employer = p["employer_name"]
        self.grade = p["grade"]
        self.occurred_at = p["occurred_at"]
        self.filed_at = p["filed_at"]
        self.round = 1
        self.rounds: list[Doc] = []
        self.acks: dict[tuple[int, str], str] = {}
        self.escalations: list[Doc] = []
        self.revisions: list[Doc] = []
        self.first_deadline = min(p["deadlines"].values()) if p["deadlines"] else None
        self.withdrawn_at: str | None = None  # filed in error: nothing is owed any more
        self._open_round(self.filed_at, p["deadlines"])

    def _open_round(self, at: str, deadlines: dict[str, str]) -> None:
        self.rounds.append({"round": self.round, "opened_at": at, "deadlines": dict(deadlines)})

    def apply(self, rec: Doc) -> None:
        p, kind = rec["payload"], rec["event_type"].rsplit(".", 1)[-1]
        if kind == "Acknowledged":
            self.acks[(p["round"], p["agency"])] = p["acknowledged_at"]
        elif kind == "Withdrawn":
            self.withdrawn_at = p["withdrawn_at"]
        elif kind == "Escalated":
            self.escalations.append({"notice_id": self.id, "employer": self.employer,
                                     "agency": p["agency"], "round": p["round"],
                                     "deadline": p["deadline"], "escalated_at": p["escalated_at"]})
        elif kind == "Revised":
            late = self.first_deadline is not None and p["revised_at"] > self.first_deadline
            self.revisions.append({
                "notice_id": self.id, "employer": self.employer, "revised_at": p["revised_at"],
                "days_after_accident": round((_t(p["revised_at"]) - _t(self.occurred_at))
                                             .total_seconds() / 86400, 1),
                "previous_grade": p["previous_grade"], "grade": p["grade"],
                "reopened": p["reopened"], "reason": p["reason"], "late": late,
                "by": rec["agency"]})
            self.grade = p["grade"]
            if p["reopened"]:
                self.round += 1
                self._open_round(p["revised_at"], p["deadlines"])
            else:
                self.rounds[-1]["deadlines"] = dict(p["deadlines"])

    def acknowledgement_rows(self) -> list[Doc]:
        rows = []
        for r in self.rounds:
            for agency, deadline in r["deadlines"].items():
                at = self.acks.get((r["round"], agency))
                allowed = _minutes(r["opened_at"], deadline)
                delay = _minutes(r["opened_at"], at) if at else None
                rows.append({"notice_id": self.id, "employer": self.employer, "grade": self.grade,
                             "round": r["round"], "agency": agency, "deadline": deadline,
                             "acknowledged_at": at, "delay_minutes": delay,
                             "allowed_minutes": allowed,
                             "on_time": None if at is None else at <= deadline,
                             "state": self._state(at, deadline)})
        return rows

    def _state(self, at: str | None, deadline: str) -> str:
        """on_time, late, pending, or withdrawn (not acknowledged before the withdrawal)."""
        if at is not None:
            return "on_time" if at <= deadline else "late"
        return "pending" if self.withdrawn_at is None else "withdrawn"


def notice_compliance(records: Iterable[Doc], start: datetime | None = None,
                      end: datetime | None = None) -> Doc:
    """Notices filed in [start, end): acknowledgement delays, escalations, late revisions."""
    notices: dict[str, _Notice] = {}
    for rec in records:
        if rec["mechanism"] != NOTICES:
            continue
        if rec["event_type"].endswith(".Filed"):
            if _in(rec["payload"]["filed_at"], start, end):
                notices[rec["aggregate_id"]] = _Notice(rec)
        elif rec["aggregate_id"] in notices:
            notices[rec["aggregate_id"]].apply(rec)
    acks = [row for n in notices.values() for row in n.acknowledgement_rows()]
    by_agency: dict[str, Counter[str]] = defaultdict(Counter)
    for row in acks:
        by_agency[row["agency"]][row["state"]] += 1
    return {
        "notices": len(notices),
        "acknowledgements": acks,
        "by_agency": {a: dict(c) for a, c in sorted(by_agency.items())},
        "escalations": [e for n in notices.values() for e in n.escalations],
        "revisions": [r for n in notices.values() for r in n.revisions],
        "filed": [{"id": n.id, "grade": n.grade, "filed_at": n.filed_at} for n in notices.values()],
    }


def _end_of(due: str) -> datetime:
    """A due time, or a due date (then the end of that day, UTC)."""
    t = _t(due if len(due) > 10 else due + "T23:59:59.999999+00:00")
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _opened(rec: Doc) -> list[tuple[str, Doc]]:
    """(item key, obligation) opened by one event: rectification orders, action items."""
    p, kind = rec["payload"], rec["event_type"]
    if kind.endswith(".RectificationOrdered"):
        return [(f"finding {p['finding_no']}", {"due": p["deadline"], "agency": rec["agency"],
                                                "what": "rectification 整改"})]
    if kind.endswith(".ResolutionAdopted"):
        return [(f"item {p['resolution_no']}.{i['no']}",
                 {"due": i["due_on"], "agency": i["agency"], "what": i.get("description", "")})
                for i in p.get("action_items", [])]
    return []


def _closed(rec: Doc) -> tuple[str, str, bool] | None:
    """(item key, when, fulfilled) for an event that settles an obligation."""
    p, kind = rec["payload"], rec["event_type"]
    if kind.endswith(".Reinspected"):
        return f"finding {p['finding_no']}", p["reinspected_at"], bool(p["rectified"])
    if kind.endswith(".ActionItemDone"):
        return f"item {p['resolution_no']}.{p['item_no']}", p["done_at"], True
    return None


def obligations(records: Iterable[Doc], now: datetime) -> list[Doc]:
    """Rectifications (joint inspections) and action items (joint meetings) overdue at `now`.

    Overdue: still open after the due time, settled after it, or re-inspected and found not
    rectified once the deadline had passed.
    """
    items: dict[tuple[str, str], Doc] = {}
    for rec in records:
        for key, ob in _opened(rec):
            items[(rec["aggregate_id"], key)] = {
                "mechanism": rec["mechanism"], "aggregate_id": rec["aggregate_id"], "item": key,
                "opened_by": rec["event_type"], "closed_at": None, "fulfilled": None, **ob}
        closed = _closed(rec)
        if closed and (rec["aggregate_id"], closed[0]) in items:
            items[(rec["aggregate_id"], closed[0])].update(closed_at=closed[1], fulfilled=closed[2])
    rows = []
    for ob in items.values():
        due = _end_of(ob["due"])
        settled = _t(ob["closed_at"]) if ob["closed_at"] else None
        if ((settled is None and due < now) or (settled is not None and settled > due)
                or (ob["fulfilled"] is False and due < now)):
            rows.append(ob)
    return sorted(rows, key=lambda r: (r["mechanism"], r["due"]))


def monthly_by_grade(filed: list[Doc]) -> dict[str, dict[str, int]]:
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for n in filed:
        months[beijing_month(n["filed_at"])][n["grade"]] += 1
    return {m: dict(c) for m, c in sorted(months.items())}
