"""The page's handlers and rendering, without a browser or a server (a stub pipeline, a temp SQLite)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

import gradio as gr
import pytest
import segno

from rag.feedback import RATINGS, FeedbackStore
from rag.profile import Profile
from rag.settings import Settings
from rag.types import Answer, Citation
from rag.web import (
    ChatService,
    Session,
    View,
    build_ui,
    highlight,
    launch_options,
    make_theme,
    render_answer,
    render_question,
    render_source_card,
    show_topic,
    static_text,
)

CITATION = Citation(
    marker=1,
    chunk_id="42162b311e55547d",
    text="全市93家养老机构、1166个社区照料中心遍布城乡，1.5万余张床位中，护理型床位占比超六成；",
    source="000_1d03f72a6a377aee.txt",
    article="改善民生 同心共建幸福城",
    section="织密保障网络 托举“一老一小一困”",
    start=1256,
    end=1303,
    figures=("93家",),
)


class StubPipeline:
    """Answers every question with the same cited figure; records what it was asked."""

    def __init__(self, fail: Exception | None = None):
        self.calls: list[tuple[str, list[str]]] = []
        self.fail = fail

    def ask(self, question: str, history=()) -> Answer:
        self.calls.append((question, list(history)))
        if self.fail:
            raise self.fail
        if not question.strip():  # the real answerer declines bad input itself
            return Answer(question, "请输入您想了解的问题。", refused=True, reason="empty")
        if "洛阳" in question:
            return Answer(
                question, "抱歉，现有报道中没有找到能回答这个问题的内容。", refused=True, reason="no_evidence"
            )
        return Answer(question, "全市有93家养老机构[1]。", (CITATION,), figures=("93家",), reason="answered")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(feedback_db=tmp_path / "nested" / "feedback.sqlite3", max_question_chars=500)


@pytest.fixture
def service(settings) -> ChatService:
    return ChatService(StubPipeline(), settings)


# --- rendering -------------------------------------------------------------


def shown(html: str) -> str:
    """The text a resident sees: the markup without its tags."""
    return re.sub(r"<[^>]+>", "", html)


def test_highlight_escapes_text_and_marks_each_figure():
    assert highlight("<b>93家</b>与93家", ["93家"]) == "&lt;b&gt;<mark>93家</mark>&lt;/b&gt;与<mark>93家</mark>"


def test_highlight_prefers_the_longer_figure_and_never_nests():
    assert highlight("1.5万余张床位", ["1.5万余张", "5万"]) == "<mark>1.5万余张</mark>床位"


def test_question_is_escaped_and_masked_and_long_ones_cut():
    shown = render_question("<script>alert('13812345678')</script>", max_chars=500)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "13812345678" not in shown and "[手机号已隐藏]" in shown
    long = render_question("问" * 5000, max_chars=500)
    assert "问" * 121 not in long and "共 5000 字" in long


def test_source_card_is_expandable_with_article_section_and_highlighted_figure():
    card = render_source_card(Answer("q", "x", (CITATION,)).to_dict()["citations"][0])
    assert card.startswith('<details class="ms-source"') and "<summary>" in card
    assert "《改善民生 同心共建幸福城》" in card and "织密保障网络 托举“一老一小一困”" in card
    assert "全市<mark>93家</mark>养老机构" in card


def test_source_card_escapes_corpus_text_and_falls_back_to_answer_figures():
    citation = {
        "marker": 2,
        "text": "<img src=x onerror=alert(1)>共7876个",
        "article": "<i>标题</i>",
        "section": "",
        "source": "a.txt",
    }
    card = render_source_card(citation, answer_figures=["7876个", "11381个"])
    assert "<img" not in card and "<i>" not in card
    assert "<mark>7876个</mark>" in card and "11381个" not in card


def test_answer_shows_figures_markers_and_one_card_per_citation():
    html = render_answer(StubPipeline().ask("郑州有多少家养老机构？").to_dict())
    assert '<strong class="ms-fig">93家</strong>' in html
    assert '<sup class="ms-ref">[1]</sup>' in html
    assert html.count("<details") == 1 and "12345" not in html


def test_refusal_names_the_hotline_once():
    refused = render_answer(StubPipeline().ask("洛阳有多少家养老机构？").to_dict())
    assert "ms-refused" in refused and shown(refused).count("12345") == 1
    with_hotline = render_answer(Answer("q", "请拨打12345市民服务热线。", refused=True, reason="no_evidence").to_dict())
    assert shown(with_hotline).count("12345") == 1 and "ms-hotline-number" in with_hotline
    assert with_hotline.count('href="tel:12345"') == 1  # one tap calls it on a phone


def test_answer_text_from_the_pipeline_is_escaped_too():
    html = render_answer(Answer("q", "<script>alert(1)</script>", refused=True, reason="no_evidence").to_dict())
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- the shared code path: ChatService.ask ---------------------------------


def test_ask_returns_the_structured_answer(service):
    result = service.ask("郑州有多少家养老机构？", ["earlier"])
    assert result["answer"] == "全市有93家养老机构[1]。" and result["refused"] is False
    assert result["citations"][0]["figures"] == ["93家"]
    assert service.pipeline.calls == [("郑州有多少家养老机构？", ["earlier"])]


def test_ask_passes_non_text_on_as_empty(service):
    assert service.ask(None)["reason"] == "empty"  # type: ignore[arg-type]
    assert service.pipeline.calls == [("", [])]


def test_empty_input_is_not_sent_to_the_hotline():
    html = render_answer(Answer("", "请输入您想了解的问题。", refused=True, reason="empty").to_dict())
    assert "12345" not in html


def test_ask_tolerates_junk_history(service):
    service.ask("问题", history=["", None, 3, "问" * 600, "上一个问题"])  # type: ignore[list-item]
    assert service.pipeline.calls[-1][1] == ["上一个问题"]
    service.ask("问题", history="not a list")  # type: ignore[arg-type]
    assert service.pipeline.calls[-1][1] == []


# --- chat handlers -----------------------------------------------------------


def test_chat_turns_pass_earlier_questions_as_history(service):
    messages, session, box, feedback_row, status = service.on_ask("郑州划分了多少个社区网格？", Session())
    assert box == "" and status == "" and feedback_row is True
    assert [m["role"] for m in messages] == ["user", "assistant"]
    _, session, *_ = service.on_ask("那农村网格呢？", session)
    assert service.pipeline.calls == [
        ("郑州划分了多少个社区网格？", []),
        ("那农村网格呢？", ["郑州划分了多少个社区网格？"]),
    ]
    assert session.questions == ["郑州划分了多少个社区网格？", "那农村网格呢？"]


def test_chat_renders_a_script_question_as_text(service):
    messages, *_ = service.on_ask("<script>alert(1)</script>", Session())
    assert "<script>" not in messages[0]["content"] and "&lt;script&gt;" in messages[0]["content"]


def test_chat_empty_input_explains_and_keeps_the_conversation(service):
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", Session())
    messages, session, *_ = service.on_ask("", session)
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant"]  # no empty bubble
    assert "请输入" in messages[-1]["content"]
    assert session.questions == ["郑州有多少家养老机构？"]
    assert session.last_answer["reason"] == "answered"  # the feedback buttons still rate the real answer


def test_questions_with_personal_data_or_too_long_are_not_kept_as_history(service):
    session = Session()
    for question in ("我的电话13812345678，养老院怎么申请？", "问" * 501):
        _, session, *_ = service.on_ask(question, session)
    assert session.questions == []
    assert "13812345678" not in "".join(m["content"] for m in session.messages)


def test_a_failing_pipeline_gives_a_message_and_the_page_keeps_working(settings):
    service = ChatService(StubPipeline(fail=RuntimeError("boom")), settings)
    messages, session, _box, _feedback_row, _ = service.on_ask("郑州有多少家养老机构？", Session())
    assert "12345" in messages[-1]["content"] and "boom" not in messages[-1]["content"]
    service.pipeline.fail = None
    messages, *_ = service.on_ask("郑州有多少家养老机构？", session)
    assert "93家" in messages[-1]["content"]


def test_handlers_do_not_mutate_the_incoming_session(service):
    session = Session()
    service.on_ask("郑州有多少家养老机构？", session)
    assert session == Session()


# --- feedback ----------------------------------------------------------------


def test_feedback_is_stored_masked_in_sqlite(service, settings):
    question = "我的手机13812345678，身份证410102199001011234，郑州有多少家养老机构？"
    service.pipeline.ask = lambda q, h=(): Answer(q, f"您问：{q}", (CITATION,), reason="answered")
    _, session, *_ = service.on_ask(question, Session())
    status, session = service.on_feedback("wrong_source", session)
    assert "来源有误" in status and session.rated

    assert settings.feedback_db.exists()  # the folder was created
    rows = FeedbackStore(settings.feedback_db).all()
    assert len(rows) == 1
    row = rows[0]
    assert row["rating"] == "wrong_source" and row["created_at"].endswith("+00:00")
    assert "[手机号已隐藏]" in row["question"] and "[身份证号已隐藏]" in row["question"]
    raw = sqlite3.connect(settings.feedback_db).execute("SELECT * FROM feedback").fetchall()
    assert "13812345678" not in repr(raw) and "410102199001011234" not in repr(raw)
    assert row["citations"][0]["chunk_id"] == CITATION.chunk_id and row["citations"][0]["figures"] == ["93家"]


def test_feedback_once_per_answer_and_only_after_an_answer(service, settings):
    status, session = service.on_feedback("useful", Session())
    assert "请先提问" in status
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", session)
    _, session = service.on_feedback("useful", session)
    status, session = service.on_feedback("not_useful", session)
    assert "已经评价过" in status
    _, session, *_ = service.on_ask("洛阳有多少家养老机构？", session)
    service.on_feedback("not_useful", session)
    rows = FeedbackStore(settings.feedback_db).all()
    assert [(r["rating"], r["refused"]) for r in rows] == [("useful", False), ("not_useful", True)]


def test_feedback_store_rejects_unknown_ratings(tmp_path):
    with pytest.raises(ValueError, match="useful"):
        FeedbackStore(tmp_path / "f.sqlite3").add({"question": "q", "answer": "a"}, "great")
    assert set(RATINGS.values()) == {"有用", "没用", "来源有误"}


# --- kiosk -------------------------------------------------------------------


def test_reset_clears_the_conversation_and_the_server_session(service):
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", Session())
    messages, fresh, box, feedback_row, status = service.on_reset(session)
    assert messages == [] and fresh == Session() and box == ""
    assert feedback_row is False and "已清空" in status


def test_topic_buttons_show_only_their_questions():
    updates = show_topic(2, 5)
    buttons, groups = updates[:5], updates[5:]
    assert [b.variant for b in buttons] == ["secondary", "secondary", "primary", "secondary", "secondary"]
    assert [g.visible for g in groups] == [False, False, True, False, False]


def test_kiosk_page_keeps_nothing_in_the_browser_and_has_no_feedback_text_field(service, settings):
    demo = build_ui(service, kiosk=True)
    textboxes = [b for b in demo.blocks.values() if isinstance(b, gr.Textbox)]
    assert [t.elem_id for t in textboxes] == ["ms-question"]
    assert not any(isinstance(b, gr.BrowserState) for b in demo.blocks.values())
    options = launch_options(
        settings.model_copy(update={"kiosk_idle_seconds": 7, "kiosk_warning_seconds": 21}), kiosk=True
    )
    assert options["run_history"] is False and options["footer_links"] == []
    assert '"idle": 7' in options["js"] and '"warning": 21' in options["js"]
    assert "继续使用" in options["js"] and "ms-restart" in options["js"]


def test_render_and_service_load_without_gradio():
    """A designer or a CLI can use the rendering and the service without the web framework."""
    code = "import sys, rag.web.render, rag.web.service; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("name", ["page.css", "kiosk.css", "root.css", "page.js"])
def test_the_look_is_in_static_files_served_with_the_page(settings, name):
    text = static_text(name)
    options = launch_options(settings, kiosk=True)
    assert text.strip() and any(text.split("__CONFIG__")[0] in options[k] for k in ("css", "head", "js"))


def test_only_the_ask_endpoint_is_public(service):
    demo = build_ui(service)
    public = {d.api_name for d in demo.fns.values() if d.api_visibility == "public"}
    assert public == {"ask"}


@pytest.mark.parametrize("kiosk", [False, True])
def test_theme_uses_system_fonts_only(kiosk):
    theme = make_theme(kiosk)
    assert theme._stylesheets == [] and theme._font_css == []  # no font files, local or remote
    assert "Noto Sans CJK SC" in theme.font


def test_handlers_over_the_real_answerer_in_memory(hash_pipeline, settings):
    """The page's chat turn over the real answerer (hash embedder, in-memory index): bold figure, source card."""
    service = ChatService(hash_pipeline, settings, FeedbackStore(settings.feedback_db))
    messages, session, box, _feedback_row, _status = service.on_ask("郑州有多少家养老机构？", None)
    html = messages[-1]["content"]
    assert '<strong class="ms-fig">93家</strong>' in html and '<details class="ms-source">' in html
    assert session.questions == ["郑州有多少家养老机构？"] and box == ""
    _, session, *_ = service.on_ask("郑州划分了多少个社区网格？", session)
    messages, session, *_ = service.on_ask("那农村网格呢？", session)  # read with the previous question
    assert '<strong class="ms-fig">11381个</strong>' in messages[-1]["content"]
    assert len(session.questions) == 3


