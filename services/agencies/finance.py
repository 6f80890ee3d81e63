"""财政局: acknowledgement queue (prevention-fee ledger to come)."""

from __future__ import annotations

from services.projections import AgencyProjection


class FinanceProjection(AgencyProjection):
    def __init__(self) -> None:
        super().__init__("finance")
