"""A user's recent writes are kept with the events, in their transaction, and added up: a read
waits for each of them, not only for the last (through Kafka, two aggregates may reach a read
model in either order). The same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.bootstrap import Container
from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor
from services.application import ConcurrentWrite
from services.freshness import last_write, note_writer, noting, reached
from services.requests import run_once
from tests.support import MemoryStore, credit_code

SAFETY = Actor("u1", "王敏", "safety", "liaison")
HRSS = Actor("u2", "李强", "hrss", "liaison")
NOTICES = "accident-notices"


def new_notice(n: int = 3) -> AccidentNotice:
    now = datetime.now(UTC)
    return AccidentNotice.file(
        actor=SAFETY, employer=Employer("某厂", credit_code(n), "制造业", 2),
        incident=Incident("鼓楼区", now - timedelta(hours=1), "车间", "触电", "electrical"),
        casualties=Casualties(0, 0, 0, Decimal(0)), now=now)


def as_user(actor: Actor, c: Container, *aggregates: Any) -> None:
    with noting():  # what a request does: its user is known, then it saves
        note_writer(actor)
        c.app.commit(*aggregates)


def marks(c: Container, actor: Actor, later: timedelta = timedelta(0)) -> list[Any]:
    return last_write(c.app.write_log, actor.id, datetime.now(UTC) + later)


def test_each_users_recent_writes_are_kept_and_added_up(container: Container) -> None:
    c = container
    a, b = new_notice(3), new_notice(4)
    as_user(SAFETY, c, a)
    as_user(SAFETY, c, b)
    assert sorted(marks(c, SAFETY)) == sorted([(str(a.id), 1, NOTICES), (str(b.id), 1, NOTICES)])
    assert marks(c, HRSS) == []
    a = c.app.load(a.id, AccidentNotice)
    a.acknowledge(actor=HRSS, now=datetime.now(UTC))
    as_user(HRSS, c, a)
    assert marks(c, HRSS) == [(str(a.id), 2, NOTICES)]
    as_user(SAFETY, c, c.app.load(b.id, AccidentNotice))  # nothing pending: nothing stored
    a = c.app.load(a.id, AccidentNotice)
    a.acknowledge(actor=SAFETY, now=datetime.now(UTC))
    as_user(SAFETY, c, a)
    mine = marks(c, SAFETY)
    assert mine[0] == (str(a.id), a.version, NOTICES)  # the newest first
    assert sorted(mine) == sorted([(str(a.id), a.version, NOTICES), (str(b.id), 1, NOTICES)])
    assert marks(c, SAFETY, later=timedelta(minutes=11)) == []  # ten minutes on: no longer


def test_a_save_without_a_signed_in_user_keeps_no_mark(container: Container) -> None:
    c = container
    c.app.commit(new_notice())  # a background job or the CLI: no request
    with noting():  # a request whose user is not known (yet)
        c.app.commit(new_notice(5))
    assert marks(c, SAFETY) == []


def test_a_refused_save_keeps_no_mark(container: Container) -> None:
    """The marks are in the events' transaction: a save that fails stores neither."""
    c = container
    n = new_notice()
    c.app.commit(n)
    first, second = c.app.load(n.id, AccidentNotice), c.app.load(n.id, AccidentNotice)
    first.acknowledge(actor=HRSS, now=datetime.now(UTC))
    second.acknowledge(actor=HRSS, now=datetime.now(UTC))
    c.app.commit(first)
    with pytest.raises(ConcurrentWrite):
        as_user(HRSS, c, second)  # version 2 is taken
    assert marks(c, HRSS) == []


def test_a_keyed_request_keeps_its_mark_with_its_answer(container: Container) -> None:
    c = container
    n = new_notice()

    def act() -> tuple[int, Any]:
        c.app.commit(n)  # only staged: saved with the answer
        return 201, {"id": str(n.id)}

    with noting():
        note_writer(SAFETY)
        run_once(c.app, "u1:key-1", "digest", act, lambda e: None)
    assert marks(c, SAFETY) == [(str(n.id), 1, NOTICES)]


def test_marks_older_than_ten_minutes_are_purged(container: Container) -> None:
    c = container
    as_user(SAFETY, c, new_notice())
    recorder: Any = c.app.recorder
    recorder.purge_requests(datetime.now(UTC) - timedelta(days=7))
    assert len(marks(c, SAFETY)) == 1  # recent: kept
    table = "linkage_last_writes"
    if c.settings.database_url:
        table = f'"{c.settings.database_schema}".{table}'
    with recorder.datastore.transaction(commit=True) as cur:
        cur.execute(f"UPDATE {table} SET at = '2000-01-01T00:00:00.000000+00:00'")
    recorder.purge_requests(datetime.now(UTC) - timedelta(days=7))
    with recorder.datastore.transaction(commit=False) as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        row = cur.fetchone()
    assert (row[0] if not isinstance(row, dict) else next(iter(row.values()))) == 0


def test_a_read_model_has_reached_a_write_once_it_applied_that_version() -> None:
    model = MemoryStore("safety")
    wanted = [("a", 2, NOTICES), ("p", 5, "prevention-fund")]
    mechanisms = (NOTICES,)  # safety does not consume the prevention fund
    assert not reached(model, mechanisms, wanted)
    with model.transaction() as tx:
        tx.put("_seen", "a", {"v": 1, "n": 10})
    assert not reached(model, mechanisms, wanted)
    with model.transaction() as tx:
        tx.put("_seen", "a", {"v": 2, "n": 11})
    assert reached(model, mechanisms, wanted)
