"""Index type by size: flat (exact) below store.HNSW_FROM chunks, HNSW above, its parameters in
the manifest and applied on load; retrieval over either gives the same hits on a small corpus.

No model: the hash embedder over the real corpus, with the threshold lowered (fast tier).
"""

from __future__ import annotations

import faiss
import pytest
from conftest import CORPUS_DIR, fast_settings

from rag import store
from rag.chunker import ChunkerConfig
from rag.embedders import HashEmbeddings
from rag.indexing import load_chunks
from rag.retriever import HybridRetriever
from rag.store import build_index, load_index

HASHED = HashEmbeddings()
QUERIES = ["郑州有多少家养老机构？", "社区网格划分了多少个", "新增义务教育阶段学位", "12345热线"]


@pytest.fixture(scope="module")
def chunks():
    return load_chunks([CORPUS_DIR], ChunkerConfig(1, 200))


def build(tmp_path, chunks, name):
    index_dir = tmp_path / name
    build_index(chunks[0], chunks[1], HASHED, ChunkerConfig(1, 200), index_dir)
    return load_index(index_dir, HASHED.name, HASHED.dim)


def test_a_small_corpus_gets_an_exact_flat_index(tmp_path, chunks):
    index = build(tmp_path, chunks, "flat")
    assert index.manifest["dense"] == {"type": "flat"}
    assert isinstance(index.dense, faiss.IndexFlatIP)


def test_past_the_threshold_the_index_is_hnsw_with_its_parameters_recorded_and_applied(tmp_path, chunks, monkeypatch):
    flat = build(tmp_path, chunks, "flat")
    monkeypatch.setattr(store, "HNSW_FROM", 10)
    hnsw = build(tmp_path, chunks, "hnsw")
    assert hnsw.manifest["dense"] == store.HNSW_PARAMS
    assert isinstance(hnsw.dense, faiss.IndexHNSWFlat)
    assert hnsw.dense.hnsw.efSearch == store.HNSW_PARAMS["ef_search"]
    settings = fast_settings(tmp_path)
    for index_a, index_b in [(flat, hnsw)]:
        a = HybridRetriever(index=index_a, embedder=HASHED, k=settings.top_k)
        b = HybridRetriever(index=index_b, embedder=HASHED, k=settings.top_k)
        for query in QUERIES:
            assert [h.chunk.id for h in a.search(query)] == [h.chunk.id for h in b.search(query)]
            allowed = frozenset(range(0, len(chunks[0]), 3))  # a place/year constraint
            assert [h.chunk.id for h in a.search(query, allowed=allowed)] == [
                h.chunk.id for h in b.search(query, allowed=allowed)
            ]


def test_term_weights_past_the_sample_size_stay_close_and_never_named_terms_stay_exact(chunks, monkeypatch):
    from rag import facts

    exact = facts.TermWeights(chunks[0])
    monkeypatch.setattr(facts, "DF_SAMPLE", 10)  # the real corpus becomes "large": counted on a sample
    sampled = facts.TermWeights(chunks[0])
    once = next(w for w in ("凤凰台", "周戈", "远程诊疗室") if exact.df(w) == 1)
    for term in ("养老", "郑州", "网格", "学校", once, "洛阳", "房价", "幼儿园"):
        assert (sampled.df(term) == 0) == (exact.df(term) == 0), term  # never named: exact
    assert sampled.df(once) >= 1
    for term in ("养老", "郑州", "网格"):
        assert abs(sampled.weight(term) - exact.weight(term)) < 1.0, term  # an estimate, near the count
