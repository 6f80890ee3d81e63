"""`linkage rebuild`: an agency read model again from the beginning, with a progress bar.

Stop the agency's consumer first: the rebuild resets its tables and positions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import typer
from kafka import KafkaConsumer, TopicPartition

from adapters.bootstrap import Container, bootstrap
from adapters.gc_tuning import for_batches
from adapters.kafka_topics import BACKOFF
from adapters.pipelined import batches
from adapters.settings import Settings
from services.agencies import projection_for
from services.consumer import Consumer, Message, Outcome
from services.envelope import topics
from services.feeder import LogFeeder
from services.ports import Store
from services.projections import Projection

Progress = Callable[[int], None]
BATCH = 2000  # events per read-model transaction: fewer round trips and commits, memory flat


def from_log(c: Container, projection: Projection, store: Store,
             progress: Progress | None = None) -> Outcome:
    store.reset()
    with batches(store) as piped:
        return LogFeeder(c.app, Consumer(projection, piped), batch=BATCH).catch_up(progress)


def from_kafka(settings: Settings, projection: Projection, store: Store,
               progress: Progress | None = None, total: Callable[[int], None] | None = None) -> Outcome:
    store.reset()
    with batches(store) as piped:
        return _feed_from_kafka(settings, projection, piped, progress, total)


def _feed_from_kafka(settings: Settings, projection: Projection, store: Store,
                     progress: Progress | None, total: Callable[[int], None] | None) -> Outcome:
    runner = Consumer(projection, store)
    kafka = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False,
                          group_id=None, max_poll_records=BATCH, **BACKOFF)
    try:
        names = [topics(settings.topic_prefix)[m] for m in projection.mechanisms]
        parts = [TopicPartition(t, p) for t in names
                 for p in sorted(kafka.partitions_for_topic(t) or ())]
        kafka.assign(parts)
        kafka.seek_to_beginning(*parts)
        ends = kafka.end_offsets(parts)
        if total:
            total(sum(ends.values()) - sum(kafka.beginning_offsets(parts).values()))
        outcome = Outcome()
        while any(kafka.position(tp) < ends[tp] for tp in parts):
            records = kafka.poll(timeout_ms=1000)
            messages = [Message(f"{tp.topic}:{tp.partition}", m.offset, m.value or b"")
                        for tp, batch in records.items() for m in batch]
            if messages:
                outcome += runner.handle(messages)
                if progress:
                    progress(len(messages))
        return outcome
    finally:
        kafka.close()


def rebuild_agency(settings: Settings, agency: str) -> Outcome:
    # A line per replayed event would drown the progress bar (and cost more than applying it).
    logging.getLogger("linkage.events").setLevel(logging.WARNING)
    c = bootstrap(settings)
    for_batches()
    started = time.perf_counter()
    try:
        store = c.store(agency)
        projection = projection_for(agency)
        if settings.uses_kafka:
            sizes: list[int] = []
            # Size first, so the bar knows its length.
            outcome_holder: list[Outcome] = []
            with typer.progressbar(length=1, label=f"rebuilding {agency} from Kafka") as bar:
                def set_total(n: int) -> None:
                    sizes.append(n)
                    bar.length = max(n, 1)

                outcome_holder.append(from_kafka(settings, projection, store, bar.update, set_total))
            outcome = outcome_holder[0]
        else:
            n = c.app.recorder.max_notification_id() or 0
            with typer.progressbar(length=max(n, 1), label=f"rebuilding {agency} from the log") as bar:
                outcome = from_log(c, projection, store, bar.update)
                bar.update(max(0, (bar.length or 0) - bar.pos))  # the log has other mechanisms
        seconds = time.perf_counter() - started
        rate = outcome.applied / seconds if seconds else 0.0
        typer.echo(f"{agency}: applied {outcome.applied}, skipped {outcome.skipped}, "
                   f"dead-lettered {outcome.dead} in {seconds:.1f} s ({rate:,.0f} events/s)")
        return outcome
    finally:
        c.close()
