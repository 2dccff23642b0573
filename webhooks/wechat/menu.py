"""The Official Account's custom menu: its definition, WeChat's limits on it, and the push.

Every CLICK button's key is a key of ``handlers.CLICK_ACTIONS`` (what a click means);
labels live in ``texts.MENU_LABELS``. WeChat allows at most 3 top-level buttons (so
失业金申领 and 转人工 sit under 办事服务), 5 sub-buttons each, and short names.
"""

from __future__ import annotations

import copy
from typing import Any

from webhooks.wechat.handlers import CLICK_ACTIONS
from webhooks.wechat.outbound import WeChatOutbound
from webhooks.wechat.texts import MENU_LABELS


def _click(label: str, key: str) -> dict[str, str]:
    return {"type": "click", "name": MENU_LABELS[label], "key": key}


MENU: dict[str, Any] = {
    "button": [
        _click("policy", "MENU_POLICY"),
        _click("my_shebao", "MENU_MY_SHEBAO"),
        {
            "name": MENU_LABELS["services"],
            "sub_button": [
                _click("apply_unemployment", "MENU_APPLY_UNEMPLOYMENT"),
                _click("human", "MENU_HUMAN"),
            ],
        },
    ]
}

TOP_LEVEL_MAX, SUB_MAX = 3, 5
TOP_NAME_MAX_BYTES, SUB_NAME_MAX_BYTES, KEY_MAX_BYTES = 16, 60, 128


def menu_definition() -> dict[str, Any]:
    """A copy of the menu as WeChat's ``menu/create`` API takes it."""
    return copy.deepcopy(MENU)


def menu_problems(menu: dict[str, Any]) -> list[str]:
    """What WeChat would refuse, or what no handler answers; empty when the menu is fine."""
    problems: list[str] = []
    buttons = menu.get("button", [])
    if not 1 <= len(buttons) <= TOP_LEVEL_MAX:
        problems.append(f"{len(buttons)} top-level buttons (1 to {TOP_LEVEL_MAX} allowed)")
    keys: list[str] = []
    for button in buttons:
        subs = button.get("sub_button")
        _check_name(button, TOP_NAME_MAX_BYTES, problems)
        if subs:
            if len(subs) > SUB_MAX:
                problems.append(f"{button['name']}: {len(subs)} sub-buttons (max {SUB_MAX})")
            for sub in subs:
                _check_name(sub, SUB_NAME_MAX_BYTES, problems)
                keys += _click_key(sub, problems)
        else:
            keys += _click_key(button, problems)
    for key in keys:
        if key not in CLICK_ACTIONS:
            problems.append(f"CLICK key {key} has no entry in CLICK_ACTIONS")
    for key in CLICK_ACTIONS:
        if key not in keys:
            problems.append(f"CLICK_ACTIONS key {key} is not on the menu")
    return problems


def push_menu(outbound: WeChatOutbound, menu: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the menu through the outbound adapter (``menu/create``); WeChat's answer."""
    menu = menu if menu is not None else menu_definition()
    problems = menu_problems(menu)
    if problems:
        raise ValueError("menu not pushed: " + "; ".join(problems))
    return outbound.create_menu(menu)


def _check_name(button: dict[str, Any], limit: int, problems: list[str]) -> None:
    name = str(button.get("name", ""))
    if not name or len(name.encode("utf-8")) > limit:
        problems.append(f"button name {name!r} empty or over {limit} bytes")


def _click_key(button: dict[str, Any], problems: list[str]) -> list[str]:
    if button.get("type") != "click":
        return []
    key = str(button.get("key", ""))
    if not key or len(key.encode("utf-8")) > KEY_MAX_BYTES:
        problems.append(f"button {button.get('name')!r}: key empty or over {KEY_MAX_BYTES} bytes")
        return []
    return [key]
