"""The citizen's own records from the core: contributions, pension payments, 失业保险金 status.

Each answer is one call to the core, short, masked (4407**********1239), with totals, the latest
months and the gaps named. Whose records: the asker's own binding, or — for a volunteer with a
grant in force — the citizen who authorised them (within the grant's scope). Before binding, a
personal question opens the bind form and is answered once bound. Every look is audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.backend import Backend
from bot.context import Turn
from bot.personal import texts as t
from bot.personal.applications import pending_for, resend_one, submissions_of
from bot.personal.binding import begin_binding, current
from bot.personal.volunteer import (
    Grant,
    active_grant,
    is_volunteer,
    log_access,
    names_another_person,
)
from bot.types import Reply
from intents.taxonomy import CONTRIBUTIONS, PENSION, UNEMPLOYMENT_STATUS
from proxy.errors import CoreError, CoreUnavailable
from proxy.months import month_of
from proxy.types import (
    ApplicationStatus,
    Contributions,
    InsuranceContributions,
    InsuranceType,
    PensionPayments,
    UnemploymentApplication,
)
from shebao import clock
from shebao.clock import CHINA

log = logging.getLogger(__name__)

LATEST = 3
_TYPE_WORDS = {
    InsuranceType.PENSION: ("养老",),
    InsuranceType.UNEMPLOYMENT: ("失业",),
    InsuranceType.MEDICAL: ("医保", "医疗"),
    InsuranceType.WORK_INJURY: ("工伤",),
}


@dataclass(frozen=True)
class Subject:
    """Whose data is being looked at, and on what authority."""

    person_ref: str
    name_masked: str
    id_masked: str
    region: str | None
    via: str  # "self" or "grant:<id>"

    @property
    def on_behalf(self) -> bool:
        return self.via != "self"


def _refused(turn: Turn, grant: Grant, intent: str, scope: str, outcome: str, text: str) -> Reply:
    """A volunteer's look refused under ``grant``: logged with ``outcome``, ``text`` said."""
    log_access(
        turn.db,
        actor_key=turn.user_key,
        actor_role="volunteer",
        person_ref=grant.person_ref,
        what=scope,
        via=f"grant:{grant.id}",
        channel=turn.message.channel,
        outcome=outcome,
    )
    return Reply(text, intent, 1.0, "answered")


def subject_for(turn: Turn, intent: str, scope: str) -> Subject | Reply:
    """Whose records this message may see, or the reply that explains what is needed."""
    volunteer = turn.message.role == "volunteer" or is_volunteer(turn.db, turn.user_key)
    if volunteer:
        grant = active_grant(turn.db, turn.user_key)
        if grant is not None:
            if names_another_person(turn.text, grant):  # authorised for one, asking of another
                text = t.VOLUNTEER_OTHER_PERSON.format(name_masked=grant.name_masked)
                return _refused(turn, grant, intent, scope, "refused_other_person", text)
            if scope not in grant.scope:
                text = t.VOLUNTEER_OUT_OF_SCOPE.format(what=t.SCOPE_LABELS[scope])
                return _refused(turn, grant, intent, scope, "refused", text)
            return Subject(
                grant.person_ref, grant.name_masked, grant.id_masked, None, f"grant:{grant.id}"
            )
    binding = current(turn.db, turn.user_key)
    if binding is not None:
        return Subject(
            binding.person_ref, binding.name_masked, binding.id_masked, binding.region, "self"
        )
    if volunteer:
        return Reply(t.VOLUNTEER_NEEDS_AUTH, intent, 1.0, "answered")
    return begin_binding(turn, then={"intent": intent, "text": turn.text}, head=t.BIND_FOR_QUESTION)


def _answer(
    turn: Turn, intent: str, scope: str, fetch: Callable[[Backend, Subject, str], str]
) -> Reply:
    who = subject_for(turn, intent, scope)
    if isinstance(who, Reply):
        return who
    role = "volunteer" if who.on_behalf else "citizen"
    try:
        text = fetch(turn.bot, who, turn.understood.normalized or turn.message.text)
    except CoreError as exc:
        outcome = "unavailable" if isinstance(exc, CoreUnavailable) else "refused"
        log_access(
            turn.db,
            actor_key=turn.user_key,
            actor_role=role,
            person_ref=who.person_ref,
            what=scope,
            via=who.via,
            channel=turn.message.channel,
            outcome=outcome,
        )
        message = t.CORE_DOWN if isinstance(exc, CoreUnavailable) else exc.message
        return Reply(message, intent, turn.understood.prediction.confidence, "error")
    log_access(
        turn.db,
        actor_key=turn.user_key,
        actor_role=role,
        person_ref=who.person_ref,
        what=scope,
        via=who.via,
        channel=turn.message.channel,
        outcome="shown",
    )
    if who.on_behalf:  # the reader is the volunteer: the citizen is 陈*明, not 您
        text = text.replace("您的", f"{who.name_masked}的").replace(
            "您按月", f"{who.name_masked}按月"
        )
        text = t.ON_BEHALF.format(name_masked=who.name_masked, id_masked=who.id_masked) + text
    return Reply(text, intent, turn.understood.prediction.confidence, "answered")


