"""Account commands, the account and token index (a read model like the others), sign-in.

The index is fed from the notification log in every server process, so a revocation or a
deactivation made anywhere reaches every process as soon as its feeder catches up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

from domain.account import Account, AccountError, check_agency, check_role
from domain.common import Actor
from services.application import ConcurrentWrite, LinkageApp
from services.envelope import Envelope, jsonable_dict
from services.ports import Clock, Doc, Store, Tx
from services.projections import Projection

ACCOUNTS = "accounts"
TOKENS = "tokens"
CLI_ACTOR = Actor(id="system:cli", name="linkage CLI (operator)", agency="system", role="system")
IMPORT_ACTOR = Actor(id="system:import", name="account import", agency="system", role="system")


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash cannot be brute-forced.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "lk_" + secrets.token_urlsafe(32)


class LastSystemAdmin(AccountError):
    """The change would leave no active system-wide admin (409)."""

    code = "last_system_admin"


class Feeder(Protocol):
    """What the service needs of the index's feeder (services.feeder.LogFeeder)."""

    def catch_up(self) -> Any: ...

    @property
    def consumer(self) -> Any: ...


@dataclass(frozen=True)
class SignIn:
    """The outcome of presenting a token: `actor` is set only when it may act."""

    outcome: str  # ok, unknown_token, expired, revoked, deactivated
    actor: Actor | None = None
    account_id: str | None = None
    token_id: str | None = None
    expires_at: datetime | None = None


def sign_in(tx: Tx, token_key: str, now: datetime) -> SignIn:
    """Check a token's hash against the index."""
    tok = tx.get(TOKENS, token_key)
    if tok is None:
        return SignIn("unknown_token")
    acc = tx.get(ACCOUNTS, tok["account_id"])
    expires_at = datetime.fromisoformat(tok["expires_at"])
    ids = {"account_id": tok["account_id"], "token_id": tok["token_id"], "expires_at": expires_at}
    if tok["revoked"]:
        return SignIn("revoked", **ids)
    if expires_at <= now:
        return SignIn("expired", **ids)
    if acc is None or not acc["active"]:
        return SignIn("deactivated", **ids)
    actor = Actor(id=acc["id"], name=acc["name"], agency=acc["agency"], role=acc["role"])
    return SignIn("ok", actor, **ids)


class AccountIndex(Projection):
    """Accounts (for lists and checks) and tokens by hash (for sign-in), from envelopes only."""

    name = "accounts"
    mechanisms = (ACCOUNTS,)

    def apply(self, tx: Tx, env: Envelope) -> None:
        kind = env.event_type.split(".", 1)[1]
        key, p = str(env.aggregate_id), env.payload
        doc = tx.get(ACCOUNTS, key)
        if kind == "Added":
            doc = {"id": key, "name": p["name"], "agency": p["agency"], "role": p["role"],
                   "system": p["system_admin"], "active": True, "added_at": p["added_at"],
                   "tokens": {}}
        if doc is None:
            return
        doc["version"] = env.aggregate_version
        if kind == "RoleChanged":
            doc["role"] = p["role"]
            doc["system"] = doc["system"] and p["role"] == "admin"
        elif kind in ("Deactivated", "Reactivated"):
            doc["active"] = kind == "Reactivated"
        elif kind == "TokenIssued":
            doc["tokens"][p["token_id"]] = {"id": p["token_id"], "name": p["name"],
                                            "hash": p["token_hash"], "issued_at": p["issued_at"],
                                            "expires_at": p["expires_at"], "revoked_at": None}
            tx.put(TOKENS, p["token_hash"], {"account_id": key, "token_id": p["token_id"],
                                             "expires_at": p["expires_at"], "revoked": False})
        elif kind == "TokenRevoked":
            entry = doc["tokens"][p["token_id"]]
            entry["revoked_at"] = p["revoked_at"]
            tok = tx.get(TOKENS, entry["hash"])
            if tok is not None:
                tx.put(TOKENS, entry["hash"], {**tok, "revoked": True})
        tx.put(ACCOUNTS, key, doc)


def may_manage(caller: Doc | None, agency: str) -> bool:
    """An admin manages its own agency's accounts; a system-wide admin every agency's."""
    if caller is None or not caller["active"] or caller["role"] != "admin":
        return False
    return bool(caller["system"]) or caller["agency"] == agency


def public(doc: Doc) -> Doc:
    """An index document without the tokens' hashes."""
    tokens = [{k: v for k, v in t.items() if k != "hash"} for t in doc.get("tokens", {}).values()]
    return {**doc, "tokens": tokens}


def view(a: Account, now: datetime) -> dict[str, Any]:
    tokens = [{"id": t["id"], "name": t["name"], "issued_at": t["issued_at"],
               "expires_at": t["expires_at"], "revoked_at": t["revoked_at"],
               "usable": Account.token_usable(t, now)} for t in a.tokens.values()]
    return jsonable_dict({"id": a.id, "version": a.version, "name": a.name, "agency": a.agency,
                          "role": a.role, "system": a.system_admin, "active": a.active,
                          "added_at": a.added_at, "deactivated_at": a.deactivated_at,
                          "tokens": tokens})


