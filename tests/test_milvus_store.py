"""The Milvus store on Milvus Lite, embedded in this process (no server): the same answers as the
FAISS store, place and year as filter expressions, incremental ingest, reload, and clear errors.

No model: the hash embedder and a counting stub. The core checks are in the fast tier; those
that build several collections (layouts, interrupted writes, reload) are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, StubEmbeddings, fast_settings
from test_incremental import city, edit_corpus  # noqa: F401  (city is a fixture)

from rag.embedders import make_embedder
from rag.errors import IndexMismatchError, IndexMissingError, SettingsError
from rag.indexing import update
from rag.pipeline import Pipeline, ensure_index
from rag.reload import LivePipeline
from rag.store_milvus import MilvusBackend, MilvusStore, client_for, collection_name, filter_expression
from rag.stores import FaissBackend, make_store, store_name
from rag.types import Allowed

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").open(encoding="utf-8")]


def milvus_settings(tmp_path: Path, **overrides):
    return fast_settings(tmp_path, milvus_uri=str(tmp_path / "milvus.db"), **overrides)


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Pipeline, Pipeline]:
    """The real corpus in a FAISS index and in a Milvus Lite collection, hash embedder."""
    tmp = tmp_path_factory.mktemp("both")
    quiet = lambda message: None  # noqa: E731
    faiss = Pipeline.load(fast_settings(tmp / "faiss"), say=quiet)
    milvus = Pipeline.load(milvus_settings(tmp / "milvus"), say=quiet)
    return faiss, milvus


def test_settings_choose_the_store_milvus_when_a_uri_is_set(tmp_path):
    assert store_name(fast_settings(tmp_path)) == "faiss"
    assert isinstance(make_store(fast_settings(tmp_path)), FaissBackend)
    assert store_name(milvus_settings(tmp_path)) == "milvus"
    assert isinstance(make_store(milvus_settings(tmp_path)), MilvusBackend)
    with pytest.raises(SettingsError, match="Unknown store 'chroma'"):
        make_store(fast_settings(tmp_path, store="chroma"))


def test_a_uri_that_is_neither_a_server_nor_a_db_file_is_refused_by_name(tmp_path):
    with pytest.raises(SettingsError, match=r"milvus\.sqlite.*http://host:19530.*\.db"):
        ensure_index(fast_settings(tmp_path, milvus_uri=str(tmp_path / "milvus.sqlite")), make_embedder("hash"))


def test_an_empty_collection_is_missing_with_the_command_that_builds_it(tmp_path):
    with pytest.raises(IndexMissingError, match="python -m rag.ingest"):
        MilvusBackend().read_manifest(milvus_settings(tmp_path))


def test_milvus_holds_the_same_chunks_in_the_same_order_with_their_metadata(both):
    faiss, milvus = both
    assert isinstance(milvus.index, MilvusStore)
    assert milvus.index.chunks == faiss.index.chunks  # every field, places and years included
    assert milvus.index.manifest["counts"] == faiss.index.manifest["counts"]
    assert milvus.index.manifest["tokenizer"] == faiss.index.manifest["tokenizer"]


def test_both_stores_retrieve_the_same_chunks_and_give_the_same_answers(both):
    faiss, milvus = both
    for i, question in enumerate(QUESTIONS):
        assert [h.chunk.id for h in milvus.retriever.search(question)] == [
            h.chunk.id for h in faiss.retriever.search(question)
        ], question
        if i % 3 == 0:  # the whole answer too, on every third: the fast tier stays fast
            assert milvus.ask(question).text == faiss.ask(question).text, question


def test_both_stores_judge_nearness_in_meaning_alike(both):
    faiss, milvus = both
    hits = milvus.retriever.search("养老机构有多少家")
    assert [h.position for h in hits] == [h.position for h in faiss.retriever.search("养老机构有多少家")]
    for h in hits:
        assert milvus.retriever.closeness("养老院", h.position) == pytest.approx(
            faiss.retriever.closeness("养老院", h.position), abs=1e-5
        )


@pytest.mark.parametrize("mode", ["dense", "bm25"])
def test_one_sided_modes_rank_alike_on_both_stores(both, mode):
    faiss, milvus = both
    for question in QUESTIONS[:40]:
        faiss.retriever.mode = milvus.retriever.mode = mode
        try:
            assert [h.chunk.id for h in milvus.retriever.search(question)] == [
                h.chunk.id for h in faiss.retriever.search(question)
            ], question
        finally:
            faiss.retriever.mode = milvus.retriever.mode = "hybrid"


def test_place_and_year_are_a_filter_expression_not_a_list_of_chunks(both):
    _, milvus = both
    chunks = milvus.index.chunks
    allowed = Allowed({0, 1}, places=("郑州市",), years=(2024,))
    assert filter_expression(allowed, chunks) == '(place_tags like "%|郑州市|%") and (year_tags like "%|2024|%")'
    two = Allowed({0}, places=("郑州市", "河南省"))
    assert filter_expression(two, chunks) == '(place_tags like "%|郑州市|%" or place_tags like "%|河南省|%")'
    assert filter_expression(None, chunks) == ""
    assert filter_expression(frozenset({1}), chunks) == f'id in ["{chunks[1].id}"]'


def test_a_year_constraint_keeps_other_years_out_of_the_hits(both):
    faiss, milvus = both
    years = sorted({y for c in milvus.index.chunks for y in c.years})
    year = years[0]
    question = milvus.answerer.standalone(f"{year}年养老机构有多少家？", [])
    allowed = milvus.answerer.allowed(question)
    assert isinstance(allowed, Allowed) and allowed.years == (year,)
    hits = milvus.retriever.search(question.search_text, allowed=allowed)
    assert hits and all(year in h.chunk.years for h in hits)
    assert [h.chunk.id for h in hits] == [
        h.chunk.id for h in faiss.retriever.search(question.search_text, allowed=allowed)
    ]
    assert milvus.retriever.search(question.search_text, allowed=Allowed((), years=(1900,))) == []


def test_an_update_on_milvus_embeds_only_new_text_and_forgets_deleted_documents(city, tmp_path):  # noqa: F811
    settings = milvus_settings(tmp_path, corpus_dir=city)
    stub = StubEmbeddings(dim=64)
    first = update([city], settings, embedder=stub)
    assert first.added == ("elderly.txt", "health.docx", "schools.html")
    first_texts = set(stub.texts)
    store = MilvusBackend().open(settings, stub)
    assert "86.5%" in Pipeline.over(settings, stub, store).ask("洛阳市家庭医生签约率是多少？").text

    edit_corpus(city)  # hotline.pdf added, one sentence of elderly.txt changed, health.docx deleted
    stub.texts.clear()
    report = update([city], settings, embedder=stub)
    store = MilvusBackend().open(settings, stub)
    hotline = {c.retrieval_text() for c in store.chunks if c.source == "hotline.pdf"}
    changed = {c.retrieval_text() for c in store.chunks if "402个" in c.text}
    assert hotline and len(changed) == 1
    assert sorted(stub.texts) == sorted(hotline | changed)  # each new text embedded once, nothing else
    assert report.manifest["counts"]["embedded"] == len(hotline | changed)
    assert (report.added, report.changed, report.removed, report.kept) == (
        ("hotline.pdf",),
        ("elderly.txt",),
        ("health.docx",),
        ("schools.html",),
    )
    assert report.dropped_chunks == len([t for t in first_texts if "家庭医生" in t]) + 1
    assert not any(c.source == "health.docx" or "356个" in c.text for c in store.chunks)
    pipeline = Pipeline.over(settings, stub, store)
    assert "86.5" not in pipeline.ask("洛阳市家庭医生签约率是多少？").text
    assert "402个" in pipeline.ask("洛阳市建成了多少个社区老年助餐点？").text
    assert "231万件" in pipeline.ask("洛阳市12345热线受理了多少件群众诉求？").text
    # the rows Milvus holds are exactly the chunks of the folder as it is now, one collection behind the alias
    fresh = tmp_path / "fresh"
    again = update([city], milvus_settings(fresh, corpus_dir=city), embedder=StubEmbeddings(dim=64))
    assert sorted(c.id for c in store.chunks) == sorted(c.id for c in again.chunks)
    client, alias = client_for(settings.milvus_uri), collection_name(settings)
    assert [n for n in client.list_collections() if n.startswith(alias + "__v")] == [
        client.describe_alias(alias)["collection_name"]
    ]


@pytest.mark.slow  # five builds: seconds on a busy machine
def test_after_updates_milvus_ranks_as_a_faiss_index_built_from_scratch(city, tmp_path):  # noqa: F811
    """BM25 statistics included: each update writes one new collection (Milvus Lite keeps them per segment)."""
    settings = milvus_settings(tmp_path, corpus_dir=city)
    update([city], settings, embedder=StubEmbeddings(dim=64))
    edit_corpus(city)
    faiss = Pipeline.load(fast_settings(tmp_path / "faiss", corpus_dir=city), say=lambda m: None)
    hashed = make_embedder("hash")
    rebuilt = update([city], settings, embedder=hashed)  # another embedder: every text embedded again
    assert rebuilt.manifest["counts"]["embedded"] == len(rebuilt.chunks)
    update([city / "elderly.txt", city / "schools.html"], settings, embedder=hashed)  # one document removed
    update([city], settings, embedder=hashed)  # and back: only its text is embedded
    milvus = Pipeline.over(settings, hashed, MilvusBackend().open(settings, hashed))
    for question in ("洛阳市12345热线受理了多少件群众诉求？", "洛阳市新建中小学校多少所？", "社区老年助餐点有多少个？"):
        assert [h.chunk.id for h in milvus.retriever.search(question)] == [
            h.chunk.id for h in faiss.retriever.search(question)
        ]


def test_an_interrupted_update_on_milvus_leaves_the_previous_rows_serving(city, tmp_path):  # noqa: F811
    settings = milvus_settings(tmp_path, corpus_dir=city)
    update([city], settings, embedder=StubEmbeddings(dim=64))
    before = MilvusBackend().open(settings, StubEmbeddings(dim=64)).chunks
    edit_corpus(city)
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C on the first embedding batch of the update
        update([city], settings, embedder=StubEmbeddings(dim=64, fail_on_call=1))
    assert MilvusBackend().open(settings, StubEmbeddings(dim=64)).chunks == before


@pytest.mark.slow  # a few Milvus Lite builds: seconds; the fast tier keeps the core checks
def test_a_running_app_reloads_when_milvus_is_updated(city, tmp_path):  # noqa: F811
    settings = milvus_settings(tmp_path, corpus_dir=city)
    stub = StubEmbeddings(dim=64)
    update([city], settings, embedder=stub)
    live = LivePipeline(Pipeline.over(settings, stub, MilvusBackend().open(settings, stub)), say=lambda m: None)
    assert not live.reload()  # nothing new
    (city / "hotline.txt").write_text("2024年洛阳市12345热线受理群众诉求231万件。\n", encoding="utf-8")
    update([city], settings, embedder=stub)
    assert live.reload()
    assert "231万件" in live.ask("洛阳市12345热线受理了多少件群众诉求？").text


@pytest.mark.slow  # a few Milvus Lite builds: seconds; the fast tier keeps the core checks
def test_a_collection_written_by_an_earlier_process_is_loaded_before_it_is_read(tmp_path):
    settings = milvus_settings(tmp_path)
    hashed = make_embedder("hash")
    ensure_index(settings, hashed, say=lambda m: None)
    client, name = client_for(settings.milvus_uri), collection_name(settings)
    for released in (name, name + "_meta"):  # the state a new process finds them in
        client.release_collection(released)
    store = ensure_index(settings, hashed, say=lambda m: pytest.fail(f"rebuilt: {m}"))
    assert store.chunks and store.manifest["counts"]["chunks"] == len(store.chunks)


@pytest.mark.slow  # a few Milvus Lite builds: seconds; the fast tier keeps the core checks
def test_a_collection_of_an_older_layout_is_rebuilt_not_misread(tmp_path, monkeypatch):
    import rag.store_milvus as store_milvus

    settings = milvus_settings(tmp_path)
    hashed = make_embedder("hash")
    ensure_index(settings, hashed, say=lambda m: None)
    built = store_milvus.SCHEMA_VERSION
    monkeypatch.setattr(store_milvus, "SCHEMA_VERSION", built + 1)
    with pytest.raises(IndexMismatchError, match=f"collection layout '{built}'.*python -m rag.ingest"):
        MilvusBackend().read_manifest(settings)
    said = []
    store = ensure_index(settings, hashed, say=said.append)
    assert any("Building the index" in s for s in said) and store.chunks
    assert MilvusBackend().read_manifest(settings)["counts"]["chunks"] == len(store.chunks)


@pytest.mark.slow  # a few Milvus Lite builds: seconds; the fast tier keeps the core checks
def test_an_update_interrupted_while_writing_leaves_the_old_collection_and_the_next_one_cleans_up(
    city,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    settings = milvus_settings(tmp_path, corpus_dir=city)
    stub = StubEmbeddings(dim=64)
    update([city], settings, embedder=stub)
    before = MilvusBackend().open(settings, stub).chunks
    client, alias = client_for(settings.milvus_uri), collection_name(settings)
    edit_corpus(city)
    real_insert = client.insert

    def insert_then_stop(name, rows, **kwargs):
        real_insert(name, rows[:1], **kwargs)  # the new collection half written
        raise KeyboardInterrupt

    monkeypatch.setattr(client, "insert", insert_then_stop)
    with pytest.raises(KeyboardInterrupt):
        update([city], settings, embedder=stub)
    monkeypatch.undo()
    assert MilvusBackend().open(settings, stub).chunks == before  # the alias still points at the old one
    assert len([n for n in client.list_collections() if n.startswith(alias + "__v")]) == 2  # and the half one
    update([city], settings, embedder=stub)
    assert [n for n in client.list_collections() if n.startswith(alias + "__v")] == [
        client.describe_alias(alias)["collection_name"]
    ]
    assert any(c.source == "hotline.pdf" for c in MilvusBackend().open(settings, stub).chunks)
