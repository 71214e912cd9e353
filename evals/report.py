"""Write a suite result as Markdown (for people) and JSON (for tools), side by side.

Markdown: summary table with the gate, per-category table, every failed question
(expected figures, the answer given, the passages cited, the top retrieved chunk),
the corpus figures no question asks for. JSON: the same, plus every question's record.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from evals.dataset import CATEGORIES
from evals.gate import GateFailure, Threshold
from evals.metrics import ALL_METRICS, MetricResult
from evals.records import Record
from evals.suite import SuiteResult

SUMMARY = (
    "hit@1",
    "hit@3",
    "mrr",
    "accuracy",
    "negative_rejection",
    "false_refusal",
    "fabricated",
    "citation_precision",
    "uncited",
    "search_ms_p50",
    "search_ms_p95",
    "answer_ms_p50",
    "answer_ms_p95",
    "answer_chars_p50",
)
CATEGORY_COLUMNS = (
    "hit@1",
    "hit@3",
    "mrr",
    "accuracy",
    "negative_rejection",
    "false_refusal",
    "fabricated",
    "citation_precision",
    "answer_ms_p50",
)
DESCRIPTIONS = {m.name: m.description for m in ALL_METRICS}
_METRICS = {m.name: m for m in ALL_METRICS}


def fmt(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if "_ms_" in name or name.startswith("answer_chars"):
        return f"{value:.0f}" if name.startswith("answer_chars") else f"{value:.1f}"
    if name in ("fabricated", "uncited"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def bar(value: float | None, width: int = 20) -> str:
    """A plain-text bar for a rate in [0, 1]."""
    if value is None or not 0 <= value <= 1:
        return ""
    full = round(value * width)
    return "█" * full + "░" * (width - full)


def failed_items(result: SuiteResult) -> dict[str, list[tuple[str, str]]]:
    """{question id: [(metric, note), ...]} for every question some metric fails."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, mr in result.metrics.items():
        metric = _METRICS.get(name)
        if metric is None:
            continue
        for item in mr.items:
            if metric.failed(item):
                out.setdefault(item.id, []).append((name, item.note))
    return out


def by_source(result: SuiteResult, failed: dict[str, list[tuple[str, str]]] | None = None) -> list[list[str]]:
    """Rows per article (answerable questions: accuracy) and per place asked (unanswerable ones:
    refused), for sets that name them; [] for the seed set. A corpus-wide mean can hide one
    article the loader misread or one place the answerer keeps confusing."""
    failed = failed_items(result) if failed is None else failed
    groups: dict[tuple[str, str], list[bool]] = {}
    for r in result.records:
        q = r.question
        if q.answerable and q.article:
            key = ("article", q.article)
            ok = not any(m == "accuracy" for m, _ in failed.get(q.id, ()))
        elif not q.answerable and q.place:
            key = ("unanswerable about", q.place)
            ok = not any(m == "negative_rejection" for m, _ in failed.get(q.id, ()))
        else:
            continue
        groups.setdefault(key, []).append(ok)
    return [
        [kind, name, str(len(oks)), f"{sum(oks) / len(oks):.3f}"]
        for (kind, name), oks in sorted(groups.items(), key=lambda kv: (kv[0][0], sum(kv[1]) / len(kv[1])))
    ]


BY_SOURCE_HEADERS = ["group", "article or place", "n", "accuracy / refused"]


def _passage(p) -> dict:
    return {"text": p.text, "source": p.source, "start": p.start, "end": p.end}


def record_dict(r: Record, failures: Sequence[tuple[str, str]] = ()) -> dict:
    q = r.question
    return {
        "id": q.id,
        "category": q.category,
        "question": q.question,
        "history": list(q.history),
        "query": r.query,
        "expected": list(q.expected),
        "evidence": [e.text for e in q.evidence],
        "top_chunk": _passage(r.retrieved[0]) if r.retrieved else None,
        "retrieved_top3_spans": [[p.start, p.end] for p in r.retrieved[:3]],
        "search_ms": None if r.search_ms is None else round(r.search_ms, 1),
        "answer": None
        if r.reply is None
        else {
            "text": r.reply.text,
            "refused": r.reply.refused,
            "reason": r.reply.reason,
            "citations": [_passage(c) for c in r.reply.citations],
            "latency_ms": round(r.reply.latency_ms, 1),
        },
        "failed": [{"metric": m, "note": n} for m, n in failures],
    }


