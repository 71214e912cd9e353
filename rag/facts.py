"""Retrieved sentences -> facts (clauses holding a figure) -> the fact that answers a question.

A sentence often holds several figures ("全市93家养老机构、1166个社区照料中心…；").
Answering with the clause, not the sentence, is how the reply names what its figure
counts: 1166个助餐点 is never answered with 1166个社区照料中心.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import jieba
import jieba.posseg as pseg

from rag.constants import HOTLINE
from rag.figures import Figure, extract_figures, is_date, same_value
from rag.instructions import looks_like_instruction
from rag.lexicon import MEASURE_NOUNS
from rag.places import gazetteer
from rag.question import Question, unit_fits
from rag.tokens import STOPWORDS, ensure_initialised
from rag.types import Chunk, Hit

_CLAUSE_END = re.compile(r"[，,；;：:]")
_LONGEST_PLACE = 12  # characters: 延边朝鲜族自治州 and longer names fit
# A sentence's opening clause that scopes all its figures in time or place.
_SCOPE = re.compile(r"截至|截止|目前|以来|期间|年来|今年|去年|\d{4}年|数据显示")


@dataclass(frozen=True)
class Fact:
    chunk: Chunk
    text: str
    start: int  # offsets into chunk.text
    end: int
    figures: tuple[Figure, ...]
    context: str  # the sentence's scoping clause ("截至2024年年底"), "" when none or already inside
    rank: int  # 1-based rank of the hit it came from


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    clause_coverage: float  # share of the question's term weight found in the clause
    sentence_coverage: float  # ... in the whole sentence with its heading
    fits: bool | None  # does a figure's unit fit what is asked
    score: float


def _pieces(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        if 0 < m.start() < len(text) - 1 and text[m.start() - 1].isdigit() and text[m.start() + 1].isdigit():
            continue  # 1,200: a thousands separator, not a clause end
        spans.append((start, m.start()))
        start = m.end()
    end = len(text.rstrip("。！？!?；;”’"))
    if text[start:end].count("“") > text[start:end].count("”") and text[end : end + 1] == "”":
        end += 1  # keep the closing quote of a quoted name: 城市“数字孪生体”; never past the end (an unclosed “)
    spans.append((start, end))
    return [(s, e) for s, e in spans if e > s]


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a clause at 、 when the parts each hold a figure (a list of counts)."""
    parts, s = [], start
    for i in range(start, end):
        if text[i] == "、":
            parts.append((s, i))
            s = i + 1
    parts.append((s, end))
    merged: list[tuple[int, int]] = []
    pending = None
    for s, e in parts:
        if pending is not None:
            s = pending
            pending = None
        if not extract_figures(text[s:e]):
            pending = s  # 新建、改扩建…144所: a figure-less part belongs to the next
            continue
        merged.append((s, e))
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((pending, end))
    return merged


def split_facts(chunk: Chunk, rank: int = 1) -> list[Fact]:
    text = chunk.text
    if looks_like_instruction(text):
        return []  # a sentence speaking to the assistant (a poisoned file) is never quoted as a fact
    clauses = _pieces(text)
    context = ""
    if len(clauses) > 1 and _SCOPE.search(text[clauses[0][0] : clauses[0][1]]):
        context = text[clauses[0][0] : clauses[0][1]]
    facts = []
    for ci, (cs, ce) in enumerate(clauses):
        for s, e in _items(text, cs, ce):
            piece = text[s:e].strip()
            if not piece:
                continue
            ctx = context if context and ci > 0 else ""
            figures = tuple(f for f in extract_figures(piece) if f.text != HOTLINE)  # a name, not a count
            facts.append(Fact(chunk, piece, s, e, figures, ctx, rank))
    return facts


DF_SAMPLE = 20_000  # chunks whose terms are counted exactly; an even sample of this many past it


