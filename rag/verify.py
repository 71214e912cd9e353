"""A reader's reply -> a cited answer that passed every check, or the check it failed. Pure functions.

An LLM's wording is welcome; its figures, sources and citations are not taken on trust. The
checks, in order (the first that fails is the verdict's reason):

- not_found: the model says the passages do not answer.
- empty: it says they do, but wrote nothing.
- unsupported_figure: a figure that no passage states as written, with its qualifier: 70.3% for
  the source's 70% and 超4.8万 for 近4.8万 are rejected; 99.0% for 99% and 70% for 七成 (the same value
  and qualifier, written otherwise), and 4.8万 for the only 近4.8万 (a dropped qualifier), are first
  rewritten as the source writes them. The passage that states a
  figure is found here, in code: a small model's own passage numbers are often one off.
- no_figure: the question asks for a figure and the answer states none (a date does not answer
  "how many").
- wrong_measure: no figure of the answer counts what was asked: its unit (rag.question.unit_fits),
  for a count the thing it counts (rag.facts.names_counted: 16个地级市 for 三甲医院), for a follow-up
  its own subject (rag.facts.speaks_of_focus: 其中省长信箱… is not answered by all channels' 277件),
  and its clause says enough of what the question asks in words some article uses (_in_articles_words),
  or, when it says some but too few, a second reading of its sentence by the model (Bounds.judge) says
  the figure counts what was asked.
- missing_part: asked to, the reply does not answer every part of a several-part question (the
  rules already answered some of them; a reply must add to that, not repeat it).
- wrong_place / wrong_year: a passage the answer rests on is of another place or year.
- uncited: an answer without a figure that cites no passage it was given.
- unsupported_wording: an answer without a figure whose words are mostly not in its passages, or
  too few to check (a bare 是).

Citations are then numbered [1], [2]... in order of use, and each sentence of the answer ends
with the markers of the passages its figures come from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from rag.constants import HOTLINE
from rag.facts import (
    TermWeights,
    extend_with_next_clause,
    extend_with_previous_clause,
    focus_text,
    may_answer,
    names_counted,
    of_another_period,
    speaks_of_focus,
    split_facts,
    support,
    with_subject,
)
from rag.figures import Figure, extract_figures, same_value, unsupported_figures, whole_date
from rag.question import Question, unit_fits
from rag.types import Chunk, Citation

# What a model may put in its text as a citation marker; markers are ours to place.
_MODEL_MARKER = re.compile(r"\s*(?:\[\^?|【|（|\()(?:资料)?\d+(?:\s*[,，、\-–]\s*\d+)*(?:\]|】|）|\))")
_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_WORDING_OVERLAP = 0.6  # share of a figure-free answer's character pairs found in its passages
MIN_WORDING_PAIRS = 4  # a figure-free answer shorter than this (是, 可以) cannot be checked


@dataclass(frozen=True)
class Passage:
    """A retrieved sentence as the reader saw it: its number in the prompt, and the chunk."""

    number: int
    chunk: Chunk
    position: int = -1  # the chunk's position in the index, for meaning checks; -1: unknown


@dataclass(frozen=True)
class Reply:
    """The reader's structured output, in the schema's order: found first."""

    found: bool
    answer: str
    cited: tuple[int, ...] = ()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # "accepted", or the check that failed
    text: str = ""  # the answer with our markers
    citations: tuple[Citation, ...] = ()
    figures: tuple[str, ...] = ()
    detail: str = ""  # for the log: the figure or passage at fault

    @classmethod
    def failed(cls, reason: str, detail: str = "") -> Verdict:
        return cls(False, reason, detail=detail)


def states(passage: Passage, fig: Figure) -> Figure | None:
    """The passage's figure that states `fig` as written: same value, unit and qualifier, and the
    reply's text inside the passage's (99.0% is not 99%; 93家 is in 93家, 1.5万余张 in 1.5万余张)."""
    written = fig.text.replace(" ", "")
    for g in extract_figures(passage.chunk.text):
        if same_value(fig, g, strict_qualifier=True) and written in g.text.replace(" ", ""):
            return g
    return None


def _as_the_source_writes(text: str, passages: list[Passage], hotline: str) -> str:
    """The reply with each figure that no passage writes as the model did (70% for 七成, 99.0% for 99%)
    written as the passages write it, when they write that value, with the same qualifier, one way
    only. A qualifier the model dropped is put back the same way (1500名 for the only 1500余名 and no
    exact 1500名): a small model often drops 近, 余 and 超, and the resident must read the source's
    own figure. A figure of another value (70.3% for 70%) or of another qualifier (超4.8万 for
    近4.8万) stays, and is rejected."""
    stated = [g for p in passages for g in extract_figures(p.chunk.text)]
    for fig in reversed(extract_figures(text)):
        if fig.text in (hotline, HOTLINE) or any(states(p, fig) for p in passages):
            continue
        written = {g.text for g in stated if same_value(fig, g, strict_qualifier=True)}
        if not written and not fig.qualifier:
            written = {g.text for g in stated if same_value(fig, g) and g.unit == fig.unit and g.qualifier}
        if len(written) == 1:
            text = text[: fig.start] + written.pop() + text[fig.end :]
    return text


def _source_of(
    fig: Figure, text: str, passages: list[Passage], cited: tuple[int, ...]
) -> tuple[Passage, Figure] | None:
    """The passage stating a figure. When several do (1166个社区照料中心, 1166个助餐点), the one whose
    wording the answer shares most, then one the model cited, then the best-ranked."""
    stating = [(p, g) for p in passages if (g := states(p, fig)) is not None]
    wording = _pairs(text)
    return min(
        stating,
        key=lambda pg: (-len(wording & _pairs(pg[0].chunk.text)), pg[0].number not in cited, pg[0].number),
        default=None,
    )


@dataclass(frozen=True)
class Bounds:
    """How much of the question a figure's clause must speak of (rag/facts.py's measures)."""

    weights: TermWeights
    min_support: float  # of the question's words, the share its clause (or, less, its sentence) says
    # index position -> whether that chunk says a word in other words (Answerer.means_at)
    means: Callable[[int], Callable[[str], bool]] | None = None
    # (question, sentence, figure) -> whether the figure counts what is asked: a second reading for a
    # clause that says too few of the question's words, which a resident's wording (一年下来, 老百姓)
    # and another subject (公积金 for 各类诉求) both cause
    judge: Callable[[str, str, str], bool] | None = None

    def says(self, passage: Passage) -> Callable[[str], bool] | None:
        """Whether the passage says a word in other words; None when that cannot be asked."""
        if self.means is None or passage.position < 0:
            return None
        return self.means(passage.position)


def _counts_what_was_asked(question: Question, passage: Passage, g: Figure, bounds: Bounds) -> bool:
    """The figure's unit fits the question, and its clause speaks of what was asked: it says enough
    of the question, in its words or in other words of the same meaning (吃饭的地方 for 助餐点), and
    for a count it names the counted thing (4708名民声接听员 does not answer 新增就业多少人)."""
    if unit_fits(question, g.unit) is False:
        return False
    means = bounds.says(passage)
    for fact in split_facts(passage.chunk):
        if any(h.text == g.text and of_another_period(question, fact, h) for h in fact.figures):
            return False  # 380元/人/年 for 每个月要交多少
        if any(h.text == g.text for h in fact.figures):
            quoted = extend_with_next_clause(with_subject(extend_with_previous_clause(fact, question)))
            said = f"{quoted.context} {quoted.text}"
            if question.asked in ("count", "ratio") and not names_counted(question, said, means):
                return False
            if not speaks_of_focus(question, focus_text(quoted), means):  # 其中省长信箱…: not the whole's 277件
                return False
            # a question asking n figures spreads its words over n clauses: each says its share of them
            least = bounds.min_support / max(question.wants, 1)
            wanted = _in_articles_words(question, bounds.weights)
            share = support(wanted, bounds.weights, quoted, means)
            # only other clauses say the question's words (another item of a list), or none does although
            # the question names its subject in several of the articles' words (4708名民声接听员 for
            # 城镇新增就业多少人). One such word may be incidental (城里新找到工作的: 工作 is the articles'
            # only word there): the second reading decides
            alone = support(wanted, bounds.weights, quoted, means, siblings=False)
            if wanted.terms and alone == 0.0 and (share > 0.0 or len(wanted.terms) > 1):
                return False
            if share >= least:
                return True
            if _foreign_thing(wanted, passage, bounds.weights):
                return False  # 宿迁's 完成投资218.17亿元 for 国家区域医疗中心, which only 聊城's articles name
            sentence = f"{passage.chunk.lead}{passage.chunk.readable()}"  # a table row with its column names
            return bounds.judge is not None and bounds.judge(question.text, sentence, whole_date(passage.chunk.text, g))
    return False  # a sentence split_facts will not quote (it speaks to the assistant)


def _foreign_thing(question: Question, passage: Passage, weights: TermWeights) -> bool:
    """Whether the question names a thing by a long name the articles use (国家区域医疗中心, 长期护理保险)
    that the passage's own article never says, in full or abbreviated: that article is not about it,
    whatever a second reading makes of one of its sentences. English questions' Chinese words are a
    glossary's guesses, and are not held to this."""
    if question.english:
        return False
    return any(
        len(t) >= 4
        and t in question.nouns
        and not weights.in_article(t, question.alternatives.get(t, ()), passage.chunk.source)
        for t in question.terms
    )


