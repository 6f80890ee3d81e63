"""The UI's message catalogue: 简体中文 (default) and English; dates follow the language.

Free text (names, summaries, reasons) is never translated: it shows as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.vocabulary import LABELS, label

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"
# The city's agencies work in Beijing time; every time on a page is shown in it.
TZ = timezone(timedelta(hours=8), "CST")

CATALOGUE: dict[str, tuple[str, str]] = {
    "app": ("工伤事故预防联动", "Work-accident prevention linkage"),
    "skip": ("跳到正文", "Skip to content"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "token_help": ("请输入管理员为您生成的令牌（lk_ 开头）。",
                   "Enter the token your administrator created for you (starts with lk_)."),
    "bad_token": ("令牌无效，请检查后重试。", "That token is not valid; please check it and try again."),
    "signed_out": ("您已退出。", "You have signed out."),
    "throttled": ("登录失败次数过多，请稍后再试。",
                  "Too many failed sign-ins from this address; please try again later."),
    "language": ("语言", "Language"),
    "nav": ("主导航", "Main navigation"),
    "queue": ("待办队列", "Queue"),
    "queue_title": ("{agency}待确认的事故通报", "Notices awaiting {agency}'s acknowledgement"),
    "queue_empty": ("没有待确认的通报。", "Nothing awaits acknowledgement."),
    "file_notice": ("填报事故通报", "File a notice"),
    "notices": ("事故通报", "Notices"),
    "notice": ("事故通报", "Accident notice"),
    "all_notices": ("全部事故通报", "All accident notices"),
    "no_notices": ("暂无通报。", "No notices yet."),
    "acknowledge": ("确认收到", "Acknowledge"),
    "acknowledged": ("已确认", "Acknowledged"),
    "ack_done": ("已确认收到该通报。", "The notice is acknowledged."),
    "filed_done": ("通报已提交。", "The notice is filed."),
    "pending": ("待确认", "Pending"),
    "overdue": ("已逾期", "Overdue"),
    "escalated": ("已督办", "Escalated"),
    "late": ("逾期确认", "late"),
    "deadline": ("确认时限", "Deadline"),
    "time_left": ("剩余时间", "Time left"),
    "left_fmt": ("剩余 {t}", "{t} left"),
    "over_fmt": ("已逾期 {t}", "overdue by {t}"),
    "day_unit": ("天", "d"),
    "employer": ("用人单位", "Employer"),
    "employer.name": ("单位名称", "Employer name"),
    "employer.credit_code": ("统一社会信用代码", "Unified social credit code"),
    "employer.industry": ("行业", "Industry"),
    "employer.risk_class": ("行业风险类别", "Industry risk class"),
    "district": ("区县", "District"),
    "occurred_at": ("发生时间（北京时间）", "Occurred at (Beijing time)"),
    "location": ("发生地点", "Location"),
    "summary": ("事故经过", "What happened"),
    "cause": ("事故类别", "Cause"),
    "deaths": ("死亡人数", "Deaths"),
    "serious_injuries": ("重伤人数（含急性工业中毒）", "Serious injuries (incl. acute poisoning)"),
    "missing": ("失踪人数", "Missing"),
    "direct_loss_cny": ("直接经济损失（元）", "Direct economic loss (CNY)"),
    "measures_taken": ("已采取措施", "Measures taken"),
    "incident": ("事故情况", "The accident"),
    "casualties": ("伤亡与损失", "Casualties and loss"),
    "grade": ("等级", "Grade"),
    "computed_grade": ("预计等级", "Computed grade"),
    "required_agencies": ("需确认部门", "Agencies to acknowledge"),
    "grade_hint": ("按《生产安全事故报告和调查处理条例》第三条，取三项中最高者。",
                   "Decree 493 art. 3: the highest grade reached by any of the three measures."),
    "submit_notice": ("提交通报", "File notice"),
    "fix_errors": ("请更正以下 {n} 处问题：", "Please correct {n} problem(s):"),
    "choose": ("请选择", "Choose…"),
    "status": ("状态", "Status"),
    "filed_at": ("填报时间", "Filed at"),
    "filed_by": ("填报人", "Filed by"),
    "agency": ("部门", "Agency"),
    "state": ("状态", "State"),
    "by": ("经办人", "By"),
    "at": ("时间", "Time"),
    "timeline": ("处理经过", "Timeline"),
    "revisions": ("补报记录", "Revisions (补报)"),
    "no_revisions": ("无补报。", "No revisions."),
    "revise": ("补报伤亡与损失", "Revise casualties and loss (补报)"),
    "revised_done": ("补报已提交，等级已重新核定。", "The revision is recorded and the notice regraded."),
    "ack_state": ("各部门确认情况", "Acknowledgement by agency"),
    "round": ("第 {n} 轮", "round {n}"),
    "reason": ("原因", "Reason"),
    "figures": ("数字", "Figures"),
    "reopened": ("等级上升，重新确认", "grade rose: acknowledgement reopened"),
    "revision_deadline": ("补报截止", "Revisions accepted until"),
    "ev_filed": ("填报通报，等级：{grade}", "filed the notice, grade {grade}"),
    "ev_acknowledged": ("{agency}确认收到", "{agency} acknowledged"),
    "ev_escalated": ("{agency}逾期未确认，已督办", "{agency} missed its deadline: escalated"),
    "ev_revised": ("补报：{prev} → {grade}", "revised: {prev} → {grade}"),
    "ev_closed": ("结案", "closed the notice"),
    "ev_withdrawn": ("撤回通报", "withdrew the notice"),
    "occurred_at_help": ("北京时间，不早于 1949 年 10 月 1 日，不晚于现在。",
                         "Beijing time, no earlier than 1 Oct 1949 and not in the future."),
    "money_help": ("元，最多两位小数，如 1800000.50；不接受负数或科学计数法。",
                   "CNY, at most two decimal places, e.g. 1800000.50; no negatives or exponents."),
    "next_page": ("下一页", "Next page"),
    "urgency_note": ("按紧急程度排序：已逾期、临近时限、等级高者在前",
                     "Most urgent first: overdue, then the nearest deadline, then the grade"),
    "close_rule": ("结案须本轮所有必需部门确认；尚未确认：{agencies}",
                   "The notice can be closed once every agency required in this round has "
                   "acknowledged; still pending: {agencies}"),
    "close_rule_ready": ("本轮所有必需部门均已确认，可以结案。",
                         "Every agency required in this round has acknowledged: the notice can "
                         "be closed."),
    "system": ("系统", "system"),
    "not_found": ("未找到", "Not found"),
    "error": ("出错了", "Something went wrong"),
    "forbidden": ("您没有权限执行此操作。", "You may not do this."),
    "back": ("返回", "Back"),
    "name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "view": ("查看", "View"),
    "actions": ("操作", "Actions"),
    "count_items": ("共 {n} 项", "{n} item(s)"),
    "live_note": ("倒计时实时更新；列表每 30 秒刷新。",
                  "Countdowns run live; the list refreshes every 30 seconds."),
    "kind.acknowledge_notice": ("待确认通报", "notice to acknowledge"),
    "kind.propose_inspection": ("检查建议", "inspection proposal"),
    "kind.health_follow_up": ("职业健康随访", "occupational-health follow-up"),
    "kind.approve_project": ("项目待审批", "project to approve"),
    "kind.pay_disbursement": ("待拨付", "disbursement to pay"),
}

# The vocabulary's labels (domain/vocabulary.py) under the keys the templates use: a grade, an
# agency, a role or a notice status by its value, the other value sets as "kind.value".
BARE_KINDS = ("grade", "agency", "role", "notice_status")
PREFIXED_KINDS = {"cause": "cause", "finding_severity": "severity"}
for _kind in BARE_KINDS:
    CATALOGUE.update(LABELS[_kind])
for _kind, _prefix in PREFIXED_KINDS.items():
    CATALOGUE.update({f"{_prefix}.{v}": pair for v, pair in LABELS[_kind].items()})

# Registered by later page groups (inspections, meetings, ledger, audit) without editing this file.
EXTRA: dict[str, tuple[str, str]] = {}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add a page group's messages; a key already worded differently is refused (two groups
    sharing a key would silently reword each other's pages)."""
    for key, pair in messages.items():
        known = CATALOGUE.get(key) or EXTRA.get(key)
        if known is not None and known != pair:
            raise ValueError(f"message key {key!r} is already worded {known!r}, not {pair!r}")
    EXTRA.update(messages)


