"""Optional LLM reader: answer from the retrieved passages in the reader's own words, checked in code.

Off unless `Settings.llm_base_url` is set. Any OpenAI-compatible chat endpoint works (vLLM,
Ollama, llama.cpp, hosted Qwen/DeepSeek) through `langchain_openai.ChatOpenAI` and LangChain's
structured output: the model fills a JSON schema (found, answer, cited), never free text that
would have to be parsed for citations.

The reader runs after the extractive answerer, on the same retrieval (the question's place and
year already applied), so it can answer what the rules missed: by default (`llm_reads`) only
what they refused or answered with fewer figures than asked, or every answer. Its reply reaches a resident only
when rag/verify.py passes it: every figure as written in a passage, of what was asked, of the
asked place and year, cited. Otherwise (a failed check, "not in the passages", a slow, failing
or garbled server) the resident gets the extractive answer or its refusal, and the log says why.

The prompt and the schema are package data (rag/prompts/<name>/), or a deployment's own folder
(`llm_prompt`): wording changes without touching code. langchain_openai is imported only when a
reader is built, so the default path never pays for it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from rag.errors import BackendUnavailableError, SettingsError
from rag.figures import extract_figures
from rag.instructions import looks_like_instruction
from rag.places import english_in_chinese, gazetteer
from rag.settings import Settings
from rag.types import Answer, Hit
from rag.verify import Bounds, Passage, Reply, Verdict, verify

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from rag.answer import Answerer
    from rag.question import Question

log = logging.getLogger(__name__)

NAME = "llm"
PLACEHOLDER_API_KEY = "not-needed"  # local servers ignore the key, the openai SDK insists on one
MAX_TOKENS = 256  # one or two sentences in JSON; bounds the time a runaway generation can take
JUDGE_ALTERNATIVES = 10  # first tokens weighed by a second reading (OpenAI's API allows up to 20)
# Extractive outcomes the reader may improve on. Bad input, greetings, personal data, places no
# article covers, the future and procedures keep their fixed replies: no passage can answer them.
READABLE = frozenset({"answered", "no_evidence", "other_subject", "other_year", "guard_blocked"})
_THINK = re.compile(r"<think>.*?</think>", re.S)  # reasoning models served raw (Qwen3, DeepSeek-R1)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


@dataclass(frozen=True)
class Prompts:
    """The reader's wording and output schema, read from one folder."""

    system: Template
    user: Template
    schema: dict[str, Any]  # {"name", "description", "strict", "schema"}: an OpenAI json_schema format
    # optional (reader-v3 on): an English question is translated, then answered and checked in Chinese
    translate: Template | None = None
    translate_schema: dict[str, Any] | None = None
    # optional (reader-v4 on): a second reading of one sentence, when its words say too little of the
    # question to tell a resident's own wording from another subject (rag/verify.py, Bounds.judge)
    judge: Template | None = None
    # a JSON schema (reader-v4: a boolean), or "choices" (reader-v5): the yes and no words the
    # model's first word is weighed between, by the probabilities it gives them (chosen, below)
    judge_schema: dict[str, Any] | None = None
    judge_system: str = ""  # its instructions, as a system message (judge-system.txt)

    @property
    def judge_choices(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(yes words, no words) when the second reading weighs the model's first word, else None."""
        choices = (self.judge_schema or {}).get("choices")
        return None if choices is None else (tuple(choices["yes"]), tuple(choices["no"]))

    @classmethod
    def load(cls, where: str) -> Prompts:
        """`where`: a folder of system.txt, user.txt and schema.json, or the name of one in rag/prompts/."""
        folder: Any = Path(where)
        if not folder.is_dir():
            folder = resources.files("rag").joinpath("prompts", where)
        try:
            system, user, schema = (folder.joinpath(n).read_text(encoding="utf-8") for n in _PROMPT_FILES)
            parsed = json.loads(schema)
        except (OSError, ValueError) as exc:
            raise SettingsError(
                f"MINSHENG_LLM_PROMPT={where!r}: not a folder with {', '.join(_PROMPT_FILES)} ({exc}). "
                "Name a folder of rag/prompts/ (reader-v1) or a folder of your own with those three files."
            ) from exc
        if not {"name", "schema"} <= set(parsed):
            raise SettingsError(
                f"{where}/schema.json needs a name and a schema (an OpenAI json_schema response format)."
            )
        translate, translate_schema = _optional_step(folder, where, "translate")
        judge, judge_schema = _optional_step(folder, where, "judge")
        if judge_schema is not None and not _judges(judge_schema):
            raise SettingsError(
                f'{where}/judge.json needs a "schema" (an OpenAI json_schema response format with a boolean '
                '"answers") or "choices": {"yes": [words], "no": [words]}.'
            )
        instructions = folder.joinpath("judge-system.txt")
        judge_system = instructions.read_text(encoding="utf-8").strip() if instructions.is_file() else ""
        return cls(
            Template(system), Template(user), parsed, translate, translate_schema, judge, judge_schema, judge_system
        )


def _optional_step(folder: Any, where: str, step: str) -> tuple[Template | None, dict[str, Any] | None]:
    """An optional request's prompt and schema, when the folder has both (translate.txt, translate.json)."""
    text, schema = folder.joinpath(f"{step}.txt"), folder.joinpath(f"{step}.json")
    if not (text.is_file() and schema.is_file()):
        return None, None
    try:
        parsed = json.loads(schema.read_text(encoding="utf-8"))
        return Template(text.read_text(encoding="utf-8")), parsed
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{where}/{step}.json: not a JSON schema response format ({exc}).") from exc


def _judges(spec: dict[str, Any]) -> bool:
    """Whether judge.json says how the judgement is read: a schema, or yes and no words."""
    choices = spec.get("choices")
    if choices is None:
        return "schema" in spec
    words = [choices.get("yes"), choices.get("no")] if isinstance(choices, dict) else []
    return bool(words) and all(isinstance(w, list) and w and all(isinstance(x, str) and x for x in w) for w in words)


_PROMPT_FILES = ("system.txt", "user.txt", "schema.json")


def numbered(hits: list[Hit], limit: int) -> list[Passage]:
    """The first `limit` distinct sentences, numbered from 1 in retrieval order."""
    kept: dict[str, Hit] = {}
    for hit in hits:
        # a sentence speaking to the assistant (a poisoned file) is never shown to the model
        if hit.chunk.id not in kept and not looks_like_instruction(hit.chunk.text):
            kept[hit.chunk.id] = hit
    return [Passage(n, h.chunk, h.position) for n, h in enumerate(list(kept.values())[:limit], start=1)]


def render_passages(passages: list[Passage]) -> str:
    """Passages grouped by article and section: its title, place and date once, its section once,
    then its numbered sentences (every repeated word costs prompt time on a small CPU)."""
    lines: list[str] = []
    article = section = None
    for p in passages:
        c = p.chunk
        if (c.source, c.article) != article:
            article, section = (c.source, c.article), None
            about = "，".join(x for x in ("、".join(c.places[:2]), c.date) if x)
            lines.append(f"《{c.article}》" + (f"（{about}）" if about else ""))
        row = c.readable()  # a table row names its columns itself: its header line is not repeated
        if c.section and c.section != c.article and c.section != section and row == c.text:
            section = c.section
            lines.append(f"{c.section}：")
        lines.append(f"[{p.number}] {c.lead}{row}")  # a list's later item with the words leading into it
    return "\n".join(lines)


def build_messages(
    prompts: Prompts,
    assistant: str,
    question: str,
    history: list[str],
    resolved: Question,
    places: tuple[str, ...],
    passages: list[Passage],
) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    earlier = "".join(f"之前问过：{h}\n" for h in history[-3:])
    constraints = []
    if resolved.text.strip() != question.strip() and history:
        constraints.append(f"（结合上文，问题的意思是：{resolved.text}）")
    if places:
        constraints.append(f"问题问的地方：{'、'.join(places)}")
    if resolved.years:
        constraints.append(f"问题问的年份：{'、'.join(f'{y}年' for y in resolved.years)}")
    user = prompts.user.safe_substitute(
        history=earlier,
        question=question.strip(),
        constraints="\n".join(constraints),
        passages=render_passages(passages),
    )
    return [SystemMessage(content=prompts.system.safe_substitute(name=assistant)), HumanMessage(content=user)]


class ReplyError(ValueError):
    """The server answered, but not with the schema's JSON."""


def _json_of(raw: Any) -> dict[str, Any]:
    """The JSON object of a structured reply, or of the raw message's text when the server did not
    honour the schema's wrapper; ReplyError for anything else."""
    data = raw
    if not isinstance(data, dict):
        text = _FENCE.sub("", _THINK.sub("", str(getattr(raw, "text", raw) or "")).strip())
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ReplyError(f"not JSON: {text[:200]!r}") from exc
    if not isinstance(data, dict):
        raise ReplyError(f"not a JSON object: {data!r:.200}")
    return data


def _reply_data(result: Any) -> dict[str, Any]:
    """The JSON object of `with_structured_output(include_raw=True)`'s result: the parsed one, or
    the raw message's when the server did not honour the schema's wrapper."""
    if isinstance(result, dict):
        parsed = result.get("parsed")
        return parsed if isinstance(parsed, dict) else _json_of(result.get("raw"))
    return _json_of(result)


def chosen(message: Any, yes: tuple[str, ...], no: tuple[str, ...]) -> bool:
    """Whether a one-token reply says yes: the probability the model gave the yes words against the
    no words among its likeliest first tokens, or, from a server that returns no log-probabilities,
    the word it wrote. ReplyError when it began with neither."""
    logprobs = (getattr(message, "response_metadata", None) or {}).get("logprobs") or {}
    first = (logprobs.get("content") or [{}])[0]
    alternatives = [(t.get("token", ""), math.exp(t.get("logprob", -math.inf))) for t in first.get("top_logprobs", [])]
    said = {"yes": 0.0, "no": 0.0}
    for token, p in alternatives or [(str(getattr(message, "content", "")), 1.0)]:
        word = token.strip()
        # the no words first: 不是 contains 是
        side = "no" if word.startswith(no) else "yes" if word.startswith(yes) else ""
        if side and word:
            said[side] += p
    if not said["yes"] and not said["no"]:
        raise ReplyError(f"neither yes nor no: {getattr(message, 'content', message)!r:.200}")
    return said["yes"] > said["no"]


def parse_reply(raw: Any) -> Reply:
    """A Reply from the structured output (a dict) or the raw message's JSON text."""
    data = _json_of(raw)
    found, answer, cited = data.get("found"), data.get("answer"), data.get("cited", [])
    if not isinstance(found, bool) or not isinstance(answer, str) or not isinstance(cited, list):
        raise ReplyError(f"fields of the wrong type: {data!r:.200}")
    numbers = tuple(int(n) for n in cited if isinstance(n, int | str) and str(n).strip().isdigit())
    return Reply(found, answer.strip(), numbers)


class LLMReader:
    """The reader over an OpenAI-compatible chat endpoint, with its checks and fallbacks."""

    name = NAME

    def __init__(self, settings: Settings, prompts: Prompts | None = None):
        try:
            from langchain_openai import ChatOpenAI  # lazy: costs ~1-2 s, only when the backend is on
        except ImportError as exc:
            raise BackendUnavailableError(
                "MINSHENG_LLM_BASE_URL is set, but the LLM reader needs langchain-openai: "
                'pip install "minsheng[llm]" (or unset MINSHENG_LLM_BASE_URL to answer extractively).'
            ) from exc

        self.settings = settings
        self.base_url = settings.llm_base_url
        self.model = settings.llm_model
        self.prompts = prompts or Prompts.load(settings.llm_prompt)
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
        self.structured = self._structured(self.prompts.schema)
        translation = self.prompts.translate_schema
        self.translator = self._structured(translation) if translation is not None else None
        judgement = self.prompts.judge_schema
        self.judges = judgement is not None  # a second reading is asked for doubtful figures
        weighed = self.prompts.judge_choices is not None  # reader-v5: no schema, the first word weighed
        self.judger = self._structured(judgement) if judgement is not None and not weighed else None
        self.outcomes: Counter[str] = Counter()  # "accepted", or why the extractive answer was shown
        self.judgements: Counter[str] = Counter()  # second readings: "yes", "no", or "failed"
        self._lock = threading.Lock()

    def _structured(self, schema: dict[str, Any]) -> Any:
        if self.settings.llm_response_format == "json_schema":  # OpenAI, vLLM, llama.cpp's llama-server
            return self.chat.with_structured_output(schema, method="json_schema", include_raw=True)
        # llama-cpp-python's server knows only {"type": "json_object", "schema": ...}: the same schema,
        # enforced by its grammar, in the older wrapper (this keyword replaces json_mode's bare one)
        return self.chat.with_structured_output(
            schema, method="json_mode", include_raw=True, response_format={"type": "json_object", **schema}
        )

    def translate(self, question: str, history: list[str], covered: Collection[str] = ()) -> str:
        """An English question, read in its conversation, as one standalone Chinese question; `covered`:
        the places the articles cover (an English name of several places names the covered one)."""
        assert self.prompts.translate is not None
        earlier = "".join(f"之前问过：{english_in_chinese(h.strip(), covered)}\n" for h in history[-3:])
        prompt = self.prompts.translate.safe_substitute(
            question=english_in_chinese(question.strip(), covered), history=earlier
        )
        return self.ask_translation(prompt)

    def ask_translation(self, prompt: str) -> str:
        """The model's translation. Transport errors propagate; a malformed reply is a ReplyError."""
        from langchain_core.messages import HumanMessage

        assert self.translator is not None
        data = _reply_data(self.translator.invoke([HumanMessage(content=prompt)]))
        text = data.get("question")
        if not isinstance(text, str) or not text.strip():
            raise ReplyError(f"no translated question: {data!r:.200}")
        return text.strip()

    def judge(self, question: str, sentence: str, figure: str) -> bool:
        """Whether, on a second reading, the sentence's figure counts what the question asks. Any
        failure is a no: the resident then gets the extractive answer, as without this step."""
        assert self.prompts.judge is not None
        prompt = self.prompts.judge.safe_substitute(question=question, sentence=sentence, figure=figure).strip()
        try:
            said = self.ask_judgement(prompt)
        except Exception as exc:  # timeout, connection refused, HTTP 5xx, a malformed reply
            self._judged("failed")
            log.info("LLM reader: second reading failed (%s: %s)", type(exc).__name__, exc)
            return False
        self._judged("yes" if said else "no")
        return said

    def ask_judgement(self, prompt: str) -> bool:
        """The model's judgement. Transport errors propagate; a malformed reply is a ReplyError."""
        from langchain_core.messages import HumanMessage, SystemMessage

        instructions = [SystemMessage(content=self.prompts.judge_system)] if self.prompts.judge_system else []
        messages = [*instructions, HumanMessage(content=prompt)]
        choices = self.prompts.judge_choices
        if choices is not None:
            # one token, with the likeliest alternatives to it: forced into a JSON boolean, the 1.5B
            # model said no to figures that, in its own words, it called right (README, tenth session)
            first = self.chat.invoke(messages, logprobs=True, top_logprobs=JUDGE_ALTERNATIVES, max_tokens=1)
            return chosen(first, *choices)
        assert self.judger is not None
        said = _reply_data(self.judger.invoke(messages)).get("answers")
        if not isinstance(said, bool):
            raise ReplyError(f"no judgement: {said!r:.200}")
        return said

    def ask_model(self, messages: list[BaseMessage]) -> Reply:
        """The model's structured reply. Transport errors propagate; a malformed reply is a ReplyError."""
        return parse_reply(_reply_data(self.structured.invoke(messages)))

    def read(self, answerer: Answerer, question: str, history: list[str], extractive: Answer) -> Answer:
        """The checked reader answer, or `extractive` (the answerer's reply) with the reason logged."""
        if extractive.reason not in READABLE:
            return extractive
        resolved = answerer.standalone(question, history)
        if resolved.english and self.translator is not None:
            return self._read_in_chinese(answerer, question, history, extractive, resolved)
        if (
            self.settings.llm_reads == "unanswered"
            and not extractive.refused
            and not extractive.unanswered_parts
            and len(extractive.figures) >= resolved.wants
        ):
            self._count("answered_by_rules")  # the rules' checked answer stands; the model is not asked
            return extractive
        places = answerer.places_of(resolved)
        allowed = answerer.allowed(resolved)
        # the answerer's own retrieval (place and year applied); the passages its answer quoted fill
        # in only where that finds fewer. A passage costs ~0.4 s of prompt reading on 2 cores, and the
        # model's checked answers came from the first three (README, LLM reader, eighth session)
        hits = answerer.retriever.search(resolved.search_text, k=self.settings.llm_passages, allowed=allowed)
        # like another place's or year's, another month's sentence is not shown (本月 in a May report for April)
        hits = [h for h in [*hits, *extractive.hits] if not answerer.of_another_period(resolved, h.chunk)]
        passages = numbered(hits, self.settings.llm_passages)
        if not passages:
            return self._fallback(extractive, "no_passages", question)
        messages = build_messages(self.prompts, answerer.profile.name, question, history, resolved, places, passages)
        try:
            reply = self.ask_model(messages)
        except ReplyError as exc:
            return self._fallback(extractive, "garbage", question, str(exc))
        except Exception as exc:  # timeout, connection refused, HTTP 5xx: the server's fault, not the resident's
            return self._fallback(extractive, _failure(exc), question, f"{type(exc).__name__}: {exc}")
        verdict = verify(
            reply,
            resolved,
            passages,
            places=places,
            bounds=Bounds(
                answerer.weights,
                self.settings.llm_min_support,
                answerer.means_at,
                judge=self.judge if self.judges else None,
            ),
            hotline=answerer.profile.hotline,
            parts=tuple(answerer.part_questions(question, history, resolved)),
            # the rules answered some parts: the model's reply replaces theirs only if it answers all
            every_part=bool(extractive.unanswered_parts),
        )
        if not verdict.ok:
            return self._fallback(extractive, verdict.reason, question, verdict.detail or reply.answer)
        return self._accepted(extractive, verdict, resolved)

    def _read_in_chinese(
        self, answerer: Answerer, question: str, history: list[str], extractive: Answer, resolved: Question
    ) -> Answer:
        """An English question, translated by the model, then answered by the rules in Chinese: every
        check speaks Chinese, and no English words can be matched against a Chinese passage. The
        translation must keep the question's places, years and figures, or it is not used. It is
        tried even when the English glossary found an answer: word-by-word, the glossary matches
        the hotline's 4367万件 to "call-takers"; its answer stands only when the translation finds none.
        When neither answers, the model reads the passages for the Chinese question, as for any other."""
        try:
            chinese = self.translate(question, history, answerer.profile.covered_places)
        except ReplyError as exc:
            return self._fallback(extractive, "garbage", question, str(exc))
        except Exception as exc:  # timeout, connection refused, HTTP 5xx
            return self._fallback(extractive, _failure(exc), question, f"{type(exc).__name__}: {exc}")
        chinese = _restore_constraints(answerer, english_in_chinese(chinese, answerer.profile.covered_places), resolved)
        chinese = _named_numbers(chinese, question)
        translated = answerer.standalone(chinese, [])
        if translated.english or not _same_constraints(answerer, resolved, translated):
            return self._fallback(extractive, "translation_changed", question, chinese)
        answer = answerer.answer(chinese, [])
        if answer.refused and extractive.refused:
            # the model reads the passages for the Chinese question, with every check of a Chinese one
            answer = self.read(answerer, chinese, [], answer)
        if answer.refused:
            return self._fallback(extractive, "translated_unanswered", question, chinese)
        self._count("translated")
        return _in_english(replace(answer, question=extractive.question, backend=self.name), chinese)

    def _accepted(self, extractive: Answer, verdict: Verdict, resolved: Question) -> Answer:
        self._count("accepted")
        return replace(
            extractive,
            text=verdict.text,
            citations=verdict.citations,
            figures=verdict.figures,
            refused=False,
            reason="answered",
            rewritten_question=resolved.text,
            backend=self.name,
        )

    def _fallback(self, extractive: Answer, why: str, question: str, detail: str = "") -> Answer:
        self._count(why)
        log.info("LLM reader: %s for %r, showing the extractive answer. %s", why, question[:100], detail[:300])
        return extractive

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.outcomes[outcome] += 1

    def _judged(self, said: str) -> None:
        with self._lock:
            self.judgements[said] += 1


def _in_english(answer: Answer, chinese: str) -> Answer:
    """A checked answer to a translated question, introduced for the English reader."""
    text = f"According to the source article (in Chinese): {answer.text}"
    return replace(answer, text=text, rewritten_question=chinese)


def _restore_constraints(answerer: Answerer, chinese: str, original: Question) -> str:
    """The translation with the years and the place it dropped put back in front (a 1.5B model often
    leaves out "in 2023"): they are known in code, so the question need not be lost for them."""
    translated = answerer.standalone(chinese, [])
    missing = "".join(f"{y}年" for y in original.years if y not in translated.years)
    place = gazetteer().get(original.places[0]) if len(original.places) == 1 and not translated.places else None
    return (place.short or place.name if place else "") + missing + chinese


# English number words, as a name says them (the ten major projects), not as a figure the resident states
_NUMBER_WORDS = {
    w: float(n)
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_WORD = re.compile(r"[a-z]+")


def _named_numbers(chinese: str, english: str) -> str:
    """The translation with the figures that the English wrote as number words in quotes: "ten major
    projects" names the projects (十大民生项目), it states no figure the reply should correct, and a
    number in quotes is read as part of a name (rag/question.py). A premise written in words ("are
    there ten hospitals?") is then answered with the source's figure, without the correction's preface."""
    named = {_NUMBER_WORDS[w] for w in _WORD.findall(english.lower()) if w in _NUMBER_WORDS}
    if not named:
        return chinese
    for fig in sorted(extract_figures(chinese), key=lambda f: f.start, reverse=True):
        if fig.value in named and not _inside_quotes(chinese, fig.start):
            chinese = f"{chinese[: fig.start]}“{fig.text}”{chinese[fig.end :]}"
    return chinese


def _inside_quotes(text: str, at: int) -> bool:
    return text.count("“", 0, at) > text.count("”", 0, at)


def _same_constraints(answerer: Answerer, original: Question, translated: Question) -> bool:
    """The translation asks of the same years, of the original's places (one of them, where an English
    name is ambiguous: Suzhou), and states no other figure (one the English wrote as a word is quoted
    by then, _named_numbers): an unquoted 十项 would be read as the resident's
    claim, and "corrected" in a reply to someone who wrote no figure (measured: 十项民生项目 was
    "corrected" with the 五个 fields the ten projects cover)."""
    before, after = set(answerer.places_of(original)), set(answerer.places_of(translated))
    places = after <= before and bool(after) == bool(before)
    return places and set(original.years) == set(translated.years) and _stated(original) == _stated(translated)


def _stated(question: Question) -> set[float]:
    return {f.value for f in question.figures if f.value not in question.years}


def _failure(exc: Exception) -> str:
    """A server failure's kind, for the log and the benchmark's counts."""
    kind = type(exc).__name__.lower()
    if "timeout" in kind:
        return "timeout"
    if "connection" in kind:
        return "unreachable"
    return "server_error"


def make_reader(settings: Settings) -> LLMReader | None:
    """The LLM reader when a base URL is configured, else None (extractive only)."""
    if not settings.llm_base_url.strip():
        return None
    return LLMReader(settings)
