"""Small entries written in the tests, in the content format (knowledge/content/README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def make_raw(entry_id: str, **overrides: Any) -> dict[str, Any]:
    """One valid entry in the content format; ``overrides`` replace or add fields."""
    raw: dict[str, Any] = {
        "id": entry_id,
        "question": f"{entry_id}的标准问题是什么？",
        "similar_questions": [f"{entry_id}怎么办", f"我想问{entry_id}", f"{entry_id}咋弄"],
        "answer": f"关于{entry_id}：按规定办理（全国，2024年）。",
        "region": "全国",
        "category": "测试",
        "keywords": ["测试"],
        "source": {"title": "失业保险条例", "number": "国务院令第258号", "date": "1999-01-22"},
        "status": "published",
    }
    raw.update(overrides)
    return raw


def write_content(path: Path, entries: list[dict[str, Any]], category: str | None = None) -> Path:
    doc: dict[str, Any] = {"entries": entries}
    if category:
        doc = {"category": category, "entries": entries}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path
