"""Checking and reading what citizens type into forms: ID numbers, names, phones, bank cards,
one-time codes, dates, yes/no and the reason for leaving a job.

Each ``read_*`` function takes the raw message and returns the value, or raises ``Invalid``
with the sentence that tells the citizen what to fix (naming the field).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from bot.personal import texts as t
from proxy.types import LeavingReason
from shebao import clock


class Invalid(ValueError):
    """The input is not a valid value for the field; ``message`` says why, for the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])\d{14,20}[Xx]?(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_DIGITS = re.compile(r"\d+")
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,6}$|^[\u4e00-\u9fff]{1,10}·[\u4e00-\u9fff]{1,10}$")
_NOT_NAME = (
    "我",
    "你",
    "社保",
    "查",
    "要",
    "申请",
    "绑定",
    "怎么",
    "什么",
    "多少",
    "取消",
    "确认",
    "继续",
    "人工",
    "养老",
    "失业",
    "医保",
    "谢谢",
    "不知道",
    "没有",
    "是的",
)


def plain(text: str) -> str:
    """Full-width to half-width, trimmed, inner spaces dropped between digits."""
    text = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"(?<=\d)[\s-]+(?=\d)", "", text)


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_valid(number: str) -> bool:
    return (
        bool(re.fullmatch(r"\d{17}[\dXx]", number))
        and id_check_digit(number[:17]) == number[17].upper()
        and _birth_ok(number)
    )


def _birth_ok(number: str) -> bool:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= clock.china_today()


def find_id_number(text: str) -> str | None:
    """The ID-number-like run of digits in ``text``, or None (not checked)."""
    m = _ID_RUN.search(plain(text))
    return m.group(0).upper() if m else None


def read_id_number(text: str) -> str:
    number = find_id_number(text)
    if number is None:
        raise Invalid(t.ID_MISSING)
    if len(number) != 18:
        raise Invalid(t.ID_WRONG_LENGTH.format(length=len(number)))
    if id_check_digit(number[:17]) != number[17]:
        raise Invalid(t.ID_WRONG_CHECK)
    if not _birth_ok(number):
        raise Invalid(t.ID_WRONG_DATE)
    return number


def find_phone(text: str) -> str | None:
    m = _PHONE.search(plain(text))
    return m.group(0) if m else None


def read_phone(text: str) -> str:
    phone = find_phone(text)
    if phone is None:
        raise Invalid(t.PHONE_INVALID)
    return phone


def looks_like_name(text: str) -> bool:
    name = clean_name(text)
    return bool(_NAME.match(name)) and not any(w in name for w in _NOT_NAME)


def clean_name(text: str) -> str:
    text = plain(text)
    text = re.sub(r"^(我叫|我是|姓名是|姓名[:：]?|名字是|名字[:：]?|本人)", "", text)
    return re.sub(r"[\s，。,.!！]", "", text).replace("•", "·").replace("．", "·")


def read_name(text: str) -> str:
    if not looks_like_name(text):
        raise Invalid(t.NAME_INVALID)
    return clean_name(text)


def read_code(text: str) -> str:
    m = re.fullmatch(r"(?:验证码)?[:：\s]*(\d{6})", plain(text))
    if not m:
        raise Invalid(t.CODE_INVALID)
    return m.group(1)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_card_number(text: str) -> str | None:
    runs = [r for r in _DIGITS.findall(plain(text)) if len(r) >= 8]
    return max(runs, key=len) if runs else None


def read_bank_card(text: str) -> str:
    number = find_card_number(text)
    if number is None:
        raise Invalid(t.PAYMENT_INVALID)
    if not 12 <= len(number) <= 19:
        raise Invalid(t.CARD_INVALID_LENGTH.format(length=len(number)))
    if not luhn_ok(number):
        raise Invalid(t.CARD_INVALID_CHECK)
    return number


_YES = {
    "是",
    "是的",
    "对",
    "对的",
    "正确",
    "没错",
    "有",
    "有的",
    "要",
    "需要",
    "愿意",
    "好",
    "好的",
    "可以",
    "嗯",
    "嗯嗯",
    "确认",
    "同意",
    "y",
    "yes",
    "ok",
}
_NO = {
    "否",
    "不",
    "不是",
    "不对",
    "没有",
    "无",
    "不要",
    "不需要",
    "不愿意",
    "暂时不",
    "n",
    "no",
    "不想",
    "暂时没有",
}


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for anything else (whole-message match)."""
    word = re.sub(r"[\s，。,.!！~]", "", plain(text)).lower()
    word = re.sub(r"(啊|呀|吧|哦|呢|的呀)$", "", word) or word
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


_DATE_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_SHORT = re.compile(r"(?<!\d)(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?")
_DATE_DIGITS = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


def read_date(text: str, today: date) -> date:
    """A past or present date: 2026-10-31, 2026年10月31日, 20261031, 10月31日, 昨天."""
    s = plain(text)
    relative = {"今天": 0, "昨天": 1, "前天": 2}
    for word, back in relative.items():
        if s.startswith(word):
            return today - timedelta(days=back)
    found: date | None = None
    try:
        if m := _DATE_FULL.search(s) or _DATE_DIGITS.search(s):
            found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := _DATE_SHORT.search(s):
            found = date(today.year, int(m.group(1)), int(m.group(2)))
            if found > today:
                found = found.replace(year=today.year - 1)
    except ValueError:
        found = None
    if found is None:
        raise Invalid(t.DATE_INVALID)
    if found > today:
        raise Invalid(t.DATE_FUTURE.format(today=chinese_date(today)))
    if found < today - timedelta(days=2 * 365):
        raise Invalid(t.DATE_TOO_EARLY)
    return found


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


REASONS = (
    LeavingReason.LAYOFF,
    LeavingReason.CONTRACT_EXPIRED,
    LeavingReason.DISMISSED,
    LeavingReason.MUTUAL_BY_EMPLOYER,
    LeavingReason.EMPLOYER_FAULT,
    LeavingReason.RESIGNED,
    LeavingReason.OTHER,
)
# Checked in this order: "被迫辞职" is the employer's fault, "被辞退" is not resigning.
_REASON_WORDS = (
    (
        LeavingReason.EMPLOYER_FAULT,
        ("被迫", "拖欠工资", "欠薪", "不交社保", "不给交社保", "单位过错"),
    ),
    (LeavingReason.DISMISSED, ("辞退", "开除", "解雇", "炒鱿鱼", "被炒", "解除劳动合同")),
    (LeavingReason.MUTUAL_BY_EMPLOYER, ("协商",)),
    (LeavingReason.CONTRACT_EXPIRED, ("合同到期", "期满", "合同满", "不续签", "不续约", "到期")),
    (LeavingReason.LAYOFF, ("裁员", "裁减", "倒闭", "破产", "关门", "减员")),
    (LeavingReason.RESIGNED, ("辞职", "主动离职", "自己不干", "自离", "自动离职", "跳槽")),
    (LeavingReason.OTHER, ("其他", "其它")),
)


def reason_options() -> str:
    return "\n".join(f"{i}. {r.label}" for i, r in enumerate(REASONS, 1))


def read_reason(text: str) -> LeavingReason:
    s = re.sub(r"[\s，。,.!！]", "", plain(text))
    if m := re.fullmatch(r"第?([1-7])(?:个|项|条)?", s):
        return REASONS[int(m.group(1)) - 1]
    for reason in REASONS:
        if s == reason.label:
            return reason
    for reason, words in _REASON_WORDS:
        if any(w in s for w in words):
            return reason
    raise Invalid(t.REASON_INVALID)
