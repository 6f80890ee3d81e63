"""Rebuilding an agency read model against its live consumption: how long for 100,000 events?

1. Fill a fresh PostgreSQL event store with --events events (accident notices with their
   acknowledgements, and prevention projects through their lives: every one consumed by
   `finance`), written straight through the domain in batches (the fill is not timed).
2. Publish them with the relay to fresh topics (timed, for context).
3. live: start `linkage consume --agency X` (a real process, consumer group, 3 partitions)
   on the backlog and time it until its recorded positions reach the topics' end offsets.
4. rebuild (Kafka): stop it; time `linkage rebuild --agency X` (from the beginning of the
   agency's topics); the result must equal the live read model document for document.
5. rebuild (log): time `linkage rebuild --agency X` without Kafka (fed from the notification
   log, the embedded default's path) on the same PostgreSQL; equal again.
6. baselines, in this process with plain psycopg / kafka-python: read the same events (from the
   notification log: one SELECT of the agency's topics, streamed 2000 rows at a time; from
   Kafka: a plain consumer from the beginning of the agency's topics) and decode each one
   (json.loads), then write the same documents and index rows as the rebuilt read model into
   fresh tables with COPY. Ratio = baseline time / linkage's time (target ≥ 0.5, and ≥ 20,000
   events/s; the live consumer ≥ 10,000 events/s). Each process's peak RSS (VmHWM) is reported
   (target: flat; < 150 MB for a consumer).

Run by hand: `.venv/bin/python bench/rebuild.py [--events 100000] [--agency finance]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from benchlib import (
    DEFAULT_KAFKA,
    DEFAULT_PG,
    Summary,
    append_results,
    child_env,
    create_schema,
    credit_code,
    delete_kafka_leftovers,
    drop_schema,
    machine,
    tag,
)
from kafka import KafkaConsumer, TopicPartition

from adapters.bootstrap import Container, bootstrap
from adapters.kafka_relay import build
from adapters.settings import Settings
from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor
from domain.fund_year import FundYear
from domain.prevention_project import PreventionProject
from domain.vocabulary import AGENCIES
from services.agencies import projection_for
from services.envelope import topics

LINKAGE = str(Path(sys.executable).parent / "linkage")
ACTORS = {a: Actor(f"bench-{a}", f"{a} bench", a, "liaison") for a in AGENCIES}
CAUSES = ("fall", "mechanical", "poisoning", "fire", "occupational_disease")


def fill(c: Container, events: int, now: datetime) -> int:
    """About `events` events, saved 200 aggregates per commit; returns the log head."""
    fy = FundYear.open(actor=ACTORS["hrss"], year=now.year, now=now,
                       previous_year_fund_income_cny=Decimal("100000000000"))
    batch: list[Any] = [fy]
    written, i = 1, 0
    while written < events:
        i += 1
        if i % 20 == 0:  # a prevention project through its life: 5 events (+1 on the fund year)
            p = PreventionProject.propose(actor=ACTORS["hrss"], fund_year=now.year, category="training",
                                          title=f"培训{i}", budget_cny=Decimal(10000), now=now,
                                          planned={"sessions": 2, "trainees": 50})
            fy.allocate(actor=ACTORS["finance"], project_id=str(p.id), amount_cny=p.budget_cny, now=now)
            p.approve(actor=ACTORS["finance"], now=now)
            p.report_milestone(actor=ACTORS["hrss"], achieved={"sessions_held": 2}, now=now)
            d = p.request_disbursement(actor=ACTORS["hrss"], amount_cny=Decimal(5000), purpose="首期",
                                       now=now)
            p.pay(actor=ACTORS["finance"], disbursement_id=d, now=now)
            batch.append(p)
            written += 6
        else:
            n = AccidentNotice.file(
                actor=ACTORS["safety"],
                employer=Employer(f"企业{i % 500}", credit_code(1 + i % 500), "制造业", 1 + i % 8),
                incident=Incident("鼓楼区", now - timedelta(days=i % 700), "车间", f"事故{i}",
                                  CAUSES[i % len(CAUSES)]),
                casualties=Casualties(int(i % 7 == 0), int(i % 3 == 0), 0, Decimal(1000)), now=now)
            for agency in n.required_agencies[: 1 + i % len(n.required_agencies)]:
                n.acknowledge(actor=ACTORS[agency], now=now)
            batch.append(n)
            written += 1 + len(n.acknowledgements)
        if len(batch) >= 200:
            c.app.commit(*batch, *([fy] if fy.pending_events and fy not in batch else []))
            batch = []
    c.app.commit(*batch, *([fy] if fy.pending_events and fy not in batch else []))
    return c.app.recorder.max_notification_id() or 0


def end_offsets(s: Settings, agency: str) -> dict[str, int]:
    names = [topics(s.topic_prefix)[m] for m in projection_for(agency).mechanisms]
    k = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap, group_id=None)
    try:
        parts = [TopicPartition(t, p) for t in names for p in sorted(k.partitions_for_topic(t) or ())]
        return {f"{tp.topic}:{tp.partition}": off for tp, off in k.end_offsets(parts).items() if off}
    finally:
        k.close()


def env_of(s: Settings, kafka: bool = True) -> dict[str, str]:
    env = child_env()
    env.update({"LINKAGE_DATABASE_URL": s.database_url or "", "LINKAGE_DATABASE_SCHEMA": s.database_schema,
                "LINKAGE_KAFKA_BOOTSTRAP": s.kafka_bootstrap if kafka and s.kafka_bootstrap else "",
                "LINKAGE_TOPIC_PREFIX": s.topic_prefix, "LINKAGE_DATA_DIR": str(s.data_dir),
                "LINKAGE_CONSUMER_GROUP_PREFIX": s.consumer_group_prefix,
                "LINKAGE_TOPIC_PARTITIONS": str(s.topic_partitions)})
    return env


def snapshot(c: Container, agency: str) -> tuple[dict[str, Any], int]:
    with c.store(agency).transaction() as tx:
        data = {coll: dict(tx.scan(coll)) for coll in tx.collections()}
    return data, sum(len(v) for v in data.values())


def hwm_mb(pid: int) -> float:
    """Peak resident memory of a running process (VmHWM), MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


