"""Shared helpers of the hand-run benchmarks (never imported by the application or the tests).

Copied ideas from tests/integration/kafka_support.py and tests/support.py rather than
importing the test suite: the benchmarks must run from a checkout without pytest.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from adapters.kafka_topics import delete_topics
from domain.common import credit_code_check_char

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "RESULTS.md"
DEFAULT_PG = os.environ.get(
    "LINKAGE_TEST_DATABASE_URL", "postgresql://linkage:linkage@127.0.0.1:5432/linkage_test"
)
DEFAULT_KAFKA = os.environ.get("LINKAGE_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")

HEADER = """# linkage benchmarks

Hand-run benchmarks (see bench/*.py): the table holds the latest figure of each measure, the run
log follows.

<!-- summary:start -->
<!-- summary:end -->

# Run log
"""


def child_env(drop: tuple[str, ...] = ("LINKAGE_",)) -> dict[str, str]:
    """This process's environment for a `linkage` process it times, as installed software runs:
    without the variables named `drop…`, and with bytecode cached (a machine that sets
    PYTHONDONTWRITEBYTECODE would make each timed process compile every module again, ~0.5 s)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(drop) and k != "PYTHONDONTWRITEBYTECODE"}


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n (as tests/support.py)."""
    first17 = f"91350100{n:09d}"
    return first17 + credit_code_check_char(first17)


def notice_body(i: int, now: datetime | None = None) -> dict[str, Any]:
    """A valid POST body from employer i (one notice per employer, as most are); i also picks
    one of four shapes so required agencies vary.

    0: safety, hrss · 1: + health (a serious injury) · 2: + finance (3 deaths: large)
    · 3: all four (poisoning, 3 deaths).
    """
    shape = i % 4
    deaths = 3 if shape in (2, 3) else 0
    serious = 1 if shape == 1 else 0
    cause = "poisoning" if shape == 3 else ("fall" if shape == 2 else "mechanical")
    occurred = (now or datetime.now(UTC)) - timedelta(hours=2)
    return {
        "employer": {"name": f"福州某某机械制造有限公司{i}", "credit_code": credit_code(1 + i),
                     "industry": "制造业", "risk_class": 1 + i % 8},
        "district": "鼓楼区",
        "occurred_at": occurred.isoformat(),
        "location": "二号车间冲压线",
        "summary": f"工人在冲压作业中受伤 #{i}",
        "cause": cause,
        "deaths": deaths,
        "serious_injuries": serious,
        "missing": 0,
        "direct_loss_cny": "120000.00",
        "measures_taken": "已停机检修并送医",
    }


def tag() -> str:
    return uuid.uuid4().hex[:10]


def create_schema(pg_url: str, schema: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))


def drop_schema(pg_url: str, schema: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def delete_kafka_leftovers(bootstrap: str, prefix: str, groups: Sequence[str] = ()) -> int:
    """Best effort: delete the run's topics (all named prefix…) and consumer groups."""
    return delete_topics(bootstrap, prefix, groups)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def cpu_ticks() -> tuple[float, float]:
    """Machine-wide (busy, total) CPU seconds so far, from /proc/stat (idle and iowait not busy)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / hz, sum(fields) / hz


@dataclass
class CpuSnapshot:
    busy: float  # machine-wide busy CPU seconds so far
    total: float  # machine-wide CPU seconds so far
    procs: dict[int, tuple[str, float]]  # pid -> (postgres | java, CPU seconds so far)


def system_cpu() -> CpuSnapshot:
    """Machine-wide CPU (/proc/stat) and, per process, that of PostgreSQL backends and Java
    (the Kafka broker)."""
    hz = os.sysconf("SC_CLK_TCK")
    busy, total = cpu_ticks()
    procs: dict[int, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1:text.rfind(")")]
        if comm in ("postgres", "java"):
            rest = text.rsplit(")", 1)[1].split()
            procs[int(stat.parent.name)] = (comm, (int(rest[11]) + int(rest[12])) / hz)
    return CpuSnapshot(busy, total, procs)


def services_used(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds PostgreSQL and Java used between two snapshots (by pid, so that processes
    that exit meanwhile do not count negative; what they used before exiting is missed)."""
    used = {"postgres": 0.0, "java": 0.0}
    for pid, (comm, cpu) in after.procs.items():
        prior = before.procs.get(pid)
        used[comm] += cpu - (prior[1] if prior is not None and prior[0] == comm else 0.0)
    return used


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    load = "unknown"
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {"nproc": str(os.cpu_count() or "?"), "memory": mem, "cpu": cpu,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "load average before run": load}


def export(ref: str, into: Path) -> Path:
    """The tracked files of commit `ref` in a new folder, without touching the working tree."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=BENCH_DIR.parent, capture_output=True,
                             check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def code_version() -> str:
    """The commit the run used, and whether the working tree differed from it."""
    root = BENCH_DIR.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/RESULTS.md"],  # this file's own new sections don't count
                               cwd=root, capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}" + (" + uncommitted changes in the working tree" if dirty else "")


def command_line() -> str:
    """The command as it was typed (interpreter relative to the repo when it is the venv's)."""
    exe = sys.executable
    with contextlib.suppress(ValueError):
        exe = str(Path(exe).relative_to(BENCH_DIR.parent))
    return shlex.join([exe, *sys.argv])


SUMMARY_START, SUMMARY_END = "<!-- summary:start -->", "<!-- summary:end -->"
SUMMARY_HEAD = ("| measure | command | latest figure | ratio to its baseline (same run) | target | "
                "met | run (UTC), load average |", "|---|---|---|---|---|---|---|")


@dataclass
class Summary:
    """One row of the summary table that opens RESULTS.md (a run replaces its measure's row)."""

    measure: str
    command: str
    figure: str
    ratio: str
    target: str
    met: bool | None

    def row(self, when: str) -> str:
        met = "—" if self.met is None else ("**yes**" if self.met else "**no**")
        cells = (self.measure, f"`{self.command}`", self.figure, self.ratio, self.target, met, when)
        return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def update_summary(rows: Sequence[Summary], when: str, path: Path = RESULTS) -> None:
    """Replace (or add) these measures' rows in the summary block at the top of RESULTS.md."""
    text = path.read_text(encoding="utf-8")
    if SUMMARY_START not in text:
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\n{SUMMARY_START}\n{SUMMARY_END}\n\n{rest}"
    before, _, after = text.partition(SUMMARY_START)
    block, _, after = after.partition(SUMMARY_END)
    table: dict[str, str] = {}
    for line in block.strip().splitlines():
        if line.startswith("| ") and line not in SUMMARY_HEAD:
            table[line.split(" | ", 1)[0][2:]] = line
    for r in rows:
        table[r.measure] = r.row(when)
    lines = [*SUMMARY_HEAD, *table.values()]
    path.write_text(before + SUMMARY_START + "\n" + "\n".join(lines) + "\n" + SUMMARY_END + after,
                    encoding="utf-8")


def append_results(title: str, started: datetime, info: dict[str, str], body: str,
                   path: Path = RESULTS, summary: Sequence[Summary] = ()) -> None:
    """Append one section to RESULTS.md, creating it with the how-to header if missing, and
    put this run's figures in the summary table at its top."""
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        path.write_text(HEADER, encoding="utf-8")
    if summary:
        update_summary(summary, f"{started.astimezone(UTC).strftime('%Y-%m-%d %H:%M')}, "
                                f"{info['load average before run'].split()[0]}", path)
    lines = [
        "", f"## {title} — {started.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}", "",
        f"* Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, {info['os']},"
        f" Python {info['python']}; load average before the run {info['load average before run']}",
        f"* Command: `{command_line()}` (from the repository root); code: {code_version()}",
        "", body.rstrip(), "",
    ]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"appended to {path}")
