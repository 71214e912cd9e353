"""Sources -> index: load, chunk, embed and write the index in one call.

The library side of `python -m rag.ingest` / `minsheng ingest`; the pipeline calls it
too when the index is missing or stale. Nothing here parses arguments or prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from rag.chunker import ChunkerConfig, chunk_paragraphs
from rag.embedders import NamedEmbeddings, make_embedder
from rag.errors import CorpusError
from rag.loader import load_corpus
from rag.settings import Settings
from rag.store import Manifest, build_index
from rag.types import Chunk


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(settings.chunk_sentences, settings.chunk_max_chars)


def load_chunks(paths: list[Path], config: ChunkerConfig) -> tuple[list[Chunk], dict[str, str]]:
    """The chunks of the given sources and each file's sha256; a CorpusError when there is nothing to index."""
    paragraphs, hashes = load_corpus(paths)
    chunks = chunk_paragraphs(paragraphs, config)
    if not chunks:
        raise CorpusError(f"No sentences to index in {', '.join(map(str, paths))}.")
    return chunks, hashes


def ingest(
    paths: list[Path],
    settings: Settings,
    embedder: NamedEmbeddings | None = None,
    show_progress: bool = False,
) -> Manifest:
    """Load, chunk, embed and index the given sources; return the new manifest."""
    config = chunker_config(settings)
    chunks, hashes = load_chunks(paths, config)
    embedder = embedder or make_embedder(settings.embedder, settings.num_threads)
    with tqdm(total=len(chunks), desc="Embedding", unit="chunk", disable=not show_progress, file=sys.stderr) as bar:
        return build_index(chunks, hashes, embedder, config, settings.index_dir, progress=bar.update)
