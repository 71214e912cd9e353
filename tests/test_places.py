"""Any city's articles: place names, article metadata, list-style loading, the profile, and
place and year as constraints on real components (the bundled e5 model, a real index)."""

from __future__ import annotations

from pathlib import Path

from rag.chunker import chunk_paragraphs, sentence_places
from rag.loader import load_corpus, parse
from rag.places import gazetteer
from rag.profile import derive, load_profile

CITIES = Path(__file__).resolve().parents[1] / "evals" / "corpora" / "cities"


def test_places_are_found_by_full_and_short_names_and_nest():
    found = [(m.text, m.place.name, m.place.level) for m in gazetteer().find("河南全省和郑州市金水区，苏州呢")]
    assert found == [
        ("河南", "河南省", "province"),
        ("郑州市", "郑州市", "city"),
        ("金水区", "金水区", "county"),
        ("苏州", "苏州市", "city"),
    ]
    assert gazetteer().get("苏州").province == "江苏省"
    assert gazetteer().find("全市城区绿地") == []  # ordinary words are no places


def test_a_county_name_inside_ordinary_words_is_no_place():
    assert gazetteer().find("全市新增城区绿地") == []  # 新增/城区, not 增城区
    assert [m.place.name for m in gazetteer().find("广州市增城区新增绿地")] == ["广州市", "增城区"]


def test_a_county_of_the_city_spoken_of_is_found_without_its_suffix():
    # the national table gives counties no short form; within 郑州市, 登封 and 中牟 name its counties
    local = [(m.text, m.place.name) for m in gazetteer().find_local("登封自来水管爆裂、中牟新区", ["郑州市"])]
    assert local == [("登封", "登封市"), ("中牟", "中牟县")]
    assert gazetteer().find_local("登封自来水管爆裂", ["苏州市"]) == []  # not a county of that city
    assert gazetteer().find_local("中牟县", ["郑州市"]) == []  # the full name is the national table's


def test_a_sentence_naming_a_county_by_its_short_form_is_of_that_county():
    sentence = "上街路面破损3天修复、登封自来水管爆裂4小时抢修"
    assert {"登封市", "上街区"} <= set(sentence_places(sentence, ("郑州市",)))
    assert sentence_places(sentence, ("苏州市",)) == ("苏州市",)


def test_a_county_of_the_home_city_is_not_answered_with_the_citys_figure(pipeline):
    """登封有多少家养老机构 was answered with 全市93家养老机构: 登封 was no place, so the home city's
    figure stood for its county's. Now 登封 is 登封市, and only a sentence of 登封 may answer."""
    assert pipeline.answerer.standalone("登封有多少家养老机构？", []).places == ("登封市",)
    assert pipeline.ask("登封有多少家养老机构？").refused
    answer = pipeline.ask("登封那回自来水管爆了，多长时间抢修好的？")
    assert not answer.refused and "4小时" in answer.text and "登封市" in answer.citations[0].places


def test_metadata_is_detected_from_a_news_article_with_a_dateline():
    text = "30件!2023年聊城重点民生事项出炉\n\n来源:聊城晚报  2022-12-29 14:40:45\n\n  01 新改扩建公办幼儿园11所,新增公办园学位2550个\n"
    paragraphs = parse(text, "a.txt")
    meta = paragraphs[0].meta
    assert paragraphs[0].kind == "title" and meta.title == "30件!2023年聊城重点民生事项出炉"
    assert meta.places == ("聊城市",) and meta.date == "2022-12-29" and meta.publisher == "聊城晚报"
    assert meta.kind == "livelihood_list" and meta.period == (2023,)


def test_front_matter_overrides_what_the_text_leaves_out():
    text = "---\nplace: 宿迁市\ndate: 2023-02-01\n---\n(六)扎实做好民生工作,新增城镇就业5.2万人。\n"
    paragraphs = parse(text, "b.txt")
    assert paragraphs[0].meta.places == ("宿迁市",) and paragraphs[0].meta.date == "2023-02-01"
    assert paragraphs[0].start == text.index("(六)")  # offsets still point into the file


