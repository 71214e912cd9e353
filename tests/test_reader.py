"""The optional LLM reader against a real OpenAI-compatible HTTP server.

A stdlib server on 127.0.0.1 plays the LLM: each test sets what it replies (or that it is slow,
fails, or talks nonsense) and reads back the requests it received. Nothing of LangChain or the
openai SDK is mocked. The pipeline is the real one over the real corpus, with the hash embedder
(no model), so these run in the fast tier; the checks themselves are also tested on their own
(rag/verify.py), with passages of other places and years that retrieval would never show.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from rag.errors import BackendUnavailableError, SettingsError
from rag.facts import TermWeights
from rag.pipeline import Pipeline
from rag.question import analyse
from rag.reader import MAX_TOKENS, LLMReader, Prompts, ReplyError, chosen, make_reader, parse_reply
from rag.settings import Settings
from rag.types import Answer, Chunk
from rag.verify import Bounds, Passage, Reply, verify
from tests.conftest import fast_settings

TIMEOUT = 2.0  # llm_timeout of the pipeline under test, seconds
QUESTION = "郑州有多少家养老机构？"
PASSAGE = "全市93家养老机构、1166个社区照料中心遍布城乡"
PARAPHRASE = "郑州给老人吃饭的地方有多少个？"  # the extractive answerer refuses it: no shared words
MEALS = "1166个助餐点化身便民服务阵地"


@dataclass
class FakeLLM:
    """What the server replies, and what it was asked."""

    reply: str = ""  # the message content: the JSON the schema asks for, or not
    # (token, probability): the likeliest first tokens, sent to a request that asks for log-probabilities
    first: list[tuple[str, float]] = field(default_factory=list)
    mode: str = "ok"  # "ok", "slow" (waits far past the timeout), "error" (HTTP 500), "garbage"
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # ends a slow reply


LLM = FakeLLM()


def completion(text: str, first: list[tuple[str, float]] | None = None) -> dict:
    """A chat completion; with `first`, the log-probabilities of its first token's alternatives."""
    choice: dict = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    if first:
        top = [{"token": t, "logprob": math.log(p), "bytes": list(t.encode())} for t, p in first]
        choice["logprobs"] = {"content": [{**top[0], "top_logprobs": top}]}
        choice["message"]["content"] = first[0][0]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "qwen2.5",
        "choices": [choice],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def reply(found: bool, answer: str = "", cited: list[int] | None = None) -> str:
    return json.dumps({"found": found, "answer": answer, "cited": cited or []}, ensure_ascii=False)


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
        first = LLM.first if json.loads(body).get("logprobs") else None
        self._send(200, json.dumps(completion(LLM.reply, first), ensure_ascii=False).encode())

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
def reading(port, tmp_path_factory) -> Pipeline:
    """The whole pipeline (hash embedder, real corpus) with the reader pointed at the stub server."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # a proxy in the environment must not catch localhost
        settings = fast_settings(
            tmp_path_factory.mktemp("reader"),
            llm_base_url=f"http://127.0.0.1:{port}/v1",
            llm_timeout=TIMEOUT,
            llm_reads="all",  # every answer through the reader; the default reads only what the rules left
        )
        return Pipeline.in_memory(settings)


@pytest.fixture
def llm(reading) -> FakeLLM:
    LLM.reply, LLM.mode, LLM.requests, LLM.first = "", "ok", [], []
    LLM.release.clear()
    yield LLM
    LLM.release.set()


def number_of(request: dict, sentence: str) -> int:
    """The number the prompt gave a passage."""
    user = request["body"]["messages"][1]["content"]
    line = next(line for line in user.splitlines() if sentence in line)
    return int(line[1 : line.index("]")])


def extractive(answer: Answer) -> None:
    assert answer.backend == "extractive"
    assert not answer.refused
    assert "93家" in answer.text and "98家" not in answer.text
    assert answer.citations and PASSAGE in answer.citations[0].text


# --- the pipeline with the reader on --------------------------------------------------------


def test_the_pipeline_builds_the_reader_from_settings(reading, port):
    assert isinstance(reading.reader, LLMReader)
    assert reading.reader.base_url == f"http://127.0.0.1:{port}/v1"
    assert reading.cache.size == 0  # an LLM's reply is never cached


def test_a_fluent_reply_is_shown_with_citations_placed_in_code(reading, llm):
    llm.reply = reply(True, "郑州全市共有93家养老机构。", [1])
    answer = reading.ask(QUESTION)
    assert answer.backend == "llm" and answer.reason == "answered" and not answer.refused
    assert answer.text == "郑州全市共有93家养老机构[1]。"
    assert answer.figures == ("93家",)
    (cited,) = answer.citations
    assert PASSAGE in cited.text and cited.figures == ("93家",) and cited.places == ("郑州市",)
    assert len(llm.requests) == 1


def test_by_default_only_what_the_rules_left_unanswered_is_read(reading, llm):
    """llm_reads="unanswered": the rules' checked answer stands at no model cost; a refusal, or an
    answer with fewer figures than asked, goes to the reader."""
    default = replace(reading, reader=LLMReader(reading.settings.model_copy(update={"llm_reads": "unanswered"})))
    llm.reply = reply(True, "郑州有1166个助餐点。", [1])
    extractive(default.ask(QUESTION))
    assert llm.requests == [] and default.reader.outcomes["answered_by_rules"] == 1
    assert default.ask(PARAPHRASE).backend == "llm" and len(llm.requests) == 1


def test_the_request_asks_for_the_schema_with_found_first(reading, llm):
    llm.reply = reply(True, "郑州全市共有93家养老机构。", [1])
    reading.ask(QUESTION)
    (request,) = llm.requests
    body = request["body"]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer not-needed"  # no key configured
    assert body["temperature"] == 0 and not body.get("stream")
    assert body["max_completion_tokens"] == MAX_TOKENS  # ChatOpenAI renames max_tokens
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert list(fmt["json_schema"]["schema"]["properties"]) == ["found", "answer", "cited"]
    system, user = body["messages"]
    assert "found" in system["content"] and "70%" in system["content"]  # the rules, from the package's files
    assert QUESTION in user["content"] and "问题问的地方：郑州市" in user["content"]
    # numbered passages under their article's title, place and date
    assert "《" in user["content"] and "[1] " in user["content"] and PASSAGE in user["content"]


def test_a_citation_is_given_to_the_passage_that_states_the_figure(reading, llm):
    """A small model's passage number is often one off: the marker goes where the figure is."""
    llm.reply = reply(True, "郑州全市共有93家养老机构。", [1])
    reading.ask(QUESTION)
    right = number_of(llm.requests[0], PASSAGE)
    wrong = 1 if right != 1 else 2
    llm.reply, llm.requests = reply(True, "郑州全市共有93家养老机构。", [wrong]), []
    answer = reading.ask(QUESTION)
    assert answer.backend == "llm" and PASSAGE in answer.citations[0].text


