"""What a delivery says, in the contact's language (zh-CN or English): subject, plain text,
HTML and markdown (the work-chat robots' format). Free text (employer, summary) is as filed."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from domain.vocabulary import label
from services.ports import Doc

CST = timezone(timedelta(hours=8))

TITLES = {
    "new_notice": ("【工伤事故通报】{agency}请确认", "[Accident notice] {agency}: please acknowledge"),
    "reopened": ("【补报·需重新确认】{agency}请确认", "[Revised notice] {agency}: please acknowledge again"),
    "reminder": ("【催办】{agency}尚未确认通报，已过时限一半",
                 "[Reminder] {agency} has not acknowledged; half of the time is gone"),
    "escalated": ("【升级】{agency}未在时限内确认通报",
                  "[Escalation] {agency} missed the acknowledgement deadline"),
}
FIELDS = {
    "zh-CN": ("事故等级", "用人单位", "所在区", "伤亡", "确认时限", "事故简况", "确认链接",
              "死亡 {d} 人，重伤 {s} 人，失踪 {m} 人"),
    "en": ("Grade", "Employer", "District", "Casualties", "Deadline", "Summary", "Acknowledge",
           "{d} dead, {s} seriously injured, {m} missing"),
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    markdown: str
    short: str  # SMS: one line


def _when(value: str | None, lang: str) -> str:
    if not value:
        return "—"
    local = datetime.fromisoformat(value).astimezone(CST).strftime("%Y-%m-%d %H:%M")
    return f"{local}（北京时间）" if lang == "zh-CN" else f"{local} (UTC+8)"


def _notice_rows(kind: str, f: Doc, about: str, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    names = FIELDS[lang]
    subject = TITLES[kind][1 if lang == "en" else 0].format(agency=about)
    rows = [
        (names[0], label("grade", f["grade"], lang)),
        (names[1], f["employer"]),
        (names[2], f["district"]),
        (names[3], names[7].format(d=f["deaths"], s=f["serious_injuries"], m=f["missing"])),
        (names[4], _when(f.get("deadline"), lang)),
        (names[5], f"{label('cause', f['cause'], lang)} — {f['summary']}"),
    ]
    sep = "：" if lang == "zh-CN" else ": "
    short = (f"{subject} {f['employer']} {label('grade', f['grade'], lang)} "
             f"{names[4]}{sep}{_when(f.get('deadline'), lang)}")
    return subject, rows, short


OTHER = {  # kind: (zh-CN subject, English subject); rows from the facts below
    "fund_cap": ("【预防费用】{year}年度已批准项目达到上限的{pct}%",
                 "[Prevention fund] approvals for {year} reached {pct}% of the cap"),
    "action_item_due": ("【会议事项】{agency}的待办事项将于{due_on}到期",
                        "[Meeting action item] {agency}: due on {due_on}"),
    "action_item_overdue": ("【会议事项逾期】{agency}的待办事项已于{due_on}到期",
                            "[Meeting action item overdue] {agency}: was due on {due_on}"),
    "rectification_due": ("【整改期限】{employer}的隐患整改将于三日内到期",
                          "[Rectification] {employer}: the deadline is in 3 days"),
    "rectification_missed": ("【整改逾期】{employer}的隐患整改已过期限",
                             "[Rectification missed] {employer}: the deadline has passed"),
}
OTHER_FIELDS = {
    "zh-CN": {"cap_cny": "年度上限", "approved_total_cny": "已批准合计", "meeting": "联席会议",
              "resolution": "决议", "description": "事项", "due_on": "完成期限",
              "theme": "检查主题", "hazard": "隐患", "deadline": "整改期限", "inspectors": "检查人员"},
    "en": {"cap_cny": "Cap", "approved_total_cny": "Approved so far", "meeting": "Joint meeting",
           "resolution": "Resolution", "description": "Action item", "due_on": "Due on",
           "theme": "Inspection", "hazard": "Hazard", "deadline": "Deadline", "inspectors": "Inspectors"},
}


def _other_rows(kind: str, f: Doc, about: str, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    subject = OTHER[kind][1 if lang == "en" else 0].format(agency=about, **f)
    names = OTHER_FIELDS[lang]
    if kind == "fund_cap":
        rows = [(names["cap_cny"], f"¥{f['cap_cny']}"),
                (names["approved_total_cny"], f"¥{f['approved_total_cny']}")]
    elif kind.startswith("rectification"):
        rows = [(names["theme"], f["theme"]), (names["hazard"], f"{f['finding_no']}. {f['hazard']}"),
                (names["deadline"], _when(f["deadline"], lang)), (names["inspectors"], f["inspectors"])]
    else:
        rows = [(names["meeting"], f"{f['meeting_title']}（{f['held_on']}）"),
                (names["resolution"], f"{f['resolution_no']}. {f['resolution']}"),
                (names["description"], f["description"]), (names["due_on"], f["due_on"])]
    return subject, rows, subject


def render(delivery: Doc, link: str | None) -> Message:
    lang = "en" if delivery["contact"].get("language") == "en" else "zh-CN"
    kind, f = delivery["kind"], delivery["facts"]
    about = label("agency", delivery["about"], lang)
    build = _notice_rows if kind in TITLES else _other_rows
    subject, rows, short = build(kind, f, about, lang)
    link_name = FIELDS[lang][6]
    if link:
        rows.append((link_name, link))
    sep = "：" if lang == "zh-CN" else ": "
    text = subject + "\n\n" + "\n".join(f"{k}{sep}{v}" for k, v in rows) + "\n"
    cells = "".join(
        f"<tr><th align=left>{html.escape(k)}</th><td>"
        + (f'<a href="{html.escape(v)}">{html.escape(v)}</a>' if k == link_name else html.escape(str(v)))
        + "</td></tr>" for k, v in rows)
    body = (f'<html lang="{lang}"><body><h2>{html.escape(subject)}</h2>'
            f"<table>{cells}</table></body></html>")
    md_rows = [f"> **{k}**{sep}{v}" if k != link_name else f"> [{k}]({v})" for k, v in rows]
    markdown = f"### {subject}\n" + "\n".join(md_rows)
    return Message(subject, text, body, markdown, short)
