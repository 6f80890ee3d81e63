"""The 双随机 registers (employers, inspectors): an admin keeps them; inspectors and auditors
read them."""

from __future__ import annotations

from services.policies import Rule

READ = Rule("registers.read", roles=("admin", "inspector", "auditor"))
MANAGE = Rule("registers.manage", roles=("admin",))
RULES = (READ, MANAGE)