def test_the_reader_answers_what_the_rules_refused(reading, llm):
    llm.reply = reply(True, "郑州有1166个助餐点，解决老年人吃饭难的问题。", [2])
    assert reading.answerer.answer(PARAPHRASE).refused  # extractive alone: no shared words
    answer = reading.ask(PARAPHRASE)
    assert answer.backend == "llm" and not answer.refused
    assert answer.text.startswith("郑州有1166个助餐点") and "[1]" in answer.text
    assert MEALS in answer.citations[0].text


@pytest.mark.parametrize(
    "text",
    [
        "郑州有98家养老机构。",  # invented
        "郑州有93个养老机构。",  # another unit than the passage's
        "郑州有近93家养老机构。",  # a qualifier the passage does not have
        "郑州有93家养老机构，2025年还会新增20家。",  # one invented figure among right ones
    ],
)
def test_an_invented_figure_falls_back_to_the_extractive_answer(reading, llm, text):
    llm.reply = reply(True, text, [1])
    extractive(reading.ask(QUESTION))
    assert len(llm.requests) == 1


def test_an_answer_without_citation_falls_back(reading, llm):
    llm.reply = reply(True, "郑州的养老服务很完善。", [])
    extractive(reading.ask(QUESTION))


def test_not_in_the_passages_keeps_the_refusal_with_the_hotline(reading, llm):
    llm.reply = reply(False)
    answer = reading.ask("郑州有多少家三甲医院？")
    assert answer.refused and answer.backend == "extractive"
    assert "12345" in answer.text and not answer.citations
    assert len(llm.requests) == 1  # the reader was asked: a refusal is where it may help


def test_not_in_the_passages_on_an_answered_question_keeps_the_checked_answer(reading, llm):
    llm.reply = reply(False)
    extractive(reading.ask(QUESTION))


def test_a_figure_counting_something_else_is_not_an_answer(reading, llm):
    """16个 of something else for 三甲医院: the figure is in the passages, but it is not what was asked."""
    llm.reply = reply(True, "郑州有93家三甲医院。", [1])
    answer = reading.ask("郑州有多少家三甲医院？")
    assert answer.refused and "93" not in answer.text


def test_a_server_slower_than_the_timeout_costs_one_timeout(reading, llm):
    llm.mode = "slow"
    started = time.perf_counter()
    answer = reading.ask(QUESTION)
    elapsed = time.perf_counter() - started
    extractive(answer)
    assert len(llm.requests) == 1  # max_retries=0: no second wait
    assert TIMEOUT <= elapsed < TIMEOUT + 8  # the server would have taken 30 s
    assert reading.reader.outcomes["timeout"] >= 1


@pytest.mark.parametrize(
    "mode, content",
    [
        ("error", ""),  # HTTP 500
        ("garbage", ""),  # an HTML page
        ("ok", "郑州全市共有93家养老机构。"),  # free text, not the schema's JSON
        ("ok", '{"found": "yes", "answer": 93}'),  # JSON of the wrong shape
        ("ok", '{"found": true, "answer": "郑州全市共有'),  # cut off
    ],
)
def test_a_failing_or_garbled_server_falls_back(reading, llm, mode, content):
    llm.mode, llm.reply = mode, content
    extractive(reading.ask(QUESTION))
    assert len(llm.requests) == 1


