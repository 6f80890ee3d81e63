"""The message's acknowledge link (signed, expires with the deadline, never acknowledges by
itself) and the delivery log page, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.notify.runner import InProcessNotifier
from adapters.settings import Settings
from services.notifications.links import ack_link
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import csrf_of
from tests.integration.notify_support import receiver
from tests.support import ManualClock, notice_body


@pytest.fixture
def napi(settings: Settings, make_container: Callable[[Settings], Container]) -> Iterator[Api]:
    c = make_container(settings.model_copy(update={"link_secret": SecretStr("link-key")}))
    with TestClient(create_app(lambda: c, background=False)) as client:
        yield Api(client, c)


def sign_in(api: Api, agency: str, role: str = "liaison", next_url: str = "/ui/") -> str:
    token = api.auth(agency, role)["Authorization"][7:]
    api.client.cookies.clear()
    r = api.client.post("/ui/login", data={"token": token, "next": next_url}, follow_redirects=False)
    assert r.status_code == 303, r.text
    api.client.headers["X-CSRF-Token"] = csrf_of(api.client.get("/ui/").text)  # as a form would
    return str(r.headers["location"])


def acks(api: Api, nid: str) -> list[object]:
    n = api.client.get(f"/api/v1/accident-notices/{nid}", headers=api.auth("safety")).json()
    return list(n["acknowledgements"])


def test_the_link_opens_the_notice_for_a_signed_in_user_and_never_acknowledges(
        napi: Api, clock: ManualClock) -> None:
    r = napi.client.post("/api/v1/accident-notices", json=notice_body(), headers=napi.auth("safety"))
    assert r.status_code == 201, r.text
    nid, deadline = r.json()["id"], r.json()["deadlines"]["safety"]
    u = urlsplit(ack_link("https://linkage.example.gov.cn", b"link-key", nid, "safety", deadline))
    link = f"{u.path}?{u.query}"

    napi.client.cookies.clear()
    r = napi.client.get(link, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/ui/login?next={quote(link, safe='/')}"
    assert acks(napi, nid) == []

    back = sign_in(napi, "safety", next_url=link)  # the sign-in page sends the user back
    assert back == link
    r = napi.client.get(link, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/ui/notices/{nid}")
    page = napi.client.get(link).text
    assert f'action="/ui/notices/{nid}/acknowledge' in page  # the button is there, unpressed
    assert acks(napi, nid) == []

    forged = link.replace("agency=safety", "agency=hrss")
    assert napi.client.get(forged, follow_redirects=False).status_code == 403
    clock.advance(hours=1, minutes=1)
    r = napi.client.get(link, follow_redirects=False)
    assert r.status_code == 410 and "链接已过确认时限" in r.text
    assert acks(napi, nid) == []


def test_delivery_log_page_and_failed_delivery_in_the_queue(napi: Api) -> None:
    with receiver() as rec:
        rec.script["/gone"] = [(404, "no such robot")]
        for agency, path in (("safety", "/ok"), ("hrss", "/gone")):
            r = napi.client.post(f"/api/v1/agencies/{agency}/contacts", headers=napi.auth(agency, "admin"),
                                 json={"name": f"{agency} 值班", "duty": "on_duty",
                                       "webhook_url": rec.url(path), "webhook_kind": "generic"})
            assert r.status_code == 201, r.text
        r = napi.client.post("/api/v1/accident-notices", json=notice_body(serious_injuries=1),
                             headers=napi.auth("safety"))
        assert r.status_code == 201
        assert InProcessNotifier(napi.container).run_once() == {"sent": 1, "failed": 1}

    sign_in(napi, "safety")
    page = napi.client.get("/ui/deliveries").text
    assert "应急管理局的通知发送记录" in page and "已发送" in page and "safety 值班" in page
    assert "hrss 值班" not in page
    sign_in(napi, "hrss")
    page = napi.client.get("/ui/deliveries?status=failed").text
    assert "发送失败" in page and "HTTP 404: no such robot" in page
    queue = napi.client.get("/ui/queue").text
    assert "通知发送失败" in queue and "HTTP 404: no such robot" in queue
    sign_in(napi, "finance", "auditor")
    page = napi.client.get("/ui/deliveries").text
    assert "safety 值班" in page and "hrss 值班" in page


def test_admins_keep_contacts_in_the_ui(napi: Api) -> None:
    sign_in(napi, "hrss", "admin")
    assert "尚无联系人" in napi.client.get("/ui/contacts").text
    bad = napi.client.post("/ui/contacts", data={"name": "值班员", "duty": "on_duty", "language": "zh-CN",
                                                 "email": "not-an-address"})
    assert bad.status_code == 422 and 'data-error-for="email">' in bad.text
    assert "不是有效的电子邮箱地址" in bad.text and "is not an email" not in bad.text
    ok = napi.client.post("/ui/contacts", data={
        "name": "值班员", "duty": "on_duty", "language": "en", "email": "duty@hrss.gov.cn",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
        "webhook_kind": "dingtalk", "webhook_secret": "SECxyz"}, follow_redirects=False)
    assert ok.status_code == 303
    page = napi.client.get("/ui/contacts").text
    assert "duty@hrss.gov.cn" in page and "钉钉自定义机器人" in page and "SECxyz" not in page
    [contact] = napi.client.get("/api/v1/agencies/hrss/contacts",
                                headers=napi.auth("hrss", "admin")).json()["items"]
    assert contact["has_webhook_secret"] is True
    r = napi.client.post(f"/ui/contacts/{contact['id']}/remove", follow_redirects=False)
    assert r.status_code == 303 and "尚无联系人" in napi.client.get("/ui/contacts").text
    sign_in(napi, "hrss")
    assert napi.client.get("/ui/contacts").status_code == 403
    assert napi.client.post("/ui/contacts", data={"name": "x", "duty": "on_duty"}).status_code == 403
