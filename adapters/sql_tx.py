"""One read-model transaction in SQL, the same on SQLite and PostgreSQL (stores.py opens them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from services.fast_json import dumps as _dumps
from services.fast_json import loads
from services.ports import Doc, Tx

DDL = (
    "CREATE TABLE IF NOT EXISTS {docs} (coll TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (coll, key))",
    "CREATE TABLE IF NOT EXISTS {positions} (source TEXT PRIMARY KEY, pos BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {dead} (source TEXT NOT NULL, pos BIGINT NOT NULL,"
    " reason TEXT NOT NULL, raw {blob} NOT NULL, at TEXT NOT NULL, PRIMARY KEY (source, pos))",
    # Lists: a document under each of its tags, in the order its projection gave it.
    "CREATE TABLE IF NOT EXISTS {idx} (coll TEXT NOT NULL, tag TEXT NOT NULL,"
    " ord TEXT{bytewise} NOT NULL, key TEXT NOT NULL, PRIMARY KEY (coll, tag, ord, key))",
    "CREATE INDEX IF NOT EXISTS {idx_by_key} ON {idx} (coll, key)",
)
_MEMBER = ("EXISTS (SELECT 1 FROM {idx} j WHERE j.coll = i.coll AND j.tag = ? AND j.ord = i.ord"
           " AND j.key = i.key)")


# What a transaction changed, for the next one to start from (adapters/pipelined.py): the
# documents written, and the positions.
Carried = tuple[dict[tuple[str, str], str | Doc], dict[str, int | None] | None]
_ABSENT = ""  # cached marker: the row is known not to exist (a document is never "")


class SqlTx(Tx):
    """The same SQL on both databases; only the placeholder and table names differ.

    Documents read or written are cached for the transaction and writes are sent in one batch
    at commit (`flush`): a consumer's event touches the same few documents several times, and
    each round trip to PostgreSQL cost more than the work itself.
    """

    def __init__(self, cur: Any, tables: dict[str, str], ph: str) -> None:
        self.cur = cur
        self.t = tables
        self.ph = ph
        # JSON text, _ABSENT, or a document handed over by `keep`/`peek` (encoded once, at flush)
        self._docs: dict[tuple[str, str], str | Doc] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._wanted: set[tuple[str, str]] = set()
        self._pos: dict[str, int | None] | None = None  # every position, read on first use
        self._pos_dirty: set[str] = set()
        self._idx: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}
        # Keys known to have no row (hence no index entries: `Tx.index` lists documents put)
        # when this transaction commits: read as absent (writers hold the read model's lock
        # from the start) or carried as deleted. Their writes need no upsert and no delete.
        self._absent: set[tuple[str, str]] = set()

    def carry(self) -> Carried:
        """What this transaction changed, as the next one must see it before this one is
        committed (adapters/pipelined.py): the documents written, and the positions."""
        return ({k: self._docs[k] for k in self._dirty},
                None if self._pos is None else dict(self._pos))

    def seed(self, carried: Carried) -> None:
        """Start from what the previous transaction changed (`carry`), still uncommitted."""
        docs, positions = carried
        self._docs.update(docs)
        self._absent.update(k for k, d in docs.items() if d == _ABSENT)
        if positions is not None:
            self._pos = dict(positions)

    def _q(self, text: str) -> str:
        return text.format(**self.t).replace("?", self.ph)

    def _load(self, coll: str, key: str) -> str | Doc:
        k = (coll, key)
        if k not in self._docs:  # read with whatever else is wanted, in the same query
            self._wanted.add(k)
            self._fetch_wanted()
        return self._docs[k]

    def prefetch(self, coll: str, keys: Iterable[str]) -> None:
        # Only noted here: every collection's keys are then read in one query on first use.
        self._wanted.update((coll, k) for k in keys if (coll, k) not in self._docs)

    def _fetch_wanted(self) -> None:
        wanted = sorted(k for k in self._wanted if k not in self._docs)  # not written since
        self._wanted.clear()
        found = {(c, k): d for c, k, d in self._rows(
            "SELECT coll, key, doc FROM {docs} WHERE (coll, key) IN ({rows})", wanted)}
        for pair in wanted:
            doc = self._docs[pair] = found.get(pair, _ABSENT)
            if doc == _ABSENT:
                self._absent.add(pair)

    def get(self, coll: str, key: str) -> Doc | None:
        text = self._load(coll, key)
        # A fresh copy each time: callers change what they get before putting it back.
        if isinstance(text, dict):
            text = _dumps(text)
        return loads(text) if text else None

    def peek(self, coll: str, key: str) -> Doc | None:
        found = self._load(coll, key)
        if isinstance(found, dict):
            return found
        if not found:
            return None
        doc: Doc = loads(found)
        self._docs[(coll, key)] = doc  # parsed once for every later peek of the batch
        return doc

    def put(self, coll: str, key: str, doc: Doc) -> None:
        self._docs[(coll, key)] = _dumps(doc)
        self._dirty.add((coll, key))

    def keep(self, coll: str, key: str, doc: Doc) -> None:
        self._docs[(coll, key)] = doc
        self._dirty.add((coll, key))

    def put_new(self, coll: str, key: str, doc: Doc) -> bool:
        k = (coll, key)
        if k in self._docs:
            if self._docs[k] != _ABSENT:  # ({} is a document: compare, not truth)
                return False
            self.put(coll, key, doc)
            return True
        text = _dumps(doc)  # unknown here: one INSERT tells
        self.cur.execute(self._q("INSERT INTO {docs} (coll, key, doc) VALUES (?, ?, ?) "
                                 "ON CONFLICT (coll, key) DO NOTHING"), (coll, key, text))
        if self.cur.rowcount == 1:
            self._docs[k] = text
            return True
        return False

    def delete(self, coll: str, key: str) -> None:
        self._docs[(coll, key)] = _ABSENT
        self._dirty.add((coll, key))
        self._idx[(coll, key)] = None

    def index(self, coll: str, key: str, order: str, tags: Iterable[str]) -> None:
        self._idx[(coll, key)] = (order, tuple(tags))  # deduplicated at flush: the last one

    def _where(self, coll: str, tags: Sequence[str], before: str | None = None
               ) -> tuple[str, list[Any]]:
        main, *rest = tags
        where = " AND ".join(["i.coll = ?", "i.tag = ?", *[_MEMBER] * len(rest)])
        if before is not None:
            return where + " AND i.ord < ?", [coll, main, *rest, before]
        return where, [coll, main, *rest]

    def page(self, coll: str, tags: Sequence[str], after: tuple[str, str] | None = None,
             limit: int = 50, offset: int = 0, before: str | None = None
             ) -> list[tuple[str, str, Doc]]:
        self.flush()
        where, params = self._where(coll, tags, before)
        if after is not None:
            where += " AND (i.ord > ? OR (i.ord = ? AND i.key > ?))"
            params += [after[0], after[0], after[1]]
        self.cur.execute(self._q(
            "SELECT i.ord, i.key, d.doc FROM {idx} i JOIN {docs} d ON d.coll = i.coll AND "
            f"d.key = i.key WHERE {where} ORDER BY i.ord, i.key LIMIT ? OFFSET ?"),
            [*params, limit, offset])
        return [(o, k, loads(d)) for o, k, d in self.cur.fetchall()]

    def count(self, coll: str, tags: Sequence[str], before: str | None = None) -> int:
        self.flush()
        where, params = self._where(coll, tags, before)
        self.cur.execute(self._q(f"SELECT COUNT(*) FROM {{idx}} i WHERE {where}"), params)
        return int(self.cur.fetchone()[0])

    def facets(self, coll: str, tags: Sequence[str], prefix: str,
               before: str | None = None) -> dict[str, int]:
        self.flush()
        # the facet's entries (a range of the primary key), each kept if its document is
        # listed under every tag asked for (a primary-key lookup each)
        where = ["i.coll = ?", "i.tag{bytewise} >= ?", "i.tag{bytewise} < ?",
                 *[_MEMBER] * len(tags)]
        params: list[Any] = [coll, prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), *tags]
        if before is not None:
            where.append("i.ord < ?")
            params.append(before)
        self.cur.execute(self._q(f"SELECT i.tag, COUNT(*) FROM {{idx}} i WHERE "
                                 f"{' AND '.join(where)} GROUP BY i.tag"), params)
        return {str(tag): int(n) for tag, n in self.cur.fetchall()}

    def flush(self) -> None:
        """Send the buffered writes (at commit, and before any query that must see them)."""
        absent = self._absent
        # List entries first: whether a key has any is known from `absent` as it stood before
        # this flush, which the documents' writes below then bring up to date.
        if self._idx:
            changed = sorted(self._idx.items())
            self._idx.clear()
            self._rows("DELETE FROM {idx} WHERE (coll, key) IN ({rows})",
                       [k for k, _ in changed if k not in absent])
            self._rows("INSERT INTO {idx} (coll, tag, ord, key) VALUES {rows}",
                       [(c, tag, entry[0], k) for (c, k), entry in changed if entry
                        for tag in sorted(set(entry[1]))])
        if self._dirty:
            dirty = sorted(self._dirty)
            self._dirty.clear()
            docs = self._docs
            new: list[tuple[str, str, str]] = []
            puts: list[tuple[str, str, str]] = []
            gone: list[tuple[str, str]] = []
            for pair in dirty:
                d = docs[pair]
                if d == _ABSENT:
                    if pair not in absent:
                        gone.append(pair)
                else:
                    (new if pair in absent else puts).append(
                        (*pair, d if isinstance(d, str) else _dumps(d)))
            # A rebuild's documents are mostly new: a plain insert (a COPY when many) took
            # about half the upsert's time (bench/RESULTS.md).
            self._rows("INSERT INTO {docs} (coll, key, doc) VALUES {rows}", new)
            self._rows("INSERT INTO {docs} (coll, key, doc) VALUES {rows} "
                       "ON CONFLICT (coll, key) DO UPDATE SET doc = excluded.doc", puts)
            self._rows("DELETE FROM {docs} WHERE (coll, key) IN ({rows})", gone)
            absent.difference_update((c, k) for c, k, _ in new)
            absent.update(gone)
        if self._pos_dirty:
            rows = [(s, self._positions()[s]) for s in sorted(self._pos_dirty)]
            self._pos_dirty.clear()
            self._rows("INSERT INTO {positions} (source, pos) VALUES {rows} "
                       "ON CONFLICT (source) DO UPDATE SET pos = excluded.pos", rows)

    def _rows(self, text: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """One statement for many rows (keys are unique here, as ON CONFLICT needs): a
        statement per row cost the server more than the rows themselves. Returns what a
        SELECT found."""
        found: list[tuple[Any, ...]] = []
        for i in range(0, len(rows), 300):
            chunk = rows[i:i + 300]
            one = "(" + ", ".join([self.ph] * len(chunk[0])) + ")"
            query = text.format(rows=", ".join([one] * len(chunk)), **self.t)
            self.cur.execute(query, [v for row in chunk for v in row])
            if self.cur.description is not None:
                found.extend(self.cur.fetchall())
        return found

    def scan(self, coll: str) -> Iterator[tuple[str, Doc]]:
        self.flush()
        self.cur.execute(self._q("SELECT key, doc FROM {docs} WHERE coll=? ORDER BY key"), (coll,))
        for key, doc in self.cur.fetchall():
            yield key, loads(doc)

    def collections(self) -> list[str]:
        self.flush()
        self.cur.execute(self._q("SELECT DISTINCT coll FROM {docs} ORDER BY coll"))
        return [row[0] for row in self.cur.fetchall()]

    def _positions(self) -> dict[str, int | None]:
        if self._pos is None:  # few rows (one per topic-partition): all in one query
            self.cur.execute(self._q("SELECT source, pos FROM {positions}"))
            self._pos = {s: int(p) for s, p in self.cur.fetchall()}
        return self._pos

    def position(self, source: str) -> int | None:
        return self._positions().get(source)

    def set_position(self, source: str, value: int) -> None:
        self._positions()[source] = value
        self._pos_dirty.add(source)

    def positions(self) -> dict[str, int]:
        return {s: p for s, p in sorted(self._positions().items()) if p is not None}

    def add_dead_letter(self, source: str, position: int, reason: str, raw: bytes) -> None:
        self.cur.execute(
            self._q("INSERT INTO {dead} (source, pos, reason, raw, at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (source, pos) DO NOTHING"),
            (source, position, reason, raw, datetime.now(UTC).isoformat()),
        )

    def dead_letters(self) -> list[Doc]:
        self.cur.execute(self._q("SELECT source, pos, reason, raw, at FROM {dead} ORDER BY at"))
        return [{"source": s, "position": int(p), "reason": r,
                 "raw": bytes(raw).decode("utf-8", "replace"), "at": at}
                for s, p, r, raw, at in self.cur.fetchall()]
