"""Parts of a year (months, quarters, halves) as constraints, like years (rag/periods.py)."""

from rag.periods import named_periods, other_period


def test_months_quarters_and_halves_are_read_in_both_number_styles():
    assert named_periods("宜春2023年4月份12345受理了多少件？") == {("month", 4)}
    assert named_periods("2025年第一季度；十一月；Q3；上半年") == {
        ("quarter", 1),
        ("month", 11),
        ("quarter", 3),
        ("half", 1),
    }


def test_durations_dates_and_the_hotline_are_no_period():
    assert named_periods("缩短到6个月") == frozenset()
    assert named_periods("11月15日前可填写问卷") == frozenset()
    assert named_periods("拨打12345热线") == frozenset()


def test_another_part_of_the_year_is_ruled_out_and_an_unnamed_one_is_its_articles_part():
    april, may = named_periods("4月份"), named_periods("5月份")
    assert other_period(april, may, may)  # the sentence names May
    assert other_period(april, frozenset(), may)  # 本月… in an article about May
    assert not other_period(may, frozenset(), may)
    assert not other_period(april, named_periods("4月、5月"), april | may)
    assert other_period(april, frozenset(), named_periods("第二季度"))  # a quarter's figure is not April's


def test_a_month_the_article_does_not_report_is_refused(cities_pipeline):
    # 宜春's report is of May: 本月受理各类诉求38447件 does not answer April
    assert "38447件" in cities_pipeline.ask("宜春2023年5月份受理了多少诉求？").text
    answer = cities_pipeline.ask("宜春2023年4月份受理了多少诉求？")
    assert answer.refused and "38447件" not in answer.text and "那个时间" in answer.text, answer.text
    answer = cities_pipeline.ask("宜春2023年3月份通过呼叫平台在线解答了多少诉求？")
    assert answer.refused and "20334件" not in answer.text, answer.text


def test_the_opening_months_of_a_year_are_its_first_quarter_or_half():
    assert named_periods("衡东县2025年头三个月打热线的有多少？") == {("quarter", 1)}
    assert named_periods("前6个月") == {("half", 1)}


def test_a_part_of_a_year_is_a_constraint_not_a_word_the_answer_must_say():
    from rag.question import analyse

    question = analyse("衡东县2025年头三个月社会保障诉求多少件？")
    assert question.periods == {("quarter", 1)} and not any("头" in t or "月" in t for t in question.terms)
