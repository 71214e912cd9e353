"""What one question's run leaves behind: the inputs every metric reads.

Kept free of the pipeline's own types so a stub, the LangChain baseline and the
real pipeline are all scored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from evals.dataset import Question, Span


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk or a cited passage, with its offsets in the source file."""

    text: str
    source: str
    start: int
    end: int
    places: tuple[str, ...] = ()  # what the system says the passage is about ((): unknown)
    years: tuple[int, ...] = ()

    @property
    def span(self) -> Span:
        return Span(self.source, self.start, self.end)

    @classmethod
    def of(cls, obj) -> Passage:
        """From anything with text/source/start/end (rag.types.Chunk, Citation, ...)."""
        places = tuple(getattr(obj, "places", ()) or ())
        years = tuple(getattr(obj, "years", ()) or ())
        return cls(obj.text, obj.source, obj.start, obj.end, places, years)


@dataclass(frozen=True)
class Reply:
    """The answer as the metrics see it."""

    text: str
    refused: bool
    citations: tuple[Passage, ...] = ()
    latency_ms: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class Record:
    """One question: what was searched, what came back, what was answered."""

    question: Question
    query: str  # the standalone question the retriever was given
    retrieved: tuple[Passage, ...] = ()  # ranked, best first
    search_ms: float | None = None
    reply: Reply | None = None

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def replied(self) -> Reply:
        """The reply, for metrics that apply only to answered records (a retrieval-only run has none)."""
        if self.reply is None:
            raise ValueError(f"{self.id}: no reply recorded (a retrieval-only run)")
        return self.reply

    @property
    def category(self) -> str:
        return self.question.category
