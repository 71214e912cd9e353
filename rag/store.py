"""The index on disk: FAISS vectors, a BM25 index, the chunks, and a manifest.

Layout of an index folder (plain, versioned files; no pickle):
  manifest.json   what built it: format, embedder, chunker, tokenizer, corpus hashes, counts
  chunks.jsonl    one Chunk per line, in vector order
  dense.faiss     faiss.IndexFlatIP over L2-normalised vectors (inner product = cosine)
  bm25/           bm25s index over jieba tokens (numpy arrays + JSON)

A build is written to a sibling temporary folder and swapped in with renames, so
a crash or Ctrl-C leaves the previous index as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NotRequired, cast

import bm25s
import faiss
import numpy as np
from typing_extensions import TypedDict  # pydantic (the retriever holds a LoadedIndex) needs it on Python < 3.12

from rag.chunker import ChunkerConfig, ChunkerDict
from rag.embedders import NamedEmbeddings
from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from rag.loader import bytes_sha256
from rag.tokens import TOKENIZER_NAME, tokenize
from rag.types import Chunk

FORMAT_VERSION = 3  # 2: chunks carry places, years, date, publisher and url; 3: checksums of the index files
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
EMBEDDED = "embedded.npy"  # per vector, a hash of the text it was embedded from (what reuse is keyed by)
INDEX_FILES = (CHUNKS, DENSE, BM25_DIR, EMBEDDED)  # what marks a folder as ours, even without its manifest
BUILDING, PREVIOUS = ".building-", ".previous-"  # sibling folders of a build in progress


class EmbedderInfo(TypedDict):
    name: str
    dim: int


class CorpusInfo(TypedDict):
    files: dict[str, str]  # file name -> sha256 of its bytes
    skipped: NotRequired[dict[str, str]]  # files that could not be read, so an unchanged one is not "new" again


class DenseInfo(TypedDict):
    """The FAISS index type and its parameters (chosen by size: dense_spec)."""

    type: str  # "flat" (exact) or "hnsw" (approximate)
    M: NotRequired[int]  # HNSW: links per node
    ef_construction: NotRequired[int]
    ef_search: NotRequired[int]


# Exact search up to this many chunks; HNSW past it. benchmarks/scale.py, 2 busy cores: flat search
# takes 5 ms at 10k chunks and 70 ms at 100k; HNSW at 100k takes 2-6 ms, recall@10 against exact
# search 0.93 at efSearch 96, 0.99 at 256, 1.0 at 1024 (near-duplicate sentences are the hard case).
# At 1M (100 queries, load 1-2): 0.889 at 256 (2.9 ms), 0.943 at 512, 0.968 at 768, 0.980 at 1024
# (12.3 ms), 0.988 at 1536 (18 ms): 1024 is the least that meets recall@10 >= 0.98 there.
HNSW_FROM = 50_000
HNSW_PARAMS: DenseInfo = {"type": "hnsw", "M": 32, "ef_construction": 80, "ef_search": 1024}


def dense_spec(n: int) -> DenseInfo:
    return dict(HNSW_PARAMS) if n >= HNSW_FROM else {"type": "flat"}  # type: ignore[return-value]


class Counts(TypedDict):
    chunks: int
    files: int
    embedded: int  # vectors computed in this build
    reused: int  # vectors taken from the previous index


class Manifest(TypedDict):
    """manifest.json: what built the index, so a mismatch fails loudly and a stale index is rebuilt."""

    format_version: int
    embedder: EmbedderInfo
    chunker: ChunkerDict
    tokenizer: str
    corpus: CorpusInfo
    counts: Counts
    built_at: str
    build_seconds: float
    files: dict[str, str]  # every index file (relative path) -> sha256, verified on load
    dense: DenseInfo


@dataclass
class LoadedIndex:
    """Everything retrieval needs, loaded once (path is None for an index built in memory)."""

    path: Path | None
    manifest: Manifest
    chunks: list[Chunk]
    dense: faiss.Index
    bm25: bm25s.BM25


def rebuild_hint(index_dir: Path) -> str:
    return f"Rebuild it with: python -m rag.ingest --index-dir {index_dir}"


def corpus_fingerprint(hashes: dict[str, str], skipped: dict[str, str] | None = None) -> CorpusInfo:
    info: CorpusInfo = {"files": dict(sorted(hashes.items()))}
    if skipped:
        info["skipped"] = dict(sorted(skipped.items()))
    return info


def corpus_seen(manifest: Manifest) -> dict[str, str]:
    """Every source file the index was built from, the skipped ones too: name -> sha256."""
    return {**manifest["corpus"]["files"], **manifest["corpus"].get("skipped", {})}


def _embed(
    chunks: list[Chunk],
    embedder: NamedEmbeddings,
    reused: dict[str, np.ndarray],
    progress: Callable[[int], None] | None,
    batch_size: int,
) -> tuple[np.ndarray, int]:
    """The chunks' vectors, reusing those whose embedded text is in `reused`; and how many were computed."""
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    # keyed by what was embedded (heading + sentence), so a renamed heading re-embeds its sentences
    todo = [i for i, c in enumerate(chunks) if c.retrieval_text() not in reused]
    for i, c in enumerate(chunks):
        if c.retrieval_text() in reused:
            vectors[i] = reused[c.retrieval_text()]
    if progress and len(chunks) > len(todo):
        progress(len(chunks) - len(todo))
    for b in range(0, len(todo), batch_size):
        batch = todo[b : b + batch_size]
        vectors[batch] = embedder.embed_passages([chunks[i].retrieval_text() for i in batch])
        if progress:
            progress(len(batch))
    return vectors, len(todo)