class TermWeights:
    """IDF of a term over the chunks (substring match, as Chinese has no spaces).

    A term the corpus never uses gets the highest weight: a question about 洛阳 or
    收费 stays mostly unanswered however well its other words match.
    """

    def __init__(self, chunks: list[Chunk], unknown_boost: float = 2.0):
        self.unknown_boost = unknown_boost
        texts = [c.retrieval_text().lower() for c in chunks]
        self._n = len(texts)
        # Counting a term in every chunk costs ~0.15 s at 100k chunks, several times per question
        # (benchmarks/scale.py); past DF_SAMPLE chunks the count is taken on an even sample and
        # scaled, and "never named" is still checked over every chunk, in one C-speed search.
        step = max(1, -(-len(texts) // DF_SAMPLE))
        self._texts = texts[::step]
        self._scale = self._n / len(self._texts) if self._texts else 1.0
        self._joined = "\n".join(texts) if step > 1 else ""
        self._cache: dict[str, float] = {}
        articles: dict[str, list[str]] = {}
        for chunk, text in zip(chunks, texts, strict=True):
            articles.setdefault(chunk.source, [chunk.article.lower()]).append(text)
        self._articles = {source: "\n".join(parts) for source, parts in articles.items()}

    def df(self, term: str, alternatives: tuple[str, ...] = ()) -> int:
        found = sum(1 for t in self._texts if term in t or any(a in t for a in alternatives))
        if not self._joined:  # every chunk counted: exact
            return found
        if found:
            return max(1, round(found * self._scale))
        return int(any(w in self._joined for w in (term, *alternatives)))  # rare, or never named

    def weight(self, term: str, alternatives: tuple[str, ...] = (), noun: bool = True) -> float:
        key = f"{term}|{'|'.join(alternatives)}|{noun}"
        if key not in self._cache:
            df = self.df(term, alternatives) or self._abbreviated_df(term)
            idf = math.log((self._n + 1) / (df + 0.5))
            if df == 0:
                # A thing the corpus never names (洛阳, 幼儿园, 房价) is the strongest sign it
                # cannot answer; an unknown verb or adverb (帮忙, 既然) is only phrasing.
                idf = idf * self.unknown_boost if noun else 0.0
            self._cache[key] = idf
        return self._cache[key]

    def in_article(self, term: str, alternatives: tuple[str, ...], source: str) -> bool:
        """Whether the article `source` says the term, an official synonym, or its full or short form."""
        return match_degree(term, alternatives, self._articles.get(source, "")) > 0

    def unknown(self, term: str, alternatives: tuple[str, ...] = ()) -> bool:
        """Whether no chunk names the term, an official synonym or the full form it abbreviates."""
        return not (self.df(term, alternatives) or self._abbreviated_df(term))

    def _abbreviated_df(self, term: str) -> int:
        """Chunks holding the full form a short word abbreviates (社保: 社会保障): such a word is
        known to the corpus, not a thing it never names."""
        if not 2 <= len(term) <= 3:
            return 0
        return round(sum(1 for t in self._texts if _abbreviates(term, t)) * self._scale)

    def ground(self, question: Question) -> Question:
        """Replace compound words the corpus never uses by their known parts
        (上街区 -> 上街, 处理事件 -> 处理 + 事件), so jieba's cut does not decide answerability."""
        terms: dict[str, float] = {}
        nouns = set(question.nouns)
        alternatives = dict(question.alternatives)
        for term, mult in question.terms.items():
            alts = question.alternatives.get(term, ())
            if len(term) >= 3 and self.df(term) == 0:
                parts = [w for w in jieba.lcut_for_search(term) if len(w) >= 2 and w != term and self.df(w) > 0]
                known = {i for w in parts for m in re.finditer(re.escape(w), term) for i in range(m.start(), m.end())}
                if parts and len(known) >= 0.66 * len(term):  # 上街区 -> 上街; not 供养标准 -> 标准
                    if self.df(term, alts):  # 打电话 (拨打, 来电): its known parts are more ways to say it
                        alternatives[term] = (*alts, *parts)
                    else:
                        for w in parts:
                            terms.setdefault(w, mult)
                            if term in nouns:
                                nouns.add(w)
                        continue
            if self._miscut(term, question.text.lower()):
                continue
            terms[term] = mult
        return replace(question, terms=terms, nouns=frozenset(nouns), alternatives=alternatives)

    def _miscut(self, term: str, text: str) -> bool:
        """A two-character word the corpus never uses that is a particle jieba glued to a word the
        corpus does use, next to it in the question (互联网[端的] is 互联网端 + 的): it says nothing.
        A content character left over (供暖[季坐] -> 坐) would be a guess at a word, and is kept."""
        at = text.find(term)
        if len(term) != 2 or at < 0 or self.df(term) or self._abbreviated_df(term):
            return False
        before = any(self.df(text[s : at + 1]) for s in range(max(0, at - 4), at - 1))
        after = any(self.df(text[at + 1 : e]) for e in range(at + 4, min(len(text), at + 5) + 1))
        # 互联网端 and 的诉求 are both corpus words: the particle is what is left over, it starts no word
        left_over = [rest for rest, joins in ((term[1], before), (term[0], after)) if joins and _says_nothing(rest)]
        return len(left_over) == 1

    def term_weight(self, question: Question, term: str) -> float:
        return self.weight(term, question.alternatives.get(term, ()), term in question.nouns) * question.terms[term]


def _says_nothing(character: str) -> bool:
    return character in STOPWORDS or not "\u4e00" <= character <= "\u9fff"


def covered(term: str, alternatives: tuple[str, ...], text: str) -> bool:
    return any(_said(w, text) for w in (term, *alternatives))


def _said(word: str, text: str) -> bool:
    """Whether text says the word, not only its negation: 非话务渠道 does not say 话务, nor
    非机动车 机动车."""
    if word.startswith("非"):
        return word in text
    i = text.find(word)
    while i >= 0:
        if i == 0 or text[i - 1] != "非":
            return True
        i = text.find(word, i + 1)
    return False


def coverage(question: Question, weights: TermWeights, text: str) -> float:
    total = got = 0.0
    text = spelled_rates(text.lower())
    for term in question.terms:
        w = weights.term_weight(question, term)
        total += w
        if covered(term, question.alternatives.get(term, ()), text):
            got += w
    return got / total if total else 0.0


_PER = re.compile(r"(?<=[\d元人户次])/(人|户|年|月|天|日|次)")


def spelled_rates(text: str) -> str:
    """380元/人/年 read as residents say it, 380元每人每年: the unit's slashes are words."""
    return _PER.sub(r"每\1", text) if "/" in text else text


def _abbreviates(term: str, text: str) -> bool:
    """Whether text holds term's characters in order within a short span: Chinese abbreviations
    keep characters of the full name (医保 for 医疗保险, 新就业 for 新增就业)."""
    if len(term) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
        return False
    start = text.find(term[0])
    while start >= 0:
        pos = start
        for ch in term[1:]:
            pos = text.find(ch, pos + 1)
            if pos < 0 or pos - start >= 2 * len(term):
                break
        else:
            if start == 0 or text[start - 1] != "非":  # 非机动车 abbreviates no 机动车 (see _said)
                return True
        start = text.find(term[0], start + 1)
    return False


def _short_form(term: str) -> str:
    """The usual abbreviation of a compound of two-character words: the first character of each
    (公共厕所 -> 公厕, 医疗保险 -> 医保); "" for other terms. Most 4- and 6-character official terms
    are such compounds, which jieba keeps whole, so the split is by position."""
    if len(term) not in (4, 6) or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
        return ""
    return term[::2]


ABBREVIATION_CREDIT = 0.8  # an abbreviation names the thing, but 2-character ones can match by chance


def match_degree(term: str, alternatives: tuple[str, ...], text: str) -> float:
    """1 when text names the term (or an official synonym), ABBREVIATION_CREDIT when it holds
    the term's full form or its short form (公厕 for 公共厕所), else 0."""
    if covered(term, alternatives, text):
        return 1.0
    if any(_abbreviates(t, text) or ((short := _short_form(t)) and short in text) for t in (term, *alternatives)):
        return ABBREVIATION_CREDIT
    return 0.0


def _names(question: Question, word: str, lowered: str, means: Callable[[str], bool] | None) -> bool:
    """Whether lower-cased text names a question word: in its words, an official synonym, a short
    form or, by `means(word)`, other words of the same meaning (asked only when the text lacks it)."""
    if match_degree(word, question.alternatives.get(word, ()), lowered) > 0:
        return True
    return means is not None and len(word) >= 2 and means(word)


def names_counted(question: Question, text: str, means: Callable[[str], bool] | None = None) -> bool:
    """Whether `text` names what the question counts (多少个停车位 is not answered by 1793套房源).
    A rate (入学率) is named in its own words or a listed synonym: a passage on the same topic is
    near it in meaning (保障随迁子女入学…占全省的44%) without measuring it."""
    lowered = text.lower()
    paired = _paired_short_forms(question, lowered)  # 文化体育方面的诉求: 文体 names 体育
    return all(
        w in paired or _names(question, w, lowered, None if w.endswith("率") else means) for w in question.counted
    )


def speaks_of_focus(question: Question, text: str, means: Callable[[str], bool] | None = None) -> bool:
    """Whether `text` names one of a follow-up's own nouns (其中省长信箱转过来的有几件: 省长信箱): the
    earlier question's words alone (非话务渠道诉求277件) answer the earlier question, not this one."""
    lowered = text.lower()
    return not question.focus or any(_names(question, t, lowered, means) for t in question.focus)


def support(
    question: Question,
    weights: TermWeights,
    fact: Fact,
    means: Callable[[str], bool] | None = None,
    *,
    siblings: bool = True,
) -> float:
    """How much of the question the fact answers: words in the quoted clause count fully,
    words elsewhere in its sentence or heading (the fact's setting) count 0.6.

    `means(term)` says whether the fact's sentence says the term in other words (城里 for
    城镇, 红绿灯 for 路口, 灯 for 照明): a word the text does not hold then counts fully when it does.
    One-character words are asked too: residents' 灯, 钱 and 娃 are the words least likely to be
    in an official sentence, and the closeness test is the same.
    `siblings=False`: a clause of the sentence that states its own figure is another item of a
    list, not the fact's setting (燃气报警器…10万户 says nothing of the next item's 2000个托额);
    the heading, clauses without figures, and the whole that 其中 divides still are.
    """
    clause = spelled_rates(f"{fact.context} {fact.text}".lower())
    setting = fact.chunk.retrieval_text() if siblings else _setting(fact)
    sentence = spelled_rates(f"{fact.chunk.article} {setting}".lower())  # the title says what every sentence is about
    paired = _paired_short_forms(question, clause)
    total = got = 0.0
    for term in question.terms:
        alts = question.alternatives.get(term, ())
        w = weights.term_weight(question, term)
        total += w
        degree = max(match_degree(term, alts, clause), 0.6 * match_degree(term, alts, sentence))
        if term in paired:
            degree = max(degree, ABBREVIATION_CREDIT)
        if means is not None and degree < 0.6 and means(term):
            degree = 1.0
        got += w * degree
    return got / total if total else 0.0


def _paired_short_forms(question: Question, text: str) -> set[str]:
    """Two-character words next to each other in the question whose first characters the text
    holds together, the usual short form of a pair (文化、体育 -> 文体, 科教文体)."""

    def two_characters(t: str) -> bool:
        return len(t) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in t)

    paired: set[str] = set()
    for a, b in pairwise(question.terms):
        if two_characters(a) and two_characters(b) and a[0] + b[0] in text:
            paired |= {a, b}
    return paired


def _setting(fact: Fact) -> str:
    """The fact's heading and the clauses of its sentence that are not items of their own."""
    text = fact.chunk.text
    kept = [fact.chunk.heading, fact.chunk.lead]
    clauses = _pieces(text)
    for i, (s, e) in enumerate(clauses):
        piece = text[s:e]
        divided = i + 1 < len(clauses) and text[clauses[i + 1][0] :].lstrip(" ，,").startswith("其中")
        if not extract_figures(piece) or (divided and s < fact.start):  # 其中: the whole before it
            kept.append(piece)
    return " ".join(kept)


_STOP_FLAGS = ("v", "p", "c", "x", "u", "d", "i", "l")  # verbs, particles, idioms end a noun phrase


def _linking(word: str) -> bool:
    """A word that links a figure to its subject (达, 扩至, 增加到), not a noun jieba tags as a
    verb (受理各类[诉求]38447件)."""
    word = word.strip()
    if len(word) == 1:  # not any one-character verb: 服务e[站]20个, 惠民[生] name things
        return word in _LINKING_CHARACTERS
    return bool(word) and word.endswith(("至", "到", "达", "为", "是", "了", "超", "近", "约"))


# One-character words that link a figure to what it counts: verbs of being, reaching and sharing,
# prepositions and particles.
_LINKING_CHARACTERS = frozenset("达为是有占至到超近约逾共计增减降升涨在从自于与对把比的了等跨")


# Nouns that say "how many" of the noun before them (诉求[总量], 改造[户数]): a question's 多少 asks that
# already, so what such a figure counts is the noun before the amount.
_AMOUNT_NOUNS = frozenset({"总量", "总数", "数量", "总额", "总计", "合计", "共计", "人数", "户数", "件数", "次数"})


def _head_words(fact: Fact, fig: Figure) -> list[str]:
    """The words of a figure's head (figure_head); for an amount noun, the word it is the amount of."""
    head = figure_head(fact, fig)
    words = [w for w in jieba.lcut(head) if w.strip()]
    at = fact.text.rfind(head, 0, fig.start) if head else -1
    if words and all(w in _AMOUNT_NOUNS for w in words) and at > 0:
        return jieba.lcut(fact.text[:at])[-1:]
    return words


def figure_head(fact: Fact, fig: Figure) -> str:
    """The words naming what a figure counts: 93家[养老机构], [义务教育学校]144所."""
    ensure_initialised()  # the domain words first, whoever cuts a word first
    text = fact.text
    after = []
    words = pseg.lcut(text[fig.end :])
    for i, (word, flag) in enumerate(words):
        # 34项[为民办实事项目]: a verb that opens a noun phrase (为民 + 办实事) is part of the name
        opens_noun = i == 0 and flag == "v" and len(words) > 1 and words[1].flag.startswith("n")
        if (flag.startswith(_STOP_FLAGS) and not opens_noun and not _modifies(words, i)) or not word.strip():
            break
        after.append(word)
    if any("\u4e00" <= ch <= "\u9fff" for w in after for ch in w):
        return "".join(after)
    before: list[str] = []
    for word, flag in reversed(pseg.lcut(text[: fig.start])):
        if not before and flag.startswith(("v", "d", "p", "u")) and _linking(word):
            continue  # 普及率[达]99%, 面积[扩至]3.1亿平方米: skip the verb next to the figure
        if not before and flag.startswith("v") and len(word) == 1:
            before.append(word)  # 服务e[站]20个: a one-character "verb" that links nothing ends a name
            continue
        if flag.startswith(("p", "x", "u", "c", "v")) or not word.strip() or word in ("、",):
            break
        before.append(word)
    return "".join(reversed(before))


def _modifies(words: list[Any], i: int) -> bool:
    """Whether the verb at i, between nouns, modifies the noun after it rather than being the
    clause's predicate: another verb follows that noun. 10万户高龄[独居]老人加装燃气报警器 (加装
    is the predicate); 2.7万名机关干部[下沉]网格 ends at its object, so 下沉 is the predicate."""
    if i == 0 or words[i].flag != "v" or not words[i - 1].flag.startswith("n"):
        return False
    j = i + 1
    while j < len(words) and words[j].flag.startswith("n"):
        j += 1
    return j > i + 1 and j < len(words) and words[j].flag.startswith("v")


def head_coverage(question: Question, weights: TermWeights, fact: Fact) -> float:
    """Share of the words naming what the fact's figure counts that the question (or its
    official synonyms) speaks of; the best over the fact's figures.

    Low when the fact counts something the resident did not ask about: 12名[行动不便老人]
    for 网格员, 15家[紧密型城市医疗集团] for 公立医院.
    """
    if question.asked != "count":
        return 1.0  # only a count can count the wrong thing; rates and dates name themselves
    figures = [f for f in answering_figures(fact, question) if unit_fits(question, f.unit) is not False]
    if not figures:
        return 0.0
    vocab = [question.text.lower(), *(a for alts in question.alternatives.values() for a in alts)]
    vocab += list(question.terms)
    best = 0.0
    if (whole := _divided_whole(fact)) is not None:  # 其中…23件 counts a part of the whole's 诉求
        best = head_coverage(question, weights, whole)
    for fig in figures:
        total = got = 0.0
        for word in _head_words(fact, fig):
            word = word.strip()
            if not word or not any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word) or word in ("全市", "的"):
                continue
            if _is_place_or_year(word):
                continue  # 60件[2024年福州市]为民办实事项目: place and year are constraints checked on their own
            w = weights.weight(word, noun=False)
            total += w
            restates = word in MEASURE_NOUNS.get(fig.unit, ()) and question.measure == fig.unit
            if restates or any(word in v for v in vocab) or any(len(t) >= 2 and t in word for t in question.terms):
                got += w  # restates: 6.6万余户[家庭] for 多少户, which says as much
        best = max(best, got / total if total else 1.0)
    return best


