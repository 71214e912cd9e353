"""Sanity checks for the evaluation question set evals/questions.jsonl."""
import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "questions.jsonl"
ARTICLE = ROOT / "corpus" / "000_1d03f72a6a377aee.txt"

CATEGORIES = {
    "direct", "paraphrase", "two_figures", "same_figure_twice",
    "followup", "unanswerable", "false_premise", "english",
}
TOPICS = {"教育", "医疗", "养老与救助", "城市管理", "网格治理与12345", "其他"}
ID_PREFIXES = {"edu", "med", "care", "city", "grid", "neg", "en", "fu"}
REQUIRED_KEYS = {"id", "question", "category", "topic", "history", "expected", "evidence"}
MIN_COUNTS = {
    "direct": 70, "paraphrase": 25, "two_figures": 10, "same_figure_twice": 6,
    "followup": 8, "unanswerable": 30, "false_premise": 6, "english": 8,
}
MIN_TOTAL = 170

# Every figure of the article, as written there; each must be asked for at least once.
ARTICLE_FIGURES = """
2024年年底 3657所 238.23万人 18.3% 144所 20.29万个 5年来 31.43亿元 30所 3.6万个 10亿余元
2.27万个 4000余名 19.22亿元 244.4万人次 41.37万 44% 2021年 1500余名 99.5% 12月8日
15家 8家 五大中心 95%以上 近3000个 86% 100多亿元 2个 5个 6个 21个
近4.8万 超万名 93家 1166个 1.5万余张 超六成 3000余户 137个 634名 5.3万对 6.6万余户 29.7万人次
46.8% 1.3倍 99% 3.1亿平方米 22% 超55% 411条 339.8万平方米 27万座 91.6万个 214座
200万个 281万户 1200余公里
四级书记 市县两级 3.94万个 7876个 46817个 11381个 4744个 2.7万名 两位 12名 3天 4小时 48小时
三区五街道 3支 72小时 600多项 4.6万名 245万名 13万余路 21.93万台 2024年6月 12345 2小时 5分钟
超141万件 十一个 十大维度 4种模态 721.6万余件 96.51% 96.43% 29.5% 180余件次
""".split()


@pytest.fixture(scope="module")
def article():
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def questions():
    rows = []
    with QUESTIONS.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"blank line {lineno}"
            obj = json.loads(line)
            assert isinstance(obj, dict), f"line {lineno} is not an object"
            rows.append(obj)
    return rows


def test_file_is_utf8_without_ascii_escapes():
    text = QUESTIONS.read_text(encoding="utf-8")
    assert "\\u" not in text, "write with ensure_ascii=False"


def test_required_keys_and_types(questions):
    for q in questions:
        assert set(q) == REQUIRED_KEYS, q.get("id")
        assert isinstance(q["id"], str) and q["id"]
        assert isinstance(q["question"], str) and q["question"].strip()
        for key in ("history", "expected", "evidence"):
            assert isinstance(q[key], list), (q["id"], key)
            assert all(isinstance(s, str) and s for s in q[key]), (q["id"], key)


def test_ids_unique_and_prefixed(questions):
    ids = [q["id"] for q in questions]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    for i in ids:
        assert i.split("-")[0] in ID_PREFIXES, i


def test_id_prefix_matches_category(questions):
    for q in questions:
        prefix = q["id"].split("-")[0]
        if q["category"] == "unanswerable":
            assert prefix == "neg", q["id"]
        elif q["category"] == "english":
            assert prefix == "en", q["id"]
        elif q["category"] == "followup":
            assert prefix == "fu", q["id"]
        else:
            assert prefix in {"edu", "med", "care", "city", "grid"}, q["id"]


def test_categories_and_topics_valid(questions):
    for q in questions:
        assert q["category"] in CATEGORIES, q["id"]
        assert q["topic"] in TOPICS, q["id"]
        if q["topic"] == "其他":
            assert q["category"] == "unanswerable", q["id"]


def test_history_only_on_followups(questions):
    for q in questions:
        if q["category"] == "followup":
            assert q["history"], q["id"]
        else:
            assert q["history"] == [], q["id"]


def test_expected_verbatim_in_article(questions, article):
    for q in questions:
        for e in q["expected"]:
            assert e in article, (q["id"], e)


def test_evidence_verbatim_in_article(questions, article):
    for q in questions:
        for ev in q["evidence"]:
            assert ev in article, (q["id"], ev)
            assert 8 <= len(ev) <= 60, (q["id"], ev, len(ev))


def test_each_expected_inside_some_evidence(questions):
    for q in questions:
        for e in q["expected"]:
            assert any(e in ev for ev in q["evidence"]), (q["id"], e)


def test_answerable_iff_expected(questions):
    for q in questions:
        if q["category"] == "unanswerable":
            assert q["expected"] == [] and q["evidence"] == [], q["id"]
        else:
            assert q["expected"], q["id"]
            assert q["evidence"], q["id"]


def test_two_figures_have_two_expected(questions):
    for q in questions:
        if q["category"] == "two_figures":
            assert len(q["expected"]) >= 2, q["id"]


def test_english_questions_are_english(questions):
    for q in questions:
        if q["category"] == "english":
            assert q["question"].isascii(), q["id"]


def test_minimum_counts(questions):
    counts = Counter(q["category"] for q in questions)
    for cat, n in MIN_COUNTS.items():
        assert counts[cat] >= n, (cat, counts[cat], n)
    assert len(questions) >= MIN_TOTAL


def test_every_article_figure_is_asked(questions, article):
    asked = {e for q in questions for e in q["expected"]}
    for fig in ARTICLE_FIGURES:
        assert fig in article, fig
    missing = [f for f in ARTICLE_FIGURES if f not in asked]
    assert not missing, missing


def test_questions_not_duplicated(questions):
    keys = Counter((tuple(q["history"]), q["question"]) for q in questions)
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, dupes
