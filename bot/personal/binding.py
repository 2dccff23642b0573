"""Identity binding: a channel user ↔ the core's ``person_ref``, through a verified one-time code.

``start`` checks the ID number (GB 11643 check digit), name and phone before anything is sent,
then asks the core to text a code; ``confirm`` checks the code and writes the binding. Wrong
codes and identity mismatches are counted per user: after ``LOCK_AFTER`` the user is locked out
for ``LOCK_FOR``. The binding keeps the masked ID and a keyed hash, never the ID number.

The mini-program API calls ``start``/``confirm``/``unbind`` directly; in chat the same steps are
the ``bind`` form (``BindForm``), also entered when a personal question comes before binding.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.backend import Backend, local_time, user_key
from bot.context import Turn
from bot.forms import clearly_else, form_reply, start_form
from bot.personal import texts as t
from bot.personal.models import Binding, Verification
from bot.personal.sealed import keyed_hash, seal, unseal
from bot.personal.validate import (
    Invalid,
    find_id_number,
    find_phone,
    looks_like_name,
    read_code,
    read_id_number,
    read_name,
    read_phone,
)
from bot.personal.volunteer import revoke_citizen_grants
from bot.types import Reply
from intents.taxonomy import BIND
from proxy.errors import (
    CoreRejected,
    CoreUnavailable,
    IdentityMismatch,
    NotFound,
    VerificationExpired,
    WrongCode,
)
from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_id

log = logging.getLogger(__name__)

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=30)
CODE_MINUTES = 10


class BindingError(Exception):
    """Binding could not go ahead. ``code``: invalid_request (with ``field``), locked,
    identity_mismatch, wrong_code (with ``attempts_left``), verification_expired, unavailable."""

    def __init__(
        self, code: str, message: str, *, field: str | None = None, attempts_left: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class Started:
    phone_masked: str
    expires_at: datetime


def current(db: Database, key: str) -> Binding | None:
    with db.session() as s:
        return s.scalar(select(Binding).where(Binding.user_key == key))


def validate(id_number: str, name: str, phone: str) -> tuple[str, str, str]:
    """The three fields cleaned, or ``BindingError`` naming the first wrong one."""
    for field, reader, value in (
        ("id_number", read_id_number, id_number),
        ("name", read_name, name),
        ("phone", read_phone, phone),
    ):
        try:
            reader(value)
        except Invalid as exc:
            raise BindingError("invalid_request", exc.message, field=field) from exc
    return read_id_number(id_number), read_name(name), read_phone(phone)


def start(backend: Backend, key: str, id_number: str, name: str, phone: str) -> Started:
    id_number, name, phone = validate(id_number, name, phone)
    _check_lock(backend.db, key)
    try:
        verification = backend.core.start_verification(id_number, name, phone)
    except IdentityMismatch as exc:
        _fail(backend.db, key)
        raise BindingError("identity_mismatch", t.IDENTITY_MISMATCH) from exc
    except CoreRejected as exc:  # InvalidRequest and the like: the core's own sentence
        raise BindingError("invalid_request", exc.message) from exc
    except CoreUnavailable as exc:
        raise BindingError("unavailable", t.CORE_DOWN) from exc
    with backend.db.session() as s:
        row = s.get(Verification, key) or Verification(user_key=key, failures=0)
        row.verification_id = verification.verification_id
        row.phone_masked = verification.phone_masked
        row.id_masked = mask_id(id_number)
        row.id_hash = keyed_hash(backend.settings, "id_number", id_number)
        row.expires_at = _naive_utc(verification.expires_at)
        s.add(row)
    log.info("binding started for %s (%s)", key, mask_id(id_number))
    return Started(verification.phone_masked, _naive_utc(verification.expires_at))


def confirm(backend: Backend, key: str, channel: str, code: str) -> Binding:
    try:
        code = read_code(code)
    except Invalid as exc:
        raise BindingError("invalid_request", exc.message, field="code") from exc
    _check_lock(backend.db, key)
    with backend.db.session() as s:
        row = s.get(Verification, key)
        pending = (row.verification_id, row.id_masked, row.id_hash) if row else (None, None, None)
    verification_id, id_masked, id_hash = pending
    if not verification_id:
        raise BindingError("verification_expired", t.CODE_EXPIRED)
    try:
        identity = backend.core.confirm_verification(verification_id, code)
    except WrongCode as exc:
        failures = _fail(backend.db, key)
        left = min(exc.attempts_left, LOCK_AFTER - failures)
        if left <= 0:
            _check_lock(backend.db, key)
        raise BindingError(
            "wrong_code", t.CODE_WRONG.format(left=left), attempts_left=left
        ) from exc
    except (VerificationExpired, NotFound) as exc:  # too late, or the core's own limit hit
        _forget_verification(backend.db, key)
        if _fail(backend.db, key) >= LOCK_AFTER:
            _check_lock(backend.db, key)
        raise BindingError("verification_expired", t.CODE_EXPIRED) from exc
    except CoreRejected as exc:
        raise BindingError("invalid_request", exc.message) from exc
    except CoreUnavailable as exc:
        raise BindingError("unavailable", t.CORE_DOWN) from exc
    with backend.db.session() as s:
        binding = s.scalar(select(Binding).where(Binding.user_key == key)) or Binding(
            user_key=key, channel=channel
        )
        binding.person_ref = identity.person_ref
        binding.id_masked = id_masked or ""
        binding.id_hash = id_hash or ""
        binding.name_masked = identity.name_masked
        binding.region = identity.region
        binding.bound_at = utcnow()
        s.add(binding)
        s.execute(delete(Verification).where(Verification.user_key == key))
    log.info("bound %s to %s", key, id_masked)
    return binding


def unbind(db: Database, key: str) -> bool:
    """Delete the binding; the authorisations the citizen gave volunteers end with it."""
    revoke_citizen_grants(db, key)
    with db.session() as s:
        gone = s.execute(delete(Binding).where(Binding.user_key == key)).rowcount  # type: ignore[attr-defined]
    return bool(gone)


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None) if instant.tzinfo else instant


def _check_lock(db: Database, key: str) -> None:
    now = utcnow()
    with db.session() as s:
        row = s.get(Verification, key)
        if row is None:
            return
        if row.locked_until and row.locked_until > now:
            raise BindingError("locked", t.BIND_LOCKED.format(until=local_time(row.locked_until)))
        if row.locked_until and row.locked_until <= now:
            row.locked_until, row.failures = None, 0
        elif row.failures >= LOCK_AFTER:
            row.locked_until = now + LOCK_FOR
            row.verification_id = None
            raise BindingError("locked", t.BIND_LOCKED.format(until=local_time(row.locked_until)))


def _fail(db: Database, key: str) -> int:
    with db.session() as s:
        row = s.get(Verification, key) or Verification(user_key=key, failures=0)
        row.failures = (row.failures or 0) + 1
        if row.failures >= LOCK_AFTER:
            row.locked_until = utcnow() + LOCK_FOR
            row.verification_id = None
        s.add(row)
        return row.failures


def _forget_verification(db: Database, key: str) -> None:
    with db.session() as s:
        row = s.get(Verification, key)
        if row is not None:
            row.verification_id = None


# -- the chat form ------------------------------------------------------------------------------


class BindForm:
    """Steps: id → name → phone → (code sent) code. ID, name and phone stay sealed in the form
    until the binding is done, so 「重新获取」 can send a new code without asking again."""

    kind = "bind"
    intent = BIND

    def prompt(self, turn: Turn, form: dict[str, Any]) -> str:
        step = form["step"]
        if step == "code":
            return t.CODE_SENT.format(
                phone_masked=form.get("phone_masked", ""), minutes=CODE_MINUTES
            )
        return {"id": t.ASK_ID_NUMBER, "name": t.ASK_NAME, "phone": t.ASK_PHONE}[step]

    def settled(self, turn: Turn, form: dict[str, Any]) -> bool:
        return False  # nothing is sent that a lost save could leave done but open

    def step(self, turn: Turn, form: dict[str, Any]) -> Reply | None:
        values: dict[str, str] = unseal(turn.settings, form.get("sealed")) or {}
        text = turn.text
        if form["step"] == "code":
            return self._code(turn, form, values)
        # Whatever fields the message holds are taken, so "身份证 姓名 手机" works in one go.
        found = self._fields(text, form["step"])
        if not found and clearly_else(turn, self.intent):
            return None
        if form["step"] == "id" and "id" not in found:
            try:
                read_id_number(text)
            except Invalid as exc:
                return form_reply(self, turn, form, exc.message, reprompt=False)
        if form["step"] == "name" and "name" not in found:
            return form_reply(self, turn, form, t.NAME_INVALID, reprompt=False)
        if form["step"] == "phone" and "phone" not in found:
            return form_reply(self, turn, form, t.PHONE_INVALID, reprompt=False)
        for name, value in found.items():
            if name == "error":
                return form_reply(self, turn, form, value, reprompt=False)
            values[name] = value
        form["sealed"] = seal(turn.settings, values)
        for name in ("id", "name", "phone"):
            if name not in values:
                form["step"] = name
                return form_reply(self, turn, form)
        return self._send_code(turn, form, values)

    def _fields(self, text: str, step: str) -> dict[str, str]:
        found: dict[str, str] = {}
        if find_id_number(text):
            try:
                found["id"] = read_id_number(text)
            except Invalid as exc:
                return {"error": exc.message}
        phone = find_phone(text)
        if phone and phone not in (found.get("id") or ""):
            found["phone"] = phone
        words = [w for w in _words(text) if looks_like_name(w)]
        if words and (step == "name" or found):
            found["name"] = read_name(words[0])
        return found

    def _send_code(self, turn: Turn, form: dict[str, Any], values: dict[str, str]) -> Reply:
        try:
            started = start(turn.bot, turn.user_key, values["id"], values["name"], values["phone"])
        except BindingError as exc:
            if exc.code == "identity_mismatch":
                form["step"], form["sealed"] = "id", seal(turn.settings, {})
                return form_reply(self, turn, form, exc.message, reprompt=False)
            if exc.code == "invalid_request" and exc.field:
                field = {"id_number": "id", "name": "name", "phone": "phone"}[exc.field]
                values.pop(field, None)
                form["step"], form["sealed"] = field, seal(turn.settings, values)
                return form_reply(self, turn, form, exc.message)
            return self._stop(turn, exc)
        form["step"], form["phone_masked"] = "code", started.phone_masked
        return form_reply(self, turn, form)

    def _code(self, turn: Turn, form: dict[str, Any], values: dict[str, str]) -> Reply | None:
        text = turn.text.strip()
        if text in ("重新获取", "重新发送", "再发一次", "重发", "没收到"):
            return self._send_code(turn, form, values)
        try:
            read_code(text)
        except Invalid as exc:
            if clearly_else(turn, self.intent):
                return None
            return form_reply(self, turn, form, exc.message, reprompt=False)
        try:
            binding = confirm(turn.bot, turn.user_key, turn.message.channel, text)
        except BindingError as exc:
            if exc.code in ("wrong_code", "invalid_request", "verification_expired"):
                return form_reply(self, turn, form, exc.message, reprompt=False)
            return self._stop(turn, exc)
        turn.state.pop("form")
        if turn.state.region is None:  # the 参保地, however the core spells it
            turn.state.region = turn.bot.understanding.regions.resolve(binding.region)
        head = t.BOUND.format(
            name_masked=binding.name_masked, id_masked=binding.id_masked, region=binding.region
        )
        then = form.get("then") or {}
        routes = turn.bot.registry
        handler = routes.handler(then["intent"]) if then.get("intent") else None
        go_on = routes.continuation(then["continue"]) if then.get("continue") else None
        reply: Reply | None = None
        if handler is not None:  # the question asked before binding, answered now
            reply = handler(turn.asking(then.get("text") or ""))
        elif go_on is not None:
            reply = go_on(turn.continuing(then.get("text") or ""))
        if reply is not None:
            reply.text = head + "\n" + reply.text
            return reply
        return Reply(head + "\n" + t.BOUND_NEXT, BIND, 1.0, "answered")

    def _stop(self, turn: Turn, exc: BindingError) -> Reply:
        if exc.code == "locked":
            turn.state.pop("form")
        return Reply(exc.message, BIND, 1.0, "form" if exc.code != "locked" else "error")


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,，。;；、/|:：]+|\d+[Xx]?", text) if w]


BIND_FORM = BindForm()


def begin_binding(
    turn: Turn, then: dict[str, str] | None = None, head: str = t.BIND_INTRO
) -> Reply:
    """Open the bind form (after a personal question: ``then`` is answered once bound)."""
    form = start_form(turn.state, BIND_FORM.kind, step="id", then=then)
    reply = form_reply(BIND_FORM, turn, form)
    reply.text = head + reply.text
    if then and then.get("intent"):  # the reply still answers to what was asked
        reply.intent = then["intent"]
    return reply


def bind(turn: Turn) -> Reply:
    """``account.bind``: bind (or say who one is bound to), rebind, or unbind."""
    text = turn.text
    if any(w in text for w in ("解除绑定", "解绑", "取消绑定")):
        return unbind_reply(turn)
    binding = current(turn.db, turn.user_key)
    if binding is not None and "重新绑定" not in text and "更换" not in text:
        return Reply(
            t.ALREADY_BOUND.format(
                name_masked=binding.name_masked, id_masked=binding.id_masked, region=binding.region
            ),
            BIND,
            1.0,
            "answered",
        )
    return begin_binding(turn)


def unbind_reply(turn: Turn) -> Reply:
    form = turn.state.data.get("form")
    if form and form.get("kind") == BIND_FORM.kind:
        turn.state.pop("form")
    done = unbind(turn.db, turn.user_key)
    return Reply(t.UNBOUND if done else t.NOT_BOUND, BIND, 1.0, "answered")


__all__ = [
    "BindingError",
    "Started",
    "begin_binding",
    "confirm",
    "current",
    "start",
    "unbind",
    "user_key",
]
