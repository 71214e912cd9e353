"""The optional LLM backend against a real OpenAI-compatible HTTP server.

A stdlib server on 127.0.0.1 plays the LLM: each test sets what it replies (or that it
is slow, fails, or talks nonsense) and reads back the requests it received. Nothing of
LangChain or the openai SDK is mocked; the pipeline is the real one over the real index.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from rag.answer import Answerer
from rag.errors import BackendUnavailableError
from rag.llm import MAX_TOKENS, LLMRephraser, build_messages, keeps_answer, make_rephraser
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.types import Answer, Citation

TIMEOUT = 2.0  # llm_timeout of the pipeline under test, seconds
QUESTION = "郑州有多少家养老机构？"
PASSAGE = "全市93家养老机构、1166个社区照料中心遍布城乡"
# What the extractive answerer says to QUESTION, for calls to the rephraser without retrieval.
ANSWER = Answer(
    QUESTION,
    "据报道，全市93家养老机构[1]。",
    (Citation(1, "c1", PASSAGE + "。", "a.txt", "文章", "", 0, 30, ("93家",)),),
    figures=("93家",),
    reason="answered",
)


@dataclass
class FakeLLM:
    """What the server replies, and what it was asked."""

    reply: str = ""
    mode: str = "ok"  # "ok", "slow" (waits far past the timeout), "error" (HTTP 500), "garbage"
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # ends a slow reply


LLM = FakeLLM()


def completion(text: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "qwen2.5",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        LLM.requests.append({"path": self.path, "headers": headers, "body": json.loads(body)})
        if self.path != "/v1/chat/completions":
            return self._send(404, b'{"error": {"message": "no such route"}}')
        if LLM.mode == "slow":
            LLM.release.wait(30)
        if LLM.mode == "error":
            return self._send(500, b'{"error": {"message": "model crashed"}}')
        if LLM.mode == "garbage":
            return self._send(200, b"<html>502 Bad Gateway</html>", "text/html")
        self._send(200, json.dumps(completion(LLM.reply), ensure_ascii=False).encode())

    def _send(self, status: int, payload: bytes, kind: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout) before the slow reply
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def port():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    LLM.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pipeline(port) -> Pipeline:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # a proxy in the environment must not catch localhost
        return Pipeline.load(Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout=TIMEOUT))


@pytest.fixture
def llm(pipeline) -> FakeLLM:
    LLM.reply, LLM.mode, LLM.requests = "", "ok", []
    LLM.release.clear()
    yield LLM
    LLM.release.set()


def extractive(answer: Answer) -> None:
    assert answer.backend == "extractive"
    assert not answer.refused
    assert "93家" in answer.text and "98家" not in answer.text
    assert answer.citations and PASSAGE in answer.citations[0].text


# --- the pipeline with the backend on --------------------------------------------------


def test_pipeline_builds_the_rephraser_from_settings(pipeline, port):
    rephraser = pipeline.answerer.rephraser
    assert isinstance(rephraser, LLMRephraser)
    assert rephraser.base_url == f"http://127.0.0.1:{port}/v1"
    assert rephraser.model == Settings().llm_model


def test_a_fluent_rephrasing_that_keeps_the_figure_is_shown(pipeline, llm):
    llm.reply = "郑州全市共有93家养老机构[1]。"
    answer = pipeline.ask(QUESTION)
    assert answer.backend == "llm"
    assert answer.text == "郑州全市共有93家养老机构[1]。"
    assert not answer.refused and answer.figures == ("93家",)
    assert PASSAGE in answer.citations[0].text
    assert len(llm.requests) == 1


@pytest.mark.parametrize(
    "reply, text",
    [
        ("  郑州全市共有93家养老机构[1]。\n", "郑州全市共有93家养老机构[1]。"),
        ("<think>是93家还是98家？看资料。</think>\n郑州全市有93家养老机构[1]。", "郑州全市有93家养老机构[1]。"),
        ("   \n", None),
        ("<think>想一想</think>", None),
    ],
)
def test_the_reply_is_stripped_of_whitespace_and_reasoning(pipeline, llm, reply, text):
    llm.reply = reply
    assert pipeline.answerer.rephraser.rephrase(QUESTION, ANSWER) == text


def test_the_prompt_holds_question_answer_and_cited_passage(pipeline, llm):
    llm.reply = "郑州全市共有93家养老机构[1]。"
    answer = pipeline.ask(QUESTION)
    (request,) = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer not-needed"  # no key configured
    body = request["body"]
    assert body["model"] == Settings().llm_model and body["temperature"] == 0 and not body.get("stream")
    assert body["max_completion_tokens"] == MAX_TOKENS  # ChatOpenAI renames max_tokens
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "限定词" in system["content"] and "[1]" in system["content"]
    assert QUESTION in user["content"]
    assert f"[1] {answer.citations[0].text}" in user["content"]
    assert "据报道，全市93家养老机构[1]。" in user["content"]  # the extractive answer it rephrases


@pytest.mark.parametrize(
    "reply",
    [
        "郑州有98家养老机构[1]。",  # the figure changed
        "郑州的养老机构数量很多[1]。",  # the figure dropped: the guard alone would let it through
    ],
)
def test_an_unfaithful_rephrasing_falls_back_to_the_extractive_answer(pipeline, llm, reply):
    llm.reply = reply
    extractive(pipeline.ask(QUESTION))
    assert len(llm.requests) == 1


def test_the_figure_guard_itself_rejects_an_invented_figure(pipeline, llm):
    """Below the rephraser's own check: an answerer whose rephraser returns the server's text
    as is still withholds the invented figure."""

    class Raw:
        name = "raw"

        def rephrase(self, question: str, answer: Answer) -> str | None:
            return str(pipeline.answerer.rephraser.chat.invoke(build_messages(question, answer)).text)

    llm.reply = "郑州有98家养老机构[1]。"
    answerer = Answerer.build(pipeline.retriever, pipeline.settings, rephraser=Raw())
    extractive(answerer.answer(QUESTION))
    assert len(llm.requests) == 1


def test_a_server_slower_than_the_timeout_costs_one_timeout(pipeline, llm):
    llm.mode = "slow"
    started = time.perf_counter()
    answer = pipeline.ask(QUESTION)
    elapsed = time.perf_counter() - started
    extractive(answer)
    assert len(llm.requests) == 1  # max_retries=0: no second wait
    assert TIMEOUT <= elapsed < TIMEOUT + 8  # the server would have taken 30 s


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_failing_server_falls_back(pipeline, llm, mode):
    llm.mode = mode
    extractive(pipeline.ask(QUESTION))
    assert len(llm.requests) == 1


def test_backend_errors_propagate_from_the_rephraser(pipeline, llm):
    """The answerer, not the rephraser, decides to fall back; so the error reaches it."""
    llm.mode = "error"
    with pytest.raises(openai.InternalServerError):
        pipeline.answerer.rephraser.rephrase(QUESTION, ANSWER)


@pytest.mark.parametrize(
    "question", ["洛阳有多少家养老机构？", "你好", "我的身份证号是410105199001011234，能领补贴吗？"]
)
def test_refusals_and_greetings_are_never_sent(pipeline, llm, question):
    llm.reply = "郑州全市共有93家养老机构[1]。"
    answer = pipeline.ask(question)
    assert answer.backend == "extractive"
    assert llm.requests == []


def test_the_rephraser_itself_declines_a_refusal(pipeline, llm):
    """Even if handed one (the answerer rephrases whatever compose returns, guard-blocked included)."""
    llm.reply = "很抱歉，无法回答。"
    blocked = Answer(QUESTION, "抱歉，这个问题我无法给出有出处的准确数字。", refused=True, reason="guard_blocked")
    assert pipeline.answerer.rephraser.rephrase(QUESTION, blocked) is None
    assert llm.requests == []


# --- the backend off (the default) -------------------------------------------------------


def test_without_a_base_url_there_is_no_rephraser_and_no_request(pipeline, llm):
    settings = Settings(llm_base_url="")
    assert make_rephraser(settings) is None
    assert make_rephraser(Settings(llm_base_url="  ")) is None
    answerer = Answerer.build(pipeline.retriever, settings, rephraser=make_rephraser(settings))
    extractive(answerer.answer(QUESTION))
    assert llm.requests == []


def test_importing_the_backend_does_not_import_langchain_openai():
    code = "import sys, rag.llm; print(sorted(m for m in ('langchain_openai', 'openai') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the rephraser's own check (pure) -------------------------------------------------------


def _answer(text: str, passage: str) -> Answer:
    return Answer("q", text, (Citation(1, "c1", passage, "a.txt", "文章", "", 0, len(passage)),), reason="answered")


@pytest.mark.parametrize(
    "reply, ok",
    [
        ("郑州全市共有93家养老机构[1]。", True),
        ("Zhengzhou has 93 elderly care institutions [1].", True),
        ("郑州全市共有93家养老机构[1]。如需帮助，请拨打12345热线。", True),  # the hotline is allowed
        ("郑州有很多养老机构[1]。", False),
        ("郑州全市共有93家养老机构和1166个社区照料中心[1]。", False),  # in the passage, not in the answer
        ("郑州全市共有93家养老机构。", False),
        ("郑州全市共有93家养老机构[1][2]。", False),
    ],
)
def test_keeps_answer(reply, ok):
    answer = _answer("据报道，全市93家养老机构[1]。", PASSAGE + "。")
    assert keeps_answer(reply, answer) is ok


def test_keeps_answer_holds_qualifiers():
    answer = _answer("据报道，近4.8万低保对象[1]。", "全市近4.8万低保对象按时足额领取保障金。")
    assert keeps_answer("全市有近4.8万低保对象[1]。", answer)
    assert not keeps_answer("全市有4.8万低保对象[1]。", answer)
    assert not keeps_answer("全市有超4.8万低保对象[1]。", answer)


def test_a_configured_backend_without_its_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as in an install without the llm extra
    with pytest.raises(BackendUnavailableError, match=r'pip install "minsheng\[llm\]"'):
        make_rephraser(Settings(llm_base_url="http://127.0.0.1:9/v1"))
