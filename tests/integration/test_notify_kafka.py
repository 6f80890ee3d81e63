"""`linkage notify` as the Kafka consumer group linkage-notify, beside the relay: each owed
message arrives once, and a restarted notifier resumes from its recorded positions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from adapters.bootstrap import Container
from adapters.kafka_topics import delete_topics
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.contacts import Contacts
from tests.integration.kafka_support import Proc, wait_until
from tests.integration.notify_support import receiver
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def test_notify_consumer_group_delivers_once_across_a_restart(
        kcontainer: Container, ksettings: Settings, clock: ManualClock, tmp_path: Path) -> None:
    c = kcontainer
    relay = Proc(["relay"], ksettings, tmp_path / "relay.log")
    notify = Proc(["notify"], ksettings, tmp_path / "notify.log")
    with receiver() as rec:
        try:
            book = Contacts(c.app, c.clock, c.store("api"))
            for agency in ("safety", "hrss"):
                book.save(agency, Actor(f"a-{agency}", "管理员", agency, "admin"), {
                    "name": f"{agency} 值班", "duty": "on_duty", "language": "zh-CN",
                    "webhook_url": rec.url(f"/{agency}"), "webhook_kind": "generic"})

            def file(n: int) -> None:
                c.notices.file(SAFETY, Employer(f"企业{n}", credit_code(300 + n), "制造业", 3),
                               Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", "压伤",
                                        "mechanical"), Casualties(0, 0, 0, Decimal("1000")))

            relay.start()
            notify.start()

            def contacts_known() -> bool:
                with c.store("notify").transaction(write=False) as tx:
                    return all(tx.get("contacts", a) for a in ("safety", "hrss"))

            # Topics are not ordered with each other: a contact saved a moment before a notice
            # may reach the notifier after it. Here the contacts come first, as in real use.
            wait_until(contacts_known, 90, "the notifier to know the contacts")
            file(1)  # ordinary, no serious injury: safety and hrss
            wait_until(lambda: len(rec.hits) == 2, 90, "the first notice's two messages")
            notify.stop()
            file(2)
            notify.start()
            wait_until(lambda: len(rec.hits) == 4, 90, "the second notice's two messages")
            keys = [h.headers["Idempotency-Key"] for h in rec.hits]
            assert len(set(keys)) == 4
            assert sorted(h.path for h in rec.hits) == ["/hrss", "/hrss", "/safety", "/safety"]
        finally:
            notify.stop()
            relay.stop()
            delete_topics(ksettings.kafka_bootstrap or "", ksettings.topic_prefix,
                          [ksettings.consumer_group_prefix + "notify"])
