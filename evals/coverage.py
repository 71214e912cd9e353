"""Which figures of the corpus no question asks for.

Every figure rag.figures.extract_figures finds in body text (titles, headings,
bylines and captions are not indexed, so not asked about) is an occurrence. An
occurrence is covered when some question expects a figure of the same value and
unit (rag.figures.same_value) and one of that question's evidence spans contains
the occurrence. Uncovered occurrences are listed; `asked_elsewhere` marks those
whose value is expected by some question at another place of the text (the same
number said twice), which are a smaller gap than a value no question asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.dataset import Question, Span
from rag.figures import Figure, extract_figures, same_value
from rag.loader import load_corpus


@dataclass(frozen=True)
class Occurrence:
    """A figure of the corpus where it is written."""

    text: str
    span: Span
    context: str  # the text around it, for a reader to find it
    asked_elsewhere: bool = False


def corpus_figures(corpus_dir: Path) -> list[tuple[Figure, Span, str]]:
    """(figure, its span in the source file, its paragraph) for every body figure."""
    paragraphs, _ = load_corpus([Path(corpus_dir)])
    found = []
    for para in paragraphs:
        if para.kind != "body":
            continue
        for fig in extract_figures(para.text):
            found.append((fig, Span(para.source, para.start + fig.start, para.start + fig.end), para.text))
    return found


def _context(paragraph: str, fig: Figure, width: int = 14) -> str:
    lo, hi = max(0, fig.start - width), min(len(paragraph), fig.end + width)
    return ("…" if lo else "") + paragraph[lo:hi] + ("…" if hi < len(paragraph) else "")


def uncovered(figures: list[tuple[Figure, Span, str]], questions: list[Question]) -> list[Occurrence]:
    """The occurrences no question's expected figures and evidence cover."""
    asked = [(q, f) for q in questions for e in q.expected for f in extract_figures(e)]
    out = []
    for fig, span, paragraph in figures:
        same = [(q, f) for q, f in asked if same_value(fig, f)]
        covered = any(
            s.source == span.source and s.start <= span.start and span.end <= s.end
            for q, _ in same
            for ev in q.evidence
            for s in ev.spans
        )
        if not covered:
            out.append(Occurrence(fig.text, span, _context(paragraph, fig), asked_elsewhere=bool(same)))
    return out
