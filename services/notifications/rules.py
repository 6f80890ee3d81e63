"""The notifier's rules beyond accident notices: a fund year's approvals reaching 80% and 100%
of its cap (→ finance and hrss), a meeting action item due in 3 days or overdue (→ the assigned
agency), a rectification deadline in 3 days or missed (→ the on-duty contacts of the booked
inspectors' agencies; contacts are per agency, and the message names the inspectors). Each is
owed once, under a stable message id."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from services.envelope import Envelope
from services.ports import Doc, Tx

CST = timezone(timedelta(hours=8))
THRESHOLDS = (80, 100)
DUE_SOON = timedelta(days=3)
FUND, MEETINGS, INSPECTIONS = "prevention-fund", "joint-meetings", "joint-inspections"


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


def _watch(tx: Tx, watch: str, key: str, kinds: tuple[str, str], recipients: list[str],
           due_soon_at: str, overdue_at: str, facts: Doc, source: str) -> None:
    tx.put(watch, key, {"type": "staged", "kinds": list(kinds), "recipients": recipients,
                        "due_soon_at": due_soon_at, "overdue_at": overdue_at, "facts": facts,
                        "source": source, "told": []})


def _unwatch(tx: Tx, watch: str, key: str) -> None:
    if tx.get(watch, key) is not None:
        tx.delete(watch, key)


def meeting(tx: Tx, env: Envelope, watch: str) -> None:
    key, p = str(env.aggregate_id), env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Convened":
        tx.put("meetings", key, {"title": p["title"], "held_on": p["held_on"]})
    elif kind == "ResolutionAdopted":
        m = tx.get("meetings", key) or {"title": "", "held_on": ""}
        for item in p["action_items"]:
            facts = {"meeting_id": key, "meeting_title": m["title"], "held_on": m["held_on"],
                     "resolution_no": p["resolution_no"], "resolution": p["text"],
                     "item_no": item["no"], "description": item.get("description", ""),
                     "due_on": item["due_on"]}
            _watch(tx, watch, f"item:{key}:{p['resolution_no']}:{item['no']}",
                   ("action_item_due", "action_item_overdue"), [item["agency"]],
                   _local_midnight(item["due_on"], -DUE_SOON),
                   _local_midnight(item["due_on"], timedelta(days=1)), facts, key)
    elif kind == "ActionItemDone":
        _unwatch(tx, watch, f"item:{key}:{p['resolution_no']}:{p['item_no']}")


def inspection(tx: Tx, env: Envelope, watch: str) -> None:
    """A rectification deadline: the booked inspectors' agencies, 3 days before and when missed."""
    if not env.event_type.startswith("JointInspection."):
        return
    key, p = str(env.aggregate_id), env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Scheduled":
        targets = {t.get("credit_code", ""): t.get("name", "") for t in p["targets"]}
        tx.put("inspections", key, {"theme": p["theme"], "inspectors": p["inspectors"],
                                    "targets": targets, "findings": {}})
        return
    doc = tx.get("inspections", key)
    if doc is None:
        return
    if kind == "FindingRecorded":
        doc["findings"][str(p["finding_no"])] = {"hazard": p["hazard"],
                                                 "employer": p["employer_credit_code"]}
        tx.put("inspections", key, doc)
    elif kind == "RectificationOrdered":
        f = doc["findings"].get(str(p["finding_no"]), {"hazard": "", "employer": ""})
        deadline = datetime.fromisoformat(str(p["deadline"])).astimezone(UTC)
        facts = {"inspection_id": key, "theme": doc["theme"], "finding_no": p["finding_no"],
                 "hazard": f["hazard"], "employer": doc["targets"].get(f["employer"]) or f["employer"],
                 "deadline": deadline.isoformat(),
                 "inspectors": "、".join(i.get("name", i["id"]) for i in doc["inspectors"])}
        agencies = sorted({i["agency"] for i in doc["inspectors"]})
        _watch(tx, watch, f"rect:{key}:{p['finding_no']}", ("rectification_due", "rectification_missed"),
               agencies, (deadline - DUE_SOON).isoformat(), deadline.isoformat(), facts, key)
    elif kind == "Reinspected" and p["rectified"]:
        _unwatch(tx, watch, f"rect:{key}:{p['finding_no']}")
    elif kind in ("Completed", "Cancelled"):
        for no in doc["findings"]:
            _unwatch(tx, watch, f"rect:{key}:{no}")


def due_staged(tx: Tx, watch: str, key: str, w: Doc, now: datetime, owe: Any) -> int:
    """Owe a watch's due-soon, then its overdue message, each once; the watch ends with the
    second (one already overdue when first seen gets only that one)."""
    iso = now.astimezone(UTC).isoformat()
    due_kind, overdue_kind = w["kinds"]
    stage = (overdue_kind if iso >= w["overdue_at"] else due_kind if iso >= w["due_soon_at"] else None)
    if stage is None or stage in w["told"]:
        return 0
    owed = 0
    for agency in w["recipients"]:
        owed += int(owe(tx, kind=stage, key=key, recipients=agency, duty="on_duty", about=agency,
                        facts=w["facts"], at=iso, event=f"{stage}@{w['source']}"))
    if stage == overdue_kind:
        tx.delete(watch, key)
    else:
        tx.put(watch, key, {**w, "told": [stage]})
    return owed
