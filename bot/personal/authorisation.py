"""The chat commands of volunteers' authorisations (bot/personal/volunteer.py has the rules):

- 「授权码」 (optionally naming what: 缴费 / 养老金 / 失业金): a bound citizen gets a one-time
  code for a volunteer; before binding, the bind form opens and the code follows it;
- 「授权 123456」: a volunteer redeems a code; 「结束代查」 ends their grant;
- 「取消授权」: the citizen takes back every grant and unused code;
- 「谁查过我的信息」: the citizen's own access history, after binding if need be.

The patterns (``*_COMMAND``) and continuation names (``*_AFTER_BINDING``) are registered by the
composition root (app/registrations.py).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.backend import local_time
from bot.context import Turn
from bot.personal import texts as t
from bot.personal.binding import begin_binding, current
from bot.personal.models import AccessLog, Binding
from bot.personal.volunteer import (
    CODE_FOR,
    GRANT_FOR,
    AuthorisationRefused,
    end_grants,
    issue_code,
    redeem_code,
    revoke_citizen_grants,
    scope_label,
    scope_of,
)
from bot.types import Reply
from intents.taxonomy import BIND

INTENT = BIND  # authorisation is about identity: its replies are filed under account.bind
ASK_CODE_COMMAND = (
    r"(?:我要|生成|获取|申请|给我|发个?)?(?:一个)?授权码[^0-9]{0,12}|授权给志愿者|我要授权.{0,8}"
)
REDEEM_COMMAND = r"授权(?:码)?[：:\s]*(\d{6})"
END_COMMAND = r"结束代查|结束授权|代查结束|退出代查"
REVOKE_COMMAND = r"取消授权|收回授权|撤销授权|撤回授权"
WHO_LOOKED_COMMAND = (
    r"谁(?:查|看|查询|查看)过我的?(?:信息|记录|社保|资料|数据)?"
    r"|我的(?:信息|社保|资料)被谁(?:查|看)过|查询记录|访问记录"
)
CODE_AFTER_BINDING = "authorisation_code"
WHO_LOOKED_AFTER_BINDING = "who_looked"


ACCESS_SHOWN = 10  # the newest looks at a citizen's data listed for them


def ask_code(turn: Turn, match: re.Match[str]) -> Reply:
    binding = current(turn.db, turn.user_key)
    if binding is None:
        return begin_binding(
            turn,
            then={"continue": CODE_AFTER_BINDING, "text": turn.text},
            head=t.AUTH_CODE_NEEDS_BINDING,
        )
    return code_reply(turn, binding)


def code_after_binding(turn: Turn) -> Reply:
    binding = current(turn.db, turn.user_key)
    assert binding is not None
    return code_reply(turn, binding)


def code_reply(turn: Turn, binding: Binding) -> Reply:
    scope = scope_of(turn.text)
    code = issue_code(turn.db, turn.settings, turn.user_key, binding, scope)
    text = t.AUTH_CODE.format(
        code=code,
        minutes=int(CODE_FOR.total_seconds() // 60),
        hours=int(GRANT_FOR.total_seconds() // 3600),
        scope=scope_label(scope),
    )
    return Reply(text, INTENT, 1.0, "answered")


def redeem(turn: Turn, match: re.Match[str]) -> Reply:
    try:
        grant = redeem_code(turn.db, turn.settings, turn.user_key, match.group(1))
    except AuthorisationRefused as exc:
        return Reply(exc.message, INTENT, 1.0, "answered")
    return Reply(
        t.AUTH_GRANTED.format(
            name_masked=grant.name_masked,
            id_masked=grant.id_masked,
            until=grant.expires_at_text,
            scope=scope_label(grant.scope),
        ),
        INTENT,
        1.0,
        "answered",
    )


def end(turn: Turn, match: re.Match[str]) -> Reply:
    grant = end_grants(turn.db, turn.user_key)
    if grant is None:
        return Reply(t.AUTH_NONE_ACTIVE, INTENT, 1.0, "answered")
    return Reply(t.AUTH_ENDED.format(name_masked=grant.name_masked), INTENT, 1.0, "answered")


def revoke(turn: Turn, match: re.Match[str]) -> Reply:
    count = revoke_citizen_grants(turn.db, turn.user_key)
    text = t.AUTH_REVOKED.format(count=count) if count else t.AUTH_NOTHING_TO_REVOKE
    return Reply(text, INTENT, 1.0, "answered")


def who_looked(turn: Turn, match: re.Match[str]) -> Reply:
    """A citizen's own access history: who looked at their records, when, what, on what
    authority (their own look, or a volunteer's grant), refusals included."""
    if current(turn.db, turn.user_key) is None:
        return begin_binding(turn, then={"continue": WHO_LOOKED_AFTER_BINDING, "text": turn.text})
    return access_history(turn)


def access_history(turn: Turn) -> Reply:
    """The bound citizen's newest ``ACCESS_SHOWN`` looks at their records, as a reply."""
    binding = current(turn.db, turn.user_key)
    assert binding is not None
    with turn.db.session() as s:
        rows = s.scalars(
            select(AccessLog)
            .where(AccessLog.person_ref == binding.person_ref, AccessLog.what != "grant")
            .order_by(AccessLog.at.desc(), AccessLog.id.desc())
            .limit(ACCESS_SHOWN)
        ).all()
    if not rows:
        return Reply(t.ACCESS_NONE, BIND, 1.0, "answered")
    lines = [t.ACCESS_HEAD.format(n=len(rows))]
    for row in rows:
        who = (
            t.ACCESS_SELF
            if row.actor_key == turn.user_key
            else t.ACCESS_VOLUNTEER.format(tail=row.actor_key[-4:])
        )
        what = t.SCOPE_LABELS.get(row.what, row.what)
        outcome = t.ACCESS_OUTCOMES.get(row.outcome, row.outcome)
        lines.append(f"{local_time(row.at)} {who} {what}（{outcome}）")
    lines.append(t.ACCESS_TAIL)
    return Reply("\n".join(lines), BIND, 1.0, "answered")
