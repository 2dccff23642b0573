"""Intents answered without the knowledge base: chitchat, out of scope, hand-off, reports.

Reports go two ways: 举报 (fraud on the fund, bribes, 冒领) and 投诉 (service: staff attitude,
推诿, delays, an employer not paying contributions). Both leave a record for staff (a
``Handoff`` whose context starts with its kind) and tell the citizen where else to turn.
"""

from __future__ import annotations

import re

from bot import texts
from bot.context import Turn
from bot.models import Handoff
from bot.types import Reply
from intents.taxonomy import CHITCHAT, HANDOFF, OUT_OF_SCOPE, REPORT_COMPLAINT, REPORT_FRAUD
from shebao.masking import mask_text

_THANKS = ("谢", "感谢", "多谢", "thank", "辛苦")
_BYE = ("再见", "拜拜", "bye", "没事了", "没问题了")
_WHO = ("你是谁", "机器人", "人工智能", "你叫什么", "真人吗")
# Festive wishes get a festive reply back (节日快乐, 新年好, 恭喜发财, 中秋快乐, 端午安康 …).
_FESTIVE = re.compile(
    r"节日?快乐|节安康|新年好|新春|过年好|拜年|恭喜发财|大吉|吉祥|团圆|佳节|春节|元旦|元宵|端午"
    r"|中秋|重阳|国庆|除夕|圣诞|福到|万事如意|阖家|合家|身体健康"
)


def chitchat(turn: Turn) -> Reply:
    norm = turn.understood.normalized
    if _FESTIVE.search(norm):
        text = texts.FESTIVE
    elif any(w in norm for w in _THANKS):
        text = texts.THANKS
    elif any(w in norm for w in _BYE):
        text = texts.GOODBYE
    elif any(w in norm for w in _WHO):
        text = texts.IDENTITY
    elif any(w in norm for w in ("你好", "您好", "在吗", "hello", "hi", "早上好", "晚上好")):
        text = texts.GREETING
    else:
        text = texts.CHITCHAT
    return Reply(text, CHITCHAT, turn.understood.prediction.confidence, "answered")


def out_of_scope(turn: Turn) -> Reply:
    return Reply(
        texts.OUT_OF_SCOPE, OUT_OF_SCOPE, turn.understood.prediction.confidence, "answered"
    )


def open_handoff(turn: Turn, kind: str = "handoff") -> None:
    context = turn.state.data.get("last_abstained") or turn.state.data.get("last_question") or ""
    with turn.bot.db.session() as s:
        s.add(
            Handoff(
                channel=turn.message.channel,
                user_key=turn.state.user_key,
                role=turn.message.role,
                question=mask_text(turn.message.text),
                context=mask_text(f"[{kind}] {context}".strip()),
            )
        )


def handoff(turn: Turn) -> Reply:
    open_handoff(turn)
    text = texts.HANDOFF_VOLUNTEER if turn.message.role == "volunteer" else texts.HANDOFF
    return Reply(text, HANDOFF, turn.understood.prediction.confidence, "handed_off")


def report_fraud(turn: Turn) -> Reply:
    open_handoff(turn, kind="report")
    return Reply(
        texts.REPORT_FRAUD, REPORT_FRAUD, turn.understood.prediction.confidence, "handed_off"
    )


def report_complaint(turn: Turn) -> Reply:
    open_handoff(turn, kind="complaint")
    return Reply(
        texts.REPORT_COMPLAINT,
        REPORT_COMPLAINT,
        turn.understood.prediction.confidence,
        "handed_off",
    )
