"""Hybrid retrieval on the real index (real corpus, real e5 vectors, real FAISS and BM25): known answers;
and reciprocal rank fusion itself on a tiny in-memory index with the hash embedder (fast tier)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORPUS_FILE
from langchain_core.documents import Document

from rag.embedders import HashEmbeddings
from rag.retriever import HybridRetriever
from rag.store import index_in_memory, load_index
from rag.types import Chunk

CARE_HOMES = "全市93家养老机构、1166个社区照料中心遍布城乡"
MEAL_POINTS = "1166个助餐点化身便民服务阵地"


@pytest.fixture(scope="module")
def index(real_index_dir, e5_embedder):
    return load_index(real_index_dir, e5_embedder.name, e5_embedder.dim)


@pytest.fixture(scope="module")
def make(index, e5_embedder):
    def make(mode="hybrid", **kwargs):
        return HybridRetriever(index=index, embedder=e5_embedder, mode=mode, **kwargs)

    return make


def texts(hits):
    return [h.chunk.text for h in hits]


def test_care_homes_question_finds_the_93_care_homes_sentence(make):
    hits = make().search("郑州有多少家养老机构？", k=3)
    assert any(t.startswith(CARE_HOMES) for t in texts(hits))
    assert texts(hits)[0].startswith(CARE_HOMES)


def test_meal_points_question_prefers_the_meal_point_sentence_over_the_care_centre_one(make):
    """Both sentences say 1166个; only one is about 助餐点."""
    hits = make().search("郑州有多少个助餐点？", k=4)
    assert texts(hits)[0].startswith(MEAL_POINTS)
    assert not texts(hits)[0].startswith(CARE_HOMES)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("全市有多少所基础教育学校？", "全市基础教育学校3657所"),
        ("12345热线工单什么时候接入城市治理平台？", "2024年6月，12345热线工单全面接入城市治理平台"),
        ("城市驿站建了多少座？", "建成城市驿站214座"),
    ],
    ids=["schools", "hotline", "stations"],
)
def test_more_known_answers_in_the_top_three(make, question, expected):
    assert any(expected in t for t in texts(make().search(question, k=3)))


def test_hybrid_hits_carry_both_scores_and_fuse_them_by_reciprocal_rank(make):
    retriever = make()
    hits = retriever.search("郑州有多少家养老机构？", k=5)
    top = hits[0]
    assert top.dense_score is not None and top.bm25_score is not None
    assert -1.0 <= top.dense_score <= 1.0 and top.bm25_score > 0
    for h in hits:
        expected = sum(1.0 / (retriever.rrf_k + r) for r in (h.dense_rank, h.bm25_rank) if r is not None)
        assert h.score == pytest.approx(expected)
        assert (h.dense_score is None) == (h.dense_rank is None) and (h.bm25_score is None) == (h.bm25_rank is None)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_dense_score_is_the_cosine_of_question_and_chunk(make, index, e5_embedder):
    question = "郑州有多少家养老机构？"
    hits = make("dense").search(question, k=3)
    q = e5_embedder.embed_question(question)
    position = {c.id: i for i, c in enumerate(index.chunks)}
    for h in hits:
        v = index.dense.reconstruct(position[h.chunk.id])
        assert h.dense_score == pytest.approx(float(q @ v), abs=1e-5)
        assert h.score == h.dense_score and h.bm25_score is None


def test_dense_only_mode_finds_paraphrases_and_english(make):
    assert texts(make("dense").search("养老院一共有几家", k=3))[0].startswith(CARE_HOMES)
    assert texts(make("dense").search("How many elderly care institutions does Zhengzhou have?", k=3))[0].startswith(
        CARE_HOMES
    )


def test_bm25_only_mode_matches_keywords_and_ignores_questions_without_known_words(make):
    hits = make("bm25").search("助餐点", k=3)
    assert texts(hits)[0].startswith(MEAL_POINTS)
    assert all(h.dense_score is None and h.bm25_score > 0 and h.score == h.bm25_score for h in hits)
    assert make("bm25").search("How many elderly care institutions?", k=3) == []
    # Hybrid still answers from the dense side when BM25 has nothing.
    english = make().search("How many elderly care institutions?", k=3)
    assert english and all(h.bm25_score is None and h.dense_score is not None for h in english)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_k_larger_than_the_corpus_returns_each_chunk_at_most_once(make, index, mode):
    n = len(index.chunks)
    hits = make(mode, candidates=500).search("郑州 养老 服务 学校 网格", k=500)
    assert 0 < len(hits) <= n
    ids = [h.chunk.id for h in hits]
    assert len(set(ids)) == len(ids)
    assert set(ids) <= {c.id for c in index.chunks}  # a FAISS -1 would have picked chunks[-1] twice or failed
    if mode == "dense":
        assert len(hits) == n  # every vector is a candidate, none padded


def test_dense_search_never_returns_padding_ids(make, index):
    retriever = make("dense", candidates=1000)
    scores = retriever.dense_scores("养老")
    assert len(scores) == len(index.chunks) and min(scores) >= 0


def test_k_defaults_to_the_retriever_setting(make):
    assert len(make(k=2).search("郑州有多少家养老机构？")) == 2


def test_langchain_invoke_returns_documents_that_cite_the_source(make, corpus_text):
    docs = make(k=3).invoke("郑州有多少家养老机构？")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    first = docs[0]
    assert first.page_content.startswith(CARE_HOMES)
    meta = first.metadata
    assert meta["source"] == CORPUS_FILE.name
    assert meta["article"] == "改善民生 同心共建幸福城"
    assert meta["section"] == "织密保障网络 托举“一老一小一困”"
    assert corpus_text[meta["start"] : meta["end"]] == first.page_content
    assert meta["dense_score"] is not None and meta["bm25_score"] is not None and meta["score"] > 0
    assert first.id and len(first.id) == 16


def test_chunk_vectors_are_unit_length_so_inner_product_is_cosine(index):
    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# --- the fast tier: fusion on a tiny in-memory index with the hash embedder (no model) ------------

TINY = [
    "全市93家养老机构、1166个社区照料中心遍布城乡。",
    "郑州建成城市驿站500座，方便户外劳动者休息。",
    "全市划分社区网格7876个、农村网格11381个。",
    "集中供热入网面积达到2.8亿平方米。",
]


@pytest.fixture(scope="module")
def tiny():
    hashed = HashEmbeddings()
    chunks = [Chunk(f"c{i}", text, "tiny.txt", 0, len(text), "简报", "") for i, text in enumerate(TINY)]
    return HybridRetriever(index=index_in_memory(chunks, hashed), embedder=hashed, k=3, rrf_k=60)


def test_the_fused_score_is_the_sum_of_reciprocal_ranks(tiny):
    hits = tiny.search("郑州有多少家养老机构")
    assert hits[0].chunk.text == TINY[0]
    for hit in hits:
        ranks = [r for r in (hit.dense_rank, hit.bm25_rank) if r is not None]
        assert ranks and hit.score == pytest.approx(sum(1 / (60 + r) for r in ranks))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_first_in_both_lists_beats_first_in_one(tiny):
    top = tiny.search("城市驿站有多少座")[0]
    assert top.chunk.text == TINY[1] and top.dense_rank == 1 and top.bm25_rank == 1


def test_each_mode_scores_with_its_own_retriever_only(tiny):
    dense = tiny.model_copy(update={"mode": "dense"}).search("农村网格")
    keyword = tiny.model_copy(update={"mode": "bm25"}).search("农村网格")
    assert all(h.bm25_score is None and h.score == h.dense_score for h in dense)
    assert all(h.dense_score is None and h.score == h.bm25_score for h in keyword)
    assert keyword[0].chunk.text == TINY[2]


def test_k_beyond_a_tiny_corpus_returns_each_chunk_once(tiny):
    hits = tiny.search("郑州", k=50)
    assert len({h.chunk.id for h in hits}) == len(hits) <= len(TINY)