# --- sources a resident can check, read-aloud, hand-off ----------------------

LINKED = {**Answer("q", "x", (CITATION,)).to_dict()["citations"][0], "url": "https://example.gov.cn/a?b=1&c=2"}


def test_web_card_links_the_original_and_keeps_the_file_for_maintainers():
    card = render_source_card(LINKED)
    assert '<a href="https://example.gov.cn/a?b=1&amp;c=2"' in card and "查看原文" in card
    assert '<p class="ms-source-file">文件：000_1d03f72a6a377aee.txt，第 1256–1303 字</p>' in card
    assert "ms-qr" not in card


def test_kiosk_card_has_a_qr_code_of_the_address_only():
    card = render_source_card(LINKED, view=View(kiosk=True))
    assert card.count('<img class="ms-qr" src="data:image/png;base64,') == 1
    assert "ms-qr" not in render_source_card({**LINKED, "url": "javascript:alert(1)"}, view=View(kiosk=True))
    decoded = segno.make("https://example.gov.cn/a?b=1&c=2", error="m").png_data_uri(scale=4, border=2, dark="#111827")
    assert decoded in card  # the code holds the address and nothing else


def test_speak_button_only_where_there_is_an_engine():
    answer = StubPipeline().ask("郑州有多少家养老机构？").to_dict()
    assert 'class="ms-speak"' not in render_answer(answer)
    assert render_answer(answer, View(speak=True)).count('class="ms-speak"') == 1