def _metric_dict(mr: MetricResult) -> dict:
    return {"value": None if mr.value is None else round(mr.value, 4), "n": mr.n}


def to_json(result: SuiteResult, thresholds: list[Threshold], failures: list[GateFailure]) -> dict:
    failed = failed_items(result)
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "system": result.system,
        "questions": result.questions,
        "seconds": round(result.seconds, 1),
        "summary": {name: _metric_dict(mr) for name, mr in result.metrics.items()},
        "categories": {c: {name: _metric_dict(mr) for name, mr in ms.items()} for c, ms in result.categories.items()},
        "gate": {
            "passed": not failures,
            "thresholds": [asdict(t) for t in thresholds],
            "failures": [{"metric": f.metric, "value": f.value, "needs": str(f.threshold)} for f in failures],
        },
        "uncovered_figures": [
            {
                "text": o.text,
                "source": o.span.source,
                "start": o.span.start,
                "end": o.span.end,
                "context": o.context,
                "asked_elsewhere": o.asked_elsewhere,
            }
            for o in result.uncovered
        ],
        "failed_questions": [r.id for r in result.records if r.id in failed],
        "records": [record_dict(r, failed.get(r.id, [])) for r in result.records],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(result: SuiteResult, thresholds: list[Threshold], failures: list[GateFailure]) -> list[str]:
    bounds = {t.metric: t for t in thresholds}
    failing = {f.metric for f in failures}
    lines = ["| metric | value | | threshold | gate | n |", "|---|---:|---|---|---|---:|"]
    for name in SUMMARY:
        mr = result.metrics.get(name)
        if mr is None:
            continue
        t = bounds.get(name)
        gate = "" if t is None else ("**FAIL**" if name in failing else "pass")
        rate = name in _METRICS and _METRICS[name].kind == "rate"
        shown = f"`{bar(mr.value)}`" if rate and mr.value is not None else ""
        lines.append(f"| {name} | {fmt(name, mr.value)} | {shown} | {t or ''} | {gate} | {mr.n} |")
    return lines


def category_markdown(result: SuiteResult, columns: tuple[str, ...] = CATEGORY_COLUMNS) -> list[str]:
    lines = ["| category | questions | " + " | ".join(columns) + " |", "|---|---:|" + "---:|" * len(columns)]
    counts = {c: sum(r.category == c for r in result.records) for c in CATEGORIES}
    for c in (c for c in CATEGORIES if c in result.categories):
        ms = result.categories.get(c, {})
        cells = [fmt(name, ms[name].value) if name in ms else "–" for name in columns]
        lines.append(f"| {c} | {counts[c]} | " + " | ".join(cells) + " |")
    return lines


def failures_markdown(result: SuiteResult) -> list[str]:
    failed = failed_items(result)
    lines = []
    for r in result.records:
        if r.id not in failed:
            continue
        q = r.question
        lines.append(f"### {q.id} · {q.category} · {_cell(q.question)}")
        if q.history:
            lines.append(
                f"- history: {' / '.join(q.history)}" + (f" → searched as: {r.query}" if r.query != q.question else "")
            )
        lines.append("- failed: " + "; ".join(f"**{m}** ({n})" if n else f"**{m}**" for m, n in failed[r.id]))
        lines.append(f"- expected: {', '.join(q.expected) or '(unanswerable: should be refused)'}")
        if r.reply is not None:
            state = f" — refused ({r.reply.reason})" if r.reply.refused else ""
            lines.append(f"- answer{state}: {_cell(r.reply.text) or '(empty)'}")
            for i, c in enumerate(r.reply.citations, 1):
                lines.append(f"- cited [{i}] ({c.source} {c.start}–{c.end}): {_cell(c.text)}")
            if not r.reply.citations:
                lines.append("- cited: nothing")
        if r.retrieved:
            lines.append(f"- top retrieved chunk: {_cell(r.retrieved[0].text)}")
        if q.evidence:
            lines.append(f"- evidence: {' / '.join(e.text for e in q.evidence)}")
        lines.append("")
    return lines


