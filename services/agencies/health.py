"""卫健委: acknowledgement queue (occupational-health follow-ups to come)."""

from __future__ import annotations

from services.projections import AgencyProjection


class HealthProjection(AgencyProjection):
    def __init__(self) -> None:
        super().__init__("health")
