"""`linkage rebuild --agency X` ends equal to the live read model (embedded default and PostgreSQL)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from typer.testing import CliRunner

from adapters import rebuild
from adapters.bootstrap import Container, bootstrap
from adapters.cli import app as cli
from adapters.pg_tx import PgTx
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from domain.fund_year import CapExceeded
from domain.vocabulary import AGENCIES
from services.agencies import projection_for
from services.feeder import stored_topics
from tests.integration.kafka_support import docs
from tests.support import ManualClock, credit_code

ACTORS = {a: Actor(f"u-{a}", f"{a} liaison", a, "liaison") for a in AGENCIES}
CAUSES = ["fall", "poisoning", "mechanical", "occupational_disease", "fire"]
DISTRICTS = ["鼓楼区", "台江区", "仓山区", "晋安区"]


def make_mixed_history(c: Container, clock: ManualClock, notices: int, projects: int,
                       seed: int) -> None:
    """Notices over two years, health follow-ups, a fund year and projects through their lives."""
    rng = random.Random(seed)
    start = clock.now
    ids = []
    for i in range(notices):
        occurred = start - timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 23))
        r = c.notices.file(
            ACTORS["safety"],
            Employer(f"企业{i % 40}", credit_code(5000 + i % 40), rng.choice(["制造业", "建筑业"]),
                     1 + i % 8),
            Incident(rng.choice(DISTRICTS), occurred, "现场", f"事故{i}", rng.choice(CAUSES)),
            Casualties(rng.choice([0, 0, 0, 1, 3]), rng.choice([0, 0, 1, 12]), 0, Decimal(1000)))
        nid = UUID(r["id"])
        ids.append(nid)
        for agency in r["required_agencies"][: rng.randint(0, len(r["required_agencies"]))]:
            c.notices.acknowledge(nid, ACTORS[agency])
        if rng.random() < 0.1:
            c.notices.withdraw(nid, ACTORS["safety"], "误报")
        elif rng.random() < 0.3 and "health" in r["required_agencies"]:
            c.health_follow_ups.record_done(nid, ACTORS["health"], "已随访", rng.randint(0, 30))
    year = start.year
    c.fund_years.open(ACTORS["hrss"], year, Decimal("5000000.00"))  # cap 150,000
    for i in range(projects):
        p = UUID(c.projects.propose(ACTORS["hrss"], year, "training", f"培训{i}",
                                    Decimal(rng.choice([10000, 20000, 30000])),
                                    {"sessions": 2, "trainees": 60})["id"])
        if rng.random() < 0.2:
            c.projects.reject(p, ACTORS["finance"], "不符合使用范围")
            continue
        try:
            c.projects.approve(p, ACTORS["finance"])
        except CapExceeded:
            continue
        c.projects.report_milestone(p, ACTORS["hrss"], {"sessions_held": 2, "trainees_trained": 55})
        d = c.projects.request_disbursement(p, ACTORS["hrss"], Decimal(5000), "首期")
        if rng.random() < 0.7:
            c.projects.pay(p, d["disbursement_id"], ACTORS["finance"])


def env_of(settings: Settings) -> dict[str, str]:
    env = {"LINKAGE_DATA_DIR": str(settings.data_dir), "LINKAGE_DATABASE_URL": settings.database_url or "",
           "LINKAGE_DATABASE_SCHEMA": settings.database_schema, "LINKAGE_KAFKA_BOOTSTRAP": ""}
    return env


@pytest.mark.parametrize("batch", [2000, 7])
@pytest.mark.parametrize("agency", AGENCIES)
def test_rebuild_command_ends_equal_to_the_live_model(
    settings: Settings, clock: ManualClock, agency: str, batch: int,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one batch, and in many small ones (on PostgreSQL each batch is folded while the one
    before it commits: the documents a batch reads may still be uncommitted)."""
    monkeypatch.setattr(rebuild, "BATCH", batch)
    c = bootstrap(settings, clock)
    try:
        make_mixed_history(c, clock, notices=40, projects=10, seed=11)
        c.drain()
        live = docs(c, agency)
    finally:
        c.close()
    assert live.get("notices")
    for name, value in env_of(settings).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["rebuild", "--agency", agency])
    assert result.exit_code == 0, result.output
    assert f"rebuilding {agency} from the log" in result.output
    assert f"{agency}: applied" in result.output and "dead-lettered 0" in result.output
    c2 = bootstrap(settings, clock)
    try:
        assert docs(c2, agency) == live
    finally:
        c2.close()


