"""Is every consumer's recorded position consistent with the log? (nothing skipped, nothing invented)

Each read model records, in the same transaction as its change, its position per source and,
per aggregate, the last version it applied and that event's notification id (`_seen`). Checks:

1. a notification-log position is not beyond the log's head;
2. for a consumer fed from the log: every aggregate with an event of its topics at or before its
   position has been applied up to the version it had at that position (nothing skipped);
3. for every consumer (log or Kafka): each `_seen` record names an event the log holds, with the
   same aggregate and version (nothing applied that the log does not hold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from domain.vocabulary import AGENCIES
from services.agencies import projection_for
from services.application import LinkageApp
from services.chain import aggregate_uuid, notifications
from services.consumer import SEEN
from services.feeder import LOG_SOURCE, stored_topics
from services.ports import Doc, Store
from services.projections import NoticeIndex

MAX_PROBLEMS = 20


@dataclass
class _Feed:
    name: str
    topics: set[str]
    positions: dict[str, int] = field(default_factory=dict)
    seen: dict[str, Doc] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def log_position(self) -> int | None:
        return self.positions.get(LOG_SOURCE)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def default_feeds(store_for: Callable[[str], Store]) -> dict[str, tuple[Store, list[str]]]:
    """The API's index and every agency's read model, with the stored topics each consumes."""
    feeds = {"index": (store_for("index"), stored_topics(NoticeIndex().mechanisms))}
    for agency in AGENCIES:
        feeds[agency] = (store_for(agency), stored_topics(projection_for(agency).mechanisms))
    return feeds


def check_consumers(app: LinkageApp, feeds: dict[str, tuple[Store, list[str]]]) -> list[Doc]:
    head = app.recorder.max_notification_id() or 0
    checked: list[_Feed] = []
    wanted: set[int] = set()
    for name, (store, topics) in feeds.items():
        feed = _Feed(name, set(topics))
        with store.transaction() as tx:
            feed.positions = tx.positions()
            feed.seen = dict(tx.scan(SEEN))
        wanted |= {int(d["n"]) for d in feed.seen.values()}
        pos = feed.log_position
        if pos is not None and pos > head:
            feed.problem(f"log position {pos} is beyond the log's head {head}")
        checked.append(feed)
    stop = max([0, *wanted, *(f.log_position or 0 for f in checked)])
    found: dict[int, tuple[str, int]] = {}
    log_fed = [f for f in checked if f.log_position]
    if stop:
        for n in notifications(app, stop=stop):
            agg = str(aggregate_uuid(n.originator_id))
            for f in log_fed:
                if n.id <= (f.log_position or 0) and n.topic in f.topics:
                    f.expected[agg] = n.originator_version
            if n.id in wanted:
                found[n.id] = (agg, n.originator_version)
    reports = []
    for f in checked:
        for agg, version in sorted(f.expected.items()):
            got = f.seen.get(agg, {}).get("v", 0)
            if got < version:
                f.problem(f"skipped {agg}: applied up to version {got}, the log had version "
                          f"{version} at or before position {f.log_position}")
        for agg, doc in sorted(f.seen.items()):
            if found.get(int(doc["n"])) != (agg, doc["v"]):
                f.problem(f"records {agg} version {doc['v']} at event {doc['n']}, "
                          "which the log does not hold")
        reports.append({"consumer": f.name, "positions": f.positions, "aggregates": len(f.seen),
                        "ok": not f.problems, "problems": f.problems})
    return reports
