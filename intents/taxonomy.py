"""The intent taxonomy of DESIGN.md: stable ids that tests and evaluations rely on."""

from __future__ import annotations

POLICY = "policy.faq"
CONTRIBUTIONS = "personal.contributions"
PENSION = "personal.pension"
UNEMPLOYMENT_STATUS = "personal.unemployment_status"
APPLY_UNEMPLOYMENT = "apply.unemployment"
BIND = "account.bind"
CALC_UNEMPLOYMENT = "calc.unemployment_benefit"
HANDOFF = "handoff.human"
REPORT_FRAUD = "report.fraud"
REPORT_COMPLAINT = "report.complaint"
CHITCHAT = "chitchat"
OUT_OF_SCOPE = "out_of_scope"

INTENTS = (
    POLICY,
    CONTRIBUTIONS,
    PENSION,
    UNEMPLOYMENT_STATUS,
    APPLY_UNEMPLOYMENT,
    BIND,
    CALC_UNEMPLOYMENT,
    HANDOFF,
    REPORT_FRAUD,
    REPORT_COMPLAINT,
    CHITCHAT,
    OUT_OF_SCOPE,
)
PERSONAL = (CONTRIBUTIONS, PENSION, UNEMPLOYMENT_STATUS)
