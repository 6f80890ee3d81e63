"""The audit report: one self-contained HTML file (inline CSS and SVG, no external assets)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from typing import Any

from adapters import audit_wiring
from adapters.bootstrap import Container
from domain.event_labels import MECHANISM_LABELS
from domain.vocabulary import AGENCIES, GRADES, bilingual
from services import audit
from services.audit_compliance import monthly_by_grade, notice_compliance, obligations
from services.ports import Doc

COLOURS = {"ordinary": "#6c9bd2", "large": "#f2b134", "major": "#e0703a", "extraordinary": "#b2182b",
           "on_time": "#4daf4a", "late": "#e41a1c", "pending": "#999999"}
DELAY_BUCKETS = ((15, "≤15 分钟 min"), (30, "≤30 分钟 min"), (60, "≤1 小时 h"), (240, "≤4 小时 h"),
                 (1440, "≤24 小时 h"), (float("inf"), ">24 小时 h"))
SERIES: dict[str, str] = {"on_time": "按时 on time", "late": "超时 late", "pending": "待确认 pending",
                          "withdrawn": "已撤回 withdrawn", **{g: bilingual("grade", g) for g in GRADES}}
YES_NO = {True: "是 yes", False: "否 no", None: "—"}
BEIJING = timezone(timedelta(hours=8), "CST")
CSS = """body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;
font-size:13px;text-align:left}th{background:#f3f3f3}.bad{color:#b2182b;font-weight:bold}
.ok{color:#1a7f37;font-weight:bold}code{font-size:12px;word-break:break-all}"""


def when(value: datetime | str | None) -> str:
    """A time as the report shows it: Beijing time, 2026年12月2日 16:05 (北京时间)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # a calendar date (a due day) shows as the date
        return f"{moment.year}年{moment.month}月{moment.day}日"
    moment = moment.astimezone(BEIJING)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def agency(value: str) -> str:
    return bilingual("agency", value) if value in AGENCIES else ("系统 system" if value == "system"
                                                                  else value)


def mechanism(value: str) -> str:
    pair = MECHANISM_LABELS.get(value)
    return f"{pair[0]} {value}" if pair else value


def consumer(name: str) -> str:
    """A read model's name: an agency's, or the API's own index."""
    return agency(name) if name in AGENCIES else name


def positions(value: dict[str, int]) -> str:
    """Where a consumer is, e.g. 通知日志 log: 30 (never a raw dictionary)."""
    if not value:
        return "—"
    return "；".join(f"{'通知日志 log' if source == 'log' else source}: {n}"
                    for source, n in sorted(value.items()))


def item(value: str) -> str:
    """An overdue obligation: 检查发现 finding 2, 督办事项 item 1.1."""
    kind = value.partition(" ")[0]
    zh = {"finding": "检查发现", "item": "督办事项"}.get(kind)
    return f"{zh} {value}" if zh else value


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>— 无 none —</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in r)
                   + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def bar_chart(title: str, groups: dict[str, dict[str, int]], series: tuple[str, ...]) -> str:
    """A stacked bar chart as inline SVG under its full title: one bar per group, one colour per
    series, each series named by its label in the legend."""
    legend_w = 130
    width = max(360, 90 * len(groups) + 80, legend_w * len(series) + 2 * 40)
    height, pad = 220, 40
    top = max([sum(g.values()) for g in groups.values()] + [1])
    bar_w = (width - 2 * pad) / max(len(groups), 1) * 0.6
    parts = [f'<figure><figcaption><strong>{escape(title)}</strong></figcaption>'
             f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/>']
    for i, (label, values) in enumerate(groups.items()):
        x = pad + i * (width - 2 * pad) / len(groups) + bar_w * 0.3
        y = float(height)
        for s in series:
            h = values.get(s, 0) / top * (height - 40)
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS.get(s, "#888")}"><title>{escape(SERIES.get(s, s))}: '
                             f'{values.get(s, 0)}</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{height + 14}" font-size="11">{escape(label)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" font-size="11">{sum(values.values())}</text>')
    for j, s in enumerate(series):
        parts.append(f'<rect x="{pad + j * legend_w}" y="{height + 24}" width="10" height="10" '
                     f'fill="{COLOURS.get(s, "#888")}"/><text x="{pad + j * legend_w + 14}" '
                     f'y="{height + 33}" font-size="11">{escape(SERIES.get(s, s))}</text>')
    parts.append("</svg></figure>")
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
    consumers = [[consumer(r["consumer"]), positions(r["positions"]),
                  "一致 ok" if r["ok"] else "; ".join(r["problems"])] for r in v["consumers"]]
    acks = [[r["notice_id"][:8], r["employer"], bilingual("grade", r["grade"]), r["round"],
             agency(r["agency"]), when(r["deadline"]),
             when(r["acknowledged_at"]) if r["acknowledged_at"] else SERIES[r["state"]],
             r["delay_minutes"], r["allowed_minutes"], SERIES[r["state"]]]
            for r in comp["acknowledgements"]]
    sections = [
        f"<h1>工伤事故预防联动机制 审计报告<br>Linkage audit report</h1>"
        f"<p>期间 Period（北京时间 Beijing time）: {escape(when(d['start']))} → "
        f"{escape(when(d['end']))}<br>"
        f"生成于 Generated: {escape(when(datetime.now(UTC)))}</p>",
        "<h2>验证结果 Verification</h2>"
        f"<p>哈希链 Hash chain: {status}; 已验证事件 events verified: {v['checked']}, "
        f"未覆盖 not yet covered: {v['unchained']}, 检查点 checkpoints checked: "
        f"{v['checkpoints_checked']}</p><p>链头 Chain head (event {v['head_notification_id']}): "
        f"<code>{escape(v['head'])}</code></p>",
        _table(["读模型 read model", "已处理位置 positions", "一致性 consistency"], consumers),
        "<h3>导出的检查点 Exported checkpoints</h3>" + _table(
            ["日志序号 notification id", "链头 head", "时间 at"],
            [[p["notification_id"], p["head"], when(p["at"])] for p in d["checkpoints"]]),
        "<h2>按机制统计 Counts by mechanism</h2>" + _table(
            ["机制 mechanism", "事件 events", "对象 aggregates"],
            [[mechanism(m), n["events"], n["aggregates"]] for m, n in d["mechanisms"].items()]),
        "<h2>按等级统计 Notices by grade</h2>" + _table(
            ["等级 grade", "通报 notices"],
            [[bilingual("grade", g), d["grades"].get(g, 0)] for g in GRADES]),
        bar_chart("每月通报（按等级） Monthly notices by grade", d["monthly"], GRADES),
        "<h2>确认时限 Acknowledgement deadlines</h2>" + _table(
            ["部门 agency", "按时 on time", "超时 late", "待确认 pending", "已撤回 withdrawn"],
            [[agency(a), c.get("on_time", 0), c.get("late", 0), c.get("pending", 0),
              c.get("withdrawn", 0)]
             for a, c in comp["by_agency"].items()]),
        bar_chart("确认用时（按时与超时） Acknowledgement delays, on time and late",
                  delay_histogram(comp["acknowledgements"]), ("on_time", "late")),
        _table(["通报 notice", "单位 employer", "等级 grade", "轮次 round", "部门 agency",
                "时限 deadline", "确认 acknowledged", "用时（分钟） delay (min)",
                "允许（分钟） allowed (min)", "结果 result"], acks),
        "<h2>升级督办 Escalations</h2>" + _table(
            ["通报 notice", "单位 employer", "部门 agency", "轮次 round", "时限 deadline",
             "督办时间 escalated at"],
            [[e["notice_id"][:8], e["employer"], agency(e["agency"]), e["round"],
              when(e["deadline"]), when(e["escalated_at"])] for e in comp["escalations"]]),
        "<h2>补报 Revisions（迟报：晚于首个时限 late: after the first deadline）</h2>" + _table(
            ["通报 notice", "单位 employer", "补报时间 at", "距事故天数 days after accident",
             "等级 grade", "重新确认 reopened", "迟报 late", "原因 reason"],
            [[r["notice_id"][:8], r["employer"], when(r["revised_at"]), r["days_after_accident"],
              f"{bilingual('grade', r['previous_grade'])} → {bilingual('grade', r['grade'])}",
              YES_NO[r["reopened"]], YES_NO[r["late"]], r["reason"]]
             for r in comp["revisions"]]),
        "<h2>逾期整改与督办事项 Overdue rectifications and action items</h2>" + _table(
            ["机制 mechanism", "对象 aggregate", "事项 item", "内容 what", "到期 due",
             "部门 agency", "办结 settled"],
            [[mechanism(o["mechanism"]), o["aggregate_id"][:8], item(o["item"]), o["what"],
              when(o["due"]), agency(o["agency"]),
              when(o["closed_at"]) if o["closed_at"] else "未办结 open"] for o in d["overdue"]]),
    ]
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>审计报告 Audit report</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def build_report(c: Container, start: datetime | None, end: datetime) -> str:
    return render(report_data(c, start, end))
