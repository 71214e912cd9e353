"""Placeholder answerer (replaced by the extractive answerer)."""
from __future__ import annotations
from dataclasses import dataclass
from rag.types import Answer, Citation


@dataclass
class Answerer:
    retriever: object
    settings: object

    @classmethod
    def build(cls, retriever, settings):
        return cls(retriever, settings)

    def answer(self, question: str, history: list[str]) -> Answer:
        hits = self.retriever.search(question)
        if not hits:
            return Answer(question, "抱歉，没有找到相关内容。", refused=True, reason="no_evidence")
        c = hits[0].chunk
        cit = Citation(1, c.id, c.text, c.source, c.article, c.section, c.start, c.end)
        return Answer(question, c.text + "[1]", (cit,), reason="answered", hits=tuple(hits))
