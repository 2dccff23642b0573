"""The staff console in a real headless Chromium (Debian's, driven by Playwright).

One live server (werkzeug, threaded) on a free port with a temporary SQLite database serves
the module. The flows: an editor edits an entry with the preview, a second account reviews
and publishes it, and ``shebao ask`` in a separate process then answers with the new text;
unanswerable questions asked of the engine show up as a cluster in the unanswered queue.
Screenshots of the main pages go to test-artifacts/admin/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, create_users
from dbutil import DatabaseTemplate
from flask import Flask
from testenv import clear_service_env
from werkzeug.serving import make_server

from app import create_app
from bot.models import Exchange
from bot.types import Message
from shebao.clock import utcnow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ENTRY = "unemployment-benefit-duration"
QUESTION = "失业保险金最长能领多长时间？"
MARK = "（浏览器测试：新口径已发布）"
UNANSWERABLE = ["退役军人社保怎么接续", "退役军人的社保怎么接续", "退役军人社保接续怎么办理"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def console(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, str]]:
    """(the app, its base URL) behind a real HTTP server, with the test accounts."""
    url = database_template.copy(tmp_path_factory.mktemp("console"), "console.db")
    with pytest.MonkeyPatch.context() as mp:
        clear_service_env(mp)  # a module fixture: set up before each test's own clearing
        app = create_app({"TESTING": True, "database_url": url})
        create_users(app.extensions["shebao"].db)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            runtime = app.extensions.get("wechat")
            if runtime is not None:
                runtime.shutdown(wait=True)
            app.extensions["shebao"].db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, console: tuple[Flask, str]) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies: one person)."""
    contexts: list[Any] = []
    _, base = console

    def make(width: int = 1280, height: int = 900, javascript: bool = True) -> Any:
        context = browser.new_context(
            base_url=base,
            locale="zh-CN",
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, username: str) -> None:
    page.goto("/admin/")
    assert "/admin/login" in page.url  # logged out: the login page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")


def logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/admin/login")


