"""Source files -> paragraphs that know their article and section.

The seed file is plain text: blank lines between elements, an article title,
section headings (short lines without a sentence end), body paragraphs, a byline
("本报记者 …") closing each article, and photo captions after it. Markdown files
mark headings with '#'; so do the readers of HTML and .docx (rag/formats.py), which turn
every format into such lines. Bylines and captions are kept as metadata and never
chunked for retrieval: they are not facts about public services.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.errors import CorpusError
from rag.figures import extract_figures, is_date
from rag.formats import UnreadableSource, read_source, suffix_list, suffixes
from rag.metadata import build_meta, find_date, split_front_matter
from rag.tables import is_one_cell_line, is_table_line, row_groups
from rag.types import Paragraph, ParagraphKind

# A line that states who wrote or published the article, or when: metadata, never a fact.
_BYLINE = re.compile(
    r"^[\s【\[（(]*(本报记者|本报讯|记者|通讯员|来源|作者|编辑|责任编辑|审核|发布时间|发布日期|发布机构|日期|时间|文\s*[/／]|图\s*[/／]|摄影)"
)
# A byline that closes an article (the next title-like line starts another one).
_CLOSING = re.compile(r"^[\s【\[（(]*(本报记者|记者|通讯员|责任编辑|编辑|文\s*[/／]|图\s*[/／]|摄影)")
# An item of a numbered list (01 …, 1. …, （1）…): content, never a heading.
_LIST_ITEM = re.compile(r"^([-•·]\s|\d{1,2}[\s.、．)）]|[（(]\d{1,2}[)）])")
_SENTENCE_END = re.compile(r"[。；;]|[，,].*[，,]")  # a heading has no sentence end and at most one comma
_TITLE_END = re.compile(r"[。；;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING_MAX_CHARS = 40
TITLE_MAX_CHARS = 80
BYLINE_MAX_CHARS = 80


def find_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their source files (sorted, so builds are repeatable)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes())
            if not found:
                raise CorpusError(f"No {suffix_list()} files in folder {path}.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"Source path not found: {path}. Give a {suffix_list()} file or a folder of them.")
    return files


def read_text(path: Path) -> str:
    """The text of a source file of any format (what Chunk.start/end point into); an
    UnreadableSource (a CorpusError) names a bad file."""
    return read_source(path).text


def file_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bytes_sha256(path: Path) -> str:
    """The sha256 of a file's bytes: what the index records, and compares without parsing."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(paths: list[Path]) -> dict[str, str]:
    """{source name: sha256 of its bytes} for every source file, readable or not: enough to tell
    whether an index is stale without extracting any text (an HTML page costs ~0.2 s to extract)."""
    return {path.name: _hash_or_empty(path) for path in find_files(paths)}


def _hash_or_empty(path: Path) -> str:
    try:
        return bytes_sha256(path)
    except OSError:
        return ""  # unreadable now: the build says why


def _has_fact(line: str) -> bool:
    """A figure with a unit, other than a date: such a line is content, however short
    (01 新增学位2550个). Bare numbers are list markers or names (12345)."""
    return any(f.unit and not is_date(f) for f in extract_figures(line))


def _is_byline(line: str) -> bool:
    if len(line) > BYLINE_MAX_CHARS:
        return False  # 本报讯（记者 …）近日，全市新增…: a dateline opening a body paragraph
    return bool(_BYLINE.match(line)) or (
        bool(find_date([line])) and not _TITLE_END.search(line) and not _has_fact(line)
    )


def _is_heading_line(line: str) -> bool:
    return len(line) <= HEADING_MAX_CHARS and not _SENTENCE_END.search(line) and not _has_fact(line)


def _is_title_line(line: str) -> bool:
    return len(line) <= TITLE_MAX_CHARS and not _TITLE_END.search(line)


def _classify(items: list[str], markdown: bool) -> list[ParagraphKind]:
    """Each line's kind. The first line of an article is its title when it reads like one;
    a heading-like line is a caption when no body paragraph follows it before the next
    byline or the end (photo captions trail an article); a line with fewer than two
    Chinese characters (a table cell, a page number) is kept as a caption too."""
    kinds: list[ParagraphKind] = []
    for i, line in enumerate(items):
        if is_table_line(line):  # a table's first line is its header: the heading of its rows
            kinds.append("body" if i and is_table_line(items[i - 1]) else "heading")
        elif markdown and line.startswith("#"):
            kinds.append("title" if re.match(r"^#(?!#)", line) else "heading")
        elif _is_byline(line):
            kinds.append("byline")
        elif len(_CJK.findall(line)) < 2:
            kinds.append("caption")
        elif _is_heading_line(line) and not _LIST_ITEM.match(line):
            kinds.append("heading")
        else:
            kinds.append("body")
    for i, kind in enumerate(kinds):
        trailing = "body" in kinds[:i]  # a caption trails text; a heading-like first line is the title
        if (
            kind == "heading"
            and trailing
            and next((k for k in kinds[i + 1 :] if k in ("body", "byline")), None) != "body"
        ):
            kinds[i] = "caption"
    if markdown:
        return kinds
    # A new article starts at the top of the file and after a byline that closes an article
    # (one that follows body text); its first line is the title when it reads like one.
    expect_title, seen_body = True, False
    for i, (line, kind) in enumerate(zip(items, kinds, strict=True)):
        if kind == "byline":
            if seen_body and _CLOSING.match(line):
                expect_title, seen_body = True, False
            continue
        if expect_title and kind in ("heading", "body") and _is_title_line(line):
            kinds[i] = "title"
        if kind == "body":
            seen_body = True
        expect_title = False
    return kinds


