"""Receivers that fail: 5xx and timeouts retried with backoff within bounds, a 4xx recorded as
failed with its body (and shown in the agency's queue and delivery log), SMTP down delays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from adapters.accounts import Accounts
from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.notify.runner import STORE, InProcessNotifier
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.contacts import Contacts
from services.notifications.log import deliveries
from tests.integration.notify_support import SmtpSink, free_port, receiver
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def status(c: Container, channel: str, agency: str) -> dict[str, Any]:
    with c.store(STORE).transaction() as tx:
        [d] = [d for d in deliveries(tx, agency) if d["channel"] == channel]
    return d


def test_retries_failures_and_an_smtp_outage(
        settings: Settings, clock: ManualClock, make_container: Callable[[Settings], Container]
) -> None:
    smtp_port = free_port()  # nothing listens here yet: the SMTP server is down
    with receiver() as rec:
        rec.script["/flaky"] = [(503, "busy"), (503, "busy"), (200, "ok")]
        rec.script["/bad"] = [(400, '{"errcode": 93000, "errmsg": "invalid webhook url"}')]
        c = make_container(settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_starttls": False,
            "notify_max_attempts": 3, "notify_backoff_base": 2.0, "notify_timeout": 5.0}))
        book = Contacts(c.app, c.clock, c.store("api"))
        book.save("safety", Actor("a-s", "管理员", "safety", "admin"), {
            "name": "值班员", "duty": "on_duty", "language": "zh-CN", "email": "duty@safety.gov.cn",
            "webhook_url": rec.url("/flaky"), "webhook_kind": "generic"})
        book.save("hrss", Actor("a-h", "管理员", "hrss", "admin"), {
            "name": "HRSS duty", "duty": "on_duty", "language": "en",
            "webhook_url": rec.url("/bad"), "webhook_kind": "wecom"})
        filed = c.notices.file(SAFETY, Employer("闽江建工集团有限公司", credit_code(3), "建筑业", 5),
                               Incident("鼓楼区", clock.now - timedelta(hours=1), "工地", "坍塌",
                                        "collapse"), Casualties(0, 1, 0, Decimal("10000")))
        n = InProcessNotifier(c)
        assert n.run_once() == {"retrying": 2, "failed": 1}
        for agency in filed["required_agencies"]:  # no reminders in this test
            c.notices.acknowledge(UUID(filed["id"]), Actor(f"u-{agency}", agency, agency, "liaison"))
        bad = status(c, "webhook", "hrss")
        assert bad["status"] == "failed" and bad["attempts"] == 1
        assert bad["answer"] == 'HTTP 400: {"errcode": 93000, "errmsg": "invalid webhook url"}'
        flaky = status(c, "webhook", "safety")
        assert (flaky["status"], flaky["answer"]) == ("retrying", "HTTP 503: busy")
        assert status(c, "email", "safety")["answer"].startswith("SMTP unreachable")

        assert n.run_once() == {}  # backoff: not due yet
        clock.advance(seconds=2)
        assert n.run_once() == {"retrying": 2}
        clock.advance(seconds=4)
        assert n.run_once() == {"sent": 1, "retrying": 1}  # the third try answered 200
        assert [h.headers["Idempotency-Key"] for h in rec.at("/flaky")] == [flaky["id"]] * 3
        assert len(rec.at("/bad")) == 1  # a 4xx is not retried

        for _ in range(5):  # far beyond the 3 attempts: SMTP down delays, never drops
            clock.advance(minutes=10)
            assert n.run_once() == {"retrying": 1}
        sink = SmtpSink()
        sink.port = smtp_port
        sink.start()
        try:
            clock.advance(minutes=10)
            assert n.run_once() == {"sent": 1}
            [mail] = sink.mails
            email = status(c, "email", "safety")
            assert mail.message["Message-ID"] == f"<{email['id']}@linkage>"
            assert email["attempts"] == 9
            assert [h["outcome"] for h in email["history"]] == ["retrying"] * 8 + ["sent"]
        finally:
            sink.stop()

        # The failure is an alert in hrss's queue and in its delivery log; the auditor sees all.
        tokens = {k: Accounts(c.store("api")).add(k, a, r) for k, a, r in (
            ("hrss", "hrss", "liaison"), ("safety", "safety", "liaison"), ("aud", "finance", "auditor"))}

        def get(path: str, who: str) -> Any:
            r = client.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})
            assert r.status_code == 200, r.text
            return r.json()

        with TestClient(create_app(lambda: c, background=False)) as client:
            alerts = [i for i in get("/api/v1/agencies/hrss/queue", "hrss")["items"]
                      if i["kind"] == "delivery_failed"]
            assert [(a["delivery_id"], a["channel"], a["recipient"]) for a in alerts] == \
                [(bad["id"], "webhook", "HRSS duty")]
            assert "invalid webhook url" in alerts[0]["answer"]
            assert get("/api/v1/agencies/safety/queue", "safety")["items"] == []  # all sent
            log = get("/api/v1/agencies/hrss/deliveries?status=failed", "hrss")["items"]
            assert [d["id"] for d in log] == [bad["id"]]
            assert "key=" not in str(log)  # the robot's key stays out of the log
            assert {d["status"] for d in get("/api/v1/deliveries", "aud")["items"]} == {"sent", "failed"}
            r = client.get("/api/v1/agencies/hrss/deliveries",
                           headers={"Authorization": f"Bearer {tokens['safety']}"})
            assert r.status_code == 403
            r = client.get("/api/v1/deliveries", headers={"Authorization": f"Bearer {tokens['hrss']}"})
            assert r.status_code == 403
            # Once the receiver is fixed, hrss sends it again: the same message id, alert gone.
            retry = f"/api/v1/agencies/hrss/deliveries/{bad['id']}/retry"
            assert client.post(retry, headers={"Authorization": f"Bearer {tokens['safety']}"}
                               ).status_code == 403
            rec.script["/bad"] = [(200, '{"errcode": 0}')]
            r = client.post(retry, headers={"Authorization": f"Bearer {tokens['hrss']}"})
            assert r.status_code == 202, r.text
            assert client.post(retry, headers={"Authorization": f"Bearer {tokens['hrss']}"}
                               ).status_code == 404
            assert n.run_once() == {"sent": 1}
            assert [h.headers["Idempotency-Key"] for h in rec.at("/bad")] == [bad["id"]] * 2
            assert [i for i in get("/api/v1/agencies/hrss/queue", "hrss")["items"]
                    if i["kind"] == "delivery_failed"] == []


def test_a_receiver_that_times_out_is_tried_again(
        settings: Settings, clock: ManualClock, make_container: Callable[[Settings], Container]
) -> None:
    with receiver() as rec:
        rec.delays["/slow"] = 2.0
        c = make_container(settings.model_copy(update={"notify_timeout": 0.5}))
        Contacts(c.app, c.clock, c.store("api")).save("safety", Actor("a-s", "管理员", "safety", "admin"), {
            "name": "值班员", "duty": "on_duty", "language": "zh-CN",
            "webhook_url": rec.url("/slow"), "webhook_kind": "generic"})
        c.notices.file(SAFETY, Employer("闽江建工集团有限公司", credit_code(3), "建筑业", 5),
                       Incident("鼓楼区", clock.now - timedelta(hours=1), "工地", "坍塌", "collapse"),
                       Casualties(0, 0, 0, Decimal("10000")))
        n = InProcessNotifier(c)
        assert n.run_once() == {"retrying": 1}
        slow = status(c, "webhook", "safety")
        assert "timed out" in slow["answer"]
        rec.delays["/slow"] = 0.0
        clock.advance(seconds=2)
        assert n.run_once() == {"sent": 1}
        assert [h.headers["Idempotency-Key"] for h in rec.at("/slow")] == [slow["id"]] * 2
