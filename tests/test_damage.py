"""The index damage matrix: every file of an index x (truncated, random bytes, deleted).

Each damage is caught on load as IndexCorruptError (never another exception), and the next
start rebuilds the index from the corpus, which then answers as the undamaged one did.
A folder holding our index files without its manifest is damage too, not someone else's folder.

No model: the hash embedder over the real corpus (fast tier).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS_DIR, fast_settings

from rag.chunker import ChunkerConfig
from rag.embedders import HashEmbeddings
from rag.errors import IndexCorruptError
from rag.indexing import load_chunks
from rag.pipeline import Pipeline, ensure_index
from rag.store import MANIFEST, build_index, load_index

QUESTION = "郑州有多少家养老机构？"
HASHED = HashEmbeddings()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("pristine") / "default"
    chunks, hashes = load_chunks([CORPUS_DIR], ChunkerConfig(1, 200))
    build_index(chunks, hashes, HASHED, ChunkerConfig(1, 200), index_dir)
    return index_dir


def index_files(index_dir: Path) -> list[str]:
    return sorted(p.relative_to(index_dir).as_posix() for p in index_dir.rglob("*") if p.is_file())


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def scramble(path: Path) -> None:
    """Overwrite a stretch in the middle with random bytes, keeping the size."""
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(len(data))
    start, width = len(data) // 3, max(1, min(64, len(data) // 3))
    data[start : start + width] = rng.integers(0, 256, width, dtype=np.uint8).tobytes()
    if bytes(data) == path.read_bytes():  # random bytes equal to the old ones: flip one
        data[start] ^= 0xFF
    path.write_bytes(bytes(data))


def delete(path: Path) -> None:
    path.unlink()


DAMAGES = {"truncated": truncate, "random-bytes": scramble, "deleted": delete}


def test_the_matrix_covers_every_file_of_an_index(pristine):
    files = index_files(pristine)
    assert {MANIFEST, "chunks.jsonl", "dense.faiss"} <= set(files)
    assert any(f.startswith("bm25/") for f in files)


def pytest_generate_tests(metafunc):
    if "damaged_file" in metafunc.fixturenames:
        # the files an index holds, from a throwaway build (the real list, not a hand-kept one)
        chunks, hashes = load_chunks([CORPUS_DIR], ChunkerConfig(1, 200))
        probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"damage-probe-{os.getpid()}" / "default"
        build_index(chunks[:3], hashes, HASHED, ChunkerConfig(1, 200), probe)
        files = index_files(probe)
        shutil.rmtree(probe.parent)
        metafunc.parametrize("damaged_file", files)


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_each_damaged_file_is_caught_on_load_and_the_next_start_rebuilds(pristine, tmp_path, damaged_file, damage):
    settings = fast_settings(tmp_path, index_dir=tmp_path / "indexes" / "default")
    shutil.copytree(pristine, settings.index_dir)
    healthy = Pipeline.over(settings, HASHED, load_index(settings.index_dir, HASHED.name, HASHED.dim)).ask(QUESTION)
    assert not healthy.refused

    DAMAGES[damage](settings.index_dir / damaged_file)
    with pytest.raises(IndexCorruptError, match="Rebuild it with"):
        load_index(settings.index_dir, HASHED.name, HASHED.dim)

    messages: list[str] = []
    index = ensure_index(settings, HASHED, say=messages.append)
    assert messages and messages[0].startswith("Building the index")
    assert index_files(settings.index_dir) == index_files(pristine)
    assert Pipeline.over(settings, HASHED, index).ask(QUESTION).text == healthy.text
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["default"]


def test_a_folder_of_our_files_without_its_manifest_is_rebuilt_not_refused(pristine, tmp_path, capsys):
    from rag.ingest import main

    index_dir = tmp_path / "default"
    shutil.copytree(pristine, index_dir)
    (index_dir / MANIFEST).unlink()
    with pytest.raises(IndexCorruptError, match=f"lost its {MANIFEST}"):
        load_index(index_dir, HASHED.name, HASHED.dim)
    assert main([str(CORPUS_DIR), "--index-dir", str(index_dir), "--embedder", "hash", "--quiet"]) == 0
    assert "Indexed" in capsys.readouterr().out
    assert load_index(index_dir, HASHED.name, HASHED.dim).dense.ntotal > 0
