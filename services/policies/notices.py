"""Accident notices: who files, acknowledges, revises (补报), closes and withdraws.

Acknowledging also needs the user's agency to be required in the notice's current round: that
part is the aggregate's own rule (`domain.accident_notice.NotRequired`).
"""

from __future__ import annotations

from domain.common import Actor
from services.policies import Forbidden, Rule

FILE = Rule("notices.file", roles=("liaison",))
ACKNOWLEDGE = Rule("notices.acknowledge", roles=("liaison",))
REVISE = Rule("notices.revise", roles=("liaison",))
# The investigation is the safety agency's: it closes the notice.
CLOSE = Rule("notices.close", roles=("liaison", "inspector"), agencies=("safety",))
WITHDRAW = Rule("notices.withdraw", roles=("liaison",))
RULES = (FILE, ACKNOWLEDGE, REVISE, CLOSE, WITHDRAW)


def check_withdraw(actor: Actor, filed_by_agency: str) -> None:
    """After loading: only the filing agency, or safety, withdraws a notice (filed in error)."""
    WITHDRAW.check(actor)
    if actor.agency not in ("safety", filed_by_agency):
        raise Forbidden("not_filing_agency")
