"""双随机: registers, a reproducible draw, and a verification that catches any alteration."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.common import Actor, InvalidValue, credit_code_check_char
from domain.draw import DrawError, digest, make_draw, run_draw, verify_draw
from domain.joint_inspection import JointInspection
from domain.registers import NoSuchEntry, Register
from services.application import LinkageApp
from services.joint_inspections import JointInspections
from tests.support import ManualClock

ADMIN = Actor("u-a", "管理员", "hrss", "admin")
SAFETY = Actor("u-s", "王敏", "safety", "inspector")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def code(n: int) -> str:
    first = f"91350100{n:09d}"
    return first + credit_code_check_char(first)


EMPLOYERS = [{"credit_code": code(n), "name": f"企业{n}"} for n in range(1, 21)]
INSPECTORS = [{"id": f"{a}-{n}", "name": f"{a}{n}", "agency": a}
              for a in ("safety", "health", "finance") for n in range(4)]


def draw(seed: str = "种子-2026", agencies: list[str] | None = None) -> dict[str, Any]:
    return make_draw(seed, EMPLOYERS, INSPECTORS, agencies or ["safety", "health"], 3, 4)


def test_the_same_seed_and_registers_give_the_same_draw_in_any_entry_order() -> None:
    a = draw()
    shuffled = make_draw("种子-2026", list(reversed(EMPLOYERS)), list(reversed(INSPECTORS)),
                         ["health", "safety"], 3, 4)
    assert a["targets"] == shuffled["targets"] and a["inspectors"] == shuffled["inspectors"]
    assert a["employer_register_sha256"] == shuffled["employer_register_sha256"]
    assert len({t["credit_code"] for t in a["targets"]}) == 3
    assert draw("另一个种子")["targets"] != a["targets"] or draw("x")["targets"] != a["targets"]


def test_inspectors_come_from_every_participating_agency_and_only_those() -> None:
    for n in range(30):
        d = draw(f"seed-{n}")
        agencies = [i["agency"] for i in d["inspectors"]]
        assert set(agencies) == {"safety", "health"} and len(set(i["id"] for i in d["inspectors"])) == 4


def test_a_draw_the_registers_cannot_satisfy_is_refused() -> None:
    with pytest.raises(DrawError, match="21 targets"):
        make_draw("s", EMPLOYERS, INSPECTORS, ["safety", "health"], 21, 2)
    with pytest.raises(DrawError, match="nobody from hrss"):
        make_draw("s", EMPLOYERS, INSPECTORS, ["safety", "hrss"], 1, 2)
    with pytest.raises(DrawError, match="at least 3"):
        make_draw("s", EMPLOYERS, INSPECTORS, ["safety", "health", "finance"], 1, 2)
    with pytest.raises(DrawError, match="from 8 eligible"):
        run_draw("s", EMPLOYERS, INSPECTORS, ["safety", "health"], 1, 9)


def test_verification_confirms_an_untouched_record() -> None:
    assert verify_draw(draw()) == []


@pytest.mark.parametrize("alter", [
    "seed", "employer_entry", "employer_removed", "inspector_agency", "result",
])
def test_verification_fails_when_the_record_is_altered(alter: str) -> None:
    record = copy.deepcopy(draw())
    if alter == "seed":
        record["seed"] = "种子-2027"
    elif alter == "employer_entry":
        record["employer_register"][0]["name"] = "改过的名字"
    elif alter == "employer_removed":
        drawn = {t["credit_code"] for t in record["targets"]}
        record["employer_register"] = [e for e in record["employer_register"]
                                       if e["credit_code"] not in drawn]
        record["employer_register_sha256"] = digest(record["employer_register"], "credit_code")
    elif alter == "inspector_agency":
        record["inspector_register"][0]["agency"] = "hrss"
    else:
        record["targets"][0] = EMPLOYERS[-1] if record["targets"][0] != EMPLOYERS[-1] else EMPLOYERS[0]
    assert verify_draw(record) != []


def test_verification_names_what_does_not_match() -> None:
    record = copy.deepcopy(draw())
    record["inspector_register"][0]["name"] = "冒名"
    assert verify_draw(record) == ["inspector_register does not match its SHA-256 digest"]
    record = copy.deepcopy(draw())
    record["seed"] = "other"
    problems = verify_draw(record)
    assert problems and all("re-running the draw" in p for p in problems)


def test_register_keeps_checked_entries_by_key() -> None:
    r = Register.open(actor=ADMIN, kind="inspectors")
    r.put(actor=ADMIN, entries=INSPECTORS[:2], now=NOW)
    r.put(actor=ADMIN, entries=[{**INSPECTORS[0], "name": "改名"}], now=NOW)
    assert [e["id"] for e in r.contents()] == ["safety-0", "safety-1"]
    assert r.entries["safety-0"]["name"] == "改名"
    r.remove(actor=ADMIN, key="safety-1", now=NOW)
    assert list(r.entries) == ["safety-0"]
    with pytest.raises(NoSuchEntry):
        r.remove(actor=ADMIN, key="safety-1", now=NOW)
    with pytest.raises(InvalidValue) as e:
        r.put(actor=ADMIN, entries=[{"id": "x", "name": "n", "agency": "police"}], now=NOW)
    assert e.value.field == "entries.0.agency"
    emp = Register.open(actor=ADMIN, kind="employers")
    with pytest.raises(InvalidValue) as e:
        emp.put(actor=ADMIN, entries=[EMPLOYERS[0], {"credit_code": "123", "name": "n"}], now=NOW)
    assert e.value.field == "entries.1.credit_code"
    with pytest.raises(InvalidValue):
        emp.put(actor=ADMIN, entries=[EMPLOYERS[0], EMPLOYERS[0]], now=NOW)
    with pytest.raises(InvalidValue):
        Register.open(actor=ADMIN, kind="vehicles")


def test_scheduling_by_draw_stores_seed_and_registers_and_verifies() -> None:
    s = JointInspections(LinkageApp(), ManualClock(NOW))
    s.registers.put("employers", ADMIN, EMPLOYERS)
    s.registers.put("inspectors", ADMIN, INSPECTORS)
    r = s.schedule(SAFETY, theme="双随机检查", starts_on=NOW.date(), ends_on=NOW.date() + timedelta(days=1),
                   lead_agency="safety", agencies=["safety", "health"], inspectors=[], targets=[],
                   draw={"targets": 3, "inspectors": 4, "seed": None})
    result = s.verify_draw(r["id"])
    assert result["verified"] is True and result["problems"] == []
    assert len(result["seed"]) == 32  # a random seed was made and recorded
    assert result["inspectors"] == r["inspectors"] and result["targets"] == r["targets"]
    stored = s.app.load(r["id"], JointInspection)
    assert stored.draw is not None
    assert stored.draw["employer_register"] == sorted(EMPLOYERS, key=lambda e: e["credit_code"])
    # Registers change later: the stored record still verifies (it holds their contents).
    s.registers.remove("employers", ADMIN, EMPLOYERS[0]["credit_code"])
    assert s.verify_draw(r["id"])["verified"] is True
    # A seed given by the caller is used.
    again = s.schedule(SAFETY, theme="x", starts_on=NOW.date() + timedelta(days=5),
                       ends_on=NOW.date() + timedelta(days=5), lead_agency="safety",
                       agencies=["safety", "health"], inspectors=[], targets=[],
                       draw={"targets": 1, "inspectors": 2, "seed": "公开的种子"})
    assert s.verify_draw(again["id"])["seed"] == "公开的种子"
