from bot.shaping import cut, utf8_len

HINT = "（回复「更多」）"


def test_short_text_is_untouched() -> None:
    assert cut("失业金每月发放。", 2048, HINT) == ("失业金每月发放。", "")


def test_long_text_cut_at_sentence_boundary_within_limit() -> None:
    sentence = "失业保险金按月发放，标准为当地最低工资的百分之九十。"
    text = sentence * 80
    head, rest = cut(text, 2048, HINT)
    assert utf8_len(head) <= 2048
    assert head.endswith("。" + HINT)
    assert head[: -len(HINT)] + rest == text


def test_text_without_boundary_is_cut_on_a_character() -> None:
    head, rest = cut("长" * 1000, 100, HINT)
    assert utf8_len(head) <= 100
    assert head.endswith(HINT) and rest.startswith("长")
