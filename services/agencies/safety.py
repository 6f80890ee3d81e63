"""应急管理局: acknowledgement queue (investigations and inspections to come)."""

from __future__ import annotations

from services.projections import AgencyProjection


class SafetyProjection(AgencyProjection):
    def __init__(self) -> None:
        super().__init__("safety")
