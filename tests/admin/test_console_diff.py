"""The comparison page: Chinese field names, the status as a whole Chinese value, lists by item,
the answer by sentence (and by word inside a reworded sentence)."""

from __future__ import annotations

import re

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient

from knowledge import curation
from webhooks.admin import diffs

ENTRY = "unemployment-benefit-duration"


def test_the_diff_page_speaks_chinese_and_marks_whole_units(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        live = curation.working_copy(s, ENTRY).revision_id
        data = curation.working_copy(s, ENTRY).data
        answer = data["answer"]
        data = {
            **data,
            "answer": answer + "新增的一句说明。",
            "similar_questions": [*data["similar_questions"], "失业金最多能拿几个月"],
        }
        curation.update(s, ENTRY, data, "editor")
        pending = curation.submit_for_review(s, ENTRY, "editor").id
    auth.login("reviewer")
    page = client.get(f"/admin/entries/{ENTRY}/diff?a={live}&b={pending}").get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings == ["其他问法", "答案", "状态"]
    shown = re.sub(r"<[^>]+>", "", page)  # the text a reader sees
    for english in ("similar_questions", "answer", "status", "published", "review"):
        assert english not in shown
    assert "<del>已发布</del>" in page and "<ins>待审核</ins>" in page
    assert "<ins>失业金最多能拿几个月</ins>" in page
    assert "<ins>新增的一句说明。</ins>" in page  # the added sentence, whole


def test_a_reworded_sentence_is_marked_by_word_and_the_rest_is_left_alone() -> None:
    before, after = diffs.mark(
        diffs.sentences("失业保险金最长领取24个月。其他不变。"),
        diffs.sentences("失业保险金最长领取36个月。其他不变。"),
        inner=diffs.by_words,
    )
    assert "<del>24</del>" in before and "<ins>36</ins>" in after
    assert "其他不变。" in after and "<ins>其他" not in after
    assert "<del>失业" not in before  # not letter by letter from the start


def test_values_are_shown_whole() -> None:
    change = diffs.shown(curation.FieldDiff("status", "published", "review", [], ""))
    assert (change.label, str(change.before), str(change.after)) == (
        "状态",
        "<del>已发布</del>",
        "<ins>待审核</ins>",
    )
    region = diffs.shown(curation.FieldDiff("region", "全国", "江门市", [], ""))
    assert region.label == "适用地区" and str(region.after) == "<ins>江门市</ins>"
