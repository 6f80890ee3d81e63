"""Every stored event type validates against the published JSON Schema."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import jsonschema

from adapters.bootstrap import Container
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import SYSTEM_WATCHER, Actor
from services.envelope import envelope_from_notification, event_classes, json_schema, schema_text
from tests.support import ManualClock, acknowledge_pending, credit_code

ROOT = Path(__file__).resolve().parents[2]
SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def test_every_event_type_in_the_store_validates(container: Container, clock: ManualClock) -> None:
    n = container.notices
    ids = []
    for i in range(2):
        r = n.file(SAFETY, Employer("某厂", credit_code(20 + i), "制造业", 3),
                   Incident("台江区", clock.now - timedelta(hours=1), "仓库", "起火", "fire"),
                   Casualties(0, 1, 0, Decimal("10.50")))
        ids.append(UUID(r["id"]))
    n.acknowledge(ids[0], SAFETY)
    n.revise(ids[0], SAFETY, Casualties(3, 1, 0, Decimal(0)), "补报")
    clock.advance(hours=2)
    n.escalate(ids[0], SYSTEM_WATCHER, "safety")
    acknowledge_pending(container, ids[0])
    n.close(ids[0], SAFETY, "结案")
    n.withdraw(ids[1], SAFETY, "误报")
    validator = jsonschema.Draft202012Validator(json_schema())
    seen = set()
    for note in container.app.recorder.select_notifications(start=1, limit=100):
        env = json.loads(envelope_from_notification(container.app.mapper, note).model_dump_json())
        validator.validate(env)
        seen.add(env["event_type"])
    assert seen == {t for t in event_classes() if t.startswith("AccidentNotice.")}


def test_schema_rejects_a_payload_of_the_wrong_shape(container: Container, clock: ManualClock) -> None:
    r = container.notices.file(SAFETY, Employer("某厂", credit_code(30), "制造业", 3),
                               Incident("台江区", clock.now, "仓库", "起火", "fire"),
                               Casualties(0, 0, 0, Decimal(0)))
    note = container.app.recorder.select_notifications(start=1, limit=1)[0]
    env = json.loads(envelope_from_notification(container.app.mapper, note).model_dump_json())
    assert env["aggregate_id"] == r["id"]
    del env["payload"]["grade"]
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not validator.is_valid(env)


def test_published_schema_file_is_current() -> None:
    assert (ROOT / "docs" / "event-schema.json").read_text(encoding="utf-8") == schema_text()
