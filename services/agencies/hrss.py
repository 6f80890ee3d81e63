"""人社局: acknowledgement queue, case statistics, floating-rate proposals, meeting action items.

Table `cases`: one row per counted notice (withdrawn notices are not cases), with the figures
as last revised, dated by the accident's own `occurred_at` (its calendar month in Beijing,
whatever offset the filer wrote it with) — never
by a clock, so a rebuild equals the live model. Statistics and rate proposals are summed from
it at query time; the rate rule itself is `domain.floating_rate.propose_rate`. Table
`action_items`: the joint meetings' action items with their due dates; whether one is overdue
is judged at query time against the caller's today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.common import beijing_month
from domain.floating_rate import propose_rate
from domain.messages import DEFAULT
from services.agencies.meetings import MEETINGS, apply_meeting
from services.envelope import Envelope, jsonable_dict
from services.ports import Doc, Tx
from services.projections import NOTICES, AgencyProjection

CASES = "cases"
ITEMS = "action_items"
DIMENSIONS = ("employer", "industry", "district")


class HrssProjection(AgencyProjection):
    mechanisms = (NOTICES, MEETINGS)

    def __init__(self) -> None:
        super().__init__("hrss")

    def apply(self, tx: Tx, env: Envelope) -> None:
        super().apply(tx, env)
        if env.mechanism == MEETINGS:
            apply_meeting(tx, env, self.agency)
        if env.mechanism != MEETINGS:
            return
        mid, p = str(env.aggregate_id), env.payload
        kind = env.event_type.rsplit(".", 1)[-1]
        if kind == "Convened":
            tx.put("meetings", mid, {"title": p["title"], "held_on": p["held_on"]})
        elif kind == "ResolutionAdopted":
            meeting = tx.get("meetings", mid) or {}
            for item in p["action_items"]:
                tx.put(ITEMS, f"{mid}:{p['resolution_no']}:{item['no']}", {
                    "meeting_id": mid, "meeting_title": meeting.get("title"),
                    "resolution_no": p["resolution_no"], "item_no": item["no"],
                    "agency": item["agency"], "due_on": item["due_on"],
                    "description": item["description"], "done": None})
        elif kind == "ActionItemDone":
            key = f"{mid}:{p['resolution_no']}:{p['item_no']}"
            doc = tx.get(ITEMS, key)
            if doc is not None:
                doc["done"] = {"at": p["done_at"], "note": p["note"], "by": env.actor.model_dump()}
                tx.put(ITEMS, key, doc)

    def notice_changed(self, tx: Tx, env: Envelope, before: Doc | None, after: Doc) -> None:
        super().notice_changed(tx, env, before, after)
        if after["status"] == "withdrawn":
            tx.delete(CASES, after["id"])
            return
        e = after["employer"]
        tx.put(CASES, after["id"], {
            "month": beijing_month(after["occurred_at"]), "employer": e["credit_code"],
            "employer_name": e["name"], "industry": e["industry"], "risk_class": e["risk_class"],
            "district": after["district"], "deaths": after["deaths"],
            "serious_injuries": after["serious_injuries"], "occurred_at": after["occurred_at"]})


def change_pct(now: int, before: int) -> str | None:
    """Year-on-year change of the case count in %, one decimal (None without a base)."""
    if before == 0:
        return None
    return str((Decimal(now - before) * 100 / before).quantize(Decimal("0.1")))


def _row(key: str, cases: list[Doc], previous: list[Doc]) -> Doc:
    return {"key": key, "cases": len(cases), "previous_year_cases": len(previous),
            "change_pct": change_pct(len(cases), len(previous)),
            "deaths": sum(c["deaths"] for c in cases),
            "serious_injuries": sum(c["serious_injuries"] for c in cases)}


def _group(rows: Iterable[Doc], key: str) -> dict[str, list[Doc]]:
    out: dict[str, list[Doc]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def all_cases(tx: Tx) -> list[Doc]:
    return [doc for _, doc in tx.scan(CASES)]


def statistics(cases: list[Doc], year: int | None = None) -> Doc:
    """Cases of `year` (default: the latest year with a case) against the year before."""
    years = sorted({int(c["month"][:4]) for c in cases})
    year = year or (years[-1] if years else None)
    if year is None:
        return {"year": None, "total": _row("total", [], []), "by_month": [], "by_employer": [],
                "by_industry": [], "by_district": []}
    this = [c for c in cases if c["month"].startswith(f"{year}-")]
    last = [c for c in cases if c["month"].startswith(f"{year - 1}-")]
    out: Doc = {"year": year, "total": _row("total", this, last)}
    now_m, last_m = _group(this, "month"), _group(last, "month")
    out["by_month"] = [
        {**_row(f"{year}-{m:02d}", now_m.get(f"{year}-{m:02d}", []),
                last_m.get(f"{year - 1}-{m:02d}", [])), "month": f"{year}-{m:02d}"}
        for m in range(1, 13)]
    for dim in DIMENSIONS:
        a, b = _group(this, dim), _group(last, dim)
        rows = [_row(k, a.get(k, []), b.get(k, [])) for k in sorted(set(a) | set(b))]
        if dim == "employer":
            names = {c["employer"]: c["employer_name"] for c in sorted(
                this + last, key=lambda c: datetime.fromisoformat(c["occurred_at"]))}
            for r in rows:
                r["employer_name"] = names[r["key"]]
        rows.sort(key=lambda r: (-r["cases"], r["key"]))
        out[f"by_{dim}"] = rows
    return out


def rate_proposals(cases: list[Doc], rate_year: int | None = None, lang: str = DEFAULT) -> Doc:
    """The floating-rate proposal of every known employer for `rate_year`, its reasons worded
    in `lang` (and by their stable codes, for machines).

    Default rate year: the year after the latest case. An employer is known from its first
    notice; its record is the year before the rate year (and, for the second step down, the
    run of clean years since its latest notice).
    """
    years = sorted({int(c["month"][:4]) for c in cases})
    rate_year = rate_year or (years[-1] + 1 if years else None)
    if rate_year is None:
        return {"rate_year": None, "record_year": None, "proposals": []}
    record_year = rate_year - 1
    proposals: list[dict[str, Any]] = []
    for code, rows in sorted(_group(cases, "employer").items()):
        rows.sort(key=lambda c: datetime.fromisoformat(c["occurred_at"]))  # offsets differ
        before = [c for c in rows if int(c["month"][:4]) <= record_year]
        if not before:
            continue  # not known yet in the record year
        latest = before[-1]
        in_year = [c for c in before if int(c["month"][:4]) == record_year]
        last_year_with_notice = int(before[-1]["month"][:4])
        clean = record_year - last_year_with_notice
        deaths = sum(c["deaths"] for c in in_year)
        p = propose_rate(latest["risk_class"], len(in_year), deaths, clean)
        proposals.append(jsonable_dict({
            "employer": code, "employer_name": latest["employer_name"],
            "industry": latest["industry"], "risk_class": p.risk_class,
            "notices": len(in_year), "deaths": deaths, "clean_years": clean,
            "base_rate_pct": p.base_rate_pct, "factor": p.factor, "rate_pct": p.rate_pct,
            "reasons": [r.text(lang) for r in p.reasons],
            "reason_codes": [r.code for r in p.reasons]}))
    return {"rate_year": rate_year, "record_year": record_year, "proposals": proposals}


def action_items(tx: Tx, today: str, overdue_only: bool = False) -> list[Doc]:
    """Meeting action items; `overdue` is judged against `today` (ISO date) at query time."""
    rows = [{**d, "overdue": d["done"] is None and d["due_on"] < today} for _, d in tx.scan(ITEMS)]
    if overdue_only:
        rows = [r for r in rows if r["overdue"]]
    rows.sort(key=lambda r: (r["due_on"], r["meeting_id"], r["resolution_no"], r["item_no"]))
    return rows
