"""Table rows flattened to text, read back with their column names.

HTML-to-text extraction (trafilatura, and the articles copied from it) writes a table as lines of
cells between "|": a header line (序号 | 实事项目名称 | 完成情况 | 占全年计划 |), then one line per
row. The loader makes the header line the rows' heading, so a row keeps it as its section. A raw
row (开办150个小学生爱心寒托班 | 229 | 153% | |) says nothing of what 229 is; read with its header it
does: 实事项目名称：开办150个小学生爱心寒托班，完成情况：229，占全年计划：153%.

The loader takes the first line of a run of such lines as the table's header (rag/loader.py).
A merged cell (a 序号 spanning two rows) leaves the second row a cell short, at the front, with an
empty cell at the end: such a row is aligned to the header's last columns.

Some pages flatten a table further, one cell per line (电话 |, then 34859 |, then 90.67% |).
`row_groups` finds such a run and groups its cells back into the header and rows: the header is
the cells before the first number (less one, when the first row starts with a label), chosen so
that each column holds one kind of cell (numbers, words or nothing) down the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MIN_CELLS = 2
# columns that only number the rows: nothing a resident asks about
_NUMBERING = frozenset({"序号", "编号", "No.", "No", "#"})


def cells(line: str) -> list[str]:
    """The non-empty cells of a line of "|"-separated cells, trailing empty ones dropped."""
    parts = [c.strip() for c in line.strip().strip("|").split("|")]
    while parts and not parts[-1]:
        parts.pop()
    return parts


def table_row(cells_: Iterable[str]) -> str:
    """A row of cells as a line the loader reads as one (区县 | 食堂数量 |); "" for no cells."""
    kept = [" ".join(c.split()).replace("|", "/") for c in cells_]
    return " | ".join(kept) + " |" if kept else ""


def is_table_line(line: str) -> bool:
    """Cells closed by "|" (区县 | 食堂数量 |); one bar between two phrases is prose (日期 | 来源)."""
    return line.count("|") >= 2 and len(cells(line)) >= _MIN_CELLS


def read_row(header: str, row: str) -> str:
    """The row with its column names, or the row unchanged when `header` is no table header."""
    names, values = cells(header), cells(row)
    if len(names) < _MIN_CELLS or not is_table_line(row) or len(values) > len(names) or not values:
        return row
    names = names[len(names) - len(values) :]  # a row shortened by a merged cell: the last columns
    pairs = [f"{name}：{value}" for name, value in zip(names, values, strict=True) if value and name not in _NUMBERING]
    return "，".join(pairs) or row


_ONE_CELL = re.compile(r"^[^|]*\|$")
_NUMBER = re.compile(r"^[-+]?\d[\d,.]*%?$")
_MIN_FLAT_CELLS = 6  # fewer one-cell lines are a list of bars in prose, not a table


def is_one_cell_line(line: str) -> bool:
    """A line holding one table cell and its closing bar (34859 |), or an empty cell (|)."""
    return bool(_ONE_CELL.match(line.strip()))


def _kind(line: str) -> str:
    """What a one-cell line holds: a number, words, or nothing."""
    held = cells(line)
    return "empty" if not held else "number" if _NUMBER.match(held[0]) else "words"


def _column_agreement(cells_: list[str], width: int) -> float:
    """How much each column of the cells, read in rows of `width`, holds one kind of cell."""
    rows = [cells_[i : i + width] for i in range(0, len(cells_), width)]
    shares = []
    for col in range(width):
        kinds = [_kind(row[col]) for row in rows if col < len(row)]
        shares.append(max(kinds.count(k) for k in set(kinds)) / len(kinds))
    return sum(shares) / width


def row_groups(cells_: list[str]) -> list[tuple[int, int]]:
    """The header and rows of a table flattened to one cell per line, as (first, last+1) cell
    index ranges; [] when the cells do not read as a table."""
    if len(cells_) < _MIN_FLAT_CELLS:
        return []
    leading = next((i for i, c in enumerate(cells_) if _kind(c) == "number"), 0)
    widths = [w for w in (leading, leading - 1) if w >= 2 and len(cells_) - w >= w]
    if not widths:
        return []
    width = max(widths, key=lambda w: _column_agreement(cells_[w:], w))
    return [(0, width)] + [(i, min(i + width, len(cells_))) for i in range(width, len(cells_), width)]
