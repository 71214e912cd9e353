"""The page: the Gradio Blocks for the web chat and the kiosk, and how to launch them offline.

Handlers are ChatService methods (rag/web/service.py); the look is in static/page.css,
static/kiosk.css and static/page.js, read here and handed to Gradio's launch().
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

import gradio as gr

from rag.feedback import RATINGS
from rag.profile import Profile
from rag.settings import Settings
from rag.web.render import View
from rag.web.service import ChatService, Session

_esc = html.escape


@cache
def static_text(name: str) -> str:
    """A file of rag/web/static/, read once (package data, so an installed copy serves it too)."""
    return resources.files("rag.web").joinpath("static", name).read_text(encoding="utf-8")


def show_topic(index: int, count: int) -> list:
    """Select a topic: its button highlighted, its ready questions shown, the others hidden."""
    buttons = [gr.Button(variant="primary" if i == index else "secondary") for i in range(count)]
    return buttons + [gr.Column(visible=i == index) for i in range(count)]


def _turn(outputs: tuple) -> tuple:
    """A ChatService turn with its feedback-row flag as a Gradio visibility update."""
    messages, session, box, show_feedback, status = outputs
    return messages, session, box, gr.Column(visible=show_feedback), status


# System fonts only: Gradio's bundled fonts have no Chinese glyphs, some of its themes fetch Google
# Fonts, and a kiosk is offline. Debian: fonts-noto-cjk.
FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "system-ui",
    "sans-serif",
]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]


def make_theme(kiosk: bool) -> gr.themes.Base:
    """Gradio's Default theme on system fonts, with primary buttons dark enough for 4.5:1 contrast."""
    theme = gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=FONTS,
        font_mono=MONO_FONTS,
        text_size=gr.themes.sizes.text_lg,  # 16 px body text on the web: older readers
        spacing_size=gr.themes.sizes.spacing_md,
    )
    kiosk_sizes = dict(
        body_text_size="24px",
        prose_text_size="24px",
        chatbot_text_size="24px",
        input_text_size="24px",
        block_label_text_size="22px",
        block_info_text_size="22px",
        block_title_text_size="24px",
        section_header_text_size="24px",
        button_large_text_size="24px",
        button_medium_text_size="24px",
        button_small_text_size="22px",
    )
    return theme.set(
        **(kiosk_sizes if kiosk else {}),
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_primary_text_color_hover="white",
        button_primary_border_color="*primary_700",
        button_secondary_text_color="*neutral_900",
        body_text_color_subdued="*neutral_600",
        block_label_text_color="*neutral_700",
        block_title_text_color="*neutral_700",
        input_placeholder_color="*neutral_500",
    )


def page_js(settings: Settings, kiosk: bool) -> str:
    config = {"kiosk": kiosk, "idle": settings.kiosk_idle_seconds, "warning": settings.kiosk_warning_seconds}
    return static_text("page.js").replace("__CONFIG__", json.dumps(config))


def _header(kiosk: bool, profile: Profile) -> str:
    """Title, what the page does, and (web) the text-size switch, run by static/page.js."""
    hotline = _esc(profile.hotline)
    tel = f'<a class="ms-tel" href="tel:{hotline}">{hotline}</a>'
    if kiosk:
        lead = "点选话题里的问题，或在下面输入您的问题。本机不保存对话，无人操作时会自动清空。"
    else:
        lead = (
            f"解答{_esc(profile.scope)}的问题。回答只来自官方发布的文章，并注明出处；"
            f"文章里查不到的，会直接告诉您，并建议拨打 {tel} {_esc(profile.hotline_name)}。"
        )
    sizes = (
        ""
        if kiosk
        else '<div class="ms-size" role="group" aria-label="字号">'
        + "".join(
            f'<button type="button" class="ms-size-button" data-size="{i}" aria-pressed="{str(i == 0).lower()}">'
            f"{label}</button>"
            for i, label in enumerate(("标准", "大字", "特大"))
        )
        + "</div>"
    )
    return f'<div class="ms-header"><h1>{_esc(profile.name)}</h1>{sizes}<p>{lead}</p></div>'


