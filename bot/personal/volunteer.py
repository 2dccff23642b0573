"""Volunteers (社保志愿者): a role staff grant, a citizen's short-lived authorisation, the audit.

Anyone may ask policy questions. A volunteer sees a citizen's records only after that citizen
asked the bot for an authorisation code (「授权码」, optionally naming what: 缴费 / 养老金 /
失业金) and the volunteer entered it (「授权 123456」): the grant is limited to that scope and
``GRANT_FOR``; the citizen can take it back (「取消授权」), the volunteer can end it (「结束代查」).
Codes are one-time, expire after ``CODE_FOR`` and are kept only as keyed hashes; wrong codes lock
a volunteer out after ``LOCK_AFTER``. Every look at personal data goes to ``personal_access_log``.

This module is the rules and the tables' side; the chat commands that use them (and the
citizen's 「谁查过我的信息」) are bot/personal/authorisation.py.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from bot.backend import local_time
from bot.personal import texts as t
from bot.personal.models import (
    AccessLog,
    AuthorisationAttempts,
    AuthorisationCode,
    AuthorisationGrant,
    Binding,
    Volunteer,
)
from bot.personal.sealed import keyed_hash
from bot.types import Message
from shebao.clock import utcnow
from shebao.db import Database
from shebao.masking import mask_id
from shebao.settings import Settings

log = logging.getLogger(__name__)

SCOPES = ("contributions", "pension", "unemployment_status")
CODE_FOR = timedelta(minutes=10)
GRANT_FOR = timedelta(hours=2)
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=30)
_SCOPE_WORDS = {
    "contributions": ("缴费", "参保"),
    "pension": ("养老金", "退休金"),
    "unemployment_status": ("失业",),
}


# -- the role ------------------------------------------------------------------------------------


def is_volunteer(db: Database, key: str) -> bool:
    with db.session() as s:
        return (
            s.scalar(
                select(Volunteer.id).where(
                    Volunteer.user_key == key, Volunteer.revoked_at.is_(None)
                )
            )
            is not None
        )


def mark_role(db: Database, message: Message, key: str) -> None:
    """A message from a registered volunteer is handled (and recorded) as a volunteer's."""
    if message.role != "volunteer" and is_volunteer(db, key):
        message.role = "volunteer"


def grant_volunteer(db: Database, key: str, granted_by: str, note: str = "") -> bool:
    """Make ``key`` a volunteer; False if they already were."""
    with db.session() as s:
        row = s.scalar(select(Volunteer).where(Volunteer.user_key == key))
        if row is not None and row.revoked_at is None:
            return False
        if row is None:
            row = Volunteer(user_key=key, granted_by=granted_by, note=note)
            s.add(row)
        row.revoked_at, row.granted_by, row.granted_at = None, granted_by, utcnow()
    log.info("volunteer granted: %s by %s", key, granted_by)
    return True


