"""Deciding whether a sentence answers by what the question means, not only by its words:
abbreviations, words said in other words, what a count counts, and a year that is no date."""

from __future__ import annotations

import pytest

from rag.facts import ABBREVIATION_CREDIT, Fact, TermWeights, answering_figures, match_degree, support
from rag.figures import extract_figures
from rag.question import analyse, counted_nouns, describes, unit_fits
from rag.types import Chunk


def _fact(text: str) -> Fact:
    chunk = Chunk(id="c", text=text, source="s.txt", start=0, end=len(text), article="a", section="")
    return Fact(chunk, text, 0, len(text), tuple(extract_figures(text)), "", 1)


@pytest.mark.parametrize(
    ("term", "text"),
    [("医保", "医疗保险覆盖率保持在98%以上"), ("新就业", "城镇新增就业25.79万人"), ("长护险", "长期护理保险参保")],
)
def test_an_abbreviation_is_matched_by_its_full_form(term, text):
    assert match_degree(term, (), text) == ABBREVIATION_CREDIT


@pytest.mark.parametrize(
    ("term", "text"), [("公共厕所", "完成200座环卫公厕适老化改造"), ("医疗保险", "医保覆盖率保持在98%以上")]
)
def test_a_full_name_is_matched_by_its_short_form(term, text):
    assert match_degree(term, (), text) == ABBREVIATION_CREDIT


@pytest.mark.parametrize(
    ("term", "text"),
    [("医保", "医疗卫生服务体系更加完善，社会保障有力"), ("医保", "保险和医疗"), ("12345", "1234 5")],
)
def test_characters_far_apart_or_out_of_order_are_no_abbreviation(term, text):
    assert match_degree(term, (), text) == 0.0


def test_a_word_the_sentence_says_in_other_words_counts_as_covered():
    fact = _fact("已推出青荷驿站房源1793套(间)")
    question = analyse("青荷驿站推出了多少套房子？")
    weights = TermWeights([fact.chunk, _fact("新建公园20个").chunk])
    literal = support(question, weights, fact)
    assert literal < 1.0  # 房子 is not in the sentence
    assert support(question, weights, fact, means=lambda term: term == "房子") > literal
    assert support(question, weights, fact, means=lambda term: False) == literal


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("上海2023年要搞几家智能化的养老院？", ("养老院",)),
        ("青荷驿站推出了多少个停车位？", ("停车位",)),
        ("有多少所学校把教室的灯换亮了？", ("学校",)),
        ("有多少家单位一起帮老百姓办事？", ("单位",)),
        ("全市城镇新增就业多少人？", ()),
        ("医保覆盖率是多少？", ()),
        ("网格员给多少个腿脚不方便的老人办了老年卡？", ("老人",)),  # a modifying clause, then the noun
        ("有多少人参加了社区的活动？", ()),  # 参加了…: the predicate, not a modifier of 活动
    ],
)
def test_a_count_question_says_what_it_counts(question, counted):
    assert counted_nouns(question) == counted


@pytest.mark.parametrize(
    ("question", "fits"),
    [("签收时间从多长缩短到了多长？", ("2小时", "5分钟", "3公里")), ("这条路修了多少公里？", ("3公里",))],
)
def test_how_long_asks_a_length_or_a_span_of_time(question, fits):
    asked = analyse(question)
    for unit in ("小时", "分钟", "公里", "元", "个"):
        assert unit_fits(asked, unit) is any(f.endswith(unit) for f in fits), unit


def test_the_year_a_when_question_names_is_not_its_answer():
    question = analyse("2024年居民医保最晚什么时候交？")
    assert question.asked == "date"
    fee = answering_figures(_fact("2024年度城乡居民基本医疗保险个人缴费标准为380元/人/年"), question)
    assert "2024年" not in [f.text for f in fee]
    deadline = answering_figures(_fact("2024年度居民医保集中缴费期截至2023年12月31日"), question)
    assert [f.text for f in deadline] == ["2023年", "12月", "31日"]  # not the 2024年 the resident named


def test_a_year_naming_a_place_s_projects_does_not_say_when_one_is_finished():
    question = analyse("国家区域医疗中心啥时候能盖好？")
    assert question.asked == "date"
    projects = answering_figures(
        _fact("2023年聊城市十大民生项目中,医疗卫生类项目1个,即国家区域医疗中心创建工程"), question
    )
    assert "2023年" not in [f.text for f in projects]
    finished = answering_figures(_fact("国家区域医疗中心创建工程计划2024年12月建成投用"), question)
    assert [f.text for f in finished] == ["2024年", "12月"]


# --- on the real e5 model and the cities index ---------------------------------


