"""Rendering: an answer dict (Answer.to_dict()) -> HTML. Pure functions, no Gradio.

Everything that came from a resident or from the corpus is HTML-escaped here, and only here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import segno

from rag.constants import HOTLINE
from rag.constants import MARKER as _MARKER
from rag.privacy import mask_personal_data

# Answer.reason values: bad input is declined without sending the resident to the hotline.
NOT_A_REFUSAL_OF_EVIDENCE = {"empty", "too_long"}
_PREVIEW_CHARS = 120  # how much of an over-long question is echoed on screen


@dataclass(frozen=True)
class View:
    """How answers are drawn for one page: the kiosk gets QR codes, a page with an engine gets 朗读."""

    kiosk: bool = False
    speak: bool = False


PLAIN = View()  # the web page without read-aloud


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
        spans += [(s, e, _HOTLINE_OPEN, _HOTLINE_CLOSE) for s, e in _occurrences(text, [HOTLINE])]
    return _wrap(text, spans)


# The hotline is a tel: link, so a resident on a phone calls it with one tap.
_HOTLINE_OPEN = f'<a class="ms-tel" href="tel:{HOTLINE}"><strong class="ms-hotline-number">'
_HOTLINE_CLOSE = "</strong></a>"


@lru_cache(maxsize=256)
def qr_image(url: str) -> str:
    """An <img> with a QR code of the address (made offline by segno), for a phone to take away."""
    uri = segno.make(url, error="m").png_data_uri(scale=4, border=2, dark="#111827")
    return f'<img class="ms-qr" src="{uri}" alt="二维码：用手机扫码打开原文 {_esc(url, quote=True)}">'


def _source_file(citation: dict) -> str:
    """The file and character offsets, for maintainers; residents read the line above it."""
    where = _esc(str(citation.get("source") or ""))
    if where and citation.get("end"):
        where += f"，第 {int(citation.get('start') or 0)}–{int(citation['end'])} 字"
    return f'<p class="ms-source-file">文件：{where}</p>' if where else ""


def render_source_card(citation: dict, answer_figures=(), view: View = PLAIN) -> str:
    """An expandable card: article and section, the cited sentence with its figures marked, where it is from."""
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
        f"{_qr(citation) if view.kiosk else ''}{_source_file(citation)}"
        "</details>"
    )


def _qr(citation: dict) -> str:
    url = str(citation.get("url") or "")
    return qr_image(url) if url.startswith(("https://", "http://")) else ""


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


def render_answer(answer: dict, view: View = PLAIN) -> str:
    """An assistant message: the reply, how a follow-up was understood, the hotline when refused, the sources."""
    refused = bool(answer.get("refused"))
    hotline = refused and answer.get("reason") not in NOT_A_REFUSAL_OF_EVIDENCE
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
            f'<p class="ms-hotline">如需帮助，请拨打市民服务热线 {_HOTLINE_OPEN}{HOTLINE}{_HOTLINE_CLOSE}。</p>'
        )
    if view.speak and text:
        parts.append('<button type="button" class="ms-speak">朗读</button>')
    citations = answer.get("citations") or []
    if citations:
        cards = "".join(render_source_card(c, answer.get("figures", ()), view) for c in citations)
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


def render_pending() -> str:
    """Where the answer will be, while an LLM reader works: progress only, never a word of the
    answer (it is shown once it has passed its checks)."""
    dots = '<span class="ms-typing-dots" aria-hidden="true"><span></span><span></span><span></span></span>'
    return f'<p class="ms-typing" role="status">{dots}正在查阅资料，请稍候…</p>'


def render_status(message: str) -> str:
    """A one-line status under the chat, announced by screen readers."""
    return f'<p class="ms-status" role="status">{_esc(message)}</p>'
