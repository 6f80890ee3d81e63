"""Ports the services need from the outside world; adapters implement them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

Clock = Callable[[], datetime]
Doc = dict[str, Any]


class StoreUnavailable(Exception):
    """The database behind a store cannot be reached right now."""


class Tx(ABC):
    """One database transaction on a store of JSON documents grouped in collections."""

    @abstractmethod
    def get(self, coll: str, key: str) -> Doc | None: ...

    def prefetch(self, coll: str, keys: Iterable[str]) -> None:
        """A hint: these documents will be read, fetch them together (a store may ignore it)."""
        del coll, keys

    def peek(self, coll: str, key: str) -> Doc | None:
        """The document to read only, perhaps the store's own copy: the caller must not change
        it (nor anything in it). Saves `get`'s copy where an event reads what it replaces."""
        return self.get(coll, key)

    @abstractmethod
    def put(self, coll: str, key: str, doc: Doc) -> None: ...

    def keep(self, coll: str, key: str, doc: Doc) -> None:
        """`put`, handing the document over: the caller must not change it (nor anything in
        it) afterwards, so a store may keep it as it is and encode it once, at commit."""
        self.put(coll, key, doc)

    @abstractmethod
    def put_new(self, coll: str, key: str, doc: Doc) -> bool:
        """Insert only if absent; True when inserted."""

    @abstractmethod
    def delete(self, coll: str, key: str) -> None: ...

    @abstractmethod
    def scan(self, coll: str) -> Iterator[tuple[str, Doc]]: ...

    def at_end(self, key: Hashable, settle: Callable[[Tx], None]) -> None:
        """Call `settle(tx)` once the batch's events are applied, before its commit (`settle`);
        a later call with the same key replaces it. A notice's lists (its index entries, its
        queue item) are worked out once, from its last summary, not again at each event."""
        self.__dict__.setdefault("_at_end", {})[key] = settle

    def settle(self) -> None:
        """What `at_end` left, each once (the consumer calls it after a batch's events)."""
        while ends := self.__dict__.pop("_at_end", None):
            for settle in ends.values():
                settle(self)

    @abstractmethod
    def index(self, coll: str, key: str, order: str, tags: Iterable[str]) -> None:
        """List a document (already put) under each tag, at `order` (a string that sorts as
        the list should). Replaces the document's earlier entries; `delete` removes them."""

    @abstractmethod
    def page(self, coll: str, tags: Sequence[str], after: tuple[str, str] | None = None,
             limit: int = 50, offset: int = 0, before: str | None = None
             ) -> list[tuple[str, str, Doc]]:
        """(order, key, document) of the documents listed under every one of `tags`, in
        (order, key) order, starting after the (order, key) `after` and, given `before`, only
        those whose order sorts before it: one indexed query."""

    @abstractmethod
    def count(self, coll: str, tags: Sequence[str], before: str | None = None) -> int:
        """How many documents are listed under every one of `tags` (and before `before`)."""

    @abstractmethod
    def facets(self, coll: str, tags: Sequence[str], prefix: str,
               before: str | None = None) -> dict[str, int]:
        """For each tag starting with `prefix` (e.g. "district:"), how many of the documents
        listed under every one of `tags` (and before `before`) carry it: one indexed query."""

    @abstractmethod
    def collections(self) -> list[str]:
        """The names of the collections holding documents."""

    @abstractmethod
    def position(self, source: str) -> int | None:
        """The last applied position of an upstream source (a topic-partition or the log)."""

    @abstractmethod
    def set_position(self, source: str, value: int) -> None: ...

    @abstractmethod
    def positions(self) -> dict[str, int]: ...

    @abstractmethod
    def add_dead_letter(self, source: str, position: int, reason: str, raw: bytes) -> None: ...

    @abstractmethod
    def dead_letters(self) -> list[Doc]: ...


class Store(ABC):
    """A read-model database: each agency has its own, with its own tables."""

    name: str

    @abstractmethod
    def transaction(self, write: bool = True) -> AbstractContextManager[Tx]:
        """Commits on normal exit, rolls back on an exception. Writers go one at a time;
        `write=False` promises only reads, which then need not wait for them."""

    @abstractmethod
    def reset(self) -> None:
        """Drop every document, position and dead letter (for a rebuild)."""

    @abstractmethod
    def close(self) -> None: ...
