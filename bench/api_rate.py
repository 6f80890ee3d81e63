"""HTTP filing throughput on PostgreSQL against the bare eventsourcing library, in the same run.

(a) baseline: in this process, one thread, a plain `eventsourcing.application.Application` on
    the same PostgreSQL (its own fresh schema, the recorder settings linkage uses) builds
    `AccidentNotice.file(...)` from the same body as the POST and saves it, as fast as it goes,
    for `--baseline-seconds`; run before and after (b), the figure is the mean of the two.
(b) `linkage serve` (a subprocess, `--workers N`, fresh schema) takes `POST
    /api/v1/accident-notices` from `--clients` client threads (closed loop: each sends its next
    POST when the last one is answered) for `--seconds`, after `--warmup` unmeasured POSTs.
    Reports filings/s, POST latency p50/p95/p99/max and (b)/(a) (target ≥ 0.5, stretch 1.0;
    POST p99 < 100 ms), the server's RSS (all its processes) and the CPU the machine spent.

As in bench/api_cpu.py, LINKAGE_KAFKA_BOOTSTRAP is set so that the server runs no in-process
agency consumers (the production set-up: the relay and consumers are other processes; the
server never connects to the broker).

`--memory-filings N`: afterwards keep filing until the server has filed N notices in all, then
report its RSS again (target < 250 MB after 100,000).

Run from the repository root:
    .venv/bin/python bench/api_rate.py [--seconds 30] [--clients 8] [--workers 1]
        [--workers 2 …: one (b) per value] [--idempotency] [--memory-filings 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    DEFAULT_PG,
    Summary,
    append_results,
    child_env,
    cpu_ticks,
    create_schema,
    drop_schema,
    machine,
    notice_body,
    percentile,
    services_used,
    system_cpu,
    tag,
)

from adapters.settings import Settings
from domain.accident_notice import AccidentNotice
from domain.common import Actor
from domain.notice_values import Casualties, Employer, Incident

ROOT = Path(__file__).resolve().parent.parent
LINKAGE = str(Path(sys.executable).parent / "linkage")
CLK_TCK = os.sysconf("SC_CLK_TCK")
ACTOR = Actor("bench", "bench", "safety", "liaison")


def tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def aggregate_of(body: dict[str, Any]) -> AccidentNotice:
    """The aggregate the POST creates, from the same body (what the service does, minus HTTP)."""
    e = body["employer"]
    return AccidentNotice.file(
        actor=ACTOR,
        employer=Employer(e["name"], e["credit_code"], e["industry"], e["risk_class"]),
        incident=Incident(body["district"], datetime.fromisoformat(body["occurred_at"]),
                          body["location"], body["summary"], body["cause"], body["measures_taken"]),
        casualties=Casualties(body["deaths"], body["serious_injuries"], body["missing"],
                              Decimal(body["direct_loss_cny"])),
        now=datetime.now(UTC))


def baseline(pg_url: str, seconds: float) -> tuple[float, float]:
    """Saves per second of the bare library, one thread; and this process's CPU per save (ms)."""
    from eventsourcing.application import Application

    schema = f"bench_bare_{tag()}"
    create_schema(pg_url, schema)
    try:
        env = Settings(database_url=pg_url, database_schema=schema).event_store_env()
        env.pop("APPLICATION_RECORDER_TOPIC")  # the library's own recorder
        app: Application[Any] = Application(env=env)
        for i in range(50):  # warm-up: connections, prepared statements
            app.save(aggregate_of(notice_body(10_000_000 + i)))
        n, c0, t0 = 0, time.process_time(), time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            app.save(aggregate_of(notice_body(n)))
            n += 1
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        app.close()
        return n / wall, cpu / n * 1000
    finally:
        drop_schema(pg_url, schema)


class Server:
    def __init__(self, args: argparse.Namespace, workers: int, work: Path) -> None:
        self.run = tag()
        self.schema = f"bench_api_{self.run}"
        self.pg_url = args.pg_url
        env = child_env(("LINKAGE_", "PG"))
        env.update({"LINKAGE_DATABASE_URL": args.pg_url, "LINKAGE_DATABASE_SCHEMA": self.schema,
                    "LINKAGE_KAFKA_BOOTSTRAP": args.kafka, "LINKAGE_DATA_DIR": str(work / "var"),
                    "LINKAGE_WATCHER_INTERVAL": "3600", "LINKAGE_LOG_FORMAT": "plain"})
        self.env = env
        self.log = work / f"serve-{workers}-{self.run}.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        create_schema(args.pg_url, self.schema)
        added = subprocess.run([LINKAGE, "users", "add", "--name", "bench", "--agency", "safety",
                                "--role", "liaison"], env=env, capture_output=True, text=True,
                               check=True, timeout=120)
        self.token = added.stdout.strip().splitlines()[-1]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [LINKAGE, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(workers), *args.serve_arg], env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not come up; see {self.log}")
            time.sleep(0.2)

    def cpu(self) -> float:
        return sum(proc_cpu(p) for p in tree(self.proc.pid))

    def rss(self) -> float:
        return sum(rss_mb(p) for p in tree(self.proc.pid))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            drop_schema(self.pg_url, self.schema)
        except Exception as e:
            print(f"warning: could not drop schema {self.schema}: {e}", file=sys.stderr)