def _is_place_or_year(word: str) -> bool:
    return word == "年" or any(m.start == 0 and m.end == len(word) for m in gazetteer().find(word))


def _divided_whole(fact: Fact) -> Fact | None:
    """The clause before a 其中 earlier in the fact's sentence, when it states a figure: the whole
    that the fact's figure, one of the parts listed after 其中, divides (非话务渠道诉求277件，其中，
    省长信箱转派工单23件，…书记县长信箱信件102封)."""
    text = fact.chunk.text
    clauses = _pieces(text)
    before = [k for k, (_, e) in enumerate(clauses) if e <= fact.start]  # each has a clause after it
    for k in reversed(before):
        s, e = clauses[k]
        if text[clauses[k + 1][0] :].lstrip(" ，,").startswith("其中") and text[s:e].strip() != "其中":
            figures = tuple(extract_figures(text[s:e]))
            return Fact(fact.chunk, text[s:e], s, e, figures, fact.context, fact.rank) if figures else None
    return None


def score_fact(fact: Fact, question: Question, weights: TermWeights) -> ScoredFact:
    clause = coverage(question, weights, fact.text)
    sentence = coverage(question, weights, fact.chunk.retrieval_text())
    verdicts = [unit_fits(question, f.unit) for f in answering_figures(fact, question)]
    fits = True if True in verdicts else (None if None in verdicts or not verdicts else False)
    score = 0.6 * clause + 0.4 * sentence + (0.05 if fits else 0.0) + 0.02 / fact.rank
    return ScoredFact(fact, clause, sentence, fits, score)