@pytest.mark.parametrize("question", ["洛阳有多少家养老机构？", "你好", "在哪里办理低保？"])
def test_fixed_replies_are_never_sent(reading, llm, question):
    llm.reply = reply(True, "郑州全市共有93家养老机构。", [1])
    answer = reading.ask(question)
    assert answer.backend == "extractive" and "93家" not in answer.text
    assert llm.requests == []


def test_personal_data_never_reaches_the_server(reading, llm):
    llm.reply = reply(False)
    answer = reading.ask("我的身份证号是410105199001011234，郑州有多少家养老机构？")
    assert "410105199001011234" not in json.dumps(llm.requests, ensure_ascii=False)
    assert "410105199001011234" not in answer.text


def test_a_follow_up_sends_the_conversation(reading, llm):
    llm.reply = reply(True, "郑州有1166个社区照料中心。", [1])
    answer = reading.ask("那社区照料中心呢？", ["郑州有多少家养老机构？"])
    user = llm.requests[0]["body"]["messages"][1]["content"]
    assert "郑州有多少家养老机构？" in user and "那社区照料中心呢？" in user
    assert answer.backend == "llm" and "1166个" in answer.text


# --- the checks on their own (rag/verify.py) ---------------------------------------------------


def chunk(text: str, places=("苏州市",), years=(2023,), source="a.txt") -> Chunk:
    return Chunk(f"id-{text[:8]}", text, source, 0, len(text), "文章", "", places, years, "2024-01-18")


@pytest.fixture(scope="module")
def weights() -> TermWeights:
    """Term weights over a small corpus that holds the passages these tests give the reader."""
    corpus = [
        "苏州全市受理有效服务诉求1484.36万件",
        "全省16个地级市实现全覆盖",
        "群众满意率为70%，及时处办率99%",
        "全市近4.8万低保对象按时足额领取保障金",
        "及时处办率99.41%",
        "累计办结率98.36%",
        "苏州推行网格化治理，实现城乡全覆盖",
        "城镇新增就业12.5万人",
        "全省4708名民声接听员",
        "住房公积金提取业务网上办理",
    ]
    return TermWeights([chunk(text) for text in corpus])


def check(answer: str, passages: list[Chunk], question: str, weights, cited=(1,), places=("苏州市",), judge=None):
    numbered = [Passage(i, c) for i, c in enumerate(passages, start=1)]
    return verify(
        Reply(True, answer, tuple(cited)),
        analyse(question),
        numbered,
        places=places,
        bounds=Bounds(weights, Settings().llm_min_support, judge=judge),
    )


@pytest.mark.parametrize(
    "answer, shown",
    [
        ("满意率为70%。", "70%"),
        ("满意率为70.3%。", None),  # a decimal the source does not have
        ("及时处办率99%。", "99%"),
    ],
)
def test_figures_are_compared_as_written(weights, answer, shown):
    passages = [chunk("群众满意率为70%，及时处办率99%")]
    verdict = check(answer, passages, "苏州12345的满意率和及时处办率各是多少？", weights)
    assert verdict.ok is (shown is not None) and (shown is None or shown in verdict.text)


@pytest.mark.parametrize(
    ("answer", "model", "source"), [("满意率为七成。", "七成", "70%"), ("及时处办率99.0%。", "99.0%", "99%")]
)
def test_a_figure_of_the_sources_value_written_otherwise_is_shown_as_the_source_writes_it(
    weights, answer, model, source
):
    verdict = check(
        answer, [chunk("群众满意率为70%，及时处办率99%")], "苏州12345的满意率和及时处办率各是多少？", weights
    )
    assert verdict.ok and source in verdict.text and model not in verdict.text  # never 99.0% on screen


@pytest.mark.parametrize("answer", ["约4.8万低保对象。", "超4.8万低保对象。"])
def test_a_qualifier_must_be_the_sources(weights, answer):
    verdict = check(answer, [chunk("全市近4.8万低保对象按时足额领取保障金")], "苏州有多少低保对象？", weights)
    assert verdict.reason == "unsupported_figure"
    assert check(
        "全市近4.8万低保对象。", [chunk("全市近4.8万低保对象按时足额领取保障金")], "苏州有多少低保对象？", weights
    ).ok


def test_a_dropped_qualifier_is_put_back_as_the_source_writes_it(weights):
    source = chunk("全市近4.8万低保对象按时足额领取保障金")
    verdict = check("有4.8万低保对象。", [source], "苏州有多少低保对象？", weights)
    assert verdict.ok and "近4.8万" in verdict.text and verdict.figures == ("近4.8万",)
    # not when a passage also states the exact figure, or writes the value with two qualifiers
    exact = chunk("另有4.8万低保对象已纳入")
    assert "近4.8万" not in check("有4.8万低保对象。", [source, exact], "苏州有多少低保对象？", weights).text
    both = chunk("全市超4.8万低保对象已核查")
    assert check("有4.8万低保对象。", [source, both], "苏州有多少低保对象？", weights).reason == "unsupported_figure"


def test_another_places_passage_is_rejected(weights):
    passages = [chunk("全市受理有效服务诉求1484.36万件", places=("南京市",))]
    verdict = check("受理诉求1484.36万件。", passages, "苏州受理了多少件诉求？", weights)
    assert verdict.reason == "wrong_place"


