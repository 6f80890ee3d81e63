"""A person's account: agency, role, active or not, and the bearer tokens it holds.

Every change records the admin who made it (TracedEvent). A token itself is never recorded:
only its SHA-256, its name and when it expires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, require_aware, traced
from domain.values import clean_text
from domain.vocabulary import AGENCIES, ROLES


class AccountError(DomainError):
    """A change the account's rules refuse (409)."""


class NoSuchToken(AccountError):
    """The account holds no token with this id (404)."""

    code = "no_such_token"


def check_agency(agency: str) -> str:
    if agency not in AGENCIES:
        raise InvalidValue("unknown_agency", "agency", value=agency, choices=", ".join(AGENCIES))
    return agency


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidValue("unknown_role", "role", value=role, choices=", ".join(ROLES))
    return role


def _text(value: str, field: str, limit: int = 100) -> str:
    """A name: the notices' text rule (trimmed; not blank; no control characters), so the API,
    the pages and the CLI refuse the same names with the same words."""
    return clean_text(value, field, max_length=limit)


class Account(Aggregate):
    name: str
    agency: str
    role: str
    system_admin: bool
    added_at: datetime

    def __init__(self) -> None:
        self.active = True
        self.tokens: dict[str, dict[str, Any]] = {}
        self.deactivated_at: datetime | None = None

    class Added(TracedEvent, Aggregate.Created):
        name: str
        agency: str
        role: str
        system_admin: bool
        added_at: datetime

        def apply(self, a: Account) -> None:
            a.name = self.name
            a.agency = self.agency
            a.role = self.role
            a.system_admin = self.system_admin
            a.added_at = self.added_at

    class RoleChanged(TracedEvent):
        role: str
        previous: str
        changed_at: datetime

        def apply(self, a: Account) -> None:
            a.role = self.role
            if self.role != "admin":
                a.system_admin = False

    class Deactivated(TracedEvent):
        reason: str
        deactivated_at: datetime

        def apply(self, a: Account) -> None:
            a.active = False
            a.deactivated_at = self.deactivated_at

    class Reactivated(TracedEvent):
        reactivated_at: datetime

        def apply(self, a: Account) -> None:
            a.active = True
            a.deactivated_at = None

    class TokenIssued(TracedEvent):
        token_id: str
        name: str
        token_hash: str
        issued_at: datetime
        expires_at: datetime

        def apply(self, a: Account) -> None:
            a.tokens[self.token_id] = {"id": self.token_id, "name": self.name,
                                       "hash": self.token_hash, "issued_at": self.issued_at,
                                       "expires_at": self.expires_at, "revoked_at": None}

    class TokenRevoked(TracedEvent):
        token_id: str
        revoked_at: datetime

        def apply(self, a: Account) -> None:
            a.tokens[self.token_id]["revoked_at"] = self.revoked_at

    @classmethod
    def add(cls, *, actor: Actor, name: str, agency: str, role: str, now: datetime,
            system_admin: bool = False, account_id: UUID | None = None) -> Account:
        check_agency(agency)
        check_role(role)
        if system_admin and role != "admin":
            raise InvalidValue("system_admin_role", "system")
        return cls._create(cls.Added, id=account_id, **traced(actor), name=_text(name, "name"),
                           agency=agency, role=role, system_admin=system_admin,
                           added_at=require_aware(now, "now"))

    def change_role(self, *, actor: Actor, role: str, now: datetime) -> None:
        check_role(role)
        if role == self.role:
            raise AccountError("role_unchanged", role=role)
        self.trigger_event(self.RoleChanged, **traced(actor), role=role, previous=self.role,
                           changed_at=now)

    def deactivate(self, *, actor: Actor, reason: str, now: datetime) -> None:
        if not self.active:
            raise AccountError("account_already_deactivated")
        if actor.id == str(self.id):
            raise AccountError("deactivate_self")
        self.trigger_event(self.Deactivated, **traced(actor), reason=reason.strip(),
                           deactivated_at=now)

    def reactivate(self, *, actor: Actor, now: datetime) -> None:
        if self.active:
            raise AccountError("account_active")
        self.trigger_event(self.Reactivated, **traced(actor), reactivated_at=now)

    def issue_token(self, *, actor: Actor, token_id: str, name: str, token_hash: str,
                    now: datetime, expires_at: datetime) -> None:
        if not self.active:
            raise AccountError("reactivate_first")
        require_aware(expires_at, "expires_at")
        if expires_at <= now:
            raise InvalidValue("must_be_in_future", "expires_at")
        name = _text(name, "name", 60)
        if any(t["name"] == name and self.token_usable(t, now) for t in self.tokens.values()):
            raise InvalidValue("token_name_in_use", "name", name=name)
        self.trigger_event(self.TokenIssued, **traced(actor), token_id=token_id, name=name,
                           token_hash=token_hash, issued_at=now, expires_at=expires_at)

    def revoke_token(self, *, actor: Actor, token_id: str, now: datetime) -> None:
        token = self.tokens.get(token_id)
        if token is None:
            raise NoSuchToken("no_such_token", account_id=self.id, token_id=token_id)
        if token["revoked_at"] is not None:
            raise AccountError("token_already_revoked", token_id=token_id)
        self.trigger_event(self.TokenRevoked, **traced(actor), token_id=token_id, revoked_at=now)

    @staticmethod
    def token_usable(token: dict[str, Any], now: datetime) -> bool:
        return token["revoked_at"] is None and token["expires_at"] > now
