"""A running app picks up a new index without a restart.

LivePipeline holds the pipeline the app serves and swaps it whole: the new index is
loaded (its checksums verified) and wired into a new retriever and answerer beside the
old one, and only then is one reference replaced. A question reads that reference once,
so it is answered entirely by the old pipeline or entirely by the new one, never a mix;
the old one is freed when its last question is done. A reload that fails (an index
half-written, damaged or of another embedder) is reported and the old index keeps serving.

Reloads happen when the index's manifest changes (polled every `reload_seconds`) or on
SIGHUP (`kill -HUP <pid>`, wired in rag/serve.py). While a reload runs, both indexes are
in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.stores import make_store
from rag.types import Answer


class LivePipeline:
    """The served pipeline, swapped atomically when a new index appears; otherwise a Pipeline."""

    def __init__(self, pipeline: Pipeline, say: Callable[[str], object] = print):
        self._current = pipeline
        self._say = say
        self._reloading = threading.Lock()  # one reload at a time
        self._backend = make_store(pipeline.settings)
        self._stamp = self._backend.stamp(pipeline.settings)
        self._stop = threading.Event()
        self.reloads = 0

    @property
    def current(self) -> Pipeline:
        return self._current

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        pipeline = self._current  # read once: the whole answer comes from this pipeline
        return pipeline.ask(question, history)

    def __getattr__(self, name: str):  # settings, profile, index, retriever...: the current pipeline's
        return getattr(self._current, name)

    def reload(self, force: bool = False) -> bool:
        """Swap in the index on disk if its manifest changed (or always, with force); True if swapped."""
        with self._reloading:
            old = self._current
            stamp = self._backend.stamp(old.settings)
            if not stamp or (stamp == self._stamp and not force):
                return False
            try:
                index = self._backend.open(old.settings, old.embedder)
                new = Pipeline.over(old.settings, old.embedder, index)
            except RagError as exc:  # half-written, damaged, another embedder: keep serving the old one
                self._say(f"Index reload skipped, the previous index keeps serving: {exc}")
                return False
            if self._backend.stamp(old.settings) != stamp:
                return False  # replaced again while loading: the next check takes the newer one
            self._current = new  # the swap: one reference assignment
            self._stamp = stamp
            self.reloads += 1
            counts = index.manifest["counts"]
            self._say(f"Index reloaded: {counts['chunks']} chunks from {counts['files']} file(s).")
            return True

    def watch(self, interval: float) -> threading.Thread:
        """Check the manifest every `interval` seconds in a daemon thread, until stop()."""

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.reload()
                except Exception as exc:  # never let the watcher die silently
                    self._say(f"Index reload failed ({type(exc).__name__}: {exc}); the previous index keeps serving.")

        thread = threading.Thread(target=loop, name="index-reload", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
