"""A minimal wechatpy echo bot: the yardstick ``benchmarks/webhook.py`` compares /wechat with.

It does what every wechatpy tutorial bot does and nothing more: check the signature, parse
with ``wechatpy.parse_message``, and echo a text message back with ``create_reply``. Served by
the same gunicorn configuration as the real app (``gunicorn webhook_echo:app``).
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "shebao-dev-token")

app = Flask(__name__)


@app.post("/wechat")
def echo() -> Response:
    try:
        check_signature(
            TOKEN,
            request.args.get("signature", ""),
            request.args.get("timestamp", ""),
            request.args.get("nonce", ""),
        )
    except InvalidSignatureException:
        abort(403)
    message = parse_message(request.get_data())
    reply = create_reply(message.content if message.type == "text" else "", message)
    return Response(reply.render(), mimetype="application/xml")