def _dense_index(spec: DenseInfo, dim: int) -> faiss.Index:
    if spec["type"] == "flat":
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, spec["M"], faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = spec["ef_construction"]
    index.hnsw.efSearch = spec["ef_search"]
    return index


def _search_indexes(
    chunks: list[Chunk], vectors: np.ndarray, dim: int, spec: DenseInfo | None = None
) -> tuple[faiss.Index, bm25s.BM25]:
    dense = _dense_index(spec or dense_spec(len(chunks)), dim)
    dense.add(vectors)
    bm25 = bm25s.BM25()
    bm25.index([tokenize(c.retrieval_text()) or [""] for c in chunks], show_progress=False)
    return dense, bm25


def _manifest(
    chunks: list[Chunk],
    corpus_hashes: dict[str, str],
    embedder: NamedEmbeddings,
    chunker: ChunkerConfig,
    embedded: int,
    started: float,
    skipped: dict[str, str] | None = None,
) -> Manifest:
    return {
        "format_version": FORMAT_VERSION,
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "chunker": chunker.as_dict(),
        "tokenizer": TOKENIZER_NAME,
        "corpus": corpus_fingerprint(corpus_hashes, skipped),
        "counts": {
            "chunks": len(chunks),
            "files": len(corpus_hashes),
            "embedded": embedded,
            "reused": len(chunks) - embedded,
        },
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - started, 2),
        "files": {},  # filled in once the files are written
        "dense": dense_spec(len(chunks)),
    }


def index_in_memory(
    chunks: list[Chunk],
    embedder: NamedEmbeddings,
    chunker: ChunkerConfig | None = None,
    corpus_hashes: dict[str, str] | None = None,
    batch_size: int = 16,
) -> LoadedIndex:
    """The same index build_index writes, kept in memory only (path None): for tests and one-off runs."""
    started = time.perf_counter()
    vectors, embedded = _embed(chunks, embedder, {}, None, batch_size)
    dense, bm25 = _search_indexes(chunks, vectors, embedder.dim)
    manifest = _manifest(chunks, corpus_hashes or {}, embedder, chunker or ChunkerConfig(), embedded, started)
    return LoadedIndex(None, manifest, list(chunks), dense, bm25)


