"""The 失业保险金 application form, driven through Bot.handle against the sandbox over HTTP."""

from __future__ import annotations

import json

import pytest
from conftest import BAD_CARD, CHEN, GOOD_CARD, HUANG, Chat, Sandbox
from sqlalchemy import select

from bot.personal.models import ApplicationSubmission
from bot.types import Reply
from intents.taxonomy import APPLY_UNEMPLOYMENT

pytestmark = pytest.mark.usefixtures(
    "fixed_clock"
)  # Leaving dates and the two-year window are measured from today.


def fill(chat: Chat, *, card: str = "1") -> Reply:
    """From the eligibility message to the summary, with valid answers."""
    chat("是")  # the leaving date the employer reported
    chat("是")  # the reason the employer reported
    chat(card)
    chat(CHEN["phone"])
    return chat("是")


def test_eligible_citizen_applies_and_gets_a_number(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    first = chat("我被辞退了，想申请失业金")
    assert first.intent == APPLY_UNEMPLOYMENT and first.outcome == "form"
    assert "85个月" in first.text and "符合申领" in first.text and "2026年10月31日" in first.text
    summary = fill(chat, card=GOOD_CARD)
    assert "请核对" in summary.text and "2026年10月31日" in summary.text
    assert "公司裁员" in summary.text and "6217***********4569" in summary.text
    assert "138****8000" in summary.text and GOOD_CARD not in summary.text
    assert GOOD_CARD not in json.dumps(chat.state, ensure_ascii=False)  # sealed in the state
    done = chat("确认")
    assert "申请已提交" in done.text and "form" not in chat.state
    apps = sandbox.applications(CHEN)
    assert len(apps) == 1 and apps[0].application_id in done.text
    assert apps[0].payment_account.number_masked == "6217***********4569"
    status = chat("我的失业金申请到哪一步了")
    assert apps[0].application_id in status.text and "等待受理" in status.text


def test_not_eligible_with_eight_months_says_why(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(HUANG)
    reply = chat("我想申请失业金")
    assert "8个月" in reply.text and "不满1年" in reply.text and "第十四条" in reply.text
    assert "form" not in chat.state and reply.outcome == "answered"
    assert sandbox.applications(HUANG) == []


def test_unbound_applicant_binds_first_then_the_form_opens(chat: Chat) -> None:
    first = chat("申请失业金")
    assert "实名绑定" in first.text
    chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    after = chat("123456")
    assert "绑定成功" in after.text and "第1/5项" in after.text
    assert chat.state["form"]["kind"] == "apply"


def test_voluntary_reason_is_refused_with_the_reason(chat: Chat) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    chat("是")
    reply = chat("6")
    assert "本人主动辞职" in reply.text and "不属于非本人意愿中断就业" in reply.text
    assert chat.state["form"]["step"] == "leaving_reason"
    assert "第3/5项" in chat("被辞退").text


def test_each_field_is_checked_and_asked_again(chat: Chat) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    assert "不能晚于今天" in chat("2030-01-01").text
    assert "没有识别出日期" in chat("不记得了").text
    assert "第2/5项" in chat("2026-10-31").text
    assert "请回复1到7" in chat("不知道").text
    chat("1")
    assert "校验不通过" in chat(BAD_CARD).text
    assert "第4/5项" in chat(GOOD_CARD).text
    assert "手机号格式不对" in chat("123").text
    chat(CHEN["phone"])
    assert "领取失业保险金需要有求职要求" in chat("否").text
    assert "请核对" in chat("是").text


def test_edit_one_field_from_the_summary(chat: Chat) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    fill(chat, card=GOOD_CARD)
    assert "第3/5项" in chat("修改3").text
    summary = chat("1")
    assert "本人社保卡" in summary.text and "请核对" in summary.text


def test_cancel_at_any_point(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    chat("是")
    assert "已取消" in chat("取消").text
    assert "form" not in chat.state
    chat("申请失业金")
    fill(chat)
    assert "已取消" in chat("不办了").text
    assert sandbox.applications(CHEN) == []


def test_another_question_in_between_then_resume(chat: Chat) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    chat("是")
    other = chat("失业金能领多久？")
    assert other.intent != APPLY_UNEMPLOYMENT or other.outcome != "form"
    assert "回复「继续」" in other.text
    assert chat.state["form"]["step"] == "leaving_reason"
    # The next answer that fits the form's question resumes it without a 「继续」.
    assert "第3/5项" in chat("1").text


def test_double_confirm_makes_one_application(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    fill(chat)
    first = chat("确认")
    second = chat("确认")
    assert "申请已提交" in first.text and "无需重复提交" in second.text
    assert len(sandbox.applications(CHEN)) == 1
    again = chat("申请失业金")
    assert "正在办理" in again.text and "form" not in chat.state


def test_the_key_is_in_the_state_before_the_core_is_called(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    fill(chat)
    keys: list[tuple[object, object]] = []  # (the key in the state, the key sent), per call
    rows: list[tuple[str, str] | None] = []  # the stored submission then, per call
    core = chat.engine.core
    original = core.create_unemployment_application

    def spy(request, *, idempotency_key):  # type: ignore[no-untyped-def]
        stored = chat.engine.dialogue.load(chat.key).data["form"]
        keys.append((stored.get("key"), idempotency_key))
        with chat.engine.db.session() as s:
            row = s.scalar(select(ApplicationSubmission))
            rows.append((row.idempotency_key, row.status) if row else None)
        return original(request, idempotency_key=idempotency_key)

    core.create_unemployment_application = spy  # type: ignore[method-assign]
    chat("确认")
    [(stored_key, sent_key)], [row] = keys, rows
    assert stored_key == sent_key and row == (sent_key, "pending")


def test_no_full_id_phone_or_card_in_any_log_line(chat: Chat, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.DEBUG)
    chat("申请失业金")
    chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    chat("123456")
    for answer in ("是", "是", GOOD_CARD, CHEN["phone"], "是", "确认", "我的失业金申请到哪一步了"):
        chat(answer)
    assert "申请已提交" in chat.replies[-2].text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the flow did log
    for secret in (CHEN["id"], CHEN["phone"], GOOD_CARD):
        assert secret not in logged
    for reply in chat.replies:
        for secret in (CHEN["id"], CHEN["phone"], GOOD_CARD):
            assert secret not in reply.text


def test_a_new_application_after_a_rejection(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    fill(chat)
    chat("确认")
    (first,) = sandbox.applications(CHEN)
    assert "正在办理" in chat("申请失业金").text
    sandbox.advance(first.application_id, "rejected", "材料不全")
    reopened = chat("申请失业金")  # no notification job has run: the core is asked
    assert reopened.outcome == "form" and "第1/5项" in reopened.text
    fill(chat)
    assert "申请已提交" in chat("确认").text
    assert len(sandbox.applications(CHEN)) == 2