def _matched(fits: Callable[[int, int], bool], figures: int, parts: int) -> int:
    """How many figures can each be given a part of its own that it fits: a maximum bipartite
    matching, by augmenting paths (a question has a handful of parts). `fits(figure, part)` is asked
    only where the matching needs it, once each: it may cost a second reading by the model."""
    fit = functools.cache(fits)
    owner: dict[int, int] = {}  # part -> figure

    def place(figure: int, seen: set[int]) -> bool:
        for part in range(parts):
            if part not in seen and fit(figure, part):
                seen.add(part)
                if part not in owner or place(owner[part], seen):
                    owner[part] = figure
                    return True
        return False

    return sum(place(figure, set()) for figure in range(figures))


def _in_articles_words(question: Question, weights: TermWeights) -> Question:
    """The question with only the words some article uses. A word no article uses (红绿灯, 城里, 娃)
    is a resident's own wording, which the reader is there to understand and no passage can hold;
    a word the articles do use (公积金, 认知障碍) is how a passage on that subject would say it, so
    the clause the answer rests on must say it too, in those words or in others of the same meaning."""
    known = {t: m for t, m in question.terms.items() if weights.df(t, question.alternatives.get(t, ())) > 0}
    return replace(question, terms=known)


def _of_place_and_year(chunk: Chunk, places: tuple[str, ...], years: tuple[int, ...]) -> str:
    """ "" when the chunk is of the asked place and year, else the failed check's name."""
    if places and not any(p in chunk.places for p in places):
        return "wrong_place"
    if years and not set(years) & set(chunk.years):
        return "wrong_year"
    return ""


