"""Sources -> index: load, chunk, embed and write the index in one call.

The library side of `python -m rag.ingest` / `minsheng ingest`; the pipeline calls it
too when the index is missing or stale. Nothing here parses arguments or prints.

An update compares the sources with the index it replaces by content hash: documents
are added, changed, removed or kept, and only sentences whose embedded text is new are
embedded (rag.store reuses the others' vectors). Files that cannot be read are skipped
and reported; the rest is indexed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from rag.chunker import ChunkerConfig, chunk_paragraphs
from rag.embedders import NamedEmbeddings, make_embedder
from rag.errors import CorpusError, RagError
from rag.loader import Corpus, read_corpus
from rag.settings import Settings
from rag.store import Manifest
from rag.stores import make_store
from rag.types import Chunk, Paragraph


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(settings.chunk_sentences, settings.chunk_max_chars)


def load_chunks(paths: list[Path], config: ChunkerConfig) -> tuple[list[Chunk], dict[str, str]]:
    """The chunks of the given sources and each file's sha256; a CorpusError when there is nothing to index."""
    chunks, corpus = _chunks(paths, config)
    return chunks, corpus.hashes


def _chunks(paths: list[Path], config: ChunkerConfig) -> tuple[list[Chunk], Corpus]:
    corpus = read_corpus(paths)
    chunks = chunk_paragraphs(corpus.paragraphs, config)
    if not chunks:
        raise CorpusError(f"No sentences to index in {', '.join(map(str, paths))}.")
    return chunks, corpus


@dataclass(frozen=True)
class IngestReport:
    """What an update did, document by document (names as cited), and what it could not read."""

    manifest: Manifest
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)  # file -> why
    previous_chunks: int = 0  # chunks of the index this one replaced (0 if none)
    paragraphs: list[Paragraph] = field(default_factory=list, repr=False)  # what was read, for rag.inventory
    chunks: list[Chunk] = field(default_factory=list, repr=False)

    @property
    def dropped_chunks(self) -> int:
        """Chunks of the previous index whose text is gone (from removed or changed documents)."""
        return max(0, self.previous_chunks - self.manifest["counts"]["reused"])

    def lines(self) -> list[str]:
        """The report as printed by `minsheng ingest`."""
        out = [
            f"Update by content hash: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.kept)} kept."
        ]
        for label, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            out += [f"  {label}: {name}" for name in names]
        counts = self.manifest["counts"]
        out.append(f"Chunks: {counts['embedded']} embedded, {counts['reused']} reused, {self.dropped_chunks} removed.")
        out += [f"  skipped: {why}" for why in self.skipped.values()]
        return out


def _previous(settings: Settings) -> tuple[dict[str, str], int]:
    """The indexed documents' hashes and the chunk count of the configured store's index, if readable."""
    try:
        manifest = make_store(settings).read_manifest(settings)
    except RagError:  # none, damaged or of another format: every document counts as added
        return {}, 0
    return dict(manifest["corpus"]["files"]), manifest["counts"]["chunks"]


def update(
    paths: list[Path],
    settings: Settings,
    embedder: NamedEmbeddings | None = None,
    show_progress: bool = False,
) -> IngestReport:
    """Bring the index at settings.index_dir in line with the given sources; say what changed.

    Only new or changed sentences are embedded. The new index is swapped in whole when it is
    complete, so an interrupted update leaves the previous one serving.
    """
    config = chunker_config(settings)
    chunks, corpus = _chunks(paths, config)
    old, previous_chunks = _previous(settings)
    embedder = embedder or make_embedder(settings.embedder, settings.num_threads)
    with tqdm(total=len(chunks), desc="Embedding", unit="chunk", disable=not show_progress, file=sys.stderr) as bar:
        manifest = make_store(settings).build(
            chunks,
            corpus.hashes,
            embedder,
            config,
            settings,
            progress=bar.update,
            skipped=corpus.skipped_hashes,
        )
    new = corpus.hashes
    return IngestReport(
        manifest,
        added=tuple(n for n in new if n not in old),
        changed=tuple(n for n in new if n in old and old[n] != new[n]),
        removed=tuple(n for n in old if n not in new),
        kept=tuple(n for n in new if old.get(n) == new[n]),
        skipped=dict(corpus.skipped),
        previous_chunks=previous_chunks,
        paragraphs=corpus.paragraphs,
        chunks=chunks,
    )


def ingest(
    paths: list[Path],
    settings: Settings,
    embedder: NamedEmbeddings | None = None,
    show_progress: bool = False,
) -> Manifest:
    """Load, chunk, embed and index the given sources; return the new manifest."""
    return update(paths, settings, embedder, show_progress).manifest
