"""Source files -> the line text the loader classifies, one reader per format.

Every reader returns a SourceText: one element per line (a title, a heading, a
paragraph, a list item, a table row), blank lines between them. Formats that know
their headings (HTML, .docx) mark them Markdown-style ('# ' the title, '## ' a
section), so the loader places sentences under them exactly as it does for .md;
list items keep a marker ('- ', '1. ') so a short item is never taken for a heading.
Citations' character offsets point into this text.

A file that cannot be read (damaged, encrypted, a scan without a text layer, no
main text) raises UnreadableSource naming the file and saying what to do; the
loader skips it, indexes the rest and reports it. Extraction libraries are
imported on first use, so a corpus of .txt files pays nothing for them.

A new format is one `register_reader(".ext", function)` call, the way the
built-ins below register.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rag.errors import CorpusError
from rag.tables import table_row


class UnreadableSource(CorpusError):
    """One source file cannot be read; the rest of the corpus can still be indexed."""


@dataclass(frozen=True)
class SourceText:
    text: str  # lines for the loader; headings marked '#' when markdown is True
    markdown: bool = False


Reader = Callable[[Path, bytes], SourceText]


@dataclass(frozen=True)
class FormatReader:
    suffix: str  # ".html", lower case
    read: Reader
    label: str  # for messages: "HTML page"


READERS: dict[str, FormatReader] = {}


def register_reader(suffix: str, read: Reader, label: str = "") -> None:
    """Make files ending in `suffix` sources of the corpus, read by `read(path, raw_bytes)`."""
    suffix = suffix.lower()
    READERS[suffix] = FormatReader(suffix, read, label or suffix)


def suffixes() -> tuple[str, ...]:
    return tuple(READERS)


def suffix_list() -> str:
    """'.txt, .md, .html, .htm, .docx or .pdf', for messages."""
    names = list(READERS)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def read_source(path: Path) -> SourceText:
    """The text of one source file, by its suffix; UnreadableSource names the file and the fix."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableSource(
            f"{path}: {path.suffix or 'a file without suffix'} is not a source format ({suffix_list()})."
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not raw.strip():
        raise UnreadableSource(f"{path} is empty: nothing to index.")
    source = reader.read(path, raw)
    if not source.text.strip():
        raise UnreadableSource(f"{path} is empty: nothing to index.")
    return source


# --- plain text and Markdown -------------------------------------------------------------


def read_plain(path: Path, raw: bytes) -> SourceText:
    """UTF-8 text, refusing binary and undecodable bytes by name."""
    if b"\x00" in raw:
        raise UnreadableSource(f"{path} looks like a binary file, not text. Give a UTF-8 .txt or .md file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(
            f"{path} is not UTF-8 (byte {exc.start}). Convert it, e.g. `iconv -f GBK -t UTF-8`."
        ) from exc
    return SourceText(text, markdown=path.suffix.lower() == ".md")


# --- helpers shared by the structured formats ---------------------------------------------


def _lines(elements: list[str], front: dict[str, Any] | None = None) -> str:
    """Elements one per line with blank lines between (as the text corpus writes them), after
    optional front matter; line breaks inside an element become spaces."""
    body = "\n\n".join(" ".join(e.split()) for e in elements if e.strip())
    front = {k: v for k, v in (front or {}).items() if v}
    if not front:
        return body + "\n"
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{header}\n---\n\n{body}\n"


def _missing_library(path: Path, package: str, exc: ImportError) -> UnreadableSource:
    return UnreadableSource(f"{path}: reading this format needs the {package} package: pip install {package}.")


# --- HTML --------------------------------------------------------------------------------

_MIN_TEXT_LINE = 8  # characters: a page whose every line is shorter has only menus and labels
_EMPHASIS = re.compile(r"\*\*|__")
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def read_html(path: Path, raw: bytes) -> SourceText:
    """The page's main text (trafilatura: no navigation, scripts, footers), headings and list
    items kept; its title, date and address go to front matter for the article's metadata."""
    try:
        import trafilatura
    except ImportError as exc:
        raise _missing_library(path, "trafilatura", exc) from exc
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its warnings are ours to phrase
    try:
        # favor_recall: the default mode drops a page's <h2> headings when its article has no <article> tag
        markdown = trafilatura.extract(
            raw,
            output_format="markdown",
            include_formatting=True,
            include_tables=True,
            include_comments=False,
            favor_recall=True,
        )
        # no extensive date search: it guesses a date from any year in the text (2021年以来 -> 2021-01-01)
        meta = trafilatura.extract_metadata(raw, date_config={"extensive_search": False, "original_date": True})
    except Exception as exc:  # lxml and the detectors raise many types on garbage
        raise UnreadableSource(f"{path} is not a readable HTML page ({type(exc).__name__}).") from exc
    elements = [_html_line(line) for line in (markdown or "").splitlines()]
    if not any(len(e) >= _MIN_TEXT_LINE and not e.startswith("#") for e in elements):  # a few menu words at most
        raise UnreadableSource(
            f"{path}: no main text found in this HTML page (only navigation or scripts?). "
            "Save the article page itself, not an index or a search page."
        )
    front = {"title": meta.title, "date": meta.date, "url": meta.url} if meta is not None else {}
    if elements and not any(e.startswith("# ") for e in elements) and front.get("title"):
        elements.insert(0, f"# {front['title']}")  # the page's <title> names the article
    return SourceText(_lines(elements, front), markdown=True)


