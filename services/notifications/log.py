"""The delivery log as users read it: no secrets, the webhook's query (a robot's key) hidden."""

from __future__ import annotations

from urllib.parse import urlsplit

from domain.vocabulary import AGENCIES
from services.notifications.owed import FAILED, OUTBOX, deliveries_of
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
            "about": d["about"], "notice_id": d["facts"].get("notice_id"),
            "meeting_id": d["facts"].get("meeting_id"),
            "inspection_id": d["facts"].get("inspection_id"),
            "recipient": d["contact"]["name"], "address": _address(d),
            "language": d["contact"].get("language", "zh-CN"), "status": d["status"],
            "attempts": d["attempts"], "answer": d["answer"], "created_at": d["created_at"],
            "last_at": d.get("last_at"), "history": d["history"]}


def deliveries(tx: Tx, agency: str | None = None, status: str | None = None) -> list[Doc]:
    """Newest first; one agency's (its recipients) or, for the auditor, every one."""
    found = [entry(d) for a in ([agency] if agency else AGENCIES)
             for _, d in tx.scan(deliveries_of(a)) if status is None or d["status"] == status]
    found.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    return found


def alerts(tx: Tx, agency: str) -> list[Doc]:
    """Queue items for the agency's deliveries that failed after their retries."""
    keys = sorted((tx.get(FAILED, agency) or {"ids": {}})["ids"])
    tx.prefetch(deliveries_of(agency), keys)
    failed = [entry(d) for k in keys if (d := tx.get(deliveries_of(agency), k)) is not None]
    return [{"kind": "delivery_failed", "deadline": None, "delivery_id": e["id"],
             "notice_id": e["notice_id"], "channel": e["channel"], "recipient": e["recipient"],
             "address": e["address"], "answer": e["answer"], "at": e["last_at"],
             "summary": f"{e['recipient']} · {e['address']} · {e['answer']}"}
            for e in failed]


def retry(tx: Tx, agency: str, delivery_id: str) -> bool:
    """Send a failed delivery again (the same message with the same id); False if none."""
    doc = tx.get(deliveries_of(agency), delivery_id)
    if doc is None or doc["status"] != "failed":
        return False
    doc.update(status="retrying", attempts=0)
    tx.put(deliveries_of(agency), delivery_id, doc)
    failed = tx.get(FAILED, agency) or {"ids": {}}
    failed["ids"].pop(delivery_id, None)
    tx.put(FAILED, agency, failed)
    tx.put(OUTBOX, delivery_id, {"next_at": "", "lease": "", "agency": agency})
    return True
