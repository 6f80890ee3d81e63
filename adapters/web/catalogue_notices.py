"""UI messages of the notice's close and withdraw forms, its printed form (通报单), the lists'
filters and the download buttons (registered into adapters.web.i18n)."""

from __future__ import annotations

from adapters.web import i18n

i18n.register({
    # closing and withdrawing a notice
    "close_notice": ("结案", "Close the notice"),
    "notice_conclusion": ("调查结论", "Investigation conclusion"),
    "conclusion_help": ("写明事故调查的结论；结案后不再接受签收和补报。",
                        "State the investigation's conclusion; a closed notice takes no more "
                        "acknowledgements or revisions."),
    "close_waiting": ("等待{agencies}签收后方可结案。",
                      "The notice can be closed once {agencies} acknowledged it."),
    "close_not_yours": ("结案由负责事故调查的应急管理局办理。",
                        "The safety agency, which leads the investigation, closes the notice."),
    "withdraw_notice": ("撤回通报", "Withdraw the notice"),
    "withdraw_reason": ("撤回原因", "Why it is withdrawn"),
    "withdraw_help": ("仅用于误报的通报；撤回后各部门不再需要签收。",
                      "Only for a notice filed in error; no agency needs to acknowledge it "
                      "afterwards."),
    "withdraw_not_yours": ("只有填报部门（{agency}）或应急管理局可以撤回此通报。",
                           "Only the filing agency ({agency}) or the safety agency may withdraw "
                           "this notice."),
    "closed_done": ("通报已结案。", "The notice is closed."),
    "withdrawn_done": ("通报已撤回。", "The notice is withdrawn."),
    "ended_by": ("{who}（{agency}）于 {at}", "{who} ({agency}), {at}"),
    "ending": ("结案与撤回", "Closing and withdrawal"),
    # the printed notice form
    "print": ("打印通报单", "Print the notice form"),
    "print_now": ("打印", "Print"),
    "print_title": ("工伤事故通报单", "Work-accident notice form"),
    "notice_no": ("通报编号", "Notice no."),
    "filing_agency": ("填报单位", "Filing agency"),
    "printed_at": ("打印时间", "Printed at"),
    "signature": ("签字", "Signature"),
    "reviewer": ("审核人", "Reviewed by"),
    "date": ("日期", "Date"),
    "ack_person": ("签收人", "Acknowledged by"),
    "ack_time": ("签收时间", "Acknowledged at"),
    "routing": ("签收情况", "Acknowledgements"),
    "notice_outcome": ("办理结果", "Outcome"),
    "version_no": ("版本", "Version"),
    # lists: filters, paging, downloads
    "filters": ("筛选条件", "Filters"),
    "apply_filters": ("筛选", "Apply filters"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "all": ("全部", "All"),
    "overdue_only": ("仅看逾期", "Overdue only"),
    "filter.status": ("状态", "Status"),
    "filter.grade": ("等级", "Grade"),
    "filter.district": ("区县", "District"),
    "filter.cause": ("事故类别", "Cause"),
    "filter.kind": ("事项类型", "Kind"),
    "first_page": ("回到第一页", "First page"),
    "downloads": ("下载", "Download"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    # safety's proposals, grouped by employer
    "proposal_group": ("{n} 条检查建议", "{n} proposal(s)"),
    "schedule_joint": ("安排联合检查", "Schedule a joint inspection"),
    "joint_theme": ("{name}事故后联合执法检查", "Joint inspection of {name} after its accidents"),
})
