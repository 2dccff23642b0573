"""WeChat's wire protocol, in one place: signatures, safe XML, AES, passive reply shaping.

Nothing here knows what a message means. The view calls ``Codec.decode`` on a request and
``Codec.encode`` on a reply text; both raise ``ProtocolError`` subclasses carrying the HTTP
status the view answers with (403 bad signature, 400 malformed or hostile XML).

XML is parsed with defusedxml and any DTD is refused, so no entity (internal or external) is
ever resolved. The parsed tree's fields are checked here (names, numbers, no lone surrogate),
then handed to wechatpy's typed message classes (``TextMessage``, ``VoiceMessage``,
``ClickEvent``, ``SubscribeEvent`` …) as the same dict ``wechatpy.parse_message`` would build,
so each body is parsed once; the rest of the package reads their attributes (``content``,
``recognition``, ``key``, ``id``, ``time``), never the dict. A type wechatpy has no class for is
an ``UnknownTypeMessage``, which keeps the type as sent.
"""

from __future__ import annotations

import hmac
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import EVENT_TYPES, BaseEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.fields import StringField
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from shebao import clock
from webhooks.wechat import texts

PASSIVE_REPLY_MAX_BYTES = 2048  # WeChat's limit for a passive text reply, in UTF-8 bytes
CUSTOMER_SERVICE_MAX_BYTES = 2048  # and for a customer-service text message's content

_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_DEPTH = 8  # WeChat's deepest push (SendPicsInfo/PicList/item/PicMd5Sum) is 4 below <xml>
MAX_NAME = 128  # FromUserName, ToUserName, MsgType: as long as the ledger's openid column
_SURROGATE = re.compile("[\ud800-\udfff]")
_SAFE_NONCE = re.compile(r"^[0-9A-Za-z]{1,64}$")


# A text reply with empty names and content (and a 10-digit CreateTime) takes this many bytes.
_ENVELOPE_BYTES = len(
    TextReply(source="", target="", content="", time=1732500000).render().encode("utf-8")
)


class ProtocolError(Exception):
    status = 400


class BadSignature(ProtocolError):
    status = 403


class BadXml(ProtocolError):
    status = 400


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated strings."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *extra)
    return str(signer.signature)


def check_signature(token: str, args: Mapping[str, str]) -> None:
    """Check ``signature`` over token, timestamp, nonce (raises ``BadSignature``)."""
    given, timestamp, nonce = (args.get(k, "") for k in ("signature", "timestamp", "nonce"))
    if not (given and timestamp and nonce):
        raise BadSignature("signature, timestamp or nonce missing")
    expected = signature(token, timestamp, nonce)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise BadSignature("bad signature")


def parse_xml(body: bytes | str) -> ET.Element:
    """Parse untrusted XML: no DTD, no entities, no external references."""
    try:
        root = DET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise BadXml(f"{type(exc).__name__}: {exc}") from exc
    if root.tag != "xml":
        raise BadXml(f"root element is <{root.tag}>, not <xml>")
    check_depth(root)
    return root


def check_depth(root: ET.Element, limit: int = MAX_DEPTH) -> None:
    """Refuse (``BadXml``) elements nested deeper than ``limit``; measured without recursion."""
    level: list[tuple[ET.Element, int]] = [(root, 1)]
    while level:
        element, depth = level.pop()
        if depth > limit:
            raise BadXml(f"elements nested deeper than {limit}")
        level.extend((child, depth + 1) for child in element)


@dataclass
class Inbound:
    """A decoded request: the wechatpy message and how to answer it."""

    message: BaseMessage
    encrypted: bool
    nonce: str


