"""Entries without typed ids (issue 15): a new entry's id is made for it, staff pick an
existing entry by searching its questions (the unanswered queue, 答错反馈), breadcrumbs show the
question; and versions count published changes: 1, then 2 after one edit, whatever drafts,
reviews and 退回修改 it took."""

from __future__ import annotations

import re

import pytest
from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import Dispute, Exchange
from knowledge import curation, entry_ids, entry_picker
from knowledge.models import Entry
from shebao.clock import utcnow

pytestmark = pytest.mark.usefixtures("fixed_clock")

ENTRY = "unemployment-benefit-duration"
RETIREMENT = "pension-retirement-age"  # 延迟退休是怎么规定的？现在多大岁数退休？
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,119}$")
NEW_ENTRY = {
    "question": "灵活就业人员退休后医保怎么续？",
    "similar_questions": "灵活就业退休医保\n退休了医保还要交吗灵活就业\n灵活就业人员退休医保续费",
    "answer": "灵活就业人员退休后，医保按当地规定办理续保（测试答案）。",
    "region": "江门市",
    "category": "医疗保险",
    "source_title": "测试依据文件",
    "action": "save",
}


def _exchange(app: Flask, text: str) -> int:
    with app.extensions["shebao"].db.session() as s:
        ex = Exchange(
            channel="wechat",
            user_key="wechat:o-asker",
            message=text,
            normalized=text,
            intent="policy.faq",
            confidence=0.2,
            outcome="abstained",
            reply="…",
            latency_ms=1.0,
            created_at=utcnow(),
        )
        s.add(ex)
        s.flush()
        return ex.id


def _work(app: Flask, entry_id: str) -> curation.Work:
    with app.extensions["shebao"].db.session() as s:
        return curation.working_copy(s, entry_id)


def _version(app: Flask, entry_id: str = ENTRY) -> int:
    with app.extensions["shebao"].db.session() as s:
        entry = s.get(Entry, entry_id)
        assert entry is not None
        return entry.version


# ── generated ids ────────────────────────────────────────────────────────────────────────────


