"""Audit replay with verification against the bare eventsourcing recorder, and its growth with size.

For each size (default 10k, 100k, 1M events) on a fresh SQLite event store (and, with
`--db postgres`, a fresh PostgreSQL schema; the audit store then is PostgreSQL too):
  (a) baseline: the bare recorder reads the notification log (`select_notifications`, batches of
      2000) and decodes every notification (`mapper.to_domain_event`);
  (b) audit: `services.audit.verified_replay` — the same reads, each event's hash-chain link
      recomputed and compared with the stored chain, each event decoded into the audit record
      (time, actor, agency, type, payload), and the checkpoints checked.
Rounds alternate (a) and (b); the medians are reported, with (b)/(a) in events per second
(target ≥ 0.9) and the time of (b) per size (target: linear; 1M under 15 s on SQLite, 30 s on
PostgreSQL), and the process's resident memory: before (b) and its peak during (b), sampled
every 20 ms (target: flat, the same at every size).

The store is filled quickly: a seed of real accident-notice histories is made through the
domain (file, acknowledge, revise, escalate, close), then its stored rows are copied under
fresh aggregate ids with plain INSERTs. The chain is built once (timed separately).

Run from the repository root:  .venv/bin/python bench/replay.py [--sizes 10000,100000,1000000]
    [--db sqlite --db postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from benchlib import (
    DEFAULT_PG,
    Summary,
    append_results,
    create_schema,
    credit_code,
    drop_schema,
    machine,
    tag,
)

from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import SYSTEM_WATCHER, Actor

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
SEED_NOTICES = 400


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=3)

    def __call__(self) -> datetime:
        return self.now


def seed(c: Any, clock: Clock) -> None:
    for i in range(SEED_NOTICES):
        nid = c.notices.file(
            SAFETY, Employer(f"福州第{i}机械制造有限公司", credit_code(i), "制造业", 1 + i % 8),
            Incident("鼓楼区", clock.now - timedelta(hours=1), "二号车间冲压线", "工人右手被压伤",
                     "mechanical"), Casualties(i % 4, 1, 0, Decimal("120000.00")))["id"]
        c.notices.acknowledge(nid, SAFETY)
        if i % 3 == 0:
            c.notices.revise(nid, SAFETY, Casualties(i % 4 + 1, 2, 0, Decimal("130000")), "补报")
        if i % 2 == 0:
            c.notices.acknowledge(nid, HRSS)
        else:
            clock.now += timedelta(hours=25)
            c.notices.escalate(nid, SYSTEM_WATCHER, "hrss")
        for agency in c.notices.get(nid)["pending_agencies"]:  # closing needs every one
            c.notices.acknowledge(nid, Actor(f"u-{agency}", agency, agency, "liaison"))
        c.notices.close(nid, SAFETY, "调查结束")


def fill(db: Path, size: int) -> None:
    """Copy the seed's rows under fresh aggregate ids until the log holds `size` events."""
    conn = sqlite3.connect(db, isolation_level=None)
    rows = conn.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                        "ORDER BY rowid").fetchall()
    by_agg: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_agg.setdefault(r[0], []).append(r)
    histories = list(by_agg.values())
    have = len(rows)
    conn.execute("BEGIN")
    i = 0
    while have < size:
        history = histories[i % len(histories)][: size - have]
        new = uuid4().hex
        conn.executemany("INSERT INTO stored_events VALUES (?, ?, ?, ?)",
                         [(new, v, t, s) for _, v, t, s in history])
        have += len(history)
        i += 1
    conn.execute("COMMIT")
    conn.close()


