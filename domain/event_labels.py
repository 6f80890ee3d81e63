"""What the auditor reads instead of class names: a label for every event class of every aggregate,
for each aggregate type and mechanism, and for the fields a timeline shows changing.

One catalogue, zh-CN and English, beside `domain/vocabulary.py` (whose value labels the fields'
values take: `FIELD_KINDS`). A test fails when an event class of a registered aggregate has no
label here.
"""

from __future__ import annotations

from domain.vocabulary import LABELS, label

# "Aggregate.Event" (the envelope's event_type) -> (zh-CN, en)
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "AccidentNotice.Filed": ("填报事故通报", "Notice filed"),
    "AccidentNotice.Acknowledged": ("确认收到通报", "Notice acknowledged"),
    "AccidentNotice.Escalated": ("逾期督办", "Escalated (deadline missed)"),
    "AccidentNotice.Revised": ("补报伤亡与损失", "Casualties and loss revised"),
    "AccidentNotice.Closed": ("通报结案", "Notice closed"),
    "AccidentNotice.Withdrawn": ("撤回通报", "Notice withdrawn"),
    "Account.Added": ("新增账号", "Account added"),
    "Account.RoleChanged": ("变更角色", "Role changed"),
    "Account.Deactivated": ("停用账号", "Account deactivated"),
    "Account.Reactivated": ("重新启用账号", "Account reactivated"),
    "Account.TokenIssued": ("签发访问令牌", "Token issued"),
    "Account.TokenRevoked": ("吊销访问令牌", "Token revoked"),
    "ContactBook.Opened": ("建立通知联系人名册", "Contact book opened"),
    "ContactBook.ContactSaved": ("保存通知联系人", "Contact saved"),
    "ContactBook.ContactRemoved": ("删除通知联系人", "Contact removed"),
    "FundYear.Opened": ("设立工伤预防费年度", "Fund year opened"),
    "FundYear.RatioRaised": ("提高预防费比例", "Cap ratio raised"),
    "FundYear.Allocated": ("安排项目资金", "Funds allocated to a project"),
    "HealthFollowUp.Done": ("完成职业健康随访", "Health follow-up done"),
    "InspectorBooking.Opened": ("建立检查员排班", "Inspector bookings opened"),
    "InspectorBooking.Booked": ("安排检查员", "Inspector booked"),
    "InspectorBooking.Released": ("释放检查员安排", "Inspector booking released"),
    "JointInspection.Scheduled": ("安排联合检查", "Inspection scheduled"),
    "JointInspection.Started": ("开始检查", "Inspection started"),
    "JointInspection.FindingRecorded": ("记录检查发现", "Finding recorded"),
    "JointInspection.ClosedOnSpot": ("当场整改完毕", "Finding closed on the spot"),
    "JointInspection.RectificationOrdered": ("责令限期整改", "Rectification ordered"),
    "JointInspection.Reinspected": ("复查", "Re-inspected"),
    "JointInspection.Completed": ("检查完成", "Inspection completed"),
    "JointInspection.Cancelled": ("取消检查", "Inspection cancelled"),
    "JointMeeting.Convened": ("召集联席会议", "Meeting convened"),
    "JointMeeting.AttendanceRecorded": ("登记出席情况", "Attendance recorded"),
    "JointMeeting.ResolutionAdopted": ("通过决议", "Resolution adopted"),
    "JointMeeting.ActionItemDone": ("督办事项完成", "Action item done"),
    "JointMeeting.MinutesPublished": ("发布会议纪要", "Minutes published"),
    "JointMeeting.Closed": ("闭会", "Meeting closed"),
    "PreventionProject.Proposed": ("申报预防项目", "Project proposed"),
    "PreventionProject.Approved": ("批准项目", "Project approved"),
    "PreventionProject.Rejected": ("驳回项目", "Project rejected"),
    "PreventionProject.MilestoneReported": ("报告项目进度", "Milestone reported"),
    "PreventionProject.DisbursementRequested": ("申请拨付", "Disbursement requested"),
    "PreventionProject.DisbursementPaid": ("拨付资金", "Disbursement paid"),
    "PreventionProject.Assessed": ("项目评估", "Project assessed"),
    "PreventionProject.Closed": ("项目结项", "Project closed"),
    "Register.Opened": ("建立名录", "Register opened"),
    "Register.EntriesPut": ("导入名录条目", "Register entries put"),
    "Register.EntryDeactivated": ("停用名录条目", "Register entry deactivated"),
    "Register.EntryReactivated": ("重新启用名录条目", "Register entry reactivated"),
    "Register.EntryRemoved": ("删除名录条目", "Register entry removed"),
    "Register.AccountLinked": ("关联检查员账号", "Account linked to an entry"),
}