def test_another_years_passage_is_rejected(weights):
    passages = [chunk("全市受理有效服务诉求1484.36万件", years=(2022,))]
    verdict = check("受理诉求1484.36万件。", passages, "苏州2023年受理了多少件诉求？", weights)
    assert verdict.reason == "wrong_year"


def test_a_figure_of_another_measure_is_rejected(weights):
    passages = [chunk("全省16个地级市实现全覆盖")]
    verdict = check("有16个。", passages, "苏州有多少家三甲医院？", weights)
    assert verdict.reason == "wrong_measure"
    assert check("有16%。", passages, "苏州有多少家三甲医院？", weights).reason == "unsupported_figure"


def test_a_date_does_not_answer_how_many(weights):
    passages = [chunk("2023年，全市受理有效服务诉求1484.36万件")]
    assert check("2023年受理了诉求。", passages, "苏州受理了多少件诉求？", weights).reason == "no_figure"


@pytest.mark.parametrize(
    ("answer", "passage", "question"),
    [
        # the clause counts another thing: none of the question's words is in it
        ("城镇新增就业4708名。", "全省4708名民声接听员", "城镇新增就业多少人？"),
        # the clause counts a total, and the question asks about a part an article names (公积金)
        ("公积金提取诉求1484.36万件。", "苏州全市受理有效服务诉求1484.36万件", "苏州12345里公积金提取的诉求有多少件？"),
    ],
)
def test_a_figure_of_another_subject_is_rejected(weights, answer, passage, question):
    assert check(answer, [chunk(passage)], question, weights).reason == "wrong_measure"


RESIDENTS_WORDS = "苏州城乡群众反映的诉求有多少件？"  # 城乡 and 群众 are words of other sentences here
TOTAL = "苏州全市受理有效服务诉求1484.36万件"


def test_a_clause_saying_too_few_of_the_question_is_read_again(weights):
    assert check("1484.36万件。", [chunk(TOTAL)], RESIDENTS_WORDS, weights).reason == "wrong_measure"
    asked = []

    def judge(question: str, sentence: str, figure: str) -> bool:
        asked.append((question, sentence, figure))
        return True

    assert check("1484.36万件。", [chunk(TOTAL)], RESIDENTS_WORDS, weights, judge=judge).ok
    assert asked == [(RESIDENTS_WORDS, TOTAL, "1484.36万件")]
    no = check("1484.36万件。", [chunk(TOTAL)], RESIDENTS_WORDS, weights, judge=lambda *_: False)
    assert no.reason == "wrong_measure"


def test_no_second_reading_makes_an_article_speak_of_a_thing_it_never_names():
    suqian = chunk("百项民生实事圆满收官、完成投资218.17亿元", places=("宿迁市",), years=(2022,), source="suqian.txt")
    centre = chunk("国家区域医疗中心项目总投资20亿元", places=("聊城市",), years=(2023,), source="liaocheng.txt")
    weights = TermWeights([suqian, centre, chunk("城镇新增就业12.5万人")])
    asked = "宿迁国家区域医疗中心总投资多少？"
    # only 聊城's article names 国家区域医疗中心: 宿迁's 218.17亿元 is the total of its hundred projects
    foreign = check("218.17亿元。", [suqian], asked, weights, places=("宿迁市",), judge=lambda *_: True)
    assert foreign.reason == "wrong_measure"
    named = chunk("国家区域医疗中心完成投资18亿元", places=("宿迁市",), years=(2022,), source="suqian.txt")
    weights = TermWeights([suqian, named, centre])
    assert check("18亿元。", [named], asked, weights, places=("宿迁市",), judge=lambda *_: True).ok


def test_a_date_is_read_again_whole_not_as_its_month(weights):
    asked = []

    def judge(*args: str) -> bool:
        asked.append(args)
        return True

    passage = chunk("即日起至11月15日,群众可通过网站填写调查问卷")
    verdict = check("11月15日前可以填。", [passage], "苏州城乡群众的问卷最晚哪天前能填？", weights, judge=judge)
    assert verdict.ok and {figure for *_, figure in asked} == {"11月15日"}


def test_only_a_clause_saying_some_but_too_few_of_the_question_is_read_again(weights):
    asked = []

    def judge(*args: str) -> bool:
        asked.append(args)
        return True

    enough = check(
        "满意率为70%。", [chunk("群众满意率为70%，及时处办率99%")], "苏州群众满意率是多少？", weights, judge=judge
    )
    other = check("4708名。", [chunk("全省4708名民声接听员")], "城镇新增就业多少人？", weights, judge=judge)
    unit = check("1484.36万件。", [chunk(TOTAL)], "苏州城乡群众的诉求占多少？", weights, judge=judge)
    assert enough.ok and other.reason == "wrong_measure" and unit.reason == "wrong_measure"
    assert asked == []  # words enough, none of them, or a count for a share: the checks decide alone


