"""Question (+ history) -> Answer: extractive, grounded, refusing in code.

Steps: check the input; resolve a follow-up against the earlier question; retrieve;
pick the clause(s) that hold the asked figure; decide whether they really answer
(calibrated on the question set, see evals/calibrate.py); compose a short reply that
quotes the figures exactly as the source writes them, with [n] markers; and pass the
reply through the figure guard. The optional LLM reader (rag/reader.py) runs after this,
on the same retrieval, and falls back to this answer whenever its own reply fails a check.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rag.facts import (
    HOTLINE,
    Fact,
    ScoredFact,
    TermWeights,
    answering_figures,
    candidate_facts,
    covered,
    extend_with_next_clause,
    extend_with_previous_clause,
    focus_text,
    head_coverage,
    names_counted,
    speaks_of_focus,
    support,
    uncovered_terms,
    widen_to_figures,
)
from rag.figures import Figure, extract_figures, same_value, unsupported_figures
from rag.lexicon import GENERIC, Lexicon
from rag.periods import Period, named_periods, other_period
from rag.places import bare_name, gazetteer
from rag.privacy import find_personal_data
from rag.profile import Profile, derive
from rag.question import (
    Question,
    analyse,
    asked_about,
    claims,
    contrasted,
    describes,
    looks_like_followup,
    merge,
    split_parts,
    strip_injection,
    unit_fits,
)
from rag.retriever import HybridRetriever
from rag.settings import Settings
from rag.types import Allowed, Answer, Chunk, Citation, Hit, Reason

log = logging.getLogger(__name__)
_PROVINCE_WIDE = re.compile(r"全省|本省|省里|咱省")
_GREETING = re.compile(r"^(你好|您好|hi|hello|嗨|在吗|谢谢|多谢|感谢|再见|bye)[啊呀！!。.～~\s]*$", re.I)
_HAS_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class Decision:
    facts: tuple[Fact, ...]
    support: float  # how well the chosen fact covers the question, 0..1
    reason: Reason  # "answered" or why not
    head: float = 0.0  # how well the question names what the figure counts, 0..1


@dataclass
class Answerer:
    retriever: HybridRetriever
    settings: Settings
    weights: TermWeights
    profile: Profile = field(default_factory=Profile)
    lexicon: Lexicon = GENERIC
    place_ids: dict[str, frozenset[int]] = field(default_factory=dict)  # place -> chunk positions
    year_ids: dict[int, frozenset[int]] = field(default_factory=dict)  # year -> chunk positions
    article_periods: dict[str, frozenset[Period]] = field(default_factory=dict)  # source -> months, quarters it names

    @classmethod
    def build(
        cls,
        retriever: HybridRetriever,
        settings: Settings,
        profile: Profile | None = None,
    ) -> Answerer:
        chunks = retriever.index.chunks
        profile = profile or derive(chunks)
        by_place: dict[str, set[int]] = {}
        by_year: dict[int, set[int]] = {}
        periods: dict[str, frozenset[Period]] = {}
        for i, c in enumerate(chunks):
            periods[c.source] = periods.get(c.source, frozenset()) | named_periods(c.retrieval_text())
            for place in c.places:
                by_place.setdefault(place, set()).add(i)
            for year in c.years:
                by_year.setdefault(year, set()).add(i)
        return cls(
            retriever,
            settings,
            TermWeights(chunks),
            profile,
            Lexicon.with_words(profile.words, profile.english),
            {p: frozenset(ids) for p, ids in by_place.items()},
            {y: frozenset(ids) for y, ids in by_year.items()},
            periods,
        )

    @property
    def hotline_hint(self) -> str:
        return f"如需进一步帮助，请拨打{self.profile.hotline}{self.profile.hotline_name}。"

    def _example(self) -> str:
        return f"例如：“{self.profile.example}”" if self.profile.example else "例如：某项服务有多少、占比多少。"

    # --- the one entry point -------------------------------------------------

    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        result = self._answer(question or "", list(history or []))
        return replace(result, latency_ms=(time.perf_counter() - started) * 1000)

    def _answer(self, raw: str, history: list[str]) -> Answer:
        text = raw.strip()
        if not _HAS_WORDS.search(text):
            return Answer(raw, f"请输入您想了解的问题，{self._example()}", refused=True, reason="empty")
        if len(text) > self.settings.max_question_chars:
            return Answer(
                raw,
                # no numbers even here: every figure the assistant says is one a source says
                f"问题太长了，我一次只能回答一两句话的问题。请精简后再问，{self._example()}",
                refused=True,
                reason="too_long",
            )
        if kinds := find_personal_data(text):
            return Answer(
                raw,
                f"为保护您的隐私，请不要在提问中填写{'、'.join(kinds)}等个人信息。去掉后再问一次即可。"
                f"办理个人事务请拨打{self.profile.hotline}{self.profile.hotline_name}。",
                refused=True,
                reason="personal_data",
            )
        if _GREETING.match(text):
            return Answer(raw, f"您好！我可以回答{self.profile.scope}的问题，{self._example()}", reason="greeting")

        searched: dict[str, list[Hit]] = {}  # one search per distinct text within this answer
        question = self._standalone(text, history, searched)
        parts = _split(text, history, question)
        if not_covered := self._uncovered(question):
            return self.refusal(raw, question, Decision((), 0.0, "other_place"), [], not_covered)
        if len(parts) > 1:
            return self._answer_parts(raw, question, parts, history, searched)
        return self._answer_whole(raw, question, searched)

    def _answer_whole(self, raw: str, question: Question, searched: dict[str, list[Hit]]) -> Answer:
        hits = self.search(question, searched)
        question, decision = self._decide_tested(question, hits)
        if decision.reason != "answered":
            return self.refusal(raw, question, decision, hits)
        return self.compose(raw, question, decision, hits)

    def _decide_tested(self, question: Question, hits: list[Hit]) -> tuple[Question, Decision]:
        """decide(), and for a statement that nothing else answers, the statement's own figure as the
        answer: a figure the resident names is no answer to their question, unless it is what they
        ask about (有93家养老机构吧？ is confirmed with 全市93家养老机构)."""
        decision = self.decide(question, hits)
        if decision.reason in ("no_evidence", "other_subject") and question.premise is not None:
            tested = replace(question, figures=tuple(f for f in question.figures if f != question.premise))
            if (confirmed := self.decide(tested, hits)).reason == "answered":
                return tested, confirmed
        return question, decision

    def _answer_parts(
        self, raw: str, question: Question, parts: list[str], history: list[str], searched: dict[str, list[Hit]]
    ) -> Answer:
        """Each part of a two-figure question answered on its own; the first part lends
        its subject to the rest (…学位一共多少？其中寄宿制学校新增了多少？). In a conversation
        each part is read against the conversation (打电话的占多少？网上提的又占多少？)."""
        questions = self._part_questions(question, parts, history, searched)
        if not questions:
            return self._answer_whole(raw, question, searched)
        facts: list[Fact] = []
        hits: list[Hit] = []
        unanswered: list[tuple[str, Question]] = []
        claimed: set[str] = set()  # the figures that answer a part of their own
        for part, q in zip(parts, questions, strict=True):
            part_hits = self.search(q, searched)
            q, decision = self._decide_tested(q, part_hits)
            if decision.reason == "answered":
                facts.extend(f for f in decision.facts[:1] if all(f.text != g.text for g in facts))
                hits.extend(h for h in part_hits if h not in hits)
                claimed.update(g.text for f in decision.facts[:1] for g in _answers_to(q, f)[:1])
            else:
                unanswered.append((part, q))
        if not facts:
            return self.refusal(raw, question, Decision((), 0.0, "no_evidence"), hits)
        facts = complete(question, _without_nested(facts))
        # a part's figure may stand next to another part's in the quoted sentence: it is answered
        # when a quoted figure is of its kind and names what it counts (26条 is not 多少个冰雪乐园),
        # and is not the figure that answers another part (电话端占85.19% is not 网上提的又占多少)
        missing = [part for part, q in unanswered if not _holds_answer_to(q, facts, claimed)]
        answer = self.compose(raw, question, Decision(tuple(facts), 1.0, "answered"), hits)
        if missing and not answer.refused:
            answer = replace(
                answer,
                text=answer.text + f"{_not_reported(missing)}{self.hotline_hint}",
                unanswered_parts=tuple(missing),
            )
        return answer

    # --- steps ---------------------------------------------------------------

    def search(self, question: Question, searched: dict[str, list[Hit]] | None = None) -> list[Hit]:
        """Retrieve for a question, reusing a search already made for the same text."""
        if searched is None:
            searched = {}
        allowed = self.allowed(question)
        key = f"{question.search_text}|{sorted(allowed) if allowed is not None else ''}"
        if key not in searched:
            hits = self.retriever.search(question.search_text, k=self.settings.top_k, allowed=allowed)
            if question.focus and question.raw.strip() != question.search_text.strip():
                # a follow-up's own words searched alone too: the earlier question's words can crowd
                # its subject out (换燃气软管的呢？ after 燃气报警器)
                seen = {h.chunk.id for h in hits}
                own = self.retriever.search(question.raw, k=self.settings.top_k, allowed=allowed)
                hits += [h for h in own if h.chunk.id not in seen]
            searched[key] = hits
        return searched[key]

    def places_of(self, question: Question) -> tuple[str, ...]:
        """The places a question is about: those it names (or its conversation named), else the
        home place; 全省 means the home place's province. () means anywhere."""
        if question.places:
            return question.places
        home = gazetteer().get(self.profile.home_place)
        if home is None:
            return ()
        if _PROVINCE_WIDE.search(question.text) and home.province:
            return (home.province,)
        return (home.name,)

    def _uncovered(self, question: Question) -> tuple[str, ...]:
        """The places asked about when no article covers any of them, else ()."""
        places = self.places_of(question)
        g = gazetteer()
        # covered: a place an article is about, or its province (全省 in a city's article);
        # a place a sentence merely lists (苏州、无锡、南京) is not covered by that article
        covered = set(self.profile.covered_places)
        covered |= {p.province for name in self.profile.covered_places if (p := g.get(name)) and p.province}
        # a district of a covered city is covered too (a district in its city's articles); a city in a
        # covered province is not: a province-wide report rarely speaks for one of its cities
        cities = set(self.profile.covered_places)
        return places if places and not any(p in covered or g.in_city(p, cities) for p in places) else ()

    def allowed(self, question: Question) -> frozenset[int] | None:
        """The chunk positions that may answer: of the asked place and year (None: all)."""
        ids: frozenset[int] | None = None
        if places := self.places_of(question):
            ids = frozenset().union(*(self.place_ids.get(p, frozenset()) for p in places))
        if question.years:  # looked up, not scanned: a year-only question at 1M chunks stays cheap
            in_years = frozenset().union(*(self.year_ids.get(y, frozenset()) for y in question.years))
            ids = in_years if ids is None else ids & in_years
        # the constraint travels with the positions: a store that filters by metadata (Milvus) uses it
        return None if ids is None else Allowed(ids, places, question.years)

    def part_questions(self, text: str, history: list[str], question: Question) -> list[Question]:
        """Each part of a several-figure question (`question`: text resolved against history) as a
        question of its own, as the rules answer it (the first part lending its subject to the rest);
        [] when it asks one figure, or when a part names nothing and leans on the whole."""
        parts = _split(text, history, question)
        return self._part_questions(question, parts, history, {}) if len(parts) > 1 else []

    def _part_questions(
        self, question: Question, parts: list[str], history: list[str], searched: dict[str, list[Hit]]
    ) -> list[Question]:
        if history:
            # the first part is read in the conversation, and lends its subject to the rest as in a
            # question asked first (其中企业诉求有多少？同比涨了多少？: the growth of 企业诉求)
            first = self._standalone(parts[0], history, searched)
        else:
            first = replace(self.weights.ground(analyse(parts[0], lexicon=self.lexicon)), places=question.places)
        rest = [
            self.weights.ground(merge(analyse(part, lexicon=self.lexicon), first, contrasted(parts[0], part)))
            for part in parts[1:]
        ]
        return [first, *rest]

    def standalone(self, text: str, history: list[str]) -> Question:
        """The question as it stands alone, resolved against history when it leans on it."""
        return self._standalone(text, history, {})

    def _standalone(self, text: str, history: list[str], searched: dict[str, list[Hit]]) -> Question:
        """Each turn resolved against the one before, oldest first: a loop, so no history is too long for it."""
        resolved: Question | None = None
        for turn in [*history, text]:
            resolved = self._resolve(turn, resolved, searched)
        assert resolved is not None  # the loop runs at least once, for text
        return resolved

    def _resolve(self, text: str, previous: Question | None, searched: dict[str, list[Hit]]) -> Question:
        """One turn read alone, or in the light of the (already resolved) turn before it."""
        current = self._covered_county(self.weights.ground(analyse(text, lexicon=self.lexicon)))
        if previous is None:
            return current
        if not current.places and previous.places:  # the conversation's place holds until another is named
            current = replace(current, places=previous.places)
        if looks_like_followup(text):
            return self.weights.ground(merge(current, previous))
        # No follow-up wording: read it alone unless alone it finds nothing.
        if self.decide(current, self.search(current, searched)).reason == "answered":
            return current
        merged = self.weights.ground(merge(current, previous))
        together = self.decide(merged, self.search(merged, searched))
        return merged if together.reason == "answered" else current

    def _covered_county(self, question: Question) -> Question:
        """A county an article is about (衡东 for 衡东县), or one of a covered city (昆山 for 昆山市
        in 苏州市), named without its suffix. The national table gives counties no short form,
        since most would be everyday words somewhere; where the articles are, residents use them."""
        if question.places:
            return question
        g = gazetteer()
        for name in self.profile.covered_places:
            place = g.get(name)
            bare = bare_name(name) if place is not None and place.level == "county" else ""
            if bare and bare in question.text:
                return _placed(question, (name,), {bare})
        if named := g.find_local(question.text, self.profile.covered_places):
            return _placed(question, tuple(dict.fromkeys(m.place.name for m in named)), {m.text for m in named})
        return question

    def standalone_question(self, text: str, history: list[str]) -> str:
        """The follow-up-resolved question as text (used by the evals for retrieval)."""
        return self.standalone(text, history).search_text

    def decide(self, question: Question, hits: list[Hit]) -> Decision:
        if question.future:
            return Decision((), 0.0, "future")
        if question.asked == "procedure":
            return Decision((), 0.0, "procedure")
        scored = candidate_facts(hits, question, self.weights)
        candidates = [s for s in scored if s.fits is not False]
        if not candidates:
            return Decision((), 0.0, "other_year" if question.years and not hits else "no_evidence")
        best_fact, best_support, best_head = self._choose(question, candidates[:5])
        means = self._says_in_other_words(best_fact, hits)
        if self.settings.min_literal_support <= best_support < self.settings.min_support:
            best_support = support(question, self.weights, best_fact, means)
            if best_support < self.settings.min_support and self._means_the_question(question, best_fact, hits):
                best_support = support(question, self.weights, best_fact, self._or_unknown(question, means))
        if best_support < self.settings.min_support:
            return Decision((), best_support, "no_evidence", best_head)
        if (
            best_head < self.settings.min_head_coverage
            # the sentence names what is counted; the clause speaks of a follow-up's own subject
            or not names_counted(
                question,
                f"{best_fact.context} {best_fact.chunk.retrieval_text()}",
                self._says_in_other_words(best_fact, hits, self.settings.min_counted_closeness),
            )
            or not speaks_of_focus(question, focus_text(best_fact), means)
        ):
            return Decision((), best_support, "other_subject", best_head)
        if question.years and not set(question.years) & set(best_fact.chunk.years):
            return Decision((), best_support, "other_year", best_head)
        if self.of_another_period(question, best_fact.chunk, best_fact.context):
            return Decision((), best_support, "other_year", best_head)  # 4月份 is not answered by 5月份's figure
        facts = [best_fact]
        if question.several:
            facts += self._more_facts(question, facts, scored)
        return Decision(tuple(complete(question, facts)), best_support, "answered", best_head)

    def of_another_period(self, question: Question, chunk: Chunk, context: str = "") -> bool:
        """Whether the chunk speaks of another part of the year than the figure asked for is of
        (rag/periods.py). A month in a question asking no figure, or asking when, is the time of an
        event (是2024年10月建成吗？), which the answer may correct, not the period a figure counts."""
        if not question.periods or question.asked in ("", "date"):
            return False
        stated = named_periods(f"{context} {chunk.retrieval_text()}")
        return other_period(question.periods, stated, self.article_periods.get(chunk.source, stated))

    def _says_in_other_words(
        self, fact: Fact, hits: list[Hit], least: float | None = None
    ) -> Callable[[str], bool] | None:
        """Whether the fact's sentence says a question word in other words: residents say 房子
        for 房源 and 灯 for 照明, which no list of one article's words foresees. Costs one query
        embedding per word, so it is asked only of a fact that already names part of the question.
        `least`: a closer bound than min_closeness (what a count counts is its identity)."""
        position = _position(fact, hits)
        return None if position is None else self.means_at(position, least)

    def _means_the_question(self, question: Question, fact: Fact, hits: list[Hit]) -> bool:
        """Whether the fact's sentence is unusually near the whole question in meaning (see
        means_at): its words then say what the resident described in their own."""
        position = _position(fact, hits)
        if position is None:
            return False
        return self.retriever.closeness(question.text, position) >= self.settings.min_question_closeness

    def _or_unknown(self, question: Question, means: Callable[[str], bool] | None) -> Callable[[str], bool]:
        """`means`, or a noun no article uses in a clause describing what is asked (等红绿灯的地方): the
        resident's own picture of what the sentence says in its words. A word the articles do use
        elsewhere (企业 of 企业服务诉求) names another thing, and so may the thing asked itself (换了新门).
        An English question's Chinese terms are all guesses at the articles' words (family doctor
        teams: 家庭医生团队 for 家庭医生队), so any of them counts."""
        return lambda term: (
            (means is not None and means(term))
            or question.english
            or (
                term in question.nouns
                and describes(question.text.lower(), term, question.nouns)
                and self.weights.unknown(term, question.alternatives.get(term, ()))
            )
        )

    def means_at(self, position: int, least: float | None = None) -> Callable[[str], bool]:
        """Whether the chunk at this index position says a word in other words: it is at least
        min_closeness (or `least`) standard deviations nearer the word than the index's average chunk."""
        bound = self.settings.min_closeness if least is None else least
        return lambda term: self.retriever.closeness(term, position) >= bound

    def _choose(self, question: Question, candidates: list[ScoredFact]) -> tuple[Fact, float, float]:
        """Of the best-scored facts, the one to quote, with its support and head coverage.

        Support is judged on the clause itself: words borrowed from a neighbouring clause
        count only as its setting, so gluing clauses cannot make a fact look relevant. A fact
        whose figure counts something the question does not name (low head coverage) loses to
        any that counts the right thing.
        """

        best: tuple[Fact, float, float] | None = None
        best_key: tuple[bool, bool, float] | None = None
        for cand in candidates:
            quoted = extend_with_next_clause(extend_with_previous_clause(cand.fact, question))
            head = head_coverage(question, self.weights, quoted)
            s = support(question, self.weights, extend_with_next_clause(cand.fact))
            key = (
                speaks_of_focus(question, focus_text(quoted)),
                head >= self.settings.min_head_coverage,
                s * (0.7 + 0.3 * head),
            )
            if best_key is None or key > best_key:  # ties: the better-scored stays
                best, best_key = (quoted, s, head), key
        return best  # type: ignore[return-value]  # decide() passes at least one candidate

    def _more_facts(self, question: Question, chosen: list[Fact], rest: list[ScoredFact]) -> list[Fact]:
        """Further facts for a question asking two things (社区网格和农村网格各有多少个)."""
        extra: list[Fact] = []
        for _ in range(2):
            missing = uncovered_terms(question, [f.text for f in chosen + extra])
            total = sum(self.weights.term_weight(question, t) for t in question.terms) or 1.0
            missing_w = {t: self.weights.term_weight(question, t) for t in missing}
            if sum(missing_w.values()) / total < 0.2:
                break
            best, best_gain = None, 0.0
            for s in rest:
                # each part of the question has its own measure word, so any figure may serve
                if any(s.fact.text == f.text for f in chosen + extra) or not s.fact.figures:
                    continue
                gain = sum(
                    w for t, w in missing_w.items() if covered(t, question.alternatives.get(t, ()), s.fact.text.lower())
                )
                if gain > best_gain:
                    best, best_gain = s.fact, gain
            if best is None or best_gain / (sum(missing_w.values()) or 1.0) < 0.4:
                break
            extra.append(best)
        return extra

    def compose(self, raw: str, question: Question, decision: Decision, hits: list[Hit]) -> Answer:
        markers: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for fact in decision.facts:
            chunk = fact.chunk
            if chunk.id not in markers:
                markers[chunk.id] = len(markers) + 1
                citations.append(Citation.of(chunk, markers[chunk.id]))
            body = fact.text
            if (row := chunk.readable()) != chunk.text:  # a table row: with its column names, whole
                body = row
            elif fact.context and fact.context not in body and not any(fact.context in p for p in parts):
                body = f"{fact.context}，{body}"
            if (quoted_part := f"{body}[{markers[chunk.id]}]") not in parts:  # two facts of one row
                parts.append(quoted_part)
        quoted = "；".join(parts)
        stated = [f for fact in decision.facts for f in fact.figures]
        correction = ""
        claimed = [q for q in question.figures if claims(question, q)]
        mismatched = [q for q in claimed if not any(same_value(q, s) for s in stated)]
        if claimed and len(mismatched) == len(claimed):
            correction = "您提到的数字与报道不一致，以报道为准：" if not question.english else ""
        elif mismatched and not question.english:
            correction = "您提到的数字与报道不完全一致，以报道为准："
        elif question.premise is not None and any(same_value(question.premise, s) for s in stated):
            correction = "您提到的数字与报道一致：" if not question.english else ""
        source = self._source_label(decision.facts[0].chunk.places)
        if question.english:
            text = f"According to the source article (in Chinese): {quoted}."
        else:
            text = f"{correction}据{source}报道，{quoted}。"
        citations = [replace(c, figures=tuple(f.text for f in stated if f.text in c.text)) for c in citations]
        answer = Answer(
            question=raw,
            text=text,
            citations=tuple(citations),
            figures=tuple(dict.fromkeys(f.text for f in stated)),
            reason="answered",
            rewritten_question=question.text,
            hits=tuple(hits),
        )
        return guard(answer, self.hotline_hint)

    def _source_label(self, places: tuple[str, ...]) -> str:
        """ "苏州的" when the passage is not about the home place, so a resident sees whose figure it is."""
        if not places or places[0] == self.profile.home_place:
            return ""
        place = gazetteer().get(places[0])
        return f"{(place.short or place.name) if place else places[0]}的"

    def refusal(
        self, raw: str, question: Question, decision: Decision, hits: list[Hit], places: tuple[str, ...] = ()
    ) -> Answer:
        if decision.reason == "other_place":
            asked = "、".join(self._source_label((p,))[:-1] or p for p in places)
            why = f"现有资料中没有关于{asked}的内容，目前涵盖的是{self.profile.covered_label()}的公开报道。"
        elif decision.reason == "other_year":
            # the resident's year is not repeated: the reply states no figure the source lacks
            when = "那个时间" if question.periods else "那一年"
            why = f"现有报道没有您问的{when}的这项数据。"
        elif decision.reason == "procedure":
            why = "现有报道介绍的是公共服务的总体成效，没有办理地点、流程、时间或联系方式等信息。"
        elif decision.reason == "future":
            why = "现有报道讲的是已经取得的成效，没有对今后的具体数字。"
        else:
            why = f"现有报道中没有找到能回答这个问题的内容（资料涵盖{self.profile.scope}的公开报道）。"
        if question.english:
            text = (
                "Sorry, the articles I draw on do not answer this question. "
                f"For help, please call the citizen hotline {self.profile.hotline}."
            )
        else:
            text = f"抱歉，{why}{self.hotline_hint}"
        return Answer(
            raw, text, refused=True, reason=decision.reason, rewritten_question=question.text, hits=tuple(hits)
        )