def answering_figures(fact: Fact, question: Question) -> tuple[Figure, ...]:
    """The figures that can be the answer: not one the resident already named (涵盖多少个维度
    after “十一个”治理格局), and a date only for a date question (2024年6月 is the setting of
    12345工单全面接入, not a count)."""
    named = [
        f
        for f in question.figures
        if any(same_value(f, g, strict_qualifier=True) and f.unit == g.unit for g in fact.figures)
    ]
    figures = [f for f in fact.figures if not any(same_value(f, n) and f.unit == n.unit for n in named)]
    return tuple(
        f
        for f in figures
        if may_answer(question, f)
        and not _item_number(fact, f)
        and not _names_a_year_of(fact, f)
        and not of_another_period(question, fact, f)
    )


_ASKS_PER_MONTH = re.compile(r"每个?月|一个月|月均|按月|monthly|per month|a month", re.I)
_ASKS_PER_YEAR = re.compile(r"每年|一年|年均|按年|annual|yearly|per year|a year", re.I)


def of_another_period(question: Question, fact: Fact, fig: Figure) -> bool:
    """A sum per year does not answer a question per month, nor the other way round: 380元/人/年 is
    not what a resident 每个月要交 (nor 每人每月210元 a yearly amount)."""
    per = _per_period(fact, fig)
    month, year = bool(_ASKS_PER_MONTH.search(question.text)), bool(_ASKS_PER_YEAR.search(question.text))
    return (per == "year" and month and not year) or (per == "month" and year and not month)