def ask_in_a_new_process(database_url: str, question: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database_url}
    cli = Path(sys.executable).with_name("shebao")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "app.cli"]
    done = subprocess.run(
        [*command, "ask", question, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_edit_review_publish_and_the_engine_answers_with_the_new_text(
    console: tuple[Flask, str], new_page: Any
) -> None:
    app, _ = console
    database_url = app.extensions["shebao"].settings.database_url
    editor = new_page(javascript=False)  # the console works without JavaScript
    editor.goto("/admin/")
    shot(editor, "01-login")
    login(editor, "editor")
    shot(editor, "02-home")

    editor.goto("/admin/entries?q=失业保险金")
    shot(editor, "03-entries")
    editor.get_by_role("link", name=QUESTION).click()
    editor.get_by_role("link", name="编辑").click()
    answer = editor.get_by_label("答案")
    answer.fill(answer.input_value() + MARK)
    editor.get_by_role("button", name="预览").click()  # server-side preview, no script needed
    preview = editor.locator("#preview")
    assert MARK in preview.inner_text()
    assert "——依据：《失业保险条例》" in preview.inner_text()
    shot(editor, "04-edit-preview")
    editor.get_by_role("button", name="保存并提交审核").click()
    editor.wait_for_url(f"**/admin/entries/{ENTRY}")
    assert "已提交审核" in editor.content()
    assert editor.get_by_role("button", name="审核通过并发布").count() == 0  # an editor
    shot(editor, "05-entry-in-review")

    reviewer = new_page()
    login(reviewer, "reviewer")
    reviewer.goto("/admin/entries/review")
    shot(reviewer, "06-review-list")
    reviewer.get_by_role("link", name="审核", exact=True).click()
    reviewer.get_by_role("link", name="对比已发布版本").click()
    assert MARK in reviewer.locator("section.diff ins").first.inner_text()
    shot(reviewer, "07-diff")
    reviewer.go_back()
    reviewer.get_by_role("button", name="审核通过并发布").click()
    reviewer.wait_for_url(f"**/admin/entries/{ENTRY}")
    assert "已发布" in reviewer.locator(".flash").inner_text()
    reviewer.get_by_role("link", name="历史版本").click()
    shot(reviewer, "08-history")

    reply = ask_in_a_new_process(database_url, QUESTION)
    assert reply["faq_id"] == ENTRY
    assert MARK in reply["answer"]

    logout(editor)
    editor.goto("/admin/entries")
    assert "/admin/login" in editor.url


def test_the_preview_follows_typing_when_scripts_run(
    console: tuple[Flask, str], new_page: Any
) -> None:
    page = new_page()
    login(page, "reviewer")
    page.goto(f"/admin/entries/{ENTRY}/edit")
    page.get_by_label("答案").fill("边打字边预览的答案。")
    sync_api.expect(page.locator("#preview")).to_contain_text("边打字边预览的答案。")
    assert "——依据：" in page.locator("#preview").inner_text()


def test_unanswerable_questions_show_up_as_a_cluster(
    console: tuple[Flask, str], new_page: Any
) -> None:
    app, _ = console
    bot = app.extensions["shebao"].bot
    for i, text in enumerate(UNANSWERABLE):
        reply = bot.handle(Message(channel="wechat", user=f"o-browser-{i}", text=text))
        assert reply.outcome in ("abstained", "clarified") and reply.confidence < 0.6

    page = new_page()
    login(page, "editor")
    page.get_by_role("link", name="未解答问题").click()
    cluster = page.locator("section.cluster").filter(has_text=UNANSWERABLE[0])
    assert cluster.count() == 1
    assert "3 次" in cluster.locator("h2").inner_text()
    for text in UNANSWERABLE:
        assert text in cluster.inner_text()
    shot(page, "09-queue")
    cluster.get_by_role("link", name="据此新建条目").click()
    assert page.get_by_label("标准问题").input_value() in UNANSWERABLE
    similar = page.get_by_label("其他问法（每行一个）").input_value()
    assert sum(text in similar for text in UNANSWERABLE) == 2
    shot(page, "10-new-entry-from-queue")


DISPUTED = {
    "enrollment-employer-not-paying": "单位不给我交社保怎么办",
    "unemployment-benefit-how-to-apply": "失业金怎么领",
    "enrollment-contribution-base": "社保缴费基数是怎么定的",
}


def test_disputed_answers_and_the_three_actions(console: tuple[Flask, str], new_page: Any) -> None:
    app, _ = console
    bot = app.extensions["shebao"].bot
    for i, (entry, text) in enumerate(DISPUTED.items()):
        user = f"o-disputer-{i}"
        assert bot.handle(Message(channel="wechat", user=user, text=text)).faq_id == entry
        bot.handle(Message(channel="wechat", user=user, text="不对，我问的是" + text + "要多久"))

    page = new_page()
    login(page, "editor")
    page.get_by_role("link", name="答错反馈").first.click()
    groups = page.locator("section.dispute-group")
    assert groups.count() == 3
    for text in DISPUTED.values():
        assert text + "要多久" in page.content()
    shot(page, "19-disputes")

    first, second, third = DISPUTED
    said = {entry: text + "要多久" for entry, text in DISPUTED.items()}  # groups by what was said
    groups.filter(has_text=said[first]).get_by_role("button", name="市民误解，答复没错").click()
    assert "标记为市民误解" in page.content() and groups.count() == 2

    group = groups.filter(has_text=said[second])
    group.get_by_label("市民其实想问的条目").fill("失业金领取条件")  # by its question, no id
    group.get_by_role("button", name="查找条目").click()
    page.wait_for_url("**/admin/disputes/add?**")
    page.get_by_label("领取失业保险金需要什么条件？").check()
    page.get_by_role("button", name="把问法加入并提交审核").click()
    page.wait_for_url("**/admin/entries/unemployment-benefit-conditions")
    assert DISPUTED[second] + "要多久" in page.content() and "提交审核" in page.content()
    shot(page, "20-disputed-wording-added")

    page.get_by_role("link", name="答错反馈").first.click()
    page.locator("section.dispute-group").filter(has_text=said[third]).get_by_role(
        "button", name="修改这个条目"
    ).click()
    page.wait_for_url(f"**/admin/entries/{third}/edit")
    assert page.get_by_label("标准问题").input_value()
    page.goto("/admin/disputes")
    assert "没有待处理的答错反馈" in page.content()


def test_the_other_pages_render(console: tuple[Flask, str], new_page: Any) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/admin/try")  # the conversation simulator, driven as staff drive it
    page.get_by_label("提问人所在地区").select_option("江门市")
    page.get_by_label("群众说").fill("灵活就业人员怎么交养老保险")
    page.get_by_role("button", name="发送").click()
    sync_api.expect(page.locator(".simulator .bubble-user")).to_have_count(1)
    assert "知识库候选" in page.content()
    page.get_by_label("群众说").fill("我在茂名，失业金能领多久")
    page.get_by_role("button", name="发送").click()
    sync_api.expect(page.locator(".simulator .bubble-user")).to_have_count(2)
    sync_api.expect(page.locator("form.card")).to_contain_text("现在记住的地区：茂名市")
    shot(page, "11-try-simulator")
    page.goto("/admin/handoffs?status=all")
    shot(page, "12-handoffs")
    page.goto("/admin/insight")
    for chart in ("每日提问量", "每日答错反馈", "回答结果比例（按天）", "回答结果占比", "提问时段"):
        assert page.locator(f'svg.chart[aria-label^="{chart}"]').count() == 1, chart
    shot(page, "13-insight")
    page.goto("/admin/entries/import")
    shot(page, "14-import")
    page.goto("/admin/staff")
    shot(page, "15-staff")
    page.goto("/admin/staff/audit")
    assert "entry_publish" in page.content()
    shot(page, "16-audit")
    page.goto("/admin/staff/access")
    assert "个人信息查看记录" in page.content()
    shot(page, "16b-personal-data-access")
    page.goto("/admin/no-such-page")
    assert "页面不存在" in page.content() and page.get_by_role("link", name="后台任务").count()
    shot(page, "28-not-found")
    page.goto("/")
    assert "社保智能助手 · 后台服务" in page.content()
    shot(page, "29-root")

    phone = new_page(width=390, height=844)
    login(phone, "editor")
    phone.goto("/admin/entries")
    shot(phone, "17-phone-entries")
    phone.goto(f"/admin/entries/{ENTRY}/edit")
    shot(phone, "18-phone-edit")
    phone.goto("/admin/insight")
    assert phone.locator("svg.chart").count() >= 5  # every chart fits the phone's width
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "13b-phone-insight")
    phone.goto("/admin/try?text=失业金能领几个月&region=江门市")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "11b-phone-try-simulator")


