"""Policy documents in the console: the list, import with validation, a document's passages and
coverage report, and a draft entry prefilled from a passage."""

from __future__ import annotations

import io
import re

from console_helpers import AuthActions
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot import grounded
from bot.types import Message
from knowledge.document_models import Document, Passage

JINHU = "seed-jinhu-2024-newsletter"
NOTICE = "经研究，我市失业保险金标准调整为每人每月1986元。领取期间由失业保险基金代缴医疗保险费。"


def _fields(**changes: str) -> dict[str, object]:
    return {
        "title": "关于调整失业保险金标准的通知",
        "number": "江人社函〔2026〕98号",
        "issuer": "江门市人力资源和社会保障局",
        "date": "2026-11-01",
        "region": "江门市",
        "effective_from": "",
        "effective_to": "",
        **changes,
    }


def test_the_seeds_are_listed_and_their_page_shows_coverage(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("editor")
    listing = client.get("/admin/documents").get_data(as_text=True)
    assert "广东省社会保险事业发展“十四五”规划" in listing and "粤人社函〔2021〕378号" in listing
    page = client.get(f"/admin/documents/{JINHU}").get_data(as_text=True)
    assert "第三代社保卡持卡人数约11.5万人" in page  # a passage
    found = re.search(r"<strong>未覆盖 (\d+) 句</strong>", page)
    assert found and found.group(1) == "0"  # every seed figure covered or excluded
    assert "不覆盖：" in page and "条目：" in page and "可由原文回答" in page
    stating = re.findall(r'条目：<a href="/admin/entries/([^"]+)">([^<]+)</a>', page)
    assert stating and all(text != entry_id for entry_id, text in stating)  # by question


def test_a_quoted_passage_is_counted_on_the_page(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    bot = app.extensions["shebao"].bot
    reply = bot.handle(Message("wechat", "console-doc", "金湖县第三代社保卡持卡人数有多少"))
    assert reply.passage is not None and reply.passage.startswith(JINHU)
    position = int(reply.passage.split("#")[1])
    auth.login("editor")
    page = client.get(f"/admin/documents/{JINHU}").get_data(as_text=True)
    row = re.search(rf"<td>{position}</td>\s*<td>.*?</td>\s*<td>(\d+)</td>", page, re.S)
    assert row and row.group(1) == "1"


def test_a_draft_entry_is_prefilled_from_a_passage(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    with app.extensions["shebao"].db.session() as s:
        passage = s.scalars(
            select(Passage).where(Passage.document_id == JINHU, Passage.text.contains("11.5万"))
        ).first()
        assert passage is not None
        passage_id = passage.id
    auth.login("editor")
    form = client.get(f"/admin/entries/new?passage={passage_id}").get_data(as_text=True)
    assert "第三代社保卡持卡人数约11.5万人" in form
    assert 'value="县社保中心“下沉”打造经办服务“幸福门”等社保工作简讯"' in form
    assert re.search(r'<option selected value="金湖县">|<option value="金湖县" selected', form)


def test_import_through_the_console_validates_then_answers(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.login("editor")
    upload = {"file": (io.BytesIO(NOTICE.encode()), "notice.txt"), **_fields()}
    assert (
        auth.post("/admin/documents", upload, content_type="multipart/form-data").status_code == 403
    )
    auth.logout()
    auth.login("reviewer")
    bad = {
        "file": (io.BytesIO(NOTICE.encode()), "notice.txt"),
        **_fields(date="2026-13-01", title=""),
    }
    refused = auth.post("/admin/documents", bad, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "字段 date" in page and "字段 title" in page
    wrong_type = {"file": (io.BytesIO(b"x"), "notice.xls"), **_fields()}
    assert (
        auth.post("/admin/documents", wrong_type, content_type="multipart/form-data").status_code
        == 400
    )
    with app.extensions["shebao"].db.session() as s:
        assert s.scalar(select(Document).where(Document.number == "江人社函〔2026〕98号")) is None
    upload = {"file": (io.BytesIO(NOTICE.encode()), "notice.txt"), **_fields()}
    done = auth.post("/admin/documents", upload, content_type="multipart/form-data")
    assert done.status_code == 200 and "已导入《关于调整失业保险金标准的通知》" in done.get_data(
        as_text=True
    )
    bot = app.extensions["shebao"].bot
    grounded.passages_of(bot.understanding, bot.db).refresh()
    reply = bot.handle(Message("wechat", "console-doc-2", "江门失业保险金标准每月多少钱"))
    assert "每人每月1986元" in reply.text and "江人社函〔2026〕98号" in reply.text