def _per_period(fact: Fact, fig: Figure) -> str:
    """ "year" or "month" when the figure is a sum per that period (380元/人/年, 每人每月210元), else ""."""
    text = fact.chunk.text
    start, end = fact.start + fig.start, fact.start + fig.end
    after, before = text[end : end + 5], text[max(0, start - 6) : start]
    if re.match(r"/(?:人/)?年", after) or re.search(r"每(?:人每?)?年$", before):
        return "year"
    if re.match(r"/(?:人/)?月", after) or re.search(r"每(?:人每?)?个?月$", before):
        return "month"
    return ""


def may_answer(question: Question, fig: Figure) -> bool:
    """A date answers only a date question, and not the year the question names: 2024年度 repeats
    the resident's year (2024年…什么时候交), it does not say when."""
    if question.asked != "date":
        return not is_date(fig)
    return not (fig.unit == "年" and int(fig.value) in question.years)


def _names_a_year_of(fact: Fact, fig: Figure) -> bool:
    """A year that names what follows it (2023年聊城市十大民生项目: the projects of 2023), not the time
    of an event: a year directly before a place name. It does not say when a project is finished."""
    if fig.unit != "年":
        return False
    after = fact.chunk.text[fact.start + fig.end : fact.start + fig.end + _LONGEST_PLACE]
    return any(m.start == 0 for m in gazetteer().find(after))


