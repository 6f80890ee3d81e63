"""通知联系人: who an agency wants reached when a notice, a reminder or an escalation goes out.

One book per agency (its id is derived from the agency's name), kept by that agency's admins.
Each contact is on duty (值班) or a leader (领导) and may be reached by email, by a work-chat or
generic webhook and by SMS; its language says which one its messages are written in. Every
change is an event that records the admin behind it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.common import Actor, DomainError, InvalidValue, TracedEvent, require_aware, traced
from domain.messages import Msg, msg

DUTIES = ("on_duty", "leader")
WEBHOOK_KINDS = ("generic", "wecom", "dingtalk")
LANGUAGES = ("zh-CN", "en")
# A plain address check (RFC 5322's full grammar is not wanted from a duty officer's form).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
URL = re.compile(r"^https?://[A-Za-z0-9._~%-]+(?::[0-9]{1,5})?(?:[/?#][^\s]*)?$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class NotAdmin(DomainError):
    code = "not_contact_admin"


class UnknownContact(DomainError):
    code = "no_contact"


def contact_book_id(agency: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"linkage:contact-book:{agency}")


def email_problem(value: str) -> Msg | None:
    return None if EMAIL.match(value) and len(value) <= 254 else msg("not_an_email")


def url_problem(value: str) -> Msg | None:
    if not URL.match(value) or len(value) > 2000:
        return msg("not_a_url")
    return None


def check_contact(c: dict[str, Any]) -> None:
    """Raise InvalidValue naming the field of a contact that can never be right."""
    if not str(c.get("name", "")).strip():
        raise InvalidValue("must_not_be_empty", "name")
    if c.get("duty") not in DUTIES:
        raise InvalidValue("must_be_one_of", "duty", choices=", ".join(DUTIES))
    if c.get("language") not in LANGUAGES:
        raise InvalidValue("must_be_one_of", "language", choices=", ".join(LANGUAGES))
    if c.get("email") and (p := email_problem(c["email"])):
        raise InvalidValue(p, "email")
    if c.get("webhook_url"):
        if p := url_problem(c["webhook_url"]):
            raise InvalidValue(p, "webhook_url")
        if c.get("webhook_kind") not in WEBHOOK_KINDS:
            raise InvalidValue("must_be_one_of", "webhook_kind", choices=", ".join(WEBHOOK_KINDS))
    if c.get("phone") and not PHONE.match(c["phone"]):
        raise InvalidValue("not_a_phone", "phone")
    if not (c.get("email") or c.get("webhook_url") or c.get("phone")):
        raise InvalidValue("contact_needs_channel", "email")


class ContactBook(Aggregate):
    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}

    class Opened(TracedEvent, Aggregate.Created):
        agency: str

        def apply(self, book: ContactBook) -> None:
            book.agency = self.agency

    class ContactSaved(TracedEvent):
        contact_id: str
        name: str
        duty: str
        language: str
        email: str
        webhook_url: str
        webhook_kind: str
        has_webhook_secret: bool  # the secret itself is kept outside the event store
        phone: str
        saved_at: datetime

        def apply(self, book: ContactBook) -> None:
            book.contacts[self.contact_id] = {
                "id": self.contact_id, "name": self.name, "duty": self.duty,
                "language": self.language, "email": self.email, "webhook_url": self.webhook_url,
                "webhook_kind": self.webhook_kind, "has_webhook_secret": self.has_webhook_secret,
                "phone": self.phone}

    class ContactRemoved(TracedEvent):
        contact_id: str
        removed_at: datetime

        def apply(self, book: ContactBook) -> None:
            book.contacts.pop(self.contact_id, None)

    agency: str

    @staticmethod
    def _admin_of(actor: Actor, agency: str) -> None:
        if actor.role != "admin" or actor.agency != agency:
            raise NotAdmin("not_contact_admin", agency=agency)

    @classmethod
    def open(cls, *, actor: Actor, agency: str) -> ContactBook:
        cls._admin_of(actor, agency)
        return cls._create(cls.Opened, id=contact_book_id(agency), **traced(actor), agency=agency)

    def save(self, *, actor: Actor, contact_id: str, name: str, duty: str, language: str = "zh-CN",
             email: str = "", webhook_url: str = "", webhook_kind: str = "",
             has_webhook_secret: bool = False, phone: str = "", now: datetime) -> None:
        self._admin_of(actor, self.agency)
        require_aware(now, "now")
        fields = {"name": name.strip(), "duty": duty, "language": language, "email": email.strip(),
                  "webhook_url": webhook_url.strip(), "webhook_kind": webhook_kind if webhook_url else "",
                  "has_webhook_secret": bool(has_webhook_secret and webhook_url),
                  "phone": phone.strip()}
        check_contact(fields)
        self.trigger_event(self.ContactSaved, **traced(actor), contact_id=contact_id, saved_at=now,
                           **fields)

    def remove(self, *, actor: Actor, contact_id: str, now: datetime) -> None:
        self._admin_of(actor, self.agency)
        if contact_id not in self.contacts:
            raise UnknownContact("no_contact", agency=self.agency, contact_id=contact_id)
        self.trigger_event(self.ContactRemoved, **traced(actor), contact_id=contact_id,
                           removed_at=require_aware(now, "now"))