def _position(pipeline, fragment: str) -> int:
    return next(i for i, c in enumerate(pipeline.retriever.index.chunks) if fragment in c.text)


def test_closeness_tells_a_paraphrase_from_an_unrelated_word(cities_pipeline):
    retriever = cities_pipeline.retriever
    housing = _position(cities_pipeline, "青荷驿站房源")
    shade = _position(cities_pipeline, "路口等候区遮阳棚")
    least = cities_pipeline.settings.min_closeness
    assert retriever.closeness("房子", housing) >= least
    assert retriever.closeness("充电桩", shade) < least
    assert retriever.closeness("红绿灯", shade) < least  # a rank in a small article would have said yes


def test_colloquial_counted_thing_is_answered_and_another_thing_is_refused(cities_pipeline):
    said = cities_pipeline.ask("杭州2024年青荷驿站给年轻人推出了多少套房子？")
    assert not said.refused and "1793套(间)" in said.text
    other = cities_pipeline.ask("杭州2024年青荷驿站推出了多少个停车位？")
    assert other.refused and other.reason == "other_subject" and "1793" not in other.text


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("全省药品价格指数下降了多少？", "change"),  # 价格 names the topic, 下降了多少 the kind
        ("城乡居民医保个人缴费价格是多少？", "money"),
        ("寄宿制学校一共投入了多少？", "money"),
        ("养老服务补贴提高了多少？", "change"),
        ("异地就医费用实现了几个全覆盖？", "count"),  # a measure word after 几 says a count outright
        ("医疗费用每人补助多少万元？", "money"),
        ("家里有个4级残疾的，医保自己交多少？", "money"),  # paying 多少 asks an amount of money
        ("青荷驿站推出了多少套房子？", "count"),
        ("打12345一般要等几秒才有人接？", "duration"),  # seconds are a time span: 230个 cannot answer it
        ("人才住房的租金多少？", "money"),  # a noun of money before 多少
        ("免费接种了多少人？", "count"),  # 免费 names no price
        ("城市驿站每天几点开门？", "procedure"),  # 几点 asks a time of day, not a quantity
        ("热线的话务大厅在什么地方？", "procedure"),  # 什么地方 asks where, like 在哪
        ("What is the maximum construction subsidy per bed?", "money"),  # an English noun of money
        ("How many subsidy applications were approved?", "count"),  # ... unless things are counted
        ("What share of spending goes to livelihoods?", "ratio"),  # ... or a share asked
    ],
)
def test_the_question_word_decides_the_kind_of_figure_before_a_topic_word(question, asked):
    assert analyse(question).asked == asked


def test_each_part_of_a_question_asks_its_own_kind_of_figure():
    question = analyse("跨年度的项目有几个？2023年要投多少钱？")
    assert question.asks == ("count", "money")
    assert unit_fits(question, "个") and unit_fits(question, "元")
    assert unit_fits(question, "%") is False
    one = analyse("跨年度的项目有几个？")
    assert unit_fits(one, "元") is False


def test_a_numeral_naming_a_list_is_no_premise_to_correct(cities_pipeline):
    """十 in 十大民生项目 names the list; it states no count the articles could contradict."""
    said = cities_pipeline.ask("2023年聊城市十大民生项目涉及几个领域？")
    assert not said.refused and "五个领域" in said.text
    assert "不一致" not in said.text


def test_a_figure_dated_only_by_later_event_years_does_not_answer_another_year(cities_pipeline):
    """项目总投资20亿元,2022年10月开工,2024年12月完工 is of the 2023 list, not a 2024 figure."""
    said = cities_pipeline.ask("2024年聊城市十大民生项目总投资多少？")
    assert said.refused and "20亿元" not in said.text


def test_a_category_the_resident_names_is_no_premise_to_correct(cities_pipeline):
    """4级 says which residents are meant; it claims no amount the articles could contradict."""
    said = cities_pipeline.ask("广元家里有个4级残疾的，2024年医保自己交多少？")
    assert "不一致" not in said.text
    assert said.refused or "元/人/年" in said.text  # an amount of money, or none


def test_a_follow_up_about_a_part_is_not_answered_with_the_whole(cities_pipeline):
    """其中省长信箱… asks one channel of the 277 requests: the total answers the earlier question only."""
    history = ["衡东12345在2025年第一季度非话务渠道受理了多少件诉求？"]
    said = cities_pipeline.ask("其中省长信箱转过来的有几件？", history)
    assert "277件" not in said.text
    assert said.refused or "23件" in said.text


