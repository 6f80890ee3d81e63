"""CPU per `POST /api/v1/accident-notices`: the server process and its PostgreSQL backends.

Starts `linkage serve` against PostgreSQL in a fresh schema (dropped after each round), adds a
liaison with `linkage users add`, files `--warmup` notices (not measured), then `--notices`
more (bench/benchlib.notice_body, one per employer) at `--rate` per second from a few client
threads (`--rate 0`: as fast as they go). Reports, per POST:

* serve: utime + stime of the server process (/proc/<pid>/stat, every thread), and
* PostgreSQL: the same for the backends serving it, found by application_name (the server
  runs with PGAPPNAME=<unique>, which libpq gives every connection it opens), plus all
  `postgres` processes on the machine (noisy: includes anyone else's work).

CPU, not wall time, so the figures hold on a busy machine. Resolution: one clock tick
(10 ms) over the whole round, i.e. 0.005 ms per POST for 2000 POSTs.

With `--baseline REF` the code of that commit is exported with `git archive` (the working
tree is never touched) and served from a temporary folder (PYTHONPATH comes before the
editable install); `--baseline DIR` serves a folder's copy instead. Rounds alternate baseline
and working tree, so both see the same machine.

As in bench/e2e_latency.py, LINKAGE_KAFKA_BOOTSTRAP is set, so the server runs no
in-process agency consumers (the relay and consumers would be separate processes; the server
itself never connects to Kafka). The deadline watcher runs at start, then every
LINKAGE_WATCHER_INTERVAL (set to an hour here); the audit chainer at start and every 60 s,
so a round shorter than a minute measures the POSTs alone.

Run from the repository root:
    .venv/bin/python bench/api_cpu.py [--notices 2000] [--rate 100] [--clients 8]
        [--baseline HEAD] [--rounds 2] [--idempotency]
        [--variant 'no access log=--no-access-log']
        [--pg-url postgresql://linkage:linkage@127.0.0.1:5432/linkage]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from benchlib import (
    child_env,
    create_schema,
    drop_schema,
    export,
    median,
    notice_body,
    services_used,
    system_cpu,
    tag,
)

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_URL = "postgresql://linkage:linkage@127.0.0.1:5432/linkage"
# The `linkage` entry point, run by this interpreter so PYTHONPATH can select the code.
ENTRY = "import sys; from adapters.cli import main; sys.argv[0] = 'linkage'; main()"


def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def backends(pg_url: str, appname: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend with this application_name."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (appname,))]
    return {pid: proc_cpu(pid) for pid in pids}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Result:
    variant: str
    posts: int
    serve_ms: float
    backends_ms: float
    all_pg_ms: float
    client_ms: float
    backend_count: int



def run_round(variant: str, code: Path, serve_args: list[str], args: argparse.Namespace,
              work: Path) -> Result:
    run = tag()
    schema = f"bench_cpu_{run}"
    appname = f"linkage-bench-{run}"
    env = child_env(("LINKAGE_", "PG"))
    env.update({"LINKAGE_DATABASE_URL": args.pg_url, "LINKAGE_DATABASE_SCHEMA": schema,
                "LINKAGE_KAFKA_BOOTSTRAP": args.kafka, "LINKAGE_DATA_DIR": str(work / "var"),
                "LINKAGE_WATCHER_INTERVAL": "3600", "PYTHONPATH": str(code),
                "PGAPPNAME": appname})
    port = free_port()
    log = work / f"serve-{variant}-{run}.log"
    create_schema(args.pg_url, schema)
    serve: subprocess.Popen[bytes] | None = None
    try:
        added = subprocess.run([sys.executable, "-c", ENTRY, "users", "add", "--name", "bench",
                                "--agency", "safety", "--role", "liaison"], cwd=code, env=env,
                               capture_output=True, text=True, check=True, timeout=120)
        token = added.stdout.strip().splitlines()[-1]
        with open(log, "wb") as out:
            serve = subprocess.Popen([sys.executable, "-c", ENTRY, "serve", "--host", "127.0.0.1",
                                      "--port", str(port), *serve_args], cwd=code, env=env, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            if serve.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not come up; see {log}")
            time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        local = threading.local()
        clients: list[httpx.Client] = []
        errors: list[str] = []

        def post(i: int) -> None:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(base_url=base, headers=headers, timeout=60)
                clients.append(client)
            extra = {"Idempotency-Key": uuid.uuid4().hex} if args.idempotency else {}
            r = client.post("/api/v1/accident-notices", json=notice_body(i), headers=extra)
            if r.status_code != 201:
                errors.append(f"{r.status_code} {r.text[:200]}")

        def load(first: int, count: int, pool: ThreadPoolExecutor) -> None:
            t0 = time.monotonic()
            futures = []
            for n in range(count):
                if args.rate > 0:
                    delay = t0 + n / args.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                futures.append(pool.submit(post, first + n))
            for f in futures:
                f.result()

        with ThreadPoolExecutor(args.clients) as pool:
            load(1_000_000, args.warmup, pool)
            time.sleep(0.5)  # let the pools settle before the clock starts
            s0, b0, sys0, own0 = proc_cpu(serve.pid), backends(args.pg_url, appname), system_cpu(), \
                time.process_time()
            load(0, args.notices, pool)
            s1, b1, sys1, own1 = proc_cpu(serve.pid), backends(args.pg_url, appname), system_cpu(), \
                time.process_time()
        for c in clients:
            c.close()
        if errors:
            raise SystemExit(f"{variant}: {len(errors)} POSTs failed, first: {errors[0]}")
        # Backends that appeared meanwhile count from zero; any that exited are missed.
        back = sum(cpu - b0.get(pid, 0.0) for pid, cpu in b1.items())
        n = args.notices
        return Result(variant, n, (s1 - s0) / n * 1000, back / n * 1000,
                      services_used(sys0, sys1)["postgres"] / n * 1000, (own1 - own0) / n * 1000,
                      len(b1))
    finally:
        if serve is not None and serve.poll() is None:
            serve.terminate()
            try:
                serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()
        try:
            drop_schema(args.pg_url, schema)
        except Exception as e:
            print(f"warning: could not drop schema {schema}: {e}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--notices", type=int, default=2000, help="measured POSTs per round (2000)")
    ap.add_argument("--warmup", type=int, default=200, help="unmeasured POSTs first (200)")
    ap.add_argument("--rate", type=float, default=100.0,
                    help="POSTs per second, open loop (100); 0: as fast as the clients go")
    ap.add_argument("--clients", type=int, default=8, help="client threads (8)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds per variant (1)")
    ap.add_argument("--baseline", metavar="REF|DIR",
                    help="also measure this commit's code (e.g. HEAD) or a folder's")
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL=ARGS",
                    help="also the working tree served with these extra `serve` arguments, "
                         "e.g. 'no access log=--no-access-log' (repeatable)")
    ap.add_argument("--idempotency", action="store_true",
                    help="send a fresh Idempotency-Key with every POST")
    ap.add_argument("--pg-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    ap.add_argument("--kafka", default="127.0.0.1:9092",
                    help="LINKAGE_KAFKA_BOOTSTRAP for the server (it never connects to it)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="linkage-bench-cpu-"))
    variants: list[tuple[str, Path, list[str]]] = [("working tree", ROOT, [])]
    if args.baseline:
        given = Path(args.baseline)
        code = given.resolve() if given.is_dir() else export(args.baseline, work / "baseline")
        variants.insert(0, (f"baseline {given.name if given.is_dir() else args.baseline}", code, []))
    for v in args.variant:
        label, _, extra = v.partition("=")
        variants.append((label, ROOT, shlex.split(extra)))
    results: list[Result] = []
    ok = False
    try:
        for r in range(args.rounds):
            for name, code, extra in variants:
                res = run_round(name, code, extra, args, work)
                results.append(res)
                print(f"round {r + 1} {name:>24}: serve {res.serve_ms:.2f} ms/POST, its "
                      f"{res.backend_count} PostgreSQL backends {res.backends_ms:.2f} ms/POST "
                      f"(all postgres processes {res.all_pg_ms:.2f}; this client "
                      f"{res.client_ms:.2f})", flush=True)
        print(f"\n{args.notices} POSTs per round at "
              f"{f'{args.rate:g}/s' if args.rate else 'full speed'}, {args.clients} clients"
              f"{', each with an Idempotency-Key' if args.idempotency else ''}; medians over "
              f"{args.rounds} round(s), CPU ms per POST:")
        print(f"| {'code':<24} | serve | its PostgreSQL backends | all postgres processes |")
        print(f"|{'-' * 26}|-------|-------------------------|------------------------|")
        for name, _, _ in variants:
            mine = [x for x in results if x.variant == name]
            print(f"| {name:<24} | {median([x.serve_ms for x in mine]):5.2f} | "
                  f"{median([x.backends_ms for x in mine]):23.2f} | "
                  f"{median([x.all_pg_ms for x in mine]):22.2f} |")
        ok = True
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
