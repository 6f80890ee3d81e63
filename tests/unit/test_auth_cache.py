"""The token cache: a checked token is trusted a couple of seconds, never past its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.accounts import TokenCache, token_hash
from domain.common import Actor
from services.accounts import SignIn

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signed(name: str, expires_at: datetime = NOW + timedelta(days=90),
           account: str = "a1") -> SignIn:
    return SignIn("ok", Actor(id=account, name=name, agency="safety", role="liaison"),
                  account_id=account, token_id="t-" + name, expires_at=expires_at)


def test_a_checked_token_is_trusted_only_for_the_ttl() -> None:
    clock = Clock()
    cache = TokenCache(ttl=2.0, clock=clock)
    cache.put(token_hash("t"), signed("王敏"))
    clock.now += 1.9
    assert cache.lookup("t", NOW) is not None
    clock.now += 0.2  # the index is read again: a revocation elsewhere is seen
    assert cache.lookup("t", NOW) is None


def test_a_cached_token_is_refused_once_it_expires() -> None:
    cache = TokenCache(ttl=60.0)
    cache.put(token_hash("t"), signed("王敏", expires_at=NOW + timedelta(seconds=1)))
    assert cache.lookup("t", NOW) is not None
    assert cache.lookup("t", NOW + timedelta(seconds=1)) is None


def test_forgetting_an_account_drops_its_tokens_only() -> None:
    cache = TokenCache()
    cache.put(token_hash("a"), signed("a", account="a1"))
    cache.put(token_hash("b"), signed("b", account="b1"))
    cache.forget_account("a1")
    assert cache.lookup("a", NOW) is None and cache.lookup("b", NOW) is not None


def test_the_cache_keeps_at_most_max_size_users_dropping_the_oldest() -> None:
    cache = TokenCache(max_size=3)
    for i in range(5):
        cache.put(token_hash(f"t{i}"), signed(f"u{i}"))
    assert cache.lookup("t0") is None and cache.lookup("t1") is None
    assert [cache.lookup(f"t{i}").name for i in (2, 3, 4)] == ["u2", "u3", "u4"]  # type: ignore[union-attr]
