"""The question set, with each evidence string placed in the corpus.

evals/questions.jsonl: one question a line (id, question, category, topic, history,
expected, evidence). `expected` holds the figures exactly as the article writes
them; `evidence` holds verbatim substrings of the article that state them. A
question is unanswerable exactly when `expected` is empty.

Evidence is located by character offsets in the decoded source file
(rag.loader.read_text), the same text Chunk.start/end point into, so a retrieved
chunk or a cited passage can be checked for overlap with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

from rag.figures import contains_figure, extract_figures, same_value
from rag.loader import find_files, read_text

QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"

# The kinds of question in the set; reports list them in this order.
Category = Literal[
    "direct",
    "paraphrase",
    "two_figures",
    "same_figure_twice",
    "followup",
    "unanswerable",
    "false_premise",
    "english",
    # the generalisation sets (evals/sets/)
    "colloquial",
    "three_figures",
    "other_place",
    "other_year",
    "not_mentioned",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# Unanswerable because the articles hold the figure only for another place or year: answering
# them at all means quoting another place's or year's figure.
WRONG_SOURCE_CATEGORIES = ("other_place", "other_year")


class DatasetError(Exception):
    """The question set does not fit the corpus (an evidence string is not in it)."""


@dataclass(frozen=True)
class Span:
    """A stretch of a source file: [start, end) in its decoded text."""

    source: str
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.source == other.source and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Evidence:
    """One evidence string and where it occurs (every occurrence)."""

    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    category: Category
    topic: str
    history: tuple[str, ...]
    expected: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    place: str = ""  # the place asked about (official full name), "" when the set does not say
    year: int | None = None  # the year asked about
    article: str = ""  # the file the answer comes from
    split: str = ""  # dev or test (generalisation sets)

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def locate(text: str, texts: dict[str, str]) -> tuple[Span, ...]:
    """Every occurrence of text in the given {source name: file text}."""
    spans = []
    for source, body in texts.items():
        at = body.find(text)
        while at >= 0:
            spans.append(Span(source, at, at + len(text)))
            at = body.find(text, at + 1)
    return tuple(spans)


def corpus_texts(corpus_dir: Path) -> dict[str, str]:
    """{file name: decoded text} for every source file, as the chunker saw it."""
    return {p.name: read_text(p) for p in find_files([Path(corpus_dir)])}


def parse_questions(lines: list[str], texts: dict[str, str]) -> list[Question]:
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["category"] not in CATEGORIES:
            raise DatasetError(f"{row['id']}: unknown category {row['category']!r} (line {n}); one of {CATEGORIES}.")
        evidence = []
        for ev in row["evidence"]:
            spans = locate(ev, texts)
            if not spans:
                raise DatasetError(f"{row['id']}: evidence {ev!r} (line {n}) is not in the corpus.")
            evidence.append(Evidence(ev, spans))
        _check_qualifiers(row["id"], row["expected"], row["evidence"], n)
        questions.append(
            Question(
                id=row["id"],
                question=row["question"],
                category=cast(Category, row["category"]),  # checked above
                topic=row.get("topic", ""),
                history=tuple(row["history"]),
                expected=tuple(row["expected"]),
                evidence=tuple(evidence),
                place=row.get("place") or "",
                year=row.get("year"),
                article=row.get("article") or "",
                split=row.get("split") or "",
            )
        )
    return questions


def _check_qualifiers(qid: str, expected: list[str], evidence: list[str], line: int) -> None:
    """Accuracy compares qualifiers strictly (近4.8万 is not 4.8万), so a key that drops the
    qualifier its own evidence gives the figure (6万个 for 超6万个) would count the source's
    exact wording as wrong."""
    said = " ".join(evidence)
    for fig in expected:
        try:
            loose, strict = contains_figure(said, fig), contains_figure(said, fig, strict_qualifier=True)
        except ValueError:  # no number the parser reads (十方面): compared as text
            continue
        if loose and not strict:
            written = [g.text for g in extract_figures(said) if any(same_value(g, w) for w in extract_figures(fig))]
            raise DatasetError(
                f"{qid}: expected {fig!r} (line {line}) drops the qualifier of its evidence's {written}."
            )


def load_questions(corpus_dir: Path, path: Path = QUESTIONS) -> list[Question]:
    return parse_questions(Path(path).read_text(encoding="utf-8").splitlines(), corpus_texts(corpus_dir))