class Codec:
    """Decodes requests and encodes replies for one Official Account configuration."""

    def __init__(
        self, token: str, aes_key: str | None, appid: str | None, mode: str | None = None
    ) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid or "") if aes_key else None
        # plain | compat | safe (shebao.settings.Settings.effective_wechat_mode)
        self.mode = mode or ("compat" if aes_key else "plain")

    def decode(self, body: bytes, args: Mapping[str, str]) -> Inbound:
        """Verify and parse a POST. ``signature`` must already have been checked."""
        encrypted = args.get("encrypt_type", "").lower() == "aes"
        if self.mode == "safe" and not encrypted:
            # In safe mode WeChat encrypts every push: a plaintext one did not come from it.
            raise BadSignature("safe mode: an unencrypted POST is refused")
        document = parse_xml(body)
        if encrypted:
            ciphertext = document.findtext("Encrypt")
            if not ciphertext:
                raise BadXml("encrypt_type=aes but no <Encrypt>")
            expected = signature(
                self.token, args.get("timestamp", ""), args.get("nonce", ""), ciphertext
            )
            given = args.get("msg_signature", "")
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                raise BadSignature("bad msg_signature")
            if self.crypto is not None:
                # The decrypted document gets the same scrutiny as the outer one.
                document = parse_xml(self._decrypt(ciphertext, args))
            elif document.findtext("MsgType"):
                # Compatible mode without a configured key: the plaintext twin is authentic
                # (both signatures checked); answer in plain, which compatible mode accepts.
                encrypted = False
            else:
                raise BadXml("safe-mode message but WECHAT_AES_KEY is not configured")
        message = message_from_element(document)
        return Inbound(
            message=message,
            encrypted=encrypted and self.crypto is not None,
            nonce=args.get("nonce", ""),
        )

    def _decrypt(self, ciphertext: str, args: Mapping[str, str]) -> str:
        assert self.crypto is not None
        try:
            plain = self.crypto.decrypt_message(
                {"Encrypt": ciphertext},
                args.get("msg_signature", ""),
                args.get("timestamp", ""),
                args.get("nonce", ""),
            )
        except InvalidSignatureException as exc:
            raise BadSignature("bad msg_signature") from exc
        except InvalidAppIdException as exc:
            raise BadSignature("message is for another AppID") from exc
        except Exception as exc:  # bad base64, padding, UTF-8: not a message we can read
            raise BadXml(f"cannot decrypt: {type(exc).__name__}") from exc
        return str(plain)

    def encode(self, inbound: Inbound, text: str, created: int | None = None) -> str:
        """Render a passive text reply (escaped, within the byte limit), encrypted if needed."""
        xml = render_text_reply(inbound.message, text, created)
        if inbound.encrypted and self.crypto is not None:
            nonce = inbound.nonce if _SAFE_NONCE.match(inbound.nonce) else secrets.token_hex(8)
            return str(self.crypto.encrypt_message(xml, nonce))
        return xml


def element_fields(element: ET.Element) -> dict[str, Any]:
    """An element's children as xmltodict (and so wechatpy) would give them."""
    fields: dict[str, Any] = {}
    for child in element:
        value: Any = element_fields(child) if len(child) else (child.text or "").strip() or None
        if child.tag in fields:
            previous = fields[child.tag]
            fields[child.tag] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            fields[child.tag] = value
    return fields


def check_fields(fields: Mapping[str, Any]) -> None:
    """Refuse (``BadXml``) what WeChat never sends: a lone surrogate, a missing or overlong
    name or type, a ``CreateTime`` or ``MsgId`` that is not a number."""
    for value in fields.values():
        if isinstance(value, str) and _SURROGATE.search(value):
            raise BadXml("a field holds a lone surrogate")
    for name in ("FromUserName", "ToUserName", "MsgType"):
        value = fields.get(name)
        if not isinstance(value, str) or not value:
            raise BadXml(f"message lacks a plain <{name}>")
        if len(value) > MAX_NAME:  # an openid is 28 characters, a type a word
            raise BadXml(f"<{name}> is longer than {MAX_NAME} characters")
    try:
        int(fields.get("CreateTime") or 0)
        int(fields.get("MsgId") or 0)
    except (TypeError, ValueError) as exc:
        raise BadXml("CreateTime or MsgId is not a number") from exc