def fill_pg(pg_url: str, table: str, size: int) -> None:
    """The same on PostgreSQL, in one statement: copies of the seed under derived ids."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        have = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        copies = -(-(size - have) // have)
        conn.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "  # type: ignore[arg-type]
            "SELECT md5(s.originator_id::text || '-' || g.k)::uuid, s.originator_version, "
            "s.topic, s.state FROM generate_series(1, %s) g(k) CROSS JOIN "
            f"(SELECT * FROM {table}) s ORDER BY g.k, s.notification_id LIMIT %s",
            (copies, size - have))
        conn.execute(f"VACUUM ANALYZE {table}")  # type: ignore[arg-type]


CPU: list[float] = []  # process CPU seconds of the last timed() call
PEAK: list[float] = []  # (RSS before, peak RSS during) of the last timed() call, MiB


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(fn: Any) -> tuple[float, int]:
    before = rss_mib()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0, c0 = time.perf_counter(), time.process_time()
    n = fn()
    CPU[:] = [time.process_time() - c0]
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    PEAK[:] = [before, max(peak[0], rss_mib())]
    return wall, n


def run_size(size: int, rounds: int, workdir: Path, db: str = "sqlite",
             pg_url: str = DEFAULT_PG) -> dict[str, Any]:
    from adapters import audit_wiring
    from adapters.bootstrap import bootstrap
    from services import audit
    from services.chain import notifications

    schema = f"bench_replay_{tag()}"
    if db == "postgres":
        create_schema(pg_url, schema)
        settings = Settings(data_dir=workdir / f"pg{size}", database_url=pg_url,
                            database_schema=schema, kafka_bootstrap=None)
    else:
        settings = Settings(data_dir=workdir / f"n{size}", database_url=None, kafka_bootstrap=None)
    clock = Clock()
    c = bootstrap(settings, clock)
    try:
        seed(c, clock)
        if db == "postgres":
            table = f"{schema}.{c.app.recorder.events_table_name}"  # type: ignore[attr-defined]
            fill_pg(pg_url, table, size)
        else:
            fill(settings.data_dir / "events.db", size)
        assert c.app.recorder.max_notification_id() == size
        ch = audit_wiring.chainer(c, workdir / f"checkpoints-{db}-{size}.jsonl")
        chain_s, _ = timed(lambda: ch.extend() and 0)
        ch.checkpoint()
        points = audit_wiring.exported_checkpoints(c, [workdir / f"checkpoints-{db}-{size}.jsonl"])

        def baseline() -> int:
            n = 0
            for note in notifications(c.app):
                c.app.mapper.to_domain_event(note)
                n += 1
            return n

        def verified() -> int:
            records, result = audit.verified_replay(c.app, c.store("audit"), checkpoints=points)
            n = sum(1 for _ in records)
            assert result.ok and result.checked == size, result.problem
            assert result.checkpoints_checked == len(points)
            return n

        base, ours, base_cpu, ours_cpu, mem = [], [], [], [], []
        for _ in range(rounds):
            t, n = timed(baseline)
            assert n == size
            base.append(t)
            base_cpu.append(CPU[0])
            t, n = timed(verified)
            assert n == size
            ours.append(t)
            ours_cpu.append(CPU[0])
            mem.append(tuple(PEAK))
        b, o = statistics.median(base), statistics.median(ours)
        if db == "postgres":
            with psycopg.connect(pg_url) as conn:
                db_bytes = conn.execute("SELECT pg_total_relation_size(%s)",
                                        (table,)).fetchone()[0]  # type: ignore[index]
        else:
            db_bytes = (settings.data_dir / "events.db").stat().st_size
        return {"size": size, "db": db, "chain_s": chain_s, "baseline_s": b, "verified_s": o,
                "baseline_cpu": statistics.median(base_cpu), "verified_cpu": statistics.median(ours_cpu),
                "baseline_eps": size / b, "verified_eps": size / o, "ratio": b / o,
                "db_mb": db_bytes / 2**20, "rss_before": max(m[0] for m in mem),
                "rss_peak": max(m[1] for m in mem)}
    finally:
        c.close()
        if db == "postgres":
            drop_schema(pg_url, schema)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--rounds", type=int, default=3, help="rounds per size (1M: at most 2)")
    p.add_argument("--db", action="append", choices=("sqlite", "postgres"),
                   help="event store (repeatable; default sqlite)")
    p.add_argument("--pg-url", default=DEFAULT_PG)
    p.add_argument("--no-record", action="store_true")
    args = p.parse_args()
    started = datetime.now(UTC)
    info = machine()
    results = []
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="linkage-replay-") as tmp:
        for db in args.db or ["sqlite"]:
            for size in sizes:
                r = run_size(size, min(args.rounds, 2) if size >= 1_000_000 else args.rounds,
                             Path(tmp), db, args.pg_url)
                results.append(r)
                print(f"{db} {size:>9} events: baseline {r['baseline_eps']:,.0f} ev/s "
                      f"({r['baseline_s']:.2f} s), verified replay {r['verified_eps']:,.0f} ev/s "
                      f"({r['verified_s']:.2f} s), ratio {r['ratio']:.2f}; CPU "
                      f"{r['baseline_cpu']:.2f} s vs {r['verified_cpu']:.2f} s; chain built in "
                      f"{r['chain_s']:.2f} s; RSS {r['rss_before']:.0f} → peak "
                      f"{r['rss_peak']:.0f} MiB", flush=True)
    limit = {"sqlite": 15.0, "postgres": 30.0}
    lines = ["| event store | events | bare recorder read+decode | audit replay with verification "
             "| ratio (target ≥ 0.9) | replay time (wall; 1M target < 15 s SQLite, < 30 s PG) | "
             "CPU: bare / audit (ratio) | time per event vs first size (wall, CPU) | RSS before → "
             "peak during replay | chain build | store size |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        first = next(x for x in results if x["db"] == r["db"])
        growth = (r["verified_s"] / r["size"]) / (first["verified_s"] / first["size"])
        growth_cpu = (r["verified_cpu"] / r["size"]) / (first["verified_cpu"] / first["size"])
        lines.append(f"| {r['db']} | {r['size']:,} | {r['baseline_eps']:,.0f} ev/s "
                     f"({r['baseline_s']:.2f} s) | {r['verified_eps']:,.0f} ev/s | {r['ratio']:.2f} | "
                     f"{r['verified_s']:.2f} s | {r['baseline_cpu']:.2f} s / {r['verified_cpu']:.2f} s "
                     f"({r['baseline_cpu'] / r['verified_cpu']:.2f}) | ×{growth:.2f}, ×{growth_cpu:.2f} | "
                     f"{r['rss_before']:.0f} → {r['rss_peak']:.0f} MiB | {r['chain_s']:.2f} s | "
                     f"{r['db_mb']:.0f} MiB |")
    verdicts, summary = [], []
    for r in results:
        if r["size"] == max(sizes):
            ok = r["ratio"] >= 0.9 and (r["size"] < 1_000_000 or r["verified_s"] < limit[r["db"]])
            mine = [x for x in results if x["db"] == r["db"]]
            flat = max(x["rss_peak"] for x in mine) - min(x["rss_peak"] for x in mine)
            summary.append(Summary(
                f"audit replay with chain verification ({'SQLite' if r['db'] == 'sqlite' else 'PostgreSQL'})",
                f"bench/replay.py --db {r['db']} --sizes {args.sizes}",
                f"{r['size']:,} events in {r['verified_s']:.1f} s ({r['verified_eps']:,.0f} ev/s); "
                f"peak RSS {r['rss_peak']:.0f} MiB, {flat:+.0f} MiB across sizes",
                f"{r['ratio']:.2f} (bare recorder read + decode)",
                f"≥ 0.9×, 1M < {limit[r['db']]:g} s, memory flat",
                ok and r["size"] >= 1_000_000 and flat < 50))
            verdicts.append(f"**{r['db']}, {r['size']:,} events: ratio {r['ratio']:.2f} in "
                            f"{r['verified_s']:.1f} s — target ≥ 0.9"
                            + (f" and < {limit[r['db']]:g} s" if r["size"] >= 1_000_000 else "")
                            + f" {'MET' if ok else 'MISSED'}.**")
    body = ("One process; the audit store on the same database as the event store; medians of "
            f"{args.rounds} alternating rounds (at most 2 for 1M). RSS: this process's resident "
            "memory before the replay and its peak during it (flat = the same at every size).\n\n"
            + "\n".join(lines) + "\n\n" + "\n".join(verdicts))
    print(body)
    if not args.no_record:
        append_results("Audit replay with verification (bench/replay.py)", started, info, body,
                       summary=summary)


if __name__ == "__main__":
    main()
