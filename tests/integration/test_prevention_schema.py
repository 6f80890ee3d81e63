"""Every prevention-fund and health follow-up event validates against the published JSON Schema."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import jsonschema

from adapters.bootstrap import Container
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.envelope import envelope_from_notification, event_classes, json_schema, topics
from tests.support import ManualClock, credit_code

HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")
SAFETY = Actor("u-s", "王敏", "safety", "liaison")
MINE = ("PreventionProject.", "FundYear.", "HealthFollowUp.")


def test_mechanisms_and_topics() -> None:
    t = topics()
    assert t["prevention-fund"] == "linkage.prevention-fund"
    assert t["health-follow-ups"] == "linkage.health-follow-ups"


def test_every_prevention_event_type_validates(container: Container, clock: ManualClock) -> None:
    c = container
    c.fund_years.open(HRSS, 2026, Decimal("1000000"))
    c.fund_years.raise_ratio(HRSS, 2026, Decimal("4"), "批复")
    p = UUID(c.projects.propose(HRSS, 2026, "publicity", "宣传", Decimal("1000"),
                                {"days_on_tour": 1, "stops": 2}, ["鼓楼区"])["id"])
    q = UUID(c.projects.propose(HRSS, 2026, "research", "课题", Decimal("1000"), {})["id"])
    c.projects.reject(q, FINANCE, "重复")
    c.projects.approve(p, FINANCE)
    c.projects.report_milestone(p, HRSS, {"stops": 2, "materials_handed_out": 300})
    d = c.projects.request_disbursement(p, HRSS, Decimal("999.99"), "全额")["disbursement_id"]
    c.projects.pay(p, d, FINANCE)
    c.projects.assess(p, HRSS, "完成")
    c.projects.close(p, HRSS, "结项")
    n = c.notices.file(SAFETY, Employer("某厂", credit_code(77), "制造业", 3),
                       Incident("台江区", clock.now - timedelta(hours=1), "仓库", "中毒", "poisoning"),
                       Casualties(0, 0, 0, Decimal(0)))
    c.health_follow_ups.record_done(UUID(n["id"]), HEALTH, "已体检", 3)
    validator = jsonschema.Draft202012Validator(json_schema())
    seen = set()
    for note in c.app.recorder.select_notifications(start=1, limit=100):
        env = json.loads(envelope_from_notification(c.app.mapper, note).model_dump_json())
        validator.validate(env)
        seen.add(env["event_type"])
        if env["event_type"] == "FundYear.Opened":
            broken = {**env, "payload": {k: v for k, v in env["payload"].items() if k != "cap_cny"}}
            assert not validator.is_valid(broken)
    assert {e for e in seen if e.startswith(MINE)} == {e for e in event_classes() if e.startswith(MINE)}
