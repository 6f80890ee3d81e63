"""Admins' accounts page (their agency's accounts; a system-wide admin's, every agency's) and
the auditor's security page (sign-ins, security events, access log, CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapters.http.deps import ContainerDep
from adapters.http.errors import problem
from adapters.security_log import ACCESS, EVENTS, SIGNINS
from adapters.web import i18n
from adapters.web.render import NAV, error_page, render
from adapters.web.session import WebUserDep
from domain.common import Actor, DomainError
from domain.vocabulary import AGENCIES, ROLES
from services.accounts import may_manage
from services.policies import Forbidden
from services.ports import Doc

router = APIRouter(prefix="/ui", include_in_schema=False)
NAV.append(("/ui/accounts", "accounts", ("admin",), None))
NAV.append(("/ui/security", "security", ("auditor",), None))
KINDS = {"signins": SIGNINS, "events": EVENTS, "access": ACCESS}
i18n.register({
    "accounts": ("账号管理", "Accounts"),
    "account": ("账号", "Account"),
    "add_account": ("新增账号", "Add an account"),
    "name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "active": ("状态", "Status"),
    "is_active": ("启用", "active"),
    "is_inactive": ("已停用", "deactivated"),
    "system_admin": ("系统管理员", "system-wide admin"),
    "tokens": ("访问令牌", "Tokens"),
    "token_name": ("令牌名称", "Token name"),
    "issued_at": ("签发时间", "Issued"),
    "expires_at": ("到期时间", "Expires"),
    "last_used": ("最近使用", "Last used"),
    "never": ("从未", "never"),
    "revoked": ("已吊销", "revoked"),
    "expired": ("已过期", "expired"),
    "usable": ("有效", "valid"),
    "issue_token": ("签发新令牌", "Issue a token"),
    "revoke": ("吊销", "Revoke"),
    "change_role": ("变更角色", "Change role"),
    "deactivate": ("停用账号", "Deactivate"),
    "reactivate": ("重新启用", "Reactivate"),
    "reason": ("原因", "Reason"),
    "new_token_once": ("新令牌仅显示这一次，请立即交给本人：",
                       "The new token is shown this once; hand it to its holder now:"),
    "no_accounts": ("没有符合条件的账号。", "No accounts match."),
    "security": ("安全审计", "Security"),
    "signins": ("登录记录", "Sign-ins"),
    "events": ("安全事件", "Security events"),
    "access": ("访问日志", "Access log"),
    "person": ("人员", "Person"),
    "object": ("对象", "Object"),
    "outcome": ("结果", "Outcome"),
    "method": ("方式", "Method"),
    "address": ("来源地址", "Address"),
    "user_agent": ("客户端", "User agent"),
    "count": ("次数", "Count"),
    "what": ("内容", "What"),
    "kind": ("类别", "Kind"),
    "detail": ("说明", "Detail"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "no_records": ("没有符合条件的记录。", "No records match."),
    "outcome.ok": ("成功", "success"),
    "outcome.unknown_token": ("令牌无效", "unknown token"),
    "outcome.expired": ("令牌过期", "token expired"),
    "outcome.revoked": ("令牌已吊销", "token revoked"),
    "outcome.deactivated": ("账号已停用", "account deactivated"),
    "outcome.no_token": ("未填令牌", "no token"),
    "method.web": ("网页登录", "web sign-in"),
    "method.bearer": ("API 令牌", "API token"),
    "kind.throttled": ("登录失败过多已限制", "throttled after failures"),
    "kind.purge": ("过期记录清理", "purge of old records"),
})


def _caller(c: Any, actor: Actor) -> Doc:
    if actor.role != "admin":
        raise Forbidden("role_not_allowed", role=actor.role, roles=["admin"])
    doc: Doc | None = c.accounts.account_doc(actor.id)
    if doc is None:  # an admin stored before accounts had a history: its own agency only
        doc = {"id": actor.id, "name": actor.name, "agency": actor.agency, "role": actor.role,
               "active": True, "system": False}
    return doc


def _target(c: Any, caller: Doc, account_id: str) -> Doc:
    doc: Doc | None = c.accounts.account_doc(account_id)
    if doc is None:
        raise problem(404, "no_such_account", account_id=account_id)
    if not may_manage(caller, doc["agency"]):
        raise Forbidden("agency_not_allowed", agency=caller["agency"], agencies=[doc["agency"]])
    return doc


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, c: ContainerDep, actor: WebUserDep, agency: str = "",
                  role: str = "", active: str = "") -> Response:
    try:
        caller = _caller(c, actor)
        agencies = AGENCIES if caller["system"] else (caller["agency"],)
        wanted = agency if agency in agencies else None
        docs = [d for d in c.accounts.list(role=role if role in ROLES else None,
                                            active={"1": True, "0": False}.get(active))
                if d["agency"] in agencies and (wanted is None or d["agency"] == wanted)]
    except (DomainError, HTTPException) as e:
        return error_page(request, actor, e)
    return render(request, "accounts.html", actor, accounts=docs, agencies=agencies,
                  roles=ROLES, caller=caller, q={"agency": agency, "role": role, "active": active})


def _account_page(request: Request, c: Any, actor: Actor, account_id: str,
                  new_token: dict[str, Any] | None = None, status: int = 200) -> Response:
    try:
        caller = _caller(c, actor)
        _target(c, caller, account_id)
        view = c.accounts.get(account_id)
    except (DomainError, HTTPException) as e:
        return error_page(request, actor, e)
    used = c.security.last_used([t["id"] for t in view["tokens"]])
    for t in view["tokens"]:
        t["last_used_at"] = used.get(t["id"])
    return render(request, "account.html", actor, a=view, roles=ROLES, new_token=new_token,
                  status=status)


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(request: Request, c: ContainerDep, actor: WebUserDep, account_id: str) -> Response:
    return _account_page(request, c, actor, account_id)


@router.post("/accounts", response_class=HTMLResponse)
def add_account(request: Request, c: ContainerDep, actor: WebUserDep,
                name: str = Form(""), agency: str = Form(""), role: str = Form("")) -> Response:
    try:
        caller = _caller(c, actor)
        if not may_manage(caller, agency) and agency in AGENCIES:
            raise Forbidden("agency_not_allowed", agency=caller["agency"], agencies=[agency])
        made = c.accounts.add(actor, name=name, agency=agency, role=role)
    except (DomainError, HTTPException) as e:
        return error_page(request, actor, e)
    return _account_page(request, c, actor, made["id"], new_token=made["token"], status=201)


@router.post("/accounts/{account_id}/{step}", response_class=HTMLResponse)
def account_step(request: Request, c: ContainerDep, actor: WebUserDep, account_id: str,
                 step: str, role: str = Form(""), reason: str = Form(""),
                 name: str = Form(""), token_id: str = Form("")) -> Response:
    new_token = None
    try:
        _target(c, _caller(c, actor), account_id)
        if step == "role":
            c.accounts.change_role(actor, account_id, role)
        elif step == "deactivation":
            c.accounts.deactivate(actor, account_id, reason)
        elif step == "reactivation":
            c.accounts.reactivate(actor, account_id)
        elif step == "tokens":
            new_token = c.accounts.issue_token(actor, account_id, name)
        elif step == "revocation":
            c.accounts.revoke_token(actor, account_id, token_id)
        else:
            raise problem(404, "no_such_step", step=step)
    except (DomainError, HTTPException) as e:
        return error_page(request, actor, e)
    if new_token is not None:  # shown once, on this answer only
        return _account_page(request, c, actor, account_id, new_token=new_token, status=201)
    request.app.state.tokens.forget_account(account_id)
    if account_id == actor.id and step in ("role", "deactivation"):
        return RedirectResponse("/ui/", status_code=303)  # done: this page is no longer theirs
    return RedirectResponse(f"/ui/accounts/{account_id}", status_code=303)


def _records(c: Any, kind: str, person: str, agency: str, since: str, until: str,
             obj: str) -> list[Doc]:
    rows: list[Doc] = c.security.query(
        KINDS.get(kind, SIGNINS), person=person.strip() or None,
        agency=agency if agency in AGENCIES else None, since=i18n.parse_local(since),
        until=i18n.parse_local(until), obj=obj.strip() or None, limit=500)
    return rows


@router.get("/security", response_class=HTMLResponse)
def security_page(request: Request, c: ContainerDep, actor: WebUserDep, kind: str = "signins",
                  person: str = "", agency: str = "", since: str = "", until: str = "",
                  object: str = "") -> Response:
    if actor.role != "auditor":
        return render(request, "error.html", actor, status=403, message=None, status_code=403)
    kind = kind if kind in KINDS else "signins"
    rows = _records(c, kind, person, agency, since, until, object)
    q = {"kind": kind, "person": person, "agency": agency, "since": since, "until": until,
         "object": object}
    return render(request, "security.html", actor, rows=rows, q=q, kinds=tuple(KINDS),
                  agencies=AGENCIES)


@router.get("/security/export")
def security_export(request: Request, c: ContainerDep, actor: WebUserDep, kind: str = "signins",
                    person: str = "", agency: str = "", since: str = "", until: str = "",
                    object: str = "", file: str = "csv") -> Response:
    if actor.role != "auditor":
        return render(request, "error.html", actor, status=403, message=None, status_code=403)
    from adapters.http.security import COLUMNS

    rows = _records(c, kind, person, agency, since, until, object)
    if file == "xlsx":  # the same rows as an Excel sheet (headers in Chinese, times as dates)
        from adapters.export import XLSX, to_xlsx

        cols = COLUMNS[KINDS.get(kind, SIGNINS)]
        data = to_xlsx([(kind, [{col: r.get(col) for col in cols} for r in rows])])
        return Response(data, media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{kind}.xlsx"'})
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS[KINDS.get(kind, SIGNINS)], extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})
