"""Who may do what, decided by services/policies without HTTP: each mechanism's table, the
stable codes and reasons a refusal carries, and the aggregate's part of a decision."""

from __future__ import annotations

import pytest

from domain.common import Actor
from domain.vocabulary import AGENCIES, ROLES
from services.policies import (
    Forbidden,
    Rule,
    agencies,
    audit,
    contacts,
    inspections,
    meetings,
    notices,
    prevention,
    registers,
)

EVERYONE = [Actor(f"u-{a}-{r}", f"{a} {r}", a, r) for a in AGENCIES for r in ROLES]


def who(rule: Rule) -> set[tuple[str, str]]:
    return {(u.agency, u.role) for u in EVERYONE if rule.allows(u)}


def anyone(*roles: str) -> set[tuple[str, str]]:
    return {(a, r) for a in AGENCIES for r in roles}


@pytest.mark.parametrize(("rule", "allowed"), [
    (notices.FILE, anyone("liaison")),
    (notices.ACKNOWLEDGE, anyone("liaison")),
    (notices.REVISE, anyone("liaison")),
    (notices.CLOSE, {("safety", "liaison"), ("safety", "inspector")}),
    (notices.WITHDRAW, anyone("liaison")),
    *[(rule, anyone("inspector")) for rule in inspections.RULES],
    *[(rule, {("hrss", "liaison"), ("hrss", "admin")}) for rule in meetings.RULES
      if rule is not meetings.MARK_DONE],
    (meetings.MARK_DONE, anyone("liaison", "inspector", "admin")),
    *[(rule, {("hrss", "liaison")}) for rule in (
        prevention.OPEN_FUND_YEAR, prevention.RAISE_RATIO, prevention.PROPOSE,
        prevention.REPORT_MILESTONE, prevention.REQUEST_DISBURSEMENT, prevention.ASSESS,
        prevention.CLOSE)],
    *[(rule, {("finance", "liaison")}) for rule in (prevention.APPROVE, prevention.REJECT,
                                                    prevention.PAY)],
    (prevention.HEALTH_FOLLOW_UP_DONE, {("health", "liaison")}),
    (registers.READ, anyone("admin", "inspector", "auditor")),
    (registers.MANAGE, anyone("admin")),
    (audit.READ, anyone("auditor", "admin")),
    (audit.VERIFY, anyone("auditor", "admin")),
    (audit.READ_SECURITY_LOG, anyone("auditor")),
    (contacts.READ, anyone("admin", "auditor")),
    (contacts.MANAGE, anyone("admin")),
    (contacts.DELIVERIES_READ_ALL, anyone("auditor")),
    (contacts.DELIVERIES_RETRY, anyone("admin", "liaison")),
], ids=lambda v: v.action if isinstance(v, Rule) else "")
def test_each_rule_lets_exactly_these_users_act(rule: Rule, allowed: set[tuple[str, str]]) -> None:
    assert who(rule) == allowed
    for user in EVERYONE:
        if (user.agency, user.role) in allowed:
            rule.check(user)
        else:
            with pytest.raises(Forbidden):
                rule.check(user)


def test_every_rule_has_a_unique_action_name() -> None:
    rules = [*notices.RULES, *inspections.RULES, *meetings.RULES, *prevention.RULES,
             *registers.RULES, *audit.RULES]
    assert len({r.action for r in rules}) == len(rules)
    assert set(inspections.STEPS.values()) == set(inspections.RULES) - {inspections.SCHEDULE}
    assert set(meetings.STEPS.values()) == set(meetings.RULES) - {meetings.CONVENE}


def test_a_refusal_names_its_code_and_what_was_needed() -> None:
    with pytest.raises(Forbidden) as role:
        notices.CLOSE.check(Actor("u", "审计员", "safety", "auditor"))
    assert role.value.code == "role_not_allowed"
    assert role.value.reason == "role auditor may not do this (needs liaison, inspector)"
    with pytest.raises(Forbidden) as agency:
        notices.CLOSE.check(Actor("u", "李强", "hrss", "liaison"))
    assert agency.value.code == "agency_not_allowed"
    assert agency.value.reason == "agency hrss may not do this (needs safety)"


def test_withdrawal_is_for_the_filing_agency_or_safety() -> None:
    health = Actor("u-he", "陈静", "health", "liaison")
    notices.check_withdraw(health, "health")
    notices.check_withdraw(Actor("u-s", "王敏", "safety", "liaison"), "health")
    with pytest.raises(Forbidden) as refused:
        notices.check_withdraw(health, "safety")
    assert refused.value.code == "not_filing_agency"
    with pytest.raises(Forbidden) as inspector:  # the role comes first
        notices.check_withdraw(Actor("u-i", "林检", "health", "inspector"), "health")
    assert inspector.value.code == "role_not_allowed"


def test_agency_data_is_read_by_its_own_users_and_auditors() -> None:
    for user in EVERYONE:
        for agency in AGENCIES:
            expected = user.agency == agency or user.role == "auditor"
            assert agencies.may_read(user, agency) is expected
            if not expected:
                with pytest.raises(Forbidden, match=f"only {agency} users"):
                    agencies.check_read(user, agency)


def test_an_auditor_writes_nothing() -> None:
    for user in EVERYONE:
        if user.role == "auditor":
            with pytest.raises(Forbidden) as refused:
                audit.check_write(user)
            assert refused.value.code == "auditor_read_only"
        else:
            audit.check_write(user)


def test_an_agency_keeps_its_own_contacts_and_the_auditor_reads_every_agencys() -> None:
    admin = Actor("a", "hrss admin", "hrss", "admin")
    contacts.check_agency(admin, "hrss")
    with pytest.raises(Forbidden) as refused:
        contacts.check_agency(admin, "safety")
    assert refused.value.code == "agency_not_allowed"
    for agency in AGENCIES:
        contacts.check_agency(Actor("x", "auditor", "finance", "auditor"), agency)
