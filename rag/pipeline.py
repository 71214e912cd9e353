"""Wire the stages once: settings -> embedder -> index (built if missing or stale) -> retriever -> answerer.

Build a Pipeline at the entry point (app, CLI, evals) and reuse it for every
question; nothing here is rebuilt per request.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.answer import Answerer
from rag.embedders import NamedEmbeddings, make_embedder
from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from rag.indexing import chunker_config, load_chunks, update
from rag.llm import make_rephraser
from rag.loader import file_hashes
from rag.profile import Profile, load_profile
from rag.retriever import HybridRetriever
from rag.settings import Settings
from rag.store import LoadedIndex, clean_leftovers, index_in_memory, is_stale, load_index, read_manifest
from rag.types import Answer


def ensure_index(settings: Settings, embedder: NamedEmbeddings, say: Callable[[str], object] = print) -> LoadedIndex:
    """Load the index, building it first when it is missing, stale, or built by another embedder.

    A damaged index is rebuilt too: the corpus is the source of truth, the index only a cache.
    """
    clean_leftovers(settings.index_dir)  # what killed builds left behind
    hashes = file_hashes([settings.corpus_dir])  # bytes only: no text is extracted unless a build is needed
    reason = ""
    try:
        manifest = read_manifest(settings.index_dir)
        if is_stale(manifest, hashes, chunker_config(settings)):
            reason = "the corpus or chunker settings changed since it was built"
        else:
            return load_index(settings.index_dir, embedder.name, embedder.dim)
    except IndexMissingError:
        reason = "there is none yet"
    except (IndexMismatchError, IndexCorruptError) as exc:
        reason = str(exc).split(". Rebuild")[0]
    say(f"Building the index at {settings.index_dir} ({reason}) ...")
    started = time.perf_counter()
    report = update([settings.corpus_dir], settings, embedder=embedder)
    for why in report.skipped.values():
        say(f"Skipped: {why}")
    say(f"Index built in {time.perf_counter() - started:.1f} s.")
    return load_index(settings.index_dir, embedder.name, embedder.dim)


@dataclass
class Pipeline:
    settings: Settings
    embedder: NamedEmbeddings
    index: LoadedIndex
    retriever: HybridRetriever
    answerer: Answerer

    @property
    def profile(self) -> Profile:
        return self.answerer.profile

    @classmethod
    def load(cls, settings: Settings | None = None, say: Callable[[str], object] | None = None) -> Pipeline:
        """The pipeline the settings describe, over the index on disk (built first if missing or stale)."""
        settings = settings or Settings()
        say = say or (lambda msg: print(msg, file=sys.stderr))
        embedder = make_embedder(settings.embedder, settings.num_threads)
        pipeline = cls.over(settings, embedder, ensure_index(settings, embedder, say))
        # pays jieba's dictionary load now, not on a resident's first question
        pipeline.ask(pipeline.profile.example or "有多少家养老机构？")
        return pipeline

    @classmethod
    def in_memory(cls, settings: Settings | None = None, paths: list[Path] | None = None) -> Pipeline:
        """The same pipeline over an index built in memory from `paths` (default: the corpus), never
        written: for tests and one-off runs (with MINSHENG_EMBEDDER=hash, no model is loaded)."""
        settings = settings or Settings()
        embedder = make_embedder(settings.embedder, settings.num_threads)
        config = chunker_config(settings)
        chunks, hashes = load_chunks(paths or [settings.corpus_dir], config)
        return cls.over(settings, embedder, index_in_memory(chunks, embedder, config, hashes))

    @classmethod
    def over(cls, settings: Settings, embedder: NamedEmbeddings, index: LoadedIndex) -> Pipeline:
        """Retriever and answerer wired over a loaded index."""
        retriever = HybridRetriever(
            index=index,
            embedder=embedder,
            mode=settings.retriever,
            k=settings.top_k,
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
        )
        profile = load_profile(settings.corpus_dir, index.chunks)
        rephraser = make_rephraser(settings)  # None: extractive only
        answerer = Answerer.build(retriever, settings, rephraser=rephraser, profile=profile)
        return cls(settings, embedder, index, retriever, answerer)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        return self.answerer.answer(question, list(history))