def build_index(
    chunks: list[Chunk],
    corpus_hashes: dict[str, str],
    embedder: NamedEmbeddings,
    chunker: ChunkerConfig,
    index_dir: Path,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 16,
    skipped: dict[str, str] | None = None,
) -> Manifest:
    """Embed and index the chunks, write them to index_dir atomically; return the manifest.

    Vectors of chunks already in the previous index (same embedded text, same embedder) are
    reused, so editing one paragraph re-embeds only its sentences. `skipped`: the source files
    that could not be read ({name: sha256}), recorded so that staleness checks know them.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    clean_leftovers(index_dir)
    if index_dir.exists() and any(index_dir.iterdir()) and not _is_ours(index_dir):
        raise IndexCorruptError(
            f"{index_dir} exists and is not an index (no {MANIFEST}); refusing to replace it. "
            "Choose an empty or new folder with --index-dir."
        )
    vectors, embedded = _embed(chunks, embedder, _previous_vectors(index_dir, embedder, chunks), progress, batch_size)
    dense, bm25 = _search_indexes(chunks, vectors, embedder.dim)
    manifest = _manifest(chunks, corpus_hashes, embedder, chunker, embedded, started, skipped)

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.parent / f"{BUILDING}{index_dir.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
        faiss.write_index(dense, str(tmp / DENSE))
        np.save(tmp / EMBEDDED, text_hashes(chunks))
        bm25.save(str(tmp / BM25_DIR))
        manifest["files"] = file_checksums(tmp)
        # The manifest goes last: a folder without one is never taken for a complete index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap_in(tmp, index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def file_checksums(index_dir: Path) -> dict[str, str]:
    """sha256 of every file under index_dir but the manifest, by relative path."""
    sums = {}
    for path in sorted(p for p in Path(index_dir).rglob("*") if p.is_file()):
        name = path.relative_to(index_dir).as_posix()
        if name != MANIFEST:
            sums[name] = bytes_sha256(path)
    return sums


def _is_ours(index_dir: Path) -> bool:
    """A folder holding our manifest or any of our index files (a manifest lost to damage
    leaves the folder ours, to be rebuilt; anything else in it makes it someone else's)."""
    names = {p.name for p in index_dir.iterdir()}
    return MANIFEST in names or (bool(names & set(INDEX_FILES)) and names <= {*INDEX_FILES, MANIFEST})


def _swap_in(new: Path, target: Path) -> None:
    old = target.parent / f"{PREVIOUS}{target.name}-{os.getpid()}"
    had_old = target.exists()
    if had_old:
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:  # Ctrl-C or an error between the two renames: put the old one back
        if had_old:
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers (an earlier build in this process) are done with
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clean_leftovers(index_dir: Path) -> list[Path]:
    """Remove what killed builds left beside index_dir: .building-* folders, and .previous-*
    ones (first putting a previous index back if a build died between its two renames).
    Folders of a build still running (its process alive) are left alone. Returns what was removed."""
    index_dir = Path(index_dir)
    if not index_dir.parent.is_dir():
        return []
    removed = []
    for prefix in (PREVIOUS, BUILDING):
        for folder in sorted(index_dir.parent.glob(f"{prefix}{index_dir.name}-*")):
            pid = folder.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if prefix == PREVIOUS and not (index_dir / MANIFEST).exists() and (folder / MANIFEST).exists():
                if index_dir.exists():
                    shutil.rmtree(index_dir)
                os.replace(folder, index_dir)  # the build died after moving the old index aside
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def text_hashes(chunks: list[Chunk]) -> np.ndarray:
    """A 64-bit hash of each chunk's embedded text, in index order."""
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(c.retrieval_text().encode("utf-8"), digest_size=8).digest(), "big")
            for c in chunks
        ],
        dtype=np.uint64,
    )


def _previous_vectors(index_dir: Path, embedder: NamedEmbeddings, chunks: list[Chunk]) -> dict[str, np.ndarray]:
    """The previous index's vectors of texts these chunks embed, by that text. An old vector is
    matched by the hash of the text it was embedded from, stored beside it: the text today's
    rules would make of the old chunk may differ (a table row now read with its header)."""
    try:
        old = load_index(index_dir, embedder.name, embedder.dim)
        held = np.load(Path(index_dir) / EMBEDDED)
    except Exception:  # no usable previous index, or one that did not record its texts: embed everything
        return {}
    where = {int(h): i for i, h in enumerate(held)}
    wanted = {c.retrieval_text(): int(h) for c, h in zip(chunks, text_hashes(chunks), strict=True)}
    return {text: old.dense.reconstruct(where[h]) for text, h in wanted.items() if h in where}


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of the index at index_dir, checked: missing, unreadable, of another format or
    missing a field, it raises (IndexMissingError, IndexCorruptError, IndexMismatchError)."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        if Path(index_dir).is_dir() and _is_ours(Path(index_dir)):
            raise IndexCorruptError(
                f"The index at {index_dir} has lost its {MANIFEST} (its other files are there). {rebuild_hint(index_dir)}"
            )
        raise IndexMissingError(f"No index at {index_dir}. {rebuild_hint(index_dir)}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"The index manifest {path} is unreadable ({exc}). {rebuild_hint(index_dir)}") from exc
    if not isinstance(data, dict):
        raise IndexCorruptError(f"The index manifest {path} is not a JSON object. {rebuild_hint(index_dir)}")
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"The index at {index_dir} has format {data.get('format_version')!r}; this code reads "
            f"format {FORMAT_VERSION}. {rebuild_hint(index_dir)}"
        )
    if bad := _bad_manifest_fields(data):
        raise IndexCorruptError(
            f"The index manifest {path} lacks or garbles {', '.join(bad)}. {rebuild_hint(index_dir)}"
        )
    return cast(Manifest, data)  # checked field by field above


