"""Read models built only from consumed envelopes: the notice index and each agency's queue."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from domain.notice_rules import notice_urgency, urgency_key
from services.envelope import Envelope
from services.notice_summary import fold, pending
from services.ports import Doc, Store, Tx

NOTICES = "accident-notices"
ALL = "*"  # the tag every listed document has
EVERYTHING = 1_000_000_000


class Projection(ABC):
    """Folds envelopes of some mechanisms into one store's documents."""

    name: str
    mechanisms: tuple[str, ...]
    # One log line per applied event, with the request it came from (an agency's read model;
    # the server's own indexes would repeat it several times over).
    logs_events = False

    @abstractmethod
    def apply(self, tx: Tx, env: Envelope) -> None: ...

    def prefetch(self, tx: Tx, envelopes: Sequence[Envelope]) -> None:
        """Read ahead what applying these envelopes reads: the notices they change."""
        tx.prefetch("notices", {str(e.aggregate_id) for e in envelopes if e.mechanism == NOTICES})


def _fold_notice(tx: Tx, env: Envelope) -> tuple[Doc | None, Doc | None]:
    key = str(env.aggregate_id)
    # Read only: fold copies what it changes, and the summaries are never changed in place
    # (notice_changed reads them), so the store's copy may be shared and encoded once a batch.
    before = tx.peek("notices", key)
    after = fold(before, env)
    if after is not None:
        tx.keep("notices", key, after)
        tx.at_end(("notices", key), lambda t: index_notice(t, key, after))
    return before, after


# Every document listed with this version's tags carries it: `reindex` lists again, once, the
# documents listed by an earlier version (whose tags lack cause, grade or district filters).
LISTED = "listed:2"


def notice_tags(s: Doc, owed: list[str] | None = None) -> list[str]:
    """The filters a notice list answers from the index: status, grade, district, cause,
    pending (`owed`: pending(s), when the caller has it already)."""
    return [ALL, LISTED, f"status:{s['status']}", f"grade:{s['grade']}",
            f"district:{s['district']}", f"cause:{s['cause']}",
            *(f"pending:{a}" for a in (pending(s) if owed is None else owed))]


def queue_tags(item: Doc) -> list[str]:
    """A queue item's filters: its kind, and the grade, district and cause of its notice."""
    return [ALL, LISTED, f"kind:{item['kind']}",
            *(f"{name}:{item[name]}" for name in ("grade", "district", "cause")
              if item.get(name))]


def index_notice(tx: Tx, key: str, s: Doc) -> None:
    owed = pending(s)
    tx.index("notices", key, notice_urgency(s["status"], s["deadlines"], owed, s["grade"]),
             notice_tags(s, owed))


def put_queue_item(tx: Tx, key: str, item: Doc) -> None:
    """A work item, listed in urgency order (nearest deadline, then grade); the caller hands
    the item over (built for the queue, never changed afterwards)."""
    tx.keep("queue", key, item)
    tx.index("queue", key, urgency_key([item.get("deadline")], item.get("grade")),
             queue_tags(item))


def reindex(store: Store) -> int:
    """List documents stored before lists were indexed, or listed with an earlier version's
    tags (once, after an upgrade)."""
    done = 0
    with store.transaction() as tx:
        for coll, put in (("notices", index_notice), ("queue", _reindex_item)):
            listed = tx.count(coll, [ALL])
            if listed == 0 or tx.count(coll, [LISTED]) < listed:
                for key, doc in tx.scan(coll):
                    put(tx, key, doc)
                    done += 1
    return done


def _reindex_item(tx: Tx, key: str, item: Doc) -> None:
    put_queue_item(tx, key, item)


class NoticeIndex(Projection):
    """The API's own index of notices, for lists and the deadline watcher."""

    name = "index"
    mechanisms = (NOTICES,)

    def apply(self, tx: Tx, env: Envelope) -> None:
        if env.mechanism == NOTICES:
            _fold_notice(tx, env)


def queue_item(summary: Doc, agency: str) -> Doc:
    return {
        "kind": "acknowledge_notice",
        "notice_id": summary["id"],
        "employer_name": summary["employer"]["name"],
        "district": summary["district"],
        "cause": summary["cause"],
        "grade": summary["grade"],
        "summary": summary["summary"],
        "filed_at": summary["filed_at"],
        "deadline": summary["deadlines"][agency],
        "escalated": agency in summary["escalated"],
        "version": summary["version"],
    }


class AgencyProjection(Projection):
    """One agency's read model, built only from the events that agency consumes.

    The base keeps the notices and the acknowledgement queue every agency has; each agency's
    subclass in services/agencies/ adds its own mechanisms and tables.
    """

    mechanisms: tuple[str, ...] = (NOTICES,)
    logs_events = True

    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.name = agency

    def apply(self, tx: Tx, env: Envelope) -> None:
        if env.mechanism == NOTICES:
            before, after = _fold_notice(tx, env)
            if after is not None:
                self.notice_changed(tx, env, before, after)

    def notice_changed(self, tx: Tx, env: Envelope, before: Doc | None, after: Doc) -> None:
        """Keep the acknowledgement queue: a notice is queued while this agency owes one (set
        at the end of the batch, from the notice's last summary)."""
        tx.at_end(("queue", after["id"]), lambda t: self._queue(t, after))

    def _queue(self, tx: Tx, summary: Doc) -> None:
        key = summary["id"]
        if self.agency in pending(summary):
            put_queue_item(tx, key, queue_item(summary, self.agency))
        else:
            tx.delete("queue", key)


def queue(tx: Tx) -> list[Doc]:
    """Every queue item has a `kind` and a `deadline` (ISO time or None): the most urgent
    first (nearest deadline, so overdue first; then the higher grade; none last)."""
    return [doc for _, _, doc in tx.page("queue", [ALL], limit=EVERYTHING)]

