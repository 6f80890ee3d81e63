"""The catalogue's part for the aggregates' own rules (notices, inspections, registers, meetings,
accounts, contacts, the fund): code → (zh-CN template, English template). Merged into
`domain.message_catalogue.MESSAGES`; see domain/messages.py.
"""

from __future__ import annotations

# fmt: off
RULE_MESSAGES: dict[str, tuple[str, str]] = {
    # -- accident notices -----------------------------------------------------------------------
    "notice_not_open": ("通报当前状态为{notice_status}，不能办理", "notice is {notice_status}"),
    "agency_not_required": ("{agency}无需确认此通报（需确认部门：{required}）",
                            "agency {agency} is not required to acknowledge this notice "
                            "(required: {required})"),
    "already_acknowledged": ("{agency}已确认过此通报", "agency {agency} has already acknowledged "
                             "this notice"),
    "revision_window_closed": ("补报须在事故发生后 {days} 天内提交（截止北京时间 {until}）",
                               "revisions are accepted within {days} days of the accident "
                               "(until {until} Beijing time)"),
    "no_acknowledgement_owed": ("{agency}无待确认事项", "agency {agency} owes no acknowledgement"),
    "deadline_not_passed": ("{agency}的确认时限尚未届满", "deadline for {agency} has not passed"),
    "already_escalated": ("已对{agency}督办过", "agency {agency} has already been escalated"),
    "pending_acknowledgements": ("第 {round} 轮所有必需部门确认后才能结案；尚未确认：{pending}",
                                 "every agency required in acknowledgement round {round} must "
                                 "acknowledge before the notice is closed; still pending: "
                                 "{pending}"),
    # -- joint inspections ----------------------------------------------------------------------
    "ends_before_start": ("不能早于开始日期", "must be on or after starts_on"),
    "window_in_past": ("检查期限不能在今天之前结束", "the window must not end in the past"),
    "two_agencies": ("至少两个参加部门", "at least two participating agencies"),
    "lead_not_participating": ("牵头部门必须是参加部门之一",
                               "the lead agency must be one of the participating agencies"),
    "inspector_agency_not_participating": ("检查人员必须来自参加部门",
                                           "an inspector must come from a participating agency"),
    "inspectors_two_agencies": ("检查人员须来自至少两个部门", "inspectors from at least two agencies"),
    "one_target": ("至少一个被检查单位", "at least one target employer"),
    "agency_not_participating": ("{agency}未参加此次检查",
                                 "agency {agency} does not take part in this inspection"),
    "inspection_wrong_status": ("检查当前状态为{inspection_status}；此操作要求状态为{inspection_statuses}",
                                "inspection is {inspection_status}; this needs it "
                                "{inspection_statuses}"),
    "not_booked": ("只有此次检查安排的检查人员可以记录开始、问题、整改通知和复查；{name}不在其中"
                   "（已安排：{booked}）",
                   "only the inspectors booked on this inspection record its start, findings, "
                   "rectification orders and re-inspections; {name} is not booked on it "
                   "(booked: {booked})"),
    "no_such_finding": ("检查中没有第 {finding_no} 项问题", "inspection has no finding {finding_no}"),
    "inspection_not_yet": ("检查期限自 {starts_on}（北京时间）开始，之前不能开始检查",
                           "the inspection's window begins on {starts_on} (Beijing time): it "
                           "cannot start before"),
    "not_a_target": ("必须是此次检查的被检查单位之一", "must be one of the inspection's target "
                     "employers"),
    "finding_is_observation": ("第 {finding_no} 项是观察项：当场了结，不下达整改",
                               "finding {finding_no} is an observation: it is closed on the spot, "
                               "not ordered to be rectified"),
    "finding_closed_on_spot": ("第 {finding_no} 项已当场了结", "finding {finding_no} was closed on "
                               "the spot"),
    "rectification_already_ordered": ("第 {finding_no} 项已下达整改通知",
                                      "rectification of finding {finding_no} is already ordered"),
    "no_rectification_order": ("第 {finding_no} 项没有待复查的整改通知",
                               "finding {finding_no} has no rectification order to check"),
    "already_reinspected": ("第 {finding_no} 项已复查", "finding {finding_no} has already been "
                            "re-inspected"),
    "finding_is_major": ("第 {finding_no} 项为重大问题：须下达整改并复查，不能当场了结",
                         "finding {finding_no} is major: it needs a rectification order and a "
                         "re-inspection, not an on-the-spot closure"),
    "finding_already_closed": ("第 {finding_no} 项已当场了结", "finding {finding_no} is already "
                               "closed on the spot"),
    "finding_has_order": ("第 {finding_no} 项已下达整改通知：以复查了结",
                          "finding {finding_no} has a rectification order: it is settled by its "
                          "re-inspection"),
    "inspection_unsettled": ("检查尚不能完成：{findings}", "the inspection cannot be completed: "
                             "{findings}"),
    "unsettled_rectification": ("第 {finding_no} 项（{severity}）须下达整改并复查",
                                "finding {finding_no} ({severity}) needs a rectification order "
                                "and a re-inspection"),
    "unsettled_reinspection": ("第 {finding_no} 项（{severity}）待复查",
                               "finding {finding_no} ({severity}) awaits its re-inspection"),
    "unsettled_closure": ("第 {finding_no} 项（{severity}）尚未当场了结",
                          "finding {finding_no} ({severity}) is not closed on the spot"),
    "proposal_already_scheduled": ("检查建议 {proposal_id} 已安排为联合检查 {inspection_id}",
                                   "proposal {proposal_id} is already scheduled as inspection "
                                   "{inspection_id}"),
    "inspector_double_booked": ("检查人员 {inspector_id} 已安排在联合检查 {other}（{starts_on} 至 "
                                "{ends_on}）", "inspector {inspector_id} is already booked on "
                                "inspection {other} ({starts_on} to {ends_on})"),
    "bookings_kept_changing": ("检查人员的排期不断变化，请重试",
                               "the inspectors' bookings kept changing; retry"),
    "inspection_kept_changing": ("检查记录不断变化，请重试", "the inspection kept changing; retry"),
    # -- registers and the random draw ----------------------------------------------------------
    "register_employers": ("用人单位", "employers"),
    "register_inspectors": ("检查人员", "inspectors"),
    "at_least_one_entry": ("至少一条记录", "must name at least one entry"),
    "no_such_entry": ("{key} 不在{kind}名录中", "{key} is not in the {kind} register"),
    "entry_already_inactive": ("{key} 已停用", "{key} is already inactive"),
    "entry_active": ("{key} 在用中", "{key} is active"),
    "only_inspectors_linked": ("只有检查人员名录的记录可以关联用户账号",
                               "only inspector entries are linked to user accounts"),
    "account_not_inspector": ("该账号的角色为{role}；只有检查人员账号可以关联检查人员名录",
                              "the account's role is {role}; only an inspector account is linked "
                              "to the inspector register"),
    "account_other_agency": ("该账号属于{agency}，检查人员属于{entry_agency}",
                             "the account belongs to {agency}, the inspector to {entry_agency}"),
    "account_already_linked": ("账号 {account_id} 已关联 {key}",
                               "account {account_id} is already linked to {key}"),
    "account_linked_elsewhere": ("账号 {account_id} 已关联检查人员 {other}",
                                 "account {account_id} is already linked to inspector {other}"),
    "inspector_inactive": ("检查人员 {ident} 已停用", "inspector {ident} is not active"),
    "inspector_unknown": ("检查人员 {ident} 不在检查人员名录中",
                          "inspector {ident} is not in the inspector register"),
    "inspector_other_agency": ("名录中检查人员 {ident} 属于{agency}",
                               "inspector {ident} is of {agency} in the register"),
    "draw_too_many_targets": ("不能从 {pool} 家单位的名录中抽取 {count} 家",
                              "cannot draw {count} targets from a register of {pool}"),
    "draw_no_inspector": ("检查人员名录中没有{agency}的人员",
                          "the inspector register has nobody from {agency}"),
    "draw_one_per_agency": ("至少抽取 {count} 名检查人员：每个参加部门一名",
                            "draw at least {count} inspectors: one per participating agency"),
    "draw_too_many_inspectors": ("不能从 {pool} 名符合条件的人员中抽取 {count} 名",
                                 "cannot draw {count} inspectors from {pool} eligible"),
    # -- joint meetings -------------------------------------------------------------------------
    "not_convenor": ("只有召集部门（{agency}）可以执行此操作",
                     "only the convenor ({agency}) may do this"),
    "one_agenda_item": ("至少一项议题", "at least one agenda item"),
    "invite_a_member": ("除召集部门外至少邀请一个成员部门",
                        "invite at least one member agency besides the convenor"),
    "meeting_not_in_session": ("会议当前状态为{meeting_status}", "meeting is {meeting_status}"),
    "meeting_too_early": ("会议定于 {held_on}（北京时间）召开：{what}只能在当天或之后进行",
                          "the meeting is held on {held_on} (Beijing time): {what} only on or "
                          "after that day"),
    "meeting_step_attendance": ("记录出席", "attendance is recorded"),
    "meeting_step_resolution": ("通过决议", "resolutions are adopted"),
    "meeting_step_minutes": ("发布纪要", "the minutes are published"),
    "meeting_step_close": ("结束会议", "the meeting is closed"),
    "not_a_member": ("不是成员部门（成员：{members}）", "not a member (members: {members})"),
    "name_attendees": ("出席的部门须填写出席人员", "name who attended for a present agency"),
    "no_quorum": ("决议须达到法定人数：{count} 个成员部门中过半数出席（含召集部门，即 {quorum} 个"
                  "或以上）；出席：{present_count}；缺席或未记录：{absent}",
                  "a resolution needs a quorum: more than half of the {count} member agencies "
                  "present, the convener included ({quorum} or more); present: {present_count}; "
                  "absent or not recorded: {absent}"),
    "not_a_member_agency": ("必须是本次会议的成员部门（成员：{members}）",
                            "must be a member agency of this meeting (members: {members})"),
    "due_before_meeting": ("不能早于会议日期", "must not be before the meeting"),
    "no_such_resolution": ("会议没有第 {resolution_no} 项决议",
                           "meeting has no resolution {resolution_no}"),
    "no_such_action_item": ("第 {resolution_no} 项决议没有第 {item_no} 项任务",
                            "resolution {resolution_no} has no action item {item_no}"),
    "action_item_not_assigned": ("任务 {resolution_no}.{item_no} 交由{agency}办理；只有该部门可以"
                                 "标记完成", "action item {resolution_no}.{item_no} is assigned "
                                 "to {agency}; only it may mark it done"),
    "action_item_done": ("任务 {resolution_no}.{item_no} 已完成",
                         "action item {resolution_no}.{item_no} is already done"),
    "attendance_before_minutes": ("请先记录出席，再发布纪要",
                                  "record attendance before publishing the minutes"),
    "minutes_before_closing": ("请先发布纪要，再结束会议",
                               "publish the minutes before closing the meeting"),
    "meeting_closed": ("会议已结束", "meeting is already closed"),
    # -- accounts and contacts ------------------------------------------------------------------
    "unknown_agency": ("未知部门 {value}：必须是以下之一：{choices}",
                       "unknown agency {value!r}: must be one of {choices}"),
    "unknown_role": ("未知角色 {value}：必须是以下之一：{choices}",
                     "unknown role {value!r}: must be one of {choices}"),
    "system_admin_role": ("只有管理员可以是全系统管理员", "only an admin can be a system-wide admin"),
    "role_unchanged": ("该账号已是{role}角色", "the account already has the role {role}"),
    "account_already_deactivated": ("该账号已停用", "the account is already deactivated"),
    "deactivate_self": ("管理员不能停用自己的账号", "an admin cannot deactivate their own account"),
    "account_active": ("该账号在用中", "the account is active"),
    "reactivate_first": ("该账号已停用：请先重新启用", "the account is deactivated: reactivate it "
                         "first"),
    "token_name_in_use": ("名为 {name} 的令牌正在使用：请先吊销或另取名称",
                          "a token named {name!r} is in use: revoke it or pick another name"),
    "no_such_token": ("账号 {account_id} 没有令牌 {token_id}",
                      "account {account_id} holds no token {token_id}"),
    "token_already_revoked": ("令牌 {token_id} 已被吊销", "token {token_id} is already revoked"),
    "not_contact_admin": ("只有{agency}的管理员可以维护{agency}的联系人",
                          "only {agency}'s admins keep {agency}'s contacts"),
    # -- health follow-up, the fund and prevention projects -------------------------------------
    "not_health": ("只有卫生健康委可以记录随访完成",
                   "only the health commission records a follow-up as done"),
    "ratio_range": ("必须在 {low} 至 {high}（%）之间", "must be from {low} to {high} (%)"),
    "ratio_needs_approval": ("比例超过 3% 须填写批准文号",
                             "a ratio above 3% needs its approval reference"),
    "year_range": ("必须是 2000 至 2100 之间的年份", "must be a calendar year from 2000 to 2100"),
    "ratio_not_higher": ("必须高于当前的 {ratio}%", "must be above the current {ratio}%"),
    "project_already_approved": ("项目 {project_id} 已在 {year} 年度基金中批准",
                                 "project {project_id} is already approved in fund year {year}"),
    "cap_exceeded": ("批准 {amount} 元将使 {year} 年度已批准总额达到 {total} 元，超过上限 {cap} 元",
                     "approving {amount} CNY would take fund year {year}'s approved total to "
                     "{total} CNY, over its cap of {cap} CNY"),
    "unknown_measure": ("未知指标；应为以下之一：{choices}", "unknown measure; one of {choices}"),
    "category_must_plan": ("{category}类项目必须计划 {measure}",
                           "a {category} project must plan its {measure}"),
    "publicity_districts": ("宣传类项目必须列出巡回的区县",
                            "a publicity project must name the districts it tours"),
    "project_wrong_status": ("项目当前状态为{project_status}（需要：{project_statuses}）",
                             "project is {project_status} (needs {project_statuses})"),
    "report_a_figure": ("至少报告一项大于零的数字", "report at least one figure above zero"),
    "budget_exceeded": ("申请 {amount} 元将使项目拨付总额达到 {total} 元，超过批准预算 {budget} 元",
                        "requesting {amount} CNY would take the project's disbursements to "
                        "{total} CNY, over its approved budget of {budget} CNY"),
    "payment_over_budget": ("付款将超过批准预算", "payment would pass the approved budget"),
    "disbursement_exists": ("拨付 {disbursement_id} 已存在", "disbursement {disbursement_id} "
                            "exists"),
    "no_such_disbursement": ("项目没有拨付 {disbursement_id}", "no disbursement {disbursement_id} "
                             "on this project"),
    "disbursement_paid": ("拨付 {disbursement_id} 已支付", "disbursement {disbursement_id} is "
                          "already paid"),
    "requested_unpaid": ("尚有申请的 {amount} 元未支付", "{amount} CNY requested is still unpaid"),
    "deaths_need_notice": ("有死亡人数须有事故通报", "deaths need a notice"),
    # -- the floating premium rate's reasons (domain/floating_rate.py) --------------------------
    "rate_base": ("行业风险类别 {risk_class}：基准费率为工资总额的 {base}%",
                  "risk class {risk_class}: base rate {base}% of payroll"),
    "rate_record": ("上一年度事故通报 {notices} 起，死亡 {deaths} 人",
                    "{notices} notice(s), {deaths} death(s) in the previous year"),
    "rate_up_two": ("死亡 {severe_deaths} 人及以上或通报 {severe_notices} 起及以上：上浮两档至 150%",
                    "{severe_deaths}+ deaths or {severe_notices}+ notices: up two steps to 150%"),
    "rate_up_one": ("有死亡或多次通报：上浮一档至 120%",
                    "deaths or repeated notices: up one step to 120%"),
    "rate_unchanged": ("通报一起且无死亡：维持 100%", "one notice without deaths: unchanged at 100%"),
    "rate_class_one": ("无通报，但一类行业只上浮不下浮：维持 100%",
                       "no notice, but class 1 floats up only: stays at 100%"),
    "rate_down_two": ("连续 {clean_years} 年无通报：下浮两档至 50%",
                      "no notice for {clean_years} years in a row: down two steps to 50%"),
    "rate_down_one": ("本年度无通报：下浮一档至 80%", "no notice in the year: down one step to 80%"),
}
# fmt: on