RETURNED_ENTRY = "pension-enterprise-increase-jiangmen"
RETURN_COMMENT = "调整比例要写明是哪一年的文件，请补上文号后再提交。"


def test_a_reviewer_sends_a_change_back_and_the_author_sees_why(
    console: tuple[Flask, str], new_page: Any
) -> None:
    editor = new_page(javascript=False)
    login(editor, "editor")
    editor.goto(f"/admin/entries/{RETURNED_ENTRY}/edit")
    answer = editor.get_by_label("答案")
    answer.fill(answer.input_value() + "（浏览器测试：待退回）")
    editor.get_by_role("button", name="保存并提交审核").click()
    editor.wait_for_url(f"**/admin/entries/{RETURNED_ENTRY}")

    reviewer = new_page(javascript=False)
    login(reviewer, "reviewer")
    reviewer.goto(f"/admin/entries/{RETURNED_ENTRY}")
    reviewer.get_by_label("退回意见（必填，作者会看到）").fill(RETURN_COMMENT)
    shot(reviewer, "21-return-form")
    reviewer.get_by_role("button", name="退回修改").click()
    reviewer.wait_for_url(f"**/admin/entries/{RETURNED_ENTRY}")
    assert "已退回修改" in reviewer.locator(".flash").inner_text()

    editor.goto(f"/admin/entries/{RETURNED_ENTRY}")
    note = editor.locator("section.returned")
    assert RETURN_COMMENT in note.inner_text() and "Reviewer" in note.inner_text()
    shot(editor, "22-returned-author-view")
    editor.get_by_role("link", name="历史版本").click()
    assert RETURN_COMMENT in editor.locator("table.list").inner_text()
    shot(editor, "23-returned-history")


