"""The real page in headless Chromium: the web chat, the kiosk, and that nothing leaves localhost.

Drives Debian's /usr/bin/chromium (apt-get install chromium; ./run.sh test installs it),
never a browser downloaded by Playwright: that download fails offline.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import free_port

from rag.settings import Settings
from rag.web import ChatService, build_ui, launch_options

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE, WARNING = 3, 5  # seconds; short for the test (app.py insists on a warning >= 20 s)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (requirements-test.txt)")
expect = sync_api.expect


@pytest.fixture(scope="module")
def feedback_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"


@pytest.fixture(scope="module")
def servers(pipeline, feedback_db):
    """The web chat and the kiosk (short idle timings), each on its own free port."""
    demos, urls = [], {}
    for mode, kiosk in (("web", False), ("kiosk", True)):
        settings = Settings(
            port=free_port(), feedback_db=feedback_db, kiosk_idle_seconds=IDLE, kiosk_warning_seconds=WARNING
        )
        demo = build_ui(ChatService(pipeline, settings), kiosk=kiosk)
        _, urls[mode], _ = demo.launch(**launch_options(settings, kiosk=kiosk), prevent_thread_lock=True, quiet=True)
        demos.append(demo)
    yield urls
    for demo in demos:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport=(1366, 1024)):
    """A page that records every request and dialog, and refuses any request that would leave localhost."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    page.outside, page.dialogs = [], []  # type: ignore[attr-defined]

    def guard(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            page.outside.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()

    context.route("**/*", guard)
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    return context, page


@pytest.fixture(scope="module")
def web(browser, servers):
    """One web-chat page for the web tests (a page load costs ~2 s); each test checks its own new answer."""
    context, page = new_page(browser)
    open_page(page, servers["web"])
    yield page
    context.close()


@pytest.fixture
def kiosk(browser, servers):
    """A fresh kiosk page: its idle timer starts clean."""
    context, page = new_page(browser)
    open_page(page, servers["kiosk"])
    yield page
    context.close()


def open_page(page, url: str):
    page.goto(url)
    expect(page.locator("#ms-question textarea")).to_be_visible(timeout=20_000)


def ask(page, question: str):
    """Type a question and press Enter; returns the new answer's locator."""
    before = page.locator(".ms-answer").count()
    page.locator("#ms-question textarea").fill(question)
    page.locator("#ms-question textarea").press("Enter")
    expect(page.locator(".ms-answer")).to_have_count(before + 1, timeout=20_000)
    return page.locator(".ms-answer").last


# --- web chat ----------------------------------------------------------------


def test_web_question_shows_the_figure_and_an_expandable_source_card(web):
    page = web
    answer = ask(page, "郑州有多少家养老机构？")
    expect(answer.locator(".ms-answer-text")).to_contain_text("93家")
    card = answer.locator("details.ms-source").first
    expect(card.locator("summary")).to_contain_text("改善民生 同心共建幸福城")
    expect(card.locator("mark").first).to_be_hidden()  # collapsed until opened
    card.locator("summary").click()
    expect(card.locator("mark").first).to_be_visible()
    expect(card.locator("mark").first).to_have_text("93家")
    assert page.outside == []


def test_web_follow_up_and_feedback(web, feedback_db):
    page = web
    expect(ask(page, "郑州划分了多少个社区网格？")).to_contain_text("7876个")
    expect(ask(page, "那农村网格呢？")).to_contain_text("11381个")
    page.get_by_role("button", name="来源有误").click()
    expect(page.locator("#ms-status")).to_contain_text("来源有误")
    rows = sqlite3.connect(feedback_db).execute("SELECT rating, question FROM feedback").fetchall()
    assert ("wrong_source", "那农村网格呢？") in rows


def test_web_refusal_names_the_hotline(web):
    page = web
    answer = ask(page, "洛阳有多少家养老机构？")
    expect(answer).to_have_class(re.compile("ms-refused"))
    expect(answer).to_contain_text("12345")


def test_web_renders_markup_in_a_question_as_text(web):
    page = web
    question = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1">'
    ask(page, question)
    expect(page.locator(".ms-question").last).to_have_text(question)
    assert page.evaluate("window.pwned") is None and page.dialogs == []
    assert page.locator("#ms-chat img").count() == 0


def test_web_bad_input_gets_a_message_and_the_page_keeps_working(web):
    page = web
    before = page.locator(".ms-answer").count()
    page.locator("#ms-send").click()
    expect(page.locator(".ms-answer")).to_have_count(before + 1, timeout=20_000)
    expect(page.locator(".ms-answer").last).to_have_class(re.compile(r"\bms-reason-empty\b"))
    too_long = ask(page, "问" * 5000)
    expect(too_long).to_have_class(re.compile(r"\bms-reason-too_long\b"))
    expect(page.locator(".ms-question").last).to_contain_text("共 5000 字")
    expect(ask(page, "郑州有多少家养老机构？")).to_contain_text("93家")


def test_web_page_requested_nothing_outside_localhost(web):
    assert web.outside == []
    assert web.evaluate("JSON.stringify(Object.keys(localStorage))") == "[]"  # run_history off: no saved runs


# --- kiosk -------------------------------------------------------------------

_STYLE_JS = """(el) => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  let bg = null;
  for (let node = el; node; node = node.parentElement) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) { bg = c.slice(0, 3); break; }
  }
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {fg: rgba(style.color).slice(0, 3), bg: bg || [255, 255, 255], size: parseFloat(style.fontSize),
          width: box.width, height: box.height, text: el.innerText.trim().slice(0, 30)};
}"""


def contrast(fg, bg) -> float:
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_kiosk_topic_button_answers_in_large_type_and_big_targets(kiosk):
    page = kiosk
    page.get_by_role("button", name="养老与救助", exact=True).click()
    page.get_by_role("button", name="郑州有多少家养老机构？").click()
    answer = page.locator(".ms-answer").last
    expect(answer).to_contain_text("93家", timeout=20_000)

    texts = [
        ".ms-answer-text",
        ".ms-question",
        ".ms-header p",
        ".ms-topics p",
        ".ms-feedback-label",
        "#ms-question label span",
    ]
    for selector in texts:
        style = page.locator(selector).first.evaluate(_STYLE_JS)
        assert style["size"] >= 22, (selector, style)
        assert contrast(style["fg"], style["bg"]) >= 4.5, (selector, style)

    buttons = page.locator(".gradio-container button:visible")
    assert buttons.count() >= 10
    for i in range(buttons.count()):
        style = buttons.nth(i).evaluate(_STYLE_JS)
        assert style["width"] >= 44 and style["height"] >= 44, style
        assert style["size"] >= 22, style
        assert contrast(style["fg"], style["bg"]) >= 4.5, style
    assert page.outside == []


def test_kiosk_idle_warning_lets_the_resident_continue_then_wipes_the_conversation(kiosk):
    page = kiosk
    page.get_by_role("button", name="郑州全市有多少所基础教育学校？").click()
    expect(page.locator(".ms-answer")).to_have_count(1, timeout=20_000)

    warning = page.locator("#ms-idle")
    expect(warning).to_be_visible(timeout=(IDLE + 3) * 1000)
    expect(warning).to_have_attribute("role", "alertdialog")
    expect(warning.locator("#ms-idle-count")).to_have_text(re.compile(r"^[1-5]$"))
    style = warning.get_by_role("button", name="继续使用").evaluate(_STYLE_JS)
    assert style["width"] >= 44 and style["height"] >= 44 and contrast(style["fg"], style["bg"]) >= 4.5

    warning.get_by_role("button", name="继续使用").click()
    expect(warning).to_be_hidden()
    expect(page.locator(".ms-answer")).to_have_count(1)  # still there

    expect(warning).to_be_visible(timeout=(IDLE + 3) * 1000)  # idle again: no touch this time
    expect(page.locator(".ms-answer")).to_have_count(0, timeout=(WARNING + 5) * 1000)
    expect(warning).to_be_hidden()
    expect(page.locator("#ms-status")).to_contain_text("对话已清空")
    expect(page.locator("#ms-feedback")).to_be_hidden()

    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "基础教育" not in stored  # nothing of the conversation is kept in the browser
    assert page.outside == []


# --- phones ------------------------------------------------------------------

PHONE = (375, 812)


@pytest.fixture
def phone(browser, servers):
    context, page = new_page(browser, PHONE)
    open_page(page, servers["web"])
    yield page
    context.close()


def first_line_in_view(page, answer) -> bool:
    """Whether the answer's first line is inside the window (not scrolled off inside the chat box either)."""
    return answer.evaluate(
        """(el) => {
      const r = el.getBoundingClientRect();
      const box = el.closest('.bubble-wrap').getBoundingClientRect();
      return r.top >= Math.max(0, box.top) - 1 && r.top + 24 <= Math.min(window.innerHeight, box.bottom);
    }"""
    )


def test_phone_opens_at_the_top_with_title_chat_and_input_on_one_screen(phone):
    page = phone
    page.wait_for_timeout(800)  # Gradio mounts, then page.js runs: nothing may scroll the page
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.tagName") != "TEXTAREA"  # no keyboard popping up
    for selector in (".ms-header h1", "#ms-chat", "#ms-question textarea"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE[1], selector
    title = page.locator(".ms-header h1").bounding_box()
    assert title is not None and title["height"] < 80  # one or two lines, not three
    assert page.locator("#ms-question textarea").bounding_box()["width"] >= 200  # type: ignore[index]


def test_phone_answer_to_a_ready_question_scrolls_into_view(phone):
    page = phone
    page.get_by_role("button", name="养老与救助", exact=True).click()
    page.get_by_role("button", name="郑州有多少家养老机构？").click()
    answer = page.locator(".ms-answer").last
    expect(answer).to_contain_text("93家", timeout=20_000)
    page.wait_for_timeout(300)
    assert first_line_in_view(page, answer)


def test_phone_answer_after_enter_is_in_view_and_12345_is_a_tel_link(phone):
    page = phone
    for question in ("郑州有多少家养老机构？", "郑州划分了多少个社区网格？", "洛阳有多少家养老机构？"):
        answer = ask(page, question)
        page.wait_for_timeout(300)
        assert first_line_in_view(page, answer), question
    expect(answer.locator('a[href="tel:12345"]')).to_have_count(1)


def test_text_size_switch_enlarges_the_answers_for_this_session_only(web):
    page = web
    answer = ask(page, "郑州有多少家养老机构？").locator(".ms-answer-text")
    before = float(answer.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)"))
    page.get_by_role("button", name="特大").click()
    expect(page.get_by_role("button", name="特大")).to_have_attribute("aria-pressed", "true")
    after = float(answer.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)"))
    assert before >= 16 and after >= 24
    assert page.evaluate("sessionStorage.getItem('ms-text-size')") == "2"
    assert page.evaluate("localStorage.length") == 0
    page.get_by_role("button", name="标准").click()


def test_builtin_controls_have_chinese_labels(web):
    page = web
    ask(page, "郑州有多少家养老机构？")
    labels = page.locator("#ms-chat [aria-label]").evaluate_all("(els) => els.map(e => e.getAttribute('aria-label'))")
    assert "对话记录" in labels and "回答" in labels and "您的问题" in labels
    assert not [label for label in labels if re.search(r"[A-Za-z]|<", label)], labels


# --- accessibility: axe-core in the real page -----------------------------------

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="needs axe-playwright-python")


def serious(page) -> list[str]:
    violations = axe_module.Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in violations if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("mode", ["web", "kiosk"])
def test_axe_finds_no_critical_or_serious_problem(browser, servers, mode):
    context, page = new_page(browser, PHONE if mode == "web" else (1080, 1920))
    open_page(page, servers[mode])
    found = {"empty": serious(page)}
    ask(page, "郑州有多少家养老机构？")
    found["answer"] = serious(page)
    ask(page, "洛阳有多少家养老机构？")
    found["refusal"] = serious(page)
    page.locator("details.ms-source summary").first.click()
    found["open card"] = serious(page)
    context.close()
    assert found == {"empty": [], "answer": [], "refusal": [], "open card": []}


# --- read-aloud ----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng (apt-get install espeak-ng)")
def test_read_aloud_button_gets_mandarin_audio_from_the_server(web):
    page = web
    answer = ask(page, "郑州全市有多少所基础教育学校？")
    expect(answer).to_contain_text("3657所")
    answer.get_by_role("button", name="朗读").click()
    link = page.locator("#ms-audio a.download-link")
    expect(link).to_have_attribute("href", re.compile(r"\.wav$"), timeout=20_000)
    audio = page.request.get(link.get_attribute("href")).body()
    assert audio[:4] == b"RIFF" and len(audio) > 50_000  # seconds of speech, not an empty file
    assert page.outside == []


def test_tapping_a_marker_opens_its_source_card(web):
    page = web
    answer = ask(page, "郑州有多少家养老机构？")
    marker = answer.locator(".ms-answer-text .ms-ref").first
    expect(marker).to_have_attribute("role", "button")
    box = marker.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24
    card = answer.locator("details.ms-source").first
    expect(card.locator("mark").first).to_be_hidden()
    marker.click()
    expect(card.locator("mark").first).to_be_visible()
