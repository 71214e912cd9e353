"""Loader: structure detection on the real corpus, markdown headings, and refusing bad files by name."""

from __future__ import annotations

import hashlib

import pytest
from conftest import CORPUS_DIR, CORPUS_FILE

from rag.chunker import chunk_paragraphs
from rag.errors import CorpusError
from rag.loader import file_sha256, find_files, load_corpus, parse, read_text

TITLES = ["改善民生 同心共建幸福城", "数智赋能 深耕网格暖民心"]
HEADINGS = [
    "扩充优质资源 筑牢教育事业根基",
    "推动服务下沉 守护全民健康福祉",
    "织密保障网络 托举“一老一小一困”",
    "精治城市街巷 提升宜居环境品质",
    "党建引领筑根基 智慧管理惠民生",
    "多元协同聚合力 共治共享谱新篇",
    "数字赋能提效能 智慧治理加速度",
    "筑牢体系强支撑 平急转换守底线",
]
CAPTIONS = ["市民在运动场活动", "郑州市新型智慧城市运行中心"]


@pytest.fixture(scope="module")
def corpus():
    paragraphs, hashes = load_corpus([CORPUS_DIR])
    return paragraphs, hashes, chunk_paragraphs(paragraphs)


def of_kind(paragraphs, kind):
    return [p.text for p in paragraphs if p.kind == kind]


# --- structure of the real corpus -------------------------------------------


def test_real_corpus_has_two_titles_eight_headings_two_bylines_two_captions(corpus):
    paragraphs, _, _ = corpus
    assert of_kind(paragraphs, "title") == TITLES
    assert of_kind(paragraphs, "heading") == HEADINGS
    bylines = of_kind(paragraphs, "byline")
    assert len(bylines) == 2 and all(b.startswith("本报记者") for b in bylines)
    assert of_kind(paragraphs, "caption") == CAPTIONS
    assert len(of_kind(paragraphs, "body")) == len(paragraphs) - 14


def test_paragraph_offsets_are_exact(corpus, corpus_text):
    paragraphs, _, _ = corpus
    assert all(corpus_text[p.start : p.end] == p.text for p in paragraphs)
    assert [p.start for p in paragraphs] == sorted(p.start for p in paragraphs)


def test_no_chunk_holds_a_byline_or_a_caption(corpus):
    paragraphs, _, chunks = corpus
    assert chunks
    context = [p for p in paragraphs if p.kind != "body"]
    for c in chunks:
        assert "本报记者" not in c.text and "市民在运动场活动" not in c.text
        assert c.text not in CAPTIONS + HEADINGS + TITLES
        assert not any(c.start < p.end and p.start < c.end for p in context), c.text


def test_every_chunk_sits_under_the_title_and_heading_that_precede_it(corpus, corpus_text):
    """Placement checked independently: the last title/heading line before the chunk in the file."""
    _, _, chunks = corpus

    def last_before(lines, pos):
        found = [(corpus_text.rfind(line, 0, pos), line) for line in lines]
        return max(f for f in found if f[0] >= 0)

    for c in chunks:
        title_at, title = last_before(TITLES, c.start)
        heading_at, heading = last_before(HEADINGS, c.start) if c.start > corpus_text.find(HEADINGS[0]) else (-1, "")
        assert c.article == title, c.text
        assert c.section == (heading if heading_at > title_at else ""), c.text
    # Only the first article's lead paragraph comes before any heading.
    lead = [c for c in chunks if not c.section]
    assert lead and all(c.article == TITLES[0] and c.end < corpus_text.find(HEADINGS[0]) for c in lead)


def test_known_chunks_carry_their_article_and_section(corpus):
    _, _, chunks = corpus
    care = next(c for c in chunks if "93家养老机构" in c.text)
    assert (care.article, care.section) == (TITLES[0], "织密保障网络 托举“一老一小一困”")
    hotline = next(c for c in chunks if "12345热线" in c.text)
    assert (hotline.article, hotline.section) == (TITLES[1], "数字赋能提效能 智慧治理加速度")


