"""A notice's summary folded from its envelopes: what read models keep of a notice."""

from __future__ import annotations

from typing import Any

from domain.notice_rules import pending_agencies
from services.envelope import Envelope
from services.ports import Doc


def fold(summary: Doc | None, env: Envelope) -> Doc | None:
    """The summary after `env`; None for events of a notice we never saw filed."""
    p: dict[str, Any] = env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Filed":
        return {
            "id": str(env.aggregate_id),
            "employer": {"name": p["employer_name"], "credit_code": p["employer_credit_code"],
                         "industry": p["industry"], "risk_class": p["risk_class"]},
            "district": p["district"], "cause": p["cause"], "summary": p["summary"],
            "location": p["location"], "occurred_at": p["occurred_at"],
            "filed_at": p["filed_at"], "filed_by": env.actor.model_dump(),
            "deaths": p["deaths"], "serious_injuries": p["serious_injuries"],
            "missing": p["missing"], "direct_loss_cny": p["direct_loss_cny"],
            "grade": p["grade"], "required": list(p["required_agencies"]),
            "deadlines": dict(p["deadlines"]), "round": 1, "acks": {}, "escalated": [],
            "status": "open", "version": env.aggregate_version,
            "events": 1,  # events folded: equals the version unless one was applied twice
        }
    if summary is None:
        return None
    s = dict(summary)
    s["version"] = env.aggregate_version
    s["events"] = s.get("events", 0) + 1
    if kind == "Acknowledged":
        if p["round"] == s["round"]:
            s["acks"] = {**s["acks"], p["agency"]: p["acknowledged_at"]}
    elif kind == "Revised":
        for name in ("deaths", "serious_injuries", "missing", "direct_loss_cny", "grade"):
            s[name] = p[name]
        s["required"] = list(p["required_agencies"])
        s["deadlines"] = dict(p["deadlines"])
        if p["reopened"]:  # the aggregate decided it by domain.notice_rules.reopens
            s["round"] += 1
            s["acks"] = {}
            s["escalated"] = []
    elif kind == "Escalated":
        if p["round"] == s["round"]:
            s["escalated"] = [*s["escalated"], p["agency"]]
    elif kind == "Closed":
        s["status"] = "closed"
    elif kind == "Withdrawn":
        s["status"] = "withdrawn"
    return s


def pending(summary: Doc) -> list[str]:
    """`acks` holds the current round's acknowledgements only (reset when a round opens)."""
    return pending_agencies(summary["status"], summary["required"], summary["acks"])
