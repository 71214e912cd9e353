"""Paragraphs -> chunks of whole sentences, with offsets into the source.

Chinese sentences end at 。！？； (a closing quote right after stays with its
sentence). A sentence longer than max_chars is cut at a comma, never between two
digits, so a number and its unit always stay together. Chunks never cross
paragraphs: a paragraph is the smallest unit a section heading speaks for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from rag.types import Chunk, Paragraph

# A sentence: anything up to a terminator, plus closing quotes/brackets right after it.
_SENTENCE = re.compile(r"[^。！？!?；;]*(?:[。！？!?；;]+[”’」』）)]*|$)")
# A place where an over-long sentence may be cut: after a comma not inside a number (1,200).
_COMMA = re.compile(r"(?<!\d)[，,](?!\d)|(?<=\D)[，,]")


class ChunkerDict(TypedDict):
    """A ChunkerConfig as the index manifest records it."""

    sentences_per_chunk: int
    max_chars: int


@dataclass(frozen=True)
class ChunkerConfig:
    sentences_per_chunk: int = 1
    max_chars: int = 200

    def as_dict(self) -> ChunkerDict:
        return {"sentences_per_chunk": self.sentences_per_chunk, "max_chars": self.max_chars}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of text, whitespace trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long span at commas (not inside numbers) into pieces of <= max_chars."""
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [m.end() for m in _COMMA.finditer(text, start, end) if not _between_digits(text, m.start())]
    pieces, piece_start, last_ok = [], start, None
    for cut in [*cuts, end]:
        if cut - piece_start > max_chars and last_ok is not None:
            pieces.append((piece_start, last_ok))
            piece_start = last_ok
        last_ok = cut
    pieces.append((piece_start, end))
    return pieces


def _between_digits(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def chunk_id(source: str, text: str) -> str:
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:16]


def chunk_paragraphs(paragraphs: list[Paragraph], config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    """Chunk the body paragraphs; titles, headings, bylines and captions are context only."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for para in paragraphs:
        if para.kind != "body":
            continue
        spans: list[tuple[int, int]] = []
        for s, e in split_sentences(para.text):
            spans.extend(_cut_long(para.text, s, e, config.max_chars))
        n = config.sentences_per_chunk
        for i in range(0, len(spans), n):
            group = spans[i : i + n]
            s, e = group[0][0], group[-1][1]
            text = para.text[s:e]
            cid = chunk_id(para.source, text)
            if cid in seen:  # the same sentence twice in one file: index it once
                continue
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    text=text,
                    source=para.source,
                    start=para.start + s,
                    end=para.start + e,
                    article=para.article,
                    section=para.section,
                )
            )
    return chunks
