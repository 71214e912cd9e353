"""The knowledge-base store: one interface, backends chosen by name from a registry.

A store holds the chunks with their vectors, keyword index and metadata, and answers
a hybrid search. Two backends register here the same way:

- `faiss` (rag/store.py, the default): FAISS + bm25s files in a folder, loaded into the
  process; two commands and no server.
- `milvus` (rag/store_milvus.py, install extra `milvus`): one Milvus collection holding dense
  vectors and BM25 over jieba tokens, searched with hybrid_search and reciprocal-rank fusion,
  the place and year constraints as filter expressions. `MINSHENG_MILVUS_URI` selects it: a
  path ending in `.db` runs Milvus Lite inside the process, an `http://` URI talks to a server.

Whatever the backend, the loaded store gives the answerer the same things: its chunks
(the place and year indexes are built over their positions), its manifest, and `search`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from rag.chunker import ChunkerConfig
from rag.embedders import NamedEmbeddings
from rag.errors import SettingsError
from rag.settings import Settings
from rag.store import (
    MANIFEST,
    LoadedIndex,
    Manifest,
    build_index,
    clean_leftovers,
    load_index,
    read_manifest,
)
from rag.types import Chunk, Hit


@dataclass(frozen=True)
class SearchPlan:
    """How one search runs: the retriever's settings, handed to a store that fuses by itself."""

    k: int
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    candidates: int = 20  # per retriever, before fusion
    rrf_k: int = 60


@runtime_checkable
class Store(Protocol):
    """A loaded knowledge base: what retrieval, the answerer and the evals read."""

    path: Path | None  # where it lives on disk (None: in memory or on a server)
    manifest: Manifest  # what built it
    chunks: list[Chunk]  # in a stable order; the answerer's place and year indexes are positions in it


@runtime_checkable
class SelfSearching(Protocol):
    """A store that runs the whole hybrid search itself (Milvus: one hybrid_search call).
    The FAISS store does not: rag/retriever.py searches its FAISS and bm25s indexes."""

    def hybrid_search(
        self, query: str, embedder: NamedEmbeddings, plan: SearchPlan, allowed: frozenset[int] | None
    ) -> list[Hit]: ...

    def vectors(self, positions: list[int]) -> np.ndarray:
        """The stored vectors of the chunks at these positions (rows in that order)."""
        ...


class StoreBackend(Protocol):
    """How one kind of store is built, inspected and opened, from the settings."""

    name: str

    def location(self, settings: Settings) -> str:
        """Where the store lives, for messages (a folder, a URI and collection)."""
        ...

    def read_manifest(self, settings: Settings) -> Manifest:
        """The manifest of the built store; IndexMissingError / IndexCorruptError / IndexMismatchError."""
        ...

    def build(
        self,
        chunks: list[Chunk],
        corpus_hashes: dict[str, str],
        embedder: NamedEmbeddings,
        chunker: ChunkerConfig,
        settings: Settings,
        progress: Callable[[int], None] | None = None,
        batch_size: int = 16,
        skipped: dict[str, str] | None = None,
    ) -> Manifest:
        """Bring the store in line with these chunks, embedding only text it does not hold yet."""
        ...

    def open(self, settings: Settings, embedder: NamedEmbeddings) -> Store:
        """The built store, checked against the embedder."""
        ...

    def stamp(self, settings: Settings) -> str:
        """A value that changes whenever a new build lands ('' when none can be read): hot reload polls it."""
        ...

    def clean(self, settings: Settings) -> None:
        """Remove what an interrupted build left behind."""
        ...


class FaissBackend:
    """The default: FAISS + bm25s files in settings.index_dir (rag/store.py)."""

    name = "faiss"

    def location(self, settings: Settings) -> str:
        return str(settings.index_dir)

    def read_manifest(self, settings: Settings) -> Manifest:
        return read_manifest(settings.index_dir)

    def build(
        self,
        chunks: list[Chunk],
        corpus_hashes: dict[str, str],
        embedder: NamedEmbeddings,
        chunker: ChunkerConfig,
        settings: Settings,
        progress: Callable[[int], None] | None = None,
        batch_size: int = 16,
        skipped: dict[str, str] | None = None,
    ) -> Manifest:
        return build_index(
            chunks, corpus_hashes, embedder, chunker, settings.index_dir, progress, batch_size, skipped=skipped
        )

    def open(self, settings: Settings, embedder: NamedEmbeddings) -> LoadedIndex:
        return load_index(settings.index_dir, embedder.name, embedder.dim)

    def stamp(self, settings: Settings) -> str:
        try:
            return hashlib.sha256((Path(settings.index_dir) / MANIFEST).read_bytes()).hexdigest()
        except OSError:  # none right now (mid-swap)
            return ""

    def clean(self, settings: Settings) -> None:
        clean_leftovers(settings.index_dir)


STORES: dict[str, Callable[[], StoreBackend]] = {}


def register_store(name: str, factory: Callable[[], StoreBackend]) -> None:
    """Make a store backend available by name (MINSHENG_STORE); the built-ins register the same way."""
    STORES[name] = factory


def store_name(settings: Settings) -> str:
    """The configured backend: MINSHENG_STORE if set, else milvus when MINSHENG_MILVUS_URI is set, else faiss."""
    return settings.store or ("milvus" if settings.milvus_uri else "faiss")


def make_store(settings: Settings) -> StoreBackend:
    name = store_name(settings)
    factory = STORES.get(name)
    if factory is None:
        raise SettingsError(f"Unknown store {name!r} (MINSHENG_STORE). Choose one of: {', '.join(sorted(STORES))}.")
    return factory()


def _milvus() -> StoreBackend:
    from rag.store_milvus import MilvusBackend  # imports pymilvus: only when configured

    return MilvusBackend()


register_store("faiss", FaissBackend)
register_store("milvus", _milvus)
