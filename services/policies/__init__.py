"""Who may do what: one policy module per mechanism, plain rules on the acting user.

Each rule is checked in two steps. The role/agency part (a `Rule`) needs only the user: the
API checks it in a dependency before it reads the request, the web pages before they parse a
form. A part that needs the aggregate (withdrawing requires the filing agency) is a function
called after loading. A refusal is a `Forbidden` with a stable machine `code` and a reason;
the HTTP and web layers only translate it (403; the web page words it from its catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.common import Actor, DomainError
from domain.vocabulary import Agency, Role


class Forbidden(DomainError):
    """The user may not do this: `code` is stable for machines (and keys the catalogue's
    message, domain/message_catalogue.py); `reason` is its English text."""

    code = "role_not_allowed"

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, **params)
        self.reason = self.message


@dataclass(frozen=True)
class Rule:
    """The roles (and, when given, the agencies) whose users may take an action."""

    action: str
    roles: tuple[Role, ...]
    agencies: tuple[Agency, ...] | None = None

    def allows(self, actor: Actor) -> bool:
        return actor.role in self.roles and (self.agencies is None or actor.agency in self.agencies)

    def check(self, actor: Actor) -> None:
        if actor.role not in self.roles:
            raise Forbidden("role_not_allowed", role=actor.role, roles=list(self.roles))
        if self.agencies is not None and actor.agency not in self.agencies:
            raise Forbidden("agency_not_allowed", agency=actor.agency,
                            agencies=list(self.agencies))
