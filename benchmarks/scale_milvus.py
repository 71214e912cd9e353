"""benchmarks/scale.py's corpora on the Milvus store (Milvus Lite, embedded): figures, not asserts.

  .venv/bin/python benchmarks/scale_milvus.py [--sizes 10000,100000] [--queries 100]

The same generated chunks and vectors as benchmarks/scale.py (real sentences under many places
and years, e5 vectors of the base sentences moved towards a place and a year), built through
the Milvus backend (rag/store_milvus.py: one collection, dense vectors FLAT below 50k chunks
and HNSW past it as for FAISS, BM25 over jieba, metadata as scalar fields), then served in a
fresh process the way the app serves it (MINSHENG_MILVUS_URI=<folder>/milvus.db: Milvus Lite
inside the app's process, so its RSS counts Milvus too). Prints build time, bytes on disk,
load time, serving RSS, retrieval and answer p50/p95 and recall@10 of Milvus's dense search
against exact search, in the same table as benchmarks/scale.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scale import (
    E5_NAME,
    PLACES,
    ROOT,
    Precomputed,
    _normalise,
    _rss_mb,
    base_chunks,
    cached_vectors,
    generate,
    print_table,
    run_sizes,
    time_questions,
)


def _settings(folder: Path):
    from rag.settings import Settings

    # no profile.toml there: the profile (places covered) comes from the generated chunks
    return Settings(index_dir=folder / "index", corpus_dir=folder, milvus_uri=str(folder / "milvus.db"))


def build(n: int, folder: Path, chunks, base, places, years) -> dict:
    from rag.chunker import ChunkerConfig
    from rag.store_milvus import MilvusBackend, close_client

    generated, vectors = generate(n, chunks, base, places, years)
    embedder = Precomputed([c.retrieval_text() for c in generated], vectors, E5_NAME, 384)
    started = time.perf_counter()
    manifest = MilvusBackend().build(generated, {"scale": str(n)}, embedder, ChunkerConfig(), _settings(folder))  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    np.save(folder / "vectors.npy", vectors)
    close_client(str(folder / "milvus.db"))  # Milvus Lite holds its folder: free it for the serving process
    size = sum(p.stat().st_size for p in (folder / "milvus.db").rglob("*") if p.is_file())
    return {"chunks": n, "build_s": round(seconds, 1), "disk_mb": round(size / 1e6, 1), "dense": manifest["dense"]}


def _build_in(n: int, folder: Path, chunks, base, places, years) -> tuple[Path, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    return folder, build(n, folder, chunks, base, places, years)


def serve(folder: Path, n_queries: int) -> dict:
    """In a fresh process: open the collection and the pipeline as the app does; time and measure."""
    import faiss

    from rag.embedders import make_embedder
    from rag.pipeline import Pipeline
    from rag.store_milvus import MilvusBackend

    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "questions.jsonl").open(encoding="utf-8")]
    chunks = base_chunks()
    _, places, years, qvecs = cached_vectors(chunks, questions)
    settings = _settings(folder)
    embedder = make_embedder("e5", settings.num_threads)
    started = time.perf_counter()
    store = MilvusBackend().open(settings, embedder)
    pipeline = Pipeline.over(settings, embedder, store)
    load_s = time.perf_counter() - started
    pipeline.ask(questions[0])  # warm-up (jieba)
    rss_mb = _rss_mb()

    rng = np.random.default_rng(1)
    picks = rng.choice(len(questions), size=min(n_queries, len(questions)), replace=False)
    timed = time_questions(pipeline, questions, picks, rng, len(store.chunks), len(chunks))

    # recall@10 of Milvus's dense search against exact search, on the same vectors
    vectors = np.load(folder / "vectors.npy")
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    moved = _normalise(qvecs[picks] + 0.35 * places[rng.integers(len(PLACES), size=len(picks))] + 0.2 * years[0])
    _, truth = exact.search(moved, 10)
    ids = {c.id: int(c.id, 16) for c in store.chunks}  # generated ids are the row numbers in hex
    params = store._dense_params()
    recalls, dense_ms = [], []
    for q, want in zip(moved, truth, strict=True):
        t = time.perf_counter()
        found = store.client.search(
            store.collection,
            data=[q.tolist()],
            anns_field="dense",
            limit=10,
            search_params={"metric_type": "IP", "params": params},
        )[0]
        dense_ms.append((time.perf_counter() - t) * 1000)
        recalls.append(len({ids[h["id"]] for h in found} & set(want.tolist())) / 10)
    return {
        "load_s": round(load_s, 1),
        "rss_mb": round(rss_mb),
        **timed,
        "recall_at_10": round(float(np.mean(recalls)), 4),
        "dense_search_p50_ms": round(statistics.median(dense_ms), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--queries", type=int, default=100, help="questions timed per size")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep the collections")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve, args.queries)))
        return 0

    root = args.keep or Path(tempfile.mkdtemp(prefix="scale-milvus-"))
    rows = run_sizes(args, __file__, _build_in, root)
    print_table(rows, "Milvus dense", dense_column=lambda r: r["dense_search_p50_ms"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
