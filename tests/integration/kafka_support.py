"""Processes and waiting for the Kafka tests: relay and consumers as real separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from adapters.bootstrap import Container
from adapters.rebuild import from_log
from adapters.settings import Settings
from services.agencies import projection_for

LINKAGE = str(Path(sys.executable).parent / "linkage")


def kafka_settings(pg_url: str, schema: str, bootstrap: str, data_dir: Path) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(database_url=pg_url, database_schema=schema, kafka_bootstrap=bootstrap,
                    topic_prefix=f"t{tag}.", consumer_group_prefix=f"t{tag}-",
                    topic_partitions=3, data_dir=data_dir)


def env_of(s: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKAGE_")}
    env.update({
        "LINKAGE_DATABASE_URL": s.database_url or "", "LINKAGE_DATABASE_SCHEMA": s.database_schema,
        "LINKAGE_KAFKA_BOOTSTRAP": s.kafka_bootstrap or "", "LINKAGE_TOPIC_PREFIX": s.topic_prefix,
        "LINKAGE_CONSUMER_GROUP_PREFIX": s.consumer_group_prefix,
        "LINKAGE_TOPIC_PARTITIONS": str(s.topic_partitions), "LINKAGE_DATA_DIR": str(s.data_dir),
    })
    env.update(extra)
    return env


class Proc:
    """One `linkage` process that can be killed and started again."""

    def __init__(self, args: list[str], settings: Settings, log: Path) -> None:
        self.args = args
        self.settings = settings
        self.log = log
        self.p: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.crashes = 0

    def start(self, **extra_env: str) -> None:
        self.starts += 1
        with open(self.log, "ab") as out:
            self.p = subprocess.Popen([LINKAGE, *self.args], env=env_of(self.settings, **extra_env),
                                      stdout=out, stderr=subprocess.STDOUT)

    def died(self) -> bool:
        if self.p is None or self.p.poll() is None:
            return False
        if self.p.returncode == -signal.SIGKILL:
            self.crashes += 1
        return True

    def kill(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
            self.p.wait()
            self.crashes += 1

    def stop(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def wait_until(check: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def docs(c: Container, name: str) -> dict[str, dict[str, object]]:
    """A read model's documents and their list entries (without positions, which differ by
    transport); the entries under the pseudo-collection "(lists)", by collection and key."""
    with c.store(name).transaction() as tx:
        found: dict[str, dict[str, object]] = {coll: dict(tx.scan(coll)) for coll in tx.collections()}
        cur, table = tx.cur, tx.t["idx"]  # type: ignore[attr-defined]  # the SQL stores' own
        cur.execute(f"SELECT coll, key, ord, tag FROM {table} ORDER BY coll, key, ord, tag")
        lists: dict[str, object] = {}
        for coll, key, order, tag in cur.fetchall():
            entry = lists.setdefault(f"{coll}/{key}", [order, []])
            assert isinstance(entry, list) and entry[0] == order, f"{coll}/{key}: two orders"
            entry[1].append(tag)
        found["(lists)"] = lists
        return found


def rebuilt(c: Container, agency: str) -> dict[str, dict[str, object]]:
    """The agency read model rebuilt straight from the event store, into a scratch store."""
    scratch = c.store(f"check_{agency}")
    from_log(c, projection_for(agency), scratch)
    return docs(c, f"check_{agency}")
