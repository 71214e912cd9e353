"""The web chat and the kiosk: pure rendering, plain handlers, and the Gradio page that wires them.

Layers, top to bottom:
- render_*: an answer dict (Answer.to_dict()) -> HTML. Everything that came from a
  resident or from the corpus is HTML-escaped here, and only here.
- ChatService: the one code path to the pipeline (`ask`, also the `/ask` API endpoint)
  and the UI handlers (`on_ask`, `on_feedback`, `on_reset`), plain functions of
  (input, Session) that tests call without a browser.
- build_ui / launch_options: the Gradio Blocks and how to launch them offline.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from rag.constants import HOTLINE
from rag.constants import MARKER as _MARKER
from rag.errors import RagError
from rag.feedback import RATINGS, FeedbackStore
from rag.privacy import find_personal_data, mask_personal_data
from rag.profile import Profile
from rag.settings import Settings
from rag.types import Answer

log = logging.getLogger(__name__)


# Answer.reason values: bad input is declined without sending the resident to the hotline.
_NOT_A_REFUSAL_OF_EVIDENCE = {"empty", "too_long"}
_HISTORY_LIMIT = 10  # earlier questions passed on; a follow-up needs only the last few
_PREVIEW_CHARS = 120  # how much of an over-long question is echoed on screen


# ---------------------------------------------------------------------------
# Rendering: answer dict -> HTML. Pure functions.

_esc = html.escape


def _occurrences(text: str, needles) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of every needle in text, longer needles first."""
    spans: list[tuple[int, int]] = []
    for needle in sorted({n for n in needles if n}, key=len, reverse=True):
        start = text.find(needle)
        while start != -1:
            end = start + len(needle)
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
            start = text.find(needle, start + 1)
    return sorted(spans)