def test_citations_are_numbered_in_order_of_use(weights):
    passages = [chunk("及时处办率99.41%"), chunk("累计办结率98.36%"), chunk("全市受理有效服务诉求1484.36万件")]
    verdict = check(
        "及时处办率99.41%，累计办结率98.36%。受理1484.36万件。",
        passages,
        "苏州12345的及时处办率、办结率和受理诉求分别是多少？",
        weights,
    )
    assert verdict.ok
    assert verdict.text == "及时处办率99.41%，累计办结率98.36%[1][2]。受理1484.36万件[3]。"
    assert [c.text for c in verdict.citations] == [p.text for p in passages]


def test_a_figure_free_answer_must_cite_its_passage_and_keep_to_its_words(weights):
    passages = [chunk("苏州推行网格化治理，实现城乡全覆盖")]
    assert check("苏州推行网格化治理，实现城乡全覆盖。", passages, "苏州推行什么治理？", weights).ok
    assert check("苏州推行网格化治理。", passages, "苏州推行什么治理？", weights, cited=()).reason == "uncited"
    wild = check("苏州的治理全国第一，百姓都很满意。", passages, "苏州推行什么治理？", weights)
    assert wild.reason == "unsupported_wording"


def test_the_models_own_markers_are_replaced_by_ours(weights):
    verdict = check(
        "受理诉求1484.36万件[3]。", [chunk("全市受理有效服务诉求1484.36万件")], "苏州受理了多少件诉求？", weights
    )
    assert verdict.ok and verdict.text == "受理诉求1484.36万件[1]。"


@pytest.mark.parametrize(
    "raw, ok",
    [
        ({"found": True, "answer": "有93家。", "cited": [1]}, True),
        ('```json\n{"found": false, "answer": "", "cited": []}\n```', True),
        ('<think>…</think>{"found": true, "answer": "有93家。", "cited": ["2"]}', True),
        ("有93家。", False),
        ({"found": "true", "answer": "有93家。"}, False),
        ([1, 2], False),
    ],
)
def test_parse_reply(raw, ok):
    if ok:
        assert isinstance(parse_reply(raw), Reply)
    else:
        with pytest.raises(ValueError):
            parse_reply(raw)


# --- configuration ----------------------------------------------------------------------------


def test_without_a_base_url_there_is_no_reader_and_no_request(llm, tmp_path):
    assert make_reader(Settings(llm_base_url="")) is None
    assert make_reader(Settings(llm_base_url="  ")) is None
    plain = Pipeline.in_memory(fast_settings(tmp_path))
    assert plain.reader is None
    assert "93家" in plain.ask(QUESTION).text
    assert llm.requests == []


def test_the_json_object_format_sends_the_schema_inside(port, llm):
    """llama-cpp-python's server enforces {"type": "json_object", "schema": ...} with a grammar."""
    settings = Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_response_format="json_object")
    llm.reply = reply(True, "有93家。", [1])
    reader = LLMReader(settings)
    assert reader.ask_model([HumanMessage(content="问")]) == Reply(True, "有93家。", (1,))
    fmt = llm.requests[0]["body"]["response_format"]
    assert fmt["type"] == "json_object" and list(fmt["schema"]["properties"]) == ["found", "answer", "cited"]


def test_a_deployment_can_bring_its_own_prompt(tmp_path):
    shipped = Prompts.load("reader-v1")
    for name in ("system.txt", "user.txt"):
        (tmp_path / name).write_text("请只用资料回答。$question $passages", encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(shipped.schema), encoding="utf-8")
    own = Prompts.load(str(tmp_path))
    assert own.system.template.startswith("请只用资料回答") and own.schema == shipped.schema
    with pytest.raises(SettingsError, match="schema.json"):
        Prompts.load(str(tmp_path / "missing"))


def test_the_prompt_files_ship_in_the_package():
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"**/*.txt"' in pyproject and '"**/*.json"' in pyproject  # package-data globs cover rag/prompts/


def test_importing_the_reader_does_not_import_langchain_openai():
    code = "import sys, rag.reader; print(sorted(m for m in ('langchain_openai', 'openai') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_configured_reader_without_its_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as in an install without the llm extra
    with pytest.raises(BackendUnavailableError, match=r'pip install "minsheng\[llm\]"'):
        make_reader(Settings(llm_base_url="http://127.0.0.1:9/v1"))


def test_a_one_figure_question_is_not_answered_with_a_list_of_other_counts(weights):
    """Every figure stated for a one-figure question must count what was asked: 公立医院 is named in
    the setting of the list, but 2个 and 5个 count 区域医疗中心 and 重点专科."""
    passage = chunk("苏州投入资金用于公立医院建设，获批建设区域医疗中心2个、重点专科5个")
    verdict = check("苏州有公立医院建设，区域医疗中心2个、重点专科5个。", [passage], "苏州有多少家公立医院？", weights)
    assert verdict.reason == "wrong_measure"


def test_a_follow_up_about_a_part_is_not_answered_with_the_whole(weights):
    """其中省长信箱… asks one channel: a figure whose clause names only the earlier question's
    words (all channels' 277件) is the wrong measure; the channel's own figure passes."""
    from rag.question import merge

    sentence = chunk("全县受理非话务渠道诉求277件，其中，省长信箱转派工单23件", years=(2025,))
    earlier = analyse("衡东12345在2025年第一季度非话务渠道受理了多少件诉求？")
    follow_up = merge(analyse("其中省长信箱转过来的有几件？"), earlier)
    bounds = Bounds(weights, Settings().llm_min_support)
    whole = verify(Reply(True, "277件", (1,)), follow_up, [Passage(1, sentence)], places=(), bounds=bounds)
    part = verify(
        Reply(True, "省长信箱转派工单23件", (1,)), follow_up, [Passage(1, sentence)], places=(), bounds=bounds
    )
    assert whole.reason == "wrong_measure"
    assert part.ok, part.reason


