"""The read-model stores on SQLite and PostgreSQL: a transaction reads its own buffered writes,
commits all of them or none, and a document changed by its reader is not changed in the store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.bootstrap import Container, bootstrap
from adapters.pg_tx import COPY_FROM
from adapters.settings import Settings
from services.ports import Store


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    c: Container = bootstrap(settings)
    yield c.store("storetest")
    c.close()


def test_a_transaction_reads_its_own_writes_and_deletes(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("queue", "a", {"n": 1})
        tx.put("queue", "b", {"n": 2})
        assert tx.get("queue", "a") == {"n": 1}
        tx.put("queue", "a", {"n": 3})
        tx.delete("queue", "b")
        assert tx.get("queue", "a") == {"n": 3}
        assert tx.get("queue", "b") is None
        assert list(tx.scan("queue")) == [("a", {"n": 3})]
        tx.set_position("t:0", 7)
        assert tx.position("t:0") == 7
        assert tx.positions() == {"t:0": 7}
    with store.transaction(write=False) as tx:
        assert list(tx.scan("queue")) == [("a", {"n": 3})]
        assert tx.position("t:0") == 7
        assert tx.collections() == ["queue"]


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("notices", "kept", {"v": 1})
        tx.set_position("log", 1)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put("notices", "kept", {"v": 2})
        tx.put("notices", "new", {"v": 1})
        tx.delete("notices", "kept")
        tx.set_position("log", 2)
        raise RuntimeError("crash before commit")
    with store.transaction(write=False) as tx:
        assert tx.get("notices", "kept") == {"v": 1}
        assert tx.get("notices", "new") is None
        assert tx.position("log") == 1


def test_changing_a_document_read_does_not_change_the_store(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("employers", "91350100M000100Y4X", {"notices": {"n1": "2024-03-01"}})
    with store.transaction() as tx:
        doc = tx.get("employers", "91350100M000100Y4X")
        assert doc is not None
        doc["notices"]["n2"] = "2024-04-01"  # changed, never put back
        again = tx.get("employers", "91350100M000100Y4X")
        assert again == {"notices": {"n1": "2024-03-01"}}
    with store.transaction(write=False) as tx:
        assert tx.get("employers", "91350100M000100Y4X") == {"notices": {"n1": "2024-03-01"}}


def test_prefetch_sees_what_is_stored_and_what_is_not(store: Store) -> None:
    keys = [f"k{i:04d}" for i in range(1200)]  # more than one chunk of the IN list
    with store.transaction() as tx:
        for k in keys[::2]:
            tx.put("_seen", k, {"v": 1, "k": k})
    with store.transaction() as tx:
        tx.prefetch("_seen", keys)
        assert [tx.get("_seen", k) is not None for k in keys[:4]] == [True, False, True, False]
        assert tx.get("_seen", keys[-2]) == {"v": 1, "k": keys[-2]}
        assert tx.put_new("_seen", keys[1], {"v": 9}) is True
        assert tx.put_new("_seen", keys[0], {"v": 9}) is False
    with store.transaction() as tx:  # not read before: the store itself decides
        assert tx.put_new("_seen", keys[2], {"v": 9}) is False
        assert tx.put_new("_seen", "fresh", {"v": 9}) is True
        assert tx.get("_seen", "fresh") == {"v": 9}
    with store.transaction(write=False) as tx:
        assert tx.get("_seen", keys[1]) == {"v": 9}
        assert tx.get("_seen", keys[0]) == {"v": 1, "k": keys[0]}
        assert tx.get("_seen", keys[2]) == {"v": 1, "k": keys[2]}
        assert sum(1 for _ in tx.scan("_seen")) == 602


def test_a_write_after_prefetch_is_not_overwritten_by_it(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("notices", "n1", {"v": 1})
        tx.put("notices", "n2", {"v": 1})
    with store.transaction() as tx:
        tx.prefetch("notices", ["n1", "n2", "n3"])
        tx.put("notices", "n1", {"v": 2})
        tx.delete("notices", "n2")
        assert tx.get("notices", "n3") is None  # the prefetch runs here
        assert tx.get("notices", "n1") == {"v": 2}
        assert tx.get("notices", "n2") is None
    with store.transaction(write=False) as tx:
        assert [k for k, _ in tx.scan("notices")] == ["n1"]
        assert tx.get("notices", "n1") == {"v": 2}


def test_kept_and_peeked_documents_are_stored_as_put(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("c", "old", {"n": 1, "tags": ["a"]})
    with store.transaction() as tx:
        old = tx.peek("c", "old")
        assert old == {"n": 1, "tags": ["a"]} and tx.peek("c", "old") == old
        new = {**old, "n": 2}  # changed by copying, never in place
        tx.keep("c", "old", new)
        tx.keep("c", "empty", {})  # an empty document is a document
        assert tx.peek("c", "old") == new and tx.peek("c", "missing") is None
        got = tx.get("c", "old")
        assert got == new and got is not new  # get still hands out a copy
        assert tx.put_new("c", "empty", {"x": 1}) is False
        assert tx.get("c", "empty") == {}
    with store.transaction(write=False) as tx:
        assert dict(tx.scan("c")) == {"empty": {}, "old": {"n": 2, "tags": ["a"]}}


def test_many_rows_at_once_are_inserted_and_replaced(store: Store) -> None:
    """Past COPY_FROM rows PostgreSQL's writes go by COPY: the same result, flushed twice in
    one transaction (a query in between) and replacing earlier rows."""
    n = COPY_FROM + 10
    with store.transaction() as tx:
        for i in range(0, n, 2):
            tx.put("many", f"k{i:04d}", {"i": i, "old": True})
    with store.transaction() as tx:
        for i in range(n):
            tx.keep("many", f"k{i:04d}", {"i": i, "text": "引号\"\t\\"})
            tx.index("many", f"k{i:04d}", f"{n - i:04d}", ["*", f"even:{i % 2 == 0}"])
        assert tx.count("many", ["*"]) == n  # flushed here
        for i in range(n):
            tx.keep("many", f"k{i:04d}", {"i": i, "again": True})
            tx.index("many", f"k{i:04d}", f"{i:04d}", ["*", "again"])
    with store.transaction(write=False) as tx:
        docs = dict(tx.scan("many"))
        assert len(docs) == n and docs["k0000"] == {"i": 0, "again": True}
        assert tx.count("many", ["again"]) == n and tx.count("many", ["even:True"]) == 0
        assert [k for _, k, _ in tx.page("many", ["*"], limit=2)] == ["k0000", "k0001"]


def test_documents_read_as_absent_are_written_right_through_two_flushes(store: Store) -> None:
    """A key read as absent is inserted (a COPY past COPY_FROM rows), not upserted; after the
    first flush it exists, so the next write of the same transaction replaces it; a key put
    and deleted again before any flush leaves nothing, nor its list entries."""
    n = COPY_FROM + 10
    keys = [f"k{i:04d}" for i in range(n)]
    with store.transaction() as tx:
        for k in keys[::3]:  # a third exist, listed
            tx.put("mix", k, {"k": k, "old": True})
            tx.index("mix", k, "0", ["*", "old"])
    with store.transaction() as tx:
        tx.prefetch("mix", keys)
        for i, k in enumerate(keys):
            assert (tx.peek("mix", k) is not None) == (i % 3 == 0)
            tx.keep("mix", k, {"k": k, "round": 1})
            tx.index("mix", k, f"{i:04d}", ["*", "round:1"])
        tx.put("mix", "brief", {"k": "brief"})
        tx.index("mix", "brief", "0", ["*"])
        tx.delete("mix", "brief")  # read as absent (prefetched? no: never read) and gone again
        assert tx.peek("mix", "gone") is None
        tx.put("mix", "gone", {"k": "gone"})
        tx.index("mix", "gone", "0", ["*"])
        tx.delete("mix", "gone")
        assert tx.count("mix", ["round:1"]) == n  # flushed here
        for i, k in enumerate(keys):
            if i % 5 == 0:
                tx.delete("mix", k)
            else:
                tx.keep("mix", k, {"k": k, "round": 2})
                tx.index("mix", k, f"{i:04d}", ["*", "round:2"])
    with store.transaction(write=False) as tx:
        docs = dict(tx.scan("mix"))
        kept = [k for i, k in enumerate(keys) if i % 5]
        assert sorted(docs) == kept
        assert all(doc == {"k": k, "round": 2} for k, doc in docs.items())
        assert tx.count("mix", ["*"]) == len(kept) == tx.count("mix", ["round:2"])
        assert tx.count("mix", ["old"]) == tx.count("mix", ["round:1"]) == 0


def test_dead_letters_are_kept_with_their_reason(store: Store) -> None:
    with store.transaction() as tx:
        tx.set_position("t:1", 4)
        tx.add_dead_letter("t:1", 4, "undecodable envelope", b"\xff not json")
    with store.transaction(write=False) as tx:
        [dead] = tx.dead_letters()
        assert (dead["source"], dead["position"], dead["reason"]) == ("t:1", 4,
                                                                      "undecodable envelope")
        assert tx.position("t:1") == 4