def _wrap(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Escape text, wrapping each (start, end) span in its own open/close tags; overlaps are dropped."""
    out, pos = [], 0
    for start, end, open_tag, close_tag in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos:
            continue
        out.append(_esc(text[pos:start]))
        out.append(f"{open_tag}{_esc(text[start:end])}{close_tag}")
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def highlight(text: str, figures, tag: str = "mark") -> str:
    """The text, escaped, with every occurrence of each figure wrapped in <tag>."""
    return _wrap(text, [(s, e, f"<{tag}>", f"</{tag}>") for s, e in _occurrences(text, figures)])


def render_answer_text(text: str, figures=(), hotline: bool = False) -> str:
    """The reply: figures in bold, [n] markers styled, the hotline number emphasised."""
    spans = [(s, e, '<strong class="ms-fig">', "</strong>") for s, e in _occurrences(text, figures)]
    spans += [(m.start(), m.end(), '<sup class="ms-ref">', "</sup>") for m in _MARKER.finditer(text)]
    if hotline:
        spans += [(s, e, '<strong class="ms-hotline-number">', "</strong>") for s, e in _occurrences(text, [HOTLINE])]
    return _wrap(text, spans)


def render_source_card(citation: dict, answer_figures=()) -> str:
    """An expandable card: article and section, then the cited sentence with its figures marked."""
    figures = citation.get("figures") or [f for f in answer_figures if f in citation.get("text", "")]
    where = _esc(f"《{citation.get('article', '')}》") if citation.get("article") else ""
    if citation.get("section"):
        where += f'<span class="ms-section"> · {_esc(citation["section"])}</span>'
    return (
        '<details class="ms-source">'
        f'<summary><span class="ms-ref">[{int(citation.get("marker", 0))}]</span> {where}'
        '<span class="ms-open-hint">点开看原文</span></summary>'
        f'<blockquote class="ms-quote">{highlight(citation.get("text", ""), figures)}</blockquote>'
        f'<p class="ms-source-meta">{source_line(citation)}</p>'
        "</details>"
    )


def source_line(citation: dict) -> str:
    """出处：《title》 · publisher · date, with a link to the original when the article has one."""
    title = str(citation.get("article") or citation.get("source") or "")
    parts = [f"《{_esc(title)}》"] if title else []
    parts += [_esc(str(citation[k])) for k in ("publisher", "date") if citation.get(k)]
    line = "出处：" + " · ".join(parts)
    url = str(citation.get("url") or "")
    if url.startswith(("https://", "http://")):
        line += f' · <a href="{_esc(url, quote=True)}" target="_blank" rel="noopener noreferrer">查看原文</a>'
    return line


def render_answer(answer: dict) -> str:
    """An assistant message: the reply, how a follow-up was understood, the hotline when refused, the sources."""
    refused = bool(answer.get("refused"))
    hotline = refused and answer.get("reason") not in _NOT_A_REFUSAL_OF_EVIDENCE
    text = str(answer.get("answer", ""))
    reason = re.sub(r"[^a-z_]", "", str(answer.get("reason", "")))  # a class: Gradio's sanitizer drops data-*
    parts = [f'<div class="ms-answer ms-reason-{reason}{" ms-refused" if refused else ""}">']
    parts.append(f'<p class="ms-answer-text">{render_answer_text(text, answer.get("figures", ()), hotline)}</p>')
    rewritten = str(answer.get("rewritten_question") or "")
    if (
        rewritten and str(answer.get("question", "")) not in rewritten and not refused
    ):  # a real rewrite, not a concatenation
        parts.append(f'<p class="ms-rewritten">按“{_esc(rewritten)}”理解</p>')
    if hotline and HOTLINE not in text:
        parts.append(
            f'<p class="ms-hotline">如需帮助，请拨打市民服务热线 <strong class="ms-hotline-number">{HOTLINE}</strong>。</p>'
        )
    citations = answer.get("citations") or []
    if citations:
        cards = "".join(render_source_card(c, answer.get("figures", ())) for c in citations)
        parts.append(
            f'<div class="ms-sources"><p class="ms-sources-title">来源（共 {len(citations)} 处）</p>{cards}</div>'
        )
    parts.append("</div>")
    return "".join(parts)


def render_question(question: str, max_chars: int) -> str:
    """A resident's question as shown back: escaped, phone/ID numbers masked, over-long ones cut."""
    shown = mask_personal_data(question)
    note = ""
    if len(question) > max_chars:
        shown = shown[:_PREVIEW_CHARS] + "…"
        note = f'<span class="ms-note">（共 {len(question)} 字，只显示开头）</span>'
    return f'<p class="ms-question">{_esc(shown)}{note}</p>'


# ---------------------------------------------------------------------------
# Handlers


@dataclass
class Session:
    """One resident's conversation, held on the server (gr.State), never in the browser."""

    questions: list[str] = field(default_factory=list)  # earlier questions, oldest first: the history
    messages: list[dict] = field(default_factory=list)  # what the chat shows, already rendered
    last_answer: dict | None = None  # the answer the feedback buttons rate
    rated: bool = False


class ChatService:
    """The pipeline behind a lock, and the handlers the page calls."""

    def __init__(self, pipeline, settings: Settings, feedback: FeedbackStore | None = None):
        self.pipeline = pipeline
        self.settings = settings
        self.feedback = feedback or FeedbackStore.from_settings(settings)

    # The one code path to the pipeline: the chat and the /ask API both come here. The answerer
    # itself declines empty, over-long and personal-data questions, with the same words as the CLI.
    def ask(self, question: str, history: list[str] | None = None) -> dict:
        """Answer a resident's question from the official articles; history = earlier questions, oldest first."""
        question = question if isinstance(question, str) else ""
        started = time.perf_counter()
        # No lock: the e5 engine allocates per call on a read-only model, jieba is initialised at load,
        # FAISS and BM25 only read; one costly request no longer holds the others back (issue 12).
        answer = self.pipeline.ask(question, self._clean_history(history))
        log.info("answered in %.0f ms (%s)", (time.perf_counter() - started) * 1000, answer.reason)
        return answer.to_dict()

    def _clean_history(self, history) -> list[str]:
        if not isinstance(history, (list, tuple)):
            return []
        limit = self.settings.max_question_chars
        kept = [h.strip() for h in history if isinstance(h, str) and h.strip() and len(h.strip()) <= limit]
        return kept[-_HISTORY_LIMIT:]

    def _remembered(self, question: str) -> bool:
        """Whether a question may serve as history for the next one (never one carrying personal data)."""
        return bool(question) and len(question) <= self.settings.max_question_chars and not find_personal_data(question)

    def on_ask(self, question: str, session: Session | None):
        """Chat turn -> (messages, session, textbox, feedback row, status)."""
        session = deepcopy(session) if session is not None else Session()
        question = (question if isinstance(question, str) else "").strip()
        try:
            result = self.ask(question, session.questions)
        except RagError as exc:
            log.error("answering failed: %s", exc)
            result = _error_answer(question)
        except Exception:  # the page must keep working whatever happens below
            log.exception("answering failed")
            result = _error_answer(question)
        if question:
            session.messages.append(
                {"role": "user", "content": render_question(question, self.settings.max_question_chars)}
            )
            session.last_answer, session.rated = result, False
        session.messages.append({"role": "assistant", "content": render_answer(result)})
        if self._remembered(question):
            session.questions.append(question)
        return session.messages, session, "", gr.Column(visible=session.last_answer is not None), ""

    def on_feedback(self, rating: str, session: Session | None):
        """A rating of the latest answer -> (status, session). Stored masked."""
        session = deepcopy(session) if session is not None else Session()
        if session.last_answer is None:
            return _status("请先提问，再评价回答。"), session
        if session.rated:
            return _status("这条回答您已经评价过了，谢谢！"), session
        try:
            self.feedback.add(session.last_answer, rating)
        except Exception:
            log.exception("storing feedback failed")
            return _status("抱歉，评价暂时没能保存。"), session
        session.rated = True
        return _status(f"谢谢！已记录您的评价：“{RATINGS[rating]}”。"), session

    def on_reset(self, _session: Session | None = None):
        """Start over: the conversation is dropped on the server and the screen."""
        return [], Session(), "", gr.Column(visible=False), _status("对话已清空，可以开始新的提问。")


def show_topic(index: int, count: int) -> list:
    """Select a topic: its button highlighted, its ready questions shown, the others hidden."""
    buttons = [gr.Button(variant="primary" if i == index else "secondary") for i in range(count)]
    return buttons + [gr.Column(visible=i == index) for i in range(count)]


def _error_answer(question: str) -> dict:
    return Answer(
        question=question,
        text=f"抱歉，系统暂时出了问题，请稍后再试，或拨打市民服务热线 {HOTLINE}。",
        refused=True,
        reason="error",
        backend="error",
    ).to_dict()


def _status(message: str) -> str:
    return f'<p class="ms-status" role="status">{_esc(message)}</p>'


# ---------------------------------------------------------------------------
# The page

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

CSS = """
.ms-header h1 { font-size: 1.9em; margin: 0 0 .2em; color: var(--body-text-color); }
.ms-header p { margin: 0; color: var(--body-text-color); line-height: 1.6; }
.ms-answer, .ms-question { line-height: 1.7; }
.ms-answer p, .ms-question { margin: 0 0 .4em; }
.ms-ref { color: #1d4ed8; font-weight: 700; font-size: .8em; }
.dark .ms-ref { color: #93c5fd; }
.ms-fig, .ms-hotline-number { font-weight: 700; }
.ms-refused { border-left: 5px solid #b45309; padding-left: .7em; }
.ms-hotline { padding: .5em .75em; border-left: 5px solid #b45309; background: #fffbeb; color: #1f2937; border-radius: 6px; }
.ms-hotline-number { font-size: 1.1em; letter-spacing: .03em; }
.ms-rewritten, .ms-note, .ms-source-meta, .ms-open-hint { color: var(--body-text-color-subdued); font-size: .85em; }
.ms-open-hint { margin-left: .6em; font-weight: 400; }
details.ms-source[open] .ms-open-hint { display: none; }
.ms-sources { margin-top: .6em; }
.ms-sources-title { font-size: .9em; font-weight: 600; margin: 0 0 .3em; }
details.ms-source { border: 1px solid var(--border-color-primary); border-radius: 8px; margin: .35em 0; background: var(--background-fill-secondary); }
details.ms-source > summary { cursor: pointer; padding: .55em .8em; font-weight: 600; min-height: 44px; box-sizing: border-box; }
details.ms-source[open] > summary { border-bottom: 1px solid var(--border-color-primary); }
details.ms-source blockquote.ms-quote { margin: .6em .8em; padding: .2em .8em; border-left: 4px solid #1d4ed8; color: var(--body-text-color); font-style: normal; }
details.ms-source mark { background: #fde047; color: #111827; padding: 0 .15em; border-radius: 3px; font-weight: 700; }
.ms-source-meta { margin: 0 .8em .6em; }
.ms-feedback-label { font-weight: 600; margin: 0; }
#ms-topic-buttons { flex-wrap: wrap; }
#ms-topic-buttons > button { flex: 1 1 auto; width: auto; min-width: max-content; white-space: nowrap; }
.ms-status { margin: .2em 0; font-weight: 600; color: var(--body-text-color); }
.ms-topics h2 { font-size: 1.25em; margin: 0 0 .3em; }
.ms-example { justify-content: flex-start !important; text-align: left !important; white-space: normal !important; }
"""

KIOSK_CSS = """
.gradio-container { max-width: none !important; padding: 12px 24px !important; }
.ms-header h1 { font-size: 40px; }
.gradio-container > main, .gradio-container .main { gap: 12px; }
.ms-header p, .ms-answer, .ms-question, .ms-status, .ms-feedback-label, .ms-topics p { font-size: 24px; }
.ms-source-meta, .ms-rewritten, .ms-note, .ms-open-hint, .ms-ref { font-size: 22px; }
.ms-topics h2 { font-size: 28px; }
#ms-chat .top-panel { display: none; }
button { min-height: 56px; }
#ms-restart { min-height: 72px; min-width: 220px; font-size: 30px; font-weight: 700; }
#ms-question textarea { line-height: 1.5; }
.ms-topic { min-height: 64px; }
.ms-example { min-height: 72px; padding: 10px 18px !important; }
details.ms-source > summary { min-height: 56px; padding: 12px 14px; }
#ms-idle { position: fixed; inset: 0; z-index: 10000; display: flex; align-items: center; justify-content: center; background: rgba(15, 23, 42, .72); }
#ms-idle[hidden] { display: none; }
.ms-idle-box { background: #ffffff; color: #111827; border-radius: 16px; padding: 40px 48px; max-width: 680px; text-align: center; box-shadow: 0 20px 50px rgba(0, 0, 0, .4); }
.ms-idle-box h2 { font-size: 36px; margin: 0 0 16px; color: #111827; }
.ms-idle-box p { font-size: 28px; line-height: 1.5; margin: 0 0 28px; color: #111827; }
#ms-idle-count { font-weight: 700; font-size: 40px; color: #b91c1c; }
#ms-idle-continue { min-height: 80px; min-width: 280px; font-size: 32px; font-weight: 700; color: #ffffff; background: #1d4ed8; border: none; border-radius: 12px; cursor: pointer; }
"""

# Runs once when the page loads. In kiosk mode it watches for touches and keys; after `idle`
# seconds without any, it shows a warning with a countdown and a 继续使用 button (any touch also
# continues); when the countdown ends it presses 重新开始, which clears the server session too.
_PAGE_JS = """
() => {
  document.documentElement.lang = "zh-CN";
  const cfg = __CONFIG__;
  if (!cfg.kiosk) return;
  const overlay = document.createElement("div");
  overlay.id = "ms-idle";
  overlay.hidden = true;
  overlay.setAttribute("role", "alertdialog");
  overlay.setAttribute("aria-modal", "true");
  overlay.setAttribute("aria-labelledby", "ms-idle-title");
  overlay.setAttribute("aria-describedby", "ms-idle-text");
  overlay.innerHTML = '<div class="ms-idle-box"><h2 id="ms-idle-title">您还在使用吗？</h2>' +
    '<p id="ms-idle-text" aria-live="polite"><span id="ms-idle-count"></span> 秒后将清空本次对话，保护您的隐私。</p>' +
    '<button type="button" id="ms-idle-continue">继续使用</button></div>';
  document.body.appendChild(overlay);
  const count = overlay.querySelector("#ms-idle-count");
  let last = Date.now(), dirty = false, warnedAt = null;
  const hide = () => { overlay.hidden = true; warnedAt = null; };
  const touched = () => { last = Date.now(); dirty = true; if (warnedAt !== null) hide(); };
  for (const type of ["pointerdown", "touchstart", "keydown", "wheel", "input"]) {
    document.addEventListener(type, touched, { capture: true, passive: true });
  }
  document.addEventListener("click", (event) => {
    if (event.isTrusted && event.target.closest("#ms-restart")) { dirty = false; hide(); }
  }, true);
  setInterval(() => {
    if (!dirty) return;
    const now = Date.now();
    if (warnedAt === null && now - last >= cfg.idle * 1000) {
      warnedAt = now;
      overlay.hidden = false;
      overlay.querySelector("#ms-idle-continue").focus();
    }
    if (warnedAt === null) return;
    const left = Math.max(0, Math.ceil(cfg.warning - (now - warnedAt) / 1000));
    count.textContent = String(left);
    if (left === 0) {
      hide();
      dirty = false;
      const restart = document.getElementById("ms-restart");
      if (restart) restart.click();
      window.scrollTo(0, 0);
    }
  }, 250);
}
"""


def make_theme(kiosk: bool) -> gr.themes.Base:
    """Gradio's Default theme on system fonts, with primary buttons dark enough for 4.5:1 contrast."""
    theme = gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=FONTS,
        font_mono=MONO_FONTS,
        text_size=gr.themes.sizes.text_lg if kiosk else gr.themes.sizes.text_md,
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
    return _PAGE_JS.replace("__CONFIG__", json.dumps(config))


def _header(kiosk: bool, profile: Profile) -> str:
    if kiosk:
        lead = "点选话题里的问题，或在下面输入您的问题。本机不保存对话，无人操作时会自动清空。"
    else:
        lead = (
            f"解答{_esc(profile.scope)}的问题。回答只来自官方发布的文章，并注明出处；"
            f"文章里查不到的，会直接告诉您，并建议拨打 {_esc(profile.hotline)} 市民服务热线。"
        )
    return f'<div class="ms-header"><h1>{_esc(profile.name)}</h1><p>{lead}</p></div>'


def build_ui(service: ChatService, kiosk: bool = False) -> gr.Blocks:
    """The page. Handlers are ChatService methods; the named API endpoint is /ask."""
    profile: Profile = getattr(service.pipeline, "profile", None) or Profile()
    topics = {t.name: t.questions for t in profile.topics}
    with gr.Blocks(title=profile.name, analytics_enabled=False, fill_width=kiosk) as demo:
        session = gr.State(Session())
        with gr.Row(equal_height=False):
            gr.HTML(_header(kiosk, profile), padding=False)
            restart = gr.Button("重新开始", elem_id="ms-restart", variant="secondary", scale=0, min_width=180)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chat = gr.Chatbot(
                    elem_id="ms-chat",
                    label="对话",
                    show_label=False,
                    height="46vh" if kiosk else 560,
                    placeholder="**您好！** 请输入您的问题，或点选话题里的问题。每个回答都注明出处。",
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
                with gr.Row(equal_height=True):
                    box = gr.Textbox(
                        label="您的问题",
                        placeholder=f"例如：{profile.example}" if profile.example else "请输入您的问题",
                        elem_id="ms-question",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        autofocus=not kiosk,
                    )
                    send = gr.Button("提问", variant="primary", elem_id="ms-send", scale=1, min_width=120)
            with gr.Column(scale=2, min_width=320, elem_classes="ms-topics"):
                gr.HTML("<h2>按话题提问</h2><p>先点话题，再点问题，马上回答。</p>", padding=False)
                with gr.Row(elem_id="ms-topic-buttons"):
                    topic_buttons = [
                        gr.Button(
                            topic, variant="primary" if i == 0 else "secondary", elem_classes="ms-topic", min_width=100
                        )
                        for i, topic in enumerate(topics)
                    ]
                topic_groups: list[gr.Column] = []
                examples: list[gr.Button] = []
                for i, questions in enumerate(topics.values()):
                    with gr.Column(visible=i == 0, elem_classes="ms-topic-questions") as group:
                        examples += [gr.Button(q, elem_classes="ms-example") for q in questions]
                    topic_groups.append(group)

        turn: dict = dict(
            fn=service.on_ask, outputs=[chat, session, box, feedback_row, status], api_visibility="private"
        )
        box.submit(inputs=[box, session], **turn)
        send.click(inputs=[box, session], **turn)
        for i, button in enumerate(topic_buttons):
            button.click(
                fn=lambda i=i: show_topic(i, len(topics)),
                outputs=[*topic_buttons, *topic_groups],
                api_visibility="private",
                queue=False,
            )
        for button in examples:
            button.click(inputs=[button, session], **turn)  # a button's value is its question
        for code, button in rate_buttons.items():
            button.click(
                fn=lambda s, code=code: service.on_feedback(code, s),
                inputs=[session],
                outputs=[status, session],
                api_visibility="private",
            )
        reset: dict = dict(
            fn=service.on_reset,
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


def launch_options(settings: Settings, kiosk: bool = False) -> dict[str, Any]:
    """Keyword arguments for demo.launch(): offline, nothing kept in the browser."""
    return dict(
        server_name=settings.host,
        server_port=settings.port,
        theme=make_theme(kiosk),
        css=CSS + (KIOSK_CSS if kiosk else ""),
        js=page_js(settings, kiosk),
        footer_links=[] if kiosk else ["api"],
        run_history=False,  # no record of questions kept in the browser
        pwa=False,
        mcp_server=False,
        ssr_mode=False,
        enable_monitoring=False,
        show_error=False,
    )