def test_each_figure_of_a_several_figure_reply_counts_a_part_of_its_own():
    """Two figures that both count the first part (公园) do not answer 公园多少个？停车位多少个？, though
    the sentence's words cover the whole question; one figure for each part does."""
    from rag.question import contrasted, merge

    sentence = chunk("苏州2023年新建公园25个，改造公园12个，新增停车位3000个")
    weights = TermWeights([sentence, chunk("全市新增就业12.5万人"), chunk("苏州推行网格化治理")])
    question = analyse("苏州2023年新建公园多少个？新增停车位多少个？")
    first = analyse("苏州2023年新建公园多少个")
    parts = (
        first,
        merge(analyse("新增停车位多少个"), first, contrasted("苏州2023年新建公园多少个", "新增停车位多少个")),
    )
    bounds = Bounds(weights, Settings().llm_min_support)

    def read(answer: str):
        return verify(
            Reply(True, answer, (1,)), question, [Passage(1, sentence)], places=(), bounds=bounds, parts=parts
        )

    assert read("新建公园25个，改造公园12个。").reason == "wrong_measure"
    assert read("新建公园25个，新增停车位3000个。").ok
    assert read("新建公园25个。").ok  # one part answered: the reply says less, nothing wrong
    # where the rules already answered a part, the reply must answer every part to replace them
    every = verify(
        Reply(True, "新建公园25个。", (1,)),
        question,
        [Passage(1, sentence)],
        places=(),
        bounds=bounds,
        parts=parts,
        every_part=True,
    )
    assert every.reason == "missing_part"


@pytest.mark.parametrize(
    "fits, matched",
    [([[True, False], [True, False]], 1), ([[True, True], [True, False]], 2), ([[False], [False]], 0), ([], 0)],
)
def test_figures_are_matched_to_parts_one_to_one(fits, matched):
    from rag.verify import _matched

    assert _matched(lambda figure, part: fits[figure][part], len(fits), len(fits[0]) if fits else 0) == matched


def test_a_bare_yes_cannot_be_checked_and_is_not_shown(weights):
    passages = [chunk("苏州推行网格化治理，实现城乡全覆盖")]
    assert check("是。", passages, "苏州推行网格化治理吗？", weights).reason == "unsupported_wording"


def test_another_item_of_a_list_sentence_is_no_setting_for_the_figure(weights):
    # 公积金 is in the sentence, but in another item than the figure's: the figure counts 托额
    passages = [chunk("主要包括：为10万户家庭办理住房公积金提取业务，建设30家养老院，新增2000个公办幼儿园托班托额")]
    verdict = check("2000个公办幼儿园托班托额。", passages, "苏州公积金提取业务有多少个？", weights)
    assert verdict.reason == "wrong_measure"
    alone = [chunk("住房公积金提取业务网上办理2000个")]
    assert check("公积金提取业务2000个。", alone, "苏州公积金提取业务有多少个？", weights).ok


# --- a second reading, when a figure's clause says too few of the question's words ---------------

DOUBTFUL = "郑州城乡老人吃饭的助餐点有多少个？"  # 城乡 and 老人 are words of other sentences here


def read_and_judged(answer: str, said: object) -> str:
    """One reply for both requests (the stub sends the same to each): each reads its own field."""
    return json.dumps({"found": True, "answer": answer, "cited": [1], "answers": said}, ensure_ascii=False)


YES = [("是", 0.55), ("不是", 0.34), ("这句话", 0.06)]  # the model's first tokens, weighed
NO = [("不是", 0.5), ("是", 0.3), ("不", 0.1)]  # 不是 and 不 both say no


def test_a_doubtful_figure_is_shown_when_a_second_reading_confirms_it(reading, llm):
    llm.reply, llm.first = read_and_judged("1166个助餐点。", None), YES
    answer = reading.ask(DOUBTFUL)
    assert answer.backend == "llm" and "1166个" in answer.text and MEALS in answer.citations[0].text
    _, judged = llm.requests
    body = judged["body"]  # one token and its likeliest alternatives, in the model's own words
    assert body["logprobs"] is True and body["top_logprobs"] >= 5
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 1  # the openai SDK's newer name
    assert "response_format" not in body
    system, user = body["messages"]  # the instructions from the package's judge-system.txt
    assert system["role"] == "system" and "数的正是问题问的那件事" in system["content"]
    assert DOUBTFUL in user["content"] and MEALS in user["content"] and "“1166个”" in user["content"]


@pytest.mark.parametrize("first", [NO, [], [("句子", 0.9)]], ids=["no", "no-logprobs-json", "neither"])
def test_a_doubtful_figure_is_not_shown_unless_the_second_reading_confirms_it(reading, llm, first):
    said = "no" if first == NO else "failed"
    before = reading.reader.judgements[said]
    llm.reply, llm.first = read_and_judged("1166个助餐点。", False), first
    answer = reading.ask(DOUBTFUL)
    assert answer.backend == "extractive" and len(llm.requests) == 2
    assert reading.reader.judgements[said] == before + 1


