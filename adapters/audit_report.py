"""The audit report: one self-contained HTML file (inline CSS and SVG, no external assets)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from html import escape
from typing import Any

from adapters import audit_wiring
from adapters.bootstrap import Container
from domain import vocabulary
from domain.vocabulary import GRADES, bilingual
from services import audit
from services.audit_compliance import monthly_by_grade, notice_compliance, obligations
from services.ports import Doc

COLOURS = {"ordinary": "#6c9bd2", "large": "#f2b134", "major": "#e0703a", "extraordinary": "#b2182b",
           "on_time": "#4daf4a", "late": "#e41a1c", "pending": "#999999"}
DELAY_BUCKETS = ((15, "≤15 min"), (30, "≤30 min"), (60, "≤1 h"), (240, "≤4 h"), (1440, "≤24 h"),
                 (float("inf"), ">24 h"))
CSS = """body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;
font-size:13px;text-align:left}th{background:#f3f3f3}.bad{color:#b2182b;font-weight:bold}
.ok{color:#1a7f37;font-weight:bold}code{font-size:12px;word-break:break-all}"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>— 无 none —</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in r)
                   + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def bar_chart(title: str, groups: dict[str, dict[str, int]], series: tuple[str, ...]) -> str:
    """A stacked bar chart as inline SVG: one bar per group, one colour per series."""
    width, height, pad = max(320, 60 * len(groups) + 80), 220, 40
    top = max([sum(g.values()) for g in groups.values()] + [1])
    bar_w = (width - 2 * pad) / max(len(groups), 1) * 0.6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<text x="{pad}" y="14" font-size="13">{escape(title)}</text>',
             f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/>']
    for i, (label, values) in enumerate(groups.items()):
        x = pad + i * (width - 2 * pad) / len(groups) + bar_w * 0.3
        y = float(height)
        for s in series:
            h = values.get(s, 0) / top * (height - 40)
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS.get(s, "#888")}"><title>{escape(s)}: '
                             f'{values.get(s, 0)}</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{height + 14}" font-size="11">{escape(label)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" font-size="11">{sum(values.values())}</text>')
    for j, s in enumerate(series):
        parts.append(f'<rect x="{pad + j * 110}" y="{height + 24}" width="10" height="10" '
                     f'fill="{COLOURS.get(s, "#888")}"/><text x="{pad + j * 110 + 14}" '
                     f'y="{height + 33}" font-size="11">{escape(s)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def delay_histogram(acks: list[Doc]) -> dict[str, dict[str, int]]:
    buckets: dict[str, dict[str, int]] = {label: {} for _, label in DELAY_BUCKETS}
    for row in acks:
        if row["delay_minutes"] is None:
            continue
        label = next(lb for limit, lb in DELAY_BUCKETS if row["delay_minutes"] <= limit)
        state = "on_time" if row["on_time"] else "late"
        buckets[label][state] = buckets[label].get(state, 0) + 1
    return buckets


def report_data(c: Container, start: datetime | None, end: datetime) -> Doc:
    """Everything the report shows, as plain values (the tests read these too)."""
    ch = audit_wiring.chainer(c)
    ch.run_once()
    verification = audit_wiring.verify(c, extend=False)
    records = list(audit.replay(c.app, audit.Filters(start=start, end=end)))
    everything = list(audit.replay(c.app, audit.Filters(end=end)))
    comp = notice_compliance(everything, start, end)
    by_mechanism: dict[str, Counter[str]] = defaultdict(Counter)
    aggregates: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        by_mechanism[rec["mechanism"]]["events"] += 1
        aggregates[rec["mechanism"]].add(rec["aggregate_id"])
    return {
        "start": start.isoformat() if start else None, "end": end.isoformat(),
        "mechanisms": {m: {"events": n["events"], "aggregates": len(aggregates[m])}
                       for m, n in sorted(by_mechanism.items())},
        "grades": dict(Counter(n["grade"] for n in comp["filed"])),
        "monthly": monthly_by_grade(comp["filed"]),
        "compliance": comp,
        "overdue": obligations(everything, end),
        "verification": verification,
        "checkpoints": ch.stored_checkpoints()[-20:],
    }


def render(d: Doc) -> str:
    v, comp = d["verification"], d["compliance"]
    status = ('<span class="ok">完整 intact</span>' if v["ok"] else
              f'<span class="bad">已被篡改 TAMPERED: {escape(v["problem"] or "")}</span>')
    consumers = [[r["consumer"], r["positions"], "ok" if r["ok"] else "; ".join(r["problems"])]
                 for r in v["consumers"]]
    acks = [[r["notice_id"][:8], r["employer"], vocabulary.label("grade", r["grade"]), r["round"],
             r["agency"], r["deadline"], r["acknowledged_at"] or "未确认 pending",
             r["delay_minutes"], r["allowed_minutes"],
             {True: "按时 on time", False: "超时 late", None: "待确认 pending"}[r["on_time"]]]
            for r in comp["acknowledgements"]]
    sections = [
        f"<h1>工伤事故预防联动机制 审计报告<br>Linkage audit report</h1>"
        f"<p>期间 Period: {escape(d['start'] or '—')} → {escape(d['end'])}<br>"
        f"生成于 Generated: {escape(datetime.now(UTC).isoformat())}</p>",
        "<h2>验证结果 Verification</h2>"
        f"<p>哈希链 Hash chain: {status}; 已验证事件 events verified: {v['checked']}, "
        f"未覆盖 not yet covered: {v['unchained']}, 检查点 checkpoints checked: "
        f"{v['checkpoints_checked']}</p><p>链头 Chain head (event {v['head_notification_id']}): "
        f"<code>{escape(v['head'])}</code></p>",
        _table(["consumer", "positions", "consistency"], consumers),
        "<h3>导出的检查点 Exported checkpoints</h3>" + _table(
            ["notification id", "head", "at"],
            [[p["notification_id"], p["head"], p["at"]] for p in d["checkpoints"]]),
        "<h2>按机制统计 Counts by mechanism</h2>" + _table(
            ["mechanism 机制", "events 事件", "aggregates 对象"],
            [[m, n["events"], n["aggregates"]] for m, n in d["mechanisms"].items()]),
        "<h2>按等级统计 Notices by grade</h2>" + _table(
            ["grade 等级", "notices 通报"],
            [[bilingual("grade", g), d["grades"].get(g, 0)] for g in GRADES]),
        bar_chart("每月通报（按等级） Monthly notices by grade", d["monthly"], GRADES),
        "<h2>确认时限 Acknowledgement deadlines</h2>" + _table(
            ["agency 部门", "on time 按时", "late 超时", "pending 待确认"],
            [[a, c.get("on_time", 0), c.get("late", 0), c.get("pending", 0)]
             for a, c in comp["by_agency"].items()]),
        bar_chart("确认用时 Acknowledgement delays", delay_histogram(comp["acknowledgements"]),
                  ("on_time", "late")),
        _table(["notice", "employer 单位", "grade", "round", "agency", "deadline 时限",
                "acknowledged 确认", "delay (min)", "allowed (min)", "result"], acks),
        "<h2>升级督办 Escalations</h2>" + _table(
            ["notice", "employer 单位", "agency", "round", "deadline", "escalated at"],
            [[e["notice_id"][:8], e["employer"], e["agency"], e["round"], e["deadline"],
              e["escalated_at"]] for e in comp["escalations"]]),
        "<h2>补报 Revisions (late: after the first deadline)</h2>" + _table(
            ["notice", "employer 单位", "at", "days after accident", "grade", "reopened", "late",
             "reason"],
            [[r["notice_id"][:8], r["employer"], r["revised_at"], r["days_after_accident"],
              f"{r['previous_grade']} → {r['grade']}", r["reopened"], r["late"], r["reason"]]
             for r in comp["revisions"]]),
        "<h2>逾期整改与督办事项 Overdue rectifications and action items</h2>" + _table(
            ["mechanism", "aggregate", "item", "what", "due", "agency", "settled"],
            [[o["mechanism"], o["aggregate_id"][:8], o["item"], o["what"], o["due"],
              o["agency"], o["closed_at"] or "open"] for o in d["overdue"]]),
    ]
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>审计报告 Audit report</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def build_report(c: Container, start: datetime | None, end: datetime) -> str:
    return render(report_data(c, start, end))