def _position(fact: Fact, hits: list[Hit]) -> int | None:
    """The index position of the fact's chunk among the hits (None: not from an index)."""
    return next((h.position for h in hits if h.chunk.id == fact.chunk.id and h.position >= 0), None)


def _placed(question: Question, places: tuple[str, ...], names: set[str]) -> Question:
    """The question constrained to these places, its words for them no longer words to match: the
    place decides which passages may answer, as a place named in full already does."""
    terms = {t: w for t, w in question.terms.items() if t not in names}
    return replace(question, places=places, terms=terms, nouns=question.nouns - names)


def figure_count(question: Question, facts: list[Fact]) -> int:
    return sum(len(answering_figures(f, question)) for f in facts)


def _answers_to(question: Question, fact: Fact) -> list[Figure]:
    """The fact's figures that are of the question's kind and name what it counts, in a quote that
    says the part's own nouns (地铁站又加了多少个 is not answered by 优化调整26条)."""
    # one character (交, 钱) is too often said in a compound of other characters (缴纳, 资金) to require
    own = replace(question, focus=frozenset(w for w in question.focus if len(w) >= 2))
    if not names_counted(question, fact.text) or not speaks_of_focus(own, focus_text(fact)):
        return []
    return [g for g in answering_figures(fact, question) if unit_fits(question, g.unit)]