def test_a_second_reading_weighs_the_yes_words_against_the_no_words():
    from langchain_core.messages import AIMessage

    def message(first: list[tuple[str, float]], content: str = "") -> AIMessage:
        top = [{"token": t, "logprob": math.log(p)} for t, p in first]
        logprobs = {"content": [{"top_logprobs": top}]} if first else None
        return AIMessage(content=content or (first[0][0] if first else ""), response_metadata={"logprobs": logprobs})

    words = (("是",), ("不是", "不", "否"))
    assert chosen(message(YES), *words) is True
    assert chosen(message(NO), *words) is False
    # the likeliest token alone would say yes; the no words together weigh more (不是 contains 是)
    assert chosen(message([("是", 0.4), ("不是", 0.3), ("否", 0.2)]), *words) is False
    assert chosen(message([], "是的，这个数字就是"), *words) is True  # a server without log-probabilities
    assert chosen(message([], " 不是"), *words) is False
    with pytest.raises(ReplyError, match="neither"):
        chosen(message([("句子", 0.7), ("数字", 0.2)]), *words)


def test_the_boolean_second_reading_still_works_with_its_prompt(port, llm):
    """reader-v4's judgement, a JSON boolean, for a deployment that keeps that prompt."""
    reader = LLMReader(
        Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_prompt="reader-v4", llm_timeout=TIMEOUT)
    )
    llm.reply = json.dumps({"answers": True})
    assert reader.judge(DOUBTFUL, MEALS, "1166个") is True
    assert llm.requests[-1]["body"]["response_format"]["json_schema"]["name"] == "figure_judgement"


