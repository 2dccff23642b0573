"""Reply shaping (byte limit, CDATA escaping), the menu and the ``wechat`` click commands."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import StubWeChatApi
from flask import Flask

from app.wechat_cli import wechat as wechat_group
from webhooks.wechat import texts
from webhooks.wechat.menu import menu_definition, menu_problems
from webhooks.wechat.protocol import cdata, escaped_size, fit_bytes

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"


def test_cdata_splits_the_terminator_and_drops_illegal_characters() -> None:
    assert cdata("a]]>b") == "a]]]]><![CDATA[>b"
    assert cdata("tab\tok\x00\x1bgone") == "tab\tokgone"
    assert cdata("<&>") == "<&>"  # inside CDATA these need no escaping


def test_fit_bytes_leaves_short_text_alone() -> None:
    assert fit_bytes("您好。", 100) == "您好。"


def test_fit_bytes_cuts_at_a_sentence_end_and_counts_escapes() -> None:
    text = "第一句话。" * 50 + "]]>" * 40
    cut = fit_bytes(text, 300)
    assert escaped_size(cut) <= 300
    assert cut.endswith(texts.TRUNCATED)
    assert cut.removesuffix(texts.TRUNCATED).endswith("。")


def test_fit_bytes_cuts_mid_sentence_when_no_sentence_ends_near() -> None:
    cut = fit_bytes("长" * 1000, 400)
    assert escaped_size(cut) <= 400 and cut.startswith("长" * 50)


def test_the_menu_is_valid_and_every_click_key_is_answered() -> None:
    menu = menu_definition()
    assert menu_problems(menu) == []
    names = [b["name"] for b in menu["button"]]
    assert names == ["政策问答", "我的社保", "办事服务"]
    subs = [s["name"] for s in menu["button"][2]["sub_button"]]
    assert subs == ["失业金申领", "转人工"]


def test_the_menu_checks_wechat_limits() -> None:
    menu = menu_definition()
    menu["button"].append({"type": "click", "name": "第四个按钮名字太长", "key": "MENU_X"})
    problems = menu_problems(menu)
    assert any("top-level" in p for p in problems)
    assert any("MENU_X" in p for p in problems)
    assert any("over 16 bytes" in p for p in problems)


def test_menu_command_without_appid_prints_the_json_and_does_not_push(runner: Any) -> None:
    result = runner.invoke(wechat_group, ["menu"])
    assert result.exit_code == 0, result.output
    printed, note = result.output.rsplit("}\n", 1)
    assert json.loads(printed + "}") == menu_definition()
    assert "Not pushed" in note


def test_menu_command_pushes_with_appid_and_secret(
    runner: Any, monkeypatch: pytest.MonkeyPatch, wechat_api: StubWeChatApi
) -> None:
    monkeypatch.setenv("WECHAT_APPID", "wx0123456789abcdef")
    monkeypatch.setenv("WECHAT_APP_SECRET", "not-a-real-secret")
    monkeypatch.setenv("WECHAT_API_BASE_URL", wechat_api.base)
    result = runner.invoke(wechat_group, ["menu"])
    assert result.exit_code == 0, result.output
    assert "Menu pushed" in result.output
    assert wechat_api.sent("menu/create") == [menu_definition()]


def test_menu_command_with_recording_does_not_push(
    runner: Any, monkeypatch: pytest.MonkeyPatch, wechat_api: StubWeChatApi
) -> None:
    monkeypatch.setenv("WECHAT_APPID", "wx0123456789abcdef")
    monkeypatch.setenv("WECHAT_APP_SECRET", "not-a-real-secret")
    monkeypatch.setenv("WECHAT_API_BASE_URL", wechat_api.base)
    monkeypatch.setenv("WECHAT_OUTBOUND", "recording")
    result = runner.invoke(wechat_group, ["menu"])
    assert result.exit_code == 0, result.output
    assert "Not pushed" in result.output and wechat_api.calls == []


def test_replay_posts_a_signed_fixture_and_prints_the_reply(
    runner: Any, live_server: str, bot: Any
) -> None:
    result = runner.invoke(
        wechat_group,
        ["replay", "text.xml", "--url", live_server + "/wechat", "--token", "test-token"],
    )
    assert result.exit_code == 0, result.output
    assert "HTTP 200" in result.output
    assert "答复：灵活就业人员怎么参加养老保险" in result.output
    assert bot.texts == ["灵活就业人员怎么参加养老保险"]


def test_replay_makes_each_post_a_new_message_unless_told(
    runner: Any, live_server: str, bot: Any
) -> None:
    args = ["replay", "text.xml", "--url", live_server + "/wechat", "--token", "test-token"]
    runner.invoke(wechat_group, args)
    runner.invoke(wechat_group, args)
    assert len(bot.calls) == 2
    runner.invoke(wechat_group, [*args, "--keep-ids"])
    runner.invoke(wechat_group, [*args, "--keep-ids"])
    assert len(bot.calls) == 3


def test_replay_with_a_wrong_token_reports_403(runner: Any, live_server: str, bot: Any) -> None:
    result = runner.invoke(
        wechat_group, ["replay", "text.xml", "--url", live_server + "/wechat", "--token", "wrong"]
    )
    assert result.exit_code == 1
    assert "HTTP 403" in result.output and bot.calls == []


class TestSafeModeReplay:
    @pytest.fixture
    def app_config(self, prepared_database_url: str) -> dict[str, Any]:
        return {
            "database_url": prepared_database_url,
            "wechat_token": "test-token",
            "wechat_aes_key": AES_KEY,
            "wechat_appid": APPID,
        }

    def test_replay_in_safe_mode_encrypts_and_decrypts(
        self, app: Flask, runner: Any, live_server: str, bot: Any
    ) -> None:
        result = runner.invoke(
            wechat_group,
            [
                "replay",
                "voice_recognition.xml",
                "--url",
                live_server + "/wechat",
                "--mode",
                "safe",
                "--token",
                "test-token",
                "--aes-key",
                AES_KEY,
                "--appid",
                APPID,
            ],
        )
        assert result.exit_code == 0, result.output
        assert "(reply decrypted)" in result.output
        assert "答复：失业金怎么领取" in result.output
        assert bot.texts == ["失业金怎么领取"]


def test_prune_forgets_old_records(
    app: Flask, runner: Any, wechat: Any, bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wechat.post("event_subscribe.xml")
    monkeypatch.setenv("DATABASE_URL", app.extensions["shebao"].settings.database_url)
    kept = runner.invoke(wechat_group, ["prune"])
    assert kept.exit_code == 0 and "Removed 0" in kept.output
    removed = runner.invoke(wechat_group, ["prune", "--older-than-hours", "-1"])
    assert "Removed 1" in removed.output
