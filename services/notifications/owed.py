"""The notifier's read model: the deliveries it owes, recorded with its position.

A projection like an agency's: it folds the notices and the contact books, and for each event
that must reach people it records one delivery per (recipient, channel) with a stable message
id, in the same transaction as the consumer's position, so a crash never loses one and a
redelivered event owes nothing twice. `outbox` holds what is still to send;
`deliveries.<agency>` keeps every delivery to that agency and its outcome (the delivery log);
`watch` holds the half-deadline reminders still to come.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from domain.vocabulary import AGENCIES
from services.envelope import Envelope
from services.notice_summary import fold, pending
from services.notifications import rules
from services.ports import Doc, Tx
from services.projections import NOTICES, Projection

CONTACTS = "contacts"
OUTBOX, WATCH = "outbox", "watch"


def deliveries_of(agency: str) -> str:
    """Each agency's deliveries in a collection of their own: its log never reads the others'."""
    return f"deliveries.{agency}"


# Per agency, one document: the ids of its deliveries that failed after their retries (alerts
# in its queue, read with one get). The notices' summaries are the notifier's own, not indexed.
FAILED, SUMMARIES = "failed", "notice-summaries"
CHANNELS = ("email", "webhook", "sms")


def message_id(*parts: object) -> str:
    """The same delivery always gets the same id, whichever process or attempt sends it."""
    return str(uuid5(NAMESPACE_URL, "linkage:delivery:" + ":".join(str(p) for p in parts)))


def channels(contact: Doc) -> list[str]:
    return [ch for ch, field in (("email", "email"), ("webhook", "webhook_url"), ("sms", "phone"))
            if contact.get(field)]


def notice_facts(summary: Doc, agency: str) -> Doc:
    """What a message about a notice says: kept with the delivery, so a resend says the same."""
    return {"notice_id": summary["id"], "employer": summary["employer"]["name"],
            "district": summary["district"], "grade": summary["grade"], "cause": summary["cause"],
            "summary": summary["summary"], "deaths": summary["deaths"],
            "serious_injuries": summary["serious_injuries"], "missing": summary["missing"],
            "deadline": summary["deadlines"].get(agency), "round": summary["round"]}


def owe(tx: Tx, *, kind: str, key: str, recipients: str, duty: str, about: str, facts: Doc,
        at: str, event: str) -> int:
    """Record a delivery to each channel of each `duty` contact of agency `recipients`."""
    book = tx.get(CONTACTS, recipients) or {}
    owed = 0
    for contact in sorted(book.values(), key=lambda c: c["id"]):
        if contact["duty"] != duty:
            continue
        for channel in channels(contact):
            mid = message_id(key, kind, about, recipients, contact["id"], channel)
            doc = {"id": mid, "kind": kind, "channel": channel, "agency": recipients,
                   "about": about, "contact": contact, "facts": facts, "event": event,
                   "created_at": at, "status": "owed", "attempts": 0, "answer": "",
                   "history": []}
            if tx.put_new(deliveries_of(recipients), mid, doc):
                tx.put(OUTBOX, mid, {"next_at": "", "lease": "", "agency": recipients})  # due now
                owed += 1
    return owed


def _halfway(start: str, deadline: str) -> str:
    s, d = datetime.fromisoformat(start), datetime.fromisoformat(deadline)
    return (s + (d - s) / 2).isoformat()


class NotifierProjection(Projection):
    name = "notify"
    mechanisms = (NOTICES, CONTACTS, rules.FUND, rules.MEETINGS, rules.INSPECTIONS)

    def prefetch(self, tx: Tx, envelopes: Sequence[Envelope]) -> None:
        tx.prefetch(SUMMARIES, {str(e.aggregate_id) for e in envelopes if e.mechanism == NOTICES})
        tx.prefetch(CONTACTS, AGENCIES)  # four small documents: whom any event may reach

    def apply(self, tx: Tx, env: Envelope) -> None:
        if env.mechanism == CONTACTS:
            self._contact(tx, env)
            return
        if env.mechanism == rules.FUND:
            rules.fund_year(tx, env, owe, env.time.astimezone(UTC).isoformat())
            return
        if env.mechanism == rules.MEETINGS:
            rules.meeting(tx, env, WATCH)
            return
        if env.mechanism == rules.INSPECTIONS:
            rules.inspection(tx, env, WATCH)
            return
        key = str(env.aggregate_id)
        before = tx.get(SUMMARIES, key)
        after = fold(before, env)
        if after is None:
            return
        tx.put(SUMMARIES, key, after)
        kind = env.event_type.rsplit(".", 1)[-1]
        at = env.time.astimezone(UTC).isoformat()
        p: dict[str, Any] = env.payload
        event = f"{env.event_type}@{key}/{env.aggregate_version}"
        ver = f"{key}/{env.aggregate_version}"
        if kind in ("Filed", "Revised"):
            old = (before or {}).get("deadlines", {})
            again = [a for a in pending(after)
                     if kind == "Filed" or after["deadlines"][a] != old.get(a)]
            for agency in again:
                self._unwatch(tx, key, agency)
                facts = notice_facts(after, agency)
                owe(tx, kind="new_notice" if kind == "Filed" else "reopened", key=ver,
                    recipients=agency, duty="on_duty", about=agency, facts=facts, at=at, event=event)
                start = p["filed_at"] if kind == "Filed" else p["revised_at"]
                tx.put(WATCH, f"{key}:{agency}", {
                    "notice_id": key, "agency": agency, "round": after["round"],
                    "remind_at": _halfway(start, after["deadlines"][agency])})
        elif kind == "Acknowledged":
            self._unwatch(tx, key, p["agency"])
        elif kind == "Escalated" and p["round"] == after["round"]:
            agency = p["agency"]
            self._unwatch(tx, key, agency)
            facts = notice_facts(after, agency)
            owe(tx, kind="escalated", key=ver, recipients=agency, duty="leader", about=agency,
                facts=facts, at=at, event=event)
            owe(tx, kind="escalated", key=ver, recipients="safety", duty="on_duty", about=agency,
                facts=facts, at=at, event=event)
        elif kind in ("Closed", "Withdrawn"):
            for agency in after["required"]:
                self._unwatch(tx, key, agency)

    @staticmethod
    def _unwatch(tx: Tx, notice_id: str, agency: str) -> None:
        if tx.get(WATCH, f"{notice_id}:{agency}") is not None:
            tx.delete(WATCH, f"{notice_id}:{agency}")

    @staticmethod
    def _contact(tx: Tx, env: Envelope) -> None:
        kind = env.event_type.rsplit(".", 1)[-1]
        p: dict[str, Any] = env.payload
        if kind == "Opened":
            tx.put("books", str(env.aggregate_id), {"agency": p["agency"]})
            tx.put(CONTACTS, p["agency"], tx.get(CONTACTS, p["agency"]) or {})
            return
        book = tx.get("books", str(env.aggregate_id))
        if book is None:
            return
        contacts = tx.get(CONTACTS, book["agency"]) or {}
        if kind == "ContactSaved":
            contacts[p["contact_id"]] = {
                "id": p["contact_id"], "name": p["name"], "duty": p["duty"],
                "language": p["language"], "email": p["email"], "webhook_url": p["webhook_url"],
                "webhook_kind": p["webhook_kind"], "has_webhook_secret": p["has_webhook_secret"],
                "phone": p["phone"]}
        elif kind == "ContactRemoved":
            contacts.pop(p["contact_id"], None)
        tx.put(CONTACTS, book["agency"], contacts)


def any_due(tx: Tx, now: datetime) -> bool:
    """Whether a reminder or a due/overdue message is due by now."""
    iso = now.astimezone(UTC).isoformat()
    for _, w in tx.scan(WATCH):
        if w.get("type") == "staged":
            if iso >= w["due_soon_at"] and not (w["told"] and iso < w["overdue_at"]):
                return True
        elif datetime.fromisoformat(w["remind_at"]) <= now:
            return True
    return False


def due_reminders(tx: Tx, now: datetime) -> int:
    """Owe the half-deadline reminders that are due; each watch is used once, then dropped."""
    owed = 0
    for key, w in list(tx.scan(WATCH)):
        if w.get("type") == "staged":
            owed += rules.due_staged(tx, WATCH, key, w, now, owe)
            continue
        if datetime.fromisoformat(w["remind_at"]) > now:
            continue
        tx.delete(WATCH, key)
        summary = tx.get(SUMMARIES, w["notice_id"])
        if summary is None or w["agency"] not in pending(summary) or summary["round"] != w["round"]:
            continue
        owed += owe(tx, kind="reminder", key=f"{w['notice_id']}/r{w['round']}", recipients=w["agency"],
                    duty="on_duty", about=w["agency"], facts=notice_facts(summary, w["agency"]),
                    at=now.astimezone(UTC).isoformat(), event=f"reminder@{w['notice_id']}")
    return owed