def _item_number(fact: Fact, fig: Figure) -> bool:
    """The number of a list item ("02 新改建中小学12所"), not a figure of it."""
    at = fact.start + fig.start
    after = fact.chunk.text[fact.start + fig.end : fact.start + fig.end + 1]
    return at == 0 and not fig.unit and after in (" ", "\u3000", "、", ".", "．", "")


def candidate_facts(hits: list[Hit], question: Question, weights: TermWeights) -> list[ScoredFact]:
    """Facts of the retrieved sentences, best first (including ones whose unit does not fit)."""
    scored = []
    for rank, hit in enumerate(hits, start=1):
        for fact in split_facts(hit.chunk, rank):
            if question.asked and question.asked != "procedure" and not answering_figures(fact, question):
                continue
            scored.append(score_fact(fact, question, weights))
    return sorted(scored, key=lambda s: -s.score)


def uncovered_terms(question: Question, texts: list[str]) -> dict[str, float]:
    joined = " ".join(texts).lower()
    return {t: m for t, m in question.terms.items() if not covered(t, question.alternatives.get(t, ()), joined)}


def _bare(fact: Fact) -> bool:
    """A clause that is little more than its figure ("2024年6月"), or only sets the scope
    of the next one ("1.5万余张床位中，护理型床位占比超六成")."""
    rest = fact.text
    for f in fact.figures:
        rest = rest.replace(f.text, "")
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) < 3 or fact.text.endswith(("中", "里", "当中"))


