"""/api/v1/transport/status: the relay's position and lag, and each consumer's positions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from adapters.http.deps import ContainerDep, UserDep
from adapters.metrics import in_process_lag
from domain.vocabulary import AGENCIES

router = APIRouter(prefix="/api/v1/transport", tags=["transport"])


class TransportOut(BaseModel):
    mode: str
    log_head: int
    relay_position: int | None
    relay_lag: int | None
    consumers: dict[str, dict[str, int]]
    consumer_lag: dict[str, int | None] = Field(
        description="In-process: events of the agency's mechanisms not yet applied (0 when "
                    "nothing is pending, whatever the log head); Kafka: null (see each "
                    "consumer's /metrics)")
    dead_letters: dict[str, int]


@router.get("/status", response_model=TransportOut)
def status(c: ContainerDep, actor: UserDep) -> Any:
    head = c.app.recorder.max_notification_id() or 0
    relay_position = None
    if c.settings.uses_kafka:
        with c.store("relay").transaction() as tx:
            relay_position = tx.position("relay") or 0
    consumers, dead = {}, {}
    lag: dict[str, int | None] = {}
    for agency in AGENCIES:
        with c.store(agency).transaction() as tx:
            consumers[agency] = tx.positions()
            dead[agency] = len(tx.dead_letters())
        lag[agency] = in_process_lag(c, agency, consumers[agency])
    return {"mode": "kafka" if c.settings.uses_kafka else "in-process", "log_head": head,
            "relay_position": relay_position,
            "relay_lag": None if relay_position is None else max(0, head - relay_position),
            "consumers": consumers, "consumer_lag": lag, "dead_letters": dead}
