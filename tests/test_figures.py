"""Known answers for rag.figures: the article's own forms, the tricky ones, the slogans."""

import itertools
from pathlib import Path

import pytest

from rag.figures import Figure, contains_figure, extract_figures, parse_number, same_value, unsupported_figures

ARTICLE = Path(__file__).resolve().parents[1] / "corpus" / "000_1d03f72a6a377aee.txt"


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def one(text: str) -> Figure:
    figs = extract_figures(text)
    assert len(figs) == 1, (text, figs)
    return figs[0]


# --- parse_number ------------------------------------------------------------


@pytest.mark.parametrize(
    "s, value",
    [
        ("3657", 3657),
        ("３６５７", 3657),
        ("1,200", 1200),
        ("1，200", 1200),
        ("12,345,678", 12345678),
        ("18.3", 18.3),
        ("１８．３", 18.3),
        ("18.3%", 18.3),
        ("3.5万", 35000),
        ("3万5千", 35000),
        ("1.2亿", 120_000_000),
        ("238.23万", 2_382_300),
        ("31.43亿", 3_143_000_000),
        ("一千二百", 1200),
        ("两", 2),
        ("十一", 11),
        ("二十一", 21),
        ("一万二千", 12000),
        ("零", 0),
        ("〇", 0),
        ("一千零二", 1002),
        ("一千二", 1200),
        ("两百五", 250),
        ("一亿二千万", 120_000_000),
        ("二〇二四", 2024),
        ("三点五万", 35000),
        ("万", 10000),
        ("百分之七十", 70),
        ("六成", 60),
        (" 93 ", 93),
    ],
)
def test_parse_number(s, value):
    assert parse_number(s) == value


@pytest.mark.parametrize("s", ["", "abc", "3657所", "十四五", "五基四化", "十百", "1.2.3", "成"])
def test_parse_number_rejects_non_numbers(s):
    assert parse_number(s) is None


# --- every figure form of the article ----------------------------------------

ARTICLE_FORMS = [  # text, value, unit, qualifier
    ("3657所", 3657, "所", ""),
    ("238.23万人", 2_382_300, "人", ""),
    ("18.3%", 18.3, "%", ""),
    ("20.29万个", 202_900, "个", ""),
    ("31.43亿元", 3_143_000_000, "元", ""),
    ("10亿余元", 1e9, "元", "more"),
    ("4000余名", 4000, "名", "more"),
    ("19.22亿元", 1_922_000_000, "元", ""),
    ("244.4万人次", 2_444_000, "人次", ""),
    ("41.37万", 413_700, "", ""),
    ("1500余名", 1500, "名", "more"),
    ("99.5%", 99.5, "%", ""),
    ("95%以上", 95, "%", "more"),
    ("近3000个", 3000, "个", "about_less"),
    ("86%", 86, "%", ""),
    ("100多亿元", 1e10, "元", "more"),
    ("近4.8万", 48000, "", "about_less"),
    ("超万名", 10000, "名", "more"),
    ("1.5万余张", 15000, "张", "more"),
    ("超六成", 60, "%", "more"),
    ("3000余户", 3000, "户", "more"),
    ("5.3万对", 53000, "对", ""),
    ("6.6万余户", 66000, "户", "more"),
    ("29.7万人次", 297_000, "人次", ""),
    ("46.8%", 46.8, "%", ""),
    ("1.3倍", 1.3, "倍", ""),
    ("3.1亿平方米", 310_000_000, "平方米", ""),
    ("超55%", 55, "%", "more"),
    ("339.8万平方米", 3_398_000, "平方米", ""),
    ("1200余公里", 1200, "公里", "more"),
    ("3.94万个", 39400, "个", ""),
    ("46817个", 46817, "个", ""),
    ("2.7万名", 27000, "名", ""),
    ("600多项", 600, "项", "more"),
    ("13万余路", 130_000, "路", "more"),
    ("21.93万台", 219_300, "台", ""),
    ("2小时", 2, "小时", ""),
    ("5分钟", 5, "分钟", ""),
    ("超141万件", 1_410_000, "件", "more"),
    ("721.6万余件", 7_216_000, "件", "more"),
    ("96.51%", 96.51, "%", ""),
    ("180余件次", 180, "件次", "more"),
    ("72小时", 72, "小时", ""),
    ("48小时", 48, "小时", ""),
    ("4小时", 4, "小时", ""),
    ("3天", 3, "天", ""),
    ("2024年", 2024, "年", ""),
    ("12345", 12345, "", ""),
]


@pytest.mark.parametrize("text, value, unit, qualifier", ARTICLE_FORMS)
def test_article_forms(text, value, unit, qualifier):
    fig = one(text)
    assert (fig.text, fig.value, fig.unit, fig.qualifier) == (text, value, unit, qualifier)
    assert (fig.start, fig.end) == (0, len(text))


