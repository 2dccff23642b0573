"""``shebao wechat …``: push the Official Account menu, replay a payload against a server,
prune the retry de-dup records.

``replay`` signs a fixture exactly as WeChat does (and in safe mode encrypts it and adds
``encrypt_type=aes&msg_signature=…``), posts it, and prints the reply, decrypted if need be,
so anyone can try the bot without a WeChat account.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

import click

from shebao import clock
from shebao.settings import DEFAULT_PORT, Settings, SettingsError
from webhooks.wechat.menu import menu_definition, menu_problems, push_menu
from webhooks.wechat.outbound import make_outbound
from webhooks.wechat.protocol import parse_xml, signature

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "wechat" / "fixtures"


@click.group("wechat")
def wechat() -> None:
    """WeChat Official Account tools."""


@wechat.command("menu")
def menu_command() -> None:
    """Push the custom menu (needs WECHAT_APPID and WECHAT_APP_SECRET)."""
    menu = menu_definition()
    problems = menu_problems(menu)
    if problems:
        raise click.ClickException("menu is invalid: " + "; ".join(problems))
    try:
        outbound = make_outbound(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    if outbound.transport != "wechat":
        click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
        click.echo(
            "Not pushed: WECHAT_APPID and WECHAT_APP_SECRET are not set (or WECHAT_OUTBOUND "
            "is recording)."
        )
        return
    result = push_menu(outbound, menu)
    click.echo(f"Menu pushed: {json.dumps(result, ensure_ascii=False)}")


@wechat.command("prune")
@click.option("--older-than-hours", type=float, default=24.0, show_default=True)
def prune_command(older_than_hours: float) -> None:
    """Forget processed-message records older than WeChat could still retry."""
    from datetime import timedelta

    from app.services import open_database
    from webhooks.wechat.dedup import Ledger

    db = open_database(Settings.from_env(), content=False)
    try:
        removed = Ledger(db).prune(timedelta(hours=older_than_hours))
    finally:
        db.engine.dispose()
    click.echo(f"Removed {removed} processed-message records.")


@wechat.command("replay")
@click.argument("fixture")
@click.option("--url", default=f"http://127.0.0.1:{DEFAULT_PORT}/wechat", show_default=True)
@click.option("--mode", type=click.Choice(["plain", "safe"]), default="plain", show_default=True)
@click.option("--token", envvar="WECHAT_TOKEN", default="shebao-dev-token", show_default=True)
@click.option("--aes-key", envvar="WECHAT_AES_KEY", default=None, help="EncodingAESKey (safe)")
@click.option("--appid", envvar="WECHAT_APPID", default=None, help="AppID (safe mode)")
@click.option(
    "--keep-ids",
    is_flag=True,
    help="Keep the fixture's MsgId and CreateTime (to see retry de-dup); "
    "by default each replay is a new message.",
)
def replay_command(
    fixture: str,
    url: str,
    mode: str,
    token: str,
    aes_key: str | None,
    appid: str | None,
    keep_ids: bool,
) -> None:
    """Sign (and in safe mode encrypt) FIXTURE, post it to URL and print the reply.

    FIXTURE is a file path or the name of a file in tests/wechat/fixtures/.
    """
    import requests

    xml = _load(fixture)
    if not keep_ids:
        xml = _fresh_ids(xml)
    timestamp, nonce = str(clock.timestamp()), str(secrets.randbelow(10**9))
    params = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(token, timestamp, nonce),
    }
    crypto = None
    body = xml
    if mode == "safe":
        if not (aes_key and appid):
            raise click.UsageError(
                "--mode safe needs --aes-key and --appid (or WECHAT_AES_KEY, WECHAT_APPID)"
            )
        from wechatpy.crypto import WeChatCrypto

        crypto = WeChatCrypto(token, aes_key, appid)
        envelope = parse_xml(crypto.encrypt_message(xml, nonce, timestamp))
        ciphertext = envelope.findtext("Encrypt") or ""
        to_user = parse_xml(xml).findtext("ToUserName") or ""
        body = (
            f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
        )
        params |= {
            "encrypt_type": "aes",
            "msg_signature": signature(token, timestamp, nonce, ciphertext),
        }
    started = time.perf_counter()
    response = requests.post(
        url,
        params=params,
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    elapsed = (time.perf_counter() - started) * 1000
    click.echo(f"HTTP {response.status_code} in {elapsed:.0f} ms")
    text = response.content.decode("utf-8", "replace")
    if crypto is not None and "<Encrypt>" in text:
        reply = parse_xml(text)
        text = crypto.decrypt_message(
            text,
            reply.findtext("MsgSignature"),
            reply.findtext("TimeStamp"),
            reply.findtext("Nonce"),
        )
        click.echo("(reply decrypted)")
    click.echo(text)
    if response.status_code >= 400:
        raise SystemExit(1)


def _load(fixture: str) -> str:
    path = Path(fixture)
    if not path.exists():
        path = FIXTURES / fixture
    if not path.exists():
        raise click.BadParameter(f"no such file, nor in {FIXTURES}", param_hint="FIXTURE")
    return path.read_text(encoding="utf-8")


def _fresh_ids(xml: str) -> str:
    now = clock.timestamp()
    xml = re.sub(r"<CreateTime>\s*\d+\s*</CreateTime>", f"<CreateTime>{now}</CreateTime>", xml)
    msg_id = str(now * 10**9 + secrets.randbelow(10**9))
    return re.sub(r"<MsgId>\s*\d+\s*</MsgId>", f"<MsgId>{msg_id}</MsgId>", xml)