def _notice(profile: Profile) -> str:
    """Shown in the empty chat, before the first question: where answers come from, their limits, privacy."""
    return (
        "**您好！** 请输入您的问题，或点选话题里的问题。\n\n"
        "回答只摘自官方发布的文章，每条都注明出处，但可能不完整，办事请以窗口和官方通知为准。"
        f"请不要输入身份证号、手机号等个人信息。需要人工帮助，请拨打 [{profile.hotline}](tel:{profile.hotline})。"
    )


def _speech_controls() -> tuple[gr.Number, gr.Button, gr.Audio]:
    """Read-aloud plumbing, hidden: page.js puts the answer's number in the box and clicks the button."""
    index = gr.Number(elem_id="ms-speak-index", precision=0, container=False, elem_classes="ms-hidden")
    go = gr.Button("朗读", elem_id="ms-speak-go", elem_classes="ms-hidden")
    audio = gr.Audio(
        elem_id="ms-audio",
        type="filepath",
        autoplay=False,  # page.js plays each new file itself: one player, stoppable from 朗读
        interactive=False,
        show_label=False,
        elem_classes="ms-hidden",
    )
    return index, go, audio


def _topics(topics: dict[str, tuple[str, ...]]) -> tuple[list[gr.Button], list[gr.Column], list[gr.Button]]:
    """Topic buttons, and under them each topic's ready questions (the first topic's shown)."""
    gr.HTML("<h2>按话题提问</h2><p>先点话题，再点问题，马上回答。</p>", padding=False)
    with gr.Row(elem_id="ms-topic-buttons"):
        buttons = [
            gr.Button(topic, variant="primary" if i == 0 else "secondary", elem_classes="ms-topic", min_width=100)
            for i, topic in enumerate(topics)
        ]
    groups: list[gr.Column] = []
    examples: list[gr.Button] = []
    for i, questions in enumerate(topics.values()):
        with gr.Column(visible=i == 0, elem_classes="ms-topic-questions") as group:
            examples += [gr.Button(q, elem_classes="ms-example") for q in questions]
        groups.append(group)
    return buttons, groups, examples


