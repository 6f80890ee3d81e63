"""Every kind of alteration of the stored events is caught, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from adapters import audit_wiring
from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.support import ManualClock, credit_code

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")


def scenario(c: Container, clock: ManualClock, notices: int = 3) -> list[str]:
    ids = []
    for i in range(notices):
        filed = c.notices.file(
            SAFETY, Employer(f"闽江建工{i}有限公司", credit_code(100 + i), "建筑业", 5),
            Incident("鼓楼区", clock.now - timedelta(hours=3), "在建工地", "脚手架坍塌", "collapse"),
            Casualties(0, 1, 0, Decimal("180000")))
        clock.advance(minutes=5)
        c.notices.acknowledge(filed["id"], SAFETY)
        c.notices.acknowledge(filed["id"], HRSS)
        ids.append(filed["id"])
    return ids


class Raw:
    """Direct access to the event store's rows, as an intruder with database access has."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.uses_postgres:
            self.table = sql.Identifier(settings.database_schema, "linkage_events").as_string(None)
            self.id = "notification_id"
        else:
            self.table, self.id = "stored_events", "rowid"

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        if self.settings.uses_postgres:
            assert self.settings.database_url
            with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
                yield conn.cursor()
        else:
            conn = sqlite3.connect(self.settings.data_dir / "events.db", isolation_level=None)
            try:
                yield conn.cursor()
            finally:
                conn.close()

    def q(self, text: str) -> str:
        text = text.format(t=self.table, id=self.id)
        return text.replace("?", "%s") if self.settings.uses_postgres else text

    def row(self, nid: int) -> tuple[Any, ...]:
        with self.cursor() as cur:
            cur.execute(self.q("SELECT originator_id, originator_version, topic, state FROM {t} "
                               "WHERE {id} = ?"), (nid,))
            found: tuple[Any, ...] = cur.fetchone()
            return found

    def change_byte(self, nid: int) -> None:
        state = bytearray(self.row(nid)[3])
        i = next(i for i, b in enumerate(state) if chr(b).isdigit())
        state[i] = ord("7") if state[i] != ord("7") else ord("8")
        with self.cursor() as cur:
            cur.execute(self.q("UPDATE {t} SET state = ? WHERE {id} = ?"), (bytes(state), nid))

    def delete(self, nid: int) -> None:
        with self.cursor() as cur:
            cur.execute(self.q("DELETE FROM {t} WHERE {id} = ?"), (nid,))

    def move(self, cur: Any, frm: int, to: int) -> None:
        cur.execute(self.q("UPDATE {t} SET {id} = ? WHERE {id} = ?"), (to, frm))

    def swap(self, a: int, b: int) -> None:
        with self.cursor() as cur:
            self.move(cur, a, -1)
            self.move(cur, b, a)
            self.move(cur, -1, b)

    def insert_after(self, nid: int, forged_version: int = 99) -> None:
        """A forged event given position nid+1; the later events move up by one."""
        agg, _, topic, state = self.row(nid)
        with self.cursor() as cur:
            cur.execute(self.q("UPDATE {t} SET {id} = {id} + 1000000 WHERE {id} > ?"), (nid,))
            cur.execute(self.q("UPDATE {t} SET {id} = {id} - 999999 WHERE {id} > 1000000"))
            cols = "originator_id, originator_version, topic, state, " + self.id
            cur.execute(self.q(f"INSERT INTO {{t}} ({cols}) VALUES (?, ?, ?, ?, ?)"),
                        (agg, forged_version, topic, state, nid + 1))


