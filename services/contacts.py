"""Keeping an agency's notification contacts (通知联系人): commands and the current list.

A webhook's signing secret is not an event field (the audit trail is read by auditors and
replayed to other systems): it is kept in the API's store, under `webhook-secrets`, and the
event records only that there is one.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from domain.common import Actor
from domain.contact_book import ContactBook, contact_book_id
from services.application import LinkageApp, NotFound
from services.ports import Clock, Store

SECRETS = "webhook-secrets"


def secret_of(store: Store, agency: str, contact_id: str) -> str | None:
    with store.transaction(write=False) as tx:
        doc = tx.get(SECRETS, f"{agency}:{contact_id}")
    return str(doc["secret"]) if doc else None


class Contacts:
    def __init__(self, app: LinkageApp, clock: Clock, secrets: Store) -> None:
        self.app = app
        self.clock = clock
        self.secrets = secrets

    def _book(self, agency: str, expected_version: int | None = None) -> ContactBook | None:
        """The agency's book (None before its first contact); `expected_version` (an If-Match):
        the version it must be at, else StaleVersion (a book not yet opened is at 0)."""
        return self.app.find(contact_book_id(agency), ContactBook, expected_version)

    def save(self, agency: str, actor: Actor, fields: dict[str, Any],
             contact_id: str | None = None, expected_version: int | None = None) -> dict[str, Any]:
        """Add a contact (no id) or replace one; returns it as the API shows it. A replacement
        without a secret keeps the one it had."""
        book = self._book(agency, expected_version)
        if book is None:
            book = ContactBook.open(actor=actor, agency=agency)
        if contact_id is not None and contact_id not in book.contacts:
            raise NotFound("no_contact", agency=agency, contact_id=contact_id)
        cid = contact_id or str(uuid4())
        fields = dict(fields)
        secret = fields.pop("webhook_secret", "") or ""
        had = bool(book.contacts.get(cid, {}).get("has_webhook_secret"))
        book.save(actor=actor, contact_id=cid, now=self.clock(),
                  has_webhook_secret=bool(secret) or had, **fields)
        if secret and book.contacts[cid]["webhook_url"]:
            with self.secrets.transaction() as tx:  # before the event: never an event without it
                tx.put(SECRETS, f"{agency}:{cid}", {"secret": secret})
        self.app.commit(book)
        return {**book.contacts[cid], "agency": agency, "version": book.version}

    def remove(self, agency: str, actor: Actor, contact_id: str,
               expected_version: int | None = None) -> None:
        book = self._book(agency, expected_version)
        if book is None or contact_id not in book.contacts:
            raise NotFound("no_contact", agency=agency, contact_id=contact_id)
        book.remove(actor=actor, contact_id=contact_id, now=self.clock())
        self.app.commit(book)
        with self.secrets.transaction() as tx:
            tx.delete(SECRETS, f"{agency}:{contact_id}")

    def list(self, agency: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.view(agency)["items"]
        return items

    def view(self, agency: str) -> dict[str, Any]:
        """The contacts and the book's `version` (0 before its first contact), which an
        If-Match on a change names."""
        book = self._book(agency)
        return {"agency": agency, "version": book.version if book is not None else 0,
                "items": list(book.contacts.values()) if book is not None else []}
