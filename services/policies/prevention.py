"""The prevention fee (工伤预防费): hrss plans and reports, finance approves and pays, health
records its follow-ups."""

from __future__ import annotations

from services.policies import Rule

HRSS = (("liaison",), ("hrss",))
FINANCE = (("liaison",), ("finance",))
OPEN_FUND_YEAR = Rule("prevention.open_fund_year", *HRSS)
RAISE_RATIO = Rule("prevention.raise_ratio", *HRSS)
PROPOSE = Rule("prevention.propose", *HRSS)
REPORT_MILESTONE = Rule("prevention.report_milestone", *HRSS)
REQUEST_DISBURSEMENT = Rule("prevention.request_disbursement", *HRSS)
ASSESS = Rule("prevention.assess", *HRSS)
CLOSE = Rule("prevention.close", *HRSS)
APPROVE = Rule("prevention.approve", *FINANCE)
REJECT = Rule("prevention.reject", *FINANCE)
PAY = Rule("prevention.pay", *FINANCE)
HEALTH_FOLLOW_UP_DONE = Rule("prevention.health_follow_up_done", ("liaison",), ("health",))
RULES = (OPEN_FUND_YEAR, RAISE_RATIO, PROPOSE, REPORT_MILESTONE, REQUEST_DISBURSEMENT, ASSESS,
         CLOSE, APPROVE, REJECT, PAY, HEALTH_FOLLOW_UP_DONE)
