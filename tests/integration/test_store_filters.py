"""Lists' filters on SQLite and PostgreSQL: "overdue only" is a prefix of the urgency order
(`before`), a count per filter value comes from the index (`facets`), and documents listed by
an earlier version (without the cause and queue filters) are listed again once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.bootstrap import Container, bootstrap
from adapters.settings import Settings
from domain.notice_rules import overdue_before
from services import notice_list
from services.ports import Store
from services.projections import ALL, reindex

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    c: Container = bootstrap(settings)
    yield c.store("filtertest")
    c.close()


def item(n: int, deadline: datetime | None, grade: str, district: str, cause: str) -> dict[str, str | None]:
    return {"kind": "acknowledge_notice", "notice_id": f"n{n}", "grade": grade,
            "district": district, "cause": cause,
            "deadline": deadline.isoformat() if deadline else None}


def test_overdue_only_counts_per_value_and_paging_come_from_the_index(store: Store) -> None:
    from services.projections import put_queue_item
    hour = timedelta(hours=1)
    rows = [item(1, NOW - 2 * hour, "ordinary", "鼓楼区", "fall"),
            item(2, NOW - hour, "major", "台江区", "fall"),
            item(3, NOW + hour, "major", "鼓楼区", "fire"),
            item(4, NOW + 2 * hour, "large", "鼓楼区_%", "fall"),  # LIKE's wildcards: plain text
            item(5, None, "major", "台江区", "fire")]
    with store.transaction() as tx:
        for i, row in enumerate(rows, start=1):
            put_queue_item(tx, f"k{i}", row)
    with store.transaction(write=False) as tx:
        late = notice_list.queue_page(tx, overdue_at=NOW)
        assert [d["notice_id"] for d in late["items"]] == ["n1", "n2"] and late["total"] == 2
        first = notice_list.queue_page(tx, grade="major", limit=1)
        second = notice_list.queue_page(tx, grade="major", limit=1, cursor=first["next_cursor"])
        assert [first["items"][0]["notice_id"], second["items"][0]["notice_id"]] == ["n2", "n3"]
        counts = notice_list.facets(tx, "queue", {"kind": None, "grade": "major",
                                                  "district": None, "cause": None}, None, NOW)
        assert counts["grade"] == {"large": 1, "major": 3, "ordinary": 1}  # its own choice aside
        assert counts["district"] == {"台江区": 2, "鼓楼区": 1}  # among the major ones
        assert counts["cause"] == {"fall": 1, "fire": 2}
        assert counts["overdue"] == {"true": 1}  # n2: major and overdue
        assert tx.facets("queue", [ALL], "district:", overdue_before(NOW)) == {
            "district:台江区": 1, "district:鼓楼区": 1}


def test_documents_listed_by_an_earlier_version_are_listed_again_once(store: Store) -> None:
    with store.transaction() as tx:
        tx.put("queue", "old", item(9, NOW, "large", "晋安区", "fire"))
        tx.index("queue", "old", "1||0", [ALL, "kind:acknowledge_notice"])  # the old tags
    assert reindex(store) == 1
    with store.transaction(write=False) as tx:
        assert notice_list.queue_page(tx, cause="fire")["total"] == 1
    assert reindex(store) == 0
