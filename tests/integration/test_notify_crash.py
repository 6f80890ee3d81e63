"""SIGKILL `linkage notify` again and again while it sends 600 deliveries: none is lost, and a
message sent again (killed between its send and its record) carries the same id."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.bootstrap import bootstrap
from adapters.notify.runner import STORE
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.contacts import Contacts
from services.notifications.owed import deliveries_of
from tests.conftest import sqlite_settings
from tests.integration.kafka_support import Proc
from tests.integration.notify_support import receiver
from tests.support import credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
ADMIN = Actor("a-s", "管理员", "safety", "admin")
NOTICES, CONTACTS = 100, 6


@pytest.mark.heavy
def test_killed_notifier_loses_nothing_and_repeats_carry_the_same_id(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    c = bootstrap(settings)
    with receiver() as rec:
        try:
            book = Contacts(c.app, c.clock, c.store("api"))
            for i in range(CONTACTS):
                book.save("safety", ADMIN, {"name": f"值班员{i}", "duty": "on_duty", "language": "zh-CN",
                                            "webhook_url": rec.url(f"/hook/{i}"), "webhook_kind": "generic",
                                            "webhook_secret": f"k{i}"})
            now = datetime.now(UTC)
            for n in range(NOTICES):
                c.notices.file(SAFETY, Employer(f"企业{n}", credit_code(100 + n), "制造业", 3),
                               Incident("鼓楼区", now - timedelta(hours=1), "车间", "机械伤害", "mechanical"),
                               Casualties(0, 0, 0, Decimal("1000")))
            proc = Proc(["notify"], settings, tmp_path / "notify.log")
            crashes_wanted = "notify-after-send=0.02,notify-before-commit=0.2"
            env = {"LINKAGE_NOTIFY_INTERVAL": "0.1", "LINKAGE_NOTIFY_LEASE": "1"}
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                proc.start(LINKAGE_CRASH_POINTS=crashes_wanted, **env)
                while proc.p is not None and proc.p.poll() is None and len(
                        {h.headers["Idempotency-Key"] for h in rec.hits}) < NOTICES * CONTACTS:
                    time.sleep(0.05)
                if not proc.died():
                    proc.stop()
                    break
            assert proc.crashes >= 3, f"only {proc.crashes} crashes"
            time.sleep(1.5)  # the last killed sender's claim runs out
            last = Proc(["notify", "--once"], settings, tmp_path / "notify.log")
            last.start(**env)  # no crash points: records what the killed ones had sent
            assert last.p is not None and last.p.wait(timeout=120) == 0

            with c.store(STORE).transaction() as tx:
                owed = {k: d for k, d in tx.scan(deliveries_of("safety"))}
            assert len(owed) == NOTICES * CONTACTS
            assert {d["status"] for d in owed.values()} == {"sent"}
            keys = [h.headers["Idempotency-Key"] for h in rec.hits]
            assert set(keys) == set(owed)  # none lost, nothing else
            for h in rec.hits:  # a repeat is the same message: same id in the header and the body
                assert h.json()["id"] == h.headers["Idempotency-Key"]
                assert owed[h.json()["id"]]["contact"]["webhook_url"].endswith(h.path)
            repeats = sum(n - 1 for n in Counter(keys).values())
            print(f"\n{len(owed)} deliveries, {proc.crashes} SIGKILLs, {repeats} repeats")
        finally:
            c.close()
