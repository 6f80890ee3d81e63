"""Reading an agency's own read models (queue, dead letters, ledger, statistics, …): its own
users and auditors."""

from __future__ import annotations

from domain.common import Actor
from services.policies import Forbidden


def may_read(actor: Actor, agency: str) -> bool:
    return actor.role == "auditor" or actor.agency == agency


def check_read(actor: Actor, agency: str) -> None:
    if not may_read(actor, agency):
        raise Forbidden("not_agency_reader", agency=agency)
