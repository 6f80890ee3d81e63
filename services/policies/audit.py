"""The audit trail: auditors and admins read it; an auditor changes nothing, anywhere."""

from __future__ import annotations

from domain.common import Actor
from services.policies import Forbidden, Rule

READ = Rule("audit.read", roles=("auditor", "admin"))
VERIFY = Rule("audit.verify", roles=("auditor", "admin"))  # only extends the chain, then checks
# The security log (sign-ins, security events, the access log): auditors alone, not admins.
READ_SECURITY_LOG = Rule("audit.security_log", roles=("auditor",))
RULES = (READ, VERIFY, READ_SECURITY_LOG)


def check_write(actor: Actor) -> None:
    """Any change to the history (every write outside the audit routes)."""
    if actor.role == "auditor":
        raise Forbidden("auditor_read_only")