def _html_line(line: str) -> str:
    line = _EMPHASIS.sub("", line.strip())
    if m := _TABLE_ROW.match(line):  # a table row: its cells, as rag/tables.py reads them
        cells = [c.strip() for c in m.group(1).split("|")]
        return table_row(c for c in cells if c and not set(c) <= set("-: "))
    if line.startswith(("#### ", "### ")):
        return "## " + line.lstrip("#").strip()  # the loader knows one level of sections
    return line


# --- .docx -------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted .docx (and an old .doc) is an OLE file, not a zip


def read_docx(path: Path, raw: bytes) -> SourceText:
    """Paragraphs and table rows in document order; Title and Heading styles become headings,
    list styles keep a marker."""
    try:
        import docx
    except ImportError as exc:
        raise _missing_library(path, "python-docx", exc) from exc
    if raw.startswith(_OLE_MAGIC):
        raise UnreadableSource(
            f"{path} is password-protected (or an old .doc renamed .docx). Save an unprotected .docx copy."
        )
    try:
        document = docx.Document(io.BytesIO(raw))
        elements = _docx_elements(document)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableSource(f"{path} is damaged or not a .docx file ({type(exc).__name__}).") from exc
    except Exception as exc:  # python-docx and lxml raise more types on a broken package
        raise UnreadableSource(f"{path} is damaged or not a .docx file ({type(exc).__name__}).") from exc
    title = (document.core_properties.title or "").strip()
    if title and not any(e.startswith("# ") for e in elements):
        elements.insert(0, f"# {title}")
    return SourceText(_lines(elements), markdown=True)


def _docx_elements(document: Any) -> list[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    elements: list[str] = []
    number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            number = 0
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                elements.append(table_row(c for c in cells if c))
            continue
        if not isinstance(block, Paragraph) or not block.text.strip():
            continue
        style = (block.style.name if block.style is not None else "") or ""
        text = block.text.strip()
        if style == "Title":
            elements.append(f"# {text}")
        elif style.startswith("Heading"):
            elements.append(f"## {text}")
        elif style.startswith("List Number"):
            number += 1
            elements.append(f"{number}. {text}")
            continue
        elif style.startswith("List"):
            elements.append(f"- {text}")
        else:
            elements.append(text)
        number = 0
    return elements


# --- PDF ---------------------------------------------------------------------------------

_LINE_END = re.compile(r"[。！？!?；;：:」”』）)]$")
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*(第\s*)?\d{1,4}\s*(页|/\s*\d{1,4}|[/／]\s*共?\s*\d{1,4}\s*页)?\s*[-—–]?\s*$")
_WRAP_SHARE = 0.85  # a line at least this share of the page's longest line was wrapped, not ended


def read_pdf(path: Path, raw: bytes) -> SourceText:
    """The text layer, page by page; lines the layout wrapped are joined back into paragraphs."""
    try:
        import pypdf
        from pypdf.errors import FileNotDecryptedError, PdfReadError
    except ImportError as exc:
        raise _missing_library(path, "pypdf", exc) from exc
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone still opens
            raise FileNotDecryptedError("needs a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise UnreadableSource(f"{path} is encrypted (password-protected). Save an unprotected copy.") from exc
    except UnreadableSource:
        raise
    except (PdfReadError, Exception) as exc:  # pypdf raises many types on a broken file
        if "crypt" in str(exc).lower():
            raise UnreadableSource(f"{path} is encrypted and cannot be opened ({exc}).") from exc
        raise UnreadableSource(f"{path} is damaged or not a PDF ({type(exc).__name__}).") from exc
    elements = _pdf_paragraphs(pages)
    if sum(len(e) for e in elements) < 2:
        raise UnreadableSource(
            f"{path} has no text layer (a scanned image?): nothing to index. Run OCR on it first, or give the text."
        )
    return SourceText(_lines(elements))


def _pdf_paragraphs(pages: list[str]) -> list[str]:
    """Lines into paragraphs, across page breaks too; page numbers (- 3 -, 第3页, 3/12) dropped."""
    lines = [
        line.strip() for page in pages for line in page.splitlines() if line.strip() and not _PAGE_NUMBER.match(line)
    ]
    if not lines:
        return []
    widest = max(len(line) for line in lines)
    paragraphs: list[str] = []
    joining = False
    for line in lines:
        if joining:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        # a full-width line without a closing mark runs on into the next one
        joining = len(line) >= _WRAP_SHARE * widest and widest >= 20 and not _LINE_END.search(line)
    return paragraphs


register_reader(".txt", read_plain, "text")
register_reader(".md", read_plain, "Markdown")
register_reader(".html", read_html, "HTML page")
register_reader(".htm", read_html, "HTML page")
register_reader(".docx", read_docx, "Word document")
register_reader(".pdf", read_pdf, "PDF")
