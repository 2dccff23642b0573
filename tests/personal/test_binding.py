"""Identity binding through Bot.handle, against the sandbox core over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import CHEN, LI, Chat, Sandbox
from sqlalchemy import select, text

from bot.engine import Bot
from bot.personal.models import Binding, Verification
from intents.taxonomy import BIND, CONTRIBUTIONS


def test_binding_step_by_step(chat: Chat) -> None:
    first = chat("我要实名绑定")
    assert first.intent == BIND and first.outcome == "form" and "身份证号" in first.text
    assert "姓名" in chat(CHEN["id"]).text
    assert "手机号" in chat(CHEN["name"]).text
    sent = chat(CHEN["phone"])
    assert "138****8000" in sent.text and "验证码" in sent.text
    done = chat("123456")
    assert "绑定成功" in done.text and "4407**********1239" in done.text and "江门市" in done.text
    assert "form" not in chat.state
    with chat.engine.db.session() as s:
        row = s.scalar(select(Binding).where(Binding.user_key == chat.key))
        assert row is not None and row.id_masked == "4407**********1239"
        assert row.person_ref.startswith("psn_") and row.region == "江门市"


def test_wrong_check_digit_is_refused_before_anything_is_sent(chat: Chat, sandbox: Sandbox) -> None:
    chat("实名绑定")
    reply = chat("440703199001011238")
    assert "身份证号" in reply.text and "校验" in reply.text
    assert chat.state["form"]["step"] == "id"
    with chat.engine.db.session() as s:  # no verification was started with the core
        assert s.get(Verification, chat.key) is None
    with sandbox.core.engine.connect() as c:
        assert c.execute(text("select count(*) from sandbox_verifications")).scalar() == 0


def test_all_three_fields_in_one_message(chat: Chat) -> None:
    chat("实名绑定")
    reply = chat(f"{CHEN['id']}，{CHEN['name']}，{CHEN['phone']}")
    assert "验证码" in reply.text
    assert "绑定成功" in chat("123456").text


def test_the_full_id_number_is_stored_nowhere(chat: Chat) -> None:
    chat.bind(CHEN)
    db_file = Path(chat.engine.db.url.removeprefix("sqlite:///"))
    chat.engine.db.engine.dispose()  # every connection closed: the WAL is checkpointed
    raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    assert CHEN["id"].encode() not in raw and CHEN["phone"].encode() not in raw


def test_identity_mismatch_starts_again(chat: Chat) -> None:
    chat("实名绑定")
    chat(CHEN["id"])
    chat(CHEN["name"])
    reply = chat("13900139000")  # someone else's phone
    assert "核对不一致" in reply.text
    assert chat.state["form"]["step"] == "id"


def test_wrong_codes_are_limited_then_locked(chat: Chat) -> None:
    chat("实名绑定")
    chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    lefts = [chat("000000").text for _ in range(4)]
    assert "还可以再试4次" in lefts[0] and "还可以再试1次" in lefts[3]
    locked = chat("000000")
    assert "错误次数过多" in locked.text
    # Even the right code, and starting over, are refused while locked.
    chat("实名绑定")
    again = chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    assert "错误次数过多" in again.text
    with chat.engine.db.session() as s:
        assert s.scalar(select(Binding).where(Binding.user_key == chat.key)) is None


def test_code_must_be_six_digits(chat: Chat) -> None:
    chat("实名绑定")
    chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    assert "6位数字" in chat("12345").text
    assert "绑定成功" in chat("123456").text


def test_unbinding(chat: Chat) -> None:
    chat.bind(CHEN)
    assert "已解除绑定" in chat("解除绑定").text
    with chat.engine.db.session() as s:
        assert s.scalar(select(Binding).where(Binding.user_key == chat.key)) is None
    assert "还没有实名绑定" in chat("解除绑定").text


def test_already_bound_and_rebinding(chat: Chat) -> None:
    chat.bind(CHEN)
    assert "您已实名绑定" in chat("我要实名绑定").text
    chat("重新绑定")
    chat(f"{LI['id']} {LI['name']} {LI['phone']}")
    assert "李*英" in chat("123456").text
    with chat.engine.db.session() as s:
        rows = s.scalars(select(Binding).where(Binding.user_key == chat.key)).all()
        assert [r.name_masked for r in rows] == ["李*英"]


def test_personal_question_leads_into_binding_and_back(chat: Chat) -> None:
    first = chat("帮我查下我社保交了几个月")
    assert first.intent == CONTRIBUTIONS and "实名绑定" in first.text
    chat(CHEN["id"])
    chat(CHEN["name"])
    chat(CHEN["phone"])
    done = chat("123456")
    assert "绑定成功" in done.text
    assert "累计缴费85个月" in done.text and done.intent == CONTRIBUTIONS


def test_cancel_at_any_step(chat: Chat) -> None:
    chat("实名绑定")
    chat(CHEN["id"])
    assert "已取消" in chat("取消").text
    assert "form" not in chat.state


def test_another_question_in_between_keeps_the_form(chat: Chat) -> None:
    chat("实名绑定")
    chat(CHEN["id"])
    answer = chat("失业金怎么领？")
    assert answer.outcome != "form" and "回复「继续」" in answer.text
    assert chat.state["form"]["step"] == "name"
    assert "姓名" in chat("继续").text
    assert "手机号" in chat(CHEN["name"]).text


def test_handoff_in_the_middle_still_hands_off(chat: Chat) -> None:
    chat("实名绑定")
    reply = chat("转人工")
    assert reply.outcome == "handed_off"
    assert chat.state["form"]["kind"] == "bind"


def test_two_users_do_not_share_forms(new_chat: Callable[..., Chat], engine: Bot) -> None:
    a, b = new_chat(), new_chat()
    a("实名绑定")
    a(CHEN["id"])
    assert "form" not in b.state
    assert b("你好").outcome != "form"
