"""Signing in with a bearer token: a short-lived cache in front of the account index.

Accounts are event-sourced (domain/account.py, services/accounts.py). Users stored before
that (collection `users` of the API's store, keyed by their token's SHA-256, written by
`Accounts.add` below) keep signing in as they are; `linkage serve` (at start, then hourly) and
every `linkage users` command import them as Accounts with the same id and token, and from
then on they are managed like any other account (role, deactivation, revocation).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from domain.account import check_agency, check_role
from domain.common import Actor, InvalidValue
from services.accounts import SignIn, new_token, sign_in, token_hash
from services.ports import Store

if TYPE_CHECKING:
    from adapters.bootstrap import Container

USERS = "users"
__all__ = ["USERS", "Accounts", "TokenCache", "authenticate", "authenticate_key", "find_account",
           "import_legacy_users", "token_hash"]


class TokenCache:
    """Tokens (by hash) signed in lately, so most requests need no database read.

    An entry lives `ttl` seconds (2 by default): a revocation or a deactivation made on any
    server process reaches this one's account index within the feeder's poll interval, and
    its cache at most `ttl` later. A token's own expiry is checked on every use. Refusals are
    never cached: an account added a moment ago can sign in at once.
    """

    def __init__(self, ttl: float = 2.0, max_size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.clock = clock
        self._entries: dict[str, tuple[float, SignIn]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime | None = None) -> SignIn | None:
        entry = self._entries.get(key)  # no lock: read on the event loop, a dict read is atomic
        if entry is None:
            return None
        signed = entry[1]
        if entry[0] <= self.clock() or (now is not None and signed.expires_at is not None
                                        and signed.expires_at <= now):
            self._entries.pop(key, None)
            return None
        return signed

    def lookup(self, token: str, now: datetime | None = None) -> Actor | None:
        signed = self.get(token_hash(token), now)
        return signed.actor if signed is not None else None

    def put(self, key: str, signed: SignIn) -> None:
        with self._lock:
            now = self.clock()
            if len(self._entries) >= self.max_size:  # expired first, then the oldest
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                while len(self._entries) >= self.max_size:
                    del self._entries[next(iter(self._entries))]
            self._entries[key] = (now + self.ttl, signed)

    def forget_account(self, account_id: str) -> None:
        """Drop an account's entries at once (a change made by this process)."""
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items()
                             if v[1].account_id != account_id}


def authenticate(c: Container, token: str, cache: TokenCache | None = None) -> SignIn:
    """The token's sign-in outcome: from the cache when seen lately, else from the index.

    Runs in a worker thread (it may read the database).
    """
    return authenticate_key(c, token_hash(token), cache)


def authenticate_key(c: Container, key: str, cache: TokenCache | None = None) -> SignIn:
    """As `authenticate`, by the token's hash (what a web session keeps)."""
    now = c.clock()
    if cache is not None and (cached := cache.get(key, now)) is not None:
        return cached
    with c.accounts.store.transaction(write=False) as tx:
        signed = sign_in(tx, key, now)
    if signed.outcome == "unknown_token":  # perhaps a user stored before accounts had a history
        with c.store("api").transaction(write=False) as tx:
            legacy = tx.get(USERS, key)
        if legacy is not None:
            actor = Actor(id=legacy["id"], name=legacy["name"], agency=legacy["agency"],
                          role=legacy["role"])
            signed = SignIn("ok", actor, account_id=actor.id)
    if cache is not None and signed.actor is not None:
        cache.put(key, signed)
    return signed


def import_legacy_users(c: Container) -> int:
    """Import every user stored before accounts had a history; returns how many were new."""
    imported = sum(c.accounts.import_user(key, doc)
                   for key, doc in Accounts(c.store("api")).legacy_users())
    c.account_index.catch_up()
    return imported


class Accounts:
    """The store of users as they were kept before accounts had a history.

    `add` still works (older tools and tests call it): such a user signs in at once and is
    imported as an Account by `import_legacy_users`. `linkage users add` and `/api/v1/users`
    create Accounts directly.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, agency: str, role: str) -> str:
        """Create a user; returns the new token (shown once, never stored)."""
        if not name.strip():
            raise InvalidValue("must_not_be_empty", "name")
        check_agency(agency)
        check_role(role)
        token = new_token()
        with self.store.transaction() as tx:
            tx.put(USERS, token_hash(token), {
                "id": str(uuid4()), "name": name.strip(), "agency": agency, "role": role,
                "created_at": datetime.now(UTC).isoformat(),
            })
        return token

    def authenticate(self, token: str) -> Actor | None:
        """The user stored the old way for this token (no lifecycle: see `authenticate()`)."""
        with self.store.transaction(write=False) as tx:
            doc = tx.get(USERS, token_hash(token))
        if doc is None:
            return None
        return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"], role=doc["role"])

    def find(self, account_id: str) -> Actor | None:
        """The user stored the old way with this id (an admin's lookup, not a sign-in: a scan is
        fine); `find_account` looks in the account index first."""
        with self.store.transaction(write=False) as tx:
            for _, doc in tx.scan(USERS):
                if doc["id"] == account_id:
                    return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"],
                                 role=doc["role"])
        return None

    def legacy_users(self) -> list[tuple[str, dict[str, str]]]:
        with self.store.transaction(write=False) as tx:
            return list(tx.scan(USERS))


def find_account(c: Container, account_id: str) -> Actor | None:
    """An account by id: from the account index, else a user stored before accounts had a history."""
    doc = c.accounts.account_doc(account_id)
    if doc is not None:
        return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"], role=doc["role"])
    return Accounts(c.store("api")).find(account_id)
