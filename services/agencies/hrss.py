"""人社局: acknowledgement queue (statistics and floating rates to come)."""

from __future__ import annotations

from services.projections import AgencyProjection


class HrssProjection(AgencyProjection):
    def __init__(self) -> None:
        super().__init__("hrss")
