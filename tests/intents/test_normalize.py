"""The normalisation pipeline, one behaviour per test."""

import pytest

from bot.understanding import build_normalizer
from knowledge.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def normalize():  # type: ignore[no-untyped-def]
    return build_normalizer(load_vocabulary())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３社保卡", "abc123社保卡"),  # full-width → half-width
        ("點樣申請失業金", "怎样申请失业金"),  # traditional + Cantonese
        ("係唔係要去社保局", "是不是要去社保局"),
        ("我冇交夠十五年", "我没有交够十五年"),
        ("喺邊度辦社保卡", "在哪里办社保卡"),
        ("嗯那个就是说我想问一下失业金怎么领啊", "我想问一下失业金怎么领"),  # voice fillers
        ("失业金！！怎么领？？😀  ", "失业金怎么领"),  # punctuation, emoji, spaces
    ],
)
def test_pipeline(normalize, raw: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("社宝卡丢了", "社保卡丢了"),
        ("失业斤怎么领", "失业金怎么领"),
        ("养老精什么时候发", "养老金什么时候发"),
        ("怎么申清", "怎么申请"),
    ],
)
def test_pinyin_typos_on_domain_words(normalize, raw: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert normalize(raw) == expected


@pytest.mark.parametrize("correct", ["事业单位养老保险", "我的社保关系怎么转", "系统维护"])
def test_correct_words_are_left_alone(normalize, correct: str) -> None:  # type: ignore[no-untyped-def]
    assert normalize(correct) == correct


def test_mandarin_is_not_cantonised(normalize) -> None:  # type: ignore[no-untyped-def]
    assert normalize("我嘅社保关系") == "我的社保关系"


def test_cantonese_possessive_di_reads_as_de(normalize) -> None:  # type: ignore[no-untyped-def]
    assert normalize("佢啲社保交咗未") == "他的社保交了没"
    assert normalize("快啲帮我睇下") == "快一点帮我看下"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我想apply失业金", "我想申请失业金"),  # a term inside Chinese
        ("pension多少钱一个月", "养老金多少钱一个月"),
        ("Social-Security Cards丢了", "社保卡丢了"),  # case, hyphen, plural
        ("Can a freelancer join pension insurance?", "灵活就业人员参加养老保险"),  # all English
        ("thank you, bye", "谢谢再见"),
    ],
)
def test_english_terms_become_chinese(normalize, raw: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["this is his app", "wifi连不上", "asdfghjkl"])
def test_english_without_known_terms_is_left_alone(normalize, raw: str) -> None:  # type: ignore[no-untyped-def]
    assert normalize(raw) == raw.replace(" ", "")
