"""The delivery log as users read it: no secrets, the webhook's query (a robot's key) hidden."""

from __future__ import annotations

from urllib.parse import urlsplit

from services.notifications.owed import DELIVERIES
from services.ports import Doc, Tx


def _address(d: Doc) -> str:
    c = d["contact"]
    if d["channel"] == "email":
        return str(c["email"])
    if d["channel"] == "sms":
        return str(c["phone"])
    u = urlsplit(c["webhook_url"])
    return f"{c.get('webhook_kind') or 'generic'} {u.scheme}://{u.netloc}{u.path}"


def entry(d: Doc) -> Doc:
    return {"id": d["id"], "kind": d["kind"], "channel": d["channel"], "agency": d["agency"],
            "about": d["about"], "notice_id": d["facts"]["notice_id"],
            "recipient": d["contact"]["name"], "address": _address(d),
            "language": d["contact"].get("language", "zh-CN"), "status": d["status"],
            "attempts": d["attempts"], "answer": d["answer"], "created_at": d["created_at"],
            "last_at": d.get("last_at"), "history": d["history"]}


def deliveries(tx: Tx, agency: str | None = None, status: str | None = None) -> list[Doc]:
    """Newest first; one agency's (its recipients) or, for the auditor, every one."""
    found = [entry(d) for _, d in tx.scan(DELIVERIES)
             if (agency is None or d["agency"] == agency) and (status is None or d["status"] == status)]
    found.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    return found


def alerts(tx: Tx, agency: str) -> list[Doc]:
    """Queue items for the agency's deliveries that failed after their retries."""
    return [{"kind": "delivery_failed", "deadline": None, "delivery_id": e["id"],
             "notice_id": e["notice_id"], "channel": e["channel"], "recipient": e["recipient"],
             "address": e["address"], "answer": e["answer"], "at": e["last_at"],
             "summary": f"{e['recipient']} · {e['address']} · {e['answer']}"}
            for e in deliveries(tx, agency, "failed")]
