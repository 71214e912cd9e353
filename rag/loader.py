"""Source files -> paragraphs that know their article and section.

The seed file is plain text: blank lines between elements, an article title,
section headings (short lines without a sentence end), body paragraphs, a byline
("本报记者 …") closing each article, and photo captions after it. Markdown files
mark headings with '#'. Bylines and captions are kept as metadata and never
chunked for retrieval: they are not facts about public services.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rag.errors import CorpusError
from rag.types import Paragraph

SUFFIXES = (".txt", ".md")
_SENTENCE_END = re.compile(r"[。！？!?；;：:]")
_BYLINE = re.compile(r"^(本报记者|本报讯|记者|通讯员)")
HEADING_MAX_CHARS = 40


def find_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their .txt/.md files (sorted, so builds are repeatable)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise CorpusError(f"No .txt or .md files in folder {path}.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"Source path not found: {path}. Give a .txt/.md file or a folder of them.")
    return files


def read_text(path: Path) -> str:
    """Read a source file as UTF-8, refusing binary, undecodable and empty files by name."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if b"\x00" in raw:
        raise CorpusError(f"{path} looks like a binary file, not text. Give a UTF-8 .txt or .md file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 (byte {exc.start}). Convert it, e.g. `iconv -f GBK -t UTF-8`.") from exc
    if not text.strip():
        raise CorpusError(f"{path} is empty: nothing to index.")
    return text


def file_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_heading_line(line: str) -> bool:
    return len(line) <= HEADING_MAX_CHARS and not _SENTENCE_END.search(line)


def parse(text: str, source: str) -> list[Paragraph]:
    """Place every non-empty line of one file in its article and section."""
    lines = [(m.group(0), m.start()) for m in re.finditer(r"[^\n]+", text)]
    items: list[tuple[str, int, int]] = []  # (stripped text, start, end)
    for raw, pos in lines:
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            items.append((stripped, pos + lead, pos + lead + len(stripped)))

    markdown = source.lower().endswith(".md")
    kinds: list[str] = []
    for line, _, _ in items:
        if markdown and line.startswith("#"):
            kinds.append("title" if re.match(r"^#(?!#)", line) else "heading")
        elif _BYLINE.match(line):
            kinds.append("byline")
        elif _is_heading_line(line):
            kinds.append("heading")
        else:
            kinds.append("body")

    # A heading-like line is a caption when no body paragraph follows it before the
    # next byline or the end (photo captions trail the article). The first heading of
    # the file, and the first one after a byline that is followed by body, is a title.
    for i, kind in enumerate(kinds):
        if kind != "heading":
            continue
        rest = kinds[i + 1 :]
        nxt = next((k for k in rest if k in ("body", "byline")), None)
        if nxt != "body":
            kinds[i] = "caption"
    if not markdown:
        expect_title = True
        for i, kind in enumerate(kinds):
            if kind == "heading" and expect_title:
                kinds[i] = "title"
                expect_title = False
            elif kind == "body":
                expect_title = False
            elif kind == "byline":
                expect_title = True

    paragraphs: list[Paragraph] = []
    article, section = "", ""
    for (line, start, end), kind in zip(items, kinds, strict=False):
        clean = line.lstrip("#").strip() if markdown else line
        if markdown and clean != line:
            start = end - len(clean)
        if kind == "title":
            article, section = clean, ""
        elif kind == "heading":
            section = clean
        paragraphs.append(Paragraph(clean, source, start, end, kind, article, section))  # type: ignore[arg-type]
    return paragraphs


def load_corpus(paths: list[Path]) -> tuple[list[Paragraph], dict[str, str]]:
    """Read and parse every file; return paragraphs and {source name: sha256}.

    All files are read before anything is returned, so a bad file stops the build
    before an index is touched.
    """
    paragraphs: list[Paragraph] = []
    hashes: dict[str, str] = {}
    for path in find_files(paths):
        text = read_text(path)
        parsed = parse(text, path.name)
        if not any(p.kind == "body" for p in parsed):
            raise CorpusError(f"{path} has no body paragraphs (only headings or captions): nothing to index.")
        if path.name in hashes:
            raise CorpusError(f"Two source files are both named {path.name}; rename one so citations stay unambiguous.")
        paragraphs.extend(parsed)
        hashes[path.name] = file_sha256(text)
    return paragraphs, hashes
