"""HTML, .docx and PDF sources, built here with real libraries (reportlab, python-docx, lxml):
the same article in every format gives the same chunks under the same headings; navigation,
scripts and footers never reach the index; bad files (a scan, an encrypted file, a damaged one)
are skipped by name with the reason, and the rest of the folder is indexed.

No model: the fast tier (the CLI runs use the hash embedder).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import CORPUS_DIR
from lxml.html import builder as E
from lxml.html import tostring
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from rag.chunker import ChunkerConfig, chunk_paragraphs
from rag.errors import CorpusError
from rag.formats import UnreadableSource, read_source
from rag.ingest import main
from rag.loader import load_corpus, read_corpus
from rag.store import read_manifest

FONT = "STSong-Light"  # a CID font reportlab ships: Chinese text in a PDF without a font file
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@pytest.fixture(scope="module")
def article() -> list[tuple[str, str]]:
    """The first article of the real corpus as (kind, text) elements, as the loader reads the .txt."""
    paragraphs, _ = load_corpus([CORPUS_DIR])
    first = paragraphs[0].article
    return [(p.kind, p.text) for p in paragraphs if p.article == first and p.kind in ("title", "heading", "body")]


def chunk_view(path: Path) -> list[tuple[str, str, str]]:
    paragraphs, _ = load_corpus([path])
    return [(c.article, c.section, c.text) for c in chunk_paragraphs(paragraphs, ChunkerConfig())]


# --- builders ----------------------------------------------------------------------------


def write_markdown(path: Path, elements: list[tuple[str, str]]) -> Path:
    marks = {"title": "# ", "heading": "## ", "body": ""}
    path.write_text("\n\n".join(marks[k] + t for k, t in elements) + "\n", encoding="utf-8")
    return path


def write_html(path: Path, elements: list[tuple[str, str]]) -> Path:
    tags = {"title": E.H1, "heading": E.H2, "body": E.P}
    page = E.HTML(
        E.HEAD(E.TITLE("郑州市人民政府门户网站"), E.SCRIPT("var tracker = '站点统计代码';")),
        E.BODY(
            E.DIV(E.UL(*[E.LI(E.A(name, href="#")) for name in ("首页", "政务公开", "办事服务", "互动交流")])),
            E.DIV(E.CLASS("article"), *[tags[k](t) for k, t in elements]),
            E.DIV(E.CLASS("footer"), E.P("主办单位：网站管理中心 版权所有 联系我们 网站地图")),
        ),
    )
    path.write_bytes(tostring(page, encoding="utf-8", doctype="<!DOCTYPE html>"))
    return path


def write_docx(path: Path, elements: list[tuple[str, str]]) -> Path:
    document = docx.Document()
    for kind, text in elements:
        if kind == "title":
            document.add_heading(text, 0)
        elif kind == "heading":
            document.add_heading(text, 1)
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def write_pdf(path: Path, elements: list[tuple[str, str]], per_line: int = 36, **options) -> Path:
    """Lines of at most `per_line` characters, as a PDF's layout wraps them; a new page every 40 lines."""
    pdf = canvas.Canvas(str(path), **options)
    y = 800
    for _, text in elements:
        for start in range(0, len(text), per_line):
            if y < 60:
                pdf.showPage()
                y = 800
            pdf.setFont(FONT, 12)
            pdf.drawString(40, y, text[start : start + per_line])
            y -= 18
        y -= 8
    pdf.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A page that is only a picture, as a scanner makes it: no text layer."""
    picture = io.BytesIO()
    Image.new("L", (200, 100), color=200).save(picture, format="PNG")
    picture.seek(0)
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(picture), 40, 400, width=400, height=200)
    pdf.showPage()
    pdf.save()
    return path


# --- every format reads as the text does -------------------------------------------------


@pytest.mark.parametrize("writer", [write_html, write_docx, write_pdf], ids=["html", "docx", "pdf"])
def test_each_format_gives_the_chunks_and_headings_of_the_same_article_as_text(tmp_path, article, writer):
    suffix = {"write_html": ".html", "write_docx": ".docx", "write_pdf": ".pdf"}[writer.__name__]
    expected = chunk_view(write_markdown(tmp_path / "article.md", article))
    got = chunk_view(writer(tmp_path / f"article{suffix}", article))
    assert len(expected) > 10
    assert got == expected


def test_html_keeps_the_main_text_only(tmp_path, article):
    text = read_source(write_html(tmp_path / "page.html", article)).text
    for boilerplate in ("政务公开", "站点统计代码", "版权所有", "网站地图"):
        assert boilerplate not in text
    assert article[2][1] in text  # a whole body paragraph


def test_html_lists_stay_list_items_and_page_metadata_travels_with_the_chunks(tmp_path):
    page = E.HTML(
        E.HEAD(
            E.TITLE("养老服务补贴政策解读"),
            E.META(name="date", content="2024-05-12"),
            E.LINK(rel="canonical", href="https://www.example.gov.cn/zcjd/2024/0512.html"),
        ),
        E.BODY(
            E.DIV(
                E.H1("养老服务补贴政策解读"),
                E.P("来源：市民政局"),
                E.H2("补贴对象"),
                E.P("本市户籍的困难老年人可以申请养老服务补贴，补贴按月发放到个人账户。"),
                E.UL(E.LI("特困供养老人每月补贴300元"), E.LI("低保家庭老人每月补贴200元"), E.LI("完善申请流程")),
            )
        ),
    )
    path = tmp_path / "policy.html"
    path.write_bytes(tostring(page, encoding="utf-8"))
    paragraphs, _ = load_corpus([path])
    chunks = chunk_paragraphs(paragraphs, ChunkerConfig())
    items = [c for c in chunks if "每月补贴" in c.text or "完善申请流程" in c.text]
    assert len(items) == 3  # a short item without a figure is still content, not a heading
    assert {c.section for c in chunks} == {"补贴对象"}
    assert {(c.article, c.date, c.url) for c in chunks} == {
        ("养老服务补贴政策解读", "2024-05-12", "https://www.example.gov.cn/zcjd/2024/0512.html")
    }
    assert {c.publisher for c in chunks} == {"市民政局"}


def test_docx_lists_and_tables_become_lines(tmp_path):
    document = docx.Document()
    document.add_heading("社区食堂建设情况", 0)
    document.add_heading("建设进度", 1)
    document.add_paragraph("全市社区食堂建设进展顺利，各区按计划推进。")
    document.add_paragraph("新建社区食堂20个", style="List Number")
    document.add_paragraph("改造老年助餐点12个", style="List Number")
    document.add_paragraph("加强食品安全监管", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "区县", (0, 1): "食堂数量", (1, 0): "金水区", (1, 1): "35个"}.items():
        table.cell(row, col).text = text
    path = tmp_path / "canteens.docx"
    document.save(str(path))
    lines = [line for line in read_source(path).text.splitlines() if line]
    assert lines == [
        "# 社区食堂建设情况",
        "## 建设进度",
        "全市社区食堂建设进展顺利，各区按计划推进。",
        "1. 新建社区食堂20个",
        "2. 改造老年助餐点12个",
        "- 加强食品安全监管",
        "区县 | 食堂数量 |",
        "金水区 | 35个 |",
    ]
    chunks = chunk_paragraphs(load_corpus([path])[0], ChunkerConfig())
    assert any(c.text == "- 加强食品安全监管" and c.section == "建设进度" for c in chunks)
    # the header row heads the table's rows, which are read with their column names
    assert any(c.readable() == "区县：金水区，食堂数量：35个" for c in chunks)


def test_pdf_lines_wrapped_by_the_layout_join_into_one_paragraph(tmp_path):
    sentence = "截至2024年底，全市共建成社区养老服务中心一百二十个，覆盖城区全部街道，服务老年人超过三十万人次。"
    path = write_pdf(tmp_path / "wrapped.pdf", [("title", "养老服务年报"), ("body", sentence)], per_line=20)
    assert [line for line in read_source(path).text.splitlines() if line] == ["养老服务年报", sentence]


# --- bad files -----------------------------------------------------------------------------


def make_scanned(folder: Path) -> Path:
    return write_scanned_pdf(folder / "scan.pdf")


def make_encrypted_pdf(folder: Path) -> Path:
    return write_pdf(folder / "locked.pdf", [("body", "机密：全市共有养老机构93家。")], encrypt="secret")


def make_truncated_pdf(folder: Path) -> Path:
    whole = write_pdf(folder / "whole.pdf", [("body", "全市共有养老机构93家。")]).read_bytes()
    (folder / "whole.pdf").unlink()
    (folder / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    return folder / "cut.pdf"


def make_damaged_docx(folder: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("全市共有养老机构93家。")
    buffer = io.BytesIO()
    document.save(buffer)
    (folder / "damaged.docx").write_bytes(buffer.getvalue()[:2000])  # a download cut short
    return folder / "damaged.docx"


def make_docx_without_document(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "empty-package.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return folder / "empty-package.docx"


def make_protected_docx(folder: Path) -> Path:
    """Word saves a password-protected .docx as an OLE compound file, not a zip."""
    (folder / "protected.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return folder / "protected.docx"


def make_navigation_only_html(folder: Path) -> Path:
    page = E.HTML(E.BODY(E.DIV(E.UL(E.LI(E.A("首页", href="/")))), E.SCRIPT("document.write('统计');")))
    (folder / "nav.html").write_bytes(tostring(page, encoding="utf-8"))
    return folder / "nav.html"


def make_gbk_text(folder: Path) -> Path:
    (folder / "gbk.txt").write_bytes("全市共有养老机构93家。".encode("gbk"))
    return folder / "gbk.txt"


BAD_FILES = {
    "scanned": (make_scanned, "no text layer"),
    "encrypted-pdf": (make_encrypted_pdf, "encrypted"),
    "truncated-pdf": (make_truncated_pdf, "damaged"),
    "damaged-docx": (make_damaged_docx, "damaged"),
    "docx-without-document": (make_docx_without_document, "damaged"),
    "protected-docx": (make_protected_docx, "password-protected"),
    "navigation-only-html": (make_navigation_only_html, "no main text"),
    "gbk-text": (make_gbk_text, "not UTF-8"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_refused_naming_the_file_and_the_reason(tmp_path, name):
    make, reason = BAD_FILES[name]
    path = make(tmp_path)
    with pytest.raises(UnreadableSource, match=reason) as info:
        read_source(path)
    assert str(path) in str(info.value)
    with pytest.raises(CorpusError, match=f"Nothing to index.*{path.name}.*{reason}"):
        read_corpus([path])  # alone, there is nothing to index


def test_bad_files_are_skipped_and_reported_and_the_rest_is_indexed(tmp_path, article):
    folder = tmp_path / "city"
    folder.mkdir()
    good = [
        write_html(folder / "a.html", article),
        write_docx(folder / "b.docx", article[:4]),
        write_pdf(folder / "c.pdf", article[4:8]),
    ]
    bad = {make(folder).name: reason for make, reason in BAD_FILES.values()}
    corpus = read_corpus([folder])
    assert sorted(corpus.hashes) == sorted(p.name for p in good)
    assert sorted(Path(f).name for f in corpus.skipped) == sorted(bad)
    for file, why in corpus.skipped.items():
        assert file in why and bad[Path(file).name] in why


def test_ingest_of_a_mixed_folder_prints_what_it_skipped_and_indexes_the_rest(tmp_path, article, capsys):
    folder = tmp_path / "city"
    folder.mkdir()
    write_html(folder / "a.html", article)
    write_pdf(folder / "b.pdf", article[:3])
    make_scanned(folder)
    make_protected_docx(folder)
    index_dir = tmp_path / "index"
    assert main([str(folder), "--index-dir", str(index_dir), "--embedder", "hash", "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    skipped = [line for line in out if line.strip().startswith("skipped:")]
    assert len(skipped) == 2
    assert any("scan.pdf" in line and "no text layer" in line for line in skipped)
    assert any("protected.docx" in line and "password-protected" in line for line in skipped)
    manifest = read_manifest(index_dir)
    assert sorted(manifest["corpus"]["files"]) == ["a.html", "b.pdf"]
    assert sorted(manifest["corpus"].get("skipped", {})) == ["protected.docx", "scan.pdf"]