@pytest.mark.parametrize(
    "text, expected",
    [
        # Dates split at their units, so each part is checked on its own.
        ("12月8日", [("12月", 12, "月"), ("8日", 8, "日")]),
        ("2024年6月", [("2024年", 2024, "年"), ("6月", 6, "月")]),
        ("三区五街道", [("三区", 3, "区"), ("五街道", 5, "街道")]),
    ],
)
def test_split_figures(text, expected):
    assert [(f.text, f.value, f.unit) for f in extract_figures(text)] == expected


@pytest.mark.parametrize(
    "text, value, unit, qualifier",
    [
        ("3.5万", 35000, "", ""),
        ("3万5千人", 35000, "人", ""),
        ("一千二百人", 1200, "人", ""),
        ("百分之七十", 70, "%", ""),
        ("百分之七十以上", 70, "%", "more"),
        ("六成", 60, "%", ""),
        ("1,200余名", 1200, "名", "more"),
        ("１８．３％", 18.3, "%", ""),
        ("３６５７所", 3657, "所", ""),
        ("两位", 2, "位", ""),
        ("十一个", 11, "个", ""),
        ("四级", 4, "级", ""),
        ("4种", 4, "种", ""),
        ("两项", 2, "项", ""),
        ("三百多万人", 3_000_000, "人", "more"),
        ("10余万人", 100_000, "人", "more"),
        ("约3000元", 3000, "元", "about"),
        ("3000元左右", 3000, "元", "about"),
        ("不到3成", 30, "%", "less"),
        ("3个百分点", 3, "百分点", ""),
        ("3个月", 3, "个月", ""),
        ("3657 所", 3657, "所", ""),
        ("近 4.8 万", 48000, "", "about_less"),
        ("二〇二四年", 2024, "年", ""),
        ("93", 93, "", ""),
        ("3,657", 3657, "", ""),
    ],
)
def test_tricky_forms(text, value, unit, qualifier):
    fig = one(text)
    assert (fig.text, fig.value, fig.unit, fig.qualifier) == (text, value, unit, qualifier)


@pytest.mark.parametrize(
    "text, fig_text, value",
    [
        ("五大中心", "五", 5),
        ("十大维度", "十", 10),  # 大 marks a count but is no unit
    ],
)
def test_chinese_numeral_before_da(text, fig_text, value):
    fig = one(text)
    assert (fig.text, fig.value, fig.unit) == (fig_text, value, "")


@pytest.mark.parametrize(
    "text",
    [
        "“十四五”以来",
        "十四五期间",
        "一老一小一困",
        "“五基四化”",
        "“一键直达”",
        "热源一体化",
        "全市统一平台",
        "“双提升”",
        "“三跨”事项",
        "处置一链条",
        "单打独斗",
        "一个侧影",
        "上报一分钟",
        "二七区",
        "二七塔商圈",
        "经八路街道",
        "千家万户",
        "百年大计",
        "四周环境",
        "五一假期",
        "5G网络",
        "PM2.5",
        "依据[1]和【2】，另见[^3][1, 2]",
        "1. 第一点\n2、第二点（3）",
    ],
)
def test_not_figures(text):
    assert extract_figures(text) == []


@pytest.mark.parametrize(
    "text, fig_text, qualifier",
    [
        ("最近3天", "3天", ""),  # 最近 is "recently", not 近 "nearly"
        ("节约3000元", "3000元", ""),  # 节约 is "save", not 约 "about"
        ("12345热线", "12345", ""),
        ("12345多部门联动", "12345", ""),
    ],
)
def test_qualifier_words_in_other_words(text, fig_text, qualifier):
    fig = one(text)
    assert (fig.text, fig.qualifier) == (fig_text, qualifier)


# --- the real article ---------------------------------------------------------


def test_article_offsets_and_count(article):
    figs = extract_figures(article)
    assert 90 <= len(figs) <= 110  # 99 at the time of writing
    assert all(article[f.start : f.end] == f.text for f in figs)
    assert all(a.end <= b.start for a, b in itertools.pairwise(figs))  # ordered, non-overlapping
    texts = [f.text for f in figs]
    for want in (
        "3657所",
        "近4.8万",
        "超万名",
        "超141万件",
        "1.5万余张",
        "10亿余元",
        "两位",
        "十一个",
        "超六成",
        "四级",
        "12345",
        "12月",
        "8日",
        "180余件次",
        "96.43%",
    ):
        assert want in texts, want
    fig = figs[texts.index("超141万件")]
    assert fig.start == article.index("超141万件") and fig.value == 1_410_000


def test_article_slogans_yield_no_figures(article):
    texts = {f.text for f in extract_figures(article)}
    for word in ("十四五", "十四", "一老", "五基", "四化", "一键", "一体", "统一", "三跨", "一链", "二七", "八路"):
        assert not any(word in t for t in texts), word


