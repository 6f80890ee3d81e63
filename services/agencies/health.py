"""卫健委: acknowledgement queue and occupational-health follow-ups.

A notice owes a follow-up when its cause is poisoning or an occupational disease, or it has
any serious injury (also after a revision adds one); a withdrawn notice owes none. The
follow-up is done when a health liaison records it (HealthFollowUp.Done, its own topic). The
two topics may arrive in either order: each follow-up is recomputed from both records, so
the result does not depend on the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.agencies.meetings import MEETINGS, apply_meeting
from services.envelope import Envelope
from services.health_follow_ups import owes_follow_up
from services.ports import Doc, Tx
from services.projections import NOTICES, AgencyProjection, put_queue_item

FOLLOW_UPS_MECHANISM = "health-follow-ups"
FOLLOW_UPS = "follow_ups"
DONE = "follow_up_done"


def _queue_key(notice_id: str) -> str:
    return f"follow-up:{notice_id}"


def refresh_follow_up(tx: Tx, notice_id: str) -> None:
    notice = tx.get("notices", notice_id)
    done = tx.get(DONE, notice_id)
    owed = notice is not None and notice["status"] != "withdrawn" and owes_follow_up(
        notice["cause"], notice["serious_injuries"])
    if notice is None or not owed:
        tx.delete(FOLLOW_UPS, notice_id)
        tx.delete("queue", _queue_key(notice_id))
        return
    doc: Doc = {
        "notice_id": notice_id, "employer_name": notice["employer"]["name"],
        "district": notice["district"], "cause": notice["cause"],
        "occurred_at": notice["occurred_at"], "deaths": notice["deaths"],
        "serious_injuries": notice["serious_injuries"], "grade": notice["grade"],
        "reasons": sorted(
            ([f"cause {notice['cause']}"] if notice["cause"] in ("poisoning", "occupational_disease")
             else []) + (["serious injuries"] if notice["serious_injuries"] > 0 else [])),
        "status": "done" if done else "open", "done": done,
    }
    tx.put(FOLLOW_UPS, notice_id, doc)
    if done:
        tx.delete("queue", _queue_key(notice_id))
    else:
        put_queue_item(tx, _queue_key(notice_id), {
            "kind": "health_follow_up", "notice_id": notice_id, "deadline": None,
            "employer_name": doc["employer_name"], "district": doc["district"],
            "cause": doc["cause"], "serious_injuries": doc["serious_injuries"],
        })


class HealthProjection(AgencyProjection):
    mechanisms = (NOTICES, FOLLOW_UPS_MECHANISM, MEETINGS)

    def __init__(self) -> None:
        super().__init__("health")

    def apply(self, tx: Tx, env: Envelope) -> None:
        super().apply(tx, env)
        if env.mechanism == MEETINGS:
            apply_meeting(tx, env, self.agency)
        if env.event_type == "HealthFollowUp.Done":
            p = env.payload
            tx.put(DONE, p["notice_id"], {"at": p["done_at"], "findings": p["findings"],
                                          "health_checks_given": p["health_checks_given"],
                                          "by": env.actor.model_dump()})
            refresh_follow_up(tx, p["notice_id"])

    def prefetch(self, tx: Tx, envelopes: Sequence[Envelope]) -> None:
        super().prefetch(tx, envelopes)
        tx.prefetch(DONE, {str(e.aggregate_id) for e in envelopes if e.mechanism == NOTICES})

    def notice_changed(self, tx: Tx, env: Envelope, before: Doc | None, after: Doc) -> None:
        super().notice_changed(tx, env, before, after)
        refresh_follow_up(tx, after["id"])


def follow_ups(tx: Tx, status: str | None = None) -> list[Doc]:
    rows = [d for _, d in tx.scan(FOLLOW_UPS) if status is None or d["status"] == status]
    rows.sort(key=lambda d: datetime.fromisoformat(d["occurred_at"]))  # offsets differ
    return rows
