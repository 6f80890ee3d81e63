"""The employer and inspector registers the draws and bookings use, kept by an admin."""

from __future__ import annotations

from typing import Any

from domain.common import Actor
from domain.messages import msg
from domain.registers import REGISTER_NAMES, Register, register_id
from services.application import LinkageApp, NotFound
from services.ports import Clock


class Registers:
    """The employer and inspector registers, kept by an admin."""

    def __init__(self, app: LinkageApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    def _load(self, kind: str, expected_version: int | None = None) -> Register | None:
        """The register (None before its first entry); `expected_version` (an If-Match): the
        version it must be at, else StaleVersion (a register not yet opened is at 0, as `get`
        shows it)."""
        return self.app.find(register_id(kind), Register, expected_version)

    def load(self, kind: str) -> Register | None:
        """The register aggregate, None before its first entry."""
        return self._load(kind)

    def contents(self, kind: str) -> list[dict[str, str]]:
        reg = self._load(kind)
        return reg.contents() if reg else []

    def get(self, kind: str) -> dict[str, Any]:
        return self._view(kind, self._load(kind))

    @staticmethod
    def _view(kind: str, reg: Register | None) -> dict[str, Any]:
        return {"kind": kind, "version": reg.version if reg else 0,
                "entries": reg.listing() if reg else []}

    def _change(self, kind: str, key: str, step: str, expected_version: int | None = None,
                **kwargs: Any) -> dict[str, Any]:
        reg = self._load(kind, expected_version)
        if reg is None:
            raise NotFound("not_in_register", key=key,
                           kind=msg(REGISTER_NAMES.get(kind, "record_register")))
        getattr(reg, step)(key=key, now=self.clock(), **kwargs)
        self.app.commit(reg)
        return self._view(kind, reg)  # not reloaded: inside a keyed request commit only stages

    def deactivate(self, kind: str, actor: Actor, key: str, reason: str,
                   expected_version: int | None = None) -> dict[str, Any]:
        return self._change(kind, key, "deactivate", expected_version, actor=actor, reason=reason)

    def reactivate(self, kind: str, actor: Actor, key: str,
                   expected_version: int | None = None) -> dict[str, Any]:
        return self._change(kind, key, "reactivate", expected_version, actor=actor)

    def link_account(self, actor: Actor, inspector_id: str, account: Actor,
                     expected_version: int | None = None) -> dict[str, Any]:
        """Link the inspector entry to the user account that acts for it."""
        return self._change("inspectors", inspector_id, "link_account", expected_version,
                            actor=actor, account=account)

    def inspector_for(self, actor: Actor) -> str | None:
        """The inspector entry the actor's account is linked to, if any."""
        reg = self._load("inspectors")
        return reg.inspector_for(actor.id) if reg else None

    def put(self, kind: str, actor: Actor, entries: list[dict[str, Any]],
            expected_version: int | None = None) -> dict[str, Any]:
        reg = self._load(kind, expected_version) or Register.open(actor=actor, kind=kind)
        reg.put(actor=actor, entries=entries, now=self.clock())
        self.app.commit(reg)
        return self._view(kind, reg)

    def remove(self, kind: str, actor: Actor, key: str,
               expected_version: int | None = None) -> dict[str, Any]:
        reg = self._load(kind, expected_version)
        if reg is None:
            raise NotFound("not_in_register", key=key,
                           kind=msg(REGISTER_NAMES.get(kind, "record_register")))
        reg.remove(actor=actor, key=key, now=self.clock())
        self.app.commit(reg)
        return self._view(kind, reg)
