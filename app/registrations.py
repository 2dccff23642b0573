"""What the engine dispatches to, registered explicitly and in a declared order: the handler of
each intent, the form kinds, what continues after a form opened on the way to something else,
and the commands the classifier does not know (tried in the order listed here, before an open
form gets the message). ``build_bot`` makes the engine with them; app/services.py, the
command line, tests and benchmarks build it this way.
"""

from __future__ import annotations

from datetime import date

from bot import calc, policy, simple
from bot.engine import Bot
from bot.personal import application_form, authorisation, binding, records
from bot.registry import Registry
from intents.taxonomy import (
    APPLY_UNEMPLOYMENT,
    BIND,
    CALC_UNEMPLOYMENT,
    CHITCHAT,
    CONTRIBUTIONS,
    HANDOFF,
    INTENTS,
    OUT_OF_SCOPE,
    PENSION,
    POLICY,
    REPORT_COMPLAINT,
    REPORT_FRAUD,
    UNEMPLOYMENT_STATUS,
)
from shebao.db import Database
from shebao.settings import Settings


def registry() -> Registry:
    """A registry with every intent's handler, form, continuation and command (``ValueError``
    if an intent of the taxonomy has none)."""
    r = Registry()
    # -- intents (one handler each) ------------------------------------------------------------
    r.register_handler(POLICY, policy.policy)
    r.register_handler(CHITCHAT, simple.chitchat)
    r.register_handler(OUT_OF_SCOPE, simple.out_of_scope)
    r.register_handler(HANDOFF, simple.handoff)
    r.register_handler(REPORT_FRAUD, simple.report_fraud)
    r.register_handler(REPORT_COMPLAINT, simple.report_complaint)
    r.register_handler(CALC_UNEMPLOYMENT, calc.calc_unemployment)
    r.register_handler(BIND, binding.bind)
    r.register_handler(CONTRIBUTIONS, records.contributions)
    r.register_handler(PENSION, records.pension)
    r.register_handler(UNEMPLOYMENT_STATUS, records.unemployment_status)
    r.register_handler(APPLY_UNEMPLOYMENT, application_form.apply)
    # -- form kinds ------------------------------------------------------------------------------
    r.register_form(binding.BIND_FORM)
    r.register_form(application_form.APPLY_FORM)
    # -- after the bind form, what it was opened for -------------------------------------------
    r.register_continuation(authorisation.CODE_AFTER_BINDING, authorisation.code_after_binding)
    r.register_continuation(authorisation.WHO_LOOKED_AFTER_BINDING, authorisation.access_history)
    # -- commands, in the order they are tried ---------------------------------------------------
    r.register_command(authorisation.ASK_CODE_COMMAND, authorisation.ask_code)
    r.register_command(authorisation.REDEEM_COMMAND, authorisation.redeem)
    r.register_command(authorisation.END_COMMAND, authorisation.end)
    r.register_command(authorisation.REVOKE_COMMAND, authorisation.revoke)
    r.register_command(authorisation.WHO_LOOKED_COMMAND, authorisation.who_looked)
    r.register_command(
        application_form.CONFIRM_AGAIN_COMMAND, application_form.confirm_again, during_form=False
    )
    r.register_command(application_form.APPLY_COMMAND, application_form.apply_command)
    r.register_command(records.STATUS_COMMAND, records.status_command)
    return r.check(INTENTS)


def build_bot(settings: Settings, db: Database, today: date | None = None) -> Bot:
    """The engine on ``db`` with this registry (``today``: a fixed date, for tests)."""
    return Bot(settings, db, today, registry=registry())
