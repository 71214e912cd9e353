"""Issue 12's reproductions, each as a test: hostile lines, huge histories, a passage that once crashed
the answerer, and an answerer that fails. Every input gets an answer or a clear error, in order, and
nothing ends the batch. Fast tier: the hash embedder over in-memory indexes."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from conftest import fast_settings

import rag.ask
from rag.ask import _jsonl
from rag.facts import split_facts
from rag.intake import bound_history, clean_text, take_in
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.types import Chunk

GOOD = json.dumps({"question": "郑州有多少家养老机构？"}, ensure_ascii=False)


def run_jsonl(pipeline: Pipeline, lines: list) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = _jsonl(pipeline, lines, out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_every_hostile_line_of_the_issue_gets_its_own_output_line_in_order(hash_pipeline):
    lines = [
        GOOD,
        '{"question": "\\ud800"}',  # a lone surrogate: was UnicodeEncodeError, ending the batch
        json.dumps({"question": "那农村呢？", "history": ["郑州有多少家养老机构？"] * 990}),  # was RecursionError
        b'{"question": "\xff\xfe\xe9\xa4\x8a"}',  # invalid UTF-8 bytes
        "   ",  # whitespace only: was skipped, so outputs no longer lined up with inputs
        "",
        '{"question": "养老\\u0000机构\\u001b[31m有多少家\\u202e？"}',  # control and bidi characters
        "[1, 2]",
        '{"question": 5}',
        '{"question": "x", "history": "not a list"}',
        GOOD,
    ]
    code, outs = run_jsonl(hash_pipeline, lines)
    assert len(outs) == len(lines)
    assert "93家" in outs[0]["answer"] and "93家" in outs[-1]["answer"]  # the batch went on to the end
    assert outs[1]["reason"] == "empty" and "\ud800" not in json.dumps(outs[1])
    assert "error" not in outs[2] and any("只参考了最近" in n for n in outs[2]["notices"])
    assert "error" not in outs[3]
    assert outs[4]["line"] == 5 and "blank line" in outs[4]["error"]
    assert "blank line" in outs[5]["error"]
    assert "93家" in outs[6]["answer"] and "\x1b" not in outs[6]["question"]
    assert [o["line"] for o in outs[7:10]] == [8, 9, 10] and all("expected" in o["error"] for o in outs[7:10])
    assert code == 1  # the bad lines show in the exit code


def test_an_answerer_failure_is_an_error_object_logged_with_its_cause_and_the_batch_goes_on(
    tmp_path, monkeypatch, caplog
):
    pipeline = Pipeline.in_memory(fast_settings(tmp_path))
    real = pipeline.answerer.answer

    def flaky(question: str, history: list[str] | None = None):
        if "爆炸" in question:
            raise IndexError("string index out of range")
        return real(question, history)

    monkeypatch.setattr(pipeline.answerer, "answer", flaky)
    lines = [GOOD, json.dumps({"question": "爆炸的问题"}, ensure_ascii=False), GOOD]
    with caplog.at_level(logging.ERROR):
        code, outs = run_jsonl(pipeline, lines)
    assert len(outs) == 3 and "93家" in outs[2]["answer"]
    assert outs[1]["reason"] == "error" and outs[1]["line"] == 2 and "answering failed" in outs[1]["error"]
    assert "12345" in outs[1]["answer"] and "IndexError" not in outs[1]["answer"]  # the resident sees no internals
    assert "IndexError: string index out of range" in caplog.text  # the operator sees the cause
    assert code == 1


def test_a_passage_ending_in_an_unclosed_quotation_mark_splits_within_its_text():
    for text in ("全市有93家养老机构，他说“好", "他说“", "“", "城市“数字孪生体”建设"):
        chunk = Chunk(id="x", text=text, source="s.txt", start=0, end=len(text), article="a", section="")
        for fact in split_facts(chunk):
            assert 0 <= fact.start <= fact.end <= len(text) and fact.text == text[fact.start : fact.end].strip()
    chunk = Chunk(id="y", text="城市“数字孪生体”", source="s", start=0, end=9, article="a", section="")
    assert split_facts(chunk)[-1].text == "城市“数字孪生体”"  # a closed quote is still kept


def test_a_corpus_with_unclosed_quotation_marks_is_answered(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.txt").write_text(
        "郑州民生简报\n\n养老服务\n\n全市共有养老机构93家，负责人说“还要再建「“\n\n社区照料中心1166个，居民称赞“好\n",
        encoding="utf-8",
    )
    pipeline = Pipeline.in_memory(fast_settings(tmp_path, corpus_dir=corpus))
    for question in ("郑州有多少家养老机构？", "负责人说了什么？", "社区照料中心有多少个？"):
        assert pipeline.ask(question).reason != "error"
        assert pipeline.answerer.answer(question) is not None  # the answerer itself does not raise


def test_a_990_item_history_is_resolved_without_recursion_even_by_the_answerer_itself(hash_pipeline):
    history = ["郑州有多少家养老机构？", "那农村网格呢？"] * 495
    answer = hash_pipeline.answerer.answer("那社区网格呢？", history)  # no bounds here: the loop must cope
    assert answer.reason != "error"


def test_history_is_bounded_by_the_settings_and_the_answer_says_what_was_dropped():
    settings = Settings(max_history_items=3, max_history_item_chars=10, max_history_chars=15)
    kept, notices = bound_history(["一二三四五", "问" * 11, "甲乙丙丁戊", "子丑寅卯辰", "天地玄黄宇"], settings)
    assert kept == ["子丑寅卯辰", "天地玄黄宇"] or kept == ["甲乙丙丁戊", "子丑寅卯辰", "天地玄黄宇"]
    assert sum(map(len, kept)) <= 15 and len(kept) <= 3
    assert any("过长" in n for n in notices) and any("最近" in n for n in notices)
    assert not any(ch.isdigit() for n in notices for ch in n)  # a notice states no figure


def test_text_is_sanitised_at_the_edge():
    assert clean_text("养老\ud800机构\x00\x1b\u202e\ufeff\ue000？\n") == "养老机构？ "
    assert clean_text(None) == "" and clean_text(5) == ""
    intake = take_in("我的电话13812345678，养老院有多少家？", ["身份证410105199003071213的事", 3, None], Settings())
    assert "13812345678" not in intake.shown and "[手机号已隐藏]" in intake.shown
    assert "13812345678" not in intake.asked and "养老院有多少家" in intake.asked
    assert intake.history == ("的事",) and "手机号" in intake.notices[0]


def test_an_invalid_utf8_byte_in_the_json_argument_is_a_clear_answer(tmp_path, capsys):
    # the shell hands Python an invalid byte as a lone surrogate (surrogateescape)
    argv = ["--embedder", "hash", "--index-dir", str(tmp_path / "index"), "--json", "郑州有多少家养老机构\udcff？"]
    assert rag.ask.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert "93家" in out["answer"] and "\udcff" not in out["question"]


def test_the_ask_command_reads_bytes_so_a_bad_byte_is_one_line(tmp_path, capsys, monkeypatch):
    raw = (GOOD + "\n").encode() + b"\xff\xff\n" + (GOOD + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    code = rag.ask.main(["--embedder", "hash", "--index-dir", str(tmp_path / "index"), "--jsonl"])
    outs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(outs) == 3 and "93家" in outs[2]["answer"] and "line 2" in outs[1]["error"]
    assert code == 1


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_a_huge_history_item_is_dropped_not_embedded(hash_pipeline, size):
    answer = hash_pipeline.ask("那农村网格呢？", ["郑州划分了多少个社区网格？", "网" * size])
    assert answer.reason != "error" and any("过长" in n for n in answer.notices)


def test_the_searched_text_is_capped_at_max_search_chars(hash_pipeline, monkeypatch):
    embedder = hash_pipeline.retriever.embedder
    seen: list[int] = []
    real = embedder.embed_query
    monkeypatch.setattr(embedder, "embed_query", lambda text: seen.append(len(text)) or real(text))
    hash_pipeline.answerer.answer("那农村网格呢？", ["郑州划分了多少个社区网格？" * 40] * 10)
    assert seen and max(seen) <= hash_pipeline.settings.max_search_chars


def test_a_repeated_question_is_answered_from_the_cache_and_failures_are_not_cached(tmp_path, monkeypatch):
    pipeline = Pipeline.in_memory(fast_settings(tmp_path, answer_cache_size=2))
    calls: list[str] = []
    real = pipeline.answerer.answer

    def counting(question: str, history: list[str] | None = None):
        calls.append(question)
        if question == "坏":
            raise RuntimeError("boom")
        return real(question, history)

    monkeypatch.setattr(pipeline.answerer, "answer", counting)
    first, second = pipeline.ask("郑州有多少家养老机构？"), pipeline.ask("郑州有多少家养老机构？")
    assert first.text == second.text and "93家" in second.text and len(calls) == 1
    pipeline.ask("那农村网格呢？", ["郑州有多少家养老机构？"])  # another history: another key
    assert len(calls) == 2
    assert pipeline.ask("坏").reason == "error" and pipeline.ask("坏").reason == "error"
    assert calls.count("坏") == 2  # an error is retried, never served from the cache


def test_costly_requests_take_turns_in_their_own_lane_and_ordinary_ones_never_wait(tmp_path):
    from rag.pipeline import CostlyLane

    lane = CostlyLane(chars=100, concurrency=1, wait=0.05)
    costly = take_in("问" * 80, ["答" * 50], Settings())
    ordinary = take_in("郑州有多少家养老机构？", [], Settings())
    assert lane.costly(costly) and not lane.costly(ordinary)
    assert lane.enter(costly)  # the one slot
    assert not lane.enter(costly)  # a second costly request waits its budget, then is turned away
    assert lane.enter(ordinary)  # an ordinary question never waits
    lane.leave(costly)
    assert lane.enter(costly)

    pipeline = Pipeline.in_memory(fast_settings(tmp_path, costly_chars=100, costly_wait_seconds=0.05))
    assert pipeline.lane.enter(costly)  # someone else holds the lane
    busy = pipeline.ask("问" * 80 + "养老机构有多少家？", ["郑州有多少家养老机构？" * 5])
    assert busy.refused and busy.reason == "error" and busy.backend == "busy" and "精简" in busy.text
    assert "93家" in pipeline.ask("郑州有多少家养老机构？").text