def test_every_item_of_a_numbered_list_is_indexed():
    items = "\n".join(f"{i:02d} 新建社区食堂{i}个" for i in range(1, 27))
    paragraphs = parse(f"2024年民生实事\n\n{items}\n", "list.txt")
    chunks = chunk_paragraphs(paragraphs)
    assert len(chunks) == 26 and all("社区食堂" in c.text for c in chunks)


def test_each_style_of_the_collected_articles_gets_a_place():
    paragraphs, _ = load_corpus([CITIES])
    chunks = chunk_paragraphs(paragraphs)
    assert all(c.places for c in chunks), [c.source for c in chunks if not c.places]
    assert {"苏州市", "江苏省", "上海市", "聊城市", "衡东县"} <= {p for c in chunks for p in c.places}


def test_a_profile_is_derived_when_the_folder_has_none():
    paragraphs, _ = load_corpus([CITIES])
    profile = derive(chunk_paragraphs(paragraphs))
    assert profile.home_place == ""  # thirteen places, none a majority: no home place is assumed
    assert "苏州" in profile.covered_label(limit=20) and "郑州" not in profile.name


def test_the_zhengzhou_profile_is_data_in_the_corpus_folder():
    root = Path(__file__).resolve().parents[1] / "corpus"
    profile = load_profile(root, [])
    assert profile.home_place == "郑州市" and profile.topics and profile.words


def test_the_code_names_no_deployment_place():
    """The home place is data (the profile); the code must work for any city's folder."""
    package = Path(__file__).resolve().parents[1] / "rag"
    naming = [p.name for p in sorted(package.rglob("*")) if p.is_file() and "郑州" in p.read_text("utf-8", "ignore")]
    assert naming == []


def test_a_place_no_article_covers_is_refused_naming_the_covered_places(cities_pipeline):
    answer = cities_pipeline.ask("南京有多少个老年助餐点？")
    assert answer.refused and answer.reason == "other_place"
    assert "南京" in answer.text and "苏州" in answer.text and "12345" in answer.text


def test_a_passage_of_another_place_never_answers(cities_pipeline):
    # Only Hangzhou's article counts meal points for the elderly; Suzhou's must not lend it.
    answer = cities_pipeline.ask("苏州2024年新增了多少个老年助餐服务点？")
    assert answer.refused or all("苏州市" in c.places for c in answer.citations)
    hangzhou = cities_pipeline.ask("杭州2024年新增了多少个老年助餐服务点？")
    assert not hangzhou.refused and "235个" in hangzhou.text
    assert all("杭州市" in c.places for c in hangzhou.citations) and "杭州" in hangzhou.text


def test_a_follow_up_keeps_the_place_of_the_conversation(cities_pipeline):
    answer = cities_pipeline.ask("那认知障碍照护专区床位呢？", ["杭州2024年新增了多少个老年助餐服务点？"])
    assert not answer.refused and "1202张" in answer.text
    assert all("杭州市" in c.places for c in answer.citations)


def test_a_follow_ups_second_part_leans_on_its_first(cities_pipeline):
    # 完成率 of the school places just asked about (168%), not the 整体完成率 of another project
    answer = cities_pipeline.ask("学位一共新增多少个？完成率是多少？", ["杭州2024年新建成了多少所中小学和幼儿园？"])
    assert not answer.refused and "10.09万个" in answer.text and "168%" in answer.text, answer.text
    assert "128.5%" not in answer.text


def test_a_follow_ups_first_part_may_name_only_a_place_and_year(cities_pipeline):
    # 那江苏全省2024年共服务了多少件 takes its subject from the conversation; the 其中 part is its own
    answer = cities_pipeline.ask(
        "那江苏全省2024年共服务了多少件？其中省平台服务量多少？", ["苏州12345热线2023年受理了多少诉求？"]
    )
    assert not answer.refused and "4367万件" in answer.text and "96.18万件" in answer.text, answer.text