PEAK: dict[str, float] = {}  # what → peak RSS (MB) of the last process timed for it


def time_live(c: Container, s: Settings, agency: str, log: Path) -> float:
    ends = end_offsets(s, agency)
    with open(log, "ab") as out:
        started = time.perf_counter()
        p = subprocess.Popen([LINKAGE, "consume", "--agency", agency], env=env_of(s), stdout=out,
                             stderr=subprocess.STDOUT)
    try:
        while True:
            with c.store(agency).transaction(write=False) as tx:
                pos = tx.positions()
            PEAK["live"] = hwm_mb(p.pid)
            if all(pos.get(src, -1) + 1 >= end for src, end in ends.items()):
                return time.perf_counter() - started
            if p.poll() is not None:
                raise SystemExit(f"consumer died; see {log}")
            time.sleep(0.05)
    finally:
        p.terminate()
        p.wait(timeout=30)


def time_rebuild(s: Settings, agency: str, kafka: bool) -> tuple[float, str]:
    started = time.perf_counter()
    p = subprocess.Popen([LINKAGE, "rebuild", "--agency", agency], env=env_of(s, kafka),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while p.poll() is None:
        peak = max(peak, hwm_mb(p.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    out, err = p.communicate()
    PEAK["kafka" if kafka else "log"] = peak
    if p.returncode:
        raise SystemExit(f"rebuild failed: {err[-2000:]}")
    return seconds, out.strip().splitlines()[-1]


def read_log(c: Container, s: Settings, agency: str) -> int:
    """Baseline read: the agency's events from the notification log, plain psycopg, decoded."""
    from services.feeder import stored_topics

    table = f"{s.database_schema}.{c.app.recorder.events_table_name}"  # type: ignore[attr-defined]
    n = 0
    with psycopg.connect(s.database_url or "") as conn, conn.cursor(name="bench_read") as cur:
        cur.itersize = 2000
        cur.execute(f"SELECT notification_id, originator_id, originator_version, topic, state "  # type: ignore[arg-type]
                    f"FROM {table} WHERE topic = ANY(%s) ORDER BY notification_id",
                    (stored_topics(projection_for(agency).mechanisms),))
        for row in cur:
            json.loads(row[4])
            n += 1
    return n


def read_kafka(s: Settings, agency: str) -> int:
    """Baseline read: the agency's topics from the beginning, a plain consumer, decoded."""
    names = [topics(s.topic_prefix)[m] for m in projection_for(agency).mechanisms]
    k = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap, group_id=None, enable_auto_commit=False,
                      max_poll_records=2000)
    try:
        parts = [TopicPartition(t, p) for t in names for p in sorted(k.partitions_for_topic(t) or ())]
        k.assign(parts)
        k.seek_to_beginning(*parts)
        ends = k.end_offsets(parts)
        n = 0
        while any(k.position(tp) < ends[tp] for tp in parts):
            for batch in k.poll(timeout_ms=1000).values():
                for m in batch:
                    json.loads(m.value or b"{}")
                    n += 1
        return n
    finally:
        k.close()


def copy_docs(c: Container, s: Settings, agency: str) -> int:
    """Baseline write: the rebuilt read model's documents and index rows, COPY into fresh tables."""
    with c.store(agency).transaction(write=False) as tx:
        docs = [(coll, key, json.dumps(doc, ensure_ascii=False))
                for coll in tx.collections() for key, doc in tx.scan(coll)]
    schema = s.database_schema
    with psycopg.connect(s.database_url or "") as conn:
        idx = conn.execute(f"SELECT coll, tag, ord, key FROM {schema}.rm_{agency}_doc_index").fetchall()  # type: ignore[arg-type]
        conn.execute(f"DROP TABLE IF EXISTS {schema}.bl_docs, {schema}.bl_idx")  # type: ignore[arg-type]
        conn.execute(f"CREATE TABLE {schema}.bl_docs (coll TEXT NOT NULL, key TEXT NOT NULL, "  # type: ignore[arg-type]
                     "doc TEXT NOT NULL, PRIMARY KEY (coll, key))")
        conn.execute(f"CREATE TABLE {schema}.bl_idx (coll TEXT NOT NULL, tag TEXT NOT NULL, "  # type: ignore[arg-type]
                     "ord TEXT COLLATE \"C\" NOT NULL, key TEXT NOT NULL, PRIMARY KEY (coll, tag, ord, key))")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(f"COPY {schema}.bl_docs (coll, key, doc) FROM STDIN") as cp:  # type: ignore[arg-type]
                for row in docs:
                    cp.write_row(row)
            with cur.copy(f"COPY {schema}.bl_idx (coll, tag, ord, key) FROM STDIN") as cp:  # type: ignore[arg-type]
                for row in idx:
                    cp.write_row(row)
        conn.commit()
        COPY_S[0] = time.perf_counter() - t0
    return len(docs) + len(idx)


COPY_S = [0.0]


def baseline(c: Container, s: Settings, agency: str, kafka: bool) -> tuple[float, int]:
    """Seconds to read + decode the agency's events and COPY the documents; events read."""
    t0 = time.perf_counter()
    n = read_kafka(s, agency) if kafka else read_log(c, s, agency)
    read_s = time.perf_counter() - t0
    copy_docs(c, s, agency)
    return read_s + COPY_S[0], n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--agency", action="append", choices=AGENCIES,
                    help="agency read model to time (repeatable; default finance)")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--kafka", default=DEFAULT_KAFKA)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args(argv)
    agencies = args.agency or ["finance"]
    started, info, t = datetime.now(UTC), machine(), tag()
    schema, prefix = f"bench_{t}", f"bench{t}."
    tmp = Path(tempfile.mkdtemp(prefix="linkage-bench-rebuild-"))
    s = Settings(database_url=args.pg_url, database_schema=schema, kafka_bootstrap=args.kafka,
                 topic_prefix=prefix, consumer_group_prefix=f"bench{t}-",
                 topic_partitions=args.partitions, data_dir=tmp)
    create_schema(args.pg_url, schema)
    c = bootstrap(s)
    rows, notes, summary = [], [], []
    try:
        t0 = time.perf_counter()
        head = fill(c, args.events, started)
        print(f"filled {head} events in {time.perf_counter() - t0:.1f} s")
        _, relay = build(s, c)
        t0 = time.perf_counter()
        published = relay.drain()
        relay_s = time.perf_counter() - t0
        relay.kafka.close(timeout=10)
        print(f"relay published {published} in {relay_s:.1f} s")
        for agency in agencies:
            live_s = time_live(c, s, agency, tmp / f"{agency}.log")
            live, ndocs = snapshot(c, agency)
            applied = sum(end_offsets(s, agency).values())
            print(f"{agency}: live consumer took {live_s:.1f} s for {applied} events")
            kafka_s, kafka_line = time_rebuild(s, agency, kafka=True)
            equal_k = snapshot(c, agency)[0] == live
            log_s, log_line = time_rebuild(s, agency, kafka=False)
            equal_l = snapshot(c, agency)[0] == live
            print(f"{agency}: rebuild from Kafka {kafka_s:.1f} s ({kafka_line}); "
                  f"from the log {log_s:.1f} s ({log_line}); equal {equal_k}, {equal_l}", flush=True)
            bk_s, bk_n = baseline(c, s, agency, kafka=True)
            bl_s, bl_n = baseline(c, s, agency, kafka=False)
            print(f"{agency}: baselines: Kafka {bk_s:.1f} s ({bk_n} events), log {bl_s:.1f} s "
                  f"({bl_n} events), COPY {COPY_S[0]:.1f} s", flush=True)
            rows.append(f"| {agency} | {applied:,} | {ndocs:,} | {live_s:.1f} | {applied / live_s:,.0f} | "
                        f"{bk_s / live_s:.2f} | {kafka_s:.1f} | {applied / kafka_s:,.0f} | "
                        f"{bk_s / kafka_s:.2f} | {log_s:.1f} | {applied / log_s:,.0f} | "
                        f"{bl_s / log_s:.2f} | {bk_s:.1f} / {bl_s:.1f} | "
                        f"{PEAK.get('live', 0):.0f} / {PEAK.get('kafka', 0):.0f} / "
                        f"{PEAK.get('log', 0):.0f} | {'yes' if equal_k and equal_l else 'NO'} |")
            best = max(applied / kafka_s, applied / log_s)
            met = best >= 20_000 and min(bk_s / kafka_s, bl_s / log_s) >= 0.5
            notes.append(f"* {agency}: `{kafka_line}` / `{log_line}` (the command's own timing, "
                         f"without process start-up); baseline COPY of {ndocs:,} documents and "
                         f"their index rows {COPY_S[0]:.1f} s.")
            # A run of a million events has rows of its own: it must not replace the 100,000 ones.
            big = args.events >= 1_000_000
            rebuilt = (f"agency read-model rebuild of {args.events:,} events ({agency}), from"
                       if big else f"agency read-model rebuild, PostgreSQL ({agency}), from")
            live_name = (f"live consumer on a backlog of {args.events:,} ({agency}; the target "
                         "is for 100,000)" if big else f"live consumer on a backlog ({agency})")
            summary += [
                Summary(f"{rebuilt} the log",
                        f"bench/rebuild.py --events {args.events} --agency {agency}",
                        f"{applied:,} events in {log_s:.1f} s ({applied / log_s:,.0f} ev/s), peak RSS "
                        f"{PEAK.get('log', 0):.0f} MB", f"{bl_s / log_s:.2f} (psycopg read + COPY)",
                        "≥ 0.5× and ≥ 20,000 ev/s; 1M < 60 s", bl_s / log_s >= 0.5
                        and applied / log_s >= 20_000 and args.events >= 1_000_000 and log_s < 60),
                Summary(f"{rebuilt} Kafka",
                        f"bench/rebuild.py --events {args.events} --agency {agency}",
                        f"{applied:,} events in {kafka_s:.1f} s ({applied / kafka_s:,.0f} ev/s), peak RSS "
                        f"{PEAK.get('kafka', 0):.0f} MB", f"{bk_s / kafka_s:.2f} (kafka-python read + COPY)",
                        "≥ 0.5× and ≥ 20,000 ev/s; 1M < 60 s", bk_s / kafka_s >= 0.5
                        and applied / kafka_s >= 20_000 and args.events >= 1_000_000 and kafka_s < 60),
                Summary(live_name,
                        f"bench/rebuild.py --events {args.events} --agency {agency}",
                        f"{applied:,} events in {live_s:.1f} s ({applied / live_s:,.0f} ev/s), peak RSS "
                        f"{PEAK.get('live', 0):.0f} MB", f"{bk_s / live_s:.2f} (kafka-python read + COPY)",
                        "≥ 10,000 ev/s on 100,000; RSS < 150 MB",
                        None if big else applied / live_s >= 10_000 and PEAK.get("live", 0) < 150)]
            notes.append(f"* **{agency}: rebuild {applied / kafka_s:,.0f} ev/s from Kafka "
                         f"(ratio {bk_s / kafka_s:.2f}), {applied / log_s:,.0f} ev/s from the log "
                         f"(ratio {bl_s / log_s:.2f}) — target ≥ 0.5 and ≥ 20,000 ev/s "
                         f"{'MET' if met else 'MISSED'}; "
                         f"live consumer {applied / live_s:,.0f} ev/s — target ≥ 10,000 ev/s "
                         f"{'MET' if applied / live_s >= 10_000 else 'MISSED'}; peak RSS "
                         f"{max(PEAK.values()):.0f} MB — target < 150 MB "
                         f"{'MET' if max(PEAK.values()) < 150 else 'MISSED'}.**")
    finally:
        c.close()
        drop_schema(args.pg_url, schema)
        delete_kafka_leftovers(args.kafka, prefix, [f"bench{t}-{a}" for a in agencies])
    body = "\n".join([
        f"Events in the store: {head:,} (notices with acknowledgements; every 20th aggregate a "
        f"prevention project: Proposed, Approved, MilestoneReported, DisbursementRequested, "
        f"DisbursementPaid, with FundYear.Allocated); PostgreSQL event store and read models; "
        f"{args.partitions} partitions per topic. Relay published them in {relay_s:.1f} s "
        f"({published / relay_s:,.0f} ev/s), before the timings below.",
        "",
        "live = `linkage consume --agency X` (process start to positions at the end offsets) on "
        "the full backlog; rebuild = `linkage rebuild --agency X` wall time, with Kafka (from the "
        "beginning of the agency's topics) and without (from the notification log); equal = the "
        "rebuilt read model equals the live one, document for document.",
        "",
        "baseline = plain kafka-python / psycopg reading and decoding the same events, then COPY of "
        "the same documents and index rows; ratio = baseline time / linkage's time.",
        "",
        "| agency | events consumed | documents | live s | live ev/s | live ratio | rebuild (Kafka) s | "
        "rebuild (Kafka) ev/s | ratio | rebuild (log) s | rebuild (log) ev/s | ratio | baseline "
        "Kafka / log s | peak RSS MB: live / rebuild Kafka / log | equal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows, "", *notes,
    ])
    print(body)
    if not args.no_record:
        append_results("Agency read-model rebuild (bench/rebuild.py)", started, info, body,
                       summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
