"""双随机一公开: the employer and inspector registers, and the reproducible random draw.

An inspector's entry may be deactivated (then it is neither drawn nor booked by hand) and is
linked by an admin to the user account (role `inspector`, same agency) that acts for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, check_credit_code, traced
from domain.messages import msg
from domain.vocabulary import AGENCIES

REGISTER_KINDS = ("employers", "inspectors")
# Each register as a refusal names it (domain/rule_messages.py).
REGISTER_NAMES = {"employers": "register_employers", "inspectors": "register_inspectors"}
# The key of an entry in each register.
ENTRY_KEY = {"employers": "credit_code", "inspectors": "id"}


class RegisterError(DomainError):
    pass


class NoSuchEntry(RegisterError):
    code = "no_such_entry"


class AlreadyLinked(RegisterError):
    """The account acts for another inspector entry already (409)."""

    code = "account_already_linked"


def register_id(kind: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"linkage:register:{kind}")


def check_entry(kind: str, entry: dict[str, Any], index: int = 0) -> dict[str, str]:
    """An entry with exactly its fields, checked: employers by credit code, inspectors by agency."""
    where = f"entries.{index}"
    name = str(entry.get("name", "")).strip()
    if not name:
        raise InvalidValue("must_not_be_empty", f"{where}.name")
    if kind == "employers":
        code = str(entry.get("credit_code", "")).strip().upper()
        check_credit_code(code, f"{where}.credit_code")
        return {"credit_code": code, "name": name}
    ident = str(entry.get("id", "")).strip()
    if not ident:
        raise InvalidValue("must_not_be_empty", f"{where}.id")
    agency = str(entry.get("agency", ""))
    if agency not in AGENCIES:
        raise InvalidValue("must_be_one_of", f"{where}.agency", choices=", ".join(AGENCIES))
    return {"id": ident, "name": name, "agency": agency}


class Register(Aggregate):
    """One register (employers or inspectors), kept by an admin; entries by key."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, str]] = {}
        self.inactive: set[str] = set()
        self.accounts: dict[str, dict[str, str]] = {}  # inspector id -> linked account

    kind: str

    class Opened(TracedEvent, Aggregate.Created):
        kind: str

        def apply(self, register: Register) -> None:
            register.kind = self.kind

    class EntriesPut(TracedEvent):
        entries: list[dict[str, str]]
        put_at: datetime

        def apply(self, register: Register) -> None:
            key = ENTRY_KEY[register.kind]
            for e in self.entries:
                register.entries[e[key]] = dict(e)

    class EntryRemoved(TracedEvent):
        key: str
        removed_at: datetime

        def apply(self, register: Register) -> None:
            register.entries.pop(self.key, None)
            register.inactive.discard(self.key)
            register.accounts.pop(self.key, None)

    class EntryDeactivated(TracedEvent):
        key: str
        reason: str
        deactivated_at: datetime

        def apply(self, register: Register) -> None:
            register.inactive.add(self.key)

    class EntryReactivated(TracedEvent):
        key: str
        reactivated_at: datetime

        def apply(self, register: Register) -> None:
            register.inactive.discard(self.key)

    class AccountLinked(TracedEvent):
        """The user account `account_id` acts for the inspector entry `key` (an admin linked
        them); any account linked before to that entry is unlinked."""

        key: str
        account_id: str
        account_name: str
        linked_at: datetime

        def apply(self, register: Register) -> None:
            register.accounts[self.key] = {"id": self.account_id, "name": self.account_name}

    @classmethod
    def open(cls, *, actor: Actor, kind: str) -> Register:
        if kind not in REGISTER_KINDS:
            raise InvalidValue("must_be_one_of", "kind", choices=", ".join(REGISTER_KINDS))
        return cls._create(cls.Opened, id=register_id(kind), **traced(actor), kind=kind)

    def put(self, *, actor: Actor, entries: list[dict[str, Any]], now: datetime) -> None:
        if not entries:
            raise InvalidValue("at_least_one_entry", "entries")
        checked = [check_entry(self.kind, e, i) for i, e in enumerate(entries)]
        key = ENTRY_KEY[self.kind]
        keys = [e[key] for e in checked]
        if len(set(keys)) != len(keys):
            raise InvalidValue("each_key_once", "entries", key=key)
        self.trigger_event(self.EntriesPut, **traced(actor), entries=checked, put_at=now)

    def remove(self, *, actor: Actor, key: str, now: datetime) -> None:
        if key not in self.entries:
            raise NoSuchEntry("no_such_entry", key=key, kind=msg(REGISTER_NAMES[self.kind]))
        self.trigger_event(self.EntryRemoved, **traced(actor), key=key, removed_at=now)

    def _entry(self, key: str) -> dict[str, str]:
        if key not in self.entries:
            raise NoSuchEntry("no_such_entry", key=key, kind=msg(REGISTER_NAMES[self.kind]))
        return self.entries[key]

    def deactivate(self, *, actor: Actor, key: str, reason: str, now: datetime) -> None:
        self._entry(key)
        if key in self.inactive:
            raise RegisterError("entry_already_inactive", key=key)
        if not reason.strip():
            raise InvalidValue("must_not_be_empty", "reason")
        self.trigger_event(self.EntryDeactivated, **traced(actor), key=key, reason=reason.strip(),
                           deactivated_at=now)

    def reactivate(self, *, actor: Actor, key: str, now: datetime) -> None:
        self._entry(key)
        if key not in self.inactive:
            raise RegisterError("entry_active", key=key)
        self.trigger_event(self.EntryReactivated, **traced(actor), key=key, reactivated_at=now)

    def link_account(self, *, actor: Actor, key: str, account: Actor, now: datetime) -> None:
        """Link an inspector entry to the user account that acts for it."""
        if self.kind != "inspectors":
            raise RegisterError("only_inspectors_linked")
        entry = self._entry(key)
        if account.role != "inspector":
            raise InvalidValue("account_not_inspector", "account_id", role=account.role)
        if account.agency != entry["agency"]:
            raise InvalidValue("account_other_agency", "account_id", agency=account.agency,
                               entry_agency=entry["agency"])
        other = self.inspector_for(account.id)
        if other == key:
            raise AlreadyLinked("account_already_linked", account_id=account.id, key=key)
        if other is not None:
            raise AlreadyLinked("account_linked_elsewhere", account_id=account.id, other=other)
        self.trigger_event(self.AccountLinked, **traced(actor), key=key, account_id=account.id,
                           account_name=account.name, linked_at=now)

    # -- queries ----------------------------------------------------------------------------

    def inspector_for(self, account_id: str) -> str | None:
        """The inspector entry the account acts for, if it is linked to one."""
        for key, account in self.accounts.items():
            if account["id"] == account_id:
                return key
        return None

    def contents(self) -> list[dict[str, str]]:
        """The active entries (what a draw draws from and a booking may name)."""
        return [self.entries[k] for k in sorted(self.entries) if k not in self.inactive]

    def listing(self) -> list[dict[str, Any]]:
        """Every entry with whether it is active and, for inspectors, its linked account."""
        out: list[dict[str, Any]] = []
        for k in sorted(self.entries):
            row: dict[str, Any] = {**self.entries[k], "active": k not in self.inactive}
            if self.kind == "inspectors":
                row["account"] = self.accounts.get(k)
            out.append(row)
        return out


def check_inspectors(given: list[dict[str, str]], register: Register | None) -> list[dict[str, str]]:
    """Hand-chosen inspectors as the register has them: each must be an active entry of it
    (422 naming the unknown id), of the agency given."""
    entries = {e["id"]: e for e in register.contents()} if register is not None else {}
    known = register.entries if register is not None else {}
    out = []
    for i, p in enumerate(given):
        ident = p["id"].strip()
        entry = entries.get(ident)
        if entry is None:
            why = "inspector_inactive" if ident in known else "inspector_unknown"
            raise InvalidValue(why, f"inspectors.{i}.id", ident=ident)
        if p.get("agency") and p["agency"] != entry["agency"]:
            raise InvalidValue("inspector_other_agency", f"inspectors.{i}.agency", ident=ident,
                               agency=entry["agency"])
        out.append(dict(entry))
    return out
