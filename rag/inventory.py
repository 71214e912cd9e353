"""What ingest made of each article: nothing is dropped silently.

Every line of a source is a title, heading, byline, caption or body paragraph (rag/loader.py).
Body paragraphs are cut into indexed sentences; titles and headings are kept as the setting
of the sentences under them; bylines and captions are not indexed. This lists, per article,
the metadata detected and every line that was kept out of the index, so an operator can see
at a glance when a layout was misread (a list item taken for a heading, say).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rag.types import Chunk, Paragraph

# Lines longer than this are shortened in the listing (the file keeps them whole).
SHOWN_CHARS = 60


@dataclass(frozen=True)
class ArticleInventory:
    source: str
    title: str
    places: tuple[str, ...]
    date: str
    publisher: str
    kind: str
    period: tuple[int, ...]
    kinds: dict[str, int]  # paragraph kind -> count
    sentences: int  # indexed chunks
    kept_out: tuple[tuple[str, str], ...]  # (kind, text) of every heading, byline and caption


def inventory(paragraphs: list[Paragraph], chunks: list[Chunk]) -> list[ArticleInventory]:
    """One entry per article, in corpus order."""
    sentences = Counter((c.source, c.article) for c in chunks)
    groups: dict[tuple[str, str], list[Paragraph]] = {}
    for p in paragraphs:
        groups.setdefault((p.source, p.article), []).append(p)
    result = []
    for (source, article), group in groups.items():
        meta = group[0].meta
        result.append(
            ArticleInventory(
                source=source,
                title=article,
                places=meta.places if meta else (),
                date=meta.date if meta else "",
                publisher=meta.publisher if meta else "",
                kind=meta.kind if meta else "",
                period=meta.period if meta else (),
                kinds=dict(Counter(p.kind for p in group)),
                sentences=sentences[(source, article)],
                kept_out=tuple((p.kind, p.text) for p in group if p.kind in ("heading", "byline", "caption")),
            )
        )
    return result


def _short(text: str) -> str:
    text = " ".join(text.split())  # a table header regrouped from one cell per line, on one line
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def describe(articles: list[ArticleInventory], full: bool = False) -> str:
    """The ingest report: a line per article, then the lines kept out of the index
    (all of them with full=True, else the first five per article)."""
    lines = []
    for a in articles:
        parts = [f"{n} {kind}" for kind, n in sorted(a.kinds.items())]
        about = " · ".join(
            x for x in ("、".join(a.places), a.date, a.publisher, a.kind, "、".join(map(str, a.period))) if x
        )
        lines.append(f"{a.source}: 《{_short(a.title)}》 {about}")
        lines.append(f"  {a.sentences} sentences indexed from {', '.join(parts)}")
        shown = a.kept_out if full else a.kept_out[:5]
        for kind, text in shown:
            lines.append(f"  kept as {kind}: {_short(text)}")
        if len(shown) < len(a.kept_out):
            lines.append(f"  … {len(a.kept_out) - len(shown)} more (minsheng ingest --list-all)")
    return "\n".join(lines)