AGGREGATE_LABELS: dict[str, tuple[str, str]] = {
    "AccidentNotice": ("工伤事故通报", "Accident notice"),
    "Account": ("用户账号", "Account"),
    "ContactBook": ("通知联系人名册", "Contact book"),
    "FundYear": ("工伤预防费年度", "Fund year"),
    "HealthFollowUp": ("职业健康随访", "Health follow-up"),
    "InspectorBooking": ("检查员排班", "Inspector bookings"),
    "JointInspection": ("联合执法检查", "Joint inspection"),
    "JointMeeting": ("联席会议", "Joint meeting"),
    "PreventionProject": ("工伤预防项目", "Prevention project"),
    "Register": ("双随机名录", "Register"),
}

MECHANISM_LABELS: dict[str, tuple[str, str]] = {
    "accident-notices": ("事故通报", "Accident notices"),
    "prevention-fund": ("工伤预防费", "Prevention fund"),
    "health-follow-ups": ("职业健康随访", "Health follow-ups"),
    "joint-inspections": ("联合执法检查", "Joint inspections"),
    "joint-meetings": ("联席会议", "Joint meetings"),
    "accounts": ("用户账号", "Accounts"),
    "contacts": ("通知联系人", "Contacts"),
}

# Which vocabulary set a field's value belongs to (its label is shown beside the value).
FIELD_KINDS: dict[str, str] = {
    "agency": "agency", "lead_agency": "agency", "agencies": "agency",
    "required_agencies": "agency", "invited": "agency", "actor_agency": "agency",
    "grade": "grade", "previous_grade": "grade", "cause": "cause", "severity": "finding_severity",
    "role": "role", "category": "project_category",
}
# A status's value set depends on the aggregate it belongs to.
STATUS_KINDS: dict[str, str] = {
    "AccidentNotice": "notice_status", "JointInspection": "inspection_status",
    "JointMeeting": "meeting_status", "PreventionProject": "project_status",
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "status": ("状态", "Status"), "grade": ("等级", "Grade"),
    "previous_grade": ("原等级", "Previous grade"), "cause": ("事故类别", "Cause"),
    "agency": ("部门", "Agency"), "agencies": ("参与部门", "Agencies"),
    "lead_agency": ("牵头部门", "Lead agency"),
    "required_agencies": ("需确认部门", "Agencies to acknowledge"),
    "invited": ("参会部门", "Invited agencies"), "role": ("角色", "Role"),
    "previous": ("原值", "Previous"), "ack_round": ("确认轮次", "Acknowledgement round"),
    "name": ("名称", "Name"), "active": ("启用", "Active"),
    "acknowledgements": ("确认情况", "Acknowledgements"), "escalations": ("督办记录", "Escalations"),
    "revisions": ("补报记录", "Revisions"), "closure": ("结案/撤回", "Closure"),
    "steps": ("处理步骤", "Steps"), "employer": ("用人单位", "Employer"),
    "district": ("区县", "District"), "occurred_at": ("发生时间", "Occurred at"),
    "location": ("发生地点", "Location"), "summary": ("经过/小结", "Summary"),
    "casualties": ("伤亡与损失", "Casualties and loss"), "measures_taken": ("已采取措施", "Measures taken"),
    "deadlines": ("确认时限", "Deadlines"), "deadline": ("时限", "Deadline"),
    "filed_at": ("填报时间", "Filed at"), "filed_by": ("填报人", "Filed by"), "round": ("轮次", "Round"),
    "deaths": ("死亡人数", "Deaths"), "serious_injuries": ("重伤人数", "Serious injuries"),
    "missing": ("失踪人数", "Missing"), "direct_loss_cny": ("直接经济损失（元）", "Direct loss (CNY)"),
    "reason": ("原因", "Reason"), "late": ("逾期", "Late"), "reopened": ("重新确认", "Reopened"),
    "findings": ("检查发现", "Findings"), "started_at": ("开始时间", "Started at"),
    "ended": ("结束", "Ended"), "theme": ("主题", "Theme"), "starts_on": ("开始日期", "Starts on"),
    "ends_on": ("结束日期", "Ends on"), "inspectors": ("检查员", "Inspectors"),
    "targets": ("检查对象", "Targets"), "notice_id": ("事故通报", "Notice"),
    "proposal_id": ("检查建议", "Proposal"), "draw": ("双随机抽取", "Draw"),
    "scheduled_at": ("安排时间", "Scheduled at"), "scheduled_by": ("安排人", "Scheduled by"),
    "title": ("标题", "Title"), "held_on": ("会议日期", "Held on"), "agenda": ("议程", "Agenda"),
    "convened_at": ("召集时间", "Convened at"), "convened_by": ("召集人", "Convened by"),
    "attendance": ("出席情况", "Attendance"), "resolutions": ("决议", "Resolutions"),
    "minutes": ("会议纪要", "Minutes"), "fund_year": ("预防费年度", "Fund year"),
    "category": ("项目类别", "Category"), "description": ("项目说明", "Description"),
    "budget_cny": ("预算（元）", "Budget (CNY)"), "planned": ("计划指标", "Planned"),
    "achieved": ("完成指标", "Achieved"), "districts": ("覆盖区县", "Districts"),
    "proposed_at": ("申报时间", "Proposed at"), "proposed_by": ("申报人", "Proposed by"),
    "disbursements": ("拨付", "Disbursements"), "year": ("年度", "Year"),
    "income_cny": ("上年基金收入（元）", "Previous year's fund income (CNY)"),
    "ratio_pct": ("提取比例（%）", "Cap ratio (%)"), "cap_cny": ("上限（元）", "Cap (CNY)"),
    "ratio_approval_ref": ("比例批准文号", "Ratio approval reference"),
    "approved_total_cny": ("已批准合计（元）", "Approved total (CNY)"),
    "opened_at": ("设立时间", "Opened at"),
    "health_checks_given": ("职业健康检查人数", "Health checks given"),
    "done_at": ("完成时间", "Done at"), "system_admin": ("系统管理员", "System-wide admin"),
    "added_at": ("新增时间", "Added at"), "tokens": ("访问令牌", "Tokens"),
    "contacts": ("联系人", "Contacts"), "entries": ("名录条目", "Entries"), "kind": ("类别", "Kind"),
    "at": ("时间", "At"), "by": ("经办人", "By"), "figures": ("数字", "Figures"),
    "note": ("备注", "Note"), "credit_code": ("统一社会信用代码", "Credit code"),
    "industry": ("行业", "Industry"), "risk_class": ("风险类别", "Risk class"), "id": ("编号", "Id"),
    "text": ("内容", "Text"), "present": ("出席", "Present"), "attendees": ("出席人员", "Attendees"),
    "action_items": ("督办事项", "Action items"), "due": ("到期", "Due"), "no": ("序号", "No."),
    "hazard": ("隐患", "Hazard"), "legal_basis": ("法律依据", "Legal basis"),
    "seed": ("随机种子", "Seed"), "amount_cny": ("金额（元）", "Amount (CNY)"),
    "purpose": ("用途", "Purpose"), "conclusion": ("结论", "Conclusion"),
    "target_count": ("抽取单位数", "Employers drawn"),
    "inspector_count": ("抽取检查员数", "Inspectors drawn"),
    "employer_register": ("单位名录", "Employer register"),
    "inspector_register": ("检查员名录", "Inspector register"),
    "employer_register_sha256": ("单位名录摘要（SHA-256）", "Employer register digest (SHA-256)"),
    "inspector_register_sha256": ("检查员名录摘要（SHA-256）",
                                  "Inspector register digest (SHA-256)"),
    "audience": ("受众人数", "Audience"), "days_on_tour": ("巡回天数", "Days on tour"),
    "stops": ("站点数", "Stops"), "sessions": ("培训场次", "Sessions"),
    "trainees": ("培训人数", "Trainees"),
    "bookings": ("排班", "Bookings"), "inspector_id": ("检查员", "Inspector"),
}