def test_a_figure_in_a_name_is_judged_by_the_part_that_holds_it():
    """30秒 names the rate asked in its own part; another part asking 多久 does not make it a
    duration the resident claims, to be "corrected"."""
    from rag.question import claims

    question = analyse("江苏省12345热线2024年30秒人工接通率是多少?咨询类诉求平均办理时长多久?")
    assert [f.text for f in question.figures] == ["30秒"]
    assert not claims(question, question.figures[0])
    premise = analyse("咨询类诉求平均办理时长是5天吗？")
    assert claims(premise, premise.figures[0])


def test_working_days_weeks_and_months_are_spans_of_time_not_counts():
    from rag.question import unit_fits

    assert analyse("办结需要几个工作日？").asked == "duration"
    assert unit_fits(analyse("咨询类诉求平均办理时长多久？"), "个工作日") is True
    assert unit_fits(analyse("新建了几个社区食堂？"), "个工作日") is False  # 个 is not any unit
    assert unit_fits(analyse("新建了几个社区食堂？"), "秒") is False


def test_a_clause_that_starts_with_a_verb_takes_its_subject_from_the_clause_before():
    from rag.facts import split_facts, with_subject

    text = "从接收渠道看，电话端有3720.43万件，占85.19%；互联网端有593.77万件，占13.60%。"
    sentence = Chunk("id-x", text, "a.txt", 0, len(text), "文章", "", ("江苏省",), (2024,), "2024-02-18")
    share = next(f for f in split_facts(sentence) if any(g.text == "13.60%" for g in f.figures))
    assert "互联网端" in with_subject(share).text and "电话端" not in with_subject(share).text
    own = next(f for f in split_facts(sentence) if any(g.text == "593.77万件" for g in f.figures))
    assert with_subject(own) == own  # 互联网端有… names its own subject


def test_a_part_listed_after_qi_zhong_counts_what_the_whole_counts():
    # 23件 and 41封 are parts of the 277件 诉求 that 其中 divides: a follow-up asking 其中…有几件 after a
    # question about 诉求 is asking what they count, though their own words say 工单 and 信件
    from rag.facts import head_coverage, split_facts
    from rag.question import merge

    text = "全县共受理非话务渠道诉求277件，其中，省长信箱转派工单23件，书记县长信箱信件102封"
    sentence = Chunk("c", text, "s.txt", 0, len(text), "a", "")
    earlier = analyse("衡东县非话务渠道受理了多少件诉求？")
    question = merge(analyse("其中省长信箱转过来的有几件？"), earlier)
    weights = TermWeights([sentence, _fact("全市新增就业12.5万人").chunk])
    facts = {f.text: f for f in split_facts(sentence)}
    part = next(f for t, f in facts.items() if "23件" in t)
    later = next(f for t, f in facts.items() if "102封" in t)
    assert head_coverage(question, weights, part) == 1.0
    assert head_coverage(question, weights, later) == 1.0
    alone = _fact("省长信箱转派工单23件")  # no whole before it: 工单 is not what was asked
    assert head_coverage(question, weights, alone) < 1.0


def test_the_topic_before_a_figure_is_a_clause_without_a_figure():
    from rag.facts import split_facts, topic_before

    text = "公共教育类项目1个，即聊城一中高铁新区校区建设工程，总投资8.2亿元，占地面积166亩"
    sentence = Chunk("c", text, "s.txt", 0, len(text), "a", "")
    facts = {f.text: f for f in split_facts(sentence)}
    invest = next(f for t, f in facts.items() if "8.2亿元" in t)
    area = next(f for t, f in facts.items() if "166亩" in t)
    assert topic_before(invest) == "即聊城一中高铁新区校区建设工程"
    assert topic_before(area) == ""  # the clause before states a figure of its own


def test_a_short_form_of_a_corpus_word_is_not_weighed_as_a_thing_the_corpus_never_names():
    weights = TermWeights([_fact("社会保障1485件").chunk, _fact("新建公园20个").chunk, _fact("新增学位500个").chunk])
    assert weights.weight("社保") < weights.weight("宠物")  # 社保 abbreviates 社会保障; 宠物 is nowhere
    assert weights.weight("宠物") == weights.weight("火星")


def test_a_rate_written_with_slashes_says_what_residents_say():
    from rag.facts import spelled_rates

    fact = _fact("2024年度城乡居民基本医疗保险个人缴费标准为380元/人/年")
    question = analyse("一个人一年要交多少钱？")
    assert question.alternatives.get("一年") == ("每人每年",)  # the everyday phrase's official wording
    weights = TermWeights([fact.chunk, _fact("新建公园20个").chunk])
    assert support(question, weights, fact) > support(question, weights, _fact("个人缴费标准为380元"))
    assert spelled_rates("30元/人/月") == "30元每人每月" and spelled_rates("2024/2025年") == "2024/2025年"


