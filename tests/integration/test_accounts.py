"""Accounts as a history: every change records its admin; tokens expire, are revoked, and a
deactivated account signs in no more — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.accounts import Accounts as LegacyUsers
from adapters.accounts import authenticate, import_legacy_users
from adapters.bootstrap import Container
from domain.account import AccountError, NoSuchToken
from domain.common import Actor, InvalidValue
from services.accounts import CLI_ACTOR, LastSystemAdmin
from services.envelope import envelope_from_notification
from tests.support import ManualClock


def _admin(c: Container) -> tuple[Actor, str]:
    made = c.accounts.add(CLI_ACTOR, name="系统管理员", agency="safety", role="admin",
                          system_admin=True)
    actor = c.accounts.sign_in(made["token"]["token"]).actor
    assert actor is not None
    return actor, made["id"]


def test_every_account_change_is_an_event_naming_its_admin(container: Container) -> None:
    admin, _ = _admin(container)
    made = container.accounts.add(admin, name="王敏", agency="hrss", role="liaison")
    uid = made["id"]
    container.accounts.change_role(admin, uid, "inspector")
    token = container.accounts.issue_token(admin, uid, "phone")
    container.accounts.revoke_token(admin, uid, token["id"])
    container.accounts.deactivate(admin, uid, "left the agency")
    container.accounts.reactivate(admin, uid)
    notes = container.app.recorder.select_notifications(start=1, limit=100)
    history = [envelope_from_notification(container.app.mapper, n) for n in notes]
    mine = [e for e in history if str(e.aggregate_id) == uid]
    assert [e.event_type for e in mine] == [
        "Account.Added", "Account.TokenIssued", "Account.RoleChanged", "Account.TokenIssued",
        "Account.TokenRevoked", "Account.Deactivated", "Account.Reactivated"]
    assert {e.actor.name for e in mine} == {"系统管理员"}
    for e in mine:  # a token is never recorded, only its hash
        assert token["token"] not in e.model_dump_json()


def test_revoked_expired_and_deactivated_tokens_are_refused(container: Container,
                                                           clock: ManualClock) -> None:
    admin, _ = _admin(container)
    made = container.accounts.add(admin, name="王敏", agency="hrss", role="liaison")
    first, uid = made["token"], made["id"]
    second = container.accounts.issue_token(admin, uid, "laptop")
    assert container.accounts.sign_in(first["token"]).outcome == "ok"
    container.accounts.revoke_token(admin, uid, first["id"])
    assert container.accounts.sign_in(first["token"]).outcome == "revoked"
    assert container.accounts.sign_in(second["token"]).outcome == "ok"
    container.accounts.deactivate(admin, uid)
    assert container.accounts.sign_in(second["token"]).outcome == "deactivated"
    container.accounts.reactivate(admin, uid)
    assert container.accounts.sign_in(second["token"]).outcome == "ok"
    clock.advance(days=90)  # the default lifetime
    assert container.accounts.sign_in(second["token"]).outcome == "expired"
    assert container.accounts.sign_in("lk_unknown").outcome == "unknown_token"


def test_refusals_change_nothing(container: Container) -> None:
    admin, admin_id = _admin(container)
    uid = container.accounts.add(admin, name="王敏", agency="hrss", role="liaison")["id"]
    before = container.app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as bad_role:
        container.accounts.change_role(admin, uid, "boss")
    assert bad_role.value.field == "role" and "boss" in bad_role.value.message
    with pytest.raises(InvalidValue) as bad_agency:
        container.accounts.add(admin, name="x", agency="police", role="liaison")
    assert bad_agency.value.field == "agency"
    with pytest.raises(InvalidValue) as bad_name:  # the text rule, whichever edge sent it
        container.accounts.add(admin, name="王\u0007敏", agency="hrss", role="liaison")
    assert (bad_name.value.field, bad_name.value.code) == ("name", "control_characters")
    with pytest.raises(InvalidValue) as bad_token:
        container.accounts.issue_token(admin, uid, "\u200b ")
    assert (bad_token.value.field, bad_token.value.code) == ("name", "must_not_be_empty")
    with pytest.raises(NoSuchToken):
        container.accounts.revoke_token(admin, uid, "no-such-token")
    with pytest.raises(LastSystemAdmin):
        container.accounts.deactivate(CLI_ACTOR, admin_id)
    with pytest.raises(LastSystemAdmin):
        container.accounts.change_role(CLI_ACTOR, admin_id, "liaison")
    with pytest.raises(AccountError):
        container.accounts.deactivate(admin, admin_id)
    assert container.app.recorder.max_notification_id() == before


def test_a_user_stored_before_accounts_had_a_history_keeps_signing_in(container: Container) -> None:
    legacy = LegacyUsers(container.store("api"))
    token = legacy.add("老用户", "safety", "liaison")
    signed = authenticate(container, token)
    assert signed.outcome == "ok" and signed.actor is not None
    assert signed.actor.name == "老用户"
    # imported (as `linkage serve` does at start): an account like any other, revocable
    other = legacy.add("另一位", "health", "liaison")
    assert import_legacy_users(container) == 2
    assert import_legacy_users(container) == 0  # once only
    listed = {d["name"]: d for d in container.accounts.list()}
    assert set(listed) == {"老用户", "另一位"} and listed["老用户"]["id"] == signed.actor.id
    assert authenticate(container, other).outcome == "ok"
    imported = authenticate(container, token)
    assert imported.actor == signed.actor and imported.token_id is not None
    container.accounts.revoke_token(CLI_ACTOR, signed.actor.id, imported.token_id)
    assert authenticate(container, token).outcome == "revoked"
