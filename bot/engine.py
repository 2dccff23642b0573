"""The conversation engine: ``Bot.handle(Message) -> Reply`` for every channel.

A turn goes: control words that refer to the last reply (「更多」, 「2」, a city name after we
asked for one) → several questions pasted at once → understand (normalise, classify,
retrieve) → pick the intent → its handler → shape to the channel's byte limit → record.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert

from bot import disputes, forms, grounded, intake, rehearsal, texts
from bot.arbitration import MATCH_AT, SURE_MATCH, UNSURE_INTENT, arbitrate, policy_support
from bot.context import Turn
from bot.dialogue import DialogueStore, State
from bot.handoffs import has_pending, pending_staff_replies
from bot.models import Exchange
from bot.personal.volunteer import mark_role
from bot.policy import answer_entry
from bot.registry import Registry
from bot.shaping import cut
from bot.split import split_questions
from bot.types import Candidate, Message, Reply
from bot.understanding import Understanding, Understood
from intents.classifier import Prediction
from intents.taxonomy import CHITCHAT, HANDOFF, POLICY
from knowledge.semantic import SecondOpinion
from proxy.core import CoreServices
from shebao import metrics
from shebao.db import Database
from shebao.masking import mask_text
from shebao.settings import Settings

_MORE = re.compile(r"^(更多|继续|下一页|more|还有呢)$")
_PICK = re.compile(r"^(?:第)?([1-9])(?:个|条|项)?$")
_GREETING = re.compile(r"^(你好|您好|在吗|在不在|hello|hi|哈喽|早上好|下午好|晚上好|喂)+")


class Bot:
    """The engine. ``registry`` says which handler answers each intent, the form kinds, the
    continuations and the commands (filled by the composition root: app/registrations.py,
    whose ``build_bot`` makes a ``Bot`` with it)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        today: date | None = None,
        *,
        registry: Registry,
    ) -> None:
        fallback = registry.handler(POLICY)
        if fallback is None:
            raise ValueError(f"the registry has no handler for {POLICY}, the fallback intent")
        self.settings = settings
        self.db = db
        self.registry = registry
        self._fallback = fallback
        self.understanding = Understanding(db, today, SecondOpinion(db, settings))
        self.dialogue = DialogueStore(db)
        self._core: CoreServices | None = None
        self._core_lock = threading.Lock()

    def warm(self) -> None:
        """Train the classifier, load jieba and build the index now, not on the first message."""
        self.understanding.warm()
        self.understanding.understand(texts.WARM_UP_QUESTION, None)
        grounded.warm(self.understanding, self.db)  # the passage index of the documents

    @property
    def core(self) -> CoreServices:
        """The core services (proxy.factory.make_core_services), built once, on first use."""
        if self._core is None:
            with self._core_lock:  # two first uses at once must not make two sandboxes
                if self._core is None:
                    from proxy.factory import make_core_services

                    self._core = make_core_services(self.settings)
        return self._core

    def handle(self, message: Message) -> Reply:
        started = time.perf_counter()
        user_key = f"{message.channel}:{message.user}"
        with self.db.session() as s:  # one read before the turn …
            state = self.dialogue.load_in(s, user_key)
            kept_waiting = has_pending(s, user_key)
        # Answers to an open form are names, ID and card numbers: never kept in the record.
        form_input = bool(state.data.get("form"))
        reply, normalized = self._respond(message, state)
        reply = forms.remind(state, reply)
        if kept_waiting:  # staff answers that WeChat's 48-hour window kept from being sent
            reply.text = "\n\n".join([*pending_staff_replies(self.db, user_key), reply.text])
        reply = self._shape(reply, message, state)
        if form_input:
            message_text = normalized = texts.FORM_INPUT_HIDDEN
        else:
            message_text = message.text
        exchange = self._exchange(
            message, message_text, state, reply, normalized, time.perf_counter() - started
        )
        # The exchange's columns as set (the others take their defaults), inserted as SQL: the
        # row is written once, without the ORM's unit of work.
        row = {k: v for k, v in vars(exchange).items() if not k.startswith("_") and v is not None}
        with self.db.session() as s:  # … and one write after it
            key = s.connection().execute(insert(Exchange).values(row)).inserted_primary_key
            assert key is not None
            reply.exchange_id = int(key[0])
            _remember_answer(state, reply)
            self.dialogue.save_in(s, state)
        metrics.observe_reply(message.channel, reply.intent, reply.outcome)
        return reply

    def explain(
        self,
        messages: Sequence[Message],
        *,
        setup: Callable[[rehearsal.Rehearsable], None] | None = None,
        drafts: bool = False,
    ) -> list[rehearsal.Rehearsed]:
        """A dry run of a conversation (bot/rehearsal.py): each turn's reply, decision and
        candidates as ``handle`` would give them, and nothing written."""
        return rehearsal.rehearse(self, messages, setup=setup, drafts=drafts)

    def using(self, db: Database, core: CoreServices, understanding: Understanding) -> Bot:
        """This engine on other parts (a rehearsal's database, core and index), sharing the
        rest; a new ``understanding`` shares this one's passage index."""
        twin = copy.copy(self)
        twin.db = db
        twin.dialogue = DialogueStore(db)
        twin._core = core
        if understanding is not self.understanding:
            grounded.share_passages(self.understanding, understanding, self.db)
        twin.understanding = understanding
        return twin

    # -- the turn ---------------------------------------------------------------------------

    def _respond(self, message: Message, state: State) -> tuple[Reply, str]:
        text = message.text.strip()
        if not text:
            return Reply(texts.EMPTY, CHITCHAT, 1.0, "answered"), ""
        regions = self.understanding.regions
        # Any way of naming a place (江门市蓬江区, 广东江门, Jiangmen, 我在广州): after we asked
        # where, a short reply is read as a place (台山, 我在XX镇).
        named = regions.canonical(text, asked=bool(state.data.get("pending_region_question")))
        if message.region:
            state.region = regions.resolve(message.region)
        normalized = self.understanding.normalize(text)
        mark_role(self.db, message, state.user_key)  # a registered volunteer's is a volunteer's
        early = intake.before_understanding(  # commands (授权码…), then an open form
            self.registry, Turn(self, message, state, text.strip())
        )
        if early is not None:
            return early, normalized

        if _MORE.match(normalized):
            rest = state.pop("more")
            return Reply(rest or texts.NO_MORE, POLICY, 1.0, "answered"), normalized
        pick = _PICK.match(normalized)
        if pick and state.data.get("last_candidates"):
            return self._pick(message, state, int(pick.group(1))), normalized
        last_answer = state.data.get("last_answer")
        readable = self.understanding.normalize.readable
        said = disputes.recognise(normalized, readable(text)) if last_answer else None
        if last_answer and said is not None:
            return self._dispute(message, state, last_answer, said), normalized
        pending = state.data.get("pending_region_question")
        if pending and named:
            state.region = named
            state.pop("pending_region_question")
            reply = self._understand_and_answer(message, state, pending)
            reply.text = texts.REGION_SAVED.format(region=named) + reply.text
            return reply, normalized
        if named and not message.region:
            state.region = named

        questions = split_questions(self.understanding.normalize.readable(text))
        if len(questions) > 1:
            return self._many(message, state, questions), normalized
        return self._understand_and_answer(message, state, text), normalized

    def _understand_and_answer(self, message: Message, state: State, text: str) -> Reply:
        u = self.understanding.understand(_GREETING.sub("", text) or text, state.region)
        intent = self._intent(u, state.region)
        turn = Turn(self, message, state, u.text or message.text, u)
        reply = (self.registry.handler(intent) or self._fallback)(turn)
        if intent not in (HANDOFF,):
            state.data["last_question"] = text
        return reply

    def _intent(self, u: Understood, region: str | None) -> str:
        # The classifier's guess weighed against retrieval (bot/arbitration.py); the second
        # opinion is asked only when a hesitant non-policy guess might give way to a match.
        agrees = None
        top = u.hits[0].score if u.hits else 0.0
        hesitant = u.prediction.intent != POLICY and u.prediction.confidence < UNSURE_INTENT
        if hesitant and MATCH_AT <= top < SURE_MATCH:  # only where the opinion can change it
            agrees = self.understanding.agrees(u.normalized, u.hits, region)
        intent = arbitrate(u.prediction, u.normalized, policy_support(u.hits, agrees))
        return intent if self.registry.handler(intent) is not None else POLICY

    def _pick(self, message: Message, state: State, number: int) -> Reply:
        ids = state.data["last_candidates"]
        if number > len(ids):
            return Reply(texts.PICK_OUT_OF_RANGE, POLICY, 1.0, "clarified")
        entry = self.understanding.index.get(ids[number - 1])
        if entry is None:
            return Reply(texts.ABSTAIN, POLICY, 0.0, "abstained")
        u = Understood(message.text, message.text, _certain(POLICY), [])
        return answer_entry(Turn(self, message, state, message.text, u), entry, 1.0)

    def _dispute(
        self, message: Message, state: State, last: dict[str, Any], said: disputes.Said
    ) -> Reply:
        """「不对」 right after an answer: apologise, offer the next candidates (or answer the
        new wording of 「我问的是…」) and 「转人工」; record the disputed exchange."""
        disputed = last.get("entry")
        reply = None
        nexts_ids = list(last.get("next", []))
        if said.wording:
            reply = self._understand_and_answer(message, state, said.wording)
            if reply.faq_id == disputed:  # the same answer again would not help: offer others
                nexts_ids = [c.faq_id for c in reply.candidates] + nexts_ids
                reply = None
            else:
                reply.text = texts.DISPUTE_SORRY + reply.text
                offered = [reply.faq_id] if reply.faq_id else [c.faq_id for c in reply.candidates]
        if reply is None:
            index = self.understanding.index
            ids = [i for i in dict.fromkeys(nexts_ids) if i != disputed]
            nexts = [index.get(i) for i in ids]
            entries = [e for e in nexts if e is not None][:3]
            offered = [e.id for e in entries]
            if entries:
                state.data["last_candidates"] = offered
                lines = [f"{i}. {e.question}" for i, e in enumerate(entries, 1)]
                text = "\n".join(
                    [texts.DISPUTE_SORRY + texts.DISPUTE_NEXT_HEAD, *lines, texts.CLARIFY_TAIL]
                )
            else:
                text = texts.DISPUTE_SORRY + texts.DISPUTE_REWORD
            candidates = [Candidate(e.id, e.question, 0.0) for e in entries]
            reply = Reply(text, POLICY, 1.0, "clarified", candidates=candidates, decision="dispute")
        with self.db.session() as s:
            exchange = s.get(Exchange, last.get("exchange"))
            if exchange is not None:
                disputes.record(
                    s,
                    kind="dispute",
                    channel=message.channel,
                    user_key=state.user_key,
                    exchange=exchange,
                    said=message.text,
                    wording=said.wording,
                    offered=offered,
                )
        return reply

    def _many(self, message: Message, state: State, questions: list[str]) -> Reply:
        parts = [texts.MULTI_HEAD.format(n=len(questions))]
        replies: list[Reply] = []
        for i, q in enumerate(questions, 1):
            r = self._understand_and_answer(message, state, q)
            replies.append(r)
            parts.append(f"【{i}】{q}\n{r.text}")
        state.pop("last_candidates")
        first = replies[0]
        return Reply(
            "\n\n".join(parts),
            first.intent,
            min(r.confidence for r in replies),
            first.outcome,
            faq_id=first.faq_id,
            region=first.region,
            sources=[s for r in replies for s in r.sources],
            candidates=first.candidates,
        )

    # -- output -----------------------------------------------------------------------------

    def _shape(self, reply: Reply, message: Message, state: State) -> Reply:
        if message.max_bytes:
            reply.text, rest = cut(reply.text, message.max_bytes, texts.MORE_HINT)
            if rest:
                state.data["more"] = rest
        return reply

    @staticmethod
    def _exchange(
        message: Message, text: str, state: State, reply: Reply, normalized: str, seconds: float
    ) -> Exchange:
        return Exchange(
            channel=message.channel,
            user_key=state.user_key,
            role=message.role,
            region=state.region,
            message=mask_text(text),
            normalized=mask_text(normalized),
            intent=reply.intent,
            confidence=reply.confidence,
            outcome=reply.outcome,
            faq_id=reply.faq_id,
            reply=mask_text(reply.text),
            latency_ms=seconds * 1000,
        )


def _remember_answer(state: State, reply: Reply) -> None:
    """After an answer, what a dispute of it needs: its exchange and the next candidates (the
    「猜你想问」 list, then the other hits); after anything else, nothing to dispute."""
    answered = reply.faq_id or reply.passage  # an entry's answer or a document's words
    if reply.outcome != "answered" or not answered or reply.exchange_id is None:
        state.pop("last_answer")
        return
    nexts = [*state.data.get("last_candidates", []), *(c.faq_id for c in reply.candidates)]
    state.data["last_answer"] = {
        "exchange": reply.exchange_id,
        "entry": reply.faq_id,
        "next": [i for i in dict.fromkeys(nexts) if i != reply.faq_id],
    }


def _certain(intent: str) -> Prediction:
    return Prediction(intent, 1.0, {intent: 1.0})
