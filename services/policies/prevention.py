"""The prevention fee (工伤预防费): hrss plans and reports, finance approves and pays, health
records its follow-ups."""

from __future__ import annotations

from domain.vocabulary import Agency, Role
from services.policies import Rule

LIAISON: tuple[Role, ...] = ("liaison",)
HRSS: tuple[Agency, ...] = ("hrss",)
FINANCE: tuple[Agency, ...] = ("finance",)
OPEN_FUND_YEAR = Rule("prevention.open_fund_year", LIAISON, HRSS)
RAISE_RATIO = Rule("prevention.raise_ratio", LIAISON, HRSS)
PROPOSE = Rule("prevention.propose", LIAISON, HRSS)
REPORT_MILESTONE = Rule("prevention.report_milestone", LIAISON, HRSS)
REQUEST_DISBURSEMENT = Rule("prevention.request_disbursement", LIAISON, HRSS)
ASSESS = Rule("prevention.assess", LIAISON, HRSS)
CLOSE = Rule("prevention.close", LIAISON, HRSS)
APPROVE = Rule("prevention.approve", LIAISON, FINANCE)
REJECT = Rule("prevention.reject", LIAISON, FINANCE)
PAY = Rule("prevention.pay", LIAISON, FINANCE)
HEALTH_FOLLOW_UP_DONE = Rule("prevention.health_follow_up_done", LIAISON, ("health",))
RULES = (OPEN_FUND_YEAR, RAISE_RATIO, PROPOSE, REPORT_MILESTONE, REQUEST_DISBURSEMENT, ASSESS,
         CLOSE, APPROVE, REJECT, PAY, HEALTH_FOLLOW_UP_DONE)
