"""Signing in with a token: known tokens are remembered a while, unknown ones never are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.accounts import Accounts, TokenCache, token_hash
from domain.common import Actor
from services.ports import Tx
from tests.support import MemoryStore


class CountingStore(MemoryStore):
    """Counts transactions: each is a database round trip on a real store."""

    def __init__(self) -> None:
        super().__init__("api")
        self.reads = 0

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        self.reads += 0 if write else 1
        with super().transaction(write) as tx:
            yield tx


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_known_token_is_read_once_then_remembered() -> None:
    store = CountingStore()
    token = Accounts(store).add("王敏", "safety", "liaison")
    accounts = Accounts(store, TokenCache())
    first = accounts.authenticate(token)
    assert first is not None and first.name == "王敏" and first.role == "liaison"
    for _ in range(5):
        assert accounts.authenticate(token) == first
    assert store.reads == 1


def test_an_unknown_token_is_refused_every_time_and_never_remembered() -> None:
    store = CountingStore()
    Accounts(store).add("王敏", "safety", "liaison")
    accounts = Accounts(store, TokenCache())
    for _ in range(3):
        assert accounts.authenticate("lk_not-a-token") is None
    assert store.reads == 3


def test_a_user_added_after_others_were_remembered_signs_in_at_once() -> None:
    store = CountingStore()
    cache = TokenCache()
    old = Accounts(store).add("王敏", "safety", "liaison")
    assert Accounts(store, cache).authenticate(old) is not None
    new = Accounts(store).add("李强", "hrss", "liaison")  # as `linkage users add` meanwhile
    actor = Accounts(store, cache).authenticate(new)
    assert actor is not None and actor.agency == "hrss"


def test_a_remembered_token_is_read_again_after_the_ttl() -> None:
    store = CountingStore()
    clock = Clock()
    token = Accounts(store).add("王敏", "safety", "liaison")
    accounts = Accounts(store, TokenCache(ttl=60.0, clock=clock))
    accounts.authenticate(token)
    clock.now += 59.0
    accounts.authenticate(token)
    assert store.reads == 1
    clock.now += 2.0
    assert accounts.authenticate(token) is not None
    assert store.reads == 2


def test_the_cache_keeps_at_most_max_size_users_dropping_the_oldest() -> None:
    cache = TokenCache(max_size=3)
    for i in range(5):
        cache.put(token_hash(f"t{i}"), Actor(id=str(i), name=f"u{i}", agency="safety",
                                             role="liaison"))
    assert cache.lookup("t0") is None and cache.lookup("t1") is None
    assert [cache.lookup(f"t{i}").name for i in (2, 3, 4)] == ["u2", "u3", "u4"]  # type: ignore[union-attr]
