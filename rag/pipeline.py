"""Wire the stages once: settings -> embedder -> index (built if missing or stale) -> retriever -> answerer.

Build a Pipeline at the entry point (app, CLI, evals) and reuse it for every
question; nothing here is rebuilt per request.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.answer import Answerer
from rag.conflicts import ConflictIndex, add_conflicts
from rag.embedders import NamedEmbeddings, make_embedder
from rag.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from rag.indexing import chunker_config, load_chunks, update
from rag.intake import Intake, take_in
from rag.llm import make_rephraser
from rag.loader import file_hashes
from rag.profile import Profile, load_profile
from rag.ready import ready_topics
from rag.retriever import HybridRetriever
from rag.settings import Settings
from rag.store import index_in_memory, is_stale
from rag.stores import Store, make_store
from rag.types import Answer, Chunk

log = logging.getLogger(__name__)


def ensure_index(settings: Settings, embedder: NamedEmbeddings, say: Callable[[str], object] = print) -> Store:
    """Open the configured store (rag/stores.py), building it first when it is missing, stale, or
    built by another embedder.

    A damaged index is rebuilt too: the corpus is the source of truth, the index only a cache.
    """
    backend = make_store(settings)
    backend.clean(settings)  # what killed builds left behind
    hashes = file_hashes([settings.corpus_dir])  # bytes only: no text is extracted unless a build is needed
    reason = ""
    try:
        manifest = backend.read_manifest(settings)
        if is_stale(manifest, hashes, chunker_config(settings)):
            reason = "the corpus or chunker settings changed since it was built"
        else:
            return backend.open(settings, embedder)
    except IndexMissingError:
        reason = "there is none yet"
    except (IndexMismatchError, IndexCorruptError) as exc:
        reason = str(exc).split(". Rebuild")[0]
    say(f"Building the index at {backend.location(settings)} ({reason}) ...")
    started = time.perf_counter()
    report = update([settings.corpus_dir], settings, embedder=embedder)
    for why in report.skipped.values():
        say(f"Skipped: {why}")
    say(f"Index built in {time.perf_counter() - started:.1f} s.")
    return backend.open(settings, embedder)


class AnswerCache:
    """The latest answers by (question, history): a kiosk's ready questions are asked again and again,
    and an answer depends only on them and the index, which a pipeline never changes. Thread-safe."""

    def __init__(self, size: int):
        self.size = size
        self._answers: OrderedDict[tuple[str, tuple[str, ...]], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, tuple[str, ...]]) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[str, tuple[str, ...]], answer: Answer) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


class CostlyLane:
    """At most `concurrency` costly requests (question + history over `chars` characters) answered at
    once; the rest wait up to `wait` seconds. Ordinary questions never wait here."""

    def __init__(self, chars: int, concurrency: int, wait: float):
        self.chars, self.wait = chars, wait
        self._slots = threading.BoundedSemaphore(concurrency)

    def costly(self, intake: Intake) -> bool:
        return len(intake.asked) + sum(map(len, intake.history)) > self.chars

    def enter(self, intake: Intake) -> bool:
        """True when the request may be answered now (a costly one holds a slot until leave())."""
        return not self.costly(intake) or self._slots.acquire(timeout=self.wait)

    def leave(self, intake: Intake) -> None:
        if self.costly(intake):
            self._slots.release()


@dataclass
class Pipeline:
    settings: Settings
    embedder: NamedEmbeddings
    index: Store
    retriever: HybridRetriever
    answerer: Answerer
    cache: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    conflicts: ConflictIndex | None = None  # figures by fact across documents (rag/conflicts.py)
    lane: CostlyLane = field(default_factory=lambda: CostlyLane(600, 1, 15.0))

    @property
    def chunks_by_id(self) -> dict[str, Chunk]:
        if not hasattr(self, "_chunks_by_id"):
            self._chunks_by_id = {c.id: c for c in self.index.chunks}
        return self._chunks_by_id

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
        pipeline.ask(pipeline.profile.example or "你好")
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
    def over(cls, settings: Settings, embedder: NamedEmbeddings, index: Store) -> Pipeline:
        """Retriever and answerer wired over a loaded index."""
        retriever = HybridRetriever(
            index=index,
            embedder=embedder,
            mode=settings.retriever,
            k=settings.top_k,
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
            max_chars=settings.max_search_chars,
        )
        profile = load_profile(settings.corpus_dir, index.chunks)
        rephraser = make_rephraser(settings)  # None: extractive only
        answerer = Answerer.build(retriever, settings, rephraser=rephraser, profile=profile)
        if not profile.topics:  # a folder without a profile: ready questions from its own figures
            topics = ready_topics(answerer, index.chunks, profile)
            example = profile.example or (topics[0].questions[0] if topics else "")
            answerer.profile = replace(profile, topics=topics, example=example)
        # only extractive answers are kept: an LLM's wording varies, and its server may recover from a fault
        cache = AnswerCache(settings.answer_cache_size if rephraser is None else 0)
        lane = CostlyLane(settings.costly_chars, settings.costly_concurrency, settings.costly_wait_seconds)
        return cls(settings, embedder, index, retriever, answerer, cache, ConflictIndex(index.chunks), lane)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        """Answer one question; whatever goes wrong inside, an Answer (reason "error") comes back.

        The input passes rag/intake.py first: cleaned, personal data removed, history bounded;
        what was removed or dropped is told in the answer's notices and at the end of its text.
        """
        started = time.perf_counter()
        intake = take_in(question, history, self.settings)
        key = (intake.asked, intake.history)
        answer = self.cache.get(key)
        if answer is None and not self.lane.enter(intake):
            answer = busy_answer(self.profile)
        elif answer is None:
            try:
                answer = self.answerer.answer(intake.asked, list(intake.history))
                if self.conflicts is not None:  # another document's different figure is quoted too
                    answer = add_conflicts(answer, self.chunks_by_id, self.conflicts)
                self.cache.put(key, answer)
            except Exception as exc:  # one question's failure must never end a batch or a server
                log.error("answering %r failed: %s: %s", intake.shown[:200], type(exc).__name__, exc)
                log.debug("answering failed", exc_info=True)
                answer = failed_answer(self.profile)
            finally:
                self.lane.leave(intake)
        notes = "".join(intake.notices)
        return replace(
            answer,
            question=intake.shown,
            text=f"{answer.text}{'（' + notes + '）' if notes else ''}",
            notices=intake.notices,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _apology(profile: Profile, text: str, backend: str) -> Answer:
    """An error reply: what happened and the hotline, no figure."""
    hotline = f"{profile.hotline}{profile.hotline_name}"
    return Answer(question="", text=f"{text}，或拨打{hotline}。", refused=True, reason="error", backend=backend)


def busy_answer(profile: Profile) -> Answer:
    """The reply to a costly request that waited its whole budget for the costly lane."""
    return _apology(profile, "现在提问的人较多，这个较长的问题暂时没能处理，请精简后再问", "busy")


def failed_answer(profile: Profile) -> Answer:
    """The reply when answering raised: an apology and the hotline, no figure."""
    return _apology(profile, "抱歉，回答这个问题时出了错，请换个说法再问", "error")
