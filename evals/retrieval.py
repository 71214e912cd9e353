"""Retrieval metrics side by side: python -m evals.retrieval [--verbose]

Over the answerable questions, each searched with the answerer's
standalone_question (the follow-up resolved, its query expansion added; --raw:
the question as asked, follow-ups still resolved), for the configured retriever and for dense-only and BM25-only over
the same index: hit@1, hit@3, MRR and p50/p95 latency of one `search` call
(after a warm-up query). See evals/metrics.py for the definitions.
"""

from __future__ import annotations

import argparse
import sys

from evals.dataset import load_questions
from evals.metrics import RETRIEVAL_METRICS, hit_metric
from evals.records import Record
from evals.suite import run_records
from evals.systems import PipelineSystem, with_mode
from rag.cli import add_settings_options, execute
from rag.settings import Settings

MODES = ("hybrid", "dense", "bm25")
COLUMNS = ("hit@1", "hit@3", "mrr", "search_ms_p50", "search_ms_p95")


def fmt(value: float | None, name: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if name.endswith(("_p50", "_p95")) or "_ms_" in name else f"{value:.3f}"


def retrieval_table(rows: list[tuple[str, dict]]) -> str:
    """Plain-text table: one row per (label, {metric name: MetricResult})."""
    head = f"{'retriever':<12}" + "".join(
        f"{c.replace('search_ms_', '') + (' ms' if 'ms' in c else ''):>10}" for c in COLUMNS
    )
    lines = [head, "-" * len(head)]
    for label, metrics in rows:
        lines.append(f"{label:<12}" + "".join(f"{fmt(metrics[c].value, c):>10}" for c in COLUMNS))
    return "\n".join(lines)


def misses(records: list[Record], k: int = 3) -> list[str]:
    """One paragraph per question missed at k: question, expected, top chunk."""
    metric = hit_metric(k)
    out = []
    for r in records:
        if metric.failed(metric.score(r)):
            top = r.retrieved[0].text if r.retrieved else "(nothing retrieved)"
            query = f" -> {r.query}" if r.query != r.question.question else ""
            out.append(
                f"  {r.id} [{r.category}] {r.question.question}{query}\n"
                f"    expected: {', '.join(r.question.expected)}\n    top chunk: {top}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.retrieval", description=__doc__.splitlines()[0])
    settings_options = add_settings_options(parser)  # --corpus-dir, --index-dir, --embedder, as every command
    settings_options.add_argument("--retriever", choices=MODES, help="the configured mode (default: the settings')")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="search with the question as asked (follow-ups still resolved), not the answerer's expanded search text",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="list the misses at 3 of every mode")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return execute(run, parser.parse_args(argv))


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rag.pipeline import Pipeline

    pipeline = Pipeline.load(settings, say=lambda msg: print(msg, file=sys.stderr))
    questions = [q for q in load_questions(settings.corpus_dir) if q.answerable]
    base = PipelineSystem(pipeline, raw_queries=args.raw)
    modes = [settings.retriever] + [m for m in MODES if m != settings.retriever]
    rows, missed = [], {}
    for mode in modes:
        system = with_mode(base, mode)
        records = run_records(system, questions, answers=False, progress=not args.quiet, desc=mode)
        rows.append(
            (
                mode + (" *" if mode == settings.retriever else ""),
                {m.name: m.evaluate(records) for m in RETRIEVAL_METRICS},
            )
        )
        missed[mode] = misses(records)
    m = pipeline.index.manifest
    queries = "as asked, follow-ups resolved" if args.raw else "the answerer's standalone search text"
    print(
        f"Retrieval over {len(questions)} answerable questions (queries: {queries}); "
        f"index {settings.index_dir} ({m['embedder']['name']}, {m['counts']['chunks']} chunks, "
        f"{m['chunker']['sentences_per_chunk']} sentence(s)/chunk); * = configured"
    )
    print(retrieval_table(rows))
    if args.verbose:
        for mode in modes:
            print(f"\nMisses at 3, {mode} ({len(missed[mode])}):")
            print("\n".join(missed[mode]) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
