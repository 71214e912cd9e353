"""Run the question set through a System and score it.

For each question: the system turns it into the query its retriever sees (the
follow-up resolved, the answerer's expansion added), the retriever is searched with it (top MRR_DEPTH, timed), and the system is asked the
question with its history (timed). Metrics, the per-category breakdown and the
coverage of the corpus's figures are computed from those records.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tqdm import tqdm

from evals.coverage import Occurrence
from evals.dataset import CATEGORIES, Question
from evals.metrics import ALL_METRICS, MRR_DEPTH, RETRIEVAL_METRICS, Metric, MetricResult, by_category, evaluate_all
from evals.records import Record
from evals.systems import System

WARM_UP = "有多少所学校？"


@dataclass
class SuiteResult:
    system: dict  # what was evaluated (System.describe())
    records: list[Record]
    metrics: dict[str, MetricResult]
    categories: dict[str, dict[str, MetricResult]]
    uncovered: list[Occurrence] = field(default_factory=list)
    seconds: float = 0.0
    questions: int = 0


def run_records(
    system: System, questions: list[Question], answers: bool = True, progress: bool = True, desc: str = ""
) -> list[Record]:
    """Search (and ask, unless answers=False) every question; time both."""
    system.search(WARM_UP, MRR_DEPTH)  # the first call pays lazy loading; don't time it
    records = []
    for q in tqdm(questions, desc=desc or system.name, unit="q", disable=not progress, file=sys.stderr, leave=False):
        history = list(q.history)
        query = system.standalone(q.question, history)
        started = time.perf_counter()
        retrieved = tuple(system.search(query, MRR_DEPTH))
        search_ms = (time.perf_counter() - started) * 1000
        reply = None
        if answers:
            started = time.perf_counter()
            reply = system.ask(q.question, history)
            reply = replace(reply, latency_ms=(time.perf_counter() - started) * 1000)
        records.append(Record(q, query, retrieved, search_ms, reply))
    return records


def run_suite(
    system: System,
    questions: list[Question],
    uncovered: Sequence[Occurrence] = (),
    answers: bool = True,
    progress: bool = True,
    metrics: tuple[Metric, ...] = ALL_METRICS,
) -> SuiteResult:
    started = time.perf_counter()
    records = run_records(system, questions, answers=answers, progress=progress)
    metrics = metrics if answers else RETRIEVAL_METRICS
    results = evaluate_all(records, metrics)
    return SuiteResult(
        system=system.describe(),
        records=records,
        metrics=results,
        categories=by_category(results, [c for c in CATEGORIES if any(q.category == c for q in questions)], metrics),
        uncovered=list(uncovered),
        seconds=time.perf_counter() - started,
        questions=len(questions),
    )