def hammer(server: Server, clients: int, seconds: float | None, total: int | None, first: int,
           idempotency: bool) -> tuple[list[float], list[str], float]:
    """POST from `clients` threads (closed loop) for `seconds`, or until `total` POSTs;
    returns each POST's latency (s), the errors and the wall time."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(first, 1 << 62))
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {server.token}"}
    t0 = time.perf_counter()
    stop_at = t0 + seconds if seconds else None

    def work() -> None:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter)
                if (stop_at and time.perf_counter() >= stop_at) or (total and i - first >= total):
                    return
                extra = {"Idempotency-Key": uuid.uuid4().hex} if idempotency else {}
                body = notice_body(i)
                s = time.perf_counter()
                try:
                    r = client.post("/api/v1/accident-notices", json=body, headers=extra)
                except httpx.HTTPError as e:
                    errors.append(repr(e))
                    continue
                took = time.perf_counter() - s
                if r.status_code == 201:
                    latencies.append(took)
                else:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0


def measure(args: argparse.Namespace, workers: int, work: Path) -> dict[str, Any]:
    server = Server(args, workers, work)
    try:
        hammer(server, args.clients, None, args.warmup, 50_000_000, args.idempotency)
        time.sleep(0.5)
        s0, sys0, own0, m0 = server.cpu(), system_cpu(), time.process_time(), cpu_ticks()
        lat, errors, wall = hammer(server, args.clients, args.seconds, None, 0, args.idempotency)
        s1, sys1, own1, m1 = server.cpu(), system_cpu(), time.process_time(), cpu_ticks()
        pg = services_used(sys0, sys1)["postgres"]
        busy = m1[0] - m0[0]
        res: dict[str, Any] = {
            "workers": workers, "filed": len(lat), "errors": errors, "wall": wall,
            "rate": len(lat) / wall, "p50": percentile(lat, 50) * 1000,
            "p95": percentile(lat, 95) * 1000, "p99": percentile(lat, 99) * 1000,
            "max": max(lat) * 1000, "serve_cores": (s1 - s0) / wall, "pg_cores": pg / wall,
            "client_cores": (own1 - own0) / wall, "busy_cores": busy / wall,
            "other_cores": max(0.0, busy - (s1 - s0) - pg - (own1 - own0)) / wall,
            "serve_ms": (s1 - s0) / max(1, len(lat)) * 1000, "rss": server.rss(),
            "filed_total": args.warmup + len(lat) + len(errors)}
        if args.memory_filings and args.memory_filings > res["filed_total"]:
            more = args.memory_filings - res["filed_total"]
            print(f"filing {more} more for the memory figure …", flush=True)
            t0 = time.perf_counter()
            _, err2, _ = hammer(server, args.clients, None, more, 100_000_000, args.idempotency)
            res["memory"] = (args.memory_filings, server.rss(), time.perf_counter() - t0,
                             len(err2))
        return res
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=30.0, help="timed POSTs per server (30 s)")
    ap.add_argument("--baseline-seconds", type=float, default=10.0,
                    help="bare-library saves before and after (10 s each)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--workers", type=int, action="append",
                    help="`linkage serve --workers N` (repeatable; default 1)")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="extra `linkage serve` argument (repeatable), e.g. --serve-arg=--no-access-log")
    ap.add_argument("--idempotency", action="store_true", help="an Idempotency-Key on every POST")
    ap.add_argument("--memory-filings", type=int, default=0)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--kafka", default="127.0.0.1:9092")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    started, info = datetime.now(UTC), machine()
    work = Path(tempfile.mkdtemp(prefix="linkage-bench-api-"))
    try:
        return run(args, started, info, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, started: datetime, info: dict[str, str], work: Path) -> int:
    bases: list[tuple[float, float]] = [baseline(args.pg_url, args.baseline_seconds)]
    print(f"baseline: {bases[0][0]:,.0f} saves/s ({bases[0][1]:.2f} ms CPU each)", flush=True)
    results = []
    for w in args.workers or [1]:
        r = measure(args, w, work)
        results.append(r)
        print(f"serve --workers {w}: {r['rate']:,.0f} filings/s, p50 {r['p50']:.0f} ms, p99 "
              f"{r['p99']:.0f} ms, errors {len(r['errors'])}, RSS {r['rss']:.0f} MB", flush=True)
        bases.append(baseline(args.pg_url, args.baseline_seconds))
        print(f"baseline: {bases[-1][0]:,.0f} saves/s", flush=True)
    base = sum(b[0] for b in bases) / len(bases)
    base_cpu = sum(b[1] for b in bases) / len(bases)
    lines = [
        f"Baseline: the bare eventsourcing `Application` saving `AccidentNotice.file(…)` from the "
        f"same body, one thread, {args.baseline_seconds:g} s before and after each server run: "
        + ", ".join(f"{b[0]:,.0f}" for b in bases) + f" saves/s, mean **{base:,.0f}/s** "
        f"({base_cpu:.2f} ms CPU per save in this process).",
        "",
        f"API: `linkage serve` on PostgreSQL (fresh schema, access log on unless stated), "
        f"{args.clients} client threads, closed loop, {args.seconds:g} s after {args.warmup} "
        f"unmeasured POSTs{', each POST with an Idempotency-Key' if args.idempotency else ''}"
        f"{'; serve args ' + ' '.join(args.serve_arg) if args.serve_arg else ''}.",
        "",
        "| serve workers | filed (201) | filings/s | ratio to baseline (target ≥ 0.5) | POST p50 | "
        "p95 | p99 (target < 100 ms) | max | errors | serve CPU ms/POST | cores: serve / PG / "
        "client / other | RSS after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['workers']} | {r['filed']:,} | {r['rate']:,.0f} | {r['rate'] / base:.2f} | "
            f"{r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['p99']:.0f} ms | {r['max']:.0f} ms | "
            f"{len(r['errors'])} | {r['serve_ms']:.2f} | {r['serve_cores']:.2f} / "
            f"{r['pg_cores']:.2f} / {r['client_cores']:.2f} / {r['other_cores']:.2f} | "
            f"{r['rss']:.0f} MB |")
    best = max(results, key=lambda r: r["rate"])
    ratio_met = best["rate"] / base >= 0.5
    lines += ["", f"**best: {best['rate']:,.0f} filings/s with {best['workers']} worker(s) = "
              f"{best['rate'] / base:.2f} of the bare library — target ≥ 0.5 "
              f"{'MET' if ratio_met else 'MISSED'}; POST p99 {best['p99']:.0f} ms — target < 100 ms "
              f"{'MET' if best['p99'] < 100 else 'MISSED'}.**", "",
              "* cores: the machine's CPU over the timed span, in cores (2 = all): the server's "
              "processes, every PostgreSQL backend on the machine (other sessions' too), this "
              "client, and everything else (other sessions' work: noise)."]
    for r in results:
        if r["errors"]:
            lines.append(f"* workers {r['workers']}: first error `{r['errors'][0][:200]}`")
        if "memory" in r:
            n, rss, took, errs = r["memory"]
            lines.append(f"* memory, workers {r['workers']}: `linkage serve` RSS {rss:.0f} MB (all "
                         f"its processes) after {n:,} filings ({took:.0f} s for the extra ones, "
                         f"{errs} errors) — target < 250 MB {'MET' if rss < 250 else 'MISSED'}")
    body = "\n".join(lines)
    print(body)
    summary = [Summary(
        "HTTP filing on PostgreSQL",
        "bench/api_rate.py" + "".join(f" --workers {w}" for w in args.workers or [])
        + (f" --seconds {args.seconds:g}" if args.seconds != 30 else ""),
        f"{best['rate']:,.0f} filings/s ({best['workers']} worker(s), {args.clients} client threads, "
        f"{args.seconds:g} s), POST p99 {best['p99']:.0f} ms",
        f"{best['rate'] / base:.2f} (bare library {base:,.0f} saves/s, one thread)",
        "≥ 0.5× (stretch 1.0×), POST p99 < 100 ms", ratio_met and best["p99"] < 100)]
    for r in results:
        if "memory" in r:
            n, rss, _, _ = r["memory"]
            summary.append(Summary("memory: `linkage serve` RSS after 100,000 filings",
                                   f"bench/api_rate.py --memory-filings {n}",
                                   f"{rss:.0f} MB after {n:,} filings ({r['workers']} worker(s))",
                                   "—", "< 250 MB after 100,000", rss < 250 and n >= 100_000))
    if not args.no_record:
        append_results("HTTP filing throughput (bench/api_rate.py)", started, info, body,
                       summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