class FakeSpeaker:
    enabled = True

    def __init__(self, tmp_path):
        self.tmp_path, self.texts = tmp_path, []

    def speak(self, text):
        self.texts.append(text)
        path = self.tmp_path / f"{len(self.texts)}.wav"
        path.write_bytes(b"RIFF")
        return path


def test_speak_reads_the_chosen_answer_of_this_session(settings, tmp_path):
    speaker = FakeSpeaker(tmp_path)
    service = ChatService(StubPipeline(), settings, speaker=speaker)  # type: ignore[arg-type]
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", Session())
    _, session, *_ = service.on_ask("洛阳有多少家养老机构？", session)
    assert service.on_speak(0, session) is not None and speaker.texts == ["全市有93家养老机构[1]。"]
    service.on_speak(-1, session)
    assert "没有找到" in speaker.texts[-1]
    assert service.on_speak(7, session) is None and service.on_speak("x", session) is None
    assert service.on_speak(0, None) is None


def test_api_footer_is_hidden_in_both_modes_but_the_api_is_served(service, settings):
    for kiosk in (False, True):
        assert launch_options(settings, kiosk=kiosk)["footer_links"] == []
    assert any(d.api_name == "ask" for d in build_ui(service).fns.values())


def test_page_names_the_profile_place_and_shows_the_notice_before_the_first_question(settings):
    pipeline = StubPipeline()
    pipeline.profile = Profile(name="民生问答 · 某市", scope="某市的公共服务", hotline="12345")  # type: ignore[attr-defined]
    demo = build_ui(ChatService(pipeline, settings))
    html = " ".join(str(getattr(b, "value", "")) for b in demo.blocks.values() if isinstance(b, gr.HTML))
    assert "某市的公共服务" in html and "郑州" not in html
    assert 'href="tel:12345"' in html and 'aria-label="字号"' in html
    chat = next(b for b in demo.blocks.values() if isinstance(b, gr.Chatbot))
    assert "可能不完整" in chat.placeholder and "个人信息" in chat.placeholder


