"""The web chat and the kiosk.

- render: an answer dict -> HTML (pure functions; all escaping happens there)
- service: ChatService, the one code path to the pipeline, and the page's handlers (no Gradio)
- page: the Gradio Blocks and launch options; the look is in static/ (.css, .js)

The page's names are imported lazily, so `rag.web.render` and `rag.web.service` load without Gradio.
"""

from __future__ import annotations

from typing import Any

from rag.web.render import View, highlight, render_answer, render_question, render_source_card, source_line
from rag.web.service import ChatService, Session

_PAGE_NAMES = {"build_ui", "launch_options", "make_theme", "page_js", "show_topic", "static_text"}

__all__ = [
    "ChatService",
    "Session",
    "View",
    "highlight",
    "render_answer",
    "render_question",
    "render_source_card",
    "source_line",
    *sorted(_PAGE_NAMES),
]


def __getattr__(name: str) -> Any:
    if name in _PAGE_NAMES:
        from rag.web import page

        return getattr(page, name)
    raise AttributeError(f"module 'rag.web' has no attribute {name!r}")