class UnknownTypeMessage(UnknownMessage):  # type: ignore[misc]
    """A message or event wechatpy has no class for (``hologram``, ``file``, an event it does not
    know): its ``MsgType`` and ``Event`` as sent, as typed fields."""

    msg_type = StringField("MsgType", "")
    event_name = StringField("Event", "")


def message_from_element(root: ET.Element) -> BaseMessage:
    """The typed wechatpy message for a parsed document (checked by ``check_fields``), looked
    up in wechatpy's registries the way ``wechatpy.parse_message`` does, without parsing the
    XML a second time."""
    fields = element_fields(root)
    check_fields(fields)
    msg_type = str(fields["MsgType"]).lower()
    if msg_type != "event":
        return MESSAGE_TYPES.get(msg_type, UnknownTypeMessage)(fields)
    event = str(fields.get("Event") or "").lower()
    event_key = fields.get("EventKey")
    if event == "subscribe" and isinstance(event_key, str) and event_key.startswith("qrscene_"):
        event = fields["Event"] = "subscribe_scan"
        fields["EventKey"] = event_key.removeprefix("qrscene_")
    return EVENT_TYPES.get(event, UnknownTypeMessage)(fields)


def raw_type(message: BaseMessage) -> str:
    """The message's ``MsgType`` as sent: wechatpy's class says it (``text``, ``voice``,
    ``event`` …); an ``UnknownTypeMessage`` kept it."""
    if isinstance(message, UnknownTypeMessage):
        return str(message.msg_type).strip().lower()
    return str(message.type)


def event_of(message: BaseMessage) -> str:
    """An event's name (``subscribe``, ``subscribe_scan``, ``click`` …); "" for a message."""
    if isinstance(message, BaseEvent):
        return str(message.event)
    if isinstance(message, UnknownTypeMessage) and raw_type(message) == "event":
        return str(message.event_name).strip().lower()
    return ""


def cdata(value: str) -> str:
    """Make ``value`` safe inside ``<![CDATA[…]]>`` (which wechatpy does not do)."""
    value = _XML_ILLEGAL.sub("", value).encode("utf-8", "replace").decode("utf-8")
    return value.replace("]]>", "]]]]><![CDATA[>")


def render_text_reply(message: BaseMessage, text: str, created: int | None = None) -> str:
    """The passive reply XML for ``text``, cut to fit ``PASSIVE_REPLY_MAX_BYTES`` in all."""
    budget = content_budget(message)
    body = fit_bytes(text, budget)
    reply = TextReply(
        source=cdata(message.target or ""),
        target=cdata(message.source or ""),
        content=cdata(body),
        time=created if created is not None else clock.timestamp(),
    )
    return str(reply.render())


def content_budget(message: BaseMessage) -> int:
    """Bytes left for the reply's content once the XML envelope around it is counted."""
    names = escaped_size(message.target or "") + escaped_size(message.source or "")
    return PASSIVE_REPLY_MAX_BYTES - _ENVELOPE_BYTES - names


def escaped_size(text: str) -> int:
    return len(cdata(text).encode("utf-8"))


def fit_bytes(text: str, limit: int, suffix: str = texts.TRUNCATED) -> str:
    """``text`` if its escaped form fits in ``limit`` bytes; else cut at a sentence end + suffix.

    The engine already shortens long answers (with a way to read on); this is the last guard.
    """
    if escaped_size(text) <= limit:
        return text
    room = limit - escaped_size(suffix)
    if room <= 0:
        return _prefix_within(suffix, limit)
    head = _prefix_within(text, room)
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= len(head) * 0.5:
        head = head[: ends[-1]]
    return head.rstrip() + suffix


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose escaped form fits in ``limit`` bytes."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if escaped_size(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]
