"""The console's forms (WTForms through Flask-WTF).

CSRF is checked once for every POST by the console's guard (``web.check_csrf``), so the forms
themselves do not check it again; templates put ``csrf_token()`` in every form.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from knowledge.regions import load_regions
from webhooks.admin import texts
from webhooks.admin.models import ROLES

_LIST_SPLIT = re.compile(r"[\n|]+")
_KEYWORD_SPLIT = re.compile(r"[\n|,，、;；]+")


class ConsoleForm(FlaskForm):
    class Meta:
        csrf = False  # checked for every POST by web.check_csrf


def region_choices(blank: str | None = None) -> list[SelectChoice]:
    regions = load_regions()
    out = [SelectChoice("", blank)] if blank is not None else []
    for name in regions.parent:
        out.append(SelectChoice(name, "　" * regions.depth(name) + name))
    return out


class LoginForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PasswordForm(ConsoleForm):
    current = PasswordField("当前密码", validators=[DataRequired()])
    new = PasswordField("新密码", validators=[DataRequired(), Length(min=10, max=200)])


class EntryForm(ConsoleForm):
    """One entry's fields; lists are one item a line in a text area. There is no id to type:
    a new entry's is made from its question (``knowledge.entry_ids``)."""

    topic = SelectField(
        "主题（同一问题的各地版本）",
        validators=[Optional()],
        description="本地版本请选全国或其他地区的同一问题；新问题选“自成一个主题”",
    )
    question = StringField("标准问题", validators=[DataRequired()])
    similar_questions = TextAreaField("其他问法（每行一个）", description="发布时至少需要 3 个")
    answer = TextAreaField(
        "答案",
        validators=[DataRequired()],
        description="不超过 320 字；依据和适用地区会自动附在答案后面",
    )
    region = SelectField("适用地区", validators=[DataRequired()])
    category = StringField("分类", validators=[DataRequired(), Length(max=40)])
    keywords = StringField("关键词", description="用顿号、逗号或 | 分隔")
    source_title = StringField(
        "依据文件名称", validators=[DataRequired()], description="如：失业保险条例"
    )
    source_number = StringField("文号", validators=[Optional(), Length(max=120)])
    source_date = DateField("发布日期", validators=[Optional()])
    effective_from = DateField("生效日期", validators=[Optional()])
    effective_to = DateField("失效日期", validators=[Optional()])
    exchanges = HiddenField()  # unanswered questions this entry resolves (from the queue)
    handoff = HiddenField()  # the hand-off this entry was started from

    def __init__(self, *args: Any, topics: dict[str, str] | None = None, **kwargs: Any) -> None:
        """``topics``: topic → label (``knowledge.entry_picker.topics``), the topic choices."""
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices()
        self.topic.choices = [
            SelectChoice("", "（自成一个主题）"),
            *(SelectChoice(topic, label) for topic, label in (topics or {}).items()),
        ]

    def snapshot(self) -> dict[str, Any]:
        """The form's content in the ``Entry.snapshot()`` format (status and id left out; an
        empty topic is the entry's own)."""
        return {
            "topic": (self.topic.data or "").strip(),
            "question": (self.question.data or "").strip(),
            "similar_questions": split_lines(self.similar_questions.data),
            "answer": (self.answer.data or "").strip(),
            "region": self.region.data,
            "category": (self.category.data or "").strip(),
            "keywords": [
                k.strip() for k in _KEYWORD_SPLIT.split(self.keywords.data or "") if k.strip()
            ],
            "source_title": (self.source_title.data or "").strip(),
            "source_number": (self.source_number.data or "").strip() or None,
            "source_date": _iso(self.source_date.data),
            "effective_from": _iso(self.effective_from.data),
            "effective_to": _iso(self.effective_to.data),
        }

    def fill(self, data: dict[str, Any]) -> None:
        """Set the fields from snapshot-format ``data``."""
        self.topic.data = data.get("topic") if data.get("topic") != data.get("id") else ""
        self.question.data = data.get("question", "")
        self.similar_questions.data = "\n".join(data.get("similar_questions") or [])
        self.answer.data = data.get("answer", "")
        self.region.data = data.get("region", "")
        self.category.data = data.get("category", "")
        self.keywords.data = "、".join(data.get("keywords") or [])
        self.source_title.data = data.get("source_title", "")
        self.source_number.data = data.get("source_number") or ""
        self.source_date.data = _date(data.get("source_date"))
        self.effective_from.data = _date(data.get("effective_from"))
        self.effective_to.data = _date(data.get("effective_to"))


#: Fields named by ``knowledge.schema`` problems → the form field that shows them.
PROBLEM_FIELDS = {"source": "source_title", "source.date": "source_date"}


def split_lines(value: str | None) -> list[str]:
    return [q.strip() for q in _LIST_SPLIT.split(value or "") if q.strip()]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class TryForm(ConsoleForm):
    text = StringField("群众说", validators=[DataRequired(), Length(max=500)])
    region = SelectField("提问人所在地区", validators=[Optional()])
    who = SelectField("身份", validators=[Optional()], validate_choice=False)
    drafts = BooleanField("试用草稿和待审核的条目")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices(blank="（未知）")


class ReplyForm(ConsoleForm):
    answer = TextAreaField("答复内容", validators=[DataRequired(), Length(max=1500)])


class ImportForm(ConsoleForm):
    file = FileField("文件（YAML、CSV、XLSX 或 JSONL）")
    check_only = BooleanField("仅检查，不写入")


class DocumentForm(ConsoleForm):
    """A policy document to import (as ``shebao kb import-document``)."""

    file = FileField("文件（.txt、.docx 或带文字层的 .pdf）")
    title = StringField("标题（不带书名号）")
    number = StringField("文号", description="如：粤人社函〔2021〕378号；没有可留空")
    issuer = StringField("发文单位")
    date = StringField("发布日期", description="YYYY-MM-DD；只知道年份可填 YYYY")
    region = SelectField("适用地区")
    effective_from = StringField("生效日期", description="YYYY-MM-DD；留空即现行有效")
    effective_to = StringField("失效日期", description="过期后仅回答问到当年的问题")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices()


class StaffForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=80)])
    display_name = StringField("姓名", validators=[Optional(), Length(max=80)])
    role = SelectField("角色", choices=[SelectChoice(r, texts.ROLE_NAMES[r]) for r in ROLES])
    password = PasswordField("初始密码", validators=[DataRequired(), Length(min=10, max=200)])
