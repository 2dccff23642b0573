"""Regions through the engine: every way of naming a place, failing closed, and no place.

Figures of the shipped base these tests lean on: 城乡居民基础养老金最低标准 is 242.5 元 in 江门,
240 元 in 茂名 (广东省's entry gives no figure, it sends the asker to their city); only 金湖县
has an entry on a lost 社保卡 (its bank branches: 金城支行).
"""

from __future__ import annotations

import pytest

from bot.engine import Bot
from tests.bot.conftest import Ask

MINIMUM = "居民养老的基础养老金，每个月最低发多少"
JIANGMEN, MAOMING = "242.5", "240"
LOST_CARD = "我的社保卡找不到了，要怎么补一张"
JINHU_BRANCH = "金城支行"


def _state_region(bot: Bot, user: str) -> str | None:
    return bot.dialogue.load(f"wechat:{user}").region


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("江门市新会区" + MINIMUM, JIANGMEN),  # a district inside a served city
        ("广东省茂名市" + MINIMUM, MAOMING),  # province and city, full names
        ("广东江门" + MINIMUM, JIANGMEN),  # province and city, short
        ("茂名市电白区" + MINIMUM, MAOMING),
    ],
)
def test_full_names_and_districts_find_their_city(ask: Ask, text: str, figure: str) -> None:
    reply = ask(text)
    other = MAOMING + "元" if figure == JIANGMEN else JIANGMEN
    assert reply.outcome == "answered" and figure in reply.text and other not in reply.text


@pytest.mark.parametrize("region", ["Jiangmen", "jiangmen shi", "江门", "广东省江门市"])
def test_a_region_field_in_any_form_is_resolved(ask: Ask, region: str) -> None:
    reply = ask(MINIMUM, region=region)
    assert reply.outcome == "answered" and reply.region == "江门市" and JIANGMEN in reply.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("我在广州上班，" + MINIMUM, None),
        (MINIMUM, "广州市"),
        ("我在Guangzhou，" + MINIMUM, None),
    ],
)
def test_an_unserved_place_gets_its_province_never_another_city(
    ask: Ask, text: str, region: str | None
) -> None:
    reply = ask(text, region=region)
    assert JIANGMEN not in reply.text and MAOMING + "元" not in reply.text
    assert reply.region in (None, "广东省", "全国")


def test_an_unserved_place_is_kept_in_the_dialogue_state(ask: Ask, bot: Bot) -> None:
    ask("我在东莞，" + MINIMUM, user="dg-1")
    assert _state_region(bot, "dg-1") == "东莞市"
    later = ask(MINIMUM, user="dg-1")  # no place named now: still 东莞's province
    assert later.region in (None, "广东省", "全国") and JIANGMEN not in later.text


def test_a_place_that_resolves_nowhere_gets_national_entries_only(ask: Ask) -> None:
    reply = ask("我在火星市，" + MINIMUM)
    assert JIANGMEN not in reply.text and MAOMING + "元" not in reply.text
    assert reply.region in (None, "全国")
    national = ask("我在火星市，失业保险金最长可以领多久")
    assert national.outcome == "answered" and national.region == "全国"


def test_the_state_region_comes_from_a_reply_like_wo_zai(ask: Ask, bot: Bot) -> None:
    first = ask(MINIMUM, user="wz-1")
    assert first.outcome == "clarified" and first.faq_id is None
    second = ask("我在江门市蓬江区", user="wz-1")
    assert second.outcome == "answered" and JIANGMEN in second.text  # the kept question
    assert _state_region(bot, "wz-1") == "蓬江区"
    third = ask("那最低标准是多少来着", user="wz-1")
    assert MAOMING + "元" not in third.text


def test_a_bare_county_name_is_a_place_when_it_answers_where(ask: Ask, bot: Bot) -> None:
    ask(MINIMUM, user="tz-1")
    reply = ask("信宜", user="tz-1")  # 信宜市, a county-level city under 茂名
    assert reply.outcome == "answered" and MAOMING in reply.text
    assert _state_region(bot, "tz-1") == "信宜市"


def test_no_place_gets_the_national_entry_where_there_is_one(ask: Ask) -> None:
    reply = ask("失业保险金最多能领多少个月")
    assert reply.outcome == "answered" and reply.region == "全国"


def test_no_place_and_only_one_places_entry_asks_for_the_city(ask: Ask) -> None:
    first = ask(LOST_CARD)
    assert first.outcome == "clarified" and first.faq_id is None
    assert JINHU_BRANCH not in first.text and "地区" in first.text
    second = ask("金湖")
    assert second.outcome == "answered" and JINHU_BRANCH in second.text


def test_the_greetings_own_example_asks_where_before_answering(ask: Ask) -> None:
    first = ask("养老金资格认证怎么办")
    assert first.outcome == "clarified" and first.faq_id is None
    second = ask("江门")
    assert second.outcome == "answered" and second.region == "江门市"


def test_a_known_place_without_an_entry_is_told_so(ask: Ask) -> None:
    reply = ask(LOST_CARD, region="江门市")
    assert JINHU_BRANCH not in reply.text and reply.faq_id is None
    assert "金湖县" in reply.text and "江门市" in reply.text and "12333" in reply.text
    assert reply.outcome == "abstained"


@pytest.mark.parametrize("text", ["社保卡丢了怎么办", "社保卡不见了去哪补"])
def test_a_sure_match_elsewhere_beats_a_weaker_local_entry_the_second_opinion_agrees_with(
    ask: Ask, bot: Bot, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 广东's entry on what the card is for resembles the question, and e5 (which sees only the
    # asker's entries) agreed with it; the question is the lost card's, which only 金湖 has.
    monkeypatch.setattr(bot.understanding, "agrees", lambda *args: True)
    reply = ask(text, region="江门市")
    assert reply.faq_id is None and reply.outcome == "abstained"
    assert "金湖县" in reply.text and "12333" in reply.text


def test_a_province_asker_is_asked_for_the_city_when_a_city_has_the_entry(ask: Ask) -> None:
    reply = ask("村里有没有能办社保的服务点", region="广东省")
    assert reply.outcome in ("clarified", "answered")
    if reply.outcome == "clarified":
        assert "江门市" in reply.text or "茂名市" in reply.text
        assert ask("茂名").region == "茂名市"


def test_certification_with_a_known_city_is_that_citys_answer(ask: Ask) -> None:
    reply = ask("养老金资格认证怎么办", region="江门市")
    assert reply.outcome == "answered" and reply.faq_id == "cert-how-jiangmen"
    assert "（适用：江门市）" in reply.text


def test_masking_never_serves_another_places_entry(bot: Bot) -> None:
    index = bot.understanding.index
    for region in ("广州市", "新会区", "火星市"):
        for text in (MINIMUM, LOST_CARD, "网上能办哪些社保业务"):
            for hit in index.search(text, region):
                assert bot.understanding.regions.applies(hit.entry.region, region)