def _regroup_flat_tables(items: list[tuple[str, int, int]], text: str) -> list[tuple[str, int, int]]:
    """Lines of a table flattened to one cell per line, grouped back into a header and rows
    (rag/tables.py); each group's text is its exact span of the file, line breaks and all."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and is_one_cell_line(items[j][0]):
            j += 1
        groups = row_groups([line for line, _, _ in items[i:j]])
        if not groups:  # no run, or one that does not read as a table: the lines as they are
            j = max(j, i + 1)
            out.extend(items[i:j])
            i = j
            continue
        for first, last in groups:
            start, end = items[i + first][1], items[i + last - 1][2]
            out.append((text[start:end], start, end))
        i = j
    return out


def parse(text: str, source: str, markdown: bool | None = None) -> list[Paragraph]:
    """Place every non-empty line of one file in its article and section, with the
    article's metadata (front matter first, then what the text says). Headings are
    marked '#' when markdown is True (default: when the source is a .md file)."""
    front, offset = split_front_matter(text, source)
    items: list[tuple[str, int, int]] = []  # (stripped text, start, end)
    for m in re.finditer(r"[^\n]+", text[offset:]):
        raw, pos = m.group(0), m.start() + offset
        if stripped := raw.strip():
            lead = len(raw) - len(raw.lstrip())
            items.append((stripped, pos + lead, pos + lead + len(stripped)))
    if markdown is None:
        markdown = source.lower().endswith(".md")
    items = _regroup_flat_tables(items, text)
    kinds = _classify([line for line, _, _ in items], markdown)

    paragraphs: list[Paragraph] = []
    article, section = "", ""
    for (line, start, end), kind in zip(items, kinds, strict=True):
        clean = line.lstrip("#").strip() if markdown else line
        if markdown and clean != line:
            start = end - len(clean)
        if kind == "title":
            article, section = clean, ""
        elif kind == "heading":
            section = " ".join(clean.split())  # a table header regrouped from one cell per line
        paragraphs.append(Paragraph(clean, source, start, end, kind, article, section))
    return _with_meta(paragraphs, front)


# How far into an article's body its reporting year is looked for (title years win).
PERIOD_OPENING_CHARS = 600


def _with_meta(paragraphs: list[Paragraph], front: dict) -> list[Paragraph]:
    """Attach each article's metadata to its paragraphs (one file may hold several articles)."""
    groups: list[list[Paragraph]] = []
    for p in paragraphs:
        if p.kind == "title" or not groups:
            groups.append([])
        groups[-1].append(p)
    result: list[Paragraph] = []
    for group in groups:
        body = [p for p in group if p.kind == "body"]
        title = next((p.text for p in group if p.kind == "title"), "")
        if not title and body:  # no title line: the opening sentence names the article
            title = re.split(r"[。！？!?；;]", body[0].text)[0][:40]
        head = [p.text for p in group[:6] if p.kind != "body"]
        bylines = [p.text for p in group if p.kind == "byline"]
        meta = build_meta(
            front,
            title,
            head,
            " ".join(p.text for p in body[:2]),
            bylines,
            " ".join(p.text for p in body),
            # a news report often names the year it reports on only after its lead and setting
            period_text=" ".join(p.text for p in body[:3])[:PERIOD_OPENING_CHARS],
        )
        result.extend(replace(p, article=p.article or meta.title, meta=meta) for p in group)
    return result


@dataclass
class Corpus:
    """What the loader read: paragraphs, each file's sha256, and the files it skipped and why."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # source name -> sha256 of its bytes
    skipped: dict[str, str] = field(default_factory=dict)  # file path -> the message saying why
    skipped_hashes: dict[str, str] = field(default_factory=dict)  # source name -> sha256 of its bytes


def read_corpus(paths: list[Path]) -> Corpus:
    """Read and parse every file. A file that cannot be read or holds no body text is
    skipped with its reason, and the rest is read; a CorpusError when nothing is left.

    All files are read before anything is returned, so a build never starts on a
    half-read corpus.
    """
    corpus = Corpus()
    for path in find_files(paths):
        try:
            source = read_source(path)
            parsed = parse(source.text, path.name, source.markdown)
            if not any(p.kind == "body" for p in parsed):
                raise UnreadableSource(f"{path} has no body paragraphs (only headings or captions): nothing to index.")
        except CorpusError as exc:  # also bad front matter: one file's problem, not the corpus's
            corpus.skipped[str(path)] = str(exc)
            corpus.skipped_hashes[path.name] = _hash_or_empty(path)
            continue
        if path.name in corpus.hashes:
            raise CorpusError(f"Two source files are both named {path.name}; rename one so citations stay unambiguous.")
        corpus.paragraphs.extend(parsed)
        corpus.hashes[path.name] = bytes_sha256(path)
    if not corpus.hashes:
        raise CorpusError("Nothing to index: " + " ".join(corpus.skipped.values()))
    return corpus


def load_corpus(paths: list[Path]) -> tuple[list[Paragraph], dict[str, str]]:
    """Read and parse every file; return paragraphs and {source name: sha256} (skipping
    unreadable files: read_corpus says which)."""
    corpus = read_corpus(paths)
    return corpus.paragraphs, corpus.hashes
