"""Notification contacts and the delivery log: each agency keeps its own; the auditor reads every
agency's."""

from __future__ import annotations

from domain.common import Actor
from services.policies import Forbidden, Rule

READ = Rule("contacts.read", roles=("admin", "auditor"))
MANAGE = Rule("contacts.manage", roles=("admin",))
DELIVERIES_READ_ALL = Rule("deliveries.read_all", roles=("auditor",))
DELIVERIES_RETRY = Rule("deliveries.retry", roles=("admin", "liaison"))
RULES = (READ, MANAGE, DELIVERIES_READ_ALL, DELIVERIES_RETRY)


def may_act_for(actor: Actor, agency: str) -> bool:
    """An agency's contacts and deliveries are its own users' business (and the auditor's)."""
    return actor.role == "auditor" or actor.agency == agency


def check_agency(actor: Actor, agency: str) -> None:
    if not may_act_for(actor, agency):
        raise Forbidden("agency_not_allowed", agency=actor.agency, agencies=[agency])
