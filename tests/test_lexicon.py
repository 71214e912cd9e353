"""The resident's vocabulary (rag/vocabulary.toml) and how its words are matched (rag/lexicon.py)."""

from rag.lexicon import COLLOQUIAL, ENGLISH, GENERIC, Lexicon


def test_the_vocabulary_is_data_of_useful_size_with_no_empty_entry():
    assert len(COLLOQUIAL) >= 500 and len(ENGLISH) >= 500
    for words in (COLLOQUIAL, ENGLISH):
        assert all(values and all(values) for values in words.values())
        assert not any(key in values for key, values in words.items())


def test_english_phrases_are_whole_words_in_the_plural_too_longest_first():
    assert GENERIC.english_to_chinese("bus routes") != GENERIC.english_to_chinese("business routes")
    homes = GENERIC.english_to_chinese("How many elderly care homes are there?")
    assert homes.split() == [GENERIC.english["elderly care home"][0]]  # not 养老 + a word for homes


def test_an_english_phrases_other_terms_are_alternatives_not_more_words():
    text = "How many parking spaces are there?"  # one phrase ("added" is 新增 since the thirteenth session)
    (term,) = GENERIC.english_to_chinese(text).split()
    assert GENERIC.english_alternatives(text)[term] == ENGLISH["parking space"][1:]


def test_the_longest_colloquial_word_wins_where_words_overlap():
    station = GENERIC.expansions("地铁站")
    assert station and not set(COLLOQUIAL["地铁"]) & set(station)  # a station, not the metro


def test_a_profiles_shorter_word_is_not_hidden_by_a_longer_generic_one():
    lexicon = Lexicon.with_words({"坑洼": ("道路病害",)}, {})
    assert "道路病害" in lexicon.expansions("路上坑坑洼洼的")
    assert set(COLLOQUIAL["坑坑洼洼"]) <= set(lexicon.expansions("路上坑坑洼洼的"))


def test_an_everyday_word_finds_the_official_one(cities_pipeline):
    answer = cities_pipeline.ask("吉林省2023年城里新增就业的有多少人？")  # 城里 -> 城镇
    assert not answer.refused and "25.79万人" in answer.text, answer.text
    answer = cities_pipeline.ask("How many elevators were added to old residential compounds in Hangzhou in 2024?")
    assert not answer.refused and "1092台" in answer.text, answer.text


def test_a_listed_phrase_jieba_cuts_gives_its_official_term_to_each_part():
    from rag.question import analyse

    lexicon = Lexicon(colloquial={"一天平均": ("日均",)})
    question = analyse("一天平均多少个电话？", lexicon=lexicon)
    assert {"一天", "平均"} <= set(question.terms)  # jieba cut the listed phrase
    assert all("日均" in question.alternatives[t] for t in ("一天", "平均"))
    assert "日均" not in question.alternatives.get("电话", ())  # a word outside the phrase gets nothing


def test_an_english_terms_other_names_stand_for_each_part_jieba_cuts_it_into():
    from rag.question import analyse

    lexicon = Lexicon(english={"long-term care insurance": ("长期护理保险", "长护险")})
    question = analyse("How many people were enrolled in long-term care insurance?", lexicon=lexicon)
    assert len(question.terms) > 1  # jieba cut 长期护理保险
    assert all("长护险" in question.alternatives[t] for t in question.terms)
