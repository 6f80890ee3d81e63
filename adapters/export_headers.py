"""Chinese column headers and sheet names of the CSV/Excel exports (adapters/export.py).

A nested column is named by its parts (`actor.name` → 操作人·姓名); a key not listed here keeps
its English name, so a new field is still exported.
"""

from __future__ import annotations

SHEETS = {
    "items": "明细", "findings": "检查发现", "proposals": "费率建议", "fund_years": "基金年度",
    "approvals_waiting": "待审批项目", "disbursements_waiting": "待拨付", "total": "合计",
    "by_month": "按月", "by_employer": "按单位", "by_industry": "按行业", "by_district": "按区县",
}

HEADERS = {
    # notices and queues
    "id": "编号", "version": "版本", "status": "状态", "grade": "事故等级", "kind": "事项类型",
    "deadline": "截止时间", "deadlines": "确认时限", "notice_id": "通报编号",
    "employer": "用人单位", "employer_name": "用人单位名称", "credit_code": "统一社会信用代码",
    "employer_credit_code": "统一社会信用代码", "industry": "行业", "risk_class": "风险类别",
    "district": "区县", "cause": "事故原因", "summary": "事故经过", "location": "地点",
    "occurred_at": "发生时间", "filed_at": "报送时间", "escalated": "已督办",
    "pending_agencies": "待确认部门", "required_agencies": "需确认部门", "reasons": "原因",
    "deaths": "死亡人数", "serious_injuries": "重伤人数", "missing": "失踪人数",
    "direct_loss_cny": "直接经济损失（元）", "measures_taken": "已采取措施",
    "proposal_id": "建议编号", "safety": "应急管理", "hrss": "人社", "health": "卫健",
    "finance": "财政", "source": "来源", "position": "位置", "reason": "原因", "raw": "原始消息",
    "at": "时间", "recorded_at": "记录时间",
    # finance
    "year": "年度", "fund_year": "基金年度", "previous_year_fund_income_cny": "上年基金收入（元）",
    "cap_ratio_pct": "上限比例（%）", "ratio_approval_ref": "比例批准文号", "cap_cny": "上限（元）",
    "approved_total_cny": "已批准合计（元）", "paid_cny": "已拨付（元）",
    "remaining_cny": "剩余额度（元）", "approved_unpaid_cny": "已批准未拨付（元）",
    "disbursements_waiting": "待拨付笔数", "disbursements_waiting_cny": "待拨付金额（元）",
    "approvals_waiting": "待审批数", "project_id": "项目编号", "disbursement_id": "拨付编号",
    "amount_cny": "金额（元）", "budget_cny": "预算（元）", "purpose": "用途", "title": "名称",
    "requested_at": "申请时间", "category": "类别",
    # hrss
    "key": "分组", "month": "月份", "cases": "案件数", "previous_year_cases": "上年同期案件数",
    "change_pct": "同比变化（%）", "notices": "通报数", "clean_years": "连续无事故年数",
    "base_rate_pct": "基准费率（%）", "factor": "浮动系数", "rate_pct": "建议费率（%）",
    "reason_codes": "原因代码",
    "meeting_id": "会议编号", "item_no": "事项序号", "due_on": "完成期限", "assigned_to": "责任部门",
    "text": "内容", "overdue": "逾期", "today": "当日",
    # health
    "done": "随访结果",
    # inspections and meetings
    "theme": "检查主题", "starts_on": "开始日期", "ends_on": "结束日期", "lead_agency": "牵头部门",
    "agencies": "参加部门", "inspectors": "检查人员", "targets": "检查对象", "scheduled_at": "安排时间",
    "no": "序号", "hazard": "隐患", "severity": "严重程度", "legal_basis": "法律依据",
    "recorded_by": "记录人", "rectification_deadline": "整改期限", "reinspection": "复查结果",
    "closed_on_spot": "当场关闭",
    "held_on": "会议日期", "agenda": "议程", "invited": "邀请部门",
    # audit
    "notification_id": "日志序号", "time": "时间", "mechanism": "业务类别", "event_type": "事件类型",
    "aggregate_id": "对象编号", "aggregate_version": "对象版本", "actor": "操作人", "agency": "部门",
    "payload": "事件内容", "name": "姓名", "event_label": "事件名称",
    "causation_id": "请求编号", "correlation_id": "关联编号",
    # security log (sign-ins, security events, access log)
    "last_at": "最后时间", "count": "次数", "method": "方式", "outcome": "结果",
    "account_id": "账号编号", "token_id": "令牌编号", "address": "来源地址",
    "user_agent": "客户端", "detail": "说明", "role": "角色", "what": "内容", "object": "对象",
    "path": "路径",
}