def _holds_answer_to(question: Question, facts: list[Fact], claimed: set[str]) -> bool:
    return any(g.text not in claimed for f in facts for g in _answers_to(question, f))


def _not_reported(parts: list[str]) -> str:
    """Which parts of the question no article answers, in the resident's words: 关于“咨询类诉求平均
    办理时长”，现有报道没有提到。 A part that states a figure is not quoted (every figure the
    assistant says is one a source says)."""
    topics = [t for part in parts if (t := asked_about(part)) and not extract_figures(t)]
    if len(topics) < len(parts):
        return "问题的其余部分，现有报道没有提到。"
    return f"关于{'、'.join(f'“{t}”' for t in topics)}，现有报道没有提到。"


def _split(text: str, history: list[str], question: Question) -> list[str]:
    """The parts of a question; a follow-up is split on its own words, since the standalone text
    also holds the earlier question's."""
    return split_parts(strip_injection(text) if history else question.text)


def _without_nested(facts: list[Fact]) -> list[Fact]:
    """Facts less the quotes another one already holds: two parts' clauses of one sentence
    (新辟公交线路51条; 新辟公交线路51条…泊位90756个) are quoted once, not twice."""

    def inside(f: Fact, g: Fact) -> bool:  # strictly: a fact is not inside itself or its equal
        same_span = (g.start, g.end) == (f.start, f.end)
        return f.chunk.id == g.chunk.id and g.start <= f.start and f.end <= g.end and not same_span

    return [f for f in facts if not any(inside(f, g) for g in facts)]


def complete(question: Question, facts: list[Fact]) -> list[Fact]:
    """A question asking for more figures than the quote holds takes in the figures next to
    the first one in its sentence; facts the widened quote now contains are dropped."""
    if not facts or figure_count(question, facts) >= question.wants:
        return facts
    first = facts[0]
    own = len(answering_figures(first, question))
    wide = widen_to_figures(first, question, own + question.wants - figure_count(question, facts))
    rest = [f for f in facts[1:] if not (f.chunk.id == wide.chunk.id and wide.start <= f.start and f.end <= wide.end)]
    return [wide, *rest]


def guard(answer: Answer, hint: str = "如需进一步帮助，请拨打12345市民服务热线。") -> Answer:
    """The figure guard: every figure stated must be in a cited passage, or the answer is withheld."""
    sources = [c.text for c in answer.citations]
    bad = unsupported_figures(answer.text, sources, allow=(HOTLINE,))
    if not bad:
        return answer
    return Answer(
        answer.question,
        f"抱歉，这个问题我无法给出有出处的准确数字。{hint}",
        refused=True,
        reason="guard_blocked",
        rewritten_question=answer.rewritten_question,
        hits=answer.hits,
    )