def test_corpus_hash_is_sha256_of_the_file(corpus):
    _, hashes, _ = corpus
    assert hashes == {CORPUS_FILE.name: hashlib.sha256(CORPUS_FILE.read_bytes()).hexdigest()}


# --- synthetic files ----------------------------------------------------------


def test_plain_text_title_after_byline_starts_a_new_article():
    text = "第一篇\n\n小节一\n\n正文一句。\n\n本报记者 甲\n\n第二篇\n\n正文二句。\n\n图片说明\n"
    paras = parse(text, "a.txt")
    assert [(p.kind, p.text) for p in paras] == [
        ("title", "第一篇"),
        ("heading", "小节一"),
        ("body", "正文一句。"),
        ("byline", "本报记者 甲"),
        ("title", "第二篇"),
        ("body", "正文二句。"),
        ("caption", "图片说明"),
    ]
    second = paras[5]
    assert (second.article, second.section) == ("第二篇", "")  # the section does not leak across articles


def test_markdown_headings_become_title_and_heading():
    text = "# 养老服务\n\n## 助餐点\n\n全市1166个助餐点。\n\n## 床位\n\n1.5万余张床位。\n\n# 教育\n\n全市学校3657所。\n"
    paras = parse(text, "notes.md")
    assert [(p.kind, p.text) for p in paras] == [
        ("title", "养老服务"),
        ("heading", "助餐点"),
        ("body", "全市1166个助餐点。"),
        ("heading", "床位"),
        ("body", "1.5万余张床位。"),
        ("title", "教育"),
        ("body", "全市学校3657所。"),
    ]
    assert all(text[p.start : p.end] == p.text for p in paras)  # '#' marks are outside the offsets
    chunks = chunk_paragraphs(paras)
    assert [(c.article, c.section) for c in chunks] == [("养老服务", "助餐点"), ("养老服务", "床位"), ("教育", "")]


def test_crlf_bom_and_fullwidth_indent_keep_offsets_exact(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeff标题\r\n\r\n\u3000\u3000全市93家养老机构。\r\n".encode("utf-8"))
    text = read_text(path)
    assert not text.startswith("\ufeff")
    paras = parse(text, path.name)
    assert [(p.kind, p.text) for p in paras] == [("title", "标题"), ("body", "全市93家养老机构。")]
    assert all(text[p.start : p.end] == p.text for p in paras)


def test_file_of_only_headings_is_refused(tmp_path):
    path = tmp_path / "headings.txt"
    path.write_text("标题一\n\n小节一\n\n小节二\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="headings.txt.*no body"):
        load_corpus([path])


def test_folder_lists_only_source_formats_sorted(tmp_path):
    for name in ("b.md", "a.txt", "c.TXT", "photo.png", "notes.docx", "slides.pptx", "e.pdf", "f.HTML", "g.htm"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in find_files([tmp_path])] == [
        "a.txt",
        "b.md",
        "c.TXT",
        "e.pdf",
        "f.HTML",
        "g.htm",
        "notes.docx",
        "d.txt",
    ]


def test_two_files_with_the_same_name_are_refused(tmp_path):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text("标题\n\n正文一句。\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="same.txt"):
        load_corpus([tmp_path])


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", " \n\n\u3000\n".encode("utf-8"), "empty"),
        ("gbk.txt", "郑州市全市九十三家养老机构。".encode("gbk"), "not UTF-8.*iconv"),
        ("nul.txt", "正文".encode() + b"\x00\x01", "binary"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_bad_files_are_refused_by_name(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=message) as info:
        load_corpus([path])
    assert name in str(info.value)


def test_missing_path_and_folder_without_sources_are_refused(tmp_path):
    with pytest.raises(CorpusError, match="missing.txt"):
        find_files([tmp_path / "missing.txt"])
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "a.png").write_bytes(b"\x89PNG")
    (tmp_path / "scans" / "b.pptx").write_bytes(b"PK")
    with pytest.raises(CorpusError, match=r"No \.txt, \.md, .*\.docx or \.pdf files.*scans"):
        find_files([tmp_path / "scans"])


def test_file_hash_depends_on_content():
    assert file_sha256("正文。") == file_sha256("正文。")
    assert file_sha256("正文。") != file_sha256("正文！")
