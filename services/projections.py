"""Read models built only from consumed envelopes: the notice index and each agency's queue."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from services.envelope import Envelope
from services.notice_summary import fold, pending
from services.ports import Doc, Tx

NOTICES = "accident-notices"


class Projection(ABC):
    """Folds envelopes of some mechanisms into one store's documents."""

    name: str
    mechanisms: tuple[str, ...]

    @abstractmethod
    def apply(self, tx: Tx, env: Envelope) -> None: ...

    def prefetch(self, tx: Tx, envelopes: Sequence[Envelope]) -> None:
        """Read ahead what applying these envelopes reads: the notices they change."""
        tx.prefetch("notices", {str(e.aggregate_id) for e in envelopes if e.mechanism == NOTICES})


def _fold_notice(tx: Tx, env: Envelope) -> tuple[Doc | None, Doc | None]:
    key = str(env.aggregate_id)
    before = tx.get("notices", key)
    after = fold(before, env)
    if after is not None:
        tx.put("notices", key, after)
    return before, after


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

    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.name = agency

    def apply(self, tx: Tx, env: Envelope) -> None:
        if env.mechanism == NOTICES:
            before, after = _fold_notice(tx, env)
            if after is not None:
                self.notice_changed(tx, env, before, after)

    def notice_changed(self, tx: Tx, env: Envelope, before: Doc | None, after: Doc) -> None:
        """Keep the acknowledgement queue: a notice is queued while this agency owes one."""
        key = after["id"]
        if self.agency in pending(after):
            tx.put("queue", key, queue_item(after, self.agency))
        else:
            tx.delete("queue", key)


def queue(tx: Tx) -> list[Doc]:
    """Every queue item has a `kind` and a `deadline` (ISO time or None): earliest first."""
    items = [doc for _, doc in tx.scan("queue")]
    items.sort(key=lambda d: (d.get("deadline") is None, d.get("deadline") or ""))
    return items

