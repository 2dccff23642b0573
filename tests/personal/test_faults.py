"""Faults: the core down (stopped, then restarted) and the core slow, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable

from conftest import CHEN, Chat, Sandbox
from sqlalchemy import select

from bot.engine import Bot
from bot.personal.models import ApplicationSubmission
from bot.personal.notifications import Notice, run_jobs
from proxy.client import HttpCoreServices

DEADLINE = 3.5  # the webhook's passive-reply budget (settings.reply_budget_seconds)


class Inbox:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> bool:
        self.notices.append(notice)
        return True


def to_summary(chat: Chat) -> None:
    chat.bind(CHEN)
    chat("申请失业金")
    for answer in ("是", "是", "1", CHEN["phone"], "是"):
        chat(answer)
    assert "请核对" in chat.replies[-1].text


def test_core_down_application_kept_then_sent_once_with_the_same_key(
    chat: Chat, sandbox: Sandbox, engine: Bot
) -> None:
    to_summary(chat)
    sandbox.stop()
    started = time.monotonic()
    reply = chat("确认")
    assert time.monotonic() - started < DEADLINE
    assert "暂时连不上" in reply.text and "已经保存" in reply.text
    with engine.db.session() as s:
        (row,) = s.scalars(select(ApplicationSubmission)).all()
        key = row.idempotency_key
        assert row.status == "pending" and row.sealed_request and row.application_id is None
    # Asked again while it is still down: told plainly, still one kept application.
    assert "已经保存" in chat("确认").text
    assert "已保存" in chat("我的失业金申请到哪一步了").text
    inbox = Inbox()
    report = run_jobs(engine, inbox)
    assert report.core_down and report.kept == 1 and inbox.notices == []

    sandbox.start()
    core = engine.core
    assert isinstance(core, HttpCoreServices)  # the sandbox over real HTTP
    core.breaker.record_success()  # the breaker's pause would only delay the retry
    report = run_jobs(engine, inbox)
    assert report.resent == 1
    apps = sandbox.applications(CHEN)
    assert len(apps) == 1
    with engine.db.session() as s:
        row = s.scalars(select(ApplicationSubmission)).one()
        assert row.idempotency_key == key and row.status == "submitted"
        assert row.application_id == apps[0].application_id and row.sealed_request is None
    (notice,) = inbox.notices
    assert apps[0].application_id in notice.text and notice.user == chat.user
    # The job again, a late 「确认」, a status question: still exactly one application.
    run_jobs(engine, inbox)
    assert "无需重复提交" in chat("确认").text
    assert apps[0].application_id in chat("我的失业金申请到哪一步了").text
    assert len(sandbox.applications(CHEN)) == 1
    assert len(inbox.notices) == 1


def test_answer_lost_on_the_way_back_is_sent_again_with_the_same_key(
    chat: Chat, sandbox: Sandbox, engine: Bot
) -> None:
    """The core made the application but its answer never arrived (the worst case)."""
    to_summary(chat)
    core = engine.core
    original = core.create_unemployment_application
    keys: list[str] = []

    def made_but_lost(request, *, idempotency_key):  # type: ignore[no-untyped-def]
        from proxy.errors import CoreUnavailable

        keys.append(idempotency_key)
        original(request, idempotency_key=idempotency_key)
        raise CoreUnavailable(code="timeout", may_have_succeeded=True)

    core.create_unemployment_application = made_but_lost  # type: ignore[method-assign]
    assert "已经保存" in chat("确认").text
    core.create_unemployment_application = original  # type: ignore[method-assign]
    run_jobs(engine, Inbox())
    assert len(sandbox.applications(CHEN)) == 1
    with engine.db.session() as s:
        row = s.scalars(select(ApplicationSubmission)).one()
        assert row.idempotency_key == keys[0] and row.status == "submitted"


def test_slow_core_is_answered_within_the_budget(chat: Chat, sandbox: Sandbox) -> None:
    chat.bind(CHEN)
    sandbox.faults(delay_seconds=3.0)
    timings = []
    for _ in range(4):
        started = time.monotonic()
        reply = chat("我社保交了几个月")
        timings.append(time.monotonic() - started)
        assert "暂时连不上" in reply.text
    assert max(timings) < DEADLINE, timings
    # After a few failures the circuit breaker answers at once instead of waiting.
    assert timings[-1] < 0.5, timings
    sandbox.faults()  # clear


def test_core_not_there_at_all(make_bot: Callable[..., Bot]) -> None:
    from proxy_servers import free_port

    chat = Chat(make_bot(f"http://127.0.0.1:{free_port()}"))
    started = time.monotonic()
    chat("实名绑定")
    reply = chat(f"{CHEN['id']} {CHEN['name']} {CHEN['phone']}")
    assert time.monotonic() - started < DEADLINE
    assert "暂时连不上" in reply.text
