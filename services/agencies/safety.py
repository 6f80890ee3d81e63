"""应急管理局: acknowledgement queue, investigation queue, inspection proposals and calendar.

Proposals: a joint inspection is proposed for every notice graded `large` or above (also
after a revision raises it), and for an employer's second notice within twelve months of
another (by the accidents' `occurred_at`; the later of the two gets the proposal). A withdrawn
notice (filed in error) no longer counts toward the two notices, for the other notice or for
itself; a proposal left without a reason is removed, so that the result is the same whichever
of the filings and the withdrawal arrives first. A cancelled inspection re-opens the proposal
it came from. The notices and inspections topics may arrive in any order across aggregates, so each proposal
is recomputed from the facts kept (its reasons, the notice's summary, the inspection that
links it): the result does not depend on the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from domain.notice_rules import large_or_above
from services.agencies.meetings import MEETINGS, apply_meeting
from services.envelope import Envelope
from services.ports import Doc, Tx
from services.projections import NOTICES, AgencyProjection, put_queue_item

INSPECTIONS = "joint-inspections"
PROPOSALS = "proposals"
LINKS = "proposal_links"
FROM_PROPOSAL = "inspection_origins"  # inspection id -> the proposal and notice it came from
BY_EMPLOYER = "employer_notices"
INVESTIGATIONS = "investigations"
CALENDAR = "calendar"
GRADE_REASON = "grade_large_or_above"
REPEAT_REASON = "repeat_within_12_months"


def proposal_id_for(notice_id: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"linkage:inspection-proposal:{notice_id}"))


def within_twelve_months(a: str, b: str) -> bool:
    early, late = sorted((datetime.fromisoformat(a), datetime.fromisoformat(b)))
    try:
        limit = early.replace(year=early.year + 1)
    except ValueError:  # 29 February
        limit = early.replace(year=early.year + 1, day=28)
    return late <= limit


def proposal(tx: Tx, proposal_id: str) -> Doc | None:
    return tx.get(PROPOSALS, proposal_id)


def live_inspections(link: Doc | None) -> list[str]:
    """The inspections scheduled from a proposal and not cancelled (a link document kept
    before cancellations re-opened proposals holds just `inspection_id`)."""
    if link is None:
        return []
    if "live" in link:
        return list(link["live"])
    return [link["inspection_id"]] if link.get("inspection_id") else []


def link_inspection(tx: Tx, proposal_id: str, inspection_id: str, cancelled: bool) -> None:
    """Record an inspection of the proposal as scheduled or cancelled (in any order across
    inspections: a cancelled one never counts again)."""
    link = tx.get(LINKS, proposal_id)
    gone = set(link.get("cancelled", [])) if link else set()
    live = set(live_inspections(link))
    if cancelled:
        gone.add(inspection_id)
    else:
        live.add(inspection_id)
    tx.put(LINKS, proposal_id, {"live": sorted(live - gone), "cancelled": sorted(gone)})


def refresh_proposal(tx: Tx, notice_id: str) -> None:
    """The proposal document and its queue item, from the facts alone."""
    pid = proposal_id_for(notice_id)
    facts = tx.get("proposal_facts", pid)
    notice = tx.get("notices", notice_id)
    if facts is None or notice is None:
        return
    live = live_inspections(tx.get(LINKS, pid))
    if not facts["reasons"] and not live:  # its only reason was a withdrawn notice
        for coll, key in (("proposal_facts", pid), (PROPOSALS, pid), ("queue", f"proposal:{pid}")):
            tx.delete(coll, key)
        return
    status = ("scheduled" if live else
              "dropped" if notice["status"] == "withdrawn" or not facts["reasons"] else "proposed")
    doc: Doc = {
        "id": pid, "notice_id": notice_id, "status": status,
        "inspection_id": live[-1] if live else None,
        "employer": {"name": notice["employer"]["name"],
                     "credit_code": notice["employer"]["credit_code"]},
        "district": notice["district"], "grade": notice["grade"],
        "occurred_at": notice["occurred_at"], "reasons": facts["reasons"],
        "related_notice_ids": facts["related"],
    }
    tx.put(PROPOSALS, pid, doc)
    key = f"proposal:{pid}"
    if status == "proposed":
        put_queue_item(tx, key, {
            "kind": "propose_inspection", "proposal_id": pid, "notice_id": notice_id,
            "employer_name": doc["employer"]["name"], "credit_code": doc["employer"]["credit_code"],
            "grade": doc["grade"], "reasons": doc["reasons"], "deadline": None,
        })
    else:
        tx.delete("queue", key)


def propose(tx: Tx, notice_id: str, reason: str, related: str | None = None) -> None:
    pid = proposal_id_for(notice_id)
    facts = tx.get("proposal_facts", pid) or {"reasons": [], "related": []}
    facts["reasons"] = sorted({*facts["reasons"], reason})
    if related:
        facts["related"] = sorted({*facts["related"], related})
    tx.put("proposal_facts", pid, facts)
    refresh_proposal(tx, notice_id)


class SafetyProjection(AgencyProjection):
    mechanisms = (NOTICES, INSPECTIONS, MEETINGS)

    def __init__(self) -> None:
        super().__init__("safety")

    def apply(self, tx: Tx, env: Envelope) -> None:
        super().apply(tx, env)
        if env.mechanism == MEETINGS:
            apply_meeting(tx, env, self.agency)
        if env.event_type.startswith("JointInspection."):
            self.inspection_changed(tx, env)

    def prefetch(self, tx: Tx, envelopes: Sequence[Envelope]) -> None:
        super().prefetch(tx, envelopes)
        notices = [str(e.aggregate_id) for e in envelopes if e.mechanism == NOTICES]
        pids = [proposal_id_for(n) for n in notices]
        tx.prefetch("proposal_facts", pids)
        tx.prefetch(LINKS, pids)
        tx.prefetch(BY_EMPLOYER, {str(e.payload["employer_credit_code"]) for e in envelopes
                                  if e.event_type == "AccidentNotice.Filed"})

    def notice_changed(self, tx: Tx, env: Envelope, before: Doc | None, after: Doc) -> None:
        super().notice_changed(tx, env, before, after)
        nid = after["id"]
        if after["status"] == "open":
            tx.put(INVESTIGATIONS, nid, {
                "notice_id": nid, "employer_name": after["employer"]["name"],
                "credit_code": after["employer"]["credit_code"], "district": after["district"],
                "cause": after["cause"], "grade": after["grade"],
                "occurred_at": after["occurred_at"], "status": "open",
            })
        else:
            tx.delete(INVESTIGATIONS, nid)
        if large_or_above(after["grade"]):
            propose(tx, nid, GRADE_REASON)
        if before is None:
            self._repeat(tx, after)
        elif after["status"] == "withdrawn" and before["status"] != "withdrawn":
            self._unrepeat(tx, after)
        refresh_proposal(tx, nid)

    def _unrepeat(self, tx: Tx, notice: Doc) -> None:
        """A withdrawn notice no longer counts toward another's "two in twelve months"."""
        nid, code = notice["id"], notice["employer"]["credit_code"]
        seen: dict[str, Any] | None = tx.get(BY_EMPLOYER, code)
        if seen is None:
            return
        seen["notices"].pop(nid, None)
        tx.put(BY_EMPLOYER, code, seen)
        for other_id in sorted(seen["notices"]):
            pid = proposal_id_for(other_id)
            facts = tx.get("proposal_facts", pid)
            if facts is None or nid not in facts["related"]:
                continue
            facts["related"] = [r for r in facts["related"] if r != nid]
            if not facts["related"]:
                facts["reasons"] = [r for r in facts["reasons"] if r != REPEAT_REASON]
            tx.put("proposal_facts", pid, facts)
            refresh_proposal(tx, other_id)
        own = tx.get("proposal_facts", proposal_id_for(nid))  # it counts for itself no more
        if own is not None and REPEAT_REASON in own["reasons"]:
            own["reasons"] = [r for r in own["reasons"] if r != REPEAT_REASON]
            own["related"] = []
            tx.put("proposal_facts", proposal_id_for(nid), own)

    def _repeat(self, tx: Tx, notice: Doc) -> None:
        code = notice["employer"]["credit_code"]
        seen: dict[str, Any] = tx.get(BY_EMPLOYER, code) or {"notices": {}}
        mine = (notice["occurred_at"], notice["id"])
        for other_id, occurred in sorted(seen["notices"].items()):
            if other_id != notice["id"] and within_twelve_months(occurred, mine[0]):
                early, late = sorted([mine, (occurred, other_id)],
                                     key=lambda t: (datetime.fromisoformat(t[0]), t[1]))
                propose(tx, late[1], REPEAT_REASON, related=early[1])
        seen["notices"][notice["id"]] = notice["occurred_at"]
        tx.put(BY_EMPLOYER, code, seen)

    def inspection_changed(self, tx: Tx, env: Envelope) -> None:
        kind = env.event_type.split(".", 1)[1]
        key, p = str(env.aggregate_id), env.payload
        if kind == "Scheduled":
            if p["proposal_id"]:
                tx.put(FROM_PROPOSAL, key, {"proposal_id": p["proposal_id"],
                                            "notice_id": p["notice_id"]})
                link_inspection(tx, p["proposal_id"], key, cancelled=False)
                if p["notice_id"]:
                    refresh_proposal(tx, p["notice_id"])
            if "safety" in p["agencies"]:
                tx.put(CALENDAR, key, {
                    "inspection_id": key, "theme": p["theme"], "starts_on": p["starts_on"],
                    "ends_on": p["ends_on"], "lead_agency": p["lead_agency"],
                    "agencies": p["agencies"], "status": "scheduled",
                    "inspectors": [{"id": i["id"], "name": i["name"], "agency": i["agency"]}
                                   for i in p["inspectors"]],
                    "notice_id": p["notice_id"], "proposal_id": p["proposal_id"],
                })
            return
        if kind == "Cancelled":
            origin = tx.get(FROM_PROPOSAL, key)
            if origin is not None:
                link_inspection(tx, origin["proposal_id"], key, cancelled=True)
                if origin["notice_id"]:
                    refresh_proposal(tx, origin["notice_id"])
        doc = tx.get(CALENDAR, key)
        status = {"Started": "started", "Completed": "completed", "Cancelled": "cancelled"}
        if doc is not None and kind in status:
            doc["status"] = status[kind]
            tx.put(CALENDAR, key, doc)


def calendar(tx: Tx, start: str | None = None, end: str | None = None,
             inspector: str | None = None) -> list[Doc]:
    items = [d for _, d in tx.scan(CALENDAR)
             if (start is None or d["ends_on"] >= start) and (end is None or d["starts_on"] <= end)
             and (inspector is None or inspector in {i["id"] for i in d["inspectors"]})]
    return sorted(items, key=lambda d: (d["starts_on"], d["inspection_id"]))
