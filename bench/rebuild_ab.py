"""`linkage rebuild` from the log, this working tree against the code of another commit, side by
side on one store: how much did a change save?

Fills a fresh PostgreSQL schema once (bench/rebuild.py's `fill`: notices with their
acknowledgements and prevention projects), then runs `linkage rebuild --agency X` (no Kafka:
from the notification log) `--rounds` times for each variant, alternating, so a host whose speed
changes during the run slows both alike. The baseline's code is exported with `git archive`
(the working tree is never touched) and selected by PYTHONPATH, as in bench/api_cpu.py. Each
rebuild's own timing line, its wall time and its process CPU (utime + stime of the child) are
reported; the ratio compares the medians.

Run from the repository root:
    .venv/bin/python bench/rebuild_ab.py [--baseline HEAD] [--events 100000] [--rounds 3]
        [--agency finance] [--record]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import rebuild as rb  # bench/rebuild.py: the same store as the rebuild benchmark
from benchlib import (
    DEFAULT_PG,
    append_results,
    child_env,
    create_schema,
    drop_schema,
    export,
    machine,
    median,
    tag,
)

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.vocabulary import AGENCIES

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from adapters.cli import main; sys.argv[0] = 'linkage'; main()"



def rebuild_once(code: Path, env: dict[str, str], agency: str) -> tuple[float, float, str]:
    """(wall s, CPU s, the command's own last line) of one `linkage rebuild` run from `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ENTRY, "rebuild", "--agency", agency],
                          cwd=code, env={**env, "PYTHONPATH": str(code)},
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"rebuild from {code} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="HEAD", metavar="REF", help="the commit to compare with")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3, help="rebuilds per variant (3)")
    ap.add_argument("--agency", choices=AGENCIES, default="finance")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--record", action="store_true", help="append a section to RESULTS.md")
    args = ap.parse_args(argv)
    started, info, t = datetime.now(UTC), machine(), tag()
    schema = f"bench_{t}"
    create_schema(args.pg_url, schema)
    data_dir = Path(tempfile.mkdtemp(prefix="linkage-ab-"))
    env = {**child_env(), "LINKAGE_DATABASE_URL": args.pg_url, "LINKAGE_DATABASE_SCHEMA": schema,
           "LINKAGE_DATA_DIR": str(data_dir), "LINKAGE_KAFKA_BOOTSTRAP": ""}
    try:
        c = bootstrap(Settings(database_url=args.pg_url, database_schema=schema,
                               kafka_bootstrap=None, data_dir=data_dir))
        try:
            head = rb.fill(c, args.events, started)
        finally:
            c.close()
        print(f"filled {head:,} events", flush=True)
        with tempfile.TemporaryDirectory(prefix="linkage-ab-code-") as tmp:
            variants = {f"baseline ({args.baseline})": export(args.baseline, Path(tmp) / "base"),
                        "working tree": ROOT}
            runs: dict[str, list[tuple[float, float, str]]] = {v: [] for v in variants}
            for r in range(args.rounds):
                for name, code in variants.items():
                    runs[name].append(rebuild_once(code, env, args.agency))
                    wall, cpu, line = runs[name][-1]
                    print(f"round {r + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU — {line}",
                          flush=True)
    finally:
        drop_schema(args.pg_url, schema)
    base, ours = (runs[v] for v in variants)
    body = [f"`linkage rebuild --agency {args.agency}` from the log of a {head:,}-event store "
            f"(PostgreSQL), {args.rounds} rounds, the two variants alternating.", "",
            "| variant | wall s (each round) | CPU s (each round) | median wall | median CPU |",
            "|---|---|---|---|---|"]
    for name, rs in runs.items():
        body.append(f"| {name} | {', '.join(f'{w:.1f}' for w, _, _ in rs)} | "
                    f"{', '.join(f'{c:.1f}' for _, c, _ in rs)} | {median([w for w, _, _ in rs]):.1f} | "
                    f"{median([c for _, c, _ in rs]):.1f} |")
    wall_ratio = median([w for w, _, _ in ours]) / median([w for w, _, _ in base])
    cpu_ratio = median([c for _, c, _ in ours]) / median([c for _, c, _ in base])
    body += ["", f"**Working tree / baseline: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f} "
                 "(below 1: the working tree is faster).**"]
    text = "\n".join(body)
    print(text)
    if args.record:
        append_results("Rebuild side by side (bench/rebuild_ab.py)", started, info, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