def test_a_county_named_by_its_short_form_is_a_constraint_not_a_word_to_match(cities_pipeline):
    # 衡东 picks 衡东县's article; the sentence (社会保障1485件) need not say 衡东 itself
    answer = cities_pipeline.ask("衡东2025年一季度社会保障方面的诉求有多少件？")
    assert not answer.refused and "1485件" in answer.text, answer.text
    assert all("衡东县" in c.places for c in answer.citations)


def test_an_amount_noun_counts_the_noun_before_it(cities_pipeline):
    # 热线诉求[总量]达4854万件 counts 诉求: 总量 only says "how many", which the question asks already
    answer = cities_pipeline.ask("江苏12345热线2022年一共受理了多少件诉求？")
    assert not answer.refused and "4854万件" in answer.text, answer.text


def test_a_three_figure_question_gets_all_three(cities_pipeline):
    answer = cities_pipeline.ask(
        "杭州2024年整治幸福河湖农村水系多少公里、改造提升单村水站多少座、更新改造农村管网多少公里？"
    )
    assert not answer.refused
    assert all(figure in answer.text for figure in ("100公里", "252座", "1082公里")), answer.text
    assert all("杭州市" in c.places for c in answer.citations)


def test_each_thing_of_a_joined_question_is_answered_from_its_own_row(cities_pipeline):
    # the three figures are in three table rows: one quote cannot hold them, three searches can
    answer = cities_pipeline.ask("上海2024年养老床位、困难重度残疾人养护床位和认知障碍照护床位各完成了多少张？")
    assert not answer.refused
    assert all(figure in answer.text for figure in ("4385", "810", "3210")), answer.text
    assert len(answer.citations) == 3 and all("上海市" in c.places for c in answer.citations)


def test_the_part_no_article_answers_is_named(cities_pipeline):
    answer = cities_pipeline.ask("苏州2023年新辟了几条公交线路？新建了多少个冰雪乐园？")
    assert not answer.refused and "51条" in answer.text
    assert "“新建了冰雪乐园”，现有报道没有提到" in answer.text, answer.text


def test_a_part_is_not_answered_by_the_figure_of_another_part(cities_pipeline):
    # 85.19% is a share of the kind asked twice, but it answers 打电话的; 上门来的 stays unanswered
    answer = cities_pipeline.ask("打电话的占了多少比例？上门来的又占多少？", ["2024年江苏12345电话端受理了多少件？"])
    assert not answer.refused and "85.19%" in answer.text
    assert answer.unanswered_parts == ("上门来的又占多少",)
    assert "现有报道没有提到" in answer.text, answer.text


def test_a_residents_word_for_a_channel_finds_the_reports_term(cities_pipeline):
    # 网上 is 互联网端 in the report (the vocabulary's hotline channels, thirteenth session)
    answer = cities_pipeline.ask("打电话的占了多少比例？网上提的又占多少？", ["2024年江苏12345电话端受理了多少件？"])
    assert not answer.refused and "85.19%" in answer.text and "13.60%" in answer.text, answer.text


def test_a_part_is_not_answered_by_a_quoted_figure_that_says_nothing_of_it(cities_pipeline):
    # the quote's 26条 (bus routes re-planned) is a count, but it says nothing of metro stations
    answer = cities_pipeline.ask("苏州2023年新辟了几条公交线路？地铁站又加了多少个？")
    assert not answer.refused and "51条" in answer.text
    assert answer.unanswered_parts == ("地铁站又加了多少个",), answer.text


def test_a_residents_description_counts_when_the_sentence_means_the_whole_question(cities_pipeline):
    # 红绿灯 is in no article; the sentence is near the whole question, and 红绿灯 only describes the
    # place asked about (…的地方). The thing asked itself (换了新门, below) is never excused so.
    answer = cities_pipeline.ask("福州在路口等红绿灯的地方搭了多少个遮阳棚？")
    assert not answer.refused and "5个" in answer.text, answer.text
    assert cities_pipeline.ask("福州在路口等红绿灯的地方装了多少个摄像头？").refused


def test_a_one_character_word_counts_when_the_sentence_says_it_in_other_words(cities_pipeline):
    # residents say 灯 for 照明; 门 is said nowhere, so that question stays unanswered
    answer = cities_pipeline.ask("苏州2023年多少所学校给教室装了新灯？")
    assert not answer.refused and "70所" in answer.text, answer.text
    assert cities_pipeline.ask("苏州2023年多少所学校的教室换了新门？").refused


