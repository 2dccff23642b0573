"""Who may claim 失业保险金: the applicant's answers that 《失业保险条例》第十四条 requires,
checked in this one place by the chat form (bot/personal/application_form.py) and the
mini-program API (webhooks/miniprogram.py). Each channel words a refusal its own way
(bot/personal/texts.py).

The core's own check (``CoreServices.unemployment_eligibility``: a year of contributions, the
separation it knows of) comes before these.
"""

from __future__ import annotations

from proxy.types import LeavingReason


def reason_qualifies(reason: LeavingReason) -> bool:
    """非因本人意愿中断就业: only a separation the applicant did not choose qualifies."""
    return reason.involuntary


def seeking_work_qualifies(seeking_work: object) -> bool:
    """有求职要求: the applicant said yes (``True`` itself, not any truthy value)."""
    return seeking_work is True
