"""Calibrate the answerer's refusal thresholds on a question set.

  .venv/bin/python -m evals.calibrate [--questions evals/questions.jsonl]

The answerer refuses when the fact it would quote covers too little of the question
(`min_support`) or its figure counts something the question does not name
(`min_head_coverage`). This runs every question once with both thresholds at zero,
records the support and head coverage of the fact chosen, and prints accuracy,
negative rejection and false refusals for a grid of threshold pairs, so the defaults in
rag/settings.py are a measured choice, not a guess. (The fact choice itself prefers
facts above min_head_coverage, so figures away from the defaults are close, not exact.)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import QUESTIONS, load_questions
from evals.metrics import missing_figures
from rag.pipeline import Pipeline
from rag.settings import Settings

SUPPORTS = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
HEADS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass(frozen=True)
class Trace:
    answerable: bool
    reason: str  # the decision with both thresholds at zero (other_year, procedure... still refuse)
    support: float
    head: float
    correct: bool  # every expected figure in the answer given with thresholds at zero


def trace(pipeline: Pipeline, questions) -> list[Trace]:
    answerer = pipeline.answerer
    traces = []
    for q in questions:
        question = answerer.standalone(q.question.strip(), list(q.history))
        decision = answerer.decide(question, pipeline.retriever.search(question.search_text, k=pipeline.settings.top_k))
        answer = pipeline.ask(q.question, list(q.history))
        correct = bool(q.expected) and not answer.refused and not missing_figures(answer.text, q.expected)
        traces.append(Trace(bool(q.expected), decision.reason, decision.support, decision.head, correct))
    return traces


def rates(traces: list[Trace], min_support: float, min_head: float) -> tuple[float, float, float]:
    def answered(t: Trace) -> bool:
        return t.reason == "answered" and t.support >= min_support and t.head >= min_head

    pos = [t for t in traces if t.answerable]
    neg = [t for t in traces if not t.answerable]
    accuracy = sum(t.correct and answered(t) for t in pos) / len(pos)
    rejection = sum(not answered(t) for t in neg) / len(neg)
    false_refusal = sum(not answered(t) for t in pos) / len(pos)
    return accuracy, rejection, false_refusal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(QUESTIONS))
    args = parser.parse_args(argv)
    settings = Settings(min_support=0.0, min_head_coverage=0.0)
    pipeline = Pipeline.load(settings, say=lambda msg: print(msg, file=sys.stderr))
    traces = trace(pipeline, load_questions(settings.corpus_dir, path=Path(args.questions)))
    defaults = Settings()
    print(
        f"{len(traces)} questions; defaults: min_support={defaults.min_support}, min_head_coverage={defaults.min_head_coverage}"
    )
    print(f"{'min_support':>11} {'min_head':>8} {'accuracy':>9} {'neg_rej':>8} {'false_ref':>9}")
    for s in SUPPORTS:
        for h in HEADS:
            acc, rej, fr = rates(traces, s, h)
            mark = "  <- default" if (s, h) == (defaults.min_support, defaults.min_head_coverage) else ""
            print(f"{s:>11.2f} {h:>8.2f} {acc:>9.3f} {rej:>8.3f} {fr:>9.3f}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
