"""The agency's notification contacts in the UI: its admins add and remove them (the API's own
validation, messages inline); auditors read them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from adapters.http.contacts import ContactIn
from adapters.http.deps import ContainerDep
from adapters.http.validation import messages_by_field
from adapters.web import i18n
from adapters.web.notice_form import FormDep
from adapters.web.render import NAV, error_page, problem, render
from adapters.web.session import WebUserDep, lang_of
from domain.common import Actor, DomainError
from domain.vocabulary import AGENCIES
from services.contacts import Contacts
from services.policies import contacts as policy

router = APIRouter(prefix="/ui", include_in_schema=False)
NAV.append(("/ui/contacts", "contacts", ("admin", "auditor"), None))
FIELDS = ("name", "duty", "language", "email", "webhook_url", "webhook_kind", "webhook_secret", "phone")

i18n.register({
    "contacts": ("通知联系人", "Contacts"),
    "contacts_title": ("{agency}的通知联系人", "{agency}'s notification contacts"),
    "no_contacts": ("尚无联系人：新通报不会以邮件、群消息或短信通知本部门。",
                    "No contacts yet: nobody here is told of new notices by email, chat or SMS."),
    "add_contact": ("添加联系人", "Add a contact"),
    "remove": ("删除", "Remove"),
    "duty": ("职责", "Duty"),
    "duty.on_duty": ("值班", "on duty"),
    "duty.leader": ("领导", "leader"),
    "language": ("语言", "Language"),
    "email": ("电子邮箱", "Email"),
    "webhook_url": ("群机器人 / Webhook 地址", "Webhook URL"),
    "webhook_kind": ("Webhook 类型", "Webhook kind"),
    "webhook_kind.generic": ("通用 JSON（HMAC 签名）", "generic JSON (HMAC-signed)"),
    "webhook_kind.wecom": ("企业微信群机器人", "WeCom group robot"),
    "webhook_kind.dingtalk": ("钉钉自定义机器人", "DingTalk custom robot"),
    "webhook_secret": ("签名密钥（保存后不再显示）", "Signing secret (never shown again)"),
    "phone": ("手机号（短信）", "Mobile (SMS)"),
    "name": ("姓名", "Name"),
})


def _page(request: Request, c: ContainerDep, actor: Actor, agency: str, status: int = 200,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
    rows = Contacts(c.app, c.clock, c.store("api")).list(agency)
    return render(request, "contacts.html", actor, status=status, agency=agency, rows=rows,
                  may_edit=policy.MANAGE.allows(actor), errors=errors or {},
                  values=values or {"duty": "on_duty", "language": "zh-CN"}, agencies=AGENCIES)


@router.get("/contacts", response_class=HTMLResponse)
def contacts(request: Request, c: ContainerDep, actor: WebUserDep, agency: str = "") -> Response:
    if not policy.READ.allows(actor):
        return render(request, "error.html", actor, status=403, message=None, status_code=403)
    if actor.role != "auditor" or agency not in AGENCIES:
        agency = actor.agency
    return _page(request, c, actor, agency)


@router.post("/contacts", response_class=HTMLResponse)
def add(request: Request, form: FormDep, c: ContainerDep, actor: WebUserDep) -> Response:
    if not policy.MANAGE.allows(actor):
        return render(request, "error.html", actor, status=403, message=None, status_code=403)
    values = {k: form.get(k, "") for k in FIELDS}
    try:
        body = ContactIn.model_validate(values)
    except ValidationError as e:
        errors = messages_by_field(e.errors(), lang_of(request))
        return _page(request, c, actor, actor.agency, 422, errors, values)
    try:
        Contacts(c.app, c.clock, c.store("api")).save(actor.agency, actor, body.model_dump())
    except DomainError as e:
        found = problem(e, lang_of(request))
        if found is None or found[0] != 422:
            return error_page(request, actor, e)
        return _page(request, c, actor, actor.agency, 422, {found[2] or "name": found[1]}, values)
    return RedirectResponse("/ui/contacts", status_code=303)


@router.post("/contacts/{contact_id}/remove", response_model=None)
def remove(request: Request, contact_id: str, c: ContainerDep, actor: WebUserDep) -> Response:
    if not policy.MANAGE.allows(actor):
        return render(request, "error.html", actor, status=403, message=None, status_code=403)
    try:
        Contacts(c.app, c.clock, c.store("api")).remove(actor.agency, actor, contact_id)
    except DomainError as e:
        return error_page(request, actor, e)
    return RedirectResponse("/ui/contacts", status_code=303)
