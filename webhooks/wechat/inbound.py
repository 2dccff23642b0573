"""``/wechat``: the Official Account webhook (URL verification and message push).

The views only sequence the parts: signature and replay window (403), body size (413),
decoding in plain, compatible or safe mode (400 on malformed or hostile XML; 403 for a
plaintext POST in safe mode), the (timestamp, nonce) pair's first use (403 on a second), then
``Responder`` (handlers, de-dup, deadline) and encoding of the passive reply. See the
package's protocol, replay, handlers, dedup, responder and outbound modules.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, abort, current_app, request
from flask.blueprints import BlueprintSetupState

from shebao.db import is_unavailable
from webhooks.wechat import texts
from webhooks.wechat.protocol import ProtocolError, check_signature
from webhooks.wechat.replay import Replayed
from webhooks.wechat.responder import Responder

log = logging.getLogger("shebao.wechat")

bp = Blueprint("wechat", __name__)


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    app = state.app
    app.extensions["wechat"] = Responder(
        app.extensions["shebao"], threads=int(app.config.get("WECHAT_THREADS", 8))
    )


def responder() -> Responder:
    return current_app.extensions["wechat"]  # type: ignore[no-any-return]


@bp.get("/wechat")
def verify() -> Response:
    """WeChat's server-address check: echo ``echostr`` when the signature is right."""
    try:
        check_signature(responder().settings.wechat_token, request.args)
    except ProtocolError as exc:
        log.warning("wechat verify refused: %s", exc)
        abort(exc.status)
    echostr = request.args.get("echostr")
    if echostr is None:
        abort(400)
    return Response(echostr, mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    started = time.monotonic()
    rt = responder()
    try:
        check_signature(rt.settings.wechat_token, request.args)
        rt.replay.check_fresh(request.args["timestamp"])
        inbound = rt.codec.decode(_body(rt.settings.max_body_bytes), request.args)
        # Redis decides now; else the table, in the same transaction as the message's claim.
        nonce_key = rt.replay.first_use(request.args["timestamp"], request.args["nonce"])
    except ProtocolError as exc:
        log.warning("wechat push refused (%s): %s", exc.status, exc)
        abort(exc.status)
    try:
        reply = rt.respond(inbound, started, nonce_key)
    except Replayed as exc:  # the table had the pair: nothing was processed or recorded
        log.warning("wechat push refused (403): %s", exc)
        abort(403)
    except Exception as exc:
        if is_unavailable(exc):
            raise  # 503 (the app's handler): nothing was claimed, so WeChat's retry is processed
        # Never a 500 to WeChat (the citizen would see "该公众号暂时无法提供服务").
        log.exception("wechat push failed")
        return _xml(rt.codec.encode(inbound, texts.ENGINE_ERROR))
    if reply is None:
        return Response("success", mimetype="text/plain")
    return _xml(rt.codec.encode(inbound, reply.text, reply.created))


def _body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    body = request.get_data(cache=False)  # Flask's MAX_CONTENT_LENGTH also stops a longer stream
    if len(body) > limit:
        abort(413)
    return body


def _xml(payload: str) -> Response:
    return Response(payload, mimetype="application/xml")
