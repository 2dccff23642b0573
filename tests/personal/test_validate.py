"""What citizens type into forms: GB 11643 ID numbers, phones, Luhn bank cards, dates, reasons."""

from __future__ import annotations

from datetime import date

import pytest

from bot.personal.sealed import keyed_hash, seal, unseal
from bot.personal.validate import (
    Invalid,
    id_check_digit,
    id_number_valid,
    luhn_ok,
    read_bank_card,
    read_date,
    read_id_number,
    read_phone,
    read_reason,
    yes_or_no,
)
from proxy.types import LeavingReason
from shebao.settings import Settings

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "number",
    ["440703199001011239", "440902195603152422", "440781198808083019", "11010519491231002X"],
)
def test_real_check_digits_pass(number: str) -> None:
    assert id_number_valid(number)
    assert id_check_digit(number[:17]) == number[17]


def test_wrong_check_digit_names_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        read_id_number("440703199001011238")
    assert "身份证号" in caught.value.message and "校验" in caught.value.message


def test_wrong_length_and_impossible_birth_date() -> None:
    with pytest.raises(Invalid, match="18位"):
        read_id_number("4407031990010112")
    number = "44070319901301123"  # month 13
    with pytest.raises(Invalid, match="出生日期"):
        read_id_number(number + id_check_digit(number))


def test_lowercase_x_and_full_width_digits_are_read() -> None:
    assert read_id_number("身份证：11010519491231002x") == "11010519491231002X"
    assert read_id_number("４４０７０３１９９００１０１１２３９") == "440703199001011239"


def test_phone() -> None:
    assert read_phone("我的手机 138 0013 8000") == "13800138000"
    for bad in ("12800138000", "1380013800", "电话"):
        with pytest.raises(Invalid, match="手机号"):
            read_phone(bad)


def test_luhn() -> None:
    assert luhn_ok("6217000010001234569") and not luhn_ok("6217000010001234567")
    assert read_bank_card("6217 0000 1000 1234 569") == "6217000010001234569"
    with pytest.raises(Invalid, match="校验不通过"):
        read_bank_card("6217000010001234567")
    with pytest.raises(Invalid, match="12到19位"):
        read_bank_card("62170000100")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-10-31", date(2026, 10, 31)),
        ("2026年10月31日", date(2026, 10, 31)),
        ("20261031", date(2026, 10, 31)),
        ("10月31号", date(2026, 10, 31)),
        ("12月1日", date(2025, 12, 1)),
        ("昨天", date(2026, 11, 23)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert read_date(text, TODAY) == expected


def test_dates_refused() -> None:
    with pytest.raises(Invalid, match="不能晚于今天"):
        read_date("2026-12-01", TODAY)
    with pytest.raises(Invalid, match="格式"):
        read_date("上个月吧", TODAY)
    with pytest.raises(Invalid, match="太早"):
        read_date("2020-01-01", TODAY)


@pytest.mark.parametrize(
    "text,reason",
    [
        ("1", LeavingReason.LAYOFF),
        ("公司裁员了", LeavingReason.LAYOFF),
        ("合同到期不续签", LeavingReason.CONTRACT_EXPIRED),
        ("被辞退", LeavingReason.DISMISSED),
        ("被迫辞职，单位拖欠工资", LeavingReason.EMPLOYER_FAULT),
        ("我自己辞职", LeavingReason.RESIGNED),
        ("6", LeavingReason.RESIGNED),
    ],
)
def test_reasons(text: str, reason: LeavingReason) -> None:
    assert read_reason(text) is reason


def test_yes_no_is_whole_message() -> None:
    assert yes_or_no("是的") is True and yes_or_no("不愿意") is False
    assert yes_or_no("是不是要去窗口") is None


def test_sealing_round_trip_and_keyed_hash() -> None:
    settings = Settings(secret_key="a")
    token = seal(settings, {"phone": "13800138000"})
    assert "13800138000" not in token
    assert unseal(settings, token) == {"phone": "13800138000"}
    assert unseal(Settings(secret_key="b"), token) is None
    assert keyed_hash(settings, "id", "x") != keyed_hash(Settings(secret_key="b"), "id", "x")