# The manifest's fields and their JSON types (nested ones as "parent.child").
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "embedder": dict,
    "embedder.name": str,
    "embedder.dim": int,
    "chunker": dict,
    "tokenizer": str,
    "corpus": dict,
    "corpus.files": dict,
    "counts": dict,
    "files": dict,
    "dense": dict,
    "dense.type": str,
}


def _bad_manifest_fields(data: dict[str, Any]) -> list[str]:
    bad = []
    for name, kind in _MANIFEST_FIELDS.items():
        parent, _, child = name.partition(".")
        value = data.get(parent)
        if child:
            value = value.get(child) if isinstance(value, dict) else None
        if not isinstance(value, kind):
            bad.append(name)
    return bad


def verify_files(index_dir: Path, manifest: Manifest) -> None:
    """Raise IndexCorruptError unless every index file is there with the checksum the manifest
    records (a truncated or overwritten file can pass every other load check)."""
    expected = manifest["files"]
    if not expected:
        raise IndexCorruptError(f"The index manifest at {index_dir} lists no files. {rebuild_hint(index_dir)}")
    for name, digest in expected.items():
        path = Path(index_dir) / name
        if not path.is_file():
            raise IndexCorruptError(f"The index at {index_dir} lacks {name}. {rebuild_hint(index_dir)}")
        if bytes_sha256(path) != digest:
            raise IndexCorruptError(
                f"The index file {path} does not match its checksum (damaged or changed). {rebuild_hint(index_dir)}"
            )


def load_index(index_dir: Path, embedder_name: str, embedder_dim: int | None = None) -> LoadedIndex:
    """Load an index, refusing one built by another format or embedder, or whose files do not
    match the checksums of its manifest."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    built_by = manifest["embedder"]["name"]
    if built_by != embedder_name:
        raise IndexMismatchError(
            f"The index at {index_dir} was built with embedder {built_by!r}, but the configured embedder is "
            f"{embedder_name!r}. Vectors of different models cannot be compared. {rebuild_hint(index_dir)}"
        )
    verify_files(index_dir, manifest)
    try:
        chunks = _read_chunks(index_dir / CHUNKS)
        dense = faiss.read_index(str(index_dir / DENSE))
        if "ef_search" in manifest["dense"] and hasattr(dense, "hnsw"):
            dense.hnsw.efSearch = manifest["dense"]["ef_search"]
        bm25 = bm25s.BM25.load(str(index_dir / BM25_DIR))
    except Exception as exc:  # faiss raises RuntimeError, bm25s/json raise several types
        raise IndexCorruptError(
            f"The index at {index_dir} is damaged ({type(exc).__name__}: {exc}). {rebuild_hint(index_dir)}"
        ) from exc
    if dense.ntotal != len(chunks) or (embedder_dim is not None and dense.d != embedder_dim):
        raise IndexCorruptError(
            f"The index at {index_dir} is inconsistent ({dense.ntotal} vectors of dim {dense.d}, "
            f"{len(chunks)} chunks). {rebuild_hint(index_dir)}"
        )
    return LoadedIndex(index_dir, manifest, chunks, dense, bm25)


def chunk_from_json(line: str, shared: dict[Any, Any] | None = None) -> Chunk:
    """A Chunk from its chunks.jsonl line; with `shared`, equal field values (a source, heading,
    place or date repeated by many chunks) become one object kept in that dict."""
    data = json.loads(line)
    for key in ("places", "years"):  # JSON has lists; a frozen Chunk keeps tuples
        data[key] = tuple(data.get(key) or ())
    if shared is not None:
        for key in _SHARED_FIELDS & data.keys():
            data[key] = shared.setdefault(data[key], data[key])
    return Chunk(**data)


# Fields that many chunks repeat. Read one by one, a million chunks held ~1.1 KB each, most of it
# copies of the same source, heading and place strings (benchmarks/scale.py); shared, ~0.45 KB.
_SHARED_FIELDS = {"source", "start", "end", "article", "section", "places", "years", "date", "publisher", "url"}


def _read_chunks(path: Path) -> list[Chunk]:
    shared: dict[Any, Any] = {}
    with open(path, encoding="utf-8") as f:
        return [chunk_from_json(line, shared) for line in f if line.strip()]


def is_stale(manifest: Manifest, corpus_hashes: dict[str, str], chunker: ChunkerConfig) -> bool:
    """True when the corpus (every source file, by the sha256 of its bytes), the chunker settings
    or the tokenizer changed since the index was built."""
    return (
        corpus_seen(manifest) != corpus_hashes
        or manifest["chunker"] != chunker.as_dict()
        or manifest["tokenizer"] != TOKENIZER_NAME
    )
