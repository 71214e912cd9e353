"""Load test: N residents ask at the same moment through the /ask endpoint's HTTP API.

    python benchmarks/load.py                      # start `python app.py` on a free port
    python benchmarks/load.py --url http://127.0.0.1:7860/   # or hit a running app
    python benchmarks/load.py --clients 100 --questions 5 --costly 10
    python benchmarks/load.py --root /path/to/other/checkout   # the same load on another version

Each client is a thread with plain HTTP calls (POST /gradio_api/call/ask, then read the event
stream), light enough that 100 of them leave the CPU to the server; all of them fire together
(a barrier) and each asks
--questions questions one after another. Prints succeeded/failed and latency percentiles.
With --costly N, a second phase: N clients keep sending the costliest valid request (issue 12:
a 487-character question with ten 487-character history items) while one resident asks
ordinary questions; prints that resident's p50/p95.

The app started here has no per-client rate limit (MINSHENG_RATE_LIMIT_PER_MINUTE=0): every
client of this script shares one address, which the limiter would rightly throttle.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchkit import free_port

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
ROOT = Path(__file__).resolve().parents[1]  # the checkout, whose app.py is started


def start_app(kiosk: bool = False, root: Path = ROOT, cache: bool = True) -> tuple[subprocess.Popen, str]:
    """`python app.py` of a checkout on a free port, in its own process (clients here don't steal its GIL)."""
    port = free_port()
    env = {
        **os.environ,
        "MINSHENG_FEEDBACK_DB": str(Path(tempfile.mkdtemp()) / "feedback.sqlite3"),
        "MINSHENG_RATE_LIMIT_PER_MINUTE": "0",
        "PYTHONPATH": str(root),
        **({} if cache else {"MINSHENG_ANSWER_CACHE_SIZE": "0"}),
    }
    args = [sys.executable, str(root / "app.py"), "--port", str(port)] + (["--kiosk"] if kiosk else [])
    proc = subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}: {proc.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}/"
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("app.py did not start listening within 300 s")


class AskClient:
    """One resident: the documented two-step HTTP API of a Gradio endpoint, no gradio_client threads."""

    def __init__(self, url: str, timeout: float = 300):
        self.base = url.rstrip("/") + "/gradio_api/call/ask"
        self.timeout = timeout

    def predict(self, question: str, history: list[str], api_name: str = "/ask") -> dict:
        body = json.dumps({"data": [question, history]}).encode()
        request = urllib.request.Request(self.base, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            event_id = json.loads(response.read())["event_id"]
        with urllib.request.urlopen(f"{self.base}/{event_id}", timeout=self.timeout) as stream:
            event = ""
            for raw in stream:
                line = raw.decode("utf-8").strip()
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "complete":
                    return json.loads(line.split(":", 1)[1])[0]
                elif line.startswith("data:") and event == "error":
                    raise RuntimeError(f"server error: {line}")
        raise RuntimeError("the event stream ended without an answer")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def run(url: str, clients: int, questions: int) -> dict:
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
            client = AskClient(url)
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


COSTLY_ITEM = ("郑州有多少家养老机构和社区照料中心，护理型床位占比多少，" * 20)[:487]


def costly_phase(url: str, costly: int, ordinary: int) -> dict:
    """`costly` clients loop the costliest valid request while one resident asks `ordinary` questions."""
    stop = threading.Event()
    costly_latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def attacker() -> None:
        client = AskClient(url)
        while not stop.is_set():
            started = time.perf_counter()
            # a fresh question each time (random characters at the end): no cache can answer it
            tail = "".join(chr(0x4E00 + random.randrange(0x5000)) for _ in range(8))
            try:
                client.predict(COSTLY_ITEM[:-8] + tail, [COSTLY_ITEM] * 10, api_name="/ask")
            except Exception as exc:
                with lock:
                    errors.append(f"costly: {exc!r}")
                continue
            with lock:
                costly_latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=attacker) for _ in range(costly)]
    for t in threads:
        t.start()
    time.sleep(3)  # let the costly requests fill the queue first
    resident = AskClient(url)
    ordinary_latencies = []
    for i in range(ordinary):
        started = time.perf_counter()
        try:
            result = resident.predict("郑州有多少家养老机构？", [], api_name="/ask")
            if not result.get("answer"):
                errors.append("ordinary: empty answer")
        except Exception as exc:
            errors.append(f"ordinary {i}: {exc!r}")
            continue
        ordinary_latencies.append(time.perf_counter() - started)
    stop.set()
    for t in threads:
        t.join()
    return {"ordinary": ordinary_latencies, "costly": costly_latencies, "failures": errors}


def _ms(values: list[float]) -> str:
    ms = [x * 1000 for x in values]
    return f"p50 {percentile(ms, 50):.0f} ms   p95 {percentile(ms, 95):.0f} ms   max {max(ms):.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app; default: start one in-process")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose app.py is started (default: this one)"
    )
    parser.add_argument("--clients", type=int, default=100, help="simultaneous residents (default 100)")
    parser.add_argument("--questions", type=int, default=5, help="questions each resident asks in a row (default 5)")
    parser.add_argument(
        "--costly", type=int, default=10, help="clients sending the costliest valid request (default 10; 0: skip)"
    )
    parser.add_argument("--ordinary", type=int, default=20, help="ordinary questions asked meanwhile (default 20)")
    parser.add_argument("--no-cache", action="store_true", help="start the app with its answer cache off")
    args = parser.parse_args(argv)

    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    app, url = (None, args.url) if args.url else start_app(root=args.root, cache=not args.no_cache)
    try:
        run(url, 1, 3)  # warm-up: the first answers pay one-off loading
        result = run(url, args.clients, args.questions)
        costly = costly_phase(url, args.costly, args.ordinary) if args.costly else None
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=20)

    lat = result["latencies"]
    total = args.clients * args.questions
    print(f"{args.clients} clients x {args.questions} questions against {url} ({os.cpu_count()} CPUs)")
    print(f"succeeded: {len(lat)}/{total}   failed: {len(result['failures'])}")
    if lat:
        print(f"latency: {_ms(lat)}   mean {statistics.mean(lat) * 1000:.0f} ms")
        print(
            f"pipeline compute per answer ms: p50 {percentile(result['compute'], 50):.0f}   mean {statistics.mean(result['compute']):.0f}"
        )
        print(f"wall: {result['wall']:.1f} s   throughput: {len(lat) / result['wall']:.1f} answers/s")
    failures = list(result["failures"])
    if costly is not None:
        print(
            f"{args.costly} clients sending the costliest valid request; one resident asking {args.ordinary} ordinary questions:"
        )
        if costly["ordinary"]:
            print(f"  ordinary question: {_ms(costly['ordinary'])}")
        if costly["costly"]:
            print(f"  costly request ({len(costly['costly'])} answered): {_ms(costly['costly'])}")
        failures += costly["failures"]
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for failure in failures[:5]:
        print("  failed:", failure)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