def pick(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT


def translate(lang: str, key: str, **kw: Any) -> str:
    pair = CATALOGUE.get(key) or EXTRA.get(key)
    if pair is None:
        return key  # an unknown key (or free text) shows as is
    text = pair[0] if lang == "zh-CN" else pair[1]
    return text.format(**kw) if kw else text


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_datetime(lang: str, value: datetime | str | None, seconds: bool = False) -> str:
    """zh-CN: 2026年3月2日 09:00; en: 2 Mar 2026, 09:00 — both in Beijing time."""
    dt = _as_datetime(value)
    if dt is None:
        return "—"
    dt = dt.astimezone(TZ)
    clock = dt.strftime("%H:%M:%S" if seconds else "%H:%M")
    if lang == "zh-CN":
        return f"{dt.year}年{dt.month}月{dt.day}日 {clock}"
    return f"{dt.day} {MONTHS[dt.month - 1]} {dt.year}, {clock}"


def format_date(lang: str, value: datetime | str | None) -> str:
    dt = _as_datetime(value)
    if dt is None:
        return "—"
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        dt = dt.astimezone(TZ)
    if lang == "zh-CN":
        return f"{dt.year}年{dt.month}月{dt.day}日"
    return f"{dt.day} {MONTHS[dt.month - 1]} {dt.year}"


def parse_local(value: str | None) -> datetime | None:
    """A datetime-local value is Beijing time; one with an offset keeps it. None if empty/bad."""
    if not value or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


def local_input(value: datetime | str | None, seconds: bool = True) -> str:
    """The value of a datetime-local input for a time (Beijing time)."""
    dt = _as_datetime(value)
    if dt is None:
        return ""
    return dt.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")


def format_money(value: Decimal | str | int | None) -> str:
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"¥{amount:,.2f}"


def format_change(value: Decimal | str | float | None) -> str:
    """A year-on-year change in %, signed ("+12.5%", "-3.0%"); "—" without a base."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    return f"{'+' if amount > 0 else ''}{amount}%"


def helpers(lang: str) -> dict[str, Callable[..., str]]:
    """The functions every template gets, bound to the page's language."""
    return {
        "t": lambda key, **kw: translate(lang, key, **kw),
        # A value of the domain vocabulary: lbl("meeting_status", m.status).
        "lbl": lambda kind, value: label(kind, str(value), lang),
        # A message whose arguments are catalogue keys themselves (grades, agencies).
        "ta": lambda key, args: translate(lang, key, **{k: translate(lang, str(v))
                                                        for k, v in args.items()}),
        "dt": lambda v, seconds=False: format_datetime(lang, v, seconds),
        "d": lambda v: format_date(lang, v),
        "money": format_money,
        "local_input": local_input,
        "pct": format_change,
    }
