"""Users and their bearer tokens; only a token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from uuid import uuid4

from domain.common import AGENCIES, ROLES, Actor, InvalidValue
from services.ports import Store

USERS = "users"


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash cannot be brute-forced.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, agency: str, role: str) -> str:
        """Create a user; returns the new token (shown once, never stored)."""
        if not name.strip():
            raise InvalidValue("must not be empty", "name")
        if agency not in AGENCIES:
            raise InvalidValue(f"must be one of {', '.join(AGENCIES)}", "agency")
        if role not in ROLES:
            raise InvalidValue(f"must be one of {', '.join(ROLES)}", "role")
        token = "lk_" + secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.put(USERS, token_hash(token), {
                "id": str(uuid4()), "name": name.strip(), "agency": agency, "role": role,
                "created_at": datetime.now(UTC).isoformat(),
            })
        return token

    def authenticate(self, token: str) -> Actor | None:
        with self.store.transaction(write=False) as tx:
            doc = tx.get(USERS, token_hash(token))
        if doc is None:
            return None
        return Actor(id=doc["id"], name=doc["name"], agency=doc["agency"], role=doc["role"])
