"""Table rows flattened to "|"-separated text are read back with their column names."""

import pytest

from rag.chunker import chunk_paragraphs
from rag.loader import parse
from rag.tables import is_table_line, read_row

HEADER = "序号 | 实事项目名称 | 完成情况 | 占全年计划 |"


@pytest.mark.parametrize(
    ("row", "read"),
    [
        (
            "1 | 新增4000张养老床位 | 4385 | 110% |",
            "实事项目名称：新增4000张养老床位，完成情况：4385，占全年计划：110%",
        ),
        # a merged 序号 cell shortened the row at the front and left an empty cell at the end
        (
            "开办150个小学生爱心寒托班 | 229 | 153% | |",
            "实事项目名称：开办150个小学生爱心寒托班，完成情况：229，占全年计划：153%",
        ),
    ],
)
def test_a_row_is_read_with_its_column_names(row, read):
    assert read_row(HEADER, row) == read


@pytest.mark.parametrize(
    "line",
    ["2024年01月24日13:38 | 来源:人民网-吉林频道", "38447 |", "全市新增养老床位3000张。"],
)
def test_prose_with_a_bar_is_no_table_row(line):
    assert not is_table_line(line)
    assert read_row(HEADER, line) == line


def test_a_row_with_more_cells_than_its_header_is_left_as_written():
    assert read_row("项目 | 数量 | 占比 |", "a | b | c | d | e |") == "a | b | c | d | e |"


def test_a_table_in_an_article_is_indexed_row_by_row_with_its_header():
    text = f"上海为民办实事项目完成情况\n\n{HEADER}\n1 | 新增4000张养老床位 | 4385 | 110% |\n开办150个小学生爱心寒托班 | 229 | 153% | |\n"
    chunks = chunk_paragraphs(parse(text, "table.txt"))
    rows = [c for c in chunks if "|" in c.text]
    assert len(rows) == 2
    assert all(text[c.start : c.end] == c.text for c in rows)  # the source's own text, as written
    assert rows[1].readable() == "实事项目名称：开办150个小学生爱心寒托班，完成情况：229，占全年计划：153%"
    assert rows[1].section == HEADER  # the header heads the row where it is embedded and matched


def test_an_answer_from_a_table_names_its_columns(cities_pipeline):
    said = cities_pipeline.ask("上海2024年新增了多少张养老床位？")
    assert not said.refused and "4385" in said.text
    assert "完成情况：4385" in said.text and "|" not in said.text


def test_the_reader_sees_a_table_row_with_its_column_names():
    from rag.reader import render_passages
    from rag.types import Chunk
    from rag.verify import Passage

    row = "开办150个小学生爱心寒托班 | 229 | 153% | |"
    chunk = Chunk("id-row", row, "a.txt", 0, len(row), "上海为民办实事", HEADER, ("上海市",), (2024,), "2024-10-01")
    shown = render_passages([Passage(1, chunk)])
    assert "[1] 实事项目名称：开办150个小学生爱心寒托班，完成情况：229，占全年计划：153%" in shown
    assert HEADER not in shown


def test_an_html_table_is_read_row_by_row_with_its_header(tmp_path):
    from rag.loader import load_corpus

    rows = "".join(
        f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>"
        for a, b, c in [
            ("项目", "计划", "完成"),
            ("新增养老床位", "4000张", "4385张"),
            ("新增长者食堂", "30个", "39个"),
        ]
    )
    body = "".join(
        f"<p>全市为民办实事项目进展顺利，第{i}批项目均已按期推进，群众满意度持续提升。</p>" for i in range(1, 4)
    )
    page = f"<html><head><title>为民办实事项目完成情况</title></head><body><article><h1>为民办实事项目完成情况</h1>{body}<table>{rows}</table></article></body></html>"
    path = tmp_path / "table.html"
    path.write_text(page, encoding="utf-8")
    chunks = chunk_paragraphs(load_corpus([path])[0])
    read = {c.readable() for c in chunks}
    assert "项目：新增养老床位，计划：4000张，完成：4385张" in read
    assert "项目：新增长者食堂，计划：30个，完成：39个" in read


# A table flattened to one cell per line, as some pages are copied: a header of five columns, then
# rows whose first cell is a label (so the header is the cells before the first number, less one).
FLAT = """5月份转派工单情况如下。
责任单位 |
转派工单 |
占比 |
县(市、区)及“三区” |
15390 |
84.97% |
市直单位 |
2013 |
11.11% |
流转中 |
710 |
3.92% |
(二)下一节
"""


def test_a_table_of_one_cell_per_line_is_grouped_back_into_rows():
    paragraphs = parse(FLAT, "flat.txt")
    rows = [p for p in paragraphs if "|" in p.text]
    assert [p.kind for p in rows] == ["heading", "body", "body", "body"]
    assert all(FLAT[p.start : p.end] == p.text for p in paragraphs)  # offsets stay exact
    chunks = chunk_paragraphs(paragraphs)
    readable = [c.readable() for c in chunks if "|" in c.text]
    assert readable[1] == "责任单位：市直单位，转派工单：2013，占比：11.11%"
    assert "(二)下一节" not in "".join(c.text for c in chunks if "|" in c.text)


def test_a_few_one_cell_lines_are_not_taken_for_a_table():
    text = "说明 |\n见下文 |\n第三条 |\n"
    assert all("\n" not in p.text for p in parse(text, "bars.txt"))