class Accounts:
    def __init__(self, app: LinkageApp, clock: Clock, index: Feeder,
                 token_lifetime: timedelta = timedelta(days=90)) -> None:
        self.app = app
        self.clock = clock
        self.index = index
        self.token_lifetime = token_lifetime

    @property
    def store(self) -> Store:
        store: Store = self.index.consumer.store
        return store

    def _commit(self, a: Account) -> int:
        self.app.commit(a)
        self.index.catch_up()  # this process's next read sees it; others poll the log
        return a.version

    def _issue(self, a: Account, actor: Actor, name: str, expires_at: datetime | None,
               secret: str | None = None) -> dict[str, Any]:
        now = self.clock()
        token, token_id = (new_token() if secret is None else "lk_" + secret), str(uuid4())
        expires_at = expires_at or now + self.token_lifetime
        a.issue_token(actor=actor, token_id=token_id, name=name, token_hash=token_hash(token),
                      now=now, expires_at=expires_at)
        return {"id": token_id, "name": name.strip(), "token": token,
                "expires_at": expires_at.isoformat()}

    def add(self, actor: Actor, *, name: str, agency: str, role: str, system_admin: bool = False,
            token_name: str = "default", expires_at: datetime | None = None,
            secret: str | None = None) -> dict[str, Any]:
        """A new account and its first token (shown once, never stored); `secret`: the token's
        random part chosen by the caller (a keyed request's, the same on every retry)."""
        a = Account.add(actor=actor, name=name, agency=agency, role=role, now=self.clock(),
                        system_admin=system_admin)
        token = self._issue(a, actor, token_name, expires_at, secret)
        self._commit(a)
        return {**view(a, self.clock()), "token": token}

    def get(self, account_id: UUID | str) -> dict[str, Any]:
        return view(self.app.load(account_id, Account), self.clock())

    def refresh(self) -> None:
        """This process's index up to the log (after a keyed request saved its staged events)."""
        self.index.catch_up()

    def list(self, agency: str | None = None, role: str | None = None,
             active: bool | None = None) -> list[Doc]:
        if agency is not None:
            check_agency(agency)
        if role is not None:
            check_role(role)
        with self.store.transaction(write=False) as tx:
            docs = [d for _, d in tx.scan(ACCOUNTS)]
        docs = [d for d in docs if (agency is None or d["agency"] == agency)
                and (role is None or d["role"] == role)
                and (active is None or d["active"] == active)]
        docs.sort(key=lambda d: (d["agency"], d["name"], d["id"]))
        return [public(d) for d in docs]

    def account_doc(self, account_id: str) -> Doc | None:
        with self.store.transaction(write=False) as tx:
            return tx.get(ACCOUNTS, account_id)

    def _keep_a_system_admin(self, a: Account) -> None:
        if not (a.system_admin and a.active):
            return
        self.index.catch_up()
        others = [d for d in self.list(role="admin", active=True)
                  if d["system"] and d["id"] != str(a.id)]
        if not others:
            raise LastSystemAdmin("last_system_admin", name=a.name)

    def change_role(self, actor: Actor, account_id: str, role: str,
                    expected_version: int | None = None) -> int:
        a = self.app.load(account_id, Account, expected_version)
        if role != "admin":
            self._keep_a_system_admin(a)
        a.change_role(actor=actor, role=role, now=self.clock())
        return self._commit(a)

    def deactivate(self, actor: Actor, account_id: str, reason: str = "",
                   expected_version: int | None = None) -> int:
        a = self.app.load(account_id, Account, expected_version)
        self._keep_a_system_admin(a)
        a.deactivate(actor=actor, reason=reason, now=self.clock())
        return self._commit(a)

    def reactivate(self, actor: Actor, account_id: str, expected_version: int | None = None) -> int:
        a = self.app.load(account_id, Account, expected_version)
        a.reactivate(actor=actor, now=self.clock())
        return self._commit(a)

    def issue_token(self, actor: Actor, account_id: str, name: str,
                    expires_at: datetime | None = None, secret: str | None = None,
                    expected_version: int | None = None) -> dict[str, Any]:
        a = self.app.load(account_id, Account, expected_version)
        token = self._issue(a, actor, name, expires_at, secret)
        self._commit(a)
        return token

    def revoke_token(self, actor: Actor, account_id: str, token_id: str,
                     expected_version: int | None = None) -> int:
        a = self.app.load(account_id, Account, expected_version)
        a.revoke_token(actor=actor, token_id=token_id, now=self.clock())
        return self._commit(a)

    def sign_in(self, token: str) -> SignIn:
        with self.store.transaction(write=False) as tx:
            return sign_in(tx, token_hash(token), self.clock())

    def import_user(self, token_key: str, doc: Doc) -> bool:
        """An account for a user stored before accounts had a history (same id, same token);
        False when it was imported already (here or by another process)."""
        try:
            account_id = UUID(doc["id"])
        except ValueError:
            account_id = uuid4()
        if self.app.exists(account_id, Account):
            return False
        now = self.clock()
        a = Account.add(actor=IMPORT_ACTOR, name=doc["name"], agency=doc["agency"],
                        role=doc["role"], now=now, account_id=account_id)
        a.issue_token(actor=IMPORT_ACTOR, token_id=str(uuid4()), name="imported",
                      token_hash=token_key, now=now, expires_at=now + self.token_lifetime)
        try:
            self._commit(a)
        except ConcurrentWrite:  # another process imported it a moment ago
            return False
        return True
