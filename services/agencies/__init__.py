"""Each agency's own read model: the events it consumes and the tables it keeps."""

from __future__ import annotations

from collections.abc import Callable

from services.agencies.finance import FinanceProjection
from services.agencies.health import HealthProjection
from services.agencies.hrss import HrssProjection
from services.agencies.safety import SafetyProjection
from services.projections import AgencyProjection

PROJECTIONS: dict[str, Callable[[], AgencyProjection]] = {
    "safety": SafetyProjection,
    "health": HealthProjection,
    "finance": FinanceProjection,
    "hrss": HrssProjection,
}


def projection_for(agency: str) -> AgencyProjection:
    return PROJECTIONS[agency]()
