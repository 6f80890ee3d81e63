"""End-to-end latency: HTTP 201 → the notice is in every required agency's read model.

Runs the real processes (`linkage serve`, `linkage relay`, `linkage consume --agency X` for
hrss, safety, health and finance) against PostgreSQL and Kafka, files notices through the
HTTP API at a steady rate (open loop: request i is sent at t0 + i/rate by a small thread
pool) and, with a poller thread, watches each required agency's queue
(<schema>.rm_<agency>_docs, coll='queue', key=<notice id>) for the notice to appear.

Run from the repository root:  .venv/bin/python bench/e2e_latency.py [--rate 100] [--seconds 60]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psycopg
from benchlib import (
    DEFAULT_KAFKA,
    DEFAULT_PG,
    Summary,
    append_results,
    child_env,
    create_schema,
    delete_kafka_leftovers,
    drop_schema,
    machine,
    notice_body,
    percentile,
    services_used,
    system_cpu,
    tag,
)
from psycopg import sql

from adapters.kafka_topics import ensure_topics
from domain.vocabulary import AGENCIES
from services.envelope import topics

LINKAGE = str(Path(sys.executable).parent / "linkage")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- processes (the ideas of tests/integration/kafka_support.py) ------------------------------

def env_for(pg_url: str, schema: str, kafka: str, prefix: str, groups: str, partitions: int,
            data_dir: Path) -> dict[str, str]:
    env = child_env()
    env.update({
        "LINKAGE_DATABASE_URL": pg_url, "LINKAGE_DATABASE_SCHEMA": schema,
        "LINKAGE_KAFKA_BOOTSTRAP": kafka, "LINKAGE_TOPIC_PREFIX": prefix,
        "LINKAGE_CONSUMER_GROUP_PREFIX": groups, "LINKAGE_TOPIC_PARTITIONS": str(partitions),
        "LINKAGE_DATA_DIR": str(data_dir),
    })
    return env


class Proc:
    """One `linkage` subprocess, in its own session so a terminal's Ctrl-C reaches only us."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log = log
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.p = subprocess.Popen([LINKAGE, *self.args], env=self.env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def ready(self, marker: str, timeout: float) -> float:
        """Wait until the log shows `marker` (the process is past its bootstrap)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            with contextlib.suppress(OSError):
                if marker in self.log.read_text(encoding="utf-8", errors="replace"):
                    return time.monotonic() - start
            if not self.alive():
                raise SystemExit(f"{self.name} exited at start; see {self.log}")
            time.sleep(0.05)
        raise SystemExit(f"{self.name} did not log {marker!r} within {timeout:.0f} s; see {self.log}")

    def alive(self) -> bool:
        return self.p is not None and self.p.poll() is None

    def cpu_seconds(self) -> float | None:
        """utime + stime of the process so far (None once it is gone)."""
        if not self.alive() or self.p is None:
            return None
        try:
            stat = Path(f"/proc/{self.p.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mb(self) -> tuple[float, float]:
        """(resident now, peak) in MB, the process and its children (uvicorn's workers)."""
        if not self.alive() or self.p is None:
            return 0.0, 0.0
        now = peak = 0.0
        pids, todo = [], [self.p.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in (task / "children").read_text().split())
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        now += int(line.split()[1]) / 1024
                    elif line.startswith("VmHWM:"):
                        peak += int(line.split()[1]) / 1024
        return now, peak

    def stop(self) -> None:
        if self.p is None or self.p.poll() is not None:
            return
        self.p.terminate()
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()

    def log_problems(self) -> tuple[int, int]:
        """(WARNING lines, ERROR/CRITICAL/Traceback lines) in the process's log."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return 0, 0
        warn = err = 0
        for line in text.splitlines():
            if " WARNING " in line:
                warn += 1
            elif " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                err += 1
        return warn, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(check: Any, timeout: float, what: str, procs: list[Proc], step: float = 0.2) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        dead = [p.name for p in procs if not p.alive()]
        if dead:
            raise SystemExit(f"{', '.join(dead)} exited while waiting for {what}; see the logs")
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - start
        time.sleep(step)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


# -- measurement ------------------------------------------------------------------------------

@dataclass
class Filed:
    notice_id: str
    agencies: list[str]
    sent: float  # monotonic, when the request left
    at_201: float  # monotonic, when the 201 arrived
    warmup: bool
    seen: dict[str, float] = field(default_factory=dict)  # agency -> first poll that saw it

    def latency(self) -> float | None:
        if len(self.seen) < len(self.agencies):
            return None
        return max(self.seen.values()) - self.at_201


class Tracker:
    """The notices filed so far and, per agency, those not yet seen in its queue."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.filed: list[Filed] = []
        self.pending: dict[str, dict[str, Filed]] = {a: {} for a in AGENCIES}
        self.errors: list[str] = []

    def add(self, f: Filed) -> None:
        with self.lock:
            self.filed.append(f)
            for a in f.agencies:
                self.pending[a][f.notice_id] = f

    def waiting(self) -> dict[str, list[str]]:
        with self.lock:
            return {a: list(p) for a, p in self.pending.items() if p}

    def saw(self, rows: list[tuple[str, str]], at: float) -> None:
        with self.lock:
            for agency, key in rows:
                f = self.pending[agency].pop(key, None)
                if f is not None:
                    f.seen[agency] = at

    def outstanding(self) -> int:
        with self.lock:
            return sum(len(p) for p in self.pending.values())

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class Poller(threading.Thread):
    """Every `interval` s, one query over the four queues for the keys still awaited."""

    def __init__(self, pg_url: str, schema: str, tracker: Tracker, interval: float) -> None:
        super().__init__(name="poller", daemon=True)
        self.pg_url = pg_url
        self.schema = schema
        self.tracker = tracker
        self.interval = interval
        self.stop = threading.Event()
        self.polls = 0
        self.query_s: list[float] = []
        self.failure: BaseException | None = None

    def _query(self, agencies: list[str]) -> sql.Composed:
        parts = [sql.SQL("SELECT {} AS agency, key FROM {} WHERE coll = 'queue' AND key = ANY(%s)")
                 .format(sql.Literal(a), sql.Identifier(self.schema, f"rm_{a}_docs"))
                 for a in agencies]
        return sql.SQL(" UNION ALL ").join(parts)

    def run(self) -> None:
        try:
            # Never prepared: a generic plan for `key = ANY(%s)` may scan the whole table,
            # and then this poller, not linkage, is what loads PostgreSQL.
            with psycopg.connect(self.pg_url, autocommit=True, prepare_threshold=None) as conn:
                next_at = time.monotonic()
                while not self.stop.is_set():
                    waiting = self.tracker.waiting()
                    if waiting:
                        agencies = sorted(waiting)
                        t0 = time.monotonic()
                        rows = conn.execute(self._query(agencies),
                                            [waiting[a] for a in agencies]).fetchall()
                        t1 = time.monotonic()
                        # Visible by the query's snapshot, taken between t0 and t1: t1 is an
                        # upper bound, so latencies are over- rather than under-stated.
                        self.tracker.saw([(str(a), str(k)) for a, k in rows], t1)
                        self.polls += 1
                        self.query_s.append(t1 - t0)
                    next_at += self.interval
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        self.stop.wait(delay)
                    else:
                        next_at = time.monotonic()
        except BaseException as e:  # reported by the main thread
            self.failure = e


class Clients:
    """One httpx client per worker thread."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.local = threading.local()
        self.all: list[httpx.Client] = []
        self.lock = threading.Lock()

    def get(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self.local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base, headers=self.headers, timeout=30.0)
            self.local.client = client
            with self.lock:
                self.all.append(client)
        return client

    def close(self) -> None:
        for c in self.all:
            c.close()


def file_one(clients: Clients, tracker: Tracker, i: int, warmup: bool) -> None:
    body = notice_body(i)
    sent = time.monotonic()
    try:
        r = clients.get().post("/api/v1/accident-notices", json=body)
    except httpx.HTTPError as e:
        tracker.error(f"{type(e).__name__}: {e}")
        return
    at = time.monotonic()
    if r.status_code != 201:
        tracker.error(f"HTTP {r.status_code}: {r.text[:200]}")
        return
    data = r.json()
    tracker.add(Filed(str(data["id"]), list(data["required_agencies"]), sent, at, warmup))


@dataclass
class Load:
    scheduled: int
    window_s: float  # first to last scheduled send
    lateness: list[float]  # actual send start minus scheduled time


def steady_load(clients: Clients, tracker: Tracker, rate: float, seconds: float, workers: int,
                offset: int) -> Load:
    total = round(rate * seconds)
    lateness: list[float] = []
    lock = threading.Lock()

    def task(i: int, due: float) -> None:
        with lock:
            lateness.append(time.monotonic() - due)
        file_one(clients, tracker, offset + i, warmup=False)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="filer")
    try:
        t0 = time.monotonic() + 0.05
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(task, i, due)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: do not send the rest
        raise
    pool.shutdown(wait=True)
    return Load(total, (total - 1) / rate, lateness)


# -- report -----------------------------------------------------------------------------------

def ms(x: float) -> str:
    return f"{x * 1000:.0f}"


def summarize(args: argparse.Namespace, tracker: Tracker, load: Load, poller: Poller,
              cpu: dict[str, float], load_s: float, problems: dict[str, tuple[int, int]],
              warmup_s: float, busy: float, idle: dict[str, float],
              rss: dict[str, tuple[float, float]] | None = None
              ) -> tuple[str, bool, list[Summary]]:
    measured = [f for f in tracker.filed if not f.warmup]
    lat = [x for f in measured if (x := f.latency()) is not None]
    missing = [f for f in measured if f.latency() is None]
    http = [f.at_201 - f.sent for f in measured]
    first = min((f.sent for f in measured), default=0.0)
    last = max((f.at_201 for f in measured), default=0.0)
    achieved = len(measured) / (last - first) if len(measured) > 1 else 0.0
    q = sorted(poller.query_s)
    other = busy * (os.cpu_count() or 1) * load_s - sum(cpu.values())
    lines = [
        f"Target rate {args.rate:g} notices/s for {args.seconds:g} s ({load.scheduled} requests, "
        f"{args.workers} worker threads, open loop); {args.partitions} partitions per topic; "
        f"consumers: {', '.join(AGENCIES)}; warm-up: {args.warmup} notices first "
        f"(pipeline ready after {warmup_s:.1f} s, excluded from the figures).",
        "",
        f"* Filed (201): {len(measured)} of {load.scheduled}; errors: {len(tracker.errors)}"
        + (f" (first: {tracker.errors[0]})" if tracker.errors else ""),
        f"* Achieved rate: {achieved:.1f} notices/s (201s over first send → last 201); "
        f"send lateness vs schedule p99 {ms(percentile(load.lateness, 99))} ms, "
        f"max {ms(max(load.lateness))} ms",
        f"* HTTP POST → 201: p50 {ms(percentile(http, 50))} ms, p99 {ms(percentile(http, 99))} ms, "
        f"max {ms(max(http))} ms" if http else "* HTTP: no 201s",
    ]
    ok = False
    rows: list[Summary] = []
    command = f"bench/e2e_latency.py --rate {args.rate:g} --seconds {args.seconds:g}" + (
        f" --serve-workers {args.serve_workers}" if args.serve_workers > 1 else "") + (
        f" --fetch-wait-ms {args.fetch_wait_ms}" if args.fetch_wait_ms is not None else "")
    if lat:
        p99 = percentile(lat, 99)
        ok = p99 < 0.5 and not missing and not tracker.errors
        lines += [
            "",
            "| 201 → in every required agency's queue | p50 | p95 | p99 | max | count |",
            "|---|---|---|---|---|---|",
            f"| latency (ms) | {ms(percentile(lat, 50))} | {ms(percentile(lat, 95))} | "
            f"{ms(p99)} | {ms(max(lat))} | {len(lat)} |",
            "",
            "| per agency (ms) | p50 | p99 | max | count |",
            "|---|---|---|---|---|",
        ]
        for a in AGENCIES:
            xs = [f.seen[a] - f.at_201 for f in measured if a in f.seen]
            if xs:
                lines.append(f"| {a} | {ms(percentile(xs, 50))} | {ms(percentile(xs, 99))} | "
                             f"{ms(max(xs))} | {len(xs)} |")
        held = achieved >= 0.95 * args.rate
        verdict = "MET" if ok and held else "MISSED"  # a rate not held meets no target
        figure = (f"p50 {ms(percentile(lat, 50))} ms, p99 {ms(p99)} ms at {achieved:.0f}/s "
                  f"({'held' if held else 'NOT held'} for {args.seconds:g} s)")
        if args.rate <= 100:
            rows.append(Summary(f"201 → every required agency's read model, real Kafka, "
                                f"{args.rate:g} notices/s", command, figure, "—", "p99 < 100 ms",
                                ok and held and p99 < 0.1))
        else:
            rows.append(Summary("201 → every agency's read model: highest rate held 60 s with "
                                "p99 < 500 ms", command, figure, "—",
                                "≥ 200 notices/s held 60 s, p99 < 500 ms, all on this machine",
                                ok and held and args.rate >= 200 and args.seconds >= 60))
        lines += ["", f"**p99 = {ms(p99)} ms at {achieved:.0f} notices/s (offered {args.rate:g}/s, "
                  f"{'held' if held else 'NOT held'}) — target p99 < 500 ms {verdict}; "
                  f"p99 < 100 ms {'MET' if ok and p99 < 0.1 else 'MISSED'}**"
                  + (f" ({len(missing)} notices never reached every queue within "
                     f"{args.drain_timeout:g} s)" if missing else "") + "."]
    else:
        lines += ["", "**No latencies measured — target MISSED.**"]
    lines += [
        "",
        f"* Resolution: the poller ran every {args.poll_interval * 1000:.0f} ms ({poller.polls} "
        f"polls, one UNION ALL query over the four queues for the awaited keys; query p50 "
        f"{ms(percentile(q, 50)) if q else '?'} ms, max {ms(q[-1]) if q else '?'} ms). First-seen "
        f"is the query's return time, so each figure overstates the true latency by up to one "
        f"poll interval plus one query.",
        f"* CPU during the {load_s:.0f} s load window: the whole machine was {busy * 100:.0f}% busy "
        f"({os.cpu_count()} cores, {busy * (os.cpu_count() or 1):.2f} cores in use, including "
        f"anything else running on it). CPU seconds (% of one core): "
        + ", ".join(f"{name} {s:.1f} ({s / load_s * 100:.0f}%)" for name, s in cpu.items())
        + f"; other processes {max(0.0, other):.1f}.",
    ]
    if rss:
        others = {n: b for n, (_, b) in rss.items() if n != "serve"}
        rows.append(Summary("memory: relay and each consumer (RSS, peak)", command,
                            ", ".join(f"{n} {b:.0f}" for n, b in others.items()) + " MB", "—",
                            "< 150 MB each", all(b < 150 for b in others.values())))
        lines.append("* Resident memory at the end, now / peak (MB; serve: all its processes): "
                     + ", ".join(f"{n} {a:.0f} / {b:.0f}" for n, (a, b) in rss.items())
                     + " — targets serve < 250, relay and each consumer < 150: "
                     + ("MET" if all(b < (250 if n == "serve" else 150) for n, (_, b) in rss.items())
                        else "MISSED") + ".")
    if idle:
        lines.append(f"* Idle for {args.idle_seconds:g} s before the load (nothing to do), the "
                     "processes used (% of one core): "
                     + ", ".join(f"{n} {v * 100:.0f}%" for n, v in idle.items())
                     + f" — {sum(idle.values()):.2f} cores in all.")
    if achieved < 0.95 * args.rate:
        lines.append(f"* The offered rate was NOT held: {achieved:.1f}/s of {args.rate:g}/s "
                     f"(too few workers for the POST latency, or the API saturated).")
    if other / load_s > 0.25:
        lines.append(f"* **Noisy run:** processes outside the benchmark used {other / load_s:.2f} "
                     f"cores on average during the load.")
    if busy > 0.9:
        lines.append("* The machine was CPU-saturated during the load: the latencies include "
                     "queueing for CPU among the API, PostgreSQL, the broker, the relay, the four "
                     "consumers and this benchmark's client and poller.")
    noisy = {n: wp for n, wp in problems.items() if wp != (0, 0)}
    if noisy:
        lines.append("* Log lines (WARNING, ERROR): "
                     + ", ".join(f"{n} {w}/{e}" for n, (w, e) in noisy.items()))
    return "\n".join(lines), ok, rows


# -- main -------------------------------------------------------------------------------------

@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--rate", type=float, default=100.0, help="notices per second (default 100)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
    ap.add_argument("--workers", type=int, default=32,
                    help="HTTP worker threads; enough to hold the rate while a POST takes up to "
                         "workers/rate s (default 32)")
    ap.add_argument("--poll-interval", type=float, default=0.02,
                    help="read-model poll interval in seconds (default 0.02)")
    ap.add_argument("--warmup", type=int, default=8, help="warm-up notices, not measured (default 8)")
    ap.add_argument("--drain-timeout", type=float, default=60.0,
                    help="how long to wait for the last notices to arrive (default 60 s)")
    ap.add_argument("--idle-seconds", type=float, default=5.0,
                    help="measure the processes' idle CPU this long before the load (default 5)")
    ap.add_argument("--partitions", type=int, default=3, help="partitions per topic (Settings' default)")
    ap.add_argument("--serve-workers", type=int, default=1, help="`linkage serve --workers N` (1)")
    ap.add_argument("--fetch-wait-ms", type=int,
                    help="LINKAGE_CONSUMER_FETCH_WAIT_MS for the consumers (default: the setting's)")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--kafka", default=DEFAULT_KAFKA)
    ap.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    ap.add_argument("--record", action=argparse.BooleanOptionalAction, default=True,
                    help="append the results to bench/RESULTS.md (default on)")
    args = ap.parse_args(argv)

    started = datetime.now(UTC)
    info = machine()
    run = tag()
    schema = f"bench_{run}"
    prefix = f"bench{run}."
    groups = f"bench{run}-"
    work = Path(tempfile.mkdtemp(prefix="linkage-bench-e2e-"))
    env = env_for(args.pg_url, schema, args.kafka, prefix, groups, args.partitions, work / "var")
    if args.fetch_wait_ms is not None:
        env["LINKAGE_CONSUMER_FETCH_WAIT_MS"] = str(args.fetch_wait_ms)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"run {run}: schema {schema}, topics {prefix}*, {base}, logs in {work}", flush=True)

    # Started one at a time, each after its bootstrap: every process's event store runs
    # CREATE OR REPLACE FUNCTION at start, and simultaneous starts can fail with PostgreSQL's
    # "tuple concurrently updated" (seen while writing this benchmark).
    procs = [Proc("relay", ["relay"], env, work / "relay.log")]
    procs += [Proc(a, ["consume", "--agency", a], env, work / f"{a}.log") for a in AGENCIES]
    procs.append(Proc("serve", ["serve", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", str(args.serve_workers)], env, work / "serve.log"))
    markers = {"relay": "relay publishing from", "serve": "Application startup complete",
               **{a: f"{a} consumer on" for a in AGENCIES}}
    tracker = Tracker()
    poller = Poller(args.pg_url, schema, tracker, args.poll_interval)
    clients: Clients | None = None
    ok = False
    schema_made = False
    try:
        with sigterm_as_interrupt():
            create_schema(args.pg_url, schema)
            schema_made = True
            ensure_topics(args.kafka, list(topics(prefix).values()), args.partitions)
            added = subprocess.run([LINKAGE, "users", "add", "--name", "bench", "--agency", "safety",
                                    "--role", "liaison"], env=env, capture_output=True, text=True,
                                   check=True, timeout=60)
            token = added.stdout.strip().splitlines()[-1]
            for p in procs:
                p.start()
                p.ready(markers[p.name], 90)
            clients = Clients(base, token)
            health = clients.get()
            last: list[str] = []

            def healthy() -> bool:
                r = health.get("/readyz")
                last[:] = [f"{r.status_code} {r.text[:200]}"]
                return r.status_code == 200

            try:
                wait_for(healthy, 60, "the API", procs)
            except SystemExit as e:
                raise SystemExit(f"{e} (last /readyz: {last[0] if last else 'no answer'})") from e

            def tables() -> bool:
                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    row = conn.execute(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s"
                        " AND table_name = ANY(%s)",
                        (schema, [f"rm_{a}_docs" for a in AGENCIES])).fetchone()
                return bool(row and row[0] == len(AGENCIES))

            wait_for(tables, 60, "the consumers' tables", procs)
            poller.start()
            t_warm = time.monotonic()
            for i in range(args.warmup):
                file_one(clients, tracker, 1_000_000 + i, warmup=True)
            wait_for(lambda: tracker.outstanding() == 0 and not tracker.errors, 120,
                     "the warm-up notices in every queue", procs)
            warmup_s = time.monotonic() - t_warm
            print(f"pipeline warm after {warmup_s:.1f} s; loading {args.rate:g}/s for "
                  f"{args.seconds:g} s …", flush=True)

            idle: dict[str, float] = {}
            if args.idle_seconds > 0:  # what the pipeline burns with nothing to do
                before = {p.name: p.cpu_seconds() or 0.0 for p in procs}
                time.sleep(args.idle_seconds)
                idle = {p.name: ((p.cpu_seconds() or 0.0) - before[p.name]) / args.idle_seconds
                        for p in procs}
            cpu0 = {p.name: p.cpu_seconds() or 0.0 for p in procs}
            own0 = time.process_time()
            sys0 = system_cpu()
            t_load = time.monotonic()
            load = steady_load(clients, tracker, args.rate, args.seconds, args.workers, 0)
            load_s = time.monotonic() - t_load
            sys1 = system_cpu()
            cpu = {p.name: (p.cpu_seconds() or 0.0) - cpu0[p.name] for p in procs}
            cpu["bench (client + poller)"] = time.process_time() - own0
            used = services_used(sys0, sys1)
            cpu["PostgreSQL (all backends)"] = used["postgres"]
            cpu["Java (Kafka broker)"] = used["java"]
            busy = (sys1.busy - sys0.busy) / max(sys1.total - sys0.total, 1e-9)
            print(f"load done in {load_s:.1f} s; waiting for {tracker.outstanding()} queue "
                  f"entries …", flush=True)
            deadline = time.monotonic() + args.drain_timeout
            while tracker.outstanding() and time.monotonic() < deadline and poller.failure is None:
                time.sleep(0.1)
            poller.stop.set()
            poller.join(timeout=5)
            if poller.failure is not None:
                raise SystemExit(f"the poller failed: {poller.failure!r}")
            dead = [p.name for p in procs if not p.alive()]
            if dead:
                print(f"warning: {', '.join(dead)} exited during the run", file=sys.stderr)
            rss = {p.name: p.rss_mb() for p in procs}
            for p in procs:
                p.stop()
            problems = {p.name: p.log_problems() for p in procs}
            body, ok, rows = summarize(args, tracker, load, poller, cpu, load_s, problems,
                                       warmup_s, busy, idle, rss)
            if dead:
                body += f"\n* Exited during the run: {', '.join(dead)}"
            print()
            print(body)
            if args.record:
                append_results("End-to-end latency (bench/e2e_latency.py)", started, info, body,
                               summary=rows)
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        poller.stop.set()
        if clients is not None:
            clients.close()
        for p in procs:
            try:
                p.stop()
            except Exception as e:
                print(f"warning: could not stop {p.name}: {e}", file=sys.stderr)
        if schema_made:
            try:
                drop_schema(args.pg_url, schema)
            except Exception as e:
                print(f"warning: could not drop schema {schema}: {e}", file=sys.stderr)
        delete_kafka_leftovers(args.kafka, prefix, [groups + a for a in AGENCIES])
        if ok and not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
