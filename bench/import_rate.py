"""Import throughput: `linkage import notices` with the OSHA example mapping (target ≥ 500 rows/s).

Builds a CSV of --rows rows from ../shared/data/osha-severe-injuries.csv (the sample repeated,
each copy with its own UPA so every row is a new notice), then times, on the embedded default
(SQLite, a fresh folder each round): reading and mapping the file, and the import itself
(every row through the API's request model and the domain rules, saved in batches), and a
re-run that finds every notice already filed. `--pg-url` times PostgreSQL as well.
"""

from __future__ import annotations

import argparse
import csv
import gc
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchlib import append_results, create_schema, drop_schema, machine, median, tag

from adapters.bootstrap import bootstrap
from adapters.import_mapping import Mapping
from adapters.importer import Importer, read_rows
from adapters.settings import Settings
from domain.common import Actor

ROOT = Path(__file__).resolve().parents[1]
OSHA = ROOT.parent / "shared" / "data" / "osha-severe-injuries.csv"
MAPPING = ROOT / "docs" / "import" / "osha-severe-injuries.toml"
ACTOR = Actor("bench", "导入员", "safety", "liaison")


def make_csv(rows: int, out: Path) -> None:
    with OSHA.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        sample = list(reader)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        for i in range(rows):
            row = dict(sample[i % len(sample)])
            row["UPA"] = f"{row['UPA']}-{i // len(sample)}"
            writer.writerow(row)


def one_round(settings: Settings, path: Path) -> tuple[float, float, float, int]:
    """(seconds to read and check the file, to import it, to re-run it; rows filed)."""
    c = bootstrap(settings)
    try:
        mapping = Mapping.load(MAPPING)
        gc.collect()
        t0 = time.perf_counter()
        header, rows = read_rows(path, mapping)
        t1 = time.perf_counter()
        report = Importer(c, ACTOR, mapping).run(header, rows, dry_run=False, rejects=None)
        t2 = time.perf_counter()
        again = Importer(c, ACTOR, mapping).run(header, rows, dry_run=False, rejects=None)
        t3 = time.perf_counter()
        assert report.rejected == 0 and again.filed == 0, (report, again)
        return t1 - t0, t2 - t1, t3 - t2, report.filed
    finally:
        c.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    started = datetime.now(UTC)
    info = machine()
    lines = [f"{args.rows} rows (the OSHA sample repeated), {args.rounds} rounds; median of the rounds.", "",
             "| store | read + map check | import | rows/s | re-run (all already filed) | rows/s |",
             "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.csv"
        make_csv(args.rows, path)
        targets: list[tuple[str, list[Settings]]] = [("SQLite", [
            Settings(data_dir=Path(tmp) / f"var{r}", database_url=None, kafka_bootstrap=None)
            for r in range(args.rounds)])]
        schemas: list[str] = []
        if args.pg_url:
            schemas = [f"bench_{tag()}" for _ in range(args.rounds)]
            for s in schemas:
                create_schema(args.pg_url, s)
            targets.append(("PostgreSQL", [Settings(database_url=args.pg_url, database_schema=s,
                                                    kafka_bootstrap=None, data_dir=Path(tmp) / "pg")
                                           for s in schemas]))
        rates: dict[str, float] = {}
        try:
            for name, rounds in targets:
                results = [one_round(s, path) for s in rounds]
                read, imp, rerun = (median([r[i] for r in results]) for i in range(3))
                lines.append(f"| {name} | {read:.2f} s | {imp:.2f} s | {args.rows / imp:,.0f} | "
                             f"{rerun:.2f} s | {args.rows / rerun:,.0f} |")
                rates[name] = args.rows / imp
                print(lines[-1], flush=True)
        finally:
            for s in schemas:
                drop_schema(args.pg_url, s)
    met = "MET" if rates["SQLite"] >= 500 else "NOT MET"
    lines += ["", f"**Embedded default: {rates['SQLite']:,.0f} rows/s — target ≥ 500 rows/s {met}.**"]
    body = "\n".join(lines)
    print(body)
    if not args.no_record:
        append_results("Import throughput (bench/import_rate.py)", started, info, body)


if __name__ == "__main__":
    main()
