"""The verified replay's fast path gives what the general path gives: the same records, the same
verification result, the same progress, whatever was done to the stored rows, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters import audit_wiring
from adapters.bootstrap import Container
from adapters.settings import Settings
from services import audit, replay_fast
from services.chain import Verification, verified
from tests.integration.test_tamper import Raw, scenario
from tests.support import ManualClock


def general(c: Container, points: list[Any]) -> tuple[Iterator[Any], Verification, list[int]]:
    result, ticks = Verification(), []
    source = verified(c.app, c.store(audit_wiring.AUDIT_STORE), result, points)
    return audit.replay(c.app, audit.Filters(), source, ticks.append), result, ticks


def fast(c: Container, points: list[Any]) -> tuple[Iterator[Any], Verification, list[int]]:
    result, ticks = Verification(), []
    records = replay_fast.fast_verified_records(c.app, c.store(audit_wiring.AUDIT_STORE), result,
                                                points, ticks.append)
    assert records is not None
    return records, result, ticks


def both(c: Container) -> tuple[list[Any], dict[str, Any], list[int]]:
    points = audit_wiring.exported_checkpoints(c) + audit_wiring.chainer(c).stored_checkpoints()
    seen = []
    for way in (general, fast):
        try:
            records, result, ticks = way(c, points)
            got: Any = list(records)
        except Exception as e:  # the same error either way is the point
            got = (type(e), str(e))
        seen.append((got, result.as_dict(), ticks))
    assert seen[0] == seen[1]
    return seen[1]


def change_topic(raw: Raw, nid: int) -> None:
    with raw.cursor() as cur:
        cur.execute(raw.q("UPDATE {t} SET topic = ? WHERE {id} = ?"),
                    ("domain.accident_notice:AccidentNotice.Closed", nid))


def truncate_log(raw: Raw, nid: int) -> None:
    with raw.cursor() as cur:
        cur.execute(raw.q("DELETE FROM {t} WHERE {id} >= ?"), (nid,))


TAMPER: dict[str, Callable[[Raw], None]] = {
    "none": lambda raw: None,
    "changed byte": lambda raw: raw.change_byte(5),
    "deleted": lambda raw: raw.delete(4),
    "deleted last": lambda raw: raw.delete(9),
    "reordered": lambda raw: raw.swap(2, 3),
    "inserted": lambda raw: raw.insert_after(6),
    "changed topic": lambda raw: change_topic(raw, 3),
    "truncated": lambda raw: truncate_log(raw, 7),
}


@pytest.fixture
def chained(container: Container, clock: ManualClock, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Container:
    monkeypatch.setenv(audit_wiring.CHECKPOINT_ENV, str(tmp_path / "exported.jsonl"))
    scenario(container, clock)
    assert audit_wiring.chainer(container).run_once() is not None
    return container


@pytest.mark.parametrize("tamper", list(TAMPER))
def test_fast_path_gives_what_the_general_path_gives(
        chained: Container, settings: Settings, tamper: str) -> None:
    TAMPER[tamper](Raw(settings))
    records, result, _ = both(chained)
    assert result["ok"] == (tamper == "none")
    if tamper == "none":
        assert len(records) == 9 and result["checked"] == 9


def test_events_after_the_head_and_a_rewritten_chain(
        chained: Container, clock: ManualClock, settings: Settings) -> None:
    scenario(chained, clock, notices=700)  # past a page of the log and two chain documents
    records, result, ticks = both(chained)
    assert result["ok"] and result["unchained"] == 2100 and sum(ticks) == 2109
    audit_wiring.chainer(chained).run_once()  # and a checkpoint exported at its head
    records, result, ticks = both(chained)
    assert result["ok"] and result["checked"] == 2109 and len(records) == 2109
    Raw(settings).change_byte(2050)
    chained.store(audit_wiring.AUDIT_STORE).reset()  # every link recomputed inside the database
    audit_wiring.chainer(chained).extend()
    records, result, _ = both(chained)
    assert not result["ok"] and "rewritten" in result["problem"]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # PostgreSQL: a uuid column
def test_an_unreadable_originator_id_fails_as_the_recorder_does(
        chained: Container, settings: Settings) -> None:
    raw = Raw(settings)
    with raw.cursor() as cur:
        cur.execute("UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 4")
    (error, _), result, _ = both(chained)
    assert error is ValueError and result["checked"] == 0


def test_the_general_path_takes_over_with_filters(chained: Container) -> None:
    store = chained.store(audit_wiring.AUDIT_STORE)
    records, result = audit.verified_replay(chained.app, store, audit.Filters(agency="hrss"))
    assert [r["agency"] for r in records] == ["hrss"] * 3 and result.ok
