"""The auditor's pieces wired to a container: the chainer, exported checkpoints, verification."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.bootstrap import Container
from domain.vocabulary import AGENCIES
from services import audit
from services.audit_consumers import check_consumers, default_feeds
from services.chain import Chainer, Verification, verified
from services.consumer import Outcome
from services.ports import Doc, Store

AUDIT_STORE = "audit"
CHECKPOINT_ENV = "LINKAGE_AUDIT_CHECKPOINTS"


def checkpoint_file(c: Container) -> Path:
    """Where checkpoints are exported (append-only JSON Lines), outside the database."""
    configured = os.environ.get(CHECKPOINT_ENV)
    return Path(configured) if configured else c.settings.data_dir / "audit-checkpoints.jsonl"


class FileExport:
    """Append each checkpoint as one JSON line (fsynced) to a file the operator chooses."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, point: Doc) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(point, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[Doc]:
        if not self.path.exists():
            return []
        points: list[Doc] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                points.append(json.loads(line))
        return points


def consumer_feeds(c: Container) -> dict[str, tuple[Store, list[str]]]:
    """Every read model the container feeds from the log, and every agency's (Kafka-fed too)."""
    feeds = default_feeds(c.store)
    for feeder in c.in_process_feeders():
        store = feeder.consumer.store
        feeds[store.name] = (store, feeder.topics)
    return feeds


def chainer(c: Container, export_to: Path | None = None) -> Chainer:
    return Chainer(c.app, c.store(AUDIT_STORE), c.clock,
                   FileExport(export_to or checkpoint_file(c)))


def exported_checkpoints(c: Container, extra: Sequence[Path] = ()) -> list[Doc]:
    points = FileExport(checkpoint_file(c)).read()
    for path in extra:
        points += FileExport(path).read()
    return points


def verify(c: Container, checkpoint_files: Sequence[Path] = (), extend: bool = True,
           consumers: bool = True) -> Doc:
    """Extend the chain, then recompute it from the stored rows against links and checkpoints."""
    ch = chainer(c)
    if extend:
        ch.extend()
    points = exported_checkpoints(c, checkpoint_files) + ch.stored_checkpoints()
    result = Verification()
    for _ in verified(c.app, c.store(AUDIT_STORE), result, points):
        pass
    if consumers:
        result.consumers = check_consumers(c.app, consumer_feeds(c))
    out: dict[str, Any] = result.as_dict()
    out["consumers_ok"] = all(r["ok"] for r in result.consumers)
    out["checkpoint_file"] = str(checkpoint_file(c))
    with c.store(AUDIT_STORE).transaction() as tx:  # for the metrics
        tx.put(STATUS, LAST_VERIFICATION, {"at": time.time(), "ok": bool(out["ok"]),
                                           "checked": out["checked"]})
    return out


STATUS, LAST_VERIFICATION = "status", "last_verification"


def last_verification(c: Container) -> Doc | None:
    """When the hash chain was last verified, and whether it passed (None: never)."""
    with c.store(AUDIT_STORE).transaction(write=False) as tx:
        return tx.get(STATUS, LAST_VERIFICATION)


AS_OF_META = "_asof"


def as_of_store(agency: str) -> str:
    return f"asof_{agency}"


def rebuild_as_of(c: Container, at: datetime | None,
                  progress: Callable[[int], None] | None = None,
                  position: int | None = None) -> dict[str, Outcome]:
    """Every agency's read model as of `at` (or once the log reached `position`), each into its
    own separate store (asof_<agency>)."""
    stores: dict[str, Store] = {agency: c.store(as_of_store(agency)) for agency in AGENCIES}
    outcomes = audit.rebuild_as_of(c.app, at, stores, progress, position=position)
    for store in stores.values():
        with store.transaction() as tx:
            tx.put(AS_OF_META, "meta", {"as_of": at.isoformat() if at else None,
                                        "position": position})
    return outcomes



@contextmanager
def scratch_as_of(c: Container, agency: str, at: datetime | None = None,
                  position: int | None = None) -> Iterator[tuple[Store, Outcome]]:
    """One agency's read model as of a moment or a log position, rebuilt on demand from the log
    into a scratch store (a temporary SQLite file, removed after): nothing to run first."""
    from adapters.stores import SqliteStore

    with tempfile.TemporaryDirectory(prefix="linkage-asof-") as tmp:
        store = SqliteStore(Path(tmp) / "asof.db", as_of_store(agency))
        outcome = audit.rebuild_as_of(c.app, at, {agency: store}, position=position)[agency]
        yield store, outcome


def read_model_as_of(c: Container, agency: str, at: datetime | None = None,
                     position: int | None = None) -> Doc:
    """Every document of one agency's read model as of a moment or a log position."""
    from services.audit_timeline import documents

    with scratch_as_of(c, agency, at, position) as (store, outcome):
        with store.transaction(write=False) as tx:
            reached = max(tx.positions().values(), default=None)
        collections = dict(documents(store))
    return {"agency": agency, "as_of": at.isoformat() if at else None, "position": position,
            "applied": outcome.applied, "last_applied": reached, "collections": collections}