def test_an_idiom_is_phrasing_not_a_thing_the_articles_lack(cities_pipeline):
    # 前前后后 (all told) is no article's word, but it names nothing the answer must speak of;
    # a thing no article of the place names (三甲医院 in Suzhou's) still refuses the question
    answer = cities_pipeline.ask("杭州2024年前前后后完成了多少个老旧小区改造？")
    assert not answer.refused and "212个" in answer.text, answer.text
    assert cities_pipeline.ask("苏州2023年一口气新增了多少家三甲医院？").refused


def test_parts_answered_by_one_sentence_quote_it_once(cities_pipeline):
    answer = cities_pipeline.ask("苏州2023年新辟了几条公交线路？新增非机动车停车泊位和机动车公共停车泊位各多少个？")
    assert all(figure in answer.text for figure in ("51条", "90756个", "16278个")), answer.text
    assert answer.text.count("51条") == 1


def test_two_figures_of_one_sentence_are_both_quoted(cities_pipeline):
    answer = cities_pipeline.ask("聊城一中高铁新区校区建设工程占地面积和建筑面积分别是多少？")
    assert not answer.refused and "166亩" in answer.text and "12.7万平方米" in answer.text


def test_a_false_premise_is_corrected_with_the_sources_figure(cities_pipeline):
    answer = cities_pipeline.ask("听说聊城2023年居民基本医保财政补助提高到每人每年600元了？")
    assert not answer.refused and "640元" in answer.text and "不一致" in answer.text
    assert answer.citations and "640元" in answer.citations[0].text


def test_a_year_the_articles_do_not_report_is_refused(cities_pipeline):
    answer = cities_pipeline.ask("吉林省2022年城镇新增就业多少人？")  # the report covers 2023
    assert answer.refused and "25.79万人" not in answer.text


def test_english_questions_name_places_and_years():
    from rag.question import analyse

    question = analyse("How many elevators were retrofitted in Hangzhou in 2024?")
    assert question.english and question.places == ("杭州市",) and question.years == (2024,)
    assert analyse("What was the satisfaction rate of the Hengdong County hotline?").places == ("衡东县",)
    assert set(analyse("How many meal points are there in Fuzhou?").places) == {
        "福州市",
        "抚州市",
    }  # the corpus decides


def test_english_place_names_are_written_in_chinese_for_a_translator():
    from rag.places import english_in_chinese

    text = "What is the total investment of Liaocheng's projects in Hengdong County and Jiangsu Province?"
    assert english_in_chinese(text) == "What is the total investment of 聊城's projects in 衡东县 and 江苏?"
    assert (
        english_in_chinese("How many meal points are there in Fuzhou?") == "How many meal points are there in Fuzhou?"
    )
    assert english_in_chinese("How many homes were built?") == "How many homes were built?"


def test_an_english_name_of_several_places_names_the_one_the_articles_cover():
    from rag.places import english_in_chinese

    question = "How many requests did the Yichun 12345 hotline receive?"  # 宜春 or 伊春
    assert (
        english_in_chinese(question, covered=("宜春市", "杭州市"))
        == "How many requests did the 宜春 12345 hotline receive?"
    )
    assert english_in_chinese(question, covered=("伊春市",)) == "How many requests did the 伊春 12345 hotline receive?"
    assert english_in_chinese(question, covered=("宜春市", "伊春市")) == question  # still two: the model is not told
    assert english_in_chinese(question) == question


def test_a_folder_without_a_profile_gets_ready_questions_it_can_answer(cities_pipeline):
    profile = cities_pipeline.profile
    assert profile.topics and profile.example == profile.topics[0].questions[0]
    for topic in profile.topics:
        for question in topic.questions:
            assert topic.name in question  # each names its place: residents of several places share it
            answer = cities_pipeline.ask(question)
            assert not answer.refused and answer.citations, question


