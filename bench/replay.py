"""Audit replay with verification against the bare eventsourcing recorder, and its growth with size.

For each size (default 10k, 100k, 1M events) on a fresh SQLite event store:
  (a) baseline: the bare recorder reads the notification log (`select_notifications`, batches of
      2000) and decodes every notification (`mapper.to_domain_event`);
  (b) audit: `services.audit.verified_replay` — the same reads, each event's hash-chain link
      recomputed and compared with the stored chain, each event decoded into the audit record
      (time, actor, agency, type, payload), and the checkpoints checked.
Rounds alternate (a) and (b); the medians are reported, with (b)/(a) in events per second
(target ≥ 0.5) and the time of (b) per size (target: close to linear, 1M under 60 s).

The store is filled quickly: a seed of real accident-notice histories is made through the
domain (file, acknowledge, revise, escalate, close), then its stored rows are copied under
fresh aggregate ids with plain INSERTs. The chain is built once (timed separately).

Run from the repository root:  .venv/bin/python bench/replay.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from benchlib import append_results, credit_code, machine

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


CPU: list[float] = []  # process CPU seconds of the last timed() call


def timed(fn: Any) -> tuple[float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    n = fn()
    CPU[:] = [time.process_time() - c0]
    return time.perf_counter() - t0, n


def run_size(size: int, rounds: int, workdir: Path) -> dict[str, Any]:
    from adapters import audit_wiring
    from adapters.bootstrap import bootstrap
    from services import audit
    from services.chain import notifications

    settings = Settings(data_dir=workdir / f"n{size}", database_url=None, kafka_bootstrap=None)
    clock = Clock()
    c = bootstrap(settings, clock)
    try:
        seed(c, clock)
        fill(settings.data_dir / "events.db", size)
        assert c.app.recorder.max_notification_id() == size
        ch = audit_wiring.chainer(c, workdir / f"checkpoints-{size}.jsonl")
        chain_s, _ = timed(lambda: ch.extend() and 0)
        ch.checkpoint()
        points = audit_wiring.exported_checkpoints(c, [workdir / f"checkpoints-{size}.jsonl"])

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

        base, ours, base_cpu, ours_cpu = [], [], [], []
        for _ in range(rounds):
            t, n = timed(baseline)
            assert n == size
            base.append(t)
            base_cpu.append(CPU[0])
            t, n = timed(verified)
            assert n == size
            ours.append(t)
            ours_cpu.append(CPU[0])
        b, o = statistics.median(base), statistics.median(ours)
        return {"size": size, "chain_s": chain_s, "baseline_s": b, "verified_s": o,
                "baseline_cpu": statistics.median(base_cpu), "verified_cpu": statistics.median(ours_cpu),
                "baseline_eps": size / b, "verified_eps": size / o, "ratio": b / o,
                "db_mb": (settings.data_dir / "events.db").stat().st_size / 2**20}
    finally:
        c.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--rounds", type=int, default=3, help="rounds per size (1M: at most 2)")
    p.add_argument("--no-record", action="store_true")
    args = p.parse_args()
    started = datetime.now(UTC)
    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="linkage-replay-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            r = run_size(size, min(args.rounds, 2) if size >= 1_000_000 else args.rounds, Path(tmp))
            results.append(r)
            print(f"{size:>9} events: baseline {r['baseline_eps']:,.0f} ev/s ({r['baseline_s']:.2f} s), "
                  f"verified replay {r['verified_eps']:,.0f} ev/s ({r['verified_s']:.2f} s), "
                  f"ratio {r['ratio']:.2f}; CPU {r['baseline_cpu']:.2f} s vs {r['verified_cpu']:.2f} s; "
                  f"chain built in {r['chain_s']:.2f} s", flush=True)
    first = results[0]
    lines = ["| events | bare recorder read+decode | audit replay with verification | ratio "
             "(target ≥ 0.5) | replay time (wall) | CPU: bare / audit (ratio) | time per event vs "
             "first size (wall, CPU) | chain build | SQLite file |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        growth = (r["verified_s"] / r["size"]) / (first["verified_s"] / first["size"])
        growth_cpu = (r["verified_cpu"] / r["size"]) / (first["verified_cpu"] / first["size"])
        lines.append(f"| {r['size']:,} | {r['baseline_eps']:,.0f} ev/s ({r['baseline_s']:.2f} s) | "
                     f"{r['verified_eps']:,.0f} ev/s | {r['ratio']:.2f} | {r['verified_s']:.2f} s | "
                     f"{r['baseline_cpu']:.2f} s / {r['verified_cpu']:.2f} s "
                     f"({r['baseline_cpu'] / r['verified_cpu']:.2f}) | ×{growth:.2f}, ×{growth_cpu:.2f} | "
                     f"{r['chain_s']:.2f} s | {r['db_mb']:.0f} MiB |")
    body = ("Embedded default (SQLite event store, SQLite audit store), one process; medians of "
            f"{args.rounds} alternating rounds (at most 2 for 1M).\n\n" + "\n".join(lines))
    print(body)
    if not args.no_record:
        append_results("Audit replay with verification (bench/replay.py)", started, info, body)


if __name__ == "__main__":
    main()
