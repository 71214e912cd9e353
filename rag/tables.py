"""Table rows flattened to text, read back with their column names.

HTML-to-text extraction (trafilatura, and the articles copied from it) writes a table as lines of
cells between "|": a header line (序号 | 实事项目名称 | 完成情况 | 占全年计划 |), then one line per
row. The loader makes the header line the rows' heading, so a row keeps it as its section. A raw
row (开办150个小学生爱心寒托班 | 229 | 153% | |) says nothing of what 229 is; read with its header it
does: 实事项目名称：开办150个小学生爱心寒托班，完成情况：229，占全年计划：153%.

The loader takes the first line of a run of such lines as the table's header (rag/loader.py).
A merged cell (a 序号 spanning two rows) leaves the second row a cell short, at the front, with an
empty cell at the end: such a row is aligned to the header's last columns.
"""

from __future__ import annotations

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