def test_a_word_jieba_cuts_across_a_corpus_word_is_cut_again():
    weights = TermWeights([_fact("互联网端有593.77万件").chunk, _fact("供暖季免费乘公交车100天").chunk])
    question = analyse("电话端和互联网端的诉求分别是多少件？")
    assert "端的" in question.terms  # jieba: 互联网 / 端的
    grounded = weights.ground(question)
    assert "端的" not in grounded.terms and "互联网" in grounded.terms  # the 的 left over says nothing
    assert "季坐" in weights.ground(analyse("供暖季坐公交要钱吗？")).terms  # 坐 is no particle: kept whole
    assert "火星" in weights.ground(analyse("火星上有几个公园？")).terms  # a word never used stays


@pytest.mark.parametrize(
    ("text", "word", "describes_it"),
    [
        ("福州路口等红绿灯的地方新搭了几个遮阳棚？", "红绿灯", True),  # in a clause ending in 的
        ("多少家单位一起帮老百姓办事？", "一起", True),  # another noun of the question follows
        ("多少所学校的教室换了新门？", "新门", False),  # the clause's last noun: the thing asked
        ("地下车库没信号，多少个小区解决了？", "信号", False),  # nothing follows it in its clause
    ],
)
def test_a_word_describes_what_is_asked_only_before_what_it_describes(text, word, describes_it):
    nouns = frozenset(analyse(text).nouns) | {word}
    assert describes(text, word, nouns) is describes_it


def test_a_noun_that_restates_the_measure_word_is_neither_topic_nor_counted():
    # 多少户人家 counts households: 人家 says nothing the measure word 户 does not
    question = analyse("拆迁回迁安置了多少户人家？")
    assert question.counted == () and "人家" not in question.terms and "安置" in question.terms
    # a noun of its own stays what is counted (困难家庭 is not just 户); right after 户, 家庭 says no more
    assert "家庭" in analyse("有多少户困难家庭？").terms
    assert "家庭" not in analyse("有多少户家庭减轻了负担？").terms


def test_what_a_statement_counts_and_a_trailing_particle():
    assert analyse("郑州有93家托育机构吧？").counted == ("托育", "机构")
    assert analyse("郑州全市一共有几家养老机构啊？").counted == ("养老机构",)  # not 养老机构啊


@pytest.mark.parametrize(
    ("term", "text"), [("机动车", "新增非机动车停车泊位5000个"), ("话务", "共受理非话务渠道诉求277件")]
)
def test_a_word_said_only_in_its_negation_is_not_said(term, text):
    assert match_degree(term, (), text) == 0.0
    assert match_degree(term, (), f"机动车停车泊位和话务总数，{text}") == 1.0  # said elsewhere too
    assert match_degree(f"非{term}", (), text) == 1.0  # the negation itself is said


def test_a_future_scene_around_a_question_about_the_past_is_not_the_question():
    # the resident's situation (明年要上学) is not what is asked; a question of next year still is
    assert not analyse("俺家娃明年要上学，听说福州2024年新建扩建了不少中小学，一共多出来多少个上学名额？").future
    assert analyse("明年郑州计划新增多少个学位？").future and analyse("郑州明年会新增多少张床位").future


def test_a_rate_asked_for_is_named_in_its_own_words_not_by_nearness():
    from rag.facts import names_counted

    question = analyse("河南全省适龄残疾儿童义务教育入学率是多少？")
    assert question.asked == "ratio" and question.counted == ("入学率",)
    share = "全市义务教育随迁子女在校生成数达41.37万，占全省的44%"
    # a passage on the same topic is near 入学率 in meaning (e5: 3.0 SD here) without measuring it
    assert not names_counted(question, share, means=lambda word: True)
    assert names_counted(question, "适龄残疾儿童义务教育入学率达95%", means=None)
    counts = analyse("郑州有多少家养老机构？")  # a count's noun may still be said in other words
    assert names_counted(counts, "全市养老服务机构93家", means=lambda word: True)


def test_a_sum_per_year_does_not_answer_a_question_per_month():
    from rag.facts import answering_figures, of_another_period, split_facts

    yearly = Chunk("y", "个人缴费标准为380元/人/年", "a.txt", 0, 18, "", "", (), ())
    monthly = Chunk("m", "提供每人每月210元的居家养老上门服务包", "a.txt", 0, 20, "", "", (), ())
    per_month = analyse("我在广元上班，城镇职工医保每个月要交多少？")
    per_year = analyse("一年要交多少钱？")
    (fy,), (fm,) = split_facts(yearly), split_facts(monthly)
    assert of_another_period(per_month, fy, fy.figures[0]) and not answering_figures(fy, per_month)
    assert not of_another_period(per_year, fy, fy.figures[0])
    assert of_another_period(per_year, fm, fm.figures[0]) and not of_another_period(per_month, fm, fm.figures[0])
