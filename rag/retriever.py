"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates fused by reciprocal rank.

Over the FAISS store the search runs here; a store that searches itself (Milvus, one
hybrid_search call: rag/stores.py SelfSearching) is handed the query and the same settings.

Keyword matching is very strong on figure questions in this corpus; dense vectors
catch paraphrases (养老院 for 养老机构) and English questions. Reciprocal rank
fusion needs no score calibration between the two.
"""

from __future__ import annotations

from typing import Literal

import faiss
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from rag.embedders import NamedEmbeddings
from rag.store import LoadedIndex
from rag.stores import SearchPlan, SelfSearching, Store
from rag.tokens import tokenize
from rag.types import Hit

_EXACT_SUBSET = 20_000  # allowed chunks scored exactly when the dense index is approximate
_BACKGROUND = 1024  # chunk vectors that stand for the whole index when judging how near is near


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over a store (rag/stores.py); `search` returns typed Hits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Store  # a LoadedIndex (FAISS + bm25s, searched here) or a SelfSearching store
    embedder: NamedEmbeddings
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    k: int = 4
    candidates: int = 20
    rrf_k: int = 60
    max_chars: int = 120  # the longest query embedded and matched: bounds one search's cost (Settings.max_search_chars)
    _background: np.ndarray | None = PrivateAttr(default=None)

    def closeness(self, text: str, position: int) -> float:
        """How unusually near the chunk at `position` is to `text` in meaning: its cosine in
        standard deviations above the mean cosine of an even sample of the index.

        Cosines of one model crowd into a narrow band whose place depends on the text, so a raw
        cosine or a rank (top 3 of a 20-chunk article is no sign) cannot say "near"; this can.
        """
        q = self.embedder.embed_question(text[: self.max_chars])
        sims = self._background_vectors() @ q
        spread = float(sims.std())
        if spread == 0.0:
            return 0.0
        own = float(self._vectors([position])[0] @ q)
        return (own - float(sims.mean())) / spread

    def _background_vectors(self) -> np.ndarray:
        if self._background is None:
            n = len(self.index.chunks)
            ids = np.unique(np.linspace(0, n - 1, num=min(n, _BACKGROUND), dtype=np.int64))
            self._background = self._vectors([int(i) for i in ids])
        return self._background

    def _vectors(self, positions: list[int]) -> np.ndarray:
        """The stored vectors of the chunks at these positions, from whichever store holds them."""
        if isinstance(self.index, SelfSearching):
            return self.index.vectors(positions)
        return np.stack([self.faiss.dense.reconstruct(i) for i in positions])

    @property
    def faiss(self) -> LoadedIndex:
        if not isinstance(self.index, LoadedIndex):
            raise TypeError(f"{type(self.index).__name__} searches itself: call search()")
        return self.index

    def dense_scores(self, query: str, allowed: frozenset[int] | None = None) -> dict[int, float]:
        index = self.faiss
        n = index.dense.ntotal if allowed is None else len(allowed)
        if n == 0:
            return {}
        q = self.embedder.embed_question(query)[None, :]
        if allowed is None:
            scores, ids = index.dense.search(q, min(self.candidates, n))
        elif not isinstance(index.dense, faiss.IndexFlat) and len(allowed) <= _EXACT_SUBSET:
            # an approximate index misses much of a small allowed set: score those vectors exactly
            ids = np.fromiter(sorted(allowed), dtype=np.int64)
            sims = index.dense.reconstruct_batch(ids) @ q[0]
            top = np.argsort(-sims)[: self.candidates]
            return {int(ids[i]): float(sims[i]) for i in top}
        else:  # the place and year constraints are applied inside the search, not after it
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64))
            # HNSW takes only its own parameter type (absent from faiss's type stubs)
            hnsw = hasattr(index.dense, "hnsw")
            params = faiss.SearchParametersHNSW() if hnsw else faiss.SearchParameters()  # type: ignore[attr-defined]
            params.sel = selector  # the selector must outlive the search: it is a local here
            scores, ids = index.dense.search(q, min(self.candidates, n), params=params)
        # FAISS pads with -1 when k exceeds the corpus
        return {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=False) if i >= 0}

    def bm25_scores(self, query: str, allowed: frozenset[int] | None = None) -> dict[int, float]:
        index = self.faiss
        vocab = index.bm25.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return {}
        scores = index.bm25.get_scores(tokens)
        if allowed is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[list(allowed)] = True
            scores = np.where(mask, scores, 0.0)
        # the top candidates without sorting a million scores (argpartition is linear)
        n = min(self.candidates, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if 0 < n < len(scores) else np.arange(len(scores))
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def search(self, query: str, k: int | None = None, allowed: frozenset[int] | None = None) -> list[Hit]:
        """The top k chunks for query; with `allowed`, only among those chunk positions."""
        k = k or self.k
        query = query[: self.max_chars]  # a follow-up's query leads with its own words, then the earlier ones
        if isinstance(self.index, SelfSearching):
            plan = SearchPlan(k, self.mode, self.candidates, self.rrf_k)
            return self.index.hybrid_search(query, self.embedder, plan, allowed)
        dense = self.dense_scores(query, allowed) if self.mode in ("hybrid", "dense") else {}
        keyword = self.bm25_scores(query, allowed) if self.mode in ("hybrid", "bm25") else {}
        dense_rank = _ranks(dense)
        bm25_rank = _ranks(keyword)
        fused: dict[int, float] = {}
        if self.mode == "dense":
            fused = dict(dense)
        elif self.mode == "bm25":
            fused = dict(keyword)
        else:
            for ranks in (dense_rank, bm25_rank):
                for i, r in ranks.items():
                    fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + r)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            Hit(
                chunk=self.index.chunks[i],
                position=i,
                score=fused[i],
                dense_score=dense.get(i),
                bm25_score=keyword.get(i),
                dense_rank=dense_rank.get(i),
                bm25_rank=bm25_rank.get(i),
            )
            for i in order
        ]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                page_content=h.chunk.text,
                id=h.chunk.id,
                metadata={
                    "source": h.chunk.source,
                    "article": h.chunk.article,
                    "section": h.chunk.section,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": h.score,
                    "dense_score": h.dense_score,
                    "bm25_score": h.bm25_score,
                },
            )
            for h in self.search(query)
        ]


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    return {i: r for r, i in enumerate(sorted(scores, key=lambda i: (-scores[i], i)), start=1)}
