"""The eval suite: minsheng eval [--out DIR] [--name NAME] [--quiet] [--compare] (alias: python -m evals)

Runs every question of evals/questions.jsonl through the assistant built from the
settings (Pipeline.load builds the index first if it is missing or stale), prints
the metrics, writes DIR/NAME.md and DIR/NAME.json (default evals/reports/default.*,
relative to the working directory) and exits 1 naming each metric outside
evals/thresholds.json (2 on a setup error). --compare runs several configurations and a
LangChain-tutorial baseline instead (evals/reports/compare.*); --all regenerates both
reports in one run. Settings options and errors: rag/cli.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from evals.coverage import corpus_figures, uncovered
from evals.dataset import QUESTIONS, load_questions
from evals.gate import THRESHOLDS, check, load_thresholds
from evals.report import console_summary, write_report
from evals.suite import run_suite
from evals.suites import SUITES
from evals.systems import System
from rag.cli import command_parser, execute
from rag.errors import UsageError
from rag.settings import Settings

HELP = "run the evaluation suite and its gate (or --compare configurations)"
REPORTS = Path("evals") / "reports"  # relative to the working directory, like the settings' paths


def configure(parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None:
    parser.add_argument("--out", type=Path, default=REPORTS, help="report folder (default: ./evals/reports)")
    parser.add_argument("--name", help="report file name without suffix (default: default, or compare)")
    parser.add_argument(
        "--questions",
        type=Path,
        default=QUESTIONS,
        help="question set (default: the packaged evals/questions.jsonl; e.g. evals/holdout.jsonl)",
    )
    parser.add_argument(
        "--thresholds", type=Path, default=THRESHOLDS, help="gate bounds (default: the packaged evals/thresholds.json)"
    )
    parser.add_argument(
        "--suite",
        choices=sorted(SUITES),
        help="a named question set with its own corpus, index and gate: "
        + "; ".join(f"{k}: {v.about}" for k, v in SUITES.items()),
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no per-category table")
    parser.add_argument("--compare", action="store_true", help="several configurations and the baseline side by side")
    parser.add_argument(
        "--all",
        action="store_true",
        help="regenerate both committed reports: the suite (default.*) then --compare (compare.*)",
    )
    parser.add_argument("--configs", help="with --compare: comma-separated config names to run (default: all)")
    settings.add_argument("--retriever", choices=("hybrid", "dense", "bm25"), help="MINSHENG_RETRIEVER")
    settings.add_argument("--chunk-sentences", type=int, metavar="N", help="MINSHENG_CHUNK_SENTENCES")


def load_system(settings: Settings, say: Callable[[str], None]) -> System:
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


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def with_suite(args: argparse.Namespace, settings: Settings) -> Settings:
    """A named suite brings its corpus, index, questions, gate and report name."""
    named = SUITES[args.suite]
    if args.questions == QUESTIONS:
        args.questions = named.questions
    if args.thresholds == THRESHOLDS:
        args.thresholds = named.thresholds
    args.name = args.name or args.suite
    return settings.model_copy(update={"corpus_dir": named.corpus_dir, "index_dir": named.index_dir})


def run(args: argparse.Namespace, settings: Settings, system: System | None = None) -> int:
    """The eval subcommand; `system` replaces the pipeline (tests pass stubs)."""
    if getattr(args, "suite", None):
        settings = with_suite(args, settings)
    if args.all and args.name:
        raise UsageError("--all writes default.* and compare.*; give --out, not --name")
    if args.compare or args.all:
        from evals.compare import run_compare

        code = suite(args, settings, system) if args.all else 0  # the default suite first, into its own files
        return max(code, run_compare(args, settings, _say))
    return suite(args, settings, system)


def suite(args: argparse.Namespace, settings: Settings, system: System | None = None) -> int:
    """Run the suite on one system, write its report, and apply the gate: 0 passed, 1 failed, 2 setup error."""
    try:
        thresholds = load_thresholds(args.thresholds)
        questions = load_questions(settings.corpus_dir, args.questions)
    except (OSError, ValueError) as exc:  # a missing or malformed file; DatasetError is a RagError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    system = system or load_system(settings, _say)
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


def main(argv: list[str] | None = None, system: System | None = None) -> int:
    """`python -m evals`: the eval subcommand under its own name; `system` replaces the pipeline (tests)."""
    args = command_parser("eval", "python -m evals").parse_args(argv)
    return execute(lambda a, s: run(a, s, system), args)
