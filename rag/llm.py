"""Optional LLM backend: rephrase a grounded extractive answer more fluently.

Off unless `Settings.llm_base_url` is set. Any OpenAI-compatible chat endpoint
works (vLLM, Ollama, llama.cpp server, hosted Qwen/DeepSeek), through
`langchain_openai.ChatOpenAI`. The LLM never answers on its own: it only rewrites
the extractive answer over the passages that answer cites. Its reply is used only
when it keeps every figure of that answer (with its 近/超/余/多 qualifier), states
no other figure and keeps the [n] markers; the answerer then runs the figure guard
on it as well, and falls back to the extractive answer on None, on an exception or
when the guard fails.

langchain_openai (and the openai SDK under it) is imported only when a rephraser
is built, so the default path never pays for it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from rag.constants import HOTLINE, MARKER
from rag.errors import BackendUnavailableError
from rag.figures import Figure, extract_figures, same_value
from rag.settings import Settings
from rag.types import Answer

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

NAME = "llm"
PLACEHOLDER_API_KEY = "not-needed"  # local servers ignore the key, the openai SDK insists on one
MAX_TOKENS = 512  # 1-3 sentences; bounds the time a runaway generation can take

SYSTEM_PROMPT = """你是民生问答助手的润色环节。你只把给出的“原回答”改写得更通顺、更口语化，不增加任何信息。
规则：
1. 用提问所用的语言回答（中文提问用中文，英文提问用英文），1到3句话。
2. 每个数字都必须与“引用资料”中的写法完全一致，连同“近”“超”“余”“多”等限定词和单位一起照抄（例如“近4.8万”“1.5万余张”“超六成”），不换算、不取整、不省略。
3. 保留原回答中的每个引用标记（如[1]），放在它所支持的内容之后；不新增标记。
4. 不添加原回答之外的任何数字，不给建议，不使用引用资料以外的知识。
5. 只输出改写后的回答本身，不要解释，不要寒暄。"""

_THINK = re.compile(r"<think>.*?</think>", re.S)  # reasoning models served raw (Qwen3, DeepSeek-R1)


def build_messages(question: str, answer: Answer) -> list[BaseMessage]:
    """The system and user messages for one rephrasing: question, extractive answer, cited passages."""
    from langchain_core.messages import HumanMessage, SystemMessage

    asked = f"问题：{question.strip()}"
    if answer.rewritten_question and answer.rewritten_question.strip() != question.strip():
        asked += f"\n（结合上文，问题的意思是：{answer.rewritten_question}）"
    passages = "\n".join(f"[{c.marker}] {c.text}" for c in answer.citations)
    user = f"{asked}\n\n原回答：{answer.text}\n\n引用资料：\n{passages}\n\n请按规则改写原回答。"
    return [SystemMessage(content=SYSTEM_PROMPT), HumanMessage(content=user)]


def _is_hotline(fig: Figure) -> bool:
    return any(same_value(fig, h) and fig.unit == h.unit for h in extract_figures(HOTLINE))


def keeps_answer(text: str, answer: Answer) -> bool:
    """Whether a rephrasing says what the extractive answer says: every figure of the answer,
    with the same qualifier (近4.8万 is not 4.8万), no other figure, and the same [n] markers.

    The figure guard only checks that each stated figure is in a cited passage; this also
    rejects a reply that drops a figure, drops or changes a qualifier, or cites differently.
    """
    wanted = [f for f in extract_figures(answer.text) if not _is_hotline(f)]
    stated = extract_figures(text)
    if not all(any(same_value(s, w, strict_qualifier=True) for s in stated) for w in wanted):
        return False
    if not all(_is_hotline(s) or any(same_value(s, w, strict_qualifier=True) for w in wanted) for s in stated):
        return False
    return set(MARKER.findall(text)) == set(MARKER.findall(answer.text))


class LLMRephraser:
    """The Rephraser of rag.answer over an OpenAI-compatible chat endpoint."""

    name = NAME

    def __init__(self, settings: Settings):
        try:
            from langchain_openai import ChatOpenAI  # lazy: costs ~1-2 s, only when the backend is on
        except ImportError as exc:
            raise BackendUnavailableError(
                "MINSHENG_LLM_BASE_URL is set, but the LLM backend needs langchain-openai: "
                'pip install "minsheng[llm]" (or unset MINSHENG_LLM_BASE_URL to answer extractively).'
            ) from exc

        self.base_url = settings.llm_base_url
        self.model = settings.llm_model
        self.chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or PLACEHOLDER_API_KEY,
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            max_retries=0,  # a slow or failing server costs one timeout, then the extractive answer
            temperature=0,
            max_tokens=MAX_TOKENS,
            use_responses_api=False,  # compatible servers speak /chat/completions only
        )

    def rephrase(self, question: str, answer: Answer) -> str | None:
        """The fluent answer, or None when there is nothing safe to say. Errors propagate."""
        if answer.refused or not answer.citations:
            return None  # a refusal is never rephrased: nothing grounded to rephrase
        try:
            reply = self.chat.invoke(build_messages(question, answer))
        except Exception as exc:
            log.warning("LLM backend %s (%s) failed, answering extractively: %s", self.base_url, self.model, exc)
            raise
        text = _THINK.sub("", str(reply.text)).strip()
        if not text:
            return None
        if not keeps_answer(text, answer):
            log.info("LLM rephrasing dropped or changed a figure or marker, answering extractively: %r", text)
            return None
        return text


def make_rephraser(settings: Settings) -> LLMRephraser | None:
    """The LLM rephraser when a base URL is configured, else None (extractive only)."""
    if not settings.llm_base_url.strip():
        return None
    return LLMRephraser(settings)
