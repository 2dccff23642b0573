"""``apply.unemployment``: the 失业保险金 application as a multi-turn form.

Eligibility comes first, from the core (contribution months, the separation the employer
reported): a citizen who cannot claim is told why and no form is opened. Then five fields, each
checked and asked again with the reason when wrong — leaving date, reason for leaving (only
非本人意愿中断就业 qualifies), where to pay (社保卡 or a bank card passing the Luhn check),
phone, willingness to seek work — then a masked summary to confirm. 「修改3」 goes back to one
field; 「取消」 ends it at any point (bot/intake.py). On 「确认」 the idempotency key is put in the
form and the dialogue state saved *before* the core is called (bot.personal.applications.submit).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.context import Turn
from bot.forms import clearly_else, form_reply, start_form
from bot.personal import texts as t
from bot.personal.applications import (
    Outcome,
    by_key,
    new_key,
    open_submitted,
    pending_for,
    record_core_status,
    request_digest,
    resend_one,
    submit,
)
from bot.personal.binding import begin_binding, current
from bot.personal.eligibility import reason_qualifies, seeking_work_qualifies
from bot.personal.models import ApplicationSubmission
from bot.personal.sealed import seal, unseal
from bot.personal.validate import (
    Invalid,
    chinese_date,
    plain,
    read_bank_card,
    read_date,
    read_phone,
    read_reason,
    reason_options,
    yes_or_no,
)
from bot.personal.volunteer import active_grant
from bot.types import Reply
from intents.taxonomy import APPLY_UNEMPLOYMENT
from proxy.errors import CoreError, CoreUnavailable, IdempotencyKeyReused
from proxy.types import (
    LeavingReason,
    PaymentAccount,
    PaymentAccountKind,
    UnemploymentApplicationRequest,
    UnemploymentEligibility,
)
from shebao import clock
from shebao.masking import mask_id, mask_phone

MIN_MONTHS = 12  # 《失业保险条例》第十四条: 缴费满一年
STEPS = ("leaving_date", "leaving_reason", "payment", "phone", "seeking_work")
_CONFIRM = re.compile(r"^(确认|确认提交|提交|确定|确认无误|没问题|对的|是的|是)$")
_EDIT = re.compile(r"^(?:修改|改)第?([1-5])(?:项|个)?$")
_QUESTIONISH = re.compile(r"[吗么？?]$|怎么|怎样|如何|多少|多久|哪里|什么|为什么|能不能|可以吗")
_SOCIAL_CARD = re.compile(r"^(1|社保卡|用社保卡|发社保卡|发到社保卡|社保卡账户|社保卡金融账户)$")
_BANK_WORD = re.compile(r"^(2|银行卡|用银行卡)$")


def today() -> date:
    return clock.china_today()


def not_eligible_text(e: UnemploymentEligibility) -> str:
    if e.contribution_months < MIN_MONTHS:
        rule = t.RULE_MONTHS
    elif e.separation is not None and not reason_qualifies(e.separation.leaving_reason):
        rule = t.RULE_VOLUNTARY
    else:
        rule = t.RULE_OTHER
    return t.APPLY_NOT_ELIGIBLE.format(reason=e.reason, rule=rule) + "\n" + t.APPLY_DISAGREE


class ApplyForm:
    kind = "apply"
    intent = APPLY_UNEMPLOYMENT

    # -- questions --------------------------------------------------------------------------

    def prompt(self, turn: Turn, form: dict[str, Any]) -> str:
        step = form["step"]
        known = form.get("known") or {}
        if step == "leaving_date":
            if known.get("date") and "leaving_date" not in form["values"]:
                return t.ASK_LEAVING_DATE_KNOWN.format(
                    date=chinese_date(date.fromisoformat(known["date"]))
                )
            return t.ASK_LEAVING_DATE
        if step == "leaving_reason":
            if known.get("reason") and "leaving_reason" not in form["values"]:
                return t.ASK_REASON_KNOWN.format(
                    reason=LeavingReason(known["reason"]).label, options=reason_options()
                )
            return t.ASK_REASON.format(options=reason_options())
        if step == "payment":
            return t.ASK_PAYMENT
        if step == "phone":
            return t.ASK_APPLY_PHONE
        if step == "seeking_work":
            return t.ASK_SEEKING_WORK
        return self.summary(turn, form)

    def summary(self, turn: Turn, form: dict[str, Any]) -> str:
        values = form["values"]
        secret = unseal(turn.settings, form.get("sealed")) or {}
        if values.get("account_kind") == PaymentAccountKind.BANK_CARD.value:
            account = t.ACCOUNT_BANK.format(number_masked=mask_id(secret.get("account", "")))
        else:
            account = t.ACCOUNT_CARD
        return t.SUMMARY.format(
            leaving_date=chinese_date(date.fromisoformat(values["leaving_date"])),
            reason=LeavingReason(values["leaving_reason"]).label,
            account=account,
            phone_masked=mask_phone(secret.get("phone", "")),
            seeking=t.SEEKING_YES,
        )

    # -- answers ----------------------------------------------------------------------------

    def step(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        step = form["step"]
        if _QUESTIONISH.search(turn.text) and clearly_else(turn, self.intent):
            return None
        if step == "summary":
            return self._summary(turn, form)
        try:
            special = getattr(self, "_" + step)(turn, form)
        except Invalid as exc:
            if clearly_else(turn, self.intent):
                return None
            return form_reply(self, turn, form, exc.message, reprompt=step == "leaving_reason")
        if special is not None:
            return special
        return self._advance(turn, form)

    def _advance(self, turn: Turn, form: dict[str, Any]) -> Reply:
        if form.get("editing"):
            form["step"] = "summary"
        else:
            missing = [s for s in STEPS if not self._has(form, s)]
            form["step"] = missing[0] if missing else "summary"
        return form_reply(self, turn, form)

    @staticmethod
    def _has(form: dict[str, Any], step: str) -> bool:
        key = {"payment": "account_kind", "phone": "phone_given"}.get(step, step)
        return key in form["values"]

    def _leaving_date(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        known = (form.get("known") or {}).get("date")
        if known and yes_or_no(turn.text) is True:
            form["values"]["leaving_date"] = known
            return None
        form["values"]["leaving_date"] = read_date(turn.text, today()).isoformat()
        return None

    def _leaving_reason(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        known = (form.get("known") or {}).get("reason")
        if known and yes_or_no(turn.text) is True:
            reason = LeavingReason(known)
        else:
            reason = read_reason(turn.text)
        if not reason_qualifies(reason):
            return form_reply(
                self, turn, form, t.REASON_VOLUNTARY.format(reason=reason.label), reprompt=False
            )
        form["values"]["leaving_reason"] = reason.value
        return None

    def _payment(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        text = plain(turn.text)
        secret = unseal(turn.settings, form.get("sealed")) or {}
        if _SOCIAL_CARD.match(text):
            form["values"]["account_kind"] = PaymentAccountKind.SOCIAL_SECURITY_CARD.value
            secret.pop("account", None)
        elif _BANK_WORD.match(text):
            raise Invalid(t.PAYMENT_INVALID)
        else:
            secret["account"] = read_bank_card(text)
            form["values"]["account_kind"] = PaymentAccountKind.BANK_CARD.value
        form["sealed"] = seal(turn.settings, secret)
        return None

    def _phone(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        secret = unseal(turn.settings, form.get("sealed")) or {}
        secret["phone"] = read_phone(turn.text)
        form["sealed"] = seal(turn.settings, secret)
        form["values"]["phone_given"] = True
        return None

    def _seeking_work(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        answer = yes_or_no(turn.text)
        if answer is None:
            raise Invalid(t.SEEKING_INVALID)
        if not seeking_work_qualifies(answer):
            return form_reply(self, turn, form, t.SEEKING_NO, reprompt=False)
        form["values"]["seeking_work"] = True
        return None

    def _summary(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        text = re.sub(r"[\s。！!,，]", "", plain(turn.text))
        edit = _EDIT.match(text)
        if edit:
            form["step"], form["editing"] = STEPS[int(edit.group(1)) - 1], True
            return form_reply(self, turn, form)
        if _CONFIRM.match(text):
            return self._submit(turn, form)
        if clearly_else(turn, self.intent):
            return None
        return form_reply(self, turn, form, t.SUMMARY_INVALID, reprompt=False)

    # -- submission -------------------------------------------------------------------------

    def request(
        self, turn: Turn, form: dict[str, Any], person_ref: str
    ) -> UnemploymentApplicationRequest:
        values = form["values"]
        secret = unseal(turn.settings, form.get("sealed")) or {}
        kind = PaymentAccountKind(values["account_kind"])
        account = PaymentAccount(
            kind, secret.get("account") if kind is PaymentAccountKind.BANK_CARD else None
        )
        return UnemploymentApplicationRequest(
            person_ref=person_ref,
            leaving_date=date.fromisoformat(values["leaving_date"]),
            leaving_reason=LeavingReason(values["leaving_reason"]),
            payment_account=account,
            phone=secret.get("phone", ""),
            seeking_work=True,
        )

    def _submit(self, turn: Turn, form: dict[str, Any]) -> Reply:
        binding = current(turn.db, turn.user_key)
        if binding is None:
            turn.state.pop("form")
            return Reply(t.NOT_BOUND, self.intent, 1.0, "answered")
        request = self.request(turn, form, binding.person_ref)
        digest = request_digest(request)
        if form.get("digest") != digest or not form.get("key"):
            form["key"], form["digest"] = new_key(), digest
        turn.bot.dialogue.save(turn.state)  # the key is stored before the core is called
        try:
            outcome = submit(
                turn.bot,
                user_key=turn.user_key,
                person_ref=binding.person_ref,
                request=request,
                idempotency_key=form["key"],
                summary=self.summary(turn, form),
            )
        except IdempotencyKeyReused:
            form["key"], form["digest"] = new_key(), digest
            return self._submit(turn, form)
        return self.after_submit(turn, form, outcome)

    def settled(self, turn: Turn, form: dict[str, Any]) -> bool:
        """True (and the form closed as after a submission) when its key was already sent:
        the process that sent it died before saving the closed form. Else 进度 would say
        "已提交 SY…" and then "申请还没填完"."""
        key = form.get("key")
        if not key:
            return False
        row = by_key(turn.db, str(key))
        if row is None or not (row.application_id or row.status == "pending"):
            return False
        turn.state.pop("form")
        turn.state.data["submitted_application"] = {"key": key}
        return True

    def after_submit(self, turn: Turn, form: dict[str, Any], outcome: Outcome) -> Reply:
        if outcome.kind == "refused":
            return Reply(
                t.SUBMIT_REFUSED.format(message=outcome.message or "") + "\n" + t.SUMMARY_INVALID,
                self.intent,
                1.0,
                "form",
            )
        turn.state.pop("form")
        turn.state.data["submitted_application"] = {"key": form["key"]}
        if outcome.kind == "submitted":
            return Reply(
                t.SUBMITTED.format(application_id=outcome.application_id),
                self.intent,
                1.0,
                "answered",
            )
        if outcome.kind == "exists":
            return Reply(
                t.APPLY_OPEN_EXISTS.format(application_id=outcome.application_id),
                self.intent,
                1.0,
                "answered",
            )
        return Reply(t.SUBMIT_PENDING, self.intent, 1.0, "answered")


APPLY_FORM = ApplyForm()


def apply(turn: Turn) -> Reply:
    """``apply.unemployment``: eligibility from the core first, then the form (or why not)."""
    intent = APPLY_UNEMPLOYMENT
    if active_grant(turn.db, turn.user_key) is not None:
        return Reply(t.APPLY_VOLUNTEER, intent, 1.0, "answered")
    form = turn.state.data.get("form")
    if form and form.get("kind") == APPLY_FORM.kind:
        form["paused"] = False
        return form_reply(APPLY_FORM, turn, form)
    binding = current(turn.db, turn.user_key)
    if binding is None:
        return begin_binding(
            turn, then={"intent": intent, "text": turn.text}, head=t.BIND_FOR_APPLY
        )
    if pending_for(turn.db, binding.person_ref) is not None:
        return Reply(t.APPLY_PENDING_EXISTS, intent, 1.0, "answered")
    mine = open_submitted(turn.db, binding.person_ref)
    if mine is not None and still_open(turn, mine):
        return Reply(
            t.APPLY_OPEN_EXISTS.format(application_id=mine.application_id), intent, 1.0, "answered"
        )
    try:
        eligibility = turn.bot.core.unemployment_eligibility(binding.person_ref)
    except CoreUnavailable:
        return Reply(t.CORE_DOWN, intent, 1.0, "error")
    except CoreError as exc:
        return Reply(exc.message, intent, 1.0, "error")
    if not eligibility.eligible:
        return Reply(not_eligible_text(eligibility), intent, 1.0, "answered")
    known: dict[str, str] = {}
    if eligibility.separation is not None:
        known = {
            "date": eligibility.separation.leaving_date.isoformat(),
            "reason": eligibility.separation.leaving_reason.value,
        }
    form = start_form(turn.state, APPLY_FORM.kind, step="leaving_date", values={}, known=known)
    reply = form_reply(APPLY_FORM, turn, form)
    reply.text = t.APPLY_ELIGIBLE.format(reason=eligibility.reason) + "\n" + reply.text
    return reply


def still_open(turn: Turn, row: ApplicationSubmission) -> bool:
    """Whether the application the bot sent is still open in the core (a rejected one may be
    followed by a new application before the notification job has noticed)."""
    assert row.application_id is not None
    try:
        status = turn.bot.core.unemployment_application(row.application_id).status
    except CoreError:
        return True  # the core will refuse a second open application anyway
    if status.is_final:
        record_core_status(turn.db, row.id, status.value)
        return False
    return True


CONFIRM_AGAIN_COMMAND = r"确认|确认提交|提交|确定|提交申请"  # only while no form is open
APPLY_COMMAND = r"(?:我要|我想)?(?:申请|申领|办理)失业(?:保险)?金"


def confirm_again(turn: Turn, match: re.Match[str]) -> Reply | None:
    """A second 「确认」 after the form closed: never a second application."""
    done = turn.state.data.get("submitted_application")
    if not done:
        return None
    row = by_key(turn.db, done["key"])
    if row is None:
        return None
    if row.status == "pending":
        outcome = resend_one(turn.bot, row)
        if outcome.kind != "submitted":
            return Reply(t.SUBMIT_PENDING, APPLY_UNEMPLOYMENT, 1.0, "answered")
        return Reply(
            t.SUBMITTED.format(application_id=outcome.application_id),
            APPLY_UNEMPLOYMENT,
            1.0,
            "answered",
        )
    if row.application_id:
        return Reply(
            t.ALREADY_SUBMITTED.format(application_id=row.application_id),
            APPLY_UNEMPLOYMENT,
            1.0,
            "answered",
        )
    return None


def apply_command(turn: Turn, match: re.Match[str]) -> Reply:
    """The words the bot itself suggests (「申请失业金」) always start the application."""
    return apply(turn)