def test_a_new_entry_is_made_without_typing_an_id(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    form = client.get("/admin/entries/new").get_data(as_text=True)
    assert 'name="id"' not in form and "条目编号" not in form
    response = auth.post("/admin/entries/new", NEW_ENTRY)
    assert response.status_code == 302
    entry_id = response.location.rsplit("/", 1)[-1]
    assert SLUG.match(entry_id) and entry_id.endswith("-jiangmen")
    assert entry_id.startswith("linghuojiuyerenyuan-")  # the question's pinyin, word by word
    with app.extensions["shebao"].db.session() as s:
        entry = s.get(Entry, entry_id)
        assert entry is not None
        assert (entry.question, entry.status, entry.version) == (
            NEW_ENTRY["question"],
            "draft",
            1,
        )
        assert entry.topic == entry_id
    page = client.get(f"/admin/entries/{entry_id}").get_data(as_text=True)
    crumbs = re.search(r'<p class="crumbs">(.*?)</p>', page, re.S)
    assert crumbs is not None and "灵活就业人员退休后医保怎么续" in crumbs.group(1)
    assert entry_id not in crumbs.group(1)
    edit = client.get(f"/admin/entries/{entry_id}/edit").get_data(as_text=True)
    assert 'name="id"' not in edit
    # The id stays when the question changes.
    changed = {**NEW_ENTRY, "question": "灵活就业人员退休以后医保怎么办？"}
    assert auth.post(f"/admin/entries/{entry_id}/edit", changed).status_code == 302
    assert _work(app, entry_id).data["question"] == "灵活就业人员退休以后医保怎么办？"


def test_a_regional_variant_picks_its_topic_by_question(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    form = client.get("/admin/entries/new").get_data(as_text=True)
    assert f'<option value="{ENTRY}">失业保险金最长能领多长时间？（全国）</option>' in form
    variant = {
        **NEW_ENTRY,
        "question": "失业保险金最长能领多长时间？",
        "similar_questions": "江门失业金最长领多久\n江门失业金能领几个月\n江门失业金最多领多久",
        "topic": ENTRY,
    }
    response = auth.post("/admin/entries/new", variant)
    assert response.status_code == 302
    entry_id = response.location.rsplit("/", 1)[-1]
    with app.extensions["shebao"].db.session() as s:
        entry = s.get(Entry, entry_id)
        assert entry is not None and (entry.topic, entry.region) == (ENTRY, "江门市")
    page = client.get(f"/admin/entries/{entry_id}").get_data(as_text=True)
    assert "失业保险金最长能领多长时间？（全国、江门市）" in page


def test_a_taken_id_gets_a_number_and_imported_ids_are_kept(app: Flask) -> None:
    taken = {"tuixiunianling-shi-duoshao-jiangmen", "tuixiunianling-shi-duoshao-jiangmen-2"}
    made = entry_ids.generate("退休年龄是多少？", "江门市", taken.__contains__)
    assert made == "tuixiunianling-shi-duoshao-jiangmen-3"
    assert entry_ids.generate("退休年龄是多少？", "全国", taken.__contains__) == (
        "tuixiunianling-shi-duoshao"
    )
    assert SLUG.match(entry_ids.stem("？？", "全国"))
    assert len(entry_ids.stem("失业" * 80, "赣县区")) <= 120
    with app.extensions["shebao"].db.session() as s:
        assert s.get(Entry, ENTRY) is not None  # shipped content keeps its ids


# ── picking an entry by its questions ────────────────────────────────────────────────────────


def test_the_picker_finds_entries_by_their_questions_and_similar_wordings(app: Flask) -> None:
    with app.extensions["shebao"].db.session() as s:
        found = entry_picker.find(s, "退休")
        assert found and all("退休" in (m.question + (m.matched or "")) for m in found)
        assert RETIREMENT in {m.id for m in found}
        assert {m.region for m in found} >= {"全国"}
        # A similar wording, not the text of any question: 多大岁数 ~ 多大年纪.
        near = entry_picker.find(s, "多大年纪退休")
        assert RETIREMENT in [m.id for m in near[:3]]
        assert entry_picker.find(s, "火星移民签证") == []
        archived = curation.archive(s, RETIREMENT, "admin")
        assert RETIREMENT not in {m.id for m in entry_picker.find(s, "退休")}
        assert archived.status == "archived"


def test_the_queue_adds_a_wording_to_an_entry_found_by_searching(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    wording = "我们这里男的到底几岁能退"
    ids = str(_exchange(app, wording))
    auth.login("editor")
    queue = client.get("/admin/queue").get_data(as_text=True)
    assert 'list="entry-ids"' not in queue and "条目编号" not in queue
    assert 'action="/admin/queue/add"' in queue and 'name="q"' in queue

    page = client.get(f"/admin/queue/add?ids={ids}&q=退休").get_data(as_text=True)
    assert wording in page
    assert f'name="entry_id" value="{RETIREMENT}"' in page
    assert "延迟退休是怎么规定的？现在多大岁数退休？" in page and "全国" in page
    assert "失业保险金最长能领多长时间" not in page

    response = auth.post("/admin/queue/add", {"ids": ids, "entry_id": RETIREMENT})
    assert response.status_code == 302 and response.location.endswith(RETIREMENT)
    work = _work(app, RETIREMENT)
    assert work.pending and work.status == "review"
    assert wording in work.data["similar_questions"]
    with app.extensions["shebao"].db.session() as s:
        assert s.scalar(select(Exchange.triage).where(Exchange.id == int(ids))) == "resolved"
    shown = client.get(f"/admin/entries/{RETIREMENT}").get_data(as_text=True)
    assert "已把1个问法加入条目「延迟退休是怎么规定的？现在多大岁数退休？」" in shown


def test_the_picker_page_without_a_choice_asks_for_one(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    ids = str(_exchange(app, "退休以后医保还交不交"))
    auth.login("editor")
    default = client.get(f"/admin/queue/add?ids={ids}").get_data(as_text=True)
    assert 'value="退休以后医保还交不交"' in default  # the first search is the citizen's wording
    assert "退休以后还要继续交医保吗？" in default
    response = auth.post("/admin/queue/add", {"ids": ids}, follow_redirects=True)
    assert "请先搜索并选择一个条目" in response.get_data(as_text=True)
    nothing = client.get(f"/admin/queue/add?ids={ids}&q=火星移民签证").get_data(as_text=True)
    assert "没有找到问题与「火星移民签证」相近的条目" in nothing


def test_disputes_pick_the_meant_entry_by_searching(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    exchange = _exchange(app, "几岁退休")
    with app.extensions["shebao"].db.session() as s:
        dispute = Dispute(
            kind="dispute",
            channel="wechat",
            user_key="wechat:o-asker",
            exchange_id=exchange,
            entry_id=ENTRY,
            entry_version=1,
            question="几岁退休",
            answer="失业保险金最长领24个月。",
            said="不对",
            wording="男职工几岁退休",
            offered=[],
        )
        s.add(dispute)
        s.flush()
        dispute_id = str(dispute.id)
    auth.login("editor")
    listing = client.get("/admin/disputes").get_data(as_text=True)
    assert 'list="entry-ids"' not in listing and 'action="/admin/disputes/add"' in listing
    page = client.get(f"/admin/disputes/add?ids={dispute_id}&q=退休").get_data(as_text=True)
    assert "男职工几岁退休" in page and f'value="{RETIREMENT}"' in page
    response = auth.post("/admin/disputes/add", {"ids": dispute_id, "entry_id": RETIREMENT})
    assert response.location.endswith(RETIREMENT)
    assert "男职工几岁退休" in _work(app, RETIREMENT).data["similar_questions"]


# ── versions ─────────────────────────────────────────────────────────────────────────────────


def _edit(auth: AuthActions, app: Flask, answer: str) -> None:
    data = _work(app, ENTRY).data
    form = {
        "topic": data["topic"],
        "question": data["question"],
        "similar_questions": "\n".join(data["similar_questions"]),
        "answer": answer,
        "region": data["region"],
        "category": data["category"],
        "keywords": "、".join(data["keywords"]),
        "source_title": data["source_title"],
        "source_number": data["source_number"] or "",
        "source_date": data["source_date"] or "",
        "action": "submit",
    }
    assert auth.post(f"/admin/entries/{ENTRY}/edit", form).status_code == 302


def test_versions_count_published_changes_across_a_return(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    assert _version(app) == 1
    original = _work(app, ENTRY).data["answer"]
    auth.login("editor")
    _edit(auth, app, original + "（第一次修改）")
    assert (_version(app), _work(app, ENTRY).version) == (1, 2)
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/admin/entries/{ENTRY}/return", {"comment": "请写明文号。"})
    assert (_work(app, ENTRY).status, _work(app, ENTRY).version) == ("draft", 2)
    auth.logout()
    auth.login("editor")
    _edit(auth, app, original + "（第一次修改，补了文号）")
    assert _work(app, ENTRY).version == 2
    auth.logout()
    auth.login("reviewer")
    auth.post(f"/admin/entries/{ENTRY}/publish")
    assert _version(app) == 2
    auth.logout()

    auth.login("editor")
    _edit(auth, app, original + "（第二次修改）")
    auth.logout()
    auth.login("reviewer2")
    auth.post(f"/admin/entries/{ENTRY}/publish")
    assert _version(app) == 3

    with app.extensions["shebao"].db.session() as s:
        steps = [(r.version, r.action, r.data["status"]) for r in curation.history(s, ENTRY)]
        assert steps == [
            (1, "import", "published"),
            (2, "edit", "draft"),
            (2, "submit", "review"),
            (2, "return", "draft"),
            (2, "edit", "draft"),
            (2, "submit", "review"),
            (2, "publish", "published"),
            (3, "edit", "draft"),
            (3, "submit", "review"),
            (3, "publish", "published"),
        ]
        ids = [r.id for r in curation.history(s, ENTRY)]
    history = client.get(f"/admin/entries/{ENTRY}/history").get_data(as_text=True)
    assert "当前对外的是第3版" in history
    assert history.count("第2版</td>") == 6 and history.count("第3版") >= 3
    assert "退回修改" in history and "意见：请写明文号。" in history
    assert history.count('badge badge-published">对外') == 1
    # The comparison goes by revision: the returned draft against the one published after it.
    diff = client.get(f"/admin/entries/{ENTRY}/diff?a={ids[3]}&b={ids[6]}").get_data(as_text=True)
    assert "第2版（草稿） → 第2版（已发布）" in diff
    assert "<ins>补</ins>" in diff or "<ins>补了</ins>" in diff
    assert "<h2>答案</h2>" in diff and "<h2>状态</h2>" in diff
    assert "退回修改，Reviewer，" in diff  # the action in Chinese, the author's display name
    for english in ("similar_questions", "answer<", "status<", "published", "reviewer，"):
        assert english not in diff
