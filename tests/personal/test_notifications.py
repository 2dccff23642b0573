"""Status-change notices: one per change, with the details, through the webhook's Sender."""

from __future__ import annotations

from conftest import CHEN, Chat, Sandbox
from sqlalchemy import select

from bot.engine import Bot
from bot.personal.models import ApplicationSubmission
from bot.personal.notifications import Notice, run_jobs
from webhooks.application_notices import SenderNotifier
from webhooks.models import OutboundMessage
from webhooks.wechat.outbound import RecordingOutbound, Sender


class Inbox:
    """A Notifier that keeps what it is given, once per ref (as the Sender does)."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> bool:
        if any(n.ref == notice.ref for n in self.notices):
            return False
        self.notices.append(notice)
        return True


def apply(chat: Chat, sandbox: Sandbox) -> str:
    chat.bind(CHEN)
    chat("申请失业金")
    for answer in ("是", "是", "1", CHEN["phone"], "是"):
        chat(answer)
    assert "申请已提交" in chat("确认").text
    (application,) = sandbox.applications(CHEN)
    return str(application.application_id)


def test_each_change_is_told_once_in_order(chat: Chat, sandbox: Sandbox, engine: Bot) -> None:
    app_id = apply(chat, sandbox)
    inbox = Inbox()
    assert run_jobs(engine, inbox).notified == 0  # nothing changed yet
    sandbox.advance(app_id)  # accepted
    run_jobs(engine, inbox)
    run_jobs(engine, inbox)
    assert [n.ref for n in inbox.notices] == [f"application:{app_id}:accepted"]
    sandbox.advance(app_id)  # approved
    sandbox.advance(app_id)  # first payment, both between two runs
    report = run_jobs(engine, inbox)
    assert report.notified == 2
    texts = [n.text for n in inbox.notices]
    assert "已受理" in texts[0]
    assert "核定领取18个月" in texts[1] and "每月1710.00元" in texts[1]
    assert "已发放到" in texts[2] and "6217***********1239" in texts[2]
    assert all(n.user == chat.user and n.channel == "wechat" for n in inbox.notices)
    assert run_jobs(engine, inbox).checked == 0  # finished and told: no longer followed


def test_rejection_is_told_with_the_reason(chat: Chat, sandbox: Sandbox, engine: Bot) -> None:
    app_id = apply(chat, sandbox)
    sandbox.advance(app_id, "rejected", "未办理失业登记")
    inbox = Inbox()
    run_jobs(engine, inbox)
    (notice,) = inbox.notices
    assert "未通过" in notice.text and "未办理失业登记" in notice.text
    assert notice.status_label == "未通过"


def test_the_webhook_sender_records_each_notice_once(
    chat: Chat, sandbox: Sandbox, engine: Bot
) -> None:
    app_id = apply(chat, sandbox)
    sandbox.advance(app_id)
    notifier = SenderNotifier(engine.settings, engine.db, Sender(engine.db, RecordingOutbound()))
    run_jobs(engine, notifier)
    # A second worker that has not seen the first one's progress sends nothing new either.
    with engine.db.session() as s:
        row = s.scalar(select(ApplicationSubmission))
        assert row is not None
        row.notified_status = "submitted"
    run_jobs(engine, notifier)
    with engine.db.session() as s:
        sent = s.scalars(select(OutboundMessage)).all()
    assert [(m.openid, m.ref, m.status) for m in sent] == [
        (chat.user, f"application:{app_id}:accepted", "recorded")
    ]
    assert "已受理" in sent[0].content


def test_background_follower_tells_without_being_asked(
    chat: Chat, sandbox: Sandbox, engine: Bot
) -> None:
    from proxy_servers import wait_until

    from bot.personal.notifications import Follower

    app_id = apply(chat, sandbox)
    inbox = Inbox()
    follower = Follower(lambda: engine, lambda: inbox, every=0.05)
    follower.start()
    try:
        sandbox.advance(app_id)
        assert wait_until(lambda: len(inbox.notices) == 1, timeout=5)
    finally:
        follower.stop()
    assert inbox.notices[0].ref == f"application:{app_id}:accepted"
