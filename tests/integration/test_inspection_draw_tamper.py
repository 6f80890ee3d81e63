"""GET /draw/verify re-runs the draw from the stored event: altering the stored seed or
register in the database (SQLite and PostgreSQL) makes it fail."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.common import Actor, beijing_date
from tests.support import ManualClock, credit_code

ADMIN = Actor("u-a", "管理员", "hrss", "admin")
INSPECTOR = Actor("u-i", "林检", "safety", "inspector")


def rewrite_scheduled(c: Container, inspection_id: str, change: Callable[[Any], None]) -> None:
    """Edit the stored Scheduled event's JSON in place, behind the application's back."""
    settings = c.settings
    name: str = c.app.recorder.events_table_name  # type: ignore[attr-defined]
    if settings.uses_postgres:
        table = sql.Identifier(settings.database_schema, name)
        with psycopg.connect(settings.database_url or "", autocommit=True) as conn:
            row = conn.execute(sql.SQL("SELECT state FROM {} WHERE originator_id = %s AND "
                                       "originator_version = 1").format(table),
                               (UUID(inspection_id),)).fetchone()
            assert row is not None
            state = json.loads(bytes(row[0]))
            change(state)
            conn.execute(sql.SQL("UPDATE {} SET state = %s WHERE originator_id = %s AND "
                                 "originator_version = 1").format(table),
                         (json.dumps(state).encode(), UUID(inspection_id)))
        return
    con = sqlite3.connect(settings.data_dir / "events.db")
    try:
        rows = con.execute(f"SELECT originator_id, state FROM {name} WHERE "
                           "originator_version = 1").fetchall()
        [(key, raw)] = [(k, s) for k, s in rows if str(k).replace("-", "") ==
                        inspection_id.replace("-", "")]
        state = json.loads(raw)
        change(state)
        con.execute(f"UPDATE {name} SET state = ? WHERE originator_id = ? AND "
                    "originator_version = 1", (json.dumps(state).encode(), key))
        con.commit()
    finally:
        con.close()


def alter_seed(state: Any) -> None:
    state["draw"]["seed"] = state["draw"]["seed"] + "x"


def alter_register(state: Any) -> None:
    state["draw"]["employer_register"][0]["name"] = "被篡改的企业"


def alter_register_and_digest(state: Any) -> None:
    """Swap a drawn employer out of the register, and recompute its digest to match."""
    from domain.draw import digest

    drawn = {t["credit_code"] for t in state["draw"]["targets"]}
    reg = [e for e in state["draw"]["employer_register"] if e["credit_code"] not in drawn]
    state["draw"]["employer_register"] = reg
    state["draw"]["employer_register_sha256"] = digest(reg, "credit_code")


@pytest.mark.parametrize("alter", [alter_seed, alter_register, alter_register_and_digest])
def test_verification_fails_after_the_stored_draw_is_altered(
    settings: Settings, clock: ManualClock, make_container: Callable[[Settings], Container],
    alter: Callable[[Any], None],
) -> None:
    c = make_container(settings)
    c.registers.put("employers", ADMIN, [{"credit_code": credit_code(n), "name": f"企业{n}"}
                                         for n in range(1, 16)])
    c.registers.put("inspectors", ADMIN, [{"id": f"{a}{n}", "name": f"{a}{n}", "agency": a}
                                          for a in ("safety", "health") for n in range(4)])
    d = beijing_date(clock.now)
    r = c.inspections.schedule(INSPECTOR, theme="双随机抽查", starts_on=d,
                               ends_on=d + timedelta(days=1), lead_agency="safety",
                               agencies=["safety", "health"], inspectors=[], targets=[],
                               draw={"targets": 4, "inspectors": 3, "seed": "2026-Q3"})
    assert c.inspections.verify_draw(r["id"])["verified"] is True
    rewrite_scheduled(c, r["id"], alter)
    fresh = make_container(settings)
    result = fresh.inspections.verify_draw(r["id"])
    assert result["verified"] is False and result["problems"], result
