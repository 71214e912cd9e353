"""What the suite evaluates: anything that can search, resolve a follow-up and answer.

PipelineSystem adapts rag.pipeline.Pipeline; evals.baseline and the test stubs
implement the same three methods, so every system is scored by the same code.
"""

from __future__ import annotations

from typing import Protocol

from evals.records import Passage, Reply
from rag.stores import store_name


class System(Protocol):
    name: str

    def search(self, query: str, k: int) -> list[Passage]: ...

    def standalone(self, question: str, history: list[str]) -> str: ...

    def ask(self, question: str, history: list[str]) -> Reply: ...

    def describe(self) -> dict: ...


class PipelineSystem:
    """The real assistant: Pipeline.retriever.search and Pipeline.ask.

    `retriever` overrides the pipeline's own for search only (retrieval metrics of
    another mode over the same index); ask always goes through the pipeline.
    """

    def __init__(self, pipeline, name: str = "", retriever=None, raw_queries: bool = False):
        self.pipeline = pipeline
        self.raw_queries = raw_queries
        self.retriever = retriever or pipeline.retriever
        s = pipeline.settings
        self.name = name or f"{s.embedder} · {self.retriever.mode} · {s.chunk_sentences} sent."

    def search(self, query: str, k: int) -> list[Passage]:
        return [Passage.of(h.chunk) for h in self.retriever.search(query, k)]

    def standalone(self, question: str, history: list[str]) -> str:
        """What the answerer would search for: the follow-up resolved ("那农村网格呢？") and,
        unless raw_queries, its query expansion too; without standalone_question, the question."""
        resolve = getattr(self.pipeline.answerer, "standalone_question", None)
        if resolve is None or (self.raw_queries and not history):
            return question
        return resolve(question, history)

    def ask(self, question: str, history: list[str]) -> Reply:
        a = self.pipeline.ask(question, history)
        return Reply(a.text, a.refused, tuple(Passage.of(c) for c in a.citations), a.latency_ms, a.reason)

    def describe(self) -> dict:
        s, m = self.pipeline.settings, self.pipeline.index.manifest
        answerer = type(self.pipeline.answerer)
        return {
            "system": "pipeline",
            "name": self.name,
            "embedder": s.embedder,
            "embedder_model": m.get("embedder", {}).get("name"),
            "retriever": self.retriever.mode,
            "top_k": s.top_k,
            "chunk_sentences": s.chunk_sentences,
            "chunk_max_chars": s.chunk_max_chars,
            "index_dir": str(s.index_dir),
            "store": store_name(s),  # faiss or milvus (rag/stores.py)
            "chunks": m.get("counts", {}).get("chunks"),
            "answerer": f"{answerer.__module__}.{answerer.__name__}",
            "queries": "as asked (follow-ups resolved)" if self.raw_queries else "the answerer's search text",
        }


def with_mode(system: PipelineSystem, mode: str) -> PipelineSystem:
    """Search the same index in another mode (hybrid, dense, bm25); for retrieval metrics only."""
    s = system.pipeline.settings
    retriever = system.pipeline.retriever.model_copy(update={"mode": mode})
    return PipelineSystem(
        system.pipeline, f"{s.embedder} · {mode} · {s.chunk_sentences} sent.", retriever, system.raw_queries
    )