def test_a_covered_county_is_found_without_its_suffix(cities_pipeline):
    # the national table gives counties no short form; 衡东县 has an article here, so 衡东 names it
    question = cities_pipeline.answerer.standalone("衡东12345热线一季度接了多少电话？", [])
    assert question.places == ("衡东县",)
    assert cities_pipeline.answerer.standalone("东区有多少个助餐点？", []).places == ()


def test_a_later_item_of_a_list_answers_with_the_lists_quarter(cities_pipeline):
    # 生活公用1050件 is the fourth item of a ；-list led by 2025年第一季度: the item alone names no quarter,
    # and a sentence of the quarter's 12345 figures answered instead (277件)
    answer = cities_pipeline.ask("衡东县12345热线2025年第一季度生活公用类诉求有多少件？")
    assert not answer.refused and "1050件" in answer.text and "277件" not in answer.text


def test_a_follow_up_is_not_answered_by_a_word_it_shares_with_the_earlier_question(cities_pipeline):
    # 燃气 is the earlier question's word too: what 换燃气软管的呢 adds is 软管, which the gas alarms'
    # 10万户 does not speak of
    answer = cities_pipeline.ask("换燃气软管的呢？", ["2023年上海为民办实事要给多少户高龄独居老人装燃气报警器？"])
    assert "10万户" not in answer.text, answer.text


def test_a_follow_ups_own_words_are_searched_alone_too(cities_pipeline):
    # the earlier question's many words crowd the retrieval; the hose item is found by the follow-up's own
    answer = cities_pipeline.ask("换燃气软管的呢？", ["2023年上海为民办实事要给多少户高龄独居老人装燃气报警器？"])
    assert not answer.refused and "50万户" in answer.text, answer.text


def test_a_follow_up_finds_its_subject_in_the_clause_before_the_figure(cities_pipeline):
    # 即聊城一中高铁新区校区建设工程，总投资8.2亿元: the figure's clause says only 总投资; the clause
    # before it, which states no figure, is what it is said of
    answer = cities_pipeline.ask("其中聊城一中高铁新区校区投资多少？", ["2023年聊城市十大民生项目总投资是多少？"])
    assert not answer.refused and "8.2亿元" in answer.text, answer.text


def test_the_whole_country_is_a_place_no_citys_article_covers(pipeline):
    answer = pipeline.ask("全国12345热线的群众满意率是多少？")
    assert answer.refused and "全国" in answer.text and "96.43%" not in answer.text, answer.text
    assert pipeline.answerer.standalone("郑州的养老机构在全国排第几？", []).places[0] == "郑州市"


def test_a_place_or_year_in_what_a_figure_counts_is_no_word_the_question_must_say(cities_pipeline):
    # 60件[2024年福州市]为民办实事项目: the place and year are checked as constraints, not as words of the head
    answer = cities_pipeline.ask("福州最满意的十件实事，是从80件2024年为民办实事项目里评出来的吗？")
    assert not answer.refused and "60件" in answer.text, answer.text


def test_a_pair_of_words_counts_as_said_in_its_short_form(cities_pipeline):
    # 文化 + 体育 -> 文体, held in 科教文体宣传827件
    answer = cities_pipeline.ask("衡东2025年一季度文化体育方面的诉求有多少件？")
    assert not answer.refused and "827件" in answer.text, answer.text


def test_a_district_is_found_however_jieba_cuts_what_follows_it_and_by_its_everyday_name():
    g = gazetteer()
    # jieba cuts 惠济区有多少 as 惠济 / 区有 / 多少: the district's own suffix ends the name
    assert [m.place.name for m in g.find("惠济区有多少家养老机构？")] == ["惠济区"]
    # residents drop the people from a district's official name: 管城回族区 is 管城区
    assert [m.place.name for m in g.find("俺们管城区有多少个困境儿童？")] == ["管城回族区"]
    assert g.find("新增城区道路多少公里") == []  # 增城区 still does not start inside 新增


def test_a_district_the_article_gives_no_figure_for_is_not_answered_with_the_citys(pipeline):
    answer = pipeline.ask("俺们管城区有多少个困境儿童在接受帮扶？")
    assert answer.refused and "634" not in answer.text, answer.text