@pytest.mark.parametrize("read_aloud", [False, True])
def test_kiosk_reads_every_answer_only_when_the_setting_says_so(settings, tmp_path, read_aloud):
    kiosk_settings = settings.model_copy(update={"kiosk_read_aloud": read_aloud})
    service = ChatService(StubPipeline(), kiosk_settings, speaker=FakeSpeaker(tmp_path))  # type: ignore[arg-type]
    demo = build_ui(service, kiosk=True)
    audio = next(b for b in demo.blocks.values() if isinstance(b, gr.Audio))
    speaking = [d for d in demo.fns.values() if any(o._id == audio._id for o in d.outputs)]
    # 朗读 itself (clear, then speak) is always there; reading every answer adds one step per way to ask
    assert (len(speaking) > 2) is read_aloud


def test_page_works_with_read_aloud_off(settings):
    service = ChatService(StubPipeline(), settings.model_copy(update={"speech_engine": "off"}))
    assert not service.speaker.enabled
    build_ui(service, kiosk=True)  # builds without an engine
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", Session())
    assert service.on_speak(0, session) is None  # no audio, no error


# --- progress while an LLM reader works -----------------------------------------------------------


class ReadingPipeline(StubPipeline):
    reader = object()  # any reader: answers now take seconds


def test_with_a_reader_the_question_shows_at_once_with_a_typing_indicator_and_no_answer(settings):
    service = ChatService(ReadingPipeline(), settings)
    assert service.reads and not ChatService(StubPipeline(), settings).reads
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", Session())
    pending = service.on_pending("那<b>社区</b>呢？", session)
    assert pending[:-2] == session.messages and len(session.messages) == 2  # the session itself is unchanged
    assert "&lt;b&gt;" in pending[-2]["content"]  # the question, escaped
    indicator = pending[-1]["content"]
    assert 'role="status"' in indicator and "正在查阅资料" in shown(indicator)
    assert not re.search(r"\d", shown(indicator))  # nothing of an answer that is not checked yet


def test_with_a_reader_each_turn_shows_progress_first(settings):
    """The page chains the indicator before each turn only when a reader is on; the answer replaces it."""

    def turns(service: ChatService) -> int:
        demo = build_ui(service)
        return sum(1 for d in demo.fns.values() if getattr(d.fn, "__name__", "") == "on_pending")

    assert turns(ChatService(StubPipeline(), settings)) == 0
    reading = ChatService(ReadingPipeline(), settings)
    assert turns(reading) == 2 + sum(len(t.questions) for t in Profile().topics)  # Enter, 提问, each ready question