def test_the_comparison_sees_a_difference(container: Container, clock: ManualClock) -> None:
    """The equality above would catch a read model that lost or changed a document."""
    make_mixed_history(container, clock, notices=10, projects=3, seed=3)
    container.drain()
    before = docs(container, "finance")
    with container.store("finance").transaction() as tx:
        key, doc = next(iter(tx.scan("projects")))
        tx.put("projects", key, {**doc, "paid_cny": "1.00"})
    assert docs(container, "finance") != before


@pytest.mark.parametrize("agency", ["hrss", "finance"])
def test_a_rebuild_stopped_by_a_failed_commit_leaves_a_prefix_the_consumer_continues(
    pg_url: str, pg_schema: str, tmp_path: Path, clock: ManualClock, agency: str,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails at the fourth batch's commit: the rebuild stops with the error (no
    later batch is committed), what it committed is a prefix with its positions, and the
    consumer, started again, continues from there to a read model equal to the live one."""
    settings = Settings(database_url=pg_url, database_schema=pg_schema, kafka_bootstrap=None,
                        data_dir=tmp_path / "var")
    c = bootstrap(settings, clock)
    try:
        make_mixed_history(c, clock, notices=40, projects=10, seed=5)
        c.drain()
        live = docs(c, agency)
        flushes = [0]
        real_flush = PgTx.flush

        def failing_flush(self: PgTx) -> None:
            if threading.current_thread().name.startswith("commit-"):
                flushes[0] += 1
                if flushes[0] == 4:
                    raise psycopg.OperationalError("the server closed the connection")
            real_flush(self)

        monkeypatch.setattr(rebuild, "BATCH", 9)
        monkeypatch.setattr(PgTx, "flush", failing_flush)
        store = c.store(agency)
        with pytest.raises(psycopg.OperationalError):
            rebuild.from_log(c, projection_for(agency), store)
        monkeypatch.setattr(PgTx, "flush", real_flush)
        first = c.app.recorder.select_notifications(
            start=0, limit=3 * 9, topics=stored_topics(projection_for(agency).mechanisms),
            inclusive_of_start=False)
        with store.transaction(write=False) as tx:
            assert tx.position("log") == first[-1].id  # three batches, not one more
        assert docs(c, agency) != live  # a prefix, not the whole
        c.agency_feeders[agency].catch_up()  # the consumer, started again
        assert docs(c, agency) == live
    finally:
        c.close()


@pytest.mark.parametrize("agency", ["health", "finance"])
def test_rebuilds_in_one_process_are_whole_whatever_connection_the_pool_gives(
        pg_url: str, pg_schema: str, tmp_path: Path, clock: ManualClock, agency: str) -> None:
    """Rebuilds share the process's pooled connections, which another user may hand back in
    autocommit mode (a rebuild once did, and the next lost every batch's copied rows)."""
    c = bootstrap(Settings(database_url=pg_url, database_schema=pg_schema, kafka_bootstrap=None,
                           data_dir=tmp_path / "var"), clock)
    try:
        make_mixed_history(c, clock, notices=150, projects=15, seed=29)
        c.drain()
        pool = c.pool()
        left = [pool.getconn() for _ in range(3)]
        for conn in left:
            conn.autocommit = True
            pool.putconn(conn)
        for round_ in range(2):
            rebuild.from_log(c, projection_for(agency), c.store(f"check_{agency}"))
            assert docs(c, f"check_{agency}") == docs(c, agency), round_
    finally:
        c.close()


@pytest.mark.parametrize("args", [["rebuild", "--agency", "police"],
                                  ["consume", "--agency", "police", "--once"],
                                  ["audit", "replay", "--agency", "police"]])
def test_unknown_agency_is_refused_in_both_languages(
        args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "--agency: 未知部门 police" in result.stderr and "unknown agency" in result.stderr


@pytest.mark.parametrize("args", [["relay", "--once"], ["consume", "--agency", "hrss", "--once"]])
def test_the_kafka_processes_say_in_both_languages_that_kafka_is_not_set(
        args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "未设置 LINKAGE_KAFKA_BOOTSTRAP" in result.stderr
    assert "LINKAGE_KAFKA_BOOTSTRAP is not set" in result.stderr