# -- contributions -------------------------------------------------------------------------------


def wanted_types(text: str) -> list[InsuranceType]:
    named = [k for k, words in _TYPE_WORDS.items() if any(w in text for w in words)]
    return named or list(InsuranceType)


def contributions_text(backend: Backend, who: Subject, question: str) -> str:
    records = backend.core.contributions(who.person_ref)
    return describe_contributions(records, who, wanted_types(question))


def describe_contributions(records: Contributions, who: Subject, types: list[InsuranceType]) -> str:
    lines = [t.RECORDS_HEAD.format(name_masked=who.name_masked, id_masked=who.id_masked)]
    shown = [i for i in records.insurances if i.type in types]
    if not any(i.total_months for i in shown):
        return t.NO_CONTRIBUTIONS
    groups: dict[tuple[object, ...], list[InsuranceContributions]] = {}
    for ins in shown:  # the four insurances usually run together: one line for all of them
        groups.setdefault((ins.total_months, ins.first_month, ins.last_month, ins.gaps), []).append(
            ins
        )
    for same in groups.values():
        lines.append(insurance_line(same[0], "、".join(i.type.label for i in same)))
    focus = next((i for i in shown if i.months), None)
    if focus is not None:
        latest = focus.months[-LATEST:][::-1]
        lines.append(t.LATEST_HEAD.format(n=len(latest), label=focus.type.label))
        lines += [
            t.LATEST_LINE.format(
                month=m.month, base=_money(m.base), personal=_money(m.personal), unit=_money(m.unit)
            )
            for m in latest
        ]
    return "\n".join(lines)


def insurance_line(ins: InsuranceContributions, label: str | None = None) -> str:
    label = label or ins.type.label
    if not ins.total_months:
        return t.INSURANCE_NONE.format(label=label)
    if ins.gaps:
        ranges = "、".join(
            t.GAP_ONE.format(first=g.first)
            if g.first == g.last
            else t.GAP_RANGE.format(first=g.first, last=g.last, months=g.months)
            for g in ins.gaps
        )
        gaps = t.GAPS.format(count=sum(g.months for g in ins.gaps), ranges=ranges)
    else:
        gaps = t.NO_GAPS
    return t.INSURANCE_LINE.format(
        label=label, total=ins.total_months, first=ins.first_month, last=ins.last_month, gaps=gaps
    )


# -- pension -------------------------------------------------------------------------------------


def pension_text(backend: Backend, who: Subject, question: str) -> str:
    return describe_pension(backend.core.pension_payments(who.person_ref), who, clock.china_today())


def describe_pension(payments: PensionPayments, who: Subject, today: date) -> str:
    if not payments.receiving or not payments.payments:
        return t.PENSION_NONE
    monthly = payments.monthly_amount or payments.payments[-1].amount
    lines = [t.PENSION_HEAD.format(name_masked=who.name_masked, monthly=_money(monthly))]
    this_month = month_of(today)
    latest = payments.latest
    if latest is not None and latest.month == this_month:
        lines.append(
            t.PENSION_THIS_MONTH.format(
                month=this_month,
                amount=_money(latest.amount),
                paid_on=_day(latest.paid_on),
                account=latest.account_masked,
            )
        )
    else:
        lines.append(t.PENSION_NOT_YET.format(month=this_month))
    recent = payments.payments[-LATEST:][::-1]
    lines.append(t.PENSION_LATEST_HEAD.format(n=len(recent)))
    lines += [
        t.PENSION_LINE.format(month=p.month, amount=_money(p.amount), paid_on=_day(p.paid_on))
        for p in recent
    ]
    return "\n".join(lines)


# -- 失业保险金 applications -----------------------------------------------------------------------


