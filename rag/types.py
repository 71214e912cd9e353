"""Named data types passed between pipeline stages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rag.tables import is_table_line, read_row

ParagraphKind = Literal["title", "heading", "body", "byline", "caption"]
ArticleKind = Literal["news", "livelihood_list", "hotline_report", "work_report", "policy_qa"]


@dataclass(frozen=True)
class ArticleMeta:
    """What a resident needs to judge a source: its title, place, date and publisher."""

    title: str
    places: tuple[str, ...] = ()  # official full names (苏州市), the main place first
    date: str = ""  # as precise as known: 2024-05-12, 2024-05, 2024 or ""
    publisher: str = ""
    kind: ArticleKind = "news"
    url: str = ""
    period: tuple[int, ...] = ()  # the years the article reports on: its title's, else its opening's

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date[:4].isdigit() else None


# Why an answer is what it is (Answer.reason, machine-readable; the page and the evals read it).
Reason = Literal[
    "answered",  # a grounded, cited answer
    "greeting",  # a greeting or thanks, answered with what the assistant covers
    "empty",  # bad input: nothing asked
    "too_long",  # bad input: over max_question_chars
    "personal_data",  # the question carries a phone or ID number; declined without searching
    "no_evidence",  # no passage supports an answer
    "other_subject",  # the passages' figures count something the question does not name
    "other_year",  # the passages are about another year
    "other_place",  # asks about a place no article covers
    "future",  # asks about the future; the articles report what was done
    "procedure",  # asks where/how/when to apply; the articles have no such details
    "guard_blocked",  # the figure guard withheld an answer stating an unsupported figure
    "error",  # the service failed (the page's fallback answer)
]


@dataclass(frozen=True)
class Paragraph:
    """One non-empty line of a source file, placed in its article and section."""

    text: str
    source: str  # file name, as cited
    start: int  # character offsets into the decoded source file
    end: int
    kind: ParagraphKind
    article: str  # the article's title
    section: str  # the section heading ("" before the first heading)
    meta: ArticleMeta | None = None  # filled in once the whole article has been read


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, retrieved and cited: one or a few sentences."""

    id: str  # sha256 of source + text: stable across rebuilds
    text: str
    source: str
    start: int  # offsets into the source file, so a citation can highlight it
    end: int
    article: str
    section: str
    places: tuple[str, ...] = ()  # the article's places and any the sentence itself names
    years: tuple[int, ...] = ()  # the years the sentence speaks of (its own, else its heading's or article's)
    date: str = ""  # the article's date
    publisher: str = ""
    url: str = ""
    # A later item of a ；-list: the words that lead into the list (2025年第一季度, …主要包括：), which
    # the item itself does not repeat (社会保障1485件,占诉求量的13.29%;).
    lead: str = ""

    @property
    def heading(self) -> str:
        return self.section or self.article

    def readable(self) -> str:
        """The sentence as a resident reads it: a table row with its column names (rag/tables.py)."""
        return read_row(self.section, self.text) if self.section and is_table_line(self.text) else self.text

    def retrieval_text(self) -> str:
        """What the embedder and BM25 see: the heading gives a lone sentence its topic (a table
        row's heading is its header line). Embedding a row in its readable form instead was
        measured worse on the blind split (fifth round, README), so that form is for reading only."""
        text = f"{self.lead}{self.text}"
        return f"{self.heading}：{text}" if self.heading else text


class Allowed(frozenset[int]):
    """The chunk positions that may answer a question, with the constraint that chose them: a store
    that filters by metadata (Milvus) sends the places and years as a filter expression instead."""

    places: tuple[str, ...]
    years: tuple[int, ...]

    def __new__(cls, ids: Iterable[int], places: Iterable[str] = (), years: Iterable[int] = ()) -> Allowed:
        self = super().__new__(cls, ids)
        self.places, self.years = tuple(places), tuple(years)
        return self


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the scores that put it there (None = not a candidate there)."""

    chunk: Chunk
    score: float  # fused score; higher is better
    dense_score: float | None = None  # cosine similarity
    bm25_score: float | None = None
    dense_rank: int | None = None  # 1-based
    bm25_rank: int | None = None
    position: int = -1  # the chunk's position in the index (its vector's id); -1 when not from an index


@dataclass(frozen=True)
class Citation:
    """A passage an answer stands on, with enough to show and highlight it."""

    marker: int  # the n in "[n]" in the answer text
    chunk_id: str
    text: str  # the cited sentence
    source: str
    article: str
    section: str
    start: int
    end: int
    figures: tuple[str, ...] = ()  # figures of the answer found in this passage, as written
    places: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    date: str = ""
    publisher: str = ""
    url: str = ""

    @classmethod
    def of(cls, chunk: Chunk, marker: int, figures: tuple[str, ...] = ()) -> Citation:
        """The citation [marker] of a chunk, with what a source card shows of its article."""
        return cls(
            marker=marker,
            chunk_id=chunk.id,
            text=chunk.text,
            source=chunk.source,
            article=chunk.article,
            section=chunk.section,
            start=chunk.start,
            end=chunk.end,
            figures=figures,
            places=chunk.places,
            years=chunk.years,
            date=chunk.date,
            publisher=chunk.publisher,
            url=chunk.url,
        )


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and why it may be trusted."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    refused: bool = False
    figures: tuple[str, ...] = ()  # every figure the answer states, as written
    reason: Reason = "answered"
    rewritten_question: str = ""  # the standalone question after follow-up resolution
    backend: str = "extractive"
    latency_ms: float = 0.0
    hits: tuple[Hit, ...] = field(default=(), repr=False)
    notices: tuple[str, ...] = ()  # what was removed from the input or dropped (rag/intake.py); never a figure
    unanswered_parts: tuple[str, ...] = ()  # parts of a several-part question no article answers

    def to_dict(self) -> dict:
        """The structured answer for the API and the CLI's --json."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "reason": self.reason,
            "figures": list(self.figures),
            "rewritten_question": self.rewritten_question,
            "backend": self.backend,
            "latency_ms": round(self.latency_ms, 1),
            "notices": list(self.notices),
            "unanswered_parts": list(self.unanswered_parts),
            "citations": [
                {
                    "marker": c.marker,
                    "chunk_id": c.chunk_id,
                    "text": c.text,
                    "source": c.source,
                    "article": c.article,
                    "section": c.section,
                    "start": c.start,
                    "end": c.end,
                    "figures": list(c.figures),
                    "places": list(c.places),
                    "years": list(c.years),
                    "date": c.date,
                    "publisher": c.publisher,
                    "url": c.url,
                }
                for c in self.citations
            ],
        }
