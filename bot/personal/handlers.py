"""Personal services: identity binding, own records, 失业保险金 applications, volunteers.

Importing this module registers their intent handlers, form kinds and commands (the engine
imports it for that). The parts:

- bot/forms.py: multi-turn forms and personal commands, hooked into the engine;
- bot/personal/: binding.py: ``account.bind`` and the bind form; records.py: ``personal.*``;
  application_form.py and applications.py: ``apply.unemployment`` and submission;
  notifications.py: re-sending kept applications, status-change notices; volunteer.py: the
  volunteer role, authorisation codes and grants, the access log; texts.py: every sentence;
  models.py: the tables.
"""

from __future__ import annotations

import logging

from bot.context import Turn
from bot.forms import FormContext
from bot.personal import (  # noqa: F401  (registration)
    application_form,
    binding,
    records,
    volunteer,
)
from proxy.errors import CoreError
from proxy.types import InsuranceType

log = logging.getLogger(__name__)


def recorded_unemployment_months(turn: Turn) -> tuple[int, str] | None:
    """A bound asker's 失业保险 contribution months from the core, and their 参保地; None if
    the asker is not bound or the core cannot say."""
    ctx = FormContext.from_turn(turn)
    bound = binding.current(ctx.db, ctx.user_key)
    if bound is None:
        return None
    try:
        records_ = turn.bot.core.contributions(
            bound.person_ref, insurance_type=InsuranceType.UNEMPLOYMENT
        )
    except CoreError as exc:
        log.info("contribution months unavailable: %s", exc.code)
        return None
    volunteer.log_access(
        ctx.db,
        actor_key=ctx.user_key,
        actor_role="citizen",
        person_ref=bound.person_ref,
        what="contributions",
        via="self",
        channel=ctx.message.channel,
        outcome="shown",
    )
    found = records_.of(InsuranceType.UNEMPLOYMENT)
    return (found.total_months if found else 0), bound.region
