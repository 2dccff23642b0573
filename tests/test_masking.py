from shebao.masking import mask_id, mask_phone, mask_text


def test_id_number_keeps_first_and_last_four() -> None:
    assert mask_id("440703199001011239") == "4407**********1239"


def test_phone_keeps_prefix_and_last_four() -> None:
    assert mask_phone("13800138000") == "138****8000"


def test_free_text_masks_every_kind() -> None:
    text = "我身份证440703199001011239，电话13800138000，卡号6222021234567890123"
    masked = mask_text(text)
    assert "440703199001011239" not in masked and "4407**********1239" in masked
    assert "13800138000" not in masked and "138****8000" in masked
    assert "6222021234567890123" not in masked and masked.endswith("0123")


def test_ordinary_numbers_untouched() -> None:
    assert mask_text("交了6年，每月242.5元，2024年") == "交了6年，每月242.5元，2024年"


def test_short_bank_card_numbers_are_masked() -> None:
    assert mask_text("卡号622202123456") == "卡号6222****3456"
