"""Speed and memory of the pipeline, printed as figures (not asserted: a busy machine must not fail CI).

  .venv/bin/python benchmarks/latency.py [--rounds 3]

Builds the index into a temporary folder (cold, every chunk embedded), loads the pipeline,
then times retrieval and whole answers over every question of evals/questions.jsonl.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from evals.dataset import QUESTIONS
from rag.indexing import ingest
from rag.pipeline import Pipeline
from rag.settings import Settings


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8")]

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        manifest = ingest([settings.corpus_dir], settings)
        build_s = time.perf_counter() - started

        started = time.perf_counter()
        pipeline = Pipeline.load(settings, say=lambda msg: None)
        load_s = time.perf_counter() - started

        search_ms, answer_ms = [], []
        for _ in range(args.rounds):
            for q in questions:
                t = time.perf_counter()
                pipeline.retriever.search(q["question"])
                search_ms.append((time.perf_counter() - t) * 1000)
                answer_ms.append(pipeline.ask(q["question"], q["history"]).latency_ms)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index build (cold, {manifest['counts']['chunks']} chunks): {build_s:.1f} s")
    print(f"pipeline load (index on disk, warm-up included): {load_s:.1f} s")
    print(
        f"search  p50 {statistics.median(search_ms):6.1f} ms   p95 {pct(search_ms, 95):6.1f} ms   (n={len(search_ms)})"
    )
    print(
        f"answer  p50 {statistics.median(answer_ms):6.1f} ms   p95 {pct(answer_ms, 95):6.1f} ms   (n={len(answer_ms)})"
    )
    print(f"peak memory (RSS): {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
