"""The eval suite: python -m evals [--out DIR] [--name NAME] [--quiet] [--compare]

Runs every question of evals/questions.jsonl through the assistant built from the
settings (Pipeline.load builds the index first if it is missing or stale), prints
the metrics, writes DIR/NAME.md and DIR/NAME.json (default evals/reports/default.*)
and exits 1 naming each metric outside evals/thresholds.json (2 on a setup error).
--compare runs several configurations and a LangChain-tutorial baseline instead
(evals/reports/compare.*); --all regenerates both reports in one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evals.coverage import corpus_figures, uncovered
from evals.dataset import QUESTIONS, DatasetError, load_questions
from evals.gate import THRESHOLDS, check, load_thresholds
from evals.report import console_summary, write_report
from evals.suite import run_suite
from evals.suites import SUITES

REPORTS = Path(__file__).resolve().parent / "reports"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Run the 民生问答 evaluation suite.")
    parser.add_argument("--out", type=Path, default=REPORTS, help="report folder (default: evals/reports)")
    parser.add_argument("--name", help="report file name without suffix (default: default, or compare)")
    parser.add_argument(
        "--questions",
        type=Path,
        default=QUESTIONS,
        help="question set (default: evals/questions.jsonl; e.g. evals/holdout.jsonl)",
    )
    parser.add_argument(
        "--thresholds", type=Path, default=THRESHOLDS, help="gate bounds (default: evals/thresholds.json)"
    )
    parser.add_argument(
        "--suite",
        choices=sorted(SUITES),
        help="a named question set with its corpus, index and gate: "
        + "; ".join(f"{k}: {v.about}" for k, v in SUITES.items()),
    )
    parser.add_argument("--corpus-dir", type=Path, help="the articles the questions are about (default: the settings')")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no per-category table")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: the settings' index_dir)")
    parser.add_argument("--embedder", help="e5 (default), use, or st:<model>")
    parser.add_argument("--retriever", choices=("hybrid", "dense", "bm25"))
    parser.add_argument("--chunk-sentences", type=int)
    parser.add_argument("--compare", action="store_true", help="several configurations and the baseline side by side")
    parser.add_argument(
        "--all",
        action="store_true",
        help="regenerate both committed reports: the suite (default.*) then --compare (compare.*)",
    )
    parser.add_argument("--configs", help="with --compare: comma-separated config names to run (default: all)")
    args = parser.parse_args(argv)
    if args.suite:  # the suite's files, unless given explicitly
        suite = SUITES[args.suite]
        args.corpus_dir = args.corpus_dir or suite.corpus_dir
        args.index_dir = args.index_dir or suite.index_dir
        if args.questions == QUESTIONS:
            args.questions = suite.questions
        if args.thresholds == THRESHOLDS:
            args.thresholds = suite.thresholds
        args.name = args.name or args.suite
    if args.all and args.name:
        parser.error("--all writes default.* and compare.*; give --out, not --name")
    return args


def settings_from(args: argparse.Namespace):
    from rag.settings import Settings

    overrides = {
        "corpus_dir": getattr(args, "corpus_dir", None),
        "index_dir": args.index_dir,
        "embedder": args.embedder,
        "retriever": args.retriever,
        "chunk_sentences": args.chunk_sentences,
    }
    return Settings(**{k: v for k, v in overrides.items() if v})


def load_system(settings, say):
    from evals.systems import PipelineSystem
    from rag.pipeline import Pipeline
    from rag.store import MANIFEST

    if not (Path(settings.index_dir) / MANIFEST).exists():
        say(f"No index at {settings.index_dir}: building it first (this takes a minute).")
    return PipelineSystem(Pipeline.load(settings, say=say))


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(__file__).resolve().parents[1]))
    except ValueError:
        return str(path)


def git_revision() -> str | None:
    """The commit evaluated, "+dirty" when the working tree has changes (None outside git)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty else "")


def main(argv: list[str] | None = None, system=None) -> int:
    """Run the suite; `system` replaces the pipeline (tests pass stubs)."""
    from rag.errors import RagError

    args = parse_args(argv)
    say = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    if args.compare or args.all:
        from evals.compare import run_compare

        if args.all:  # the default suite first, into its own files, then the comparison
            code = main([a for a in (argv if argv is not None else sys.argv[1:]) if a != "--all"], system)
            return max(code, run_compare(args, say))
        return run_compare(args, say)
    settings = settings_from(args)
    try:
        thresholds = load_thresholds(args.thresholds)
        system = system or load_system(settings, say)
        questions = load_questions(settings.corpus_dir, args.questions)
    except (RagError, DatasetError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = run_suite(
        system, questions, uncovered(corpus_figures(settings.corpus_dir), questions), progress=not args.quiet
    )
    result.system["revision"] = git_revision()
    result.system["questions_file"] = _shown(args.questions)
    failures = check(result.metrics, thresholds)
    md, js = write_report(result, thresholds, failures, args.out, args.name or "default")
    print(f"{system.name}: {result.questions} questions in {result.seconds:.0f} s\n")
    print(console_summary(result, thresholds, failures, categories=not args.quiet))
    print(f"\nReport: {md} and {js.name}")
    if failures:
        print("Eval gate FAILED: " + "; ".join(str(f) for f in failures), file=sys.stderr)
        return 1
    print("Eval gate passed.")
    return 0