def to_markdown(result: SuiteResult, thresholds: list[Threshold], failures: list[GateFailure]) -> str:
    s = result.system
    failed = failed_items(result)
    out = [
        "# 民生问答 evaluation report",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} by `python -m evals` in {result.seconds:.0f} s over "
        f"{result.questions} questions ({s.get('questions_file', 'evals/questions.jsonl')}). "
        f"System: **{s.get('name', '')}**"
        + "".join(
            f"; {k} `{v}`" for k, v in s.items() if k not in ("name", "system", "questions_file") and v is not None
        )
        + ".",
        "",
        f"Gate: **{'PASSED' if not failures else 'FAILED'}**"
        + ("" if not failures else " — " + "; ".join(str(f) for f in failures)),
        "",
        "## Summary",
        "",
        *summary_markdown(result, thresholds, failures),
        "",
        "## By category",
        "",
        *category_markdown(result),
        "",
        "Metric definitions: [README.md#evaluation](../../README.md#evaluation) and `evals/metrics.py`.",
        "",
        *(
            [
                "## By article and place",
                "",
                "| " + " | ".join(BY_SOURCE_HEADERS) + " |",
                "|---|---|---:|---:|",
                *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
                "",
            ]
            if (rows := by_source(result, failed))
            else []
        ),
        f"## Failed questions ({len(failed)})",
        "",
        *(failures_markdown(result) or ["None."]),
        "",
        f"## Corpus figures no question asks for ({len(result.uncovered)})",
        "",
        "Every figure of the body text (rag.figures.extract_figures), unless some question expects the same "
        "value and unit with an evidence span around it.",
        "",
        *(
            [
                f"- `{o.text}` at {o.span.source}:{o.span.start} — {_cell(o.context)}"
                + (" (same value asked at another place)" if o.asked_elsewhere else "")
                for o in result.uncovered
            ]
            or ["None."]
        ),
        "",
    ]
    return "\n".join(out)


def write_report(
    result: SuiteResult, thresholds: list[Threshold], failures: list[GateFailure], out_dir: Path, name: str = "default"
) -> tuple[Path, Path]:
    """Write out_dir/name.md and out_dir/name.json; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{name}.md", out_dir / f"{name}.json"
    md.write_text(to_markdown(result, thresholds, failures), encoding="utf-8")
    js.write_text(
        json.dumps(to_json(result, thresholds, failures), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return md, js


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table for the terminal: first column left, the rest right-aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def console_summary(
    result: SuiteResult, thresholds: list[Threshold], failures: list[GateFailure], categories: bool = True
) -> str:
    """What `python -m evals` prints: summary, per-category table, uncovered figures, the gate."""
    bounds = {t.metric: str(t) for t in thresholds}
    failing = {f.metric for f in failures}
    rows = [
        [
            name,
            fmt(name, result.metrics[name].value),
            bounds.get(name, ""),
            ("FAIL" if name in failing else "ok") if name in bounds else "",
            str(result.metrics[name].n),
        ]
        for name in SUMMARY
        if name in result.metrics
    ]
    parts = [text_table(["metric", "value", "threshold", "gate", "n"], rows)]
    if categories:
        counts = {c: sum(r.category == c for r in result.records) for c in CATEGORIES}
        cat_rows = [
            [c, str(counts[c])] + [fmt(n, result.categories[c][n].value) for n in CATEGORY_COLUMNS]
            for c in CATEGORIES
            if c in result.categories
            if c in result.categories
        ]
        parts.append(text_table(["category", "n", *CATEGORY_COLUMNS], cat_rows))
        if source_rows := by_source(result):
            parts.append(text_table(BY_SOURCE_HEADERS, source_rows))
    if result.uncovered:
        shown = 12
        parts.append(
            f"Corpus figures no question asks for ({len(result.uncovered)}): "
            + "; ".join(
                f"{o.text} ({o.context}{', same value asked elsewhere' if o.asked_elsewhere else ''})"
                for o in result.uncovered[:shown]
            )
            + ("; … (all in the report)" if len(result.uncovered) > shown else "")
        )
    else:
        parts.append("Every corpus figure is asked for by some question.")
    return "\n\n".join(parts)
