"""Sanity checks for the evaluation question set evals/questions.jsonl."""

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "questions.jsonl"
ARTICLE = ROOT / "corpus" / "000_1d03f72a6a377aee.txt"

CATEGORIES = {
    "direct",
    "paraphrase",
    "two_figures",
    "same_figure_twice",
    "followup",
    "unanswerable",
    "false_premise",
    "english",
}
TOPICS = {"教育", "医疗", "养老与救助", "城市管理", "网格治理与12345", "其他"}
ID_PREFIXES = {"edu", "med", "care", "city", "grid", "neg", "en", "fu"}
REQUIRED_KEYS = {"id", "question", "category", "topic", "history", "expected", "evidence"}
MIN_COUNTS = {
    "direct": 70,
    "paraphrase": 25,
    "two_figures": 10,
    "same_figure_twice": 6,
    "followup": 8,
    "unanswerable": 30,
    "false_premise": 6,
    "english": 8,
}
MIN_TOTAL = 170

# Every figure of the article, as written there; each must be asked for at least once.
ARTICLE_FIGURES = [
    f
    for line in (Path(__file__).parent / "article_figures.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for f in line.split()
]


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