def extend_with_next_clause(fact: Fact) -> Fact:
    """A bare figure takes the clause after it: 2024年6月，12345热线工单全面接入城市治理平台."""
    if not _bare(fact):
        return fact
    clauses = _pieces(fact.chunk.text)
    for s, e in clauses:
        if s > fact.end:
            new_text = fact.chunk.text[fact.start : e]
            return Fact(fact.chunk, new_text, fact.start, e, tuple(extract_figures(new_text)), fact.context, fact.rank)
    return fact


def widen_to_figures(fact: Fact, question: Question, want: int) -> Fact:
    """Take in neighbouring clauses (or list items) of the same sentence until the quote holds as many
    figures as the question asks for (同比下降24.85%,环比下降0.16% for 同比和环比各下降了多少).
    A figure's neighbours in one sentence are about the same thing; nothing past the
    sentence is taken, and a neighbour without a figure ends the widening on that side."""
    text = fact.chunk.text
    # the items of a 、 list are neighbours too (102个服务中心、261个社区老年食堂)
    clauses = [item for s, e in _pieces(text) for item in _items(text, s, e)]
    start, end = fact.start, fact.end
    have = len(answering_figures(fact, question))
    while have < want:
        after = next(((s, e) for s, e in clauses if s >= end), None)
        before = next(((s, e) for s, e in reversed(clauses) if e <= start), None)
        sides = [span for span in (after, before) if span is not None]
        # the side that speaks of more of the question goes first (其中转派县…15390件 before 流转710件)
        sides.sort(key=lambda span: len(uncovered_terms(question, [text[span[0] : span[1]]])))
        grown = False
        for span in sides:
            if span is None or have >= want:
                continue
            piece = Fact(fact.chunk, text[span[0] : span[1]], span[0], span[1], (), "", fact.rank)
            piece = replace(piece, figures=tuple(extract_figures(piece.text)))
            if n := len(answering_figures(piece, question)):
                start, end, have, grown = min(start, span[0]), max(end, span[1]), have + n, True
        if not grown:
            break
    if (start, end) == (fact.start, fact.end):
        return fact
    new_text = text[start:end]
    return Fact(fact.chunk, new_text, start, end, tuple(extract_figures(new_text)), fact.context, fact.rank)


