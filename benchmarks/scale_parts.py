"""Where serving memory and retrieval time go, on an index kept by scale.py (figures, not asserts).

  .venv/bin/python benchmarks/scale.py --sizes 1000000 --keep /tmp/scale
  .venv/bin/python benchmarks/scale_parts.py /tmp/scale/n1000000/index [--queries 60]

Memory: the process's RSS after each part is loaded, as the app loads them (imports, the e5
model, jieba's dictionary, the chunks, FAISS, BM25, the profile, the answerer's place, year and
term indexes, the ready questions, the conflict index). Time: per question, each stage of a
search on its own (the e5 query embedding; FAISS over all chunks and within the place and year
asked; BM25 likewise; the place and year lookup; the whole search; the whole answer).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Memory:
    def __init__(self) -> None:
        self.parts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._last = _rss_mb()

    def part(self, name: str, load: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = load()
        self.seconds[name] = round(time.perf_counter() - started, 1)
        gc.collect()
        now = _rss_mb()
        self.parts[name] = round(now - self._last)
        self._last = now
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path, help="an index folder kept by scale.py --keep")
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    memory = Memory()
    memory.part("imports", lambda: __import__("rag.pipeline"))
    import bm25s
    import faiss
    from scale import PLACES, ROOT, YEARS, base_chunks, variant

    from rag.answer import Answerer
    from rag.conflicts import ConflictIndex
    from rag.embedders import NamedEmbeddings, make_embedder
    from rag.profile import load_profile
    from rag.question import analyse
    from rag.ready import ready_topics
    from rag.retriever import HybridRetriever
    from rag.settings import Settings
    from rag.store import BM25_DIR, CHUNKS, DENSE, LoadedIndex, _read_chunks, read_manifest
    from rag.tokens import ensure_initialised

    folder: Path = args.index
    settings = Settings(index_dir=folder, corpus_dir=folder.parent)
    e5 = memory.part("e5 model", lambda: make_embedder("e5", settings.num_threads))
    e5.embed_question("你好")
    memory.part("jieba dictionary", ensure_initialised)
    manifest = read_manifest(folder)
    chunks = memory.part("chunks", lambda: _read_chunks(folder / CHUNKS))
    dense = memory.part("FAISS", lambda: faiss.read_index(str(folder / DENSE)))
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = manifest["dense"]["ef_search"]
    bm25 = memory.part("BM25", lambda: bm25s.BM25.load(str(folder / BM25_DIR)))
    index = LoadedIndex(folder, manifest, chunks, dense, bm25)

    def retriever(embedder: NamedEmbeddings) -> HybridRetriever:
        return HybridRetriever(
            index=index, embedder=embedder, k=settings.top_k, candidates=settings.candidates, rrf_k=settings.rrf_k
        )

    profile = memory.part("profile", lambda: load_profile(folder.parent, chunks))
    answerer = memory.part("answerer indexes", lambda: Answerer.build(retriever(e5), settings, profile=profile))
    memory.part("ready questions", lambda: ready_topics(answerer, chunks, profile))
    memory.part("conflict index", lambda: ConflictIndex(chunks))
    print(json.dumps({"rss_mb": {**memory.parts, "total": round(_rss_mb())}, "load_s": memory.seconds}))

    class Given(NamedEmbeddings):
        """The question's vector, embedded beforehand: times the searches without the embedding."""

        def __init__(self) -> None:
            self.name, self.dim, self.vector = e5.name, e5.dim, np.zeros(e5.dim, dtype=np.float32)

        def embed_question(self, text: str) -> np.ndarray:
            return self.vector

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise NotImplementedError

        def embed_query(self, text: str) -> list[float]:
            raise NotImplementedError

    given = Given()
    searches, full = retriever(given), retriever(e5)
    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").open(encoding="utf-8")]
    n_base = len(base_chunks())
    rng = np.random.default_rng(1)
    times: dict[str, list[float]] = {}

    def timed(stage: str, run: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = run()
        times.setdefault(stage, []).append((time.perf_counter() - started) * 1000)
        return out

    for j in rng.choice(len(questions), size=min(args.queries, len(questions)), replace=False):
        _, place, year = variant(int(rng.integers(dense.ntotal)), n_base)  # as scale.py asks
        asked = questions[j].replace("郑州", PLACES[place])
        q = f"{YEARS[year]}年" + (asked if PLACES[place] in asked else PLACES[place] + asked)
        given.vector = timed("e5 query embedding", lambda q=q: e5.embed_question(q))
        allowed = timed("place/year lookup", lambda q=q: answerer.allowed(analyse(q, lexicon=answerer.lexicon)))
        timed("FAISS, all chunks", lambda q=q: searches.dense_scores(q))
        timed("FAISS, place and year", lambda q=q, a=allowed: searches.dense_scores(q, a))
        timed("BM25, all chunks", lambda q=q: searches.bm25_scores(q))
        timed("BM25, place and year", lambda q=q, a=allowed: searches.bm25_scores(q, a))
        timed("search, all chunks", lambda q=q: full.search(q))
        timed("search, place and year", lambda q=q, a=allowed: full.search(q, allowed=a))
        timed("answer", lambda q=q: answerer.answer(q))
    print(
        json.dumps(
            {
                stage: {"p50": round(statistics.median(v), 1), "p95": round(sorted(v)[int(0.95 * (len(v) - 1))], 1)}
                for stage, v in times.items()
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
