"""Users and their bearer tokens; only a token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from domain.common import Actor, InvalidValue
from domain.vocabulary import AGENCIES, ROLES
from services.ports import Store

USERS = "users"


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash cannot be brute-forced.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenCache:
    """Recently seen tokens (by hash) and their user, so most requests need no database read.

    Users are only ever added (`linkage users add`), never changed or removed, so a cached
    user cannot go stale; the TTL bounds how long one would outlive a change if that ever
    came. Unknown tokens are not cached: a user added a moment ago can sign in at once.
    """

    def __init__(self, ttl: float = 60.0, max_size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.clock = clock
        self._entries: dict[str, tuple[float, Actor]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Actor | None:
        entry = self._entries.get(key)  # no lock: read on the event loop, a dict read is atomic
        if entry is None:
            return None
        if entry[0] <= self.clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def lookup(self, token: str) -> Actor | None:
        return self.get(token_hash(token))

    def put(self, key: str, actor: Actor) -> None:
        with self._lock:
            now = self.clock()
            if len(self._entries) >= self.max_size:  # expired first, then the oldest
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                while len(self._entries) >= self.max_size:
                    del self._entries[next(iter(self._entries))]
            self._entries[key] = (now + self.ttl, actor)


class Accounts:
    def __init__(self, store: Store, cache: TokenCache | None = None) -> None:
        self.store = store
        self.cache = cache

    def add(self, name: str, agency: str, role: str) -> str:
        """Create a user; returns the new token (shown once, never stored)."""
        if not name.strip():
            raise InvalidValue("must not be empty", "name")
        if agency not in AGENCIES:
            raise InvalidValue(f"must be one of {', '.join(AGENCIES)}", "agency")
        if role not in ROLES:
            raise InvalidValue(f"must be one of {', '.join(ROLES)}", "role")
        token = "lk_" + secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.put(USERS, token_hash(token), {
                "id": str(uuid4()), "name": name.strip(), "agency": agency, "role": role,
                "created_at": datetime.now(UTC).isoformat(),
            })
        return token

    def authenticate(self, token: str) -> Actor | None:
        key = token_hash(token)
        if self.cache is not None and (cached := self.cache.get(key)) is not None:
            return cached
        with self.store.transaction(write=False) as tx:
            doc = tx.get(USERS, key)
        if doc is None:
            return None
        actor = Actor(id=doc["id"], name=doc["name"], agency=doc["agency"], role=doc["role"])
        if self.cache is not None:
            self.cache.put(key, actor)
        return actor

    def find(self, account_id: str) -> Actor | None:
        """The account with this id (an admin's lookup, not a sign-in: a scan is fine)."""
        with self.store.transaction(write=False) as tx:
            for _, doc in tx.scan(USERS):
                if doc["id"] == account_id:
                    return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"],
                                 role=doc["role"])
        return None