def event_label(event_type: str, lang: str = "zh-CN") -> str:
    """The label of an event type ("AccidentNotice.Filed"); an unknown type shows as is."""
    pair = EVENT_LABELS.get(event_type)
    if pair is None:
        return event_type
    return pair[0] if lang == "zh-CN" else pair[1]


def pair_label(table: dict[str, tuple[str, str]], key: str, lang: str = "zh-CN") -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh-CN" else pair[1]


def kind_of(aggregate_type: str, field: str) -> str | None:
    """The vocabulary set of a field of an aggregate (None: free text or a number)."""
    if field == "status":
        return STATUS_KINDS.get(aggregate_type)
    if aggregate_type == "Account" and field == "previous":
        return "role"
    return FIELD_KINDS.get(field)


# Statuses of the records an aggregate holds (a project's disbursements), tried after its own.
NESTED_STATUS_KINDS: dict[str, str] = {"PreventionProject": "disbursement_status"}


def value_label(aggregate_type: str, field: str, value: str, lang: str = "zh-CN") -> str:
    kind = kind_of(aggregate_type, field)
    nested = NESTED_STATUS_KINDS.get(aggregate_type) if field == "status" else None
    if kind and nested and value not in LABELS.get(kind, {}):
        kind = nested
    if kind:
        return label(kind, value, lang)
    step = f"{aggregate_type}.{value.capitalize()}"
    if field == "kind" and step in EVENT_LABELS:  # a notice's steps name the event they record
        return event_label(step, lang)
    return value