def status_text(backend: Backend, who: Subject, question: str) -> str:
    pending = pending_for(backend.db, who.person_ref)
    if pending is not None:
        outcome = resend_one(backend, pending)  # one call: the kept application, sent again
        if outcome.application is not None:
            return describe_application(outcome.application)
        if outcome.kind == "pending":
            return t.STATUS_PENDING.format(when=_day(pending.created_at.date()))
    try:
        applications = backend.core.unemployment_applications(who.person_ref)
    except CoreUnavailable:
        known = known_locally(backend, who)
        if known is None:
            raise
        return known
    if not applications:
        return t.STATUS_NONE
    return describe_application(applications[0])


def known_locally(backend: Backend, who: Subject) -> str | None:
    """While the core cannot be asked (down, or its circuit breaker still open): what the bot's
    own database knows of the person's latest application (its number, when it was sent, the
    status last seen), and that the live status is unavailable. None if it knows nothing."""
    for row in submissions_of(backend.db, who.person_ref):
        if row.application_id:
            status = next((s for s in ApplicationStatus if s.value == row.core_status), None)
            last = t.STATUS_LAST_KNOWN.format(status=status.label) if status else ""
            sent = row.submitted_at or row.created_at
            return t.STATUS_KNOWN_LOCALLY.format(
                application_id=row.application_id,
                when=_day(_china(sent.replace(tzinfo=UTC))),
                last=last,
            )
    return None


def describe_application(app: UnemploymentApplication) -> str:
    lines = [
        t.STATUS_LINE.format(application_id=app.application_id, status=app.status.label),
        t.STATUS_SUBMITTED_AT.format(submitted_at=_day(_china(app.submitted_at))),
    ]
    if app.benefit_months and app.monthly_amount is not None:
        lines.append(
            t.STATUS_APPROVED.format(months=app.benefit_months, amount=_money(app.monthly_amount))
        )
    if app.status is ApplicationStatus.FIRST_PAYMENT and app.first_payment_on:
        lines.append(
            t.STATUS_FIRST_PAYMENT.format(
                paid_on=_day(app.first_payment_on), account=app.payment_account.number_masked
            )
        )
    if app.status is ApplicationStatus.REJECTED and app.rejection_reason:
        lines.append(t.STATUS_REJECTED.format(reason=app.rejection_reason))
    if len(app.history) > 1:
        steps = " → ".join(f"{_day(_china(h.at))} {h.status.label}" for h in app.history)
        lines.append(t.STATUS_HISTORY.format(steps=steps))
    return "\n".join(lines)


# -- the handlers --------------------------------------------------------------------------------


def contributions(turn: Turn) -> Reply:
    return _answer(turn, CONTRIBUTIONS, "contributions", contributions_text)


def pension(turn: Turn) -> Reply:
    return _answer(turn, PENSION, "pension", pension_text)


def unemployment_status(turn: Turn) -> Reply:
    return _answer(turn, UNEMPLOYMENT_STATUS, "unemployment_status", status_text)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _day(day: date) -> str:
    return day.isoformat()


def _china(instant: datetime) -> date:
    return instant.astimezone(CHINA).date()


STATUS_COMMAND = r"(?:查询?|查看)?(?:我的)?失业(?:保险)?金(?:申请|申领)?(?:进度|状态)(?:查询)?"


def status_command(turn: Turn, match: re.Match[str]) -> Reply:
    """The words the bot itself suggests (「失业金进度」) always ask for the status."""
    return unemployment_status(turn)


def recorded_unemployment_months(turn: Turn) -> tuple[int, str] | None:
    """A bound asker's 失业保险 contribution months from the core, and their 参保地; None if
    the asker is not bound or the core cannot say (bot/calc.py's duration for a bound citizen
    who states no years)."""
    bound = current(turn.db, turn.user_key)
    if bound is None:
        return None
    try:
        records_ = turn.bot.core.contributions(
            bound.person_ref, insurance_type=InsuranceType.UNEMPLOYMENT
        )
    except CoreError as exc:
        log.info("contribution months unavailable: %s", exc.code)
        return None
    log_access(
        turn.db,
        actor_key=turn.user_key,
        actor_role="citizen",
        person_ref=bound.person_ref,
        what="contributions",
        via="self",
        channel=turn.message.channel,
        outcome="shown",
    )
    found = records_.of(InsuranceType.UNEMPLOYMENT)
    return (found.total_months if found else 0), bound.region
