"""Policy documents: splitting into passages, ``shebao kb import-document`` (.txt, .docx, .pdf),
validation before any write, and re-import replacing the passages."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from dbutil import make_test_database_url
from pypdf import PdfWriter
from sqlalchemy import func, select

from app.kb_cli import kb
from knowledge.document_models import Document, Passage
from knowledge.documents import (
    paragraphs,
    read_text,
    sentences,
    split_passages,
    validate_shipped,
)
from shebao.db import Database

NOTICE = (
    "关于调整失业保险金标准的通知\n\n"
    "各县（市、区）人力资源和社会保障局：\n\n"
    "经研究，自2027年1月1日起，我市失业保险金标准调整为每人每月1980元。领取失业保险金期间，"
    "由失业保险基金代缴基本医疗保险费。\n\n"
    "特此通知。\n"
)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: Path) -> str:
    url = make_test_database_url(tmp_path, "documents.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(kb, list(args), catch_exceptions=False)


def stored(url: str) -> tuple[list[Document], int]:
    db = Database(url)
    try:
        with db.session() as s:
            docs = list(s.scalars(select(Document).order_by(Document.id)))
            for d in docs:
                s.expunge(d)
            return docs, int(s.scalar(select(func.count()).select_from(Passage)) or 0)
    finally:
        db.engine.dispose()


def test_a_heading_goes_with_its_paragraph_and_a_page_break_is_mended() -> None:
    text = (
        "第三节 探索高层次人才参保政策\n\n"
        "完善在粤高层次人才养老保险政策，解决外籍高层次人才缴费年限不足15年无法获得养老保障\n\n"
        "等问题。第二句话也在这里。\n\n"
        "第一节 发展基础.....\t1\n"
    )
    passages = split_passages(text)
    assert passages[0].startswith("第三节 探索高层次人才参保政策\n")
    said = sentences(passages[0])
    assert "解决外籍高层次人才缴费年限不足15年无法获得养老保障等问题。" in said[1]
    assert not any("发展基础" in p for p in passages)  # the table of contents is left out


def test_a_table_row_names_its_columns_and_unit() -> None:
    text = (
        "专栏 2 “十四五”时期主要指标\n"
        "序号\t指 标\t单位\t2020 年\t2025 年\t指标属性\n"
        "一、社会保险\n"
        "2\t失业保险参保人数\t万人\t3603\t3700\t约束性\n"
    )
    rows = paragraphs(text)
    assert rows[-1] == (
        "专栏 2 “十四五”时期主要指标：一、社会保险：失业保险参保人数：2020年 3603万人，"
        "2025年 3700万人，约束性。"
    )


def test_every_sentence_of_the_seeds_is_quoted_as_written() -> None:
    docs, problems = validate_shipped()
    assert problems == [] and len(docs) == 5
    for doc in docs:
        flat = doc.text.replace("**", "").replace("\n", "")
        for passage in doc.passages:
            for s in sentences(passage):
                if "：" in s and ("2025年" in s or "目标值" in s):  # a table row, rebuilt
                    continue
                assert s.replace(" ", "")[:12] in flat.replace(" ", ""), (doc.id, s)


def test_import_a_txt_document_then_replace_it(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    args = [
        "import-document", str(path), "--title", "关于调整失业保险金标准的通知",
        "--number", "江人社函〔2026〕99号", "--date", "2026-11-01", "--region", "江门",
    ]  # fmt: skip
    first = run(*args)
    assert first.exit_code == 0 and "imported" in first.output
    docs, passages = stored(database_url)
    notice = [d for d in docs if d.number == "江人社函〔2026〕99号"]
    assert len(notice) == 1 and notice[0].region == "江门市" and notice[0].version == 1
    path.write_text(NOTICE.replace("特此通知。\n", ""), encoding="utf-8")
    again = run(*args)
    assert again.exit_code == 0 and "replaced (version 2)" in again.output
    docs, after = stored(database_url)
    assert [d.version for d in docs if d.number == "江人社函〔2026〕99号"] == [2]
    assert after == passages - 1  # the passages were replaced, not added to


def test_problems_are_all_listed_and_nothing_is_written(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    result = CliRunner().invoke(
        kb,
        ["import-document", str(path), "--title", " ", "--date", "2026-13-01",
         "--region", "火星市", "--effective-from", "2026-02-01", "--effective-to", "2026-01-01"],
    )  # fmt: skip
    assert result.exit_code == 1
    for field in ("title", "date", "region", "effective_to"):
        assert f"field {field}:" in result.output
    assert "nothing was imported" in result.output
    docs, _ = stored(database_url)
    assert len(docs) == 5  # the shipped documents only
    assert not any(d.filename == "notice.txt" for d in docs)


def test_a_docx_document_is_read_with_its_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("关于调整失业保险金标准的通知")
    document.add_paragraph("我市失业保险金标准调整为每人每月1980元。")
    table = document.add_table(rows=2, cols=3)
    for i, cell in enumerate(("指标", "单位", "2027 年")):
        table.rows[0].cells[i].text = cell
    for i, cell in enumerate(("失业保险金", "元/月", "1980")):
        table.rows[1].cells[i].text = cell
    path = tmp_path / "notice.docx"
    document.save(str(path))
    text = read_text(path)
    assert "每人每月1980元。" in text
    assert any("2027年 1980元/月" in p for p in split_passages(text))


def test_a_pdf_without_a_text_layer_is_refused_clearly(database_url: str, tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    result = CliRunner().invoke(
        kb, ["import-document", str(path), "--title", "扫描件", "--date", "2026-01-01",
             "--region", "江门市"],
    )  # fmt: skip
    assert result.exit_code == 1 and "no text (a scanned PDF?)" in result.output


def test_an_unsupported_file_is_refused(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notice.xls"
    path.write_bytes(b"\x00")
    result = CliRunner().invoke(
        kb, ["import-document", str(path), "--title", "x", "--date", "2026-01-01",
             "--region", "江门市"],
    )  # fmt: skip
    assert result.exit_code == 1 and "unsupported file type .xls" in result.output
