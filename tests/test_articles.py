"""Article styles and the ingest report, on the collected real articles (no model): each style's
metadata is detected, and every line of every article is accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.chunker import chunk_paragraphs
from rag.facts import Fact, widen_to_figures
from rag.figures import extract_figures
from rag.inventory import describe, inventory
from rag.loader import load_corpus, parse
from rag.question import analyse, figures_wanted

ROOT = Path(__file__).resolve().parents[1]
CITIES = ROOT / "evals" / "corpora" / "cities"


@pytest.fixture(scope="module")
def cities():
    paragraphs, _ = load_corpus([CITIES])
    return paragraphs, chunk_paragraphs(paragraphs)


def _meta(paragraphs, source):
    return next(p.meta for p in paragraphs if p.source == source)


@pytest.mark.parametrize(
    ("source", "kind", "place"),
    [
        ("suzhou-12345-2023.txt", "hotline_report", "苏州市"),
        ("hengdong-12345-2025.txt", "hotline_report", "衡东县"),
        ("liaocheng-minshengshishi-2023.txt", "livelihood_list", "聊城市"),
        ("luoyang-jiedu-2024.txt", "policy_qa", "洛阳市"),
        ("guangyuan-jiedu-2024.txt", "policy_qa", "广元市"),  # 问: read as a heading still marks a Q&A
        ("suqian-gongzuobaogao-2023.txt", "work_report", "宿迁市"),
    ],
)
def test_each_style_gets_its_kind_and_place(cities, source, kind, place):
    meta = _meta(cities[0], source)
    assert meta.kind == kind and place in meta.places


def test_the_year_reported_on_is_found_after_a_news_lead(cities):
    # 人民网长春1月24日电… then the setting, and only then "2023年，吉林省民生保障…"
    meta = _meta(cities[0], "jilin-news-2024.txt")
    assert meta.period == (2023,) and meta.date == "2024-01-24" and meta.places == ("吉林省",)


def test_front_matter_period_wins_over_the_title_year(cities):
    meta = _meta(cities[0], "suqian-gongzuobaogao-2023.txt")  # the 2023 report reviews 2022
    assert meta.period == (2022,)
    chunks = [c for c in cities[1] if c.source == "suqian-gongzuobaogao-2023.txt"]
    assert chunks and all(2022 in c.years for c in chunks if not any(str(y) in c.text for y in range(2000, 2030)))


def test_the_ingest_report_accounts_for_every_line(cities):
    paragraphs, chunks = cities
    articles = inventory(paragraphs, chunks)
    assert sum(sum(a.kinds.values()) for a in articles) == len(paragraphs)  # every line has a kind
    assert sum(a.sentences for a in articles) == len(chunks)
    jilin = next(a for a in articles if a.source == "jilin-news-2024.txt")
    assert ("caption", "(责编:马俊华、谢龙)") in jilin.kept_out
    report = describe(articles, full=True)
    assert "kept as byline: 2024年01月24日13:38 | 来源:人民网-吉林频道" in report
    assert "sentences indexed from" in report


def test_a_question_says_how_many_figures_it_wants():
    assert figures_wanted("苏州2023年给中小学教室装空调，装了多少台，涉及多少所学校？") == 2
    assert figures_wanted("宜春12345在2023年5月的诉求量同比和环比各下降了多少？") == 2
    assert figures_wanted("整治农村水系多少公里、改造单村水站多少座、更新管网多少公里？") == 3
    assert figures_wanted("郑州有多少家养老机构？") == 1
    # one question word over several joined things, alone or as one part of the question
    assert figures_wanted("国家级区域医疗中心、国家临床重点专科和省级医学重点学科各有几个？") == 3
    assert figures_wanted("全省诉求总量多少件?其中电话端和互联网端各多少件?") == 3


def test_a_quote_widens_within_its_sentence_to_the_figures_asked():
    paragraphs = parse("宜春12345\n\n本月受理各类诉求38447件,同比下降24.85%,环比下降0.16%,详情如下:\n", "y.txt")
    chunk = chunk_paragraphs(paragraphs)[0]
    start = chunk.text.index("环比")
    end = start + len("环比下降0.16%")
    fact = Fact(chunk, chunk.text[start:end], start, end, tuple(extract_figures("环比下降0.16%")), "", 1)
    question = analyse("诉求量同比和环比各下降了多少？")
    wide = widen_to_figures(fact, question, 2)
    assert "24.85%" in wide.text and "0.16%" in wide.text and "详情" not in wide.text
    assert widen_to_figures(fact, question, 1) == fact


def test_a_quote_widens_to_the_next_item_of_a_list_of_figures():
    from rag.facts import split_facts

    paragraphs = parse("吉林民生\n\n建成102个综合嵌入式社区居家养老服务中心、261个社区老年食堂。\n", "j.txt")
    chunk = chunk_paragraphs(paragraphs)[0]
    first = next(f for f in split_facts(chunk, 1) if "102个" in f.text)
    assert "261个" not in first.text  # the items are facts of their own
    question = analyse("建成了多少个养老服务中心和多少个社区老年食堂？")
    wide = widen_to_figures(first, question, 2)
    assert "102个" in wide.text and "261个" in wide.text


def test_a_list_items_number_is_not_one_of_its_figures():
    from rag.facts import answering_figures, split_facts

    paragraphs = parse("2023年重点民生事项\n\n02 新改建中小学12所,新增义务教育学位1.2万个\n", "l.txt")
    chunk = chunk_paragraphs(paragraphs)[0]
    figures = [f.text for fact in split_facts(chunk, 1) for f in answering_figures(fact, analyse("新改建几所中小学？"))]
    assert figures == ["12所", "1.2万个"]


def test_a_two_part_question_keeps_its_setting_and_its_names_whole():
    from rag.question import split_parts

    assert split_parts("苏州2023年给中小学教室装空调，装了多少台，涉及多少所学校？") == [
        "苏州2023年给中小学教室装空调，装了多少台",
        "涉及多少所学校",
    ]
    assert (
        split_parts("其中转到县(市、区)和“三区”的有多少，转到市直单位的有多少？")[0]
        == "其中转到县(市、区)和“三区”的有多少"
    )
    assert not analyse("其中转到“三区”的有多少？").figures  # a number in quotes names something


def test_a_figure_then_another_kind_of_question_are_two_parts():
    from rag.question import split_parts

    assert split_parts("洛阳家庭养老床位一张床最多补多少钱？要到哪个部门去申请？") == [
        "洛阳家庭养老床位一张床最多补多少钱",
        "要到哪个部门去申请",
    ]
    # the setting before the figure stays with it; a question word before the figure splits nothing
    assert split_parts("哪个区新建了多少所学校？") == ["哪个区新建了多少所学校？"]


def test_the_other_kind_of_question_is_named_as_not_answered(cities_pipeline):
    answer = cities_pipeline.ask("洛阳每张家庭养老床位最多补贴多少钱？怎么申请？")
    assert not answer.refused and "不超过3000元" in answer.text
    assert answer.unanswered_parts == ("怎么申请",), answer.text


def test_a_question_asking_each_of_joined_things_becomes_one_part_per_thing():
    from rag.question import split_parts

    assert split_parts("上海2024年小学生暑托班和寒托班各开了多少个？") == [
        "上海2024年小学生暑托班开了多少个？",
        "寒托班开了多少个？",
    ]
    assert split_parts("全省诉求总量多少件?其中电话端和互联网端各多少件?") == [
        "全省诉求总量多少件",
        "其中电话端多少件",
        "互联网端多少件",
    ]
    assert len(split_parts("群众诉求解答率、企业诉求解答率和满意率分别是多少？")) == 3
    # a joiner inside a word (及时, 普及) joins nothing; 各类 is a determiner, not "each"
    assert split_parts("及时处办率和办结率分别是多少？") == ["及时处办率是多少？", "办结率是多少？"]
    assert split_parts("苏州和杭州各类诉求有多少？") == ["苏州和杭州各类诉求有多少？"]
    assert split_parts("其中转到县(市、区)和“三区”的各有多少？") == ["其中转到县(市、区)有多少？", "“三区”的有多少？"]


def test_a_parallel_part_borrows_the_first_parts_setting_but_not_the_word_it_stands_against(cities_pipeline):
    from rag.question import contrasted

    first, second = "江苏12345热线2024年群众诉求在线解答率是多少？", "企业诉求在线解答率是多少？"
    assert contrasted(first, second) == {"群众"}
    assert contrasted("养老床位完成了多少张？", "困难重度残疾人养护床位完成了多少张？") == {"养老"}
    assert contrasted("全市学位一共多少", "其中寄宿制学校新增了多少") == frozenset()  # not parallel: it borrows all
    # 群众和企业诉求在线解答率68.45% names both; 企业诉求在线解答率74.01% is the one asked
    answer = cities_pipeline.ask("江苏省12345热线2024年群众诉求在线解答率和企业诉求在线解答率分别是多少？")
    assert "68.36%" in answer.text and "74.01%" in answer.text and "68.45%" not in answer.text


def test_what_a_part_asks_about_is_its_words_without_the_question_word():
    from rag.question import asked_about

    assert asked_about("其中电话端多少件？") == "电话端"
    assert asked_about("咨询类诉求平均办理时长多久？") == "咨询类诉求平均办理时长"
    assert asked_about("新建了多少个冰雪乐园？") == "新建了冰雪乐园"
    assert asked_about("占诉求量的比例是多少？") == "占诉求量的比例"


def test_a_one_character_suffix_stays_part_of_the_counted_noun():
    # 网格员 are people, 网格 are areas: "2.7万名干部下沉网格" names the one, not the other
    assert analyse("一共有多少名网格员？").counted == ("网格员",)
    assert analyse("几家智能化的养老院？").counted == ("养老院",)


def test_a_word_naming_the_kind_of_figure_is_answered_by_the_unit():
    question = analyse("2024年杭州长护险参保人数是多少？")
    assert set(question.terms) == {"长护险", "参保"} and question.measure == "人"
    assert "总量" not in analyse("诉求总量是多少？").terms


def test_the_domain_words_reach_jieba_whoever_cuts_a_word_first():
    # jieba initialises itself on any first call; the domain words must still be added after it,
    # or answers depend on which module happened to cut a word first (a fresh interpreter each)
    import subprocess
    import sys

    code = (
        "import jieba.posseg as p; p.lcut('先用一下'); "
        "from rag.tokens import ensure_initialised, DOMAIN_WORDS; ensure_initialised(); "
        "import jieba; w = sorted(DOMAIN_WORDS)[0]; print(w in jieba.lcut('全市' + w + '建设'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().endswith("True"), out.stdout + out.stderr


def test_a_headline_that_states_a_figure_is_indexed_whole():
    from pathlib import Path

    from rag.chunker import chunk_paragraphs, states_a_figure
    from rag.loader import load_corpus

    cities = Path(__file__).parent.parent / "evals" / "corpora" / "cities"
    paragraphs, _ = load_corpus([cities / "liaocheng-minshengshishi-2023.txt"])
    texts = [c.text for c in chunk_paragraphs(paragraphs)]
    assert "30件!2023年聊城重点民生事项出炉" in texts  # one chunk, not cut at its "!"
    # a bare number in a headline names something; a year dates it: neither is a figure to index
    assert not states_a_figure("宜春12345") and not states_a_figure("2023年苏州民生实事项目,交卷!")
    assert not states_a_figure("110接警 |") and states_a_figure("吉林:全面完成50项民生实事")


def test_a_verb_between_nouns_before_the_predicate_is_part_of_what_is_counted():
    from rag.facts import figure_head, split_facts
    from rag.types import Chunk

    def head(text: str) -> str:
        fact = split_facts(Chunk("x", text, "a.txt", 0, len(text), "文章", "", (), ()))[0]
        return figure_head(fact, fact.figures[0])

    assert head("为10万户高龄独居老人加装燃气报警器") == "高龄独居老人"  # 加装 is the predicate
    assert head("2.7万名机关干部下沉网格") == "机关干部"  # 下沉 is: 网格 ends the clause
    assert head("全市93家养老机构") == "养老机构"


def test_a_one_character_word_before_a_figure_is_skipped_only_if_it_links():
    from rag.facts import figure_head, split_facts
    from rag.types import Chunk

    def head(text: str) -> str:
        fact = split_facts(Chunk("x", text, "a.txt", 0, len(text), "文章", "", (), ()))[0]
        return figure_head(fact, fact.figures[0])

    # jieba tags 站 a verb: it ends the name of what is counted, not a verb that links it
    assert head("新建智能职工服务e站20个").endswith("站")
    assert head("养老机构达93家") == "养老机构"  # 达 links the count to its subject


def test_the_article_title_is_part_of_every_sentence_s_setting(cities_pipeline):
    # 宜春12345 is said only in the report's title; its sentences speak of that hotline
    answer = cities_pipeline.ask("宜春2023年5月打12345的人比去年同期少了多少？")
    assert not answer.refused and "24.85%" in answer.text, answer.text


def test_a_linking_verb_or_filler_is_not_what_is_asked_about(cities_pipeline):
    # 涉及 links the count to what the conversation is about; 这一块 only frames the topic
    assert not {"涉及", "一块", "这块"} & set(analyse("这一块涉及多少户？这块呢？").terms)
    history = ["聊城2023年要改造多少个老旧小区？"]
    answer = cities_pipeline.ask("涉及多少户？", history)
    assert not answer.refused and "18687户" in answer.text, answer.text


def test_a_category_asked_for_must_be_named_by_the_answer(cities_pipeline):
    # 投诉类诉求 is a kind of 诉求: the total of all 诉求 does not answer it
    assert analyse("江苏12345热线2024年投诉类诉求有多少件？").counted == ("投诉",)
    refused = cities_pipeline.ask("江苏12345热线2024年投诉类诉求有多少件？")
    assert refused.refused and "4367万件" not in refused.text, refused.text
    assert analyse("2023年苏州12345里公积金提取方面的诉求有多少件？").counted == ("提取",)
    named = cities_pipeline.ask("宜春12345热线2023年5月求助类诉求有多少件？")
    assert not named.refused and "592" in named.text, named.text
