"""Volunteers see a citizen's records only with that citizen's short-lived authorisation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import CliRunner
from conftest import CHEN, Chat
from sqlalchemy import select, update

from bot.engine import Bot
from bot.personal.models import AccessLog, AuthorisationCode, AuthorisationGrant
from bot.personal.volunteer import Grant, grant_volunteer, is_volunteer, names_another_person
from shebao.clock import utcnow

pytestmark = pytest.mark.usefixtures("fixed_clock")  # Authorisation codes and grants expire.


def code_from(chat: Chat, request: str = "授权码") -> str:
    reply = chat(request)
    found = re.search(r"授权码：(\d{6})", reply.text)
    assert found, reply.text
    return found.group(1)


def volunteer(engine: Bot, new_chat: Callable[..., Chat]) -> Chat:
    v = new_chat()
    grant_volunteer(engine.db, v.key, "staff-test")
    return v


def test_grant_command(engine: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    monkeypatch.setenv("DATABASE_URL", engine.db.url)
    result = CliRunner().invoke(main, ["volunteer", "grant", "oVolunteer1", "--by", "王主任"])
    assert result.exit_code == 0, result.output
    assert is_volunteer(engine.db, "wechat:oVolunteer1")
    listed = CliRunner().invoke(main, ["volunteer", "list"])
    assert "wechat:oVolunteer1" in listed.output and "王主任" in listed.output
    CliRunner().invoke(main, ["volunteer", "revoke", "oVolunteer1"])
    assert not is_volunteer(engine.db, "wechat:oVolunteer1")


def test_volunteer_answers_policy_but_no_records_without_authorisation(
    engine: Bot, new_chat: Callable[..., Chat]
) -> None:
    v = volunteer(engine, new_chat)
    assert v("失业金怎么申请").outcome in ("answered", "clarified")
    reply = v("帮我查下社保交了几个月")
    assert "需要本人授权" in reply.text and "累计缴费" not in reply.text


def test_code_then_records_for_a_limited_time_and_scope(
    engine: Bot, new_chat: Callable[..., Chat]
) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    code = code_from(citizen, "授权码 缴费")
    granted = v(f"授权 {code}")
    assert "陈*明" in granted.text and "参保缴费" in granted.text and "养老金" not in granted.text
    records = v("帮我查下社保交了几个月")
    assert records.text.startswith("【代查：陈*明（4407**********1239）】")
    assert "累计缴费85个月" in records.text
    assert "不包括" in v("帮他查养老金到账了吗").text
    assert "需要本人申请" in v("我要申请失业金").text
    # The code was for one use only.
    other = volunteer(engine, new_chat)
    assert "不正确或已失效" in other(f"授权 {code}").text
    # The grant runs out.
    with engine.db.session() as s:
        s.execute(update(AuthorisationGrant).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert "需要本人授权" in v("帮我查下社保交了几个月").text
    with engine.db.session() as s:
        log = s.scalars(
            select(AccessLog).where(AccessLog.actor_key == v.key).order_by(AccessLog.id)
        ).all()
    assert [(a.what, a.outcome) for a in log] == [
        ("grant", "granted"),
        ("contributions", "shown"),
        ("pension", "refused"),
    ]
    assert all(a.actor_role == "volunteer" and a.via.startswith("grant:") for a in log)


def test_citizen_takes_it_back_and_codes_expire(engine: Bot, new_chat: Callable[..., Chat]) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    v(f"授权 {code_from(citizen)}")
    assert "收回" in citizen("取消授权").text
    assert "需要本人授权" in v("帮我查下社保交了几个月").text
    stale = code_from(citizen)
    with engine.db.session() as s:
        s.execute(update(AuthorisationCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert "不正确或已失效" in v(f"授权 {stale}").text


def test_only_volunteers_may_use_a_code(engine: Bot, new_chat: Callable[..., Chat]) -> None:
    citizen, stranger = new_chat(), new_chat()
    citizen.bind(CHEN)
    code = code_from(citizen)
    assert "志愿者使用" in stranger(f"授权 {code}").text
    with engine.db.session() as s:
        assert s.scalars(select(AuthorisationGrant)).all() == []
        (row,) = s.scalars(select(AuthorisationCode)).all()
        assert code not in (row.code_hash, str(row.id)) and row.used_at is None


def test_guessing_codes_locks_the_volunteer(engine: Bot, new_chat: Callable[..., Chat]) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    code = code_from(citizen)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        last = v(f"授权 {wrong}")
    assert "错误次数过多" in last.text
    assert "错误次数过多" in v(f"授权 {code}").text


def test_code_for_an_unbound_citizen_comes_after_binding(chat: Chat) -> None:
    assert "实名绑定" in chat("授权码").text
    chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    done = chat("123456")
    assert "绑定成功" in done.text and re.search(r"授权码：\d{6}", done.text)


def test_end_of_help(engine: Bot, new_chat: Callable[..., Chat]) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    v(f"授权 {code_from(citizen)}")
    assert "已结束代查" in v("结束代查").text
    assert "没有生效的代查授权" in v("结束代查").text


def test_unbinding_ends_the_authorisations(engine: Bot, new_chat: Callable[..., Chat]) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    v(f"授权 {code_from(citizen)}")
    citizen("解除绑定")
    assert "需要本人授权" in v("帮我查下社保交了几个月").text


@pytest.mark.parametrize(
    "request_text",
    [
        "帮我查下李秀英的养老金 440902195603152422",  # another's name and ID number
        "帮我查下李秀英的社保交了几个月",  # another's name only
        "查一下440902195603152422交了几个月社保",  # another's ID number only
    ],
)
def test_a_request_about_another_person_shows_nothing(
    engine: Bot, new_chat: Callable[..., Chat], request_text: str
) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    v(f"授权 {code_from(citizen)}")
    reply = v(request_text)
    assert "累计缴费" not in reply.text and "【代查" not in reply.text  # nothing of 陈小明's
    with engine.db.session() as s:
        log = s.scalars(select(AccessLog).where(AccessLog.actor_key == v.key))
        outcomes = [a.outcome for a in log]
    assert "shown" not in outcomes
    if "4409" not in request_text:  # (with an ID number in it, it is not read as a lookup)
        assert "另一位群众" in reply.text and "陈*明" in reply.text
        assert "refused_other_person" in outcomes
    assert "【代查：陈*明" in v("帮我查下陈小明的社保交了几个月").text  # their own name is fine


def test_who_a_request_names() -> None:
    chen = Grant(1, "ref", "陈*明", "4407**********1239", ("contributions",), "")
    assert names_another_person("帮我查下李秀英的养老金", chen)
    assert names_another_person("查一下440902195603152422的缴费", chen)
    assert not names_another_person("帮我查下陈小明的缴费", chen)
    assert not names_another_person("查一下440703199001011239的缴费", chen)
    assert not names_another_person("帮我查下社保交了几个月", chen)  # 社保 is not a person
    assert not names_another_person("帮我看下他的养老金到账没有", chen)


def test_a_reply_to_a_volunteer_names_the_citizen_not_you(
    engine: Bot, new_chat: Callable[..., Chat]
) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)  # 陈小明 is not retired: no pension records
    v(f"授权 {code_from(citizen, '授权码 养老金')}")
    reply = v("帮他查养老金到账了吗")
    assert "没有查到陈*明按月领取养老金的记录" in reply.text and "您的" not in reply.text


def test_a_citizen_asks_who_looked_at_their_records(
    engine: Bot, new_chat: Callable[..., Chat]
) -> None:
    citizen, v = new_chat(), volunteer(engine, new_chat)
    citizen.bind(CHEN)
    assert "还没有人查看过" in citizen("谁查过我的信息").text
    v(f"授权 {code_from(citizen, '授权码 缴费')}")
    v("帮我查下社保交了几个月")
    v("帮他查养老金到账了吗")  # outside the grant: refused, and listed as such
    history = citizen("谁查过我的信息").text
    assert f"志愿者（微信尾号{v.key[-4:]}" in history
    assert "参保缴费（已查看）" in history and "（超出授权，已拒绝）" in history
    assert "取消授权" in history
