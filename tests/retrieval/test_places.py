"""The one resolver from a way of naming a place to a region, on the shipped gazetteer."""

from __future__ import annotations

import pytest

from knowledge.places import stem_of
from knowledge.regions import ROOT, load_regions


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # full administrative names, served and not
        ("赣州市赣县区", "赣县区"),
        ("淮安市金湖县", "金湖县"),
        ("广东省茂名市", "茂名市"),
        ("江门市新会区", "新会区"),
        ("广州市", "广州市"),
        # province plus city, without the suffixes
        ("广东茂名", "茂名市"),
        ("江苏淮安", "淮安市"),
        # short names of cities and served counties; the 2016 name of 赣县 from the alias
        ("茂名", "茂名市"),
        ("金湖", "金湖县"),
        ("赣县", "赣县区"),
        ("赣县区", "赣县区"),
        # traditional characters and full-width forms
        ("贛州市贛縣區", "赣县区"),
        ("江門", "江门市"),
        # inside a sentence: the most specific place wins
        ("我在茂名市电白区上班", "电白区"),
        ("我老家是淮安的，现在住在金湖县城", "金湖县"),
        ("我在佛山打工，户口在广西", "佛山市"),
        # a county of a served city by its bare stem, as its people say it
        ("我阿爷住鹤山，行唔到路", "鹤山市"),
        ("我们家老人在信宜", "信宜市"),
        ("开平嗰边退休人员养老金", "开平市"),
        ("我在新会上班", "新会区"),
        ("化州的农民工", "化州市"),
    ],
)
def test_names_of_places(text: str, region: str) -> None:
    assert load_regions().find(text) == region


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Maoming", "茂名市"),
        ("maoming shi", "茂名市"),
        ("GuangDong", "广东省"),
        ("I work in Foshan now", "佛山市"),
        ("jinhu xian", "金湖县"),
        ("Xi'an", "西安市"),
    ],
)
def test_pinyin_names_provinces_cities_and_served_places(text: str, region: str) -> None:
    assert load_regions().find(text) == region


@pytest.mark.parametrize(
    "text",
    [
        "失业金一个月能领多少钱",
        "通道那边排队的人多吗",  # 通道侗族自治县's stem is an ordinary word
        "新会员怎么注册",  # 新会区's stem starts a word (knowledge/places.yaml words)
        "和平年代的老兵有什么待遇",  # a served province's county stem is not free: 和平县
        "大方向上社保怎么交",  # 大方县
        "我家在城区，办社保去哪",  # 城区 (山西) is a two-character full name
        "粤北山区的老人怎么认证",  # 北山区 is no county, 山区 is a word
        "中山路上的社保网点几点开门",  # a street named after a city
        "三明治店的员工要交社保吗",  # 三明 needs its parent
        "祝您身体安康",  # 安康 too
        "hello, can you help me",
    ],
)
def test_ordinary_words_are_not_places(text: str) -> None:
    assert load_regions().find(text) is None


def test_a_county_stem_counts_next_to_its_parent_or_as_a_whole_reply() -> None:
    regions = load_regions()
    assert regions.find("佛山顺德的农民工") == "顺德区"
    assert regions.find("顺德的农民工") is None  # a bare county stem of a city not served
    assert regions.canonical("顺德", asked=True) == "顺德区"  # the answer to "where are you?"
    assert regions.canonical("我在顺德", asked=True) == "顺德区"


def test_one_name_many_places_takes_the_named_parent_or_stays_unresolved() -> None:
    regions = load_regions()
    assert regions.find("南京鼓楼区") == "南京市鼓楼区"
    assert regions.find("福州鼓楼区") == "福州市鼓楼区"
    assert regions.find("我在鼓楼区") == "鼓楼区"  # named, but which one is not known
    assert regions.ancestors("鼓楼区") == ["鼓楼区", ROOT]
    assert regions.find("吉林") == "吉林省"  # a province and a city: the province


def test_a_place_named_but_unknown_is_kept_as_named() -> None:
    regions = load_regions()
    assert regions.find("我在火星市打工，社保怎么交") == "火星市"
    assert regions.ancestors("火星市") == ["火星市", ROOT]
    assert regions.find("我在这个城市打工") is None
    assert regions.find("我在农贸市场摆摊") is None
    assert regions.canonical("月亮镇", asked=True) == "月亮镇"
    assert regions.canonical("不知道", asked=True) is None


def test_every_place_hangs_into_the_served_tree_by_its_adcode() -> None:
    regions = load_regions()
    assert regions.ancestors("新会区") == ["新会区", "江门市", "广东省", ROOT]
    assert regions.ancestors("广州市") == ["广州市", "广东省", ROOT]
    assert regions.ancestors("淮安区") == ["淮安区", "淮安市", "江苏省", ROOT]
    assert regions.ancestors("北京市朝阳区") == ["北京市朝阳区", "北京市", ROOT]
    assert regions.served_chain("广州市") == ("广东省", ROOT)
    assert regions.served_chain("蓬江区") == ("江门市", "广东省", ROOT)


def test_masking_fails_closed_for_places_not_served() -> None:
    regions = load_regions()
    assert regions.applies("广东省", "广州市") and regions.applies(ROOT, "广州市")
    assert not regions.applies("江门市", "广州市")
    assert regions.applies("江门市", "新会区") and not regions.applies("茂名市", "新会区")
    assert regions.applies(ROOT, "火星市") and not regions.applies("广东省", "火星市")


def test_a_region_given_as_a_name_resolves_like_text() -> None:
    regions = load_regions()
    assert regions.resolve("茂名") == "茂名市"
    assert regions.resolve("广东省江门市") == "江门市"
    assert regions.resolve("Maoming") == "茂名市"
    assert regions.resolve("江门市") == "江门市"
    assert regions.resolve("火星") == "火星"  # unknown: only national entries apply there
    assert regions.applies("茂名市", "Maoming")  # a raw name still finds its ancestry


def test_stems_drop_suffixes_and_minorities() -> None:
    assert stem_of("广西壮族自治区") == "广西"
    assert stem_of("甘南藏族自治州") == "甘南"
    assert stem_of("巴音郭楞蒙古自治州") == "巴音郭楞"
    assert stem_of("连南瑶族自治县") == "连南"
    assert stem_of("江门市") == "江门"
    assert stem_of("香港特别行政区") == "香港"
    assert stem_of("沙县") is None  # one character would be left
