"""Load test: N residents ask at the same moment through gradio_client.

    python benchmarks/load.py                      # start `python app.py` on a free port
    python benchmarks/load.py --url http://127.0.0.1:7860/   # or hit a running app
    python benchmarks/load.py --clients 20 --questions 5

Each client connects first; then all of them fire together (a barrier) and each asks
--questions questions one after another. Prints succeeded/failed and latency percentiles.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
ROOT = Path(__file__).resolve().parents[1]  # the checkout, whose app.py is started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(kiosk: bool = False) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port, in its own process (clients here don't steal its GIL)."""
    port = free_port()
    env = {**os.environ, "MINSHENG_FEEDBACK_DB": str(Path(tempfile.mkdtemp()) / "feedback.sqlite3")}
    args = [sys.executable, str(ROOT / "app.py"), "--port", str(port)] + (["--kiosk"] if kiosk else [])
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}: {proc.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}/"
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("app.py did not start listening within 120 s")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def run(url: str, clients: int, questions: int) -> dict:
    from gradio_client import Client

    from rag.profile import load_profile
    from rag.settings import Settings

    settings = Settings()
    profile = load_profile(settings.corpus_dir, [])
    pool = [q for t in profile.topics for q in t.questions] or [profile.example or "有多少家养老机构？"]
    latencies: list[float] = []
    compute: list[float] = []  # the pipeline's own time per answer (Answer.latency_ms)
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def resident(i: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:
            with lock:
                failures.extend([f"connect: {exc!r}"] * questions)
            barrier.abort()
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=120)
        for j in range(questions):
            question = pool[(i * questions + j) % len(pool)]
            started = time.perf_counter()
            try:
                result = client.predict(question, [], api_name="/ask")
                ok = isinstance(result, dict) and result.get("answer")
                error = None if ok else f"empty answer for {question}"
            except Exception as exc:
                error = f"{question}: {exc!r}"
            elapsed = time.perf_counter() - started
            with lock:
                if error:
                    failures.append(error)
                else:
                    latencies.append(elapsed)
                    compute.append(float(result.get("latency_ms") or 0))

    threads = [threading.Thread(target=resident, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"latencies": latencies, "compute": compute, "failures": failures, "wall": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app; default: start one in-process")
    parser.add_argument("--clients", type=int, default=20, help="simultaneous residents (default 20)")
    parser.add_argument("--questions", type=int, default=5, help="questions each resident asks in a row (default 5)")
    args = parser.parse_args(argv)

    app, url = (None, args.url) if args.url else start_app()
    try:
        run(url, 1, 3)  # warm-up: the first answers pay one-off loading
        result = run(url, args.clients, args.questions)
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=20)

    lat = result["latencies"]
    total = args.clients * args.questions
    print(f"{args.clients} clients x {args.questions} questions against {url} ({os.cpu_count()} CPUs)")
    print(f"succeeded: {len(lat)}/{total}   failed: {len(result['failures'])}")
    if lat:
        ms = [x * 1000 for x in lat]
        print(
            f"latency ms: p50 {percentile(ms, 50):.0f}   p95 {percentile(ms, 95):.0f}   "
            f"max {max(ms):.0f}   mean {statistics.mean(ms):.0f}"
        )
        print(
            f"pipeline compute per answer ms: p50 {percentile(result['compute'], 50):.0f}   mean {statistics.mean(result['compute']):.0f}"
        )
        print(f"wall: {result['wall']:.1f} s   throughput: {len(lat) / result['wall']:.1f} answers/s")
    for failure in result["failures"][:5]:
        print("  failed:", failure)
    return 0 if not result["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
