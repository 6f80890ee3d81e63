"""The notifier's pages: the delivery log (an agency's own; the auditor's every one) and the
signed acknowledge link a message carries, which only opens the notice for a signed-in user."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.http.deps import ContainerDep
from adapters.notify.runner import STORE
from adapters.web import i18n
from adapters.web.render import NAV, render
from adapters.web.session import COOKIE, LoginRequired, WebUserDep, lang_of, user_for
from domain.vocabulary import AGENCIES
from services.notifications.links import link_problem
from services.notifications.log import deliveries
from services.policies import contacts as policy

router = APIRouter(prefix="/ui", include_in_schema=False)
NAV.append(("/ui/deliveries", "deliveries", None, None))

i18n.register({
    "deliveries": ("通知发送记录", "Deliveries"),
    "deliveries_title": ("{agency}的通知发送记录", "Notifications sent to {agency}"),
    "deliveries_all": ("全部门通知发送记录", "Notifications sent to every agency"),
    "deliveries_filter": ("筛选", "Filter"),
    "delivery_at": ("时间", "Time"),
    "no_deliveries": ("暂无发送记录。", "Nothing sent yet."),
    "recipient": ("接收人", "Recipient"),
    "channel": ("渠道", "Channel"),
    "attempts": ("尝试次数", "Attempts"),
    "answer": ("对方应答", "Receiver's answer"),
    "status": ("状态", "Status"),
    "kind.delivery_failed": ("通知发送失败", "Notification not delivered"),
    "delivery.kind.new_notice": ("新通报", "new notice"),
    "delivery.kind.reopened": ("补报重新确认", "revised, acknowledge again"),
    "delivery.kind.reminder": ("催办", "reminder"),
    "delivery.kind.escalated": ("升级", "escalation"),
    "delivery.kind.fund_cap": ("预防费用接近上限", "prevention fund near its cap"),
    "delivery.kind.action_item_due": ("会议事项即将到期", "meeting action item due soon"),
    "delivery.kind.action_item_overdue": ("会议事项逾期", "meeting action item overdue"),
    "delivery.kind.rectification_due": ("整改即将到期", "rectification due soon"),
    "delivery.kind.rectification_missed": ("整改逾期", "rectification missed"),
    "delivery.channel.email": ("邮件", "email"),
    "delivery.channel.webhook": ("群机器人/接口", "webhook"),
    "delivery.channel.sms": ("短信", "SMS"),
    "delivery.status.owed": ("待发送", "to send"),
    "delivery.status.sent": ("已发送", "sent"),
    "delivery.status.failed": ("发送失败", "failed"),
    "delivery.status.retrying": ("重试中", "retrying"),
    "link_bad": ("链接无效。请从系统中打开该通报。",
                 "This link is not valid. Open the notice in the system."),
    "link_expired": ("链接已过确认时限。请从系统中打开该通报。",
                     "This link has expired with its deadline. Open the notice in the system."),
})


@router.get("/deliveries", response_class=HTMLResponse)
def delivery_log(request: Request, c: ContainerDep, actor: WebUserDep, agency: str = "",
                 status: str = "") -> Response:
    if not policy.DELIVERIES_READ_ALL.allows(actor):
        agency = actor.agency
    elif agency not in AGENCIES:
        agency = ""
    with c.store(STORE).transaction(write=False) as tx:
        rows = deliveries(tx, agency or None, status or None)
    return render(request, "deliveries.html", actor, rows=rows[:500], total=len(rows),
                  agency=agency, wanted=status, agencies=AGENCIES)


@router.get("/ack/{notice_id}", response_model=None)
def ack_link(request: Request, notice_id: str, c: ContainerDep, agency: str = "",
             expires: int = 0, sig: str = "") -> Response:
    """Checks the signature and the deadline, then asks for sign-in; never acknowledges."""
    secret = c.settings.link_secret
    problem = "bad signature" if secret is None else link_problem(
        secret.get_secret_value().encode(), notice_id, agency, expires, sig, c.clock())
    actor = user_for(c, request.cookies.get(COOKIE))
    if problem is not None:
        key = "link_expired" if problem == "expired" else "link_bad"
        return render(request, "error.html", actor, status=410 if problem == "expired" else 403,
                      message=i18n.translate(lang_of(request), key),
                      status_code=410 if problem == "expired" else 403)
    if actor is None:
        raise LoginRequired(quote(f"{request.url.path}?{request.url.query}", safe="/"))
    return RedirectResponse(f"/ui/notices/{notice_id}", status_code=303)
