"""The notifier against real receivers: content in both languages, signatures, reminders and
escalation timed by an injected clock, revisions, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr

from adapters.bootstrap import Container
from adapters.notify.runner import STORE, InProcessNotifier
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.contacts import Contacts
from services.notifications.links import link_problem
from services.notifications.log import deliveries
from tests.integration.notify_support import Receiver, SmtpSink, receiver, smtp_sink
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
ADMINS = {a: Actor(f"adm-{a}", f"{a} 管理员", a, "admin") for a in ("safety", "hrss", "health")}
SECRET = "s3cret-签名"
DING_SECRET = "SECdingtalk"


@pytest.fixture
def world(settings: Settings, make_container: Callable[[Settings], Container]
          ) -> Iterator[tuple[Container, SmtpSink, Receiver]]:
    with smtp_sink() as smtp, receiver() as rec:
        s = settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False,
            "smtp_from": "linkage@example.gov.cn", "sms_gateway_url": rec.url("/sms"),
            "sms_gateway_secret": SecretStr("sms-key"), "link_secret": SecretStr("link-key"),
            "public_url": "https://linkage.example.gov.cn", "notify_timeout": 5.0})
        c = make_container(s)
        book = Contacts(c.app, c.clock, c.store("api"))
        book.save("safety", ADMINS["safety"], {
            "name": "值班员甲", "duty": "on_duty", "language": "zh-CN", "email": "duty@safety.gov.cn",
            "webhook_url": rec.url("/generic"), "webhook_kind": "generic", "webhook_secret": SECRET})
        book.save("safety", ADMINS["safety"], {
            "name": "Leader Li", "duty": "leader", "language": "en", "email": "leader@safety.gov.cn"})
        book.save("hrss", ADMINS["hrss"], {
            "name": "HRSS duty", "duty": "on_duty", "language": "en",
            "webhook_url": rec.url("/wecom?key=abc"), "webhook_kind": "wecom"})
        book.save("hrss", ADMINS["hrss"], {
            "name": "人社领导", "duty": "leader", "language": "zh-CN",
            "webhook_url": rec.url("/dingtalk?access_token=t"), "webhook_kind": "dingtalk",
            "webhook_secret": DING_SECRET})
        book.save("health", ADMINS["health"], {
            "name": "卫健值班", "duty": "on_duty", "language": "zh-CN", "phone": "+8613800000000"})
        yield c, smtp, rec


def file_notice(c: Container, clock: ManualClock) -> UUID:
    filed = c.notices.file(
        SAFETY, Employer("闽江建工集团有限公司", credit_code(11), "建筑业", 5),
        Incident("鼓楼区", clock.now - timedelta(hours=3), "在建工地", "脚手架坍塌", "collapse"),
        Casualties(1, 2, 0, Decimal("1800000")))
    return UUID(filed["id"])


def log_of(c: Container, **kw: Any) -> list[dict[str, Any]]:
    with c.store(STORE).transaction() as tx:
        return deliveries(tx, **kw)


def test_new_notice_reaches_on_duty_contacts_in_their_language(
        world: tuple[Container, SmtpSink, Receiver], clock: ManualClock) -> None:
    c, smtp, rec = world
    nid = file_notice(c, clock)  # ordinary, 1 dead, 2 seriously injured: safety, hrss, health
    notifier = InProcessNotifier(c)
    counts = notifier.run_once()
    assert counts == {"sent": 4}  # safety email + webhook, hrss wecom, health SMS; no leader

    [mail] = smtp.to("duty@safety.gov.cn")
    assert smtp.to("leader@safety.gov.cn") == []
    msg = mail.message
    assert msg["Subject"] == "【工伤事故通报】应急管理局请确认"
    text, html = mail.part("plain"), mail.part("html")
    for expected in ("一般", "闽江建工集团有限公司", "鼓楼区", "死亡 1 人，重伤 2 人，失踪 0 人",
                     "北京时间", "确认链接"):
        assert expected in text and expected in html
    ids = {d["channel"]: d["id"] for d in log_of(c, agency="safety")}
    assert msg["Message-ID"] == f"<{ids['email']}@linkage>"

    # The acknowledge link is signed and expires with safety's deadline.
    link = re.search(r"https://linkage\.example\.gov\.cn/ui/ack/\S+", text)[0]  # type: ignore[index]
    u = urllib.parse.urlsplit(link)
    q = dict(urllib.parse.parse_qsl(u.query))
    assert u.path == f"/ui/ack/{nid}" and q["agency"] == "safety"
    assert link_problem(b"link-key", str(nid), "safety", int(q["expires"]), q["sig"], clock.now) is None
    later = clock.now + timedelta(hours=1, minutes=1)
    assert link_problem(b"link-key", str(nid), "safety", int(q["expires"]), q["sig"], later) == "expired"
    assert link_problem(b"link-key", str(nid), "hrss", int(q["expires"]), q["sig"], clock.now) == \
        "bad signature"

    [hook] = rec.at("/generic")
    ts = hook.headers["X-Linkage-Timestamp"]
    expected_sig = hmac.new(SECRET.encode(), ts.encode() + b"." + hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Linkage-Signature"] == "sha256=" + expected_sig
    assert hook.headers["Idempotency-Key"] == ids["webhook"] == hook.json()["id"]
    body = hook.json()
    assert body["kind"] == "new_notice" and body["notice"]["employer"] == "闽江建工集团有限公司"
    assert body["notice"]["grade"] == "ordinary" and body["notice"]["deaths"] == 1

    [wecom] = rec.at("/wecom")
    assert wecom.query == "key=abc"
    md = wecom.json()
    assert md["msgtype"] == "markdown"
    content = md["markdown"]["content"]
    assert content.startswith("### [Accident notice] HRSS: please acknowledge")
    for expected in ("**Grade**: ordinary", "**Employer**: 闽江建工集团有限公司",
                     "1 dead, 2 seriously injured", "(UTC+8)"):
        assert expected in content

    [sms] = rec.at("/sms")
    assert sms.json()["phone"] == "+8613800000000"
    assert "【工伤事故通报】卫健委请确认" in sms.json()["text"]
    assert sms.headers["X-Linkage-Signature"].startswith("sha256=")

    assert notifier.run_once() == {}  # nothing owed twice
    assert len(rec.hits) == 3 and len(smtp.mails) == 1
    assert {d["status"] for d in log_of(c)} == {"sent"}


def test_reminder_at_half_the_deadline_then_escalation_once_each(
        world: tuple[Container, SmtpSink, Receiver], clock: ManualClock) -> None:
    c, smtp, rec = world
    nid = file_notice(c, clock)
    notifier = InProcessNotifier(c)
    notifier.run_once()
    c.notices.acknowledge(nid, Actor("u-he", "陈静", "health", "liaison"))

    clock.advance(minutes=29)  # safety has 1 h: not yet half
    assert notifier.run_once() == {}
    clock.advance(minutes=2)
    assert notifier.run_once() == {"sent": 2}  # safety on duty: email + webhook
    reminders = log_of(c, agency="safety")
    assert sorted(d["kind"] for d in reminders) == ["new_notice", "new_notice", "reminder", "reminder"]
    assert smtp.to("duty@safety.gov.cn")[-1].message["Subject"] == \
        "【催办】应急管理局尚未确认通报，已过时限一半"
    clock.advance(minutes=10)
    assert notifier.run_once() == {}  # once

    clock.advance(minutes=20)  # 61 minutes: safety's deadline has passed
    assert c.watcher.run_once() == [(str(nid), "safety")]
    assert notifier.run_once() == {"sent": 3}  # safety's leader; safety on duty (email + webhook)
    [leader] = smtp.to("leader@safety.gov.cn")
    assert leader.message["Subject"] == "[Escalation] Work Safety missed the acknowledgement deadline"
    assert "Casualties: 1 dead, 2 seriously injured, 0 missing" in leader.part("plain")
    assert c.watcher.run_once() == []
    assert notifier.run_once() == {}

    clock.advance(hours=12)  # hrss: half of 24 h
    assert notifier.run_once() == {"sent": 1}
    assert rec.at("/wecom")[-1].json()["markdown"]["content"].startswith("### [Reminder] HRSS")
    clock.advance(hours=12)
    assert c.watcher.run_once() == [(str(nid), "hrss")]  # health acknowledged in time
    assert notifier.run_once() == {"sent": 3}  # hrss leader (钉钉) + safety on duty (2)
    [ding] = rec.at("/dingtalk")
    q = dict(urllib.parse.parse_qsl(ding.query))
    mac = hmac.new(DING_SECRET.encode(), f"{q['timestamp']}\n{DING_SECRET}".encode(), hashlib.sha256)
    assert q["access_token"] == "t" and q["sign"] == base64.b64encode(mac.digest()).decode()
    assert ding.json()["markdown"]["title"] == "【升级】人社局未在时限内确认通报"
    assert "**事故等级**：一般" in ding.json()["markdown"]["text"]


def test_a_revision_that_reopens_reaches_the_agencies_again(
        world: tuple[Container, SmtpSink, Receiver], clock: ManualClock) -> None:
    c, smtp, rec = world
    nid = file_notice(c, clock)
    notifier = InProcessNotifier(c)
    notifier.run_once()
    for a in ("safety", "hrss", "health"):
        c.notices.acknowledge(nid, Actor(f"u-{a}", a, a, "liaison"))
    clock.advance(minutes=10)
    c.notices.revise(nid, SAFETY, Casualties(3, 2, 0, Decimal("4200000")), "一人抢救无效死亡")
    assert notifier.run_once() == {"sent": 4}  # large now: safety (2), hrss, health again
    assert smtp.to("duty@safety.gov.cn")[-1].message["Subject"] == "【补报·需重新确认】应急管理局请确认"
    assert "死亡 3 人" in smtp.to("duty@safety.gov.cn")[-1].part("plain")
    assert rec.at("/wecom")[-1].json()["markdown"]["content"].startswith(
        "### [Revised notice] HRSS: please acknowledge again")
    # finance is required for a large accident but has no contacts: nothing owed, nothing stuck
    assert {d["agency"] for d in log_of(c)} == {"safety", "hrss", "health"}
