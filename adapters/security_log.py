"""The security log: sign-in attempts, security events and the access log, for the auditor.

Kept in its own read-model store ("security"), never in the event store, so that records can
be purged after the retention period (Cybersecurity Law art. 21 asks for six months at least)
without touching the history. A token is never recorded: only the account and token ids.

Sign-ins by bearer token happen on every API request: attempts of one token from one address
and user agent with one outcome are counted per minute in one record (`count`, `first_at`,
`last_at`) instead of a row per request. Records are buffered in memory and written about once
a second by a writer thread (and before any query), so requests never wait on the write.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.ports import Doc, Store

log = logging.getLogger(__name__)

SIGNINS = "signins"
EVENTS = "security_events"
ACCESS = "access"
LAST_USED = "token_last_used"
COLLECTIONS = (SIGNINS, EVENTS, ACCESS)
WINDOW = 60.0  # seconds over which failures from one address are counted


_SEQ = itertools.count()


def record_key(at: datetime) -> str:
    """Keys sort by time (UTC), then by the order this process recorded them."""
    return f"{at.astimezone(UTC).isoformat()}|{next(_SEQ):012d}|{uuid4().hex[:8]}"


@dataclass
class Throttle:
    """Failures per source address over the last minute; more than `limit` blocks it."""

    limit: int = 10
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, address: str, now: float) -> deque[float]:
        q = self._failures.setdefault(address, deque())
        while q and q[0] <= now - WINDOW:
            q.popleft()
        return q

    def retry_after(self, address: str) -> int | None:
        """Seconds until the address may try again, or None when it is not blocked."""
        with self._lock:
            now = self.clock()
            q = self._recent(address, now)
            if len(q) <= self.limit:
                if not q:
                    self._failures.pop(address, None)
                return None
            return max(1, int(q[-self.limit - 1] + WINDOW - now + 0.999))

    def failed(self, address: str) -> bool:
        """Count a failure; True when this one crosses the limit (a security event)."""
        with self._lock:
            now = self.clock()
            q = self._recent(address, now)
            q.append(now)
            return len(q) == self.limit + 1


class SecurityLog:
    def __init__(self, store: Callable[[], Store], clock: Callable[[], datetime],
                 failure_limit: int = 10) -> None:
        self._store = store
        self.clock = clock
        self.throttle = Throttle(failure_limit)
        self._pending: dict[tuple[Any, ...], Doc] = {}
        self._records: list[tuple[str, Doc]] = []
        self._last_used: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- recording -------------------------------------------------------------------------

    def sign_in(self, *, method: str, outcome: str, address: str, user_agent: str,
                account: Doc | None = None, token_id: str | None = None) -> None:
        """One authentication attempt (method `bearer` or `web`)."""
        now = self.clock()
        who = account or {}
        doc = {"method": method, "outcome": outcome, "address": address,
               "user_agent": user_agent[:300], "account_id": who.get("id"),
               "name": who.get("name"), "agency": who.get("agency"), "token_id": token_id}
        minute = now.replace(second=0, microsecond=0).isoformat()
        key = (minute, method, outcome, address, doc["user_agent"], doc["account_id"], token_id)
        with self._lock:
            if token_id is not None and outcome == "ok":
                self._last_used[token_id] = now.isoformat()
            agg = self._pending.get(key)
            if agg is None:
                self._pending[key] = {**doc, "at": now.isoformat(), "first_at": now.isoformat(),
                                      "last_at": now.isoformat(), "count": 1}
            else:
                agg["count"] += 1
                agg["last_at"] = now.isoformat()
        if outcome != "ok" and self.throttle.failed(address):
            self.event("throttled", address=address, user_agent=user_agent,
                       detail=f"more than {self.throttle.limit} failed sign-ins in a minute")

    def event(self, kind: str, *, detail: str, address: str | None = None,
              user_agent: str = "", account: Doc | None = None) -> None:
        """A security event (throttling, a purge)."""
        now = self.clock()
        who = account or {}
        self._add(EVENTS, now, {"kind": kind, "detail": detail, "address": address,
                                "user_agent": user_agent[:300], "account_id": who.get("id"),
                                "name": who.get("name"), "agency": who.get("agency")})

    def access(self, *, account: Doc, what: str, object_id: str, path: str) -> None:
        """A read of something the auditor wants to know who looked at."""
        self._add(ACCESS, self.clock(), {"account_id": account["id"], "name": account["name"],
                                         "agency": account["agency"], "role": account["role"],
                                         "what": what, "object": object_id, "path": path})

    def _add(self, coll: str, at: datetime, doc: Doc) -> None:
        with self._lock:
            self._records.append((coll, {**doc, "at": at.isoformat()}))

    # --- writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            records, self._records = self._records, []
            last_used, self._last_used = self._last_used, {}
        if not (pending or records or last_used):
            return
        try:
            with self._store().transaction() as tx:
                for doc in pending.values():
                    tx.put(SIGNINS, record_key(datetime.fromisoformat(doc["first_at"])), doc)
                for coll, doc in records:
                    tx.put(coll, record_key(datetime.fromisoformat(doc["at"])), doc)
                for token_id, at in last_used.items():
                    tx.put(LAST_USED, token_id, {"at": at})
        except Exception:
            with self._lock:  # kept for the next try (the database may be away a moment)
                for k, doc in pending.items():
                    self._pending.setdefault(k, doc)
                self._records[:0] = records
                for t, at in last_used.items():
                    self._last_used.setdefault(t, at)
            raise

    def start(self, interval: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.flush()
                except Exception as e:
                    log.warning("security log not written, will retry: %s", e)

        if self._thread is None:
            self._thread = threading.Thread(target=loop, name="security log", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.flush()
        except Exception as e:
            log.warning("security log records lost at shutdown: %s", e)

    # --- reading and retention -------------------------------------------------------------

    def last_used(self, token_ids: list[str]) -> dict[str, str]:
        self.flush()
        with self._store().transaction(write=False) as tx:
            tx.prefetch(LAST_USED, token_ids)
            found = {t: tx.get(LAST_USED, t) for t in token_ids}
        return {t: d["at"] for t, d in found.items() if d is not None}

    def query(self, coll: str, *, person: str | None = None, agency: str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              obj: str | None = None, limit: int = 1000) -> list[Doc]:
        """Newest first. `person` matches an account id or (part of) a name."""
        self.flush()
        with self._store().transaction(write=False) as tx:
            docs = [d for _, d in sorted(tx.scan(coll), key=lambda kd: kd[0], reverse=True)]
        out = []
        for d in docs:
            at = datetime.fromisoformat(d["at"])
            if ((since and at < since) or (until and at >= until)
                    or (agency and d.get("agency") != agency)
                    or (person and person != d.get("account_id")
                        and person not in (d.get("name") or ""))
                    or (obj and obj not in (d.get("object") or d.get("address") or ""))):
                continue
            out.append(d)
        return out[:limit]

    def purge(self, retention: timedelta) -> dict[str, int]:
        """Delete sign-in, security-event and access records older than the retention period;
        the purge itself is recorded as a security event. The event store is never touched."""
        self.flush()
        cutoff = self.clock() - retention
        removed: dict[str, int] = {}
        with self._store().transaction() as tx:
            for coll in COLLECTIONS:
                old = [k for k, d in tx.scan(coll) if datetime.fromisoformat(d["at"]) < cutoff]
                for k in old:
                    tx.delete(coll, k)
                removed[coll] = len(old)
        self.event("purge", detail=f"records before {cutoff.isoformat()} removed: " + ", ".join(
            f"{coll} {n}" for coll, n in removed.items()))
        self.flush()
        return removed
