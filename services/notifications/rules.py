"""The notifier's rules beyond accident notices: a fund year's approvals reaching 80% and 100%
of its cap (→ finance and hrss), and a meeting action item due in 3 days or overdue (→ the
assigned agency). Each is owed once, under a stable message id."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from services.envelope import Envelope
from services.ports import Doc, Tx

CST = timezone(timedelta(hours=8))
THRESHOLDS = (80, 100)
DUE_SOON = timedelta(days=3)
FUND, MEETINGS = "prevention-fund", "joint-meetings"


def _local_midnight(day: str, plus: timedelta) -> str:
    d = date.fromisoformat(day) + plus
    return datetime.combine(d, time(0), CST).astimezone(UTC).isoformat()


def fund_year(tx: Tx, env: Envelope, owe: Any, at: str) -> None:
    if not env.event_type.startswith("FundYear."):
        return
    key, p = str(env.aggregate_id), env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Opened":
        tx.put("fund_years", key, {"year": p["year"], "cap": str(p["cap_cny"]), "approved": "0",
                                   "told": []})
        return
    doc = tx.get("fund_years", key)
    if doc is None:
        return
    if kind == "RatioRaised":
        doc["cap"] = str(p["cap_cny"])
    elif kind == "Allocated":
        doc["approved"] = str(p["approved_total_cny"])
    cap, approved = Decimal(doc["cap"]), Decimal(doc["approved"])
    for pct in THRESHOLDS:
        if cap > 0 and approved * 100 >= cap * pct and pct not in doc["told"]:
            doc["told"].append(pct)
            facts = {"fund_year_id": key, "year": doc["year"], "pct": pct, "cap_cny": f"{cap:,.2f}",
                     "approved_total_cny": f"{approved:,.2f}"}
            for agency in ("finance", "hrss"):
                owe(tx, kind="fund_cap", key=f"fund-year/{key}/{pct}", recipients=agency,
                    duty="on_duty", about=agency, facts=facts, at=at,
                    event=f"{env.event_type}@{key}/{env.aggregate_version}")
    tx.put("fund_years", key, doc)


def meeting(tx: Tx, env: Envelope, watch: str) -> None:
    key, p = str(env.aggregate_id), env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Convened":
        tx.put("meetings", key, {"title": p["title"], "held_on": p["held_on"]})
    elif kind == "ResolutionAdopted":
        m = tx.get("meetings", key) or {"title": "", "held_on": ""}
        for item in p["action_items"]:
            tx.put(watch, f"item:{key}:{p['resolution_no']}:{item['no']}", {
                "type": "action_item", "meeting_id": key, "meeting_title": m["title"],
                "held_on": m["held_on"], "resolution_no": p["resolution_no"],
                "resolution": p["text"], "item_no": item["no"], "agency": item["agency"],
                "description": item.get("description", ""), "due_on": item["due_on"],
                "due_soon_at": _local_midnight(item["due_on"], -DUE_SOON),
                "overdue_at": _local_midnight(item["due_on"], timedelta(days=1)), "told": []})
    elif kind == "ActionItemDone":
        k = f"item:{key}:{p['resolution_no']}:{p['item_no']}"
        if tx.get(watch, k) is not None:
            tx.delete(watch, k)


def due_action_item(tx: Tx, watch: str, key: str, w: Doc, now: datetime, owe: Any) -> int:
    """Owe an item's due-soon, then its overdue message, each once; the watch ends with the
    second (an item already overdue when first seen gets only that one)."""
    iso = now.astimezone(UTC).isoformat()
    stage = ("action_item_overdue" if iso >= w["overdue_at"]
             else "action_item_due" if iso >= w["due_soon_at"] else None)
    if stage is None or stage in w["told"]:
        return 0
    facts = {k: w[k] for k in ("meeting_id", "meeting_title", "held_on", "resolution_no",
                               "resolution", "item_no", "description", "due_on")}
    owed = int(owe(tx, kind=stage, key=key, recipients=w["agency"], duty="on_duty",
                   about=w["agency"], facts=facts, at=iso, event=f"{stage}@{w['meeting_id']}"))
    if stage == "action_item_overdue":
        tx.delete(watch, key)
    else:
        tx.put(watch, key, {**w, "told": [stage]})
    return owed
