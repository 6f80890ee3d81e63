"""Plain helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.accident_notice import AccidentNotice
from domain.common import Actor, credit_code_check_char
from services.ports import Doc, Store, Tx


class ManualClock:
    """A clock the test moves by hand, so no test sleeps for a deadline."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def credit_code(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    first17 = f"91350100{n:09d}"
    return first17 + credit_code_check_char(first17)


def notice_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employer": {"name": "福州某某机械制造有限公司", "credit_code": credit_code(1),
                     "industry": "制造业", "risk_class": 4},
        "district": "鼓楼区",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "location": "二号车间冲压线",
        "summary": "工人在冲压作业中右手被压伤",
        "cause": "mechanical",
        "deaths": 0,
        "serious_injuries": 1,
        "missing": 0,
        "direct_loss_cny": "120000.00",
        "measures_taken": "已停机检修并送医",
    }
    body.update(overrides)
    return body


def acknowledge_all(notice: AccidentNotice, now: datetime) -> None:
    """Every agency still pending in the current round acknowledges (closing needs it)."""
    for agency in notice.pending_agencies():
        notice.acknowledge(actor=Actor(f"u-{agency}-ack", f"{agency} liaison", agency,
                                       "liaison"), now=now)


def acknowledge_pending(c: Any, notice_id: Any) -> None:
    """Through the service: every agency pending in the current round acknowledges."""
    for agency in c.notices.get(notice_id)["pending_agencies"]:
        c.notices.acknowledge(notice_id, Actor(f"u-{agency}-ack", f"{agency} liaison", agency,
                                               "liaison"))


class MemoryTx(Tx):
    def __init__(self, data: dict[str, dict[str, Doc]], positions: dict[str, int],
                 dead: list[Doc]) -> None:
        self.data, self._positions, self.dead = data, positions, dead
        self.entries: dict[str, dict[str, tuple[str, set[str]]]] = data.setdefault("_index", {})

    def index(self, coll: str, key: str, order: str, tags: Iterable[str]) -> None:
        self.entries.setdefault(coll, {})[key] = (order, set(tags))

    def _listed(self, coll: str, tags: Sequence[str], before: str | None = None
                ) -> list[tuple[str, str]]:
        return sorted((order, key) for key, (order, have) in self.entries.get(coll, {}).items()
                      if set(tags) <= have and (before is None or order < before))

    def page(self, coll: str, tags: Sequence[str], after: tuple[str, str] | None = None,
             limit: int = 50, offset: int = 0, before: str | None = None
             ) -> list[tuple[str, str, Doc]]:
        rows = [r for r in self._listed(coll, tags, before) if after is None or r > after]
        return [(o, k, copy.deepcopy(self.data[coll][k])) for o, k in rows[offset:offset + limit]]

    def count(self, coll: str, tags: Sequence[str], before: str | None = None) -> int:
        return len(self._listed(coll, tags, before))

    def facets(self, coll: str, tags: Sequence[str], prefix: str,
               before: str | None = None) -> dict[str, int]:
        found: dict[str, int] = {}
        for _, key in self._listed(coll, tags, before):
            for tag in self.entries[coll][key][1]:
                if tag.startswith(prefix):
                    found[tag] = found.get(tag, 0) + 1
        return dict(sorted(found.items()))

    def get(self, coll: str, key: str) -> Doc | None:
        doc = self.data.get(coll, {}).get(key)
        return copy.deepcopy(doc) if doc is not None else None

    def put(self, coll: str, key: str, doc: Doc) -> None:
        self.data.setdefault(coll, {})[key] = copy.deepcopy(doc)

    def put_new(self, coll: str, key: str, doc: Doc) -> bool:
        if key in self.data.get(coll, {}):
            return False
        self.put(coll, key, doc)
        return True

    def delete(self, coll: str, key: str) -> None:
        self.data.get(coll, {}).pop(key, None)
        self.entries.get(coll, {}).pop(key, None)

    def scan(self, coll: str) -> Iterator[tuple[str, Doc]]:
        yield from sorted(copy.deepcopy(self.data.get(coll, {})).items())

    def collections(self) -> list[str]:
        return sorted(c for c, docs in self.data.items() if docs and c != "_index")

    def position(self, source: str) -> int | None:
        return self._positions.get(source)

    def set_position(self, source: str, value: int) -> None:
        self._positions[source] = value

    def positions(self) -> dict[str, int]:
        return dict(self._positions)

    def add_dead_letter(self, source: str, position: int, reason: str, raw: bytes) -> None:
        self.dead.append({"source": source, "position": position, "reason": reason,
                          "raw": raw.decode("utf-8", "replace")})

    def dead_letters(self) -> list[Doc]:
        return list(self.dead)


class MemoryStore(Store):
    """A fake read-model store: a transaction works on a copy, kept only on commit."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.data: dict[str, dict[str, Doc]] = {}
        self.pos: dict[str, int] = {}
        self.dead: list[Doc] = []
        self.fail_commit = False

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        tx = MemoryTx(copy.deepcopy(self.data), dict(self.pos), list(self.dead))
        yield tx
        if self.fail_commit:
            raise RuntimeError("crash before commit")
        self.data, self.pos, self.dead = tx.data, tx._positions, tx.dead

    def reset(self) -> None:
        self.data, self.pos, self.dead = {}, {}, []

    def close(self) -> None:
        pass
