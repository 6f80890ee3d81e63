"""How the auditor's pages show the history: labels for events, fields and values, times in Beijing
time, and an aggregate's timeline entries ready for the template (who, when, what changed)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from adapters.web import catalogue_audit, i18n
from domain.event_labels import (
    AGGREGATE_LABELS,
    EVENT_LABELS,
    FIELD_LABELS,
    MECHANISM_LABELS,
    event_label,
    pair_label,
    value_label,
)
from domain.vocabulary import LABELS, label
from services.ports import Doc

MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MESSAGES = catalogue_audit.__name__  # the messages used here are registered on import
MAX_ITEMS = 20
YES_NO = {"zh-CN": ("是", "否"), "en": ("yes", "no")}
# (list separator, separator of list of records, opening, closing, between pairs, key-value)
PUNCT = {"zh-CN": ("、", "；", "（", "）", "，", "："), "en": (", ", "; ", "(", ")", ", ", ": ")}


def field_label(field: str, lang: str) -> str:
    if field in FIELD_LABELS:
        return pair_label(FIELD_LABELS, field, lang)
    if field in LABELS["agency"]:
        return label("agency", field, lang)
    return field


def show(lang: str, aggregate_type: str, field: str, value: Any) -> str:
    """A value as a reader understands it: labels for vocabulary values, Beijing times, yes/no."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return YES_NO[lang][0 if value else 1]
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if MOMENT.match(value):
            return i18n.format_datetime(lang, value)
        if DAY.match(value):
            return i18n.format_date(lang, value)
        return value_label(aggregate_type, field, value, lang)
    items, records, opening, closing, between, pair = PUNCT["en" if lang == "en" else "zh-CN"]
    if isinstance(value, list):
        parts = [show(lang, aggregate_type, field, v) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:  # a register of thousands: the rest is in the raw event
            parts.append(i18n.translate(lang, "and_more", n=len(value) - MAX_ITEMS))
        return (records if any(isinstance(v, (dict, list)) for v in value) else items).join(parts)
    if isinstance(value, dict):
        return opening + between.join(f"{field_label(k, lang)}{pair}{show(lang, aggregate_type, k, v)}"
                                      for k, v in value.items()) + closing
    return str(value)


def entries(lang: str, aggregate_type: str, events: list[Doc],
            role_of: Callable[[str, datetime], str | None]) -> list[Doc]:
    """Timeline entries for the template: labelled event, who (name, agency, role), changes."""
    out = []
    for e in events:
        role = role_of(e["actor"]["id"], datetime.fromisoformat(e["time"]))
        out.append({
            **e,
            "label": event_label(e["event_type"], lang),
            "agency_label": agency_label(e["agency"], lang),
            "role_label": role_label(role, lang) if role else None,
            "diffs": [change(lang, aggregate_type, c) for c in e.get("changes", [])],
            "raw": json.dumps({k: v for k, v in e.items() if k != "changes"},
                              ensure_ascii=False, indent=1),
        })
    return out


def change(lang: str, aggregate_type: str, c: Doc) -> Doc:
    """One changed field: its label, the value before and after (a list that grew: its length
    before and the items added)."""
    field = c["field"]
    if "added" in c and c["before"]:
        before = i18n.translate(lang, "n_items", n=len(c["before"]))
        after = "＋ " + show(lang, aggregate_type, field, c["added"])
    else:
        before = show(lang, aggregate_type, field, c["before"])
        after = show(lang, aggregate_type, field, c["after"])
    return {"field": field, "label": field_label(field, lang), "before": before, "after": after}


def agency_label(agency: str, lang: str) -> str:
    return i18n.translate(lang, agency)  # agencies and "system" are in the catalogue


def role_label(role: str, lang: str) -> str:
    return i18n.translate(lang, "system") if role == "system" else label("role", role, lang)


def type_options(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The event types for a select, grouped by aggregate: (group label, [(value, label)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for event_type in EVENT_LABELS:
        groups.setdefault(event_type.partition(".")[0], []).append(
            (event_type, event_label(event_type, lang)))
    return [(pair_label(AGGREGATE_LABELS, agg, lang), opts) for agg, opts in groups.items()]


def mechanism_options(lang: str) -> list[tuple[str, str]]:
    return [(m, pair_label(MECHANISM_LABELS, m, lang)) for m in MECHANISM_LABELS]


def aggregate_options(lang: str) -> list[tuple[str, str]]:
    return [(a, pair_label(AGGREGATE_LABELS, a, lang)) for a in AGGREGATE_LABELS]