def test_a_judgement_format_that_says_neither_schema_nor_words_is_refused(tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "rag" / "prompts" / Settings().llm_prompt
    for f in shipped.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    assert Prompts.load(str(tmp_path)).judge_choices == (("是",), ("不是", "不", "否"))
    (tmp_path / "judge.json").write_text(json.dumps({"name": "j", "choices": {"yes": ["是"]}}), encoding="utf-8")
    with pytest.raises(SettingsError, match="judge.json"):
        Prompts.load(str(tmp_path))


def test_a_figure_whose_clause_says_enough_is_not_read_again(reading, llm):
    llm.reply = read_and_judged("郑州全市共有93家养老机构。", False)
    assert reading.ask(QUESTION).backend == "llm" and len(llm.requests) == 1


# --- English questions: translated by the model, answered and checked in Chinese ----------------

ENGLISH = "How many places where grannies live and get looked after does Zhengzhou have?"
GLOSSED = "How many community grids and old-folks houses does Zhengzhou have?"


def translation(text: str) -> str:
    return json.dumps({"question": text}, ensure_ascii=False)


def test_an_english_question_is_translated_then_answered_by_the_rules(reading, llm):
    assert reading.answerer.answer(ENGLISH).refused  # no English word matches the Chinese article
    llm.reply = translation("郑州有多少家养老机构？")
    answer = reading.ask(ENGLISH)
    assert answer.backend == "llm" and not answer.refused, answer.text
    assert answer.text.startswith("According to the source article (in Chinese)") and "93家" in answer.text
    assert answer.rewritten_question == "郑州有多少家养老机构？" and PASSAGE in answer.citations[0].text
    (request,) = llm.requests  # one request: the translation; the rules did the rest
    assert request["body"]["response_format"]["json_schema"]["name"] == "translated_question"
    # the place goes to the model in Chinese, so it is copied, not guessed (Liaocheng -> 辽宁省)
    assert (
        "How many places where grannies live and get looked after does 郑州 have?"
        in request["body"]["messages"][-1]["content"]
    )


def test_a_year_the_translation_dropped_is_put_back(reading, llm):
    llm.reply = translation("郑州有多少家养老机构？")
    answer = reading.ask("How many old-age care homes did Zhengzhou have in 2024?")
    assert answer.backend == "llm" and "93家" in answer.text
    assert answer.rewritten_question == "2024年郑州有多少家养老机构？"


@pytest.mark.parametrize(
    "translated",
    [
        "洛阳有多少家养老机构？",  # another place
        "郑州2020年有多少家养老机构？",  # a year the question did not ask
        "郑州有多少家养老机构？是93家吗？",  # a figure the question did not state
    ],
)
def test_a_translation_that_changes_place_year_or_figure_is_not_used(reading, llm, translated):
    llm.reply = translation(translated)
    answer = reading.ask(ENGLISH)
    assert answer.refused and answer.backend == "extractive" and "93家" not in answer.text
    assert reading.reader.outcomes["translation_changed"] >= 1


def test_a_place_the_translation_left_in_english_is_read_in_chinese(reading, llm):
    llm.reply = translation("Zhengzhou有多少家养老机构？")
    assert "93家" in reading.ask(ENGLISH).text


def test_the_translation_is_tried_before_the_english_glossarys_answer(reading, llm):
    glossary = reading.answerer.answer(GLOSSED)  # word by word, "community grids" finds a 社区网格 figure
    assert not glossary.refused and "93家" not in glossary.text
    figure = glossary.figures[0]
    llm.reply = translation("郑州有多少家养老机构？")
    answer = reading.ask(GLOSSED)
    assert answer.backend == "llm" and "93家" in answer.text and figure not in answer.text
    llm.reply = translation("郑州有多少个火星基地？")  # the rules find nothing for the translation
    assert figure in reading.ask(GLOSSED).text  # the glossary's checked answer stands


def test_a_translation_the_rules_cannot_answer_is_read_by_the_model(reading, llm):
    english = "How many places for old people to eat are there in Zhengzhou?"
    assert reading.answerer.answer(english).refused and reading.answerer.answer(PARAPHRASE).refused
    # the stub sends one reply to every request: the translation and the reading each take their fields
    llm.reply = json.dumps(
        {"question": PARAPHRASE, "found": True, "answer": "1166个助餐点。", "cited": [1]}, ensure_ascii=False
    )
    answer = reading.ask(english)
    assert answer.backend == "llm" and not answer.refused and "1166个" in answer.text, answer.text
    assert answer.text.startswith("According to the source article (in Chinese)")
    translated, read = llm.requests
    assert translated["body"]["response_format"]["json_schema"]["name"] == "translated_question"
    assert read["body"]["response_format"]["json_schema"]["name"] != "translated_question"
    assert PARAPHRASE in read["body"]["messages"][-1]["content"]  # the model reads the Chinese question


def test_a_garbled_translation_keeps_the_english_refusal(reading, llm):
    llm.reply = "Zhengzhou has 93 homes."
    answer = reading.ask(ENGLISH)
    assert answer.refused and answer.backend == "extractive" and answer.text.startswith("Sorry")


def test_an_english_follow_up_is_translated_with_its_conversation(reading, llm):
    llm.reply = translation("郑州有多少家养老机构？")
    answer = reading.ask("And in Zhengzhou?", ["How many old-age care homes are there?"])
    assert "93家" in answer.text and answer.backend == "llm"
    (request,) = llm.requests
    assert "之前问过：How many old-age care homes are there?" in request["body"]["messages"][-1]["content"]


def test_a_list_item_is_shown_to_the_model_with_the_words_leading_into_it():
    from rag.reader import render_passages

    item = replace(chunk("社会保障1485件,占诉求量的13.29%;"), lead="2025年第一季度,")
    shown = render_passages([Passage(1, item)])
    assert "[1] 2025年第一季度,社会保障1485件" in shown


def test_a_table_row_is_read_again_with_its_column_names(weights):
    asked = []

    def judge(question: str, sentence: str, figure: str) -> bool:
        asked.append(sentence)
        return True

    header = "序号 | 实事项目名称 | 完成情况 | 占全年计划 |"
    row = "改建3000张认知障碍照护床位 | 3210 | 107% | |"
    passage = Chunk("id-row", row, "a.txt", 0, len(row), "文章", header, ("苏州市",), (2023,), "2024-01-18")
    verdict = check("3210", [passage], "苏州老人们的照护床位实际弄好了多少？", weights, judge=judge)
    assert verdict.ok, verdict.reason
    assert asked and all("完成情况：3210" in sentence for sentence in asked), asked


def test_a_figure_whose_sentence_says_none_of_the_questions_words_is_read_again(weights):
    """城镇新增就业12.5万人 says none of 网上寻着活计 in the article's words: a resident's own
    wording, which the second reading may confirm. Where another item of the sentence says them, the
    figure is that other item's neighbour, and no second reading can let it through."""
    asked = []

    def judge(question: str, sentence: str, figure: str) -> bool:
        asked.append(figure)
        return True

    question = "苏州网上寻着活计的有多少人？"
    alone = check("12.5万人。", [chunk("城镇新增就业12.5万人")], question, weights, judge=judge)
    assert alone.ok and asked == ["12.5万人"]
    listed = [chunk("网上办理业务2000件，城镇新增就业12.5万人")]
    assert check("12.5万人。", listed, question, weights, judge=judge).reason == "wrong_measure"
    assert asked == ["12.5万人"]


def test_a_number_the_english_names_in_words_is_no_figure_of_the_translation():
    from rag.reader import _named_numbers

    # "ten major projects" names the projects: 十项 in the translation is a name, not a premise
    quoted = _named_numbers(
        "聊城的十项民生项目总投资是多少？", "What is the total investment of the ten major projects?"
    )
    assert quoted == "聊城的“十项”民生项目总投资是多少？"
    assert analyse(quoted).figures == ()
    # a figure the resident wrote in digits stays a figure the reply may correct
    assert _named_numbers("有3个项目吗？", "Were there 3 projects?") == "有3个项目吗？"


def test_another_months_passages_are_not_read(reading, llm):
    # the Zhengzhou article reports on no March: its sentences are not shown to the model
    llm.reply = read_and_judged("郑州3月份有93家养老机构。", True)
    answer = reading.ask("郑州2024年3月份有多少家养老机构？")
    assert answer.refused and "93家" not in answer.text and not llm.requests, answer.text