def revoke_volunteer(db: Database, key: str) -> bool:
    now = utcnow()
    with db.session() as s:
        done = s.execute(
            update(Volunteer)
            .where(Volunteer.user_key == key, Volunteer.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount  # type: ignore[attr-defined]
        s.execute(
            update(AuthorisationGrant)
            .where(AuthorisationGrant.volunteer_key == key, AuthorisationGrant.ended_at.is_(None))
            .values(ended_at=now)
        )
    return bool(done)


def volunteers(db: Database) -> list[Volunteer]:
    with db.session() as s:
        return list(s.scalars(select(Volunteer).order_by(Volunteer.granted_at)))


# -- the audit log -------------------------------------------------------------------------------


def log_access(
    db: Database,
    *,
    actor_key: str,
    actor_role: str,
    person_ref: str,
    what: str,
    via: str,
    channel: str,
    outcome: str,
) -> None:
    with db.session() as s:
        s.add(
            AccessLog(
                actor_key=actor_key,
                actor_role=actor_role,
                person_ref=person_ref,
                what=what,
                via=via,
                channel=channel,
                outcome=outcome,
            )
        )


# -- codes and grants ----------------------------------------------------------------------------


def _code_hash(settings: Settings, code: str) -> str:
    return keyed_hash(settings, "authorisation_code", code)


def scope_of(text: str) -> tuple[str, ...]:
    named = tuple(s for s, words in _SCOPE_WORDS.items() if any(w in text for w in words))
    return named or SCOPES


def scope_label(scope: tuple[str, ...] | list[str]) -> str:
    return "、".join(t.SCOPE_LABELS[s] for s in scope)


def issue_code(
    db: Database, settings: Settings, citizen_key: str, binding: Binding, scope: tuple[str, ...]
) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    with db.session() as s:
        s.add(
            AuthorisationCode(
                code_hash=_code_hash(settings, code),
                citizen_key=citizen_key,
                person_ref=binding.person_ref,
                name_masked=binding.name_masked,
                id_masked=binding.id_masked,
                scope=",".join(scope),
                created_at=now,
                expires_at=now + CODE_FOR,
            )
        )
    log_access(
        db,
        actor_key=citizen_key,
        actor_role="citizen",
        person_ref=binding.person_ref,
        what="authorisation_code",
        via="self",
        channel=citizen_key.split(":")[0],
        outcome="issued",
    )
    return code


@dataclass(frozen=True)
class Grant:
    id: int
    person_ref: str
    name_masked: str
    id_masked: str
    scope: tuple[str, ...]
    expires_at_text: str


def active_grant(db: Database, volunteer_key: str) -> Grant | None:
    """The volunteer's newest grant still in force, if any."""
    with db.session() as s:
        row = s.scalar(
            select(AuthorisationGrant)
            .where(
                AuthorisationGrant.volunteer_key == volunteer_key,
                AuthorisationGrant.ended_at.is_(None),
                AuthorisationGrant.expires_at > utcnow(),
            )
            .order_by(AuthorisationGrant.id.desc())
            .limit(1)
        )
        if row is None:
            return None
        return Grant(
            row.id,
            row.person_ref,
            row.name_masked,
            row.id_masked,
            tuple(row.scope.split(",")),
            local_time(row.expires_at),
        )


class AuthorisationRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def redeem_code(db: Database, settings: Settings, volunteer_key: str, code: str) -> Grant:
    """Turn a citizen's code into a grant for ``volunteer_key``, or ``AuthorisationRefused``."""
    now = utcnow()
    if not is_volunteer(db, volunteer_key):
        raise AuthorisationRefused(t.AUTH_NOT_VOLUNTEER)
    with db.session() as s:
        attempts = s.get(AuthorisationAttempts, volunteer_key) or AuthorisationAttempts(
            volunteer_key=volunteer_key, failures=0
        )
        s.add(attempts)
        if attempts.locked_until and attempts.locked_until > now:
            until = local_time(attempts.locked_until)
            raise AuthorisationRefused(t.AUTH_LOCKED.format(until=until))
        row = s.scalar(
            select(AuthorisationCode)
            .where(
                AuthorisationCode.code_hash == _code_hash(settings, code),
                AuthorisationCode.used_at.is_(None),
                AuthorisationCode.revoked_at.is_(None),
                AuthorisationCode.expires_at > now,
            )
            .order_by(AuthorisationCode.id.desc())
            .limit(1)
        )
        if row is None:
            attempts.failures = (attempts.failures or 0) + 1
            if attempts.failures >= LOCK_AFTER:
                attempts.locked_until, attempts.failures = now + LOCK_FOR, 0
                s.commit()
                raise AuthorisationRefused(
                    t.AUTH_LOCKED.format(until=local_time(attempts.locked_until))
                )
            left = LOCK_AFTER - attempts.failures
            s.commit()
            raise AuthorisationRefused(t.AUTH_BAD_CODE.format(left=left))
        attempts.failures, attempts.locked_until = 0, None
        row.used_at = now
        # One citizen at a time: a new grant ends the volunteer's earlier ones.
        s.execute(
            update(AuthorisationGrant)
            .where(
                AuthorisationGrant.volunteer_key == volunteer_key,
                AuthorisationGrant.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        grant = AuthorisationGrant(
            volunteer_key=volunteer_key,
            citizen_key=row.citizen_key,
            code_id=row.id,
            person_ref=row.person_ref,
            name_masked=row.name_masked,
            id_masked=row.id_masked,
            scope=row.scope,
            granted_at=now,
            expires_at=now + GRANT_FOR,
        )
        s.add(grant)
        s.flush()
        result = Grant(
            grant.id,
            grant.person_ref,
            grant.name_masked,
            grant.id_masked,
            tuple(grant.scope.split(",")),
            local_time(grant.expires_at),
        )
    log_access(
        db,
        actor_key=volunteer_key,
        actor_role="volunteer",
        person_ref=result.person_ref,
        what="grant",
        via=f"grant:{result.id}",
        channel=volunteer_key.split(":")[0],
        outcome="granted",
    )
    return result


def end_grants(db: Database, volunteer_key: str) -> Grant | None:
    grant = active_grant(db, volunteer_key)
    with db.session() as s:
        s.execute(
            update(AuthorisationGrant)
            .where(
                AuthorisationGrant.volunteer_key == volunteer_key,
                AuthorisationGrant.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
        )
    return grant


def revoke_citizen_grants(db: Database, citizen_key: str) -> int:
    """The citizen takes back every grant and unused code they gave; how many there were."""
    now = utcnow()
    with db.session() as s:
        grants = s.execute(
            update(AuthorisationGrant)
            .where(
                AuthorisationGrant.citizen_key == citizen_key,
                AuthorisationGrant.ended_at.is_(None),
                AuthorisationGrant.expires_at > now,
            )
            .values(ended_at=now)
        ).rowcount  # type: ignore[attr-defined]
        codes = s.execute(
            update(AuthorisationCode)
            .where(
                AuthorisationCode.citizen_key == citizen_key,
                AuthorisationCode.used_at.is_(None),
                AuthorisationCode.revoked_at.is_(None),
                AuthorisationCode.expires_at > now,
            )
            .values(revoked_at=now)
        ).rowcount  # type: ignore[attr-defined]
    return int(grants or 0) + int(codes or 0)


# -- whom a volunteer asks about -----------------------------------------------------------------

# Someone named in a volunteer's request: an ID number, or a name after 查/看 (帮我查下李秀英的…),
# told from words by a common family name (社保, 我妈 are not people).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_NAMED = re.compile(
    r"(?:查|看|问)(?:一下|一查|一看|下|查|看|询)?(?:一下)?(?P<name>[\u4e00-\u9fff]{2,3}?)"
    r"(?:的|，|,|\s|$|老人|阿姨|大爷|奶奶|爷爷)"
)
FAMILY_NAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤温伍欧区阮麦谭关钟"
)


def names_another_person(text: str, grant: Grant) -> bool:
    """Whether a volunteer's request names someone other than the citizen of their grant (an ID
    number, or a name that is not theirs): then nothing may be shown, not even that citizen's."""
    for number in _ID_NUMBER.findall(text):
        if mask_id(number.upper()) != grant.id_masked:
            return True
    masked = grant.name_masked
    for found in _NAMED.finditer(text):
        name = found.group("name")
        if name[0] not in FAMILY_NAMES:
            continue
        same = name[0] == masked[:1] and (len(name) < 3 or name[-1] == masked[-1:])
        if not same:
            return True
    return False


def access_entries(
    db: Database, outcome: str = "", offset: int = 0, limit: int = 50
) -> list[AccessLog]:
    """The access log, newest first (for the staff console's 个人信息查看记录)."""
    with db.session() as s:
        query = select(AccessLog).order_by(AccessLog.id.desc())
        if outcome:
            query = query.where(AccessLog.outcome == outcome)
        rows = list(s.scalars(query.offset(offset).limit(limit)))
        s.expunge_all()
        return rows


def code_guessers(db: Database) -> list[AuthorisationAttempts]:
    """Volunteers who mistyped authorisation codes, the most failures first."""
    with db.session() as s:
        rows = list(
            s.scalars(
                select(AuthorisationAttempts)
                .where(AuthorisationAttempts.failures > 0)
                .order_by(AuthorisationAttempts.failures.desc())
            )
        )
        s.expunge_all()
        return rows