def _sentence_of(text: str, fig: Figure) -> str:
    """The sentence of the answer that holds a figure (its wording says which passage it comes from)."""
    return next((m.group(0) for m in _SENTENCE.finditer(text) if m.start() <= fig.start < m.end()), text)


def _pairs(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def verify(
    reply: Reply,
    question: Question,
    passages: list[Passage],
    *,
    places: tuple[str, ...],
    bounds: Bounds,
    hotline: str = HOTLINE,
    parts: tuple[Question, ...] = (),
    every_part: bool = False,
) -> Verdict:
    """Check a reply against the passages the reader was given; see the module docstring.
    `every_part`: the reply must answer each of `parts` (the rules already answered some of them)."""
    if not reply.found:
        return Verdict.failed("not_found")
    text = _MODEL_MARKER.sub("", reply.answer).strip()
    if not text:
        return Verdict.failed("empty")
    text = _as_the_source_writes(text, passages, hotline)
    figures = [f for f in extract_figures(text) if f.text != hotline and f.text != HOTLINE]
    used: list[tuple[Figure, Passage, Figure]] = []  # (the reply's figure, the passage, its figure there)
    for fig in figures:
        source = _source_of(fig, _sentence_of(text, fig), passages, reply.cited)
        if source is None:
            return Verdict.failed("unsupported_figure", fig.text)
        used.append((fig, *source))
    asks_figure = question.asked not in ("", "procedure")
    answering = [(p, g) for _, p, g in used if may_answer(question, g)]
    if asks_figure and not answering:
        return Verdict.failed("no_figure", text)
    # one figure asked: every figure stated must count it (公立医院 is not answered by a list of
    # 区域医疗中心2个、重点专科5个…); several asked: each stated figure counts a part of its own, as far
    # as there are parts (电话来源、咨询类、投诉类各多少件 is not answered by three figures that all count
    # the first part's 诉求)
    if parts:

        def fits(figure: int, part: int) -> bool:
            return _counts_what_was_asked(parts[part], *answering[figure], bounds)

        matched = _matched(fits, len(answering), len(parts))
        if every_part and matched < len(parts):
            return Verdict.failed("missing_part", "、".join(g.text for _, g in answering))
        counts = matched >= min(len(answering), len(parts))
    else:
        enough = all if question.wants == 1 else any
        counts = enough(_counts_what_was_asked(question, p, g, bounds) for p, g in answering)
    if asks_figure and not counts:
        return Verdict.failed("wrong_measure", "、".join(g.text for _, g in answering))
    cited = [p for _, p, _ in used]
    if not used:  # no figure: the model's own citations, if they name passages it was given
        cited = [p for p in passages if p.number in reply.cited]
        if not cited:
            return Verdict.failed("uncited", text)
        wording = _pairs(text)
        known = set().union(*(_pairs(p.chunk.text) for p in cited))
        # a bare 是 or 否 says nothing a passage can be checked against
        if len(wording) < MIN_WORDING_PAIRS or len(wording & known) / len(wording) < MIN_WORDING_OVERLAP:
            return Verdict.failed("unsupported_wording", text)
    for p in cited:
        if why := _of_place_and_year(p.chunk, places, question.years):
            return Verdict.failed(why, f"[{p.number}] {p.chunk.places} {p.chunk.years}")
    return _cited_answer(text, used, cited, hotline)


def _cited_answer(text: str, used: list[tuple[Figure, Passage, Figure]], cited: list[Passage], hotline: str) -> Verdict:
    """Number the passages in order of use and end each sentence with its figures' markers."""
    markers: dict[int, int] = {}
    for p in cited:
        markers.setdefault(p.number, len(markers) + 1)
    sentences = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        body = sentence.rstrip("。！？!?；;")
        here = [markers[p.number] for f, p, _ in used if f.text in body] if used else list(markers.values())
        marks = "".join(f"[{n}]" for n in dict.fromkeys(here))
        sentences.append(f"{body}{marks}{sentence[len(body) :]}")
    if used and not any(f"[{n}]" in "".join(sentences) for n in markers.values()):
        sentences.append("".join(f"[{n}]" for n in markers.values()))  # figures the sentence split lost
    by_passage = {p.number: p for p in cited}
    citations = tuple(
        Citation.of(
            by_passage[number].chunk, marker, tuple(dict.fromkeys(g.text for _, p, g in used if p.number == number))
        )
        for number, marker in markers.items()
    )
    answer = "".join(sentences)
    if bad := unsupported_figures(answer, [c.text for c in citations], allow=(hotline, HOTLINE)):
        return Verdict.failed("unsupported_figure", bad[0].text)  # the figure guard, the last word
    return Verdict(True, "accepted", answer, citations, tuple(dict.fromkeys(f.text for f, _, _ in used)))
