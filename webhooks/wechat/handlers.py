"""What each WeChat message type, event and menu click means: a registry of small handlers.

A handler turns a typed wechatpy message (``TextMessage``, ``VoiceMessage``, ``ClickEvent`` …;
``protocol.UnknownTypeMessage`` for a type wechatpy does not know) into an ``Action``: ``Ask``
(hand this text to the engine), ``Say`` (a fixed reply) or ``Ignore`` (answer ``success``,
process nothing). Handlers are fast and pure; protocol, de-duplication and deadlines live
elsewhere. Adding a type is adding a decorated function; anything unregistered falls back to a
polite text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wechatpy.events import ClickEvent
from wechatpy.messages import BaseMessage, TextMessage, VoiceMessage

from webhooks.wechat import texts
from webhooks.wechat.protocol import event_of, raw_type


@dataclass(frozen=True)
class Ask:
    """Hand ``text`` to the engine, as if the citizen had typed it."""

    text: str


@dataclass(frozen=True)
class Say:
    """Reply with this fixed text."""

    text: str


@dataclass(frozen=True)
class Ignore:
    """Reply ``success`` and do nothing else."""


Action = Ask | Say | Ignore
Handler = Callable[[BaseMessage], Action]

MESSAGE_HANDLERS: dict[str, Handler] = {}
EVENT_HANDLERS: dict[str, Handler] = {}

# Menu CLICK keys → what the click means. The menu (webhooks/wechat/menu.py) uses these keys.
CLICK_ACTIONS: dict[str, Action] = {
    "MENU_POLICY": Say(texts.CLICK_REPLIES["MENU_POLICY"]),
    "MENU_MY_SHEBAO": Ask(texts.CLICK_ASKS["MENU_MY_SHEBAO"]),
    "MENU_APPLY_UNEMPLOYMENT": Ask(texts.CLICK_ASKS["MENU_APPLY_UNEMPLOYMENT"]),
    "MENU_HUMAN": Ask(texts.CLICK_ASKS["MENU_HUMAN"]),
}


def on_message(*msg_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for msg_type in msg_types:
            MESSAGE_HANDLERS[msg_type] = handler
        return handler

    return register


def on_event(*events: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for event in events:
            EVENT_HANDLERS[event] = handler
        return handler

    return register


def action_for(message: BaseMessage) -> Action:
    """The action for a parsed message: its handler's, or the fallback for its kind."""
    msg_type = raw_type(message)
    if msg_type == "event":
        return EVENT_HANDLERS.get(event_of(message), _unhandled_event)(message)
    return MESSAGE_HANDLERS.get(msg_type, _unsupported)(message)


@on_message("text")
def _text(message: TextMessage) -> Action:
    content = (message.content or "").strip()
    return Ask(content) if content else Say(texts.UNSUPPORTED_DEFAULT)


@on_message("voice")
def _voice(message: VoiceMessage) -> Action:
    recognition = (message.recognition or "").strip()
    return Ask(recognition) if recognition else Say(texts.VOICE_NOT_RECOGNISED)


@on_message(*texts.UNSUPPORTED)
def _unsupported(message: BaseMessage) -> Action:
    return Say(texts.UNSUPPORTED.get(raw_type(message), texts.UNSUPPORTED_DEFAULT))


@on_event("subscribe", "subscribe_scan")  # wechatpy renames a subscribe by QR code
def _subscribe(message: BaseMessage) -> Action:
    return Say(texts.WELCOME)


@on_event("unsubscribe")
def _unsubscribe(message: BaseMessage) -> Action:
    return Ignore()


@on_event("click")
def _click(message: ClickEvent) -> Action:
    key = (message.key or "").strip()
    return CLICK_ACTIONS.get(key, Say(texts.CLICK_UNKNOWN))


def _unhandled_event(message: BaseMessage) -> Action:
    # VIEW (a link in the menu), LOCATION reports, TEMPLATESENDJOBFINISH …: notifications,
    # not questions; a text reply to them would be noise.
    return Ignore()
