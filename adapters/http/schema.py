"""/api/v1/schema/events: the published JSON Schema of the event envelope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.envelope import json_schema

router = APIRouter(prefix="/api/v1/schema", tags=["schema"])


@router.get("/events")
def event_schema() -> dict[str, Any]:
    return json_schema()
