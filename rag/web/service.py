"""The chat service: the one code path to the pipeline and the page's handlers. No Gradio here.

ChatService.ask is the pipeline behind a lock (also the `/ask` API endpoint); on_ask,
on_feedback and on_reset are plain functions of (input, Session) that tests call without a
browser. They return plain values; rag/web/page.py turns them into Gradio updates.
"""

from __future__ import annotations

import logging
import tempfile
import time
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

from rag.constants import HOTLINE
from rag.errors import RagError
from rag.feedback import RATINGS, FeedbackStore
from rag.privacy import find_personal_data
from rag.settings import Settings
from rag.speech import Speaker, make_engine
from rag.types import Answer
from rag.web.render import PLAIN, View, render_answer, render_pending, render_question, render_status

log = logging.getLogger(__name__)

_HISTORY_LIMIT = 10  # earlier questions passed on; a follow-up needs only the last few


@dataclass
class Session:
    """One resident's conversation, held on the server (gr.State), never in the browser."""

    questions: list[str] = field(default_factory=list)  # earlier questions, oldest first: the history
    messages: list[dict] = field(default_factory=list)  # what the chat shows, already rendered
    last_answer: dict | None = None  # the answer the feedback buttons rate
    rated: bool = False
    replies: list[str] = field(default_factory=list)  # each assistant message's text, for 朗读


class ChatService:
    """The pipeline behind a lock, and the handlers the page calls."""

    def __init__(
        self, pipeline, settings: Settings, feedback: FeedbackStore | None = None, speaker: Speaker | None = None
    ):
        self.pipeline = pipeline
        self.settings = settings
        self.feedback = feedback or FeedbackStore.from_settings(settings)
        # Audio files live in the system temp folder (Gradio serves files from there) and hold
        # only answer text read aloud.
        self.speaker = speaker or Speaker(make_engine(settings), Path(tempfile.gettempdir()) / "minsheng-speech")

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

    @property
    def reads(self) -> bool:
        """Whether answers wait on an LLM reader (seconds, not milliseconds): the page then shows progress."""
        return getattr(self.pipeline, "reader", None) is not None

    def on_pending(self, question: str, session: Session | None) -> list[dict]:
        """The chat at once, while the answer is worked on: the question, and a typing indicator
        where its answer will be. The session is not changed; on_ask replaces both."""
        messages = list(session.messages) if session is not None else []
        question = (question if isinstance(question, str) else "").strip()
        if question:
            messages.append({"role": "user", "content": render_question(question, self.settings.max_question_chars)})
        return [*messages, {"role": "assistant", "content": render_pending()}]

    def on_ask(self, question: str, session: Session | None, view: View = PLAIN):
        """Chat turn -> (messages, session, textbox, feedback row shown, status)."""
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
        session.messages.append({"role": "assistant", "content": render_answer(result, view)})
        session.replies.append(str(result.get("answer", "")))
        if self._remembered(question):
            session.questions.append(question)
        return session.messages, session, "", session.last_answer is not None, ""

    def on_speak(self, which, session: Session | None) -> Path | None:
        """The audio of one assistant message (its 0-based number on screen; -1 = the latest), or None."""
        replies = session.replies if session is not None else []
        try:
            index = int(which)
            text = replies[index]
        except (TypeError, ValueError, IndexError):
            return None
        return self.speaker.speak(text)

    def on_feedback(self, rating: str, session: Session | None):
        """A rating of the latest answer -> (status, session). Stored masked."""
        session = deepcopy(session) if session is not None else Session()
        if session.last_answer is None:
            return render_status("请先提问，再评价回答。"), session
        if session.rated:
            return render_status("这条回答您已经评价过了，谢谢！"), session
        try:
            self.feedback.add(session.last_answer, rating)
        except Exception:
            log.exception("storing feedback failed")
            return render_status("抱歉，评价暂时没能保存。"), session
        session.rated = True
        return render_status(f"谢谢！已记录您的评价：“{RATINGS[rating]}”。"), session

    def on_reset(self, _session: Session | None = None):
        """Start over: the conversation is dropped on the server and the screen."""
        return [], Session(), "", False, render_status("对话已清空，可以开始新的提问。")


def _error_answer(question: str) -> dict:
    return Answer(
        question=question,
        text=f"抱歉，系统暂时出了问题，请稍后再试，或拨打市民服务热线 {HOTLINE}。",
        refused=True,
        reason="error",
        backend="error",
    ).to_dict()
