"""Masking of personal data (身份证号, phone numbers, bank cards) in logs and replies."""

from __future__ import annotations

import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{3})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{4,11}(\d{4})(?!\d)")  # 12–19 digits: bank cards


def mask_id(number: str) -> str:
    """4407**********1239: first four and last four characters kept."""
    number = number.strip()
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    number = number.strip()
    if len(number) != 11:
        return mask_id(number)
    return number[:3] + "****" + number[-4:]


def mask_text(text: str) -> str:
    """Mask every ID number, phone number and bank card number found in free text."""
    if not text:
        return text
    text = _ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _CARD.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    text = _ID15.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return text