HANDED_OVER = {
    "report": "我要举报有人冒领养老金",
    "complaint": "打了三天12333都没人接，我要投诉",
    "handoff": "转人工",
}


def test_the_inbox_tells_kinds_apart_and_shows_who_has_a_case(
    console: tuple[Flask, str], new_page: Any
) -> None:
    app, _ = console
    bot = app.extensions["shebao"].bot
    for kind, text in HANDED_OVER.items():
        reply = bot.handle(Message(channel="wechat", user=f"o-inbox-{kind}", text=text))
        assert reply.outcome == "handed_off", (text, reply.intent)

    editor = new_page(javascript=False)
    login(editor, "editor")
    editor.get_by_role("link", name="转人工", exact=True).first.click()
    table = editor.locator("table.handoffs")
    assert "[report]" not in table.inner_text() and "[complaint]" not in table.inner_text()
    for kind, text in HANDED_OVER.items():
        row = table.locator(f"tr.kind-{kind}").filter(has_text=text)
        assert row.count() == 1, kind
        assert "48小时内，可即时发送" in row.inner_text()
    table.get_by_role("link", name=HANDED_OVER["report"]).click()
    editor.get_by_role("button", name="认领（由我处理）").click()
    assert "已认领" in editor.locator(".flash").inner_text()

    reviewer = new_page()
    login(reviewer, "reviewer")
    reviewer.goto("/admin/handoffs")
    row = reviewer.locator("tr.kind-report").filter(has_text=HANDED_OVER["report"])
    assert "Editor" in row.locator("td.claim").inner_text()
    shot(reviewer, "24-handoff-inbox")
    row.get_by_role("link", name=HANDED_OVER["report"]).click()
    assert "请勿重复答复" in reviewer.locator(".claim-box").inner_text()
    assert reviewer.get_by_role("button", name="发送答复").count() == 0
    shot(reviewer, "25-handoff-taken")


SMALLEST_TEXT = """els => Math.min(...els.map(e => parseFloat(getComputedStyle(e).fontSize)
    * e.getScreenCTM().a))"""
CLIPPED_TEXT = """els => els.filter(e => {
    const t = e.getBoundingClientRect(), box = e.ownerSVGElement.getBoundingClientRect();
    return t.left < box.left - 1 || t.right > box.right + 1;
}).map(e => e.textContent)"""


def test_insight_charts_are_readable_on_a_desktop_and_a_phone(
    console: tuple[Flask, str], new_page: Any
) -> None:
    app, _ = console
    bot = app.extensions["shebao"].bot
    for i, text in enumerate(["失业金怎么领", "退役军人社保怎么接续", "转人工", "养老金"]):
        bot.handle(Message(channel="wechat", user=f"o-insight-{i}", text=text))
    for width, height, name in ((1280, 900, "26-insight-desktop"), (390, 844, "27-insight-phone")):
        page = new_page(width=width, height=height)
        login(page, "editor")
        page.goto("/admin/insight?days=30")
        charts = page.locator("svg.chart")
        assert charts.count() == 8
        # Every label is drawn at 13 px or more on screen (the SVG is not scaled down).
        assert page.eval_on_selector_all("svg.chart text", SMALLEST_TEXT) >= 13
        assert page.eval_on_selector_all("svg.chart text", CLIPPED_TEXT) == []
        daily_ticks = page.locator("section.card").first.locator("text.chart-axis-label")
        assert daily_ticks.count() >= 3  # more than 0 and the maximum
        rates = page.locator("#rates")
        assert "已回答" in rates.locator(".legend").inner_text()
        assert rates.locator("rect.chart-seg").count() > 0
        assert "退役军人社保怎么接续" in page.locator("#unanswered").inner_text()
        shot(page, name)