def extend_with_previous_clause(fact: Fact, question: Question) -> Fact:
    """Take in the clause before when the fact starts with a verb and the clause before
    holds words of the question the fact lacks (在校生共238.23万人，占常住人口的18.3%:
    the share needs its subject)."""
    prev = _subject_clause(fact)
    if prev is None:
        return fact
    missing = uncovered_terms(question, [fact.text])
    if not any(covered(t, question.alternatives.get(t, ()), prev[1].lower()) for t in missing):
        return fact
    return _with_clause_before(fact, prev)


def with_subject(fact: Fact) -> Fact:
    """The fact with the clause before it when it starts with a verb: 占13.60% counts what
    互联网端有593.77万件 names, whatever the question's words."""
    prev = _subject_clause(fact)
    return fact if prev is None else _with_clause_before(fact, prev)


def topic_before(fact: Fact) -> str:
    """The clause just before the fact when it states no figure: the topic the fact's figure is
    said of (即聊城一中高铁新区校区建设工程，总投资8.2亿元); "" when there is none."""
    clauses = _pieces(fact.chunk.text)
    before = [(s, e) for s, e in clauses if e <= fact.start]
    if not before:
        return ""
    s, e = before[-1]
    piece = fact.chunk.text[s:e]
    return "" if extract_figures(piece) else piece


def focus_text(fact: Fact) -> str:
    """What a fact's figure is said of, for the focus check: its scoping clause, the figureless topic
    clause before it (topic_before) and its own words."""
    return f"{fact.context} {topic_before(fact)} {fact.text}"


def _subject_clause(fact: Fact) -> tuple[int, str, bool] | None:
    """The clause before a fact that starts with a verb, preposition or adverb (no subject of its
    own), as (start, text, whether it opens the sentence); None when the fact names its own
    subject or opens the sentence itself."""
    text = fact.chunk.text
    clauses = _pieces(text)
    starts = [s for s, _ in clauses]
    if fact.start not in starts:
        return None
    i = starts.index(fact.start)
    if i == 0:
        return None
    first_word = pseg.lcut(fact.text[:6])[0] if fact.text else None
    if first_word is None or not first_word.flag.startswith(("v", "p", "d")):
        return None  # the clause names its own subject (2.7万名机关干部下沉网格): keep it alone
    prev_s, prev_e = clauses[i - 1]
    prev = text[prev_s:prev_e]
    if prev == fact.context:
        return None
    return prev_s, prev, i - 1 == 0


def _with_clause_before(fact: Fact, prev: tuple[int, str, bool]) -> Fact:
    start, _, opens = prev
    new_text = fact.chunk.text[start : fact.end]
    context = "" if opens else fact.context
    return Fact(fact.chunk, new_text, start, fact.end, tuple(extract_figures(new_text)), context, fact.rank)
