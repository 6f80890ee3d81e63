"""The domain's vocabulary, declared once: each value set as a `Literal` type and its tuple, in one
order, with its Chinese and English labels.

Every other layer derives from here: pydantic models take the `Literal` types, loops and checks take
the tuples, and the UI, the audit report and `linkage demo` take the labels. Adding a value means
adding it here (and its two labels); a test fails if a value lacks a label.
"""

from __future__ import annotations

from typing import Literal, get_args

# The order is the routing order too: safety receives accident reports first (DESIGN.md).
Agency = Literal["safety", "hrss", "health", "finance"]
AGENCIES: tuple[Agency, ...] = get_args(Agency)

Role = Literal["liaison", "inspector", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# Decree 493 art. 3, lowest first: a grade's index is its rank.
Grade = Literal["ordinary", "large", "major", "extraordinary"]
GRADES: tuple[Grade, ...] = get_args(Grade)

Cause = Literal[
    "fall", "struck_by", "mechanical", "electrical", "fire", "explosion", "poisoning",
    "occupational_disease", "road_traffic", "collapse", "drowning", "other",
]
CAUSES: tuple[Cause, ...] = get_args(Cause)

NoticeStatus = Literal["open", "closed", "withdrawn"]
NOTICE_STATUSES: tuple[NoticeStatus, ...] = get_args(NoticeStatus)

InspectionStatus = Literal["scheduled", "started", "completed", "cancelled"]
INSPECTION_STATUSES: tuple[InspectionStatus, ...] = get_args(InspectionStatus)

# A major finding needs a rectification order and a re-inspection; the others may be closed on
# the spot. (FindingRecorded version 1 said minor, serious, major_hazard: upcast.)
FindingSeverity = Literal["observation", "minor", "major"]
FINDING_SEVERITIES: tuple[FindingSeverity, ...] = get_args(FindingSeverity)

MeetingStatus = Literal["convened", "minutes_published", "closed"]
MEETING_STATUSES: tuple[MeetingStatus, ...] = get_args(MeetingStatus)

ProjectCategory = Literal["publicity", "training", "health_checks", "research", "other"]
PROJECT_CATEGORIES: tuple[ProjectCategory, ...] = get_args(ProjectCategory)

ProjectStatus = Literal["proposed", "approved", "rejected", "assessed", "closed"]
PROJECT_STATUSES: tuple[ProjectStatus, ...] = get_args(ProjectStatus)

DisbursementStatus = Literal["requested", "paid"]
DISBURSEMENT_STATUSES: tuple[DisbursementStatus, ...] = get_args(DisbursementStatus)

# (zh-CN, en) per value, per value set. Free text is never translated; only these are.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "agency": {
        "hrss": ("人社局", "HRSS"),
        "safety": ("应急管理局", "Work Safety"),
        "health": ("卫健委", "Health"),
        "finance": ("财政局", "Finance"),
    },
    "role": {
        "liaison": ("联络员", "liaison"),
        "inspector": ("检查员", "inspector"),
        "auditor": ("审计员", "auditor"),
        "admin": ("管理员", "admin"),
    },
    "grade": {
        "ordinary": ("一般", "ordinary"),
        "large": ("较大", "large"),
        "major": ("重大", "major"),
        "extraordinary": ("特别重大", "extraordinary"),
    },
    "cause": {
        "fall": ("高处坠落", "fall from height"),
        "struck_by": ("物体打击", "struck by object"),
        "mechanical": ("机械伤害", "machinery"),
        "electrical": ("触电", "electric shock"),
        "fire": ("火灾", "fire"),
        "explosion": ("爆炸", "explosion"),
        "poisoning": ("中毒和窒息", "poisoning / asphyxia"),
        "occupational_disease": ("职业病", "occupational disease"),
        "road_traffic": ("道路交通", "road traffic"),
        "collapse": ("坍塌", "collapse"),
        "drowning": ("淹溺", "drowning"),
        "other": ("其他伤害", "other"),
    },
    "notice_status": {
        "open": ("办理中", "open"),
        "closed": ("已结案", "closed"),
        "withdrawn": ("已撤回", "withdrawn"),
    },
    "inspection_status": {
        "scheduled": ("已安排", "scheduled"),
        "started": ("进行中", "started"),
        "completed": ("已完成", "completed"),
        "cancelled": ("已取消", "cancelled"),
    },
    "finding_severity": {
        "observation": ("提示项", "observation"),
        "minor": ("一般隐患", "minor"),
        "major": ("重大隐患", "major"),
    },
    "meeting_status": {
        "convened": ("已召开", "convened"),
        "minutes_published": ("纪要已发布", "minutes published"),
        "closed": ("已闭会", "closed"),
    },
    "project_category": {
        "publicity": ("宣传", "publicity"),
        "training": ("培训", "training"),
        "health_checks": ("职业健康检查", "health checks"),
        "research": ("研究", "research"),
        "other": ("其他", "other"),
    },
    "project_status": {
        "proposed": ("待审批", "proposed"),
        "approved": ("已批准", "approved"),
        "rejected": ("未批准", "rejected"),
        "assessed": ("已评估", "assessed"),
        "closed": ("已结项", "closed"),
    },
    "disbursement_status": {
        "requested": ("待拨付", "requested"),
        "paid": ("已拨付", "paid"),
    },
}

VALUE_SETS: dict[str, tuple[str, ...]] = {
    "agency": AGENCIES, "role": ROLES, "grade": GRADES, "cause": CAUSES,
    "notice_status": NOTICE_STATUSES, "inspection_status": INSPECTION_STATUSES,
    "finding_severity": FINDING_SEVERITIES, "meeting_status": MEETING_STATUSES,
    "project_category": PROJECT_CATEGORIES, "project_status": PROJECT_STATUSES,
    "disbursement_status": DISBURSEMENT_STATUSES,
}


def grade_at_least(grade: str, floor: Grade) -> bool:
    """Whether `grade` is `floor` or above ("以上" includes the bound)."""
    return GRADES.index(grade) >= GRADES.index(floor)  # type: ignore[arg-type]


def label(kind: str, value: str, lang: str = "zh-CN") -> str:
    """The label of `value` in value set `kind`; an unknown value shows as is."""
    pair = LABELS.get(kind, {}).get(value)
    if pair is None:
        return value
    return pair[0] if lang == "zh-CN" else pair[1]


def bilingual(kind: str, value: str) -> str:
    """'较大 large': how the CLI and the report show a value to both readers."""
    return f"{label(kind, value)} {value}"
