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

from rag.figures import extract_figures, is_date, is_name_part
from rag.places import gazetteer
from rag.types import Chunk, Paragraph

# A sentence: anything up to a terminator, plus closing quotes/brackets right after it.
_SENTENCE = re.compile(r"[^。！？!?；;]*(?:[。！？!?；;]+[”’」』）)]*|$)")
# A place where an over-long sentence may be cut: after a comma not inside a number (1,200).
_COMMA = re.compile(r"(?<!\d)[，,](?!\d)|(?<=\D)[，,]")


# The version of the rules that cut articles into chunks and give them their metadata (headings,
# places, years) and the text they are embedded and matched by. Bump it when they change: an
# index built under other rules is stale, and is rebuilt at the next start, reusing the vectors
# of every unchanged embedded text.
CHUNK_RULES = 8


class ChunkerDict(TypedDict):
    """A ChunkerConfig as the index manifest records it."""

    sentences_per_chunk: int
    max_chars: int
    rules: int


@dataclass(frozen=True)
class ChunkerConfig:
    sentences_per_chunk: int = 1
    max_chars: int = 200

    def as_dict(self) -> ChunkerDict:
        return {"sentences_per_chunk": self.sentences_per_chunk, "max_chars": self.max_chars, "rules": CHUNK_RULES}


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


def states_a_figure(text: str) -> bool:
    """A figure with a unit, other than a date or a list's name (十大民生项目): 30件, 99.27亿元; a bare
    number in a headline is a name (宜春12345, 110接警)."""
    return any(f.unit and not is_date(f) and not is_name_part(f) for f in extract_figures(text))


def chunk_id(source: str, text: str) -> str:
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:16]


def chunk_paragraphs(paragraphs: list[Paragraph], config: ChunkerConfig = ChunkerConfig()) -> list[Chunk]:
    """Chunk the body paragraphs, and titles or headings that state a figure (30件!2023年聊城重点民生
    事项出炉: a headline's figure is often stated nowhere else); the rest of titles, headings, bylines
    and captions are context only."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for para in paragraphs:
        if para.kind != "body" and not (para.kind in ("title", "heading") and states_a_figure(para.text)):
            continue
        spans, span_leads = _spans(para, config)
        n = config.sentences_per_chunk
        for i in range(0, len(spans), n):
            group = spans[i : i + n]
            s, e = group[0][0], group[-1][1]
            text = para.text[s:e]
            cid = chunk_id(para.source, text)
            if cid in seen:  # the same sentence twice in one file: index it once
                continue
            seen.add(cid)
            meta = para.meta
            chunks.append(
                Chunk(
                    id=cid,
                    text=text,
                    source=para.source,
                    start=para.start + s,
                    end=para.start + e,
                    article=para.article,
                    section=para.section,
                    places=sentence_places(text, meta.places if meta else ()),
                    years=sentence_years(text, para.section, meta.period if meta else (), meta.year if meta else None),
                    date=meta.date if meta else "",
                    publisher=meta.publisher if meta else "",
                    url=meta.url if meta else "",
                    lead=span_leads[i],
                )
            )
    return chunks


def _spans(para: Paragraph, config: ChunkerConfig) -> tuple[list[tuple[int, int]], list[str]]:
    """The spans a paragraph is chunked by, each with the lead of the list it continues."""
    if para.kind != "body":  # a headline is one statement, whatever its 30件! punctuation
        return [(0, len(para.text.rstrip()))], [""]
    sentences = split_sentences(para.text)
    spans: list[tuple[int, int]] = []
    leads: list[str] = []
    for (s, e), lead in zip(sentences, list_leads(para.text, sentences), strict=True):
        cuts = _cut_long(para.text, s, e, config.max_chars)  # an over-long item's pieces share its lead
        spans += cuts
        leads += [lead] * len(cuts)
    return spans, leads


_LIST_END = ("；", ";")
_LEAD_END = re.compile(r"[，,：:]")


def list_leads(text: str, sentences: list[tuple[int, int]]) -> list[str]:
    """For each sentence, the lead of the ；-list it continues, else "". A list's lead is its first
    item's words before the clause stating the item's figure: in 2025年第一季度,群众来电诉求主要集中在
    农林畜牧水利1590件,…; 社会保障1485件,…; the second item is of 2025年第一季度 too."""
    leads, lead = [], ""
    for i, (s, e) in enumerate(sentences):
        continues = i > 0 and text[sentences[i - 1][0] : sentences[i - 1][1]].rstrip().endswith(_LIST_END)
        if not continues:
            lead = _lead_of(text[s:e])
        leads.append(lead if continues else "")
    return leads


def _lead_of(sentence: str) -> str:
    first = next((f for f in extract_figures(sentence) if f.unit and not is_date(f)), None)
    if first is None:
        return ""
    cuts = [m.end() for m in _LEAD_END.finditer(sentence, 0, first.start)]
    return sentence[: cuts[-1]] if cuts else ""


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年)")
_PROVINCE_WIDE = re.compile(r"全省|省内|省级")
_AS_OF = re.compile(r"(?:截至|截止|截止到|到)\s*$")  # 截至2024年底 dates the figure it follows too
_LAST_YEAR = re.compile(r"去年|上年|上一年|过去一年")
# A year named as the base of a comparison (与2024年第四季度相比, 比2023年增长, 较2022年): the
# sentence's figures are of another year, and the base year's own figures are not stated.
_BASE_YEAR = re.compile(r"(?:与|同|较|比|相比|对比)\s*((?:19|20)\d{2})(?=\s*年)")


def _event_years(text: str) -> set[int]:
    """Years named only after the sentence's last figure: in 项目总投资20亿元,2022年10月开工,2024年12月
    完工 they date the work, not the figure, which is of the year its heading or article reports on.
    A year before a figure (2024年，全省受理诉求4367万件) is that figure's year."""
    quantities = [f for f in extract_figures(text) if not is_date(f)]
    if not quantities:
        return set()
    last = max(f.end for f in quantities)
    before = {int(m.group(1)) for m in _YEAR.finditer(text) if m.start() < last or _AS_OF.search(text, 0, m.start())}
    return {int(m.group(1)) for m in _YEAR.finditer(text) if m.start() >= last} - before


def sentence_years(text: str, section: str, period: tuple[int, ...], article_year: int | None) -> tuple[int, ...]:
    """The years a sentence speaks of: its own (2024年, not a comparison's base year), else its
    heading's, else the period its article reports on, else the article's date read through 今年/去年."""
    for scope in (text, section):
        skipped = {int(y) for y in _BASE_YEAR.findall(scope)} | _event_years(scope)
        if found := tuple(dict.fromkeys(y for y in map(int, _YEAR.findall(scope)) if y not in skipped)):
            return found
    if period:
        return period
    if article_year is None:
        return ()
    if _LAST_YEAR.search(text):
        return (article_year - 1,)
    return (article_year,)


def sentence_places(text: str, article_places: tuple[str, ...]) -> tuple[str, ...]:
    """The article's places, and any place the sentence itself names (金水区, 苏州)."""
    g = gazetteer()
    named = [m.place.name for m in g.find(text)]
    named += [m.place.name for m in g.find_local(text, article_places)]  # 昆山 in an article about 苏州市
    if _PROVINCE_WIDE.search(text):  # 全省 in a city's article speaks of its province
        named += [p.province for name in article_places if (p := g.get(name)) and p.province]
    return tuple(dict.fromkeys([*article_places, *named]))