PICKED_WORDING = "我们这里男的到底几岁能退"
PICKED_QUESTION = "延迟退休是怎么规定的？现在多大岁数退休？"  # pension-retirement-age
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_entries_are_made_and_picked_without_typing_an_id(
    console: tuple[Flask, str], new_page: Any
) -> None:
    """On a phone, without JavaScript: a new entry gets its id made for it, and the queue's
    加入已有条目的问法 finds the entry by searching 退休."""
    app, _ = console
    with app.extensions["shebao"].db.session() as s:
        s.add(
            Exchange(
                channel="wechat",
                user_key="wechat:o-browser-pick",
                message=PICKED_WORDING,
                normalized=PICKED_WORDING,
                intent="policy.faq",
                confidence=0.2,
                outcome="abstained",
                reply="…",
                latency_ms=1.0,
                created_at=utcnow(),
            )
        )
    phone = new_page(width=390, height=844, javascript=False)
    login(phone, "editor")

    phone.goto("/admin/entries/new")
    assert phone.get_by_label("条目编号").count() == 0
    phone.get_by_label("标准问题").fill("浏览器测试新建的条目怎么用？")
    phone.get_by_label("其他问法（每行一个）").fill("浏览器测试问法一\n浏览器测试问法二\n问法三")
    phone.get_by_label("答案").fill("这是浏览器测试新建条目的答案。")
    phone.get_by_label("分类").fill("测试")
    phone.get_by_label("依据文件名称").fill("测试依据")
    phone.get_by_role("button", name="保存草稿").click()
    phone.wait_for_url("**/admin/entries/liulanqi-ceshi-**")
    assert "浏览器测试新建的条目怎么用" in phone.locator(".crumbs").inner_text()
    assert "已新建条目" in phone.locator(".flash").inner_text()

    phone.goto("/admin/queue", timeout=90_000)  # the first view builds the passage index
    cluster = phone.locator("section.cluster").filter(has_text=PICKED_WORDING)
    cluster.get_by_role("searchbox").fill("退休")
    cluster.get_by_role("button", name="查找条目").click()
    phone.wait_for_url("**/admin/queue/add?**")
    results = phone.locator("form.pick-results")
    assert PICKED_QUESTION in results.inner_text() and "全国" in results.inner_text()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "30-phone-pick-entry")
    results.get_by_label(PICKED_QUESTION).check()
    results.get_by_role("button", name="加入并提交审核").click()
    phone.wait_for_url("**/admin/entries/pension-retirement-age")
    assert PICKED_WORDING in phone.content()
    assert PICKED_QUESTION in phone.locator(".flash").inner_text()
    assert PICKED_QUESTION[:20] in phone.locator(".crumbs").inner_text()
    # The wording waits for review as version 2; the comparison with version 1 is in Chinese.
    phone.get_by_role("link", name="对比已发布版本").click()
    heading = phone.locator("h1").inner_text()
    assert heading == "第1版（已发布） → 第2版（待审核）"
    assert phone.locator("section.diff h2").all_inner_texts() == ["其他问法", "状态"]
    assert PICKED_WORDING in phone.locator("section.diff ins").all_inner_texts()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shot(phone, "31-phone-diff-pending-wording")
    phone.goto("/admin/entries/pension-retirement-age/history")
    assert "系统（随程序发布的内容）" in phone.locator("table.list").inner_text()
    shot(phone, "32-phone-history")
