"""Chunker: whole sentences, exact offsets, figures never split from their units, stable ids."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import CORPUS_DIR, ROOT

from rag.chunker import ChunkerConfig, chunk_id, chunk_paragraphs, sentence_years, split_sentences
from rag.figures import extract_figures
from rag.loader import load_corpus, parse

CLOSERS = "”’」』）)"
# Settings down to absurdly small max_chars, so over-long sentences are cut often.
CONFIGS = [
    ChunkerConfig(),
    ChunkerConfig(max_chars=40),
    ChunkerConfig(max_chars=12),
    ChunkerConfig(sentences_per_chunk=3),
]


@pytest.fixture(scope="module")
def paragraphs():
    paras, _ = load_corpus([CORPUS_DIR])
    return [p for p in paras if p.kind == "body"]


def chunks_of(para, chunks):
    return [c for c in chunks if para.start <= c.start and c.end <= para.end]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"s{c.sentences_per_chunk}-m{c.max_chars}")
def test_every_figure_of_the_real_corpus_lies_wholly_in_one_chunk(paragraphs, config):
    chunks = chunk_paragraphs(paragraphs, config)
    n_figures = 0
    for para in paragraphs:
        mine = chunks_of(para, chunks)
        for fig in extract_figures(para.text):
            n_figures += 1
            start, end = para.start + fig.start, para.start + fig.end
            holders = [c for c in mine if c.start <= start and end <= c.end]
            assert len(holders) == 1, (
                f"{fig.text!r} split across {[c.text for c in mine if c.start < end and start < c.end]}"
            )
            assert fig.text in holders[0].text
    assert n_figures >= 90  # the corpus is dense with figures: the check really ran


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"s{c.sentences_per_chunk}-m{c.max_chars}")
def test_offsets_are_exact_and_no_text_is_lost(paragraphs, corpus_text, config):
    chunks = chunk_paragraphs(paragraphs, config)
    for c in chunks:
        assert corpus_text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text[0] not in CLOSERS
    texts = {c.text for c in chunks}
    for para in paragraphs:  # chunks of a paragraph are in order, disjoint, and cover it
        mine = chunks_of(para, chunks)
        assert all(a.end <= b.start for a, b in itertools.pairwise(mine))
        bounds = [para.start] + [x for c in mine for x in (c.start, c.end)] + [para.end]
        for gap_start, gap_end in zip(bounds[::2], bounds[1::2], strict=False):
            gap = para.text[gap_start - para.start : gap_end - para.start].strip()
            # Only whitespace, or a piece indexed once already (the same clause earlier in the file).
            assert not gap or gap in texts, gap


def test_real_corpus_default_chunks_are_single_sentences(paragraphs):
    chunks = chunk_paragraphs(paragraphs)
    assert len(chunks) >= sum(p.kind == "body" for p in paragraphs) > 0  # every body paragraph is indexed
    assert all(re.search(r"[。！？；”]$", c.text) for c in chunks)
    assert all(len(split_sentences(c.text)) == 1 for c in chunks)


def test_small_max_chars_cuts_only_after_commas_outside_numbers(paragraphs):
    config = ChunkerConfig(max_chars=20)
    chunks = chunk_paragraphs(paragraphs, config)
    cut_inside_sentence = 0
    for para in paragraphs:
        sentence_ends = {para.start + e for _, e in split_sentences(para.text)}
        for c in chunks_of(para, chunks):
            if c.end not in sentence_ends:  # a cut inside a sentence
                cut_inside_sentence += 1
                assert c.text[-1] in "，,"
                assert not (c.text[-2].isdigit() and para.text[c.end - para.start].isdigit())
            if len(c.text) > config.max_chars:  # only a clause with no comma to cut at may stay long
                inner = [m.start() for m in re.finditer(r"[，,]", c.text[:-1])]
                assert all(c.text[i - 1].isdigit() and c.text[i + 1].isdigit() for i in inner), c.text
    assert cut_inside_sentence > 50


def test_long_sentence_is_cut_at_commas_and_never_inside_1200():
    text = "今年全市志愿服务持续推进，共有1,200名志愿者参加活动，另有3,500人次到场服务，其余人员在家等候通知。"
    paras = parse("标题\n\n" + text + "\n", "synthetic.txt")
    chunks = chunk_paragraphs(paras, ChunkerConfig(max_chars=16))
    assert [c.text for c in chunks] == [
        "今年全市志愿服务持续推进，",
        "共有1,200名志愿者参加活动，",
        "另有3,500人次到场服务，",
        "其余人员在家等候通知。",
    ]
    # With room for two clauses, clauses are packed greedily, still cut only at commas.
    wide = chunk_paragraphs(paras, ChunkerConfig(max_chars=30))
    assert [c.text for c in wide] == [
        "今年全市志愿服务持续推进，共有1,200名志愿者参加活动，",
        "另有3,500人次到场服务，其余人员在家等候通知。",
    ]


def test_sentence_with_no_comma_is_never_cut_mid_word():
    text = "全市统一平台累计处理各类事件721.6万余件并全部按时办结归档完毕。"
    chunks = chunk_paragraphs(parse("标题\n\n" + text + "\n", "s.txt"), ChunkerConfig(max_chars=10))
    assert [c.text for c in chunks] == [text]


def test_closing_quote_stays_with_its_sentence(paragraphs):
    para = next(p for p in paragraphs if "方便省心" in p.text)
    sentences = [para.text[s:e] for s, e in split_sentences(para.text)]
    quoted = next(s for s in sentences if "方便省心" in s)
    assert quoted.endswith("实在是方便省心。”")
    assert sentences[sentences.index(quoted) + 1].startswith("眼前这一切")
    assert split_sentences("他说：“好！”她说：‘行。’（完）") == [(0, 7), (7, 14), (14, 17)]


def test_sentence_split_knows_all_terminators():
    text = "第一句。第二句！第三句？第四句；Fifth? Sixth! 尾巴"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "第一句。",
        "第二句！",
        "第三句？",
        "第四句；",
        "Fifth?",
        "Sixth!",
        "尾巴",
    ]


def test_chunk_ids_are_content_hashes(paragraphs):
    chunks = chunk_paragraphs(paragraphs)
    for c in chunks:
        assert c.id == hashlib.sha256(f"{c.source}\n{c.text}".encode()).hexdigest()[:16]
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.id for c in chunk_paragraphs(paragraphs)] == [c.id for c in chunks]


def test_chunk_ids_are_stable_across_processes(paragraphs):
    """sha256, not hash(): another interpreter with another hash seed gives the same ids."""
    code = (
        "import json; from pathlib import Path; from rag.loader import load_corpus; "
        "from rag.chunker import chunk_paragraphs; "
        f"print(json.dumps([c.id for c in chunk_paragraphs(load_corpus([Path({str(CORPUS_DIR)!r})])[0])]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [c.id for c in chunk_paragraphs(paragraphs)]


def test_chunk_ids_differ_when_text_or_source_differs():
    base = chunk_id("a.txt", "全市93家养老机构。")
    assert chunk_id("a.txt", "全市94家养老机构。") != base
    assert chunk_id("b.txt", "全市93家养老机构。") != base
    assert chunk_id("a.txt", "全市93家养老机构。") == base


def test_a_sentence_repeated_in_one_file_is_indexed_once():
    text = "标题\n\n全市93家养老机构。其他内容。\n\n全市93家养老机构。\n"
    chunks = chunk_paragraphs(parse(text, "dup.txt"))
    assert [c.text for c in chunks] == ["全市93家养老机构。", "其他内容。"]


def test_a_later_item_of_a_semicolon_list_keeps_the_lists_lead():
    text = (
        "标题\n\n2025年第一季度,群众来电诉求主要集中在农林畜牧水利1590件,占诉求量的14.23%;"
        "社会保障1485件,占诉求量的13.29%;公安执法1152件。下一句新增10个。\n\n"
        "2023年实事主要包括：加装燃气报警器10万户；建设30家智慧养老院。\n"
    )
    chunks = {c.text: c for c in chunk_paragraphs(parse(text, "list.txt"))}
    assert chunks["社会保障1485件,占诉求量的13.29%;"].lead == "2025年第一季度,"
    assert chunks["公安执法1152件。"].lead == "2025年第一季度,"
    assert chunks["下一句新增10个。"].lead == ""  # a 。 ends the list
    assert chunks["建设30家智慧养老院。"].lead == "2023年实事主要包括："
    first = chunks["2023年实事主要包括：加装燃气报警器10万户；"]
    assert first.lead == "" and "2023年实事主要包括：建设30家" in chunks["建设30家智慧养老院。"].retrieval_text()
    assert chunks["建设30家智慧养老院。"].text == "建设30家智慧养老院。"  # what is cited stays the source's words


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("与2024年第四季度数据相比,2025年第一季度,我县诉求环比减少12.35%", (2025,)),
        ("全市新增养老床位3000张，比2023年增长10%", (2024,)),  # the article's year: 2023 is only the base
        ("2023年城镇新增就业12.5万人，较2022年多1万人", (2023,)),
        ("2024年全市新增养老床位3000张", (2024,)),
    ],
)
def test_a_comparisons_base_year_is_not_the_sentences_year(text, years):
    assert sentence_years(text, "", (), 2024) == years


@pytest.mark.parametrize(
    ("text", "years"),
    [
        # the work's start and end dates follow the one figure: it is of the heading's year
        ("项目总投资20亿元,2022年10月开工,2024年12月完工,建成后推动优质医疗资源扩容。", (2023,)),
        ("新建学校5所，将于2025年9月投用。", (2023,)),
        ("参保人数达到1179万人（截至2024年底）。", (2024,)),  # 截至 dates the figure it follows
        ("2024年，全省12345热线共服务群众和企业诉求4367万件。", (2024,)),
        ("完成投资218.17亿元，占2022年计划的120%。", (2022,)),  # a year before a figure is its year
        ("国家区域医疗中心2024年12月完工。", (2024,)),  # no figure but the date: the date is the point
    ],
)
def test_a_year_after_the_last_figure_dates_an_event_not_the_figure(text, years):
    assert sentence_years(text, "2023年聊城市十大民生项目出炉", (), 2023) == years
