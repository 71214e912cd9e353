"""Two documents stating different figures for what looks like the same fact.

A fact's key is (place, what its figure counts, unit), with its year: 某市 · 养老机构 · 家 · 2024.
Two chunks from different source files with the same key, compatible years (the same, or one
names none) and different values conflict: a poisoned
or outdated file says 9999家 where the official article says 93家. Ingest names every conflict
to the operator (`describe`), and the answer to a resident quotes both figures with their
sources and dates (`ConflictIndex.others`, called after answering: Pipeline.ask, `add_conflicts`),
never one silently.

The key is deliberately strict (the same counted thing, word for word, in the same place and
year): a warning an operator learns to ignore is worse than none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from rag.facts import figure_head, split_facts
from rag.figures import Figure, is_date, same_value
from rag.types import Answer, Chunk, Citation

Key = tuple[str, str, str]  # place, what is counted, unit


@dataclass(frozen=True)
class Stated:
    """One figure as one chunk states it."""

    chunk: Chunk
    figure: Figure
    key: Key
    year: int | None  # None: the passage names no single year, so it may be any

    def same_year(self, other: Stated) -> bool:
        return self.year is None or other.year is None or self.year == other.year


@dataclass(frozen=True)
class Conflict:
    key: Key
    statements: tuple[Stated, ...]  # one per distinct value, each from a different source file


def statements(chunk: Chunk) -> list[Stated]:
    """The figures of a chunk with the key of the fact each states (dates and unnamed counts skipped)."""
    place = chunk.places[0] if chunk.places else ""
    year = chunk.years[0] if len(chunk.years) == 1 else None
    out = []
    for fact in split_facts(chunk):
        for fig in fact.figures:
            if is_date(fig) or not fig.unit:
                continue
            head = figure_head(fact, fig).strip("，,、的 ")
            if len(head) >= 2:
                out.append(Stated(chunk, fig, (place, head, fig.unit), year))
    return out


class ConflictIndex:
    """Every stated figure of a corpus by its key, to find the other documents' figures for a fact."""

    def __init__(self, chunks: list[Chunk]):
        by_key: dict[Key, list[Stated]] = defaultdict(list)
        for chunk in chunks:
            for stated in statements(chunk):
                by_key[stated.key].append(stated)
        # Only a statement another source file could contradict (same key, compatible year) is ever
        # part of a conflict or returned by others(); most figures are stated by one file only, and
        # keeping all of them held ~0.6 KB per chunk at a million chunks (benchmarks/scale.py).
        self._by_key = {key: kept for key, items in by_key.items() if (kept := _contestable(items))}

    def conflicts(self) -> list[Conflict]:
        found = []
        for key, items in sorted(self._by_key.items(), key=lambda kv: str(kv[0])):
            years: list[int | None] = [*sorted({s.year for s in items if s.year is not None})] or [None]
            for year in years:
                distinct = _distinct([s for s in items if s.year in (year, None)])
                if len({s.chunk.source for s in distinct}) > 1:
                    found.append(Conflict(key, tuple(distinct)))
        return found

    def others(self, chunk: Chunk, figures: tuple[str, ...] | None = None) -> list[Stated]:
        """Figures other source files state, with another value, for the facts of this chunk
        (only those stating one of `figures`, as written, when given)."""
        out: list[Stated] = []
        for mine in statements(chunk):
            if figures is not None and mine.figure.text not in figures:
                continue
            for other in self._by_key.get(mine.key, []):
                differs = (
                    other.chunk.source != chunk.source
                    and mine.same_year(other)
                    and not same_value(other.figure, mine.figure)
                )
                if differs and all(o.chunk.id != other.chunk.id for o in out):
                    out.append(other)
        return out


def _contestable(items: list[Stated]) -> list[Stated]:
    """The statements of one key that have one from another source file with a compatible year."""
    sources: set[str] = {s.chunk.source for s in items}
    if len(sources) < 2:
        return []
    by_year: dict[int | None, set[str]] = defaultdict(set)
    for s in items:
        by_year[s.year].add(s.chunk.source)
    undated = by_year.get(None, set())
    return [s for s in items if (sources if s.year is None else by_year[s.year] | undated) - {s.chunk.source}]


def _distinct(items: list[Stated]) -> list[Stated]:
    kept: list[Stated] = []
    for s in items:
        if not any(same_value(s.figure, k.figure) for k in kept):
            kept.append(s)
    return kept


def find_conflicts(chunks: list[Chunk]) -> list[Conflict]:
    return ConflictIndex(chunks).conflicts()


def describe(conflict: Conflict) -> str:
    """One line for the operator: 某市 2024 养老机构（家）: 93家 in a.txt; 9999家 in b.txt."""
    place, head, unit = conflict.key
    years = sorted({s.year for s in conflict.statements if s.year})
    where = " ".join(str(x) for x in (place, *years) if x)
    stated = "; ".join(f"{s.figure.text} in {s.chunk.source} (“{s.chunk.text[:60]}”)" for s in conflict.statements)
    return f"{where + ' ' if where else ''}{head}（{unit}）: {stated}"


def add_conflicts(answer: Answer, chunks_by_id: dict[str, Chunk], index: ConflictIndex) -> Answer:
    """The answer with every other document's different figure for its cited facts quoted too,
    each with its source, date and its own [n] citation, so the resident sees both."""
    if answer.refused or not answer.citations:
        return answer
    extra: list[Citation] = []
    lines: list[str] = []
    marker = max(c.marker for c in answer.citations)
    cited = {c.chunk_id for c in answer.citations}
    for citation in answer.citations:
        chunk = chunks_by_id.get(citation.chunk_id)
        if chunk is None:
            continue
        for other in index.others(chunk, citation.figures or answer.figures):
            if other.chunk.id in cited or any(e.chunk_id == other.chunk.id for e in extra):
                continue
            marker += 1
            c = other.chunk
            extra.append(
                Citation(marker, c.id, c.text, c.source, c.article, c.section, c.start, c.end, (other.figure.text,),
                         c.places, c.years, c.date, c.publisher, c.url)
            )  # fmt: skip
            when = f"（{c.date}）" if c.date else ""
            lines.append(f"《{c.article or c.source}》{when}的说法不同：{c.text}[{marker}]")
    if not lines:
        return answer
    note = "注意：不同资料的数字不一致，请以官方最新发布为准。" + "；".join(lines)
    return replace(
        answer,
        text=f"{answer.text}{note}",
        citations=answer.citations + tuple(extra),
        figures=answer.figures + tuple(e.figures[0] for e in extra if e.figures[0] not in answer.figures),
    )
