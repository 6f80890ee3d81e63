"""The admins' accounts page and the auditor's security page, over HTTP, in both languages."""

from __future__ import annotations

import re

from services.accounts import CLI_ACTOR
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import csrf_of


def sign_in_with(api: Api, token: str) -> str:
    api.client.cookies.clear()
    r = api.client.post("/ui/login", data={"token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    csrf = csrf_of(api.client.get("/ui/").text)
    api.client.headers["X-CSRF-Token"] = csrf
    return csrf


def test_an_admin_manages_its_agencys_accounts_on_the_page(api: Api) -> None:
    admin = api.container.accounts.add(CLI_ACTOR, name="人社管理员", agency="hrss", role="admin")
    other = api.container.accounts.add(CLI_ACTOR, name="应急联络员", agency="safety", role="liaison")
    sign_in_with(api, admin["token"]["token"])
    page = api.client.get("/ui/accounts").text
    assert "账号管理" in page and "人社管理员" in page and "应急联络员" not in page
    made = api.client.post("/ui/accounts", data={"name": "王敏", "agency": "hrss",
                                                 "role": "liaison"})
    assert made.status_code == 201 and "仅显示这一次" in made.text
    token = re.search(r"<code>(lk_[^<]+)</code>", made.text)
    assert token and api.client.get("/api/v1/accident-notices", headers={
        "Authorization": f"Bearer {token.group(1)}"}).status_code == 200
    uid = next(a["id"] for a in api.container.accounts.list() if a["name"] == "王敏")
    shown = api.client.get(f"/ui/accounts/{uid}")
    assert token.group(1) not in shown.text and "最近使用" in shown.text
    token_id = api.container.accounts.get(uid)["tokens"][0]["id"]
    r = api.client.post(f"/ui/accounts/{uid}/revocation", data={"token_id": token_id})
    assert r.status_code == 200 and "已吊销" in r.text
    assert api.client.get("/api/v1/accident-notices", headers={
        "Authorization": f"Bearer {token.group(1)}"}).status_code == 401
    assert api.client.get(f"/ui/accounts/{other['id']}").status_code == 403
    refused = api.client.post("/ui/accounts", data={"name": "x", "agency": "safety",
                                                    "role": "liaison"})
    assert refused.status_code == 403 and "人社局无权执行此操作（需要：应急管理局）" in refused.text
    before = len(api.container.accounts.list())
    bad = api.client.post("/ui/accounts", data={"name": "王\u0007敏", "agency": "hrss",
                                                "role": "liaison"})
    assert bad.status_code == 422 and "控制字符" in bad.text  # the API's name rule
    assert "姓名: " in bad.text  # naming the input refused
    blank = api.client.post(f"/ui/accounts/{uid}/tokens", data={"name": " \u200b "})
    assert blank.status_code == 422 and "不能为空" in blank.text
    assert len(api.container.accounts.list()) == before
    assert len(api.container.accounts.get(uid)["tokens"]) == 1
    api.client.cookies.set("linkage_lang", "en")
    assert "Accounts" in api.client.get("/ui/accounts").text
    api.client.cookies.set("linkage_lang", "zh-CN")
    # an admin who makes themself a liaison lands where they still may be, not on an error
    own = api.client.post(f"/ui/accounts/{admin['id']}/role", data={"role": "liaison"},
                          follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == "/ui/"
    assert api.container.accounts.get(admin["id"])["role"] == "liaison"
    assert api.client.get("/ui/").status_code == 200


def test_the_auditor_reads_the_security_log_on_its_page(api: Api) -> None:
    api.client.get("/api/v1/accident-notices", headers={"Authorization": "Bearer lk_wrong"})
    auditor = api.container.accounts.add(CLI_ACTOR, name="审计员", agency="finance", role="auditor")
    sign_in_with(api, auditor["token"]["token"])
    page = api.client.get("/ui/security").text
    assert "登录记录" in page and "令牌无效" in page and "lk_wrong" not in page
    assert "访问日志" in api.client.get("/ui/security?kind=access").text
    export = api.client.get("/ui/security/export?kind=signins")
    assert export.headers["content-type"].startswith("text/csv") and "unknown_token" in export.text
    liaison = api.container.accounts.add(CLI_ACTOR, name="联络员", agency="finance", role="liaison")
    sign_in_with(api, liaison["token"]["token"])
    assert api.client.get("/ui/security").status_code == 403
    assert api.client.get("/ui/accounts").status_code == 403