def build_ui(service: ChatService, kiosk: bool = False) -> gr.Blocks:
    """The page. Handlers are ChatService methods; the named API endpoint is /ask."""
    profile: Profile = getattr(service.pipeline, "profile", None) or Profile()
    topics = {t.name: t.questions for t in profile.topics}
    with gr.Blocks(title=profile.name, analytics_enabled=False, fill_width=kiosk) as demo:
        session = gr.State(Session())
        with gr.Row(equal_height=False):
            gr.HTML(_header(kiosk, profile), padding=False)
            restart = gr.Button("重新开始", elem_id="ms-restart", variant="secondary", scale=0, min_width=180)
        with gr.Row(equal_height=False, elem_id="ms-main"):
            with gr.Column(scale=3, min_width=360):
                chat = gr.Chatbot(
                    elem_id="ms-chat",
                    label="对话",
                    show_label=False,
                    height="46vh" if kiosk else "56vh",  # static/*.css sets it per screen size
                    autoscroll=False,  # static/page.js scrolls each new answer's first line into view
                    placeholder=_notice(profile),
                    feedback_options=None,  # our own labelled buttons below, large enough to tap
                    buttons=[] if kiosk else ["copy"],
                    latex_delimiters=[],
                    line_breaks=False,
                    group_consecutive_messages=False,
                )
                with gr.Column(visible=False, elem_id="ms-feedback") as feedback_row:
                    gr.HTML('<p class="ms-feedback-label">这个回答对您有帮助吗？</p>', padding=False)
                    with gr.Row():
                        rate_buttons = {
                            code: gr.Button(label, elem_id=f"ms-rate-{code}", elem_classes="ms-rate", min_width=100)
                            for code, label in RATINGS.items()
                        }
                status = gr.HTML("", elem_id="ms-status", padding=False)
                speak_index, speak_go, audio = _speech_controls()
                with gr.Row(equal_height=True):
                    box = gr.Textbox(
                        label="您的问题",
                        placeholder=f"例如：{profile.example}" if profile.example else "请输入您的问题",
                        elem_id="ms-question",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        autofocus=False,  # page.js focuses it on wide screens only: a phone opens at the top
                    )
                    send = gr.Button("提问", variant="primary", elem_id="ms-send", scale=1, min_width=120)
            with gr.Column(scale=2, min_width=320, elem_classes="ms-topics"):
                topic_buttons, topic_groups, examples = _topics(topics)

        view = View(kiosk=kiosk, speak=service.speaker.enabled)
        turn: dict = dict(
            fn=lambda q, s: _turn(service.on_ask(q, s, view)),
            outputs=[chat, session, box, feedback_row, status],
            api_visibility="private",
        )
        read_all = kiosk and service.settings.kiosk_read_aloud and service.speaker.enabled

        def answer_on(trigger, question: gr.components.Component) -> None:
            """A chat turn; with an LLM reader (seconds per answer), a typing indicator first."""
            if service.reads:
                pending = trigger(
                    fn=service.on_pending,
                    inputs=[question, session],
                    outputs=[chat],
                    api_visibility="private",
                    queue=False,
                )
                # the indicator is the progress: no second one from Gradio
                event = pending.then(inputs=[question, session], show_progress="hidden", **turn)
            else:
                event = trigger(inputs=[question, session], **turn)
            if read_all:
                event.then(**_read_latest(service, session, audio))

        for trigger in (box.submit, send.click):
            answer_on(trigger, box)
        for i, button in enumerate(topic_buttons):
            button.click(
                fn=lambda i=i: show_topic(i, len(topics)),
                outputs=[*topic_buttons, *topic_groups],
                api_visibility="private",
                queue=False,
            )
        for button in examples:
            answer_on(button.click, button)  # a button's value is its question
        speak_go.click(fn=service.on_speak, inputs=[speak_index, session], outputs=[audio], api_visibility="private")
        for code, button in rate_buttons.items():
            button.click(
                fn=lambda s, code=code: service.on_feedback(code, s),
                inputs=[session],
                outputs=[status, session],
                api_visibility="private",
            )
        reset: dict = dict(
            fn=lambda s: _turn(service.on_reset(s)),
            inputs=[session],
            outputs=[chat, session, box, feedback_row, status],
            api_visibility="private",
        )
        restart.click(**reset)
        chat.clear(**reset)

        def ask(question: str, history: list[str] | None = None) -> dict:
            """Answer a resident's question from the official articles.

            Args:
                question: the question, in Chinese (at most max_question_chars characters)
                history: the resident's earlier questions in this conversation, oldest first
            Returns:
                the structured answer: answer (text with [n] markers), refused, reason, figures, citations
            """
            return service.ask(question, history)

        gr.api(ask, api_name="ask")

    # Answers run side by side (no global lock); costly ones queue in their own lane (Pipeline.ask).
    demo.queue(default_concurrency_limit=service.settings.queue_workers, max_size=256)
    return demo


def _read_latest(service: ChatService, session: gr.State, audio: gr.Audio) -> dict:
    """The kiosk's read-every-answer step, chained after each chat turn."""
    return dict(fn=lambda s: service.on_speak(-1, s), inputs=[session], outputs=[audio], api_visibility="private")


def launch_options(settings: Settings, kiosk: bool = False) -> dict[str, Any]:
    """Keyword arguments for demo.launch(): offline, nothing kept in the browser."""
    return dict(
        server_name=settings.host,
        server_port=settings.port,
        theme=make_theme(kiosk),
        css=static_text("page.css") + (static_text("kiosk.css") if kiosk else ""),
        js=page_js(settings, kiosk),
        head=f"<style>{static_text('root.css')}</style>",
        footer_links=[],  # no "通过 API 使用" link for residents; the /ask API is still served
        run_history=False,  # no record of questions kept in the browser
        pwa=False,
        mcp_server=False,
        ssr_mode=False,
        enable_monitoring=False,
        show_error=False,
    )