@pytest.fixture
def chained(container: Container, clock: ManualClock, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Container:
    monkeypatch.setenv(audit_wiring.CHECKPOINT_ENV, str(tmp_path / "exported.jsonl"))
    scenario(container, clock)
    assert audit_wiring.chainer(container).run_once() is not None
    return container


def verify(c: Container) -> dict[str, Any]:
    return audit_wiring.verify(c, consumers=False)


def test_untouched_history_verifies(chained: Container) -> None:
    result = verify(chained)
    assert result["ok"], result["problem"]
    assert result["checked"] == 9 and result["head_notification_id"] == 9
    assert result["checkpoints_checked"] >= 2  # the exported one and the stored one


def test_changed_byte_names_the_event(chained: Container, settings: Settings) -> None:
    Raw(settings).change_byte(5)
    result = verify(chained)
    assert not result["ok"]
    assert result["broken_at"]["notification_id"] == 5
    assert result["broken_at"]["event_type"] == "AccidentNotice.Acknowledged"
    assert "stored bytes" in result["problem"]


def test_deleted_event_is_caught(chained: Container, settings: Settings) -> None:
    Raw(settings).delete(4)
    result = verify(chained)
    assert not result["ok"] and "deleted" in result["problem"]
    assert result["broken_at"]["notification_id"] == 4
    assert result["broken_at"]["event_type"] == "AccidentNotice.Filed"


def test_deleted_last_event_is_caught(chained: Container, settings: Settings) -> None:
    Raw(settings).delete(9)
    result = verify(chained)
    assert not result["ok"] and result["broken_at"]["notification_id"] == 9


def test_reordered_pair_is_caught(chained: Container, settings: Settings) -> None:
    Raw(settings).swap(2, 3)
    result = verify(chained)
    assert not result["ok"] and "reordered" in result["problem"]
    assert result["broken_at"]["notification_id"] == 2


def test_inserted_event_is_caught(chained: Container, settings: Settings) -> None:
    Raw(settings).insert_after(6)
    result = verify(chained)
    assert not result["ok"]
    assert result["broken_at"]["notification_id"] == 7
    assert result["broken_at"]["aggregate_version"] == 99


def test_inserted_before_the_first_event_is_caught(chained: Container, settings: Settings) -> None:
    raw = Raw(settings)
    agg, _, topic, state = raw.row(1)
    with raw.cursor() as cur:
        cur.execute(raw.q(f"INSERT INTO {{t}} (originator_id, originator_version, topic, state, "
                          f"{raw.id}) VALUES (?, ?, ?, ?, ?)"), (agg, 50, topic, state, 0))
    result = verify(chained)
    assert not result["ok"] and "inserted" in result["problem"]
    assert result["broken_at"]["notification_id"] == 0


def test_rewritten_chain_is_caught_by_the_exported_checkpoint(
        chained: Container, settings: Settings) -> None:
    Raw(settings).change_byte(3)
    # The intruder recomputes every link (and drops the stored checkpoints) inside the database.
    chained.store(audit_wiring.AUDIT_STORE).reset()
    audit_wiring.chainer(chained).extend()
    result = verify(chained)
    assert not result["ok"]
    assert "checkpoint exported" in result["problem"] and "rewritten" in result["problem"]


def test_events_after_the_head_are_reported_as_not_yet_covered(
        chained: Container, clock: ManualClock) -> None:
    scenario(chained, clock, notices=1)
    result = audit_wiring.verify(chained, extend=False, consumers=False)
    assert result["ok"] and result["unchained"] == 3
    assert verify(chained)["unchained"] == 0


def test_consumer_positions_are_checked_against_the_log(
        chained: Container, clock: ManualClock, settings: Settings) -> None:
    chained.drain()
    result = audit_wiring.verify(chained)
    assert result["ok"] and result["consumers_ok"], result["consumers"]
    assert {r["consumer"] for r in result["consumers"]} >= {"index", "safety", "hrss", "health",
                                                           "finance"}
    scenario(chained, clock, notices=1)  # not yet consumed
    head = chained.app.recorder.max_notification_id()
    assert head is not None
    with chained.store("safety").transaction() as tx:
        tx.set_position("log", head)  # a consumer that claims to have seen what it never applied
    result = audit_wiring.verify(chained)
    safety = next(r for r in result["consumers"] if r["consumer"] == "safety")
    assert not result["consumers_ok"] and not safety["ok"]
    assert "skipped" in safety["problems"][0]
    with chained.store("hrss").transaction() as tx:
        tx.set_position("log", head + 5)
    hrss = next(r for r in audit_wiring.verify(chained)["consumers"] if r["consumer"] == "hrss")
    assert any("beyond the log's head" in p for p in hrss["problems"])


def test_the_inspection_and_meeting_indexes_are_verified_too(
        chained: Container, clock: ManualClock) -> None:
    """The server feeds them in-process like the notice index; the auditor's check covers them."""
    scenario(chained, clock, notices=1)
    chained.inspection_index.catch_up()
    chained.meeting_index.catch_up()
    result = audit_wiring.verify(chained)
    assert {"inspections", "meetings"} <= {r["consumer"] for r in result["consumers"]}
    head = chained.app.recorder.max_notification_id()
    assert head is not None
    with chained.store("inspections").transaction() as tx:
        tx.set_position("log", head + 5)
    inspections = next(r for r in audit_wiring.verify(chained)["consumers"]
                       if r["consumer"] == "inspections")
    assert not inspections["ok"]
