"""Metrics as small units: a pure function at the heart, a Metric that scores one
Record (an ItemResult) and aggregates many (a MetricResult).

Figures are compared with rag.figures (normalised value and unit), never as
plain substrings: "2小时" is not in "72小时", "近4.8万" is in "近4.8万低保对象".

Definitions (the README's Evaluation section repeats them):
* hit@k - answerable questions whose every expected figure is stated by some
  top-k chunk that overlaps an evidence span stating that figure.
* mrr - mean of 1/rank of the first retrieved chunk (of the top 10) that overlaps
  an evidence span and states at least one expected figure; 0 when none does.
* accuracy - answerable questions answered (not refused) with every expected
  figure stated in the answer text.
* negative_rejection - unanswerable questions that were refused.
* false_refusal - answerable questions that were refused.
* fabricated - answers (refusals included) stating a figure that none of their
  cited passages states (rag.figures.unsupported_figures); must be 0. A figure
  echoed from the question ("没有2020年的数据") counts too: the resident reads it
  in the assistant's words; the report marks such echoes.
* citation_precision - over all citations of all non-refused answers (micro
  average): the share whose passage states at least one figure the answer text
  states. An answer stating no figure makes all its citations imprecise.
* uncited - non-refused answers without any citation (reported, not gated).
* search_ms_p50/p95, answer_ms_p50/p95 - latency percentiles (ms) of one
  retriever.search call and of one ask call (reported, never gated).
* answer_chars_p50 - median answer length in characters (reported).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from evals.dataset import WRONG_SOURCE_CATEGORIES, Question, Span
from evals.records import Passage, Record
from rag.figures import Figure, same_value, unsupported_figures
from rag.figures import contains_figure as _contains_figure
from rag.figures import extract_figures as _extract_figures

MRR_DEPTH = 10


# rag.figures is pure; the same passages are checked against many figures, so remember.
@lru_cache(maxsize=1 << 16)
def contains_figure(text: str, figure: str) -> bool:
    # Qualifiers are part of the figure: "4.8万" does not state the source's "近4.8万".
    try:
        return _contains_figure(text, figure, strict_qualifier=True)
    except ValueError:  # an expected answer with no number the parser reads (十方面): compare as text
        return figure in text


@lru_cache(maxsize=1 << 14)
def extract_figures(text: str) -> tuple[Figure, ...]:
    return tuple(_extract_figures(text))


# --- pure functions ----------------------------------------------------------


def evidence_spans(question: Question, figure: str) -> list[Span]:
    """The spans of the question's evidence strings that state `figure` (all of them
    if none parses as stating it, so a quirk of the figure parser cannot hide a hit)."""
    holding = [s for ev in question.evidence if contains_figure(ev.text, figure) for s in ev.spans]
    return holding or [s for ev in question.evidence for s in ev.spans]


def supports(passage: Passage, figure: str, spans: Iterable[Span]) -> bool:
    """The passage overlaps one of the spans and states the figure."""
    return any(passage.span.overlaps(s) for s in spans) and contains_figure(passage.text, figure)


def hit_at_k(retrieved: list[Passage], question: Question, k: int) -> bool:
    """Every expected figure is stated by some top-k passage overlapping its evidence."""
    top = retrieved[:k]
    return all(any(supports(p, fig, evidence_spans(question, fig)) for p in top) for fig in question.expected)


def first_relevant_rank(retrieved: list[Passage], question: Question) -> int | None:
    """1-based rank of the first passage overlapping any evidence span and stating
    at least one expected figure."""
    spans = [s for ev in question.evidence for s in ev.spans]
    for rank, p in enumerate(retrieved, start=1):
        if any(p.span.overlaps(s) for s in spans) and any(contains_figure(p.text, f) for f in question.expected):
            return rank
    return None


def missing_figures(answer_text: str, expected: Iterable[str]) -> list[str]:
    """The expected figures the answer text does not state."""
    return [f for f in expected if not contains_figure(answer_text, f)]


def fabricated_figures(answer_text: str, cited_texts: list[str]) -> list[str]:
    """Figures the answer states that no cited passage states, as written."""
    return [f.text for f in unsupported_figures(answer_text, cited_texts)]


def citation_support(answer_text: str, cited_texts: list[str]) -> list[bool]:
    """For each citation: does its passage state at least one figure the answer states?"""
    stated = extract_figures(answer_text)
    return [any(same_value(a, c) for c in extract_figures(t) for a in stated) for t in cited_texts]


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


# --- metric units ------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    """One question's score. Rates aggregate as sum(value) / sum(weight)."""

    id: str
    category: str
    value: float
    weight: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class MetricResult:
    name: str
    value: float | None  # None: no question this metric applies to
    n: int  # items scored
    items: tuple[ItemResult, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Metric:
    """name, which records it applies to, how one record scores, how items aggregate.

    kind: "rate" (sum value / sum weight), "count" (sum value), "pNN" (percentile).
    failed: whether one item is a failure worth listing in the report.
    """

    name: str
    kind: str
    applies: Callable[[Record], bool]
    score: Callable[[Record], ItemResult]
    failed: Callable[[ItemResult], bool] = lambda item: False
    description: str = ""

    def aggregate(self, items: list[ItemResult]) -> float | None:
        if self.kind == "count":
            return float(sum(i.value for i in items))
        if self.kind.startswith("p"):
            return percentile([i.value for i in items], float(self.kind[1:]))
        weight = sum(i.weight for i in items)
        return sum(i.value for i in items) / weight if weight else None

    def result(self, items: Iterable[ItemResult]) -> MetricResult:
        items = tuple(items)
        return MetricResult(self.name, self.aggregate(list(items)), len(items), items)

    def evaluate(self, records: Iterable[Record]) -> MetricResult:
        return self.result(self.score(r) for r in records if self.applies(r))


def _item(r: Record, value: float, weight: float = 1.0, note: str = "") -> ItemResult:
    return ItemResult(r.id, r.category, float(value), float(weight), note)


def _retrieval(r: Record) -> bool:
    return r.question.answerable and r.search_ms is not None


def _answered(r: Record) -> bool:
    return r.reply is not None and not r.replied.refused


def hit_metric(k: int) -> Metric:
    def score(r: Record) -> ItemResult:
        ok = hit_at_k(list(r.retrieved), r.question, k)
        return _item(
            r, ok, note="" if ok else f"expected {', '.join(r.question.expected)} not in the top {k} at its evidence"
        )

    return Metric(
        f"hit@{k}",
        "rate",
        _retrieval,
        score,
        lambda i: i.value < 1,
        f"answerable questions whose expected figures are all in top-{k} chunks overlapping their evidence",
    )


def _mrr(r: Record) -> ItemResult:
    rank = first_relevant_rank(list(r.retrieved[:MRR_DEPTH]), r.question)
    return _item(r, 1 / rank if rank else 0.0, note=f"rank {rank}" if rank else f"not in top {MRR_DEPTH}")


def _accuracy(r: Record) -> ItemResult:
    if r.replied.refused:
        return _item(r, 0, note="refused")
    missing = missing_figures(r.replied.text, r.question.expected)
    return _item(r, not missing, note=f"missing {', '.join(missing)}" if missing else "")


def _negative_rejection(r: Record) -> ItemResult:
    return _item(r, r.replied.refused, note="" if r.replied.refused else "answered an unanswerable question")


def _false_refusal(r: Record) -> ItemResult:
    return _item(r, r.replied.refused, note=f"refused ({r.replied.reason})" if r.replied.refused else "")


def _fabricated(r: Record) -> ItemResult:
    invented = fabricated_figures(r.replied.text, [c.text for c in r.replied.citations])
    asked = " ".join((*r.question.history, r.question.question))
    echoed = [f for f in invented if contains_figure(asked, f)]
    note = f"unsupported {', '.join(invented)}" if invented else ""
    if echoed:  # still counted: the answer states a figure no source states
        note += f" (echoed from the question: {', '.join(echoed)})"
    return _item(r, bool(invented), note=note)


def _citation_precision(r: Record) -> ItemResult:
    support = citation_support(r.replied.text, [c.text for c in r.replied.citations])
    bad = [str(i + 1) for i, ok in enumerate(support) if not ok]
    return _item(
        r, sum(support), len(support), f"citation(s) {', '.join(bad)} state no figure of the answer" if bad else ""
    )


def _wrong_source(r: Record) -> ItemResult:
    """An answer quoting another place's or another year's figure."""
    q = r.question
    if q.category in WRONG_SOURCE_CATEGORIES:
        return _item(r, 1, note=f"answered a question about a {q.category.split('_')[1]} the articles do not cover")
    bad = []
    asked = " ".join((*q.history, q.question))  # a year counts when the resident named it
    for i, c in enumerate(r.replied.citations, 1):
        if q.place and q.place not in c.places:
            bad.append(f"[{i}] is about {'、'.join(c.places) or 'no known place'}, not {q.place}")
        elif q.year and str(q.year) in asked and c.years and q.year not in c.years:
            bad.append(f"[{i}] is about {'、'.join(map(str, c.years))}, not {q.year}")
    return _item(r, bool(bad), note="; ".join(bad))


def _uncited(r: Record) -> ItemResult:
    return _item(r, not r.replied.citations, note="answer without citation" if not r.replied.citations else "")


def latency_metric(name: str, q: int, get: Callable[[Record], float | None]) -> Metric:
    return Metric(
        f"{name}_ms_p{q}",
        f"p{q}",
        lambda r: get(r) is not None,
        lambda r: _item(r, get(r) or 0.0),  # applies only where get(r) is not None
        description=f"{q}th percentile of {name} latency (ms)",
    )


RETRIEVAL_METRICS: tuple[Metric, ...] = (
    hit_metric(1),
    hit_metric(3),
    Metric(
        "mrr",
        "rate",
        _retrieval,
        _mrr,
        description=f"mean reciprocal rank of the first relevant chunk (top {MRR_DEPTH})",
    ),
    latency_metric("search", 50, lambda r: r.search_ms),
    latency_metric("search", 95, lambda r: r.search_ms),
)

ANSWER_METRICS: tuple[Metric, ...] = (
    Metric(
        "accuracy",
        "rate",
        lambda r: r.reply is not None and r.question.answerable,
        _accuracy,
        lambda i: i.value < 1,
        "answerable questions answered with every expected figure",
    ),
    Metric(
        "negative_rejection",
        "rate",
        lambda r: r.reply is not None and not r.question.answerable,
        _negative_rejection,
        lambda i: i.value < 1,
        "unanswerable questions refused",
    ),
    Metric(
        "false_refusal",
        "rate",
        lambda r: r.reply is not None and r.question.answerable,
        _false_refusal,
        lambda i: i.value > 0,
        "answerable questions refused",
    ),
    Metric(
        "fabricated",
        "count",
        lambda r: r.reply is not None,
        _fabricated,
        lambda i: i.value > 0,
        "answers stating a figure none of their citations states",
    ),
    Metric(
        "citation_precision",
        "rate",
        lambda r: _answered(r) and bool(r.replied.citations),
        _citation_precision,
        lambda i: i.value < i.weight,
        "citations of answers whose passage states a figure of the answer",
    ),
    Metric(
        "wrong_source",
        "count",
        _answered,
        _wrong_source,
        lambda i: i.value > 0,
        "answers quoting a passage of another place or year than the one asked about",
    ),
    Metric("uncited", "count", _answered, _uncited, lambda i: i.value > 0, "answers without any citation"),
    latency_metric("answer", 50, lambda r: r.reply.latency_ms if r.reply else None),
    latency_metric("answer", 95, lambda r: r.reply.latency_ms if r.reply else None),
    Metric(
        "answer_chars_p50",
        "p50",
        lambda r: r.reply is not None,
        lambda r: _item(r, len(r.replied.text)),
        description="median answer length in characters (how much a resident must read)",
    ),
)

ALL_METRICS = RETRIEVAL_METRICS + ANSWER_METRICS


def evaluate_all(records: list[Record], metrics: Iterable[Metric] = ALL_METRICS) -> dict[str, MetricResult]:
    return {m.name: m.evaluate(records) for m in metrics}


def by_category(
    results: dict[str, MetricResult], categories: Iterable[str], metrics: Iterable[Metric] = ALL_METRICS
) -> dict[str, dict[str, MetricResult]]:
    """The same items re-aggregated per category (nothing is scored twice)."""
    metrics = [m for m in metrics if m.name in results]
    return {
        c: {m.name: m.result(i for i in results[m.name].items if i.category == c) for m in metrics} for c in categories
    }
