from bot.split import split_questions


def test_single_question_stays_whole() -> None:
    assert split_questions("你好，失业金怎么领？") == ["你好，失业金怎么领？"]


def test_numbered_questions_from_a_group_chat() -> None:
    text = "1.失业金怎么申请 2.养老金资格认证在哪里做 3.社保卡丢了怎么办"
    assert split_questions(text) == ["失业金怎么申请", "养老金资格认证在哪里做", "社保卡丢了怎么办"]


def test_one_per_line() -> None:
    text = "灵活就业怎么交社保\n第三代社保卡有什么用\n"
    assert split_questions(text) == ["灵活就业怎么交社保", "第三代社保卡有什么用"]


def test_run_together_with_question_marks() -> None:
    text = "失业金一个月多少钱？社保卡丢了去哪里补办？"
    assert split_questions(text) == ["失业金一个月多少钱？", "社保卡丢了去哪里补办？"]