# Every figure of the article as the eval set writes it (shared with tests/test_questions.py).
EVAL_FIGURES = [
    f
    for line in (Path(__file__).parent / "article_figures.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for f in line.split()
]


@pytest.mark.parametrize("written", EVAL_FIGURES)
def test_eval_figures_found_in_article(article, written):
    assert contains_figure(article, written, strict_qualifier=True)


def test_article_passes_its_own_guard(article):
    assert unsupported_figures(article, [article]) == []


# --- comparison -----------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, equal",
    [
        ("48000", "4.8万", True),
        ("4.8万", "48万", False),
        ("1166个", "1166家", False),
        ("238.23万人", "2382300人", True),
        ("3,657所", "3657所", True),
        ("93", "93家", True),
        ("244.4万人次", "244.4万人", False),
        ("六成", "60%", True),
        ("两位", "2位", True),
        ("近4.8万", "4.8万", True),
        ("180余件次", "180件", False),
    ],
)
def test_same_value(a, b, equal):
    assert same_value(one(a), one(b)) is equal


def test_strict_qualifier():
    assert not same_value(one("4.8万"), one("近4.8万"), strict_qualifier=True)
    assert same_value(one("近4.8万"), one("近4.8万人"), strict_qualifier=True)


def test_a_negated_bound_is_read_whole():
    # 不超过3000元 is at most 3000 (like 以内), never "over 3000": an answer saying 超过3000元
    # must not pass as the source's figure.
    assert one("不超过3000元").qualifier == "less"
    assert one("不少于100个").qualifier == "more"
    source = "按每张床位不超过3000元的标准给予一次性建设补贴"
    assert not contains_figure(source, "超过3000元", strict_qualifier=True)
    assert contains_figure(source, "3000元以内", strict_qualifier=True)


def test_contains_figure():
    text = "城乡低保标准稳步提升。近4.8万低保对象、超万名特困人员全部纳入保障范围。"
    assert contains_figure(text, "近4.8万")
    assert contains_figure(text, "48000", strict_qualifier=False)
    assert not contains_figure(text, "48000", strict_qualifier=True)
    assert contains_figure(text, one("超万名"))
    assert not contains_figure(text, "4.9万")
    assert contains_figure("今年12月8日上午", "12月8日")
    assert not contains_figure("今年12月9日上午", "12月8日")  # every part must match
    with pytest.raises(ValueError):
        contains_figure(text, "没有数字")


# --- the guard --------------------------------------------------------------------

SOURCE = (
    "养老服务体系建设持续推进。全市93家养老机构、1166个社区照料中心遍布城乡，1.5万余张床位中，护理型床位占比超六成；"
)


def test_guard_accepts_quoted_sentence_with_markers():
    answer = "全市有93家养老机构、1166个社区照料中心[1]，1.5万余张床位中护理型床位占比超六成【1】。"
    assert unsupported_figures(answer, [SOURCE]) == []


def test_guard_flags_changed_figure():
    answer = "全市有98家养老机构[1]，1166个社区照料中心。"
    flagged = unsupported_figures(answer, [SOURCE])
    assert [(f.text, f.value) for f in flagged] == [("98家", 98)]
    assert answer[flagged[0].start : flagged[0].end] == "98家"


def test_guard_allows_hotline():
    answer = "可拨打12345热线咨询，全市有93家养老机构[1]。"
    assert unsupported_figures(answer, [SOURCE]) == []
    assert [f.text for f in unsupported_figures(answer, [SOURCE], allow=())] == ["12345"]


def test_guard_flags_invented_year_and_unit_change():
    answer = "2023年，全市有93家养老机构，1166家社区照料中心[1]。"
    assert [f.text for f in unsupported_figures(answer, [SOURCE])] == ["2023年", "1166家"]


def test_guard_uses_any_source():
    assert unsupported_figures("93家和3657所[1][2]", [SOURCE, "全市基础教育学校3657所"]) == []
    assert [f.text for f in unsupported_figures("93家和3657所", [SOURCE])] == ["3657所"]


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("占了全省一半还多", 50.0, "more"),
        ("三分之一的家庭", 33.3, ""),
        ("超过三分之二", 66.7, "more"),
        ("过半", 50.0, "more"),
    ],
)
def test_shares_said_in_words_are_percentages(text, value, qualifier):
    (figure,) = extract_figures(text)
    assert (figure.value, figure.unit, figure.qualifier) == (value, "%", qualifier)


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("还得等半个钟头", 30.0, "分钟", ""),
        ("一刻钟", 15.0, "分钟", ""),
        ("两个钟头", 2.0, "小时", ""),  # not 两个 things
        ("一个半小时", 1.5, "小时", ""),
        ("2个多小时", 2.0, "小时", "more"),
    ],
)
def test_time_spans_said_the_spoken_way_are_durations(text, value, unit, qualifier):
    (figure,) = extract_figures(text)
    assert (figure.value, figure.unit, figure.qualifier) == (value, unit, qualifier)


def test_a_spoken_time_span_is_corrected_with_the_sources_figure(pipeline):
    answer = pipeline.ask("现在打12345，工单还得等半个钟头才有人签收吧？")
    assert not answer.refused and "5分钟" in answer.text, answer.text


def test_a_share_in_words_is_corrected_with_the_sources_figure(pipeline):
    answer = pipeline.ask("郑州义务教育随迁子女是不是占全省的三分之二？")
    assert not answer.refused and "44%" in answer.text, answer.text
