"""Understand a resident's question: its content terms, what kind of figure it asks for,
the years and figures it names, and whether it leans on the previous question.

Pure functions over text; nothing here retrieves or answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import jieba
import jieba.posseg as pseg

from rag.constants import HOTLINE, NATION
from rag.figures import Figure, extract_figures, is_date, is_name_part
from rag.lexicon import GENERIC, MEASURE_NOUNS, Lexicon, is_english
from rag.periods import Period, named_periods, period_spans
from rag.places import find_english, gazetteer
from rag.tokens import STOPWORDS, ensure_initialised

# Measure words after 多少/几 that say a count (多少家, 几所); 万 is a magnitude, not a thing counted.
_COUNTING_MEASURES = "个|家|所|座|支|项|处|条|张|户|对|名|位|人次|人|路|台|件|种|级"
# What kind of figure is asked for, from the question's wording. Order matters: first match wins.
_ASKED = [
    (
        "procedure",
        re.compile(
            r"哪里|哪儿|在哪|(?:什么|啥)地方|哪个窗口|(怎么|如何)(?!样)|流程|手续|材料|几点|开门|营业时间|电话号码|联系电话|联系方式|地址|where\b|how (do|can|to)\b|phone number",
            re.I,
        ),
    ),
    ("date", re.compile(r"(什么|啥)时候|何时|哪一?年|几月|哪个月|哪一?天|几号|日期|when\b", re.I)),
    ("duration", re.compile(r"多久|多长时间|(多少|几)个?(小时|分钟|秒钟?|天|工作日|月|周)|how long", re.I)),
    # paying or spending verbs before 多少 ask an amount of money: 自己交多少, 要缴多少, 花了多少
    (
        "money",
        re.compile(
            rf"多少钱|(?:交|缴|缴纳|付|支付|花|投入|补助|补贴)(?:了)?多少(?!{_COUNTING_MEASURES}|套|次)|how much money"
            # a noun of money before the question word: 租金多少, 学费是多少 (免费 is no price)
            rf"|(?<!免)[金费价](?:是|为|要|得|一般|大概)?多少(?!{_COUNTING_MEASURES})",
            re.I,
        ),
    ),
    (
        "change",
        re.compile(
            r"(增长|提高|提升|下降|减少|增加|降低|少了|多了)(了)?多少(?![个家所座支项处条张户对名位人路台件种级万平公])|by how much",
            re.I,
        ),
    ),
    # a measure word after the question word says a count outright, whatever the topic:
    # 异地就医费用实现了几个全覆盖 counts 全覆盖, it asks no money (百分点 is a change: below)
    ("count", re.compile(rf"(?:多少|几)(?!个百分点)(?:{_COUNTING_MEASURES})")),
    # a word naming money is a topic: 药品价格指数下降了多少 asks a change (matched above)
    ("money", re.compile(r"资金|费用|收费|价格|价钱|工资|cost|fee|price", re.I)),
    (
        "ratio",
        re.compile(
            r"比例|比重|占比|占多少|占全|百分之|比率|\w率(?!先)|多高|\brates?\b|\bpercent|\bproportion|\bshare of", re.I
        ),
    ),
    # English nouns of money ask money, unless the question counts things (how many subsidy applications)
    # or asks a share (share of spending: ratio, above)
    (
        "money",
        re.compile(
            r"^(?!.*\bhow many\b).*\b(?:subsid(?:y|ies)|allowances?|investments?|funding|budgets?|spending"
            r"|expenditures?|pensions?|wages?)\b",
            re.I,
        ),
    ),
    ("area", re.compile(r"多少平方米|面积|多大", re.I)),
    ("length", re.compile(r"多少公里", re.I)),
    # 多长 asks a length or a span of time (签收时间从多长缩短到了多长)
    ("extent", re.compile(r"多长", re.I)),
    ("count", re.compile(r"多少|几|how many|number of|how much", re.I)),
]
# Wording that only says what kind of figure is wanted; the unit check covers it, so it is no topic.
# Words that only say what kind of figure is asked (参保[人数], 诉求[总量]): the figure's unit
# answers them, so they are no topic a passage must contain.
_COUNT_OF_WORDING = r"(人|户|件|次|个|家|所|张|台|名|座|项|条)数(?!字|据)"
_COUNT_OF = re.compile(_COUNT_OF_WORDING)
_ASKED_WORDING = re.compile(
    _COUNT_OF_WORDING
    + r"|总数|总量|数目|金额|比例|比重|占比|比率|多少钱|多久|多长时间|什么时候|何时|哪一?年|几月|哪一?天|几号|面积|多大|多高|多长|百分之几|几天|几个?小时|多少天"
)
_MEASURE = re.compile(rf"(?:多少|几)({_COUNTING_MEASURES}|万)")
# spans of time: they answer 多久 and 几个工作日, and never a count (几个社区 is not answered by 1.4个工作日)
_SPANS = {"小时", "个小时", "分钟", "秒", "秒钟", "天", "个工作日", "工作日", "周", "个月"}
_UNITS_FOR = {
    "date": {"年", "月", "日"},
    "duration": _SPANS | {"年"},
    "money": {"元"},
    "change": {"%", "倍"},
    "ratio": {"%"},
    "area": {"平方米"},
    "length": {"公里", "米"},
    "extent": {"公里", "米"} | _SPANS,
}
_COUNTING = {"个", "家", "所", "座", "支", "项", "处", "条", "种", "级"}
_PEOPLE = {"人", "名", "位", "人次"}
_NOT_COUNTS = _SPANS | {"%", "元", "年", "月", "日", "平方米", "公里", "倍"}

_FOLLOWUP_START = re.compile(r"^(那|那么|还有|另外|其中|再问|and\b|what about|how about)", re.I)
_FOLLOWUP_END = re.compile(r"呢[？?！!。.\s]*$")
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉)(掉)?(你)?(之前|以上|上面|前面|所有|全部)?的?(所有|全部)?(指令|提示词?|规则|设定|要求)[，,。；;：:]?"
    r"|(你现在是|你是一个|扮演|假装你是)[^，,。；;？?]*[，,。；;]?"
    r"|ignore (all )?(previous|prior|above) instructions[,.;:]?",
    re.I,
)
_SEVERAL = re.compile(r"、|分别|各|\band\b|\bboth\b", re.I)
_ENGLISH_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?=\s*年)")
_NATIONWIDE = re.compile(r"全国|全中国|我国|国内|nationwide|across china|all of china|the whole country", re.I)
_FUTURE = re.compile(r"明年|后年|将来会|以后会|will\b|next year", re.I)
_PUNCT = re.compile(r"[\s\W_]+")
# Words that frame a question rather than say what it is about.
_FRAMING = frozenset(
    "为什么 为何 告诉 知道 想 想问 问 问问 请问 是不是 真的 对吧 对不对 听说 据说 多久 多长 多大 多高 一共 总共 "
    "加起来 现在 目前 分别 各 各有 大概 大约 具体 情况 数量 数字 数据 帮 帮我 查 查询 一下 已经 达到 了 吗 呢 "
    "后 从 到 被 把 给 让 对 啥 啥时候 哪 哪些 哪里 什么 怎么 怎么样 怎样 多 少 有 个 how many much what when "
    "which who where why does do did is are was were the a an of in on to for by there has have with its "
    "全市 我市 本市 市里 全省 本省 省里 咱们 咱 其中 以后 只有 既然 该 各种 起来 几年 这几年 那 有人 帮忙 搞 帮着 "
    "用 上 去 找 建了 发了 领了 花 花了 我家 家里 是从 开始 算 叫 哪天 哪条 几大 一个 这个 那个 这些 涉及 这块 一块 这一块".split()
)
# Parts of speech of phrasing (verbs, adverbs, pronouns, particles, idioms and fixed expressions
# such as 一口气): unknown to the corpus, such a word says nothing about answerability. Everything
# else names a thing.
_PHRASING_FLAGS = ("v", "d", "r", "p", "c", "u", "y", "e", "o", "zg", "ul", "uj", "f", "t", "q", "a", "i", "l")


@dataclass(frozen=True)
class Question:
    raw: str
    text: str  # the question as understood (instructions to the assistant removed)
    search_text: str  # what retrieval sees: text + official terms (+ Chinese terms for English)
    terms: dict[str, float] = field(default_factory=dict)  # content term -> weight multiplier
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> official wording
    nouns: frozenset[str] = frozenset()  # the terms that name things (an unknown noun weighs heavily)
    asked: str = ""  # date, duration, money, change, ratio, area, length, extent, count, "" (not a figure question)
    measure: str = ""  # the measure word after 多少/几, e.g. 张
    years: tuple[int, ...] = ()
    periods: frozenset[Period] = frozenset()  # parts of a year it names: 4月份, 一季度
    figures: tuple[Figure, ...] = ()  # figures the resident stated (maybe a false premise)
    premise: Figure | None = None  # the figure a statement puts to the test (基础教育学校有3657所，对吧？)
    english: bool = False
    future: bool = False
    several: bool = False  # asks about more than one thing: 社区网格和农村网格各有多少个
    places: tuple[str, ...] = ()  # places the question names (official full names), "" = none
    wants: int = 1  # how many figures it asks for: 占地面积和建筑面积分别是多少 -> 2
    counted: tuple[str, ...] = ()  # the nouns after the measure word: 多少个[停车位], 几家[养老院]
    asks: tuple[str, ...] = ()  # the kinds its parts ask when it asks several: 有几个？要投多少钱？ -> count, money
    focus: frozenset[str] = frozenset()  # a follow-up's own nouns: its answer speaks of one (其中[省长信箱]…)


def strip_injection(text: str) -> str:
    return _INJECTION.sub("", text).strip()


def content_terms(text: str) -> dict[str, bool]:
    """Precise-mode jieba words that carry meaning -> whether each is a noun-like word
    (question words, particles and figures dropped)."""
    ensure_initialised()
    without_figures = _ASKED_WORDING.sub(" ", _MEASURE.sub(" ", text))  # 多少所 / 几家: the measure word is not a topic
    for f in reversed(extract_figures(without_figures)):
        if f.unit or len(f.text) < 5:  # keep bare 12345 (the hotline) as a word
            without_figures = without_figures[: f.start] + " " + without_figures[f.end :]
    terms: dict[str, bool] = {}
    for word, flag in pseg.lcut(without_figures.lower()):
        word = _PUNCT.sub("", word)
        if (
            word
            and word not in STOPWORDS
            and word not in _FRAMING
            and not re.fullmatch(r"[多少几吗呢吧啊有是都]+", word)
        ):
            is_noun = not flag.startswith(_PHRASING_FLAGS)
            if len(word) == 1 and not is_noun:
                continue  # 吃, 领, 签: a one-character verb is phrasing, not topic
            terms[word] = terms.get(word, False) or is_noun
    return terms


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each span replaced by a space (right to left, so earlier offsets hold)."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


_CLAUSE_END = re.compile(r"[，,。！!？?；;]")
_ASKING_END = re.compile(r"[呢吗没么][\s啊呀]*$")


def categories(text: str, terms: dict[str, float]) -> tuple[str, ...]:
    """The question's words that name a category (投诉类诉求, 公积金提取方面的诉求): what is counted is
    of that kind, so the answer's sentence must name it; the whole (诉求4367万件) does not answer it."""
    return tuple(t for t in terms if len(t) >= 2 and re.search(re.escape(t) + "(?:[类型](?!型)|方面)", text))


def rates(text: str, terms: dict[str, float]) -> tuple[str, ...]:
    """The rate a share question names (入学率, 满意率): what it asks, as a count's noun is; a
    share of another thing (随迁子女占全省的44%) does not answer it. Of several rates (满意率和及时
    处办率), each is one part's, and the parts are checked one by one."""
    named = tuple(t for t in terms if len(t) >= 3 and t.endswith("率"))
    return named if len(named) == 1 and text.count("率") == 1 else ()


def _clauses(text: str) -> tuple[list[str], list[str]]:
    """The text's clauses, and those of them that ask (…多少？, …吗？)."""
    clauses = [c for c in _CLAUSE_END.split(text) if c.strip()]
    return clauses, [c for c in clauses if _QUANTITY.search(c) or _ASKING_END.search(c.strip())]


def _asking_clauses(text: str) -> str:
    """The clauses that ask, or the whole text when none does: the resident's situation around
    them (俺家娃明年要上学，…去年多出来多少个名额？) is not what is asked."""
    _, asking = _clauses(text)
    return "，".join(asking) if asking else text


def scene_words(text: str, found: dict[str, bool]) -> set[str]:
    """Words only of clauses that ask nothing, when another clause asks: the resident's situation
    (俺想给老娘找个养老院，…有几家养老机构？ / 晚上路灯不亮走路害怕，…). A word there that no article
    uses (老娘, 害怕) is phrasing, not a thing the articles lack; the articles' own words there
    (聊城2023年居民医保，…补助多少钱？) still name the topic."""
    clauses, asking = _clauses(text)
    if not asking or len(asking) == len(clauses):
        return set()
    asked = "".join(asking).lower()
    return {t for t in found if t not in asked}


_CLAUSE_TAIL = re.compile(r"\s*(?:[，,。？?！!；;]|[吗吧呢啊]|是|对|$)")


def _stated(text: str, figures: tuple[Figure, ...]) -> Figure:
    """The figure a statement puts to the test: the one that ends its clause (…惠及了50万人次，是吗？),
    not one that is part of a name (两项补贴)."""
    return next((f for f in figures if _CLAUSE_TAIL.match(text, f.end)), figures[0])


def asked_kind(text: str) -> str:
    """The kind of figure a question (or one part of it) asks for: date, money, count... ("" none)."""
    # a question asking for a quantity (多少/几/比例) is never a procedure question, whatever else it says
    asks_quantity = bool(_QUANTITY.search(text))
    return next(
        (name for name, pattern in _ASKED if pattern.search(text) and not (name == "procedure" and asks_quantity)), ""
    )


def analyse(raw: str, weight: float = 1.0, lexicon: Lexicon = GENERIC) -> Question:
    text = strip_injection(raw) or raw
    english = is_english(text)
    base = lexicon.english_to_chinese(text) if english else text
    extra = lexicon.expansions(base)
    mentions = gazetteer().find(base)
    english_places = find_english(text) if english else []
    # a place is a constraint on the answer, not a topic to match
    unplaced = _blanked(base, [(m.start, m.end) for m in mentions])
    nationwide = _NATIONWIDE.search(unplaced)  # 全国 is a place too, one no city's article covers
    unplaced = _blanked(unplaced, [nationwide.span()] if nationwide else [])
    if not english:  # so is a part of a year (头三个月, 5月份): the answer's sentence need not say it
        unplaced = _blanked(unplaced, period_spans(unplaced))
    found = content_terms(_FOLLOWUP_START.sub("", _FOLLOWUP_END.sub("", unplaced)))
    scene = scene_words(unplaced, found)
    terms = {t: weight for t in found}
    alternatives = {t: alts for t in terms if (alts := tuple(lexicon.expansions(t)))}
    # a listed phrase that jieba cut (一天平均 -> 一天 / 平均): its official term (日均) says each part
    for phrase, alts in lexicon.phrases(base):
        if not alts or phrase in terms:
            continue
        for part in (t for t in terms if t in phrase and t != phrase):
            alternatives[part] = tuple(dict.fromkeys([*alternatives.get(part, ()), *alts]))
    english_alts: list[str] = []
    if english:
        for term, alts in lexicon.english_alternatives(text).items():
            english_alts.extend(alts)
            # jieba may cut the glossary's term (长期护理保险 -> 长期 / 护理 / 保险): its other names
            # (长护险) then stand for each of the parts
            for part in [term] if term in terms else [t for t in terms if t in term]:
                alternatives[part] = tuple(dict.fromkeys([*alts, *alternatives.get(part, ())]))
    asked = asked_kind(text)
    measure = m.group(1) if (m := _MEASURE.search(text) or _COUNT_OF.search(text)) else ""
    # 多少户人家: 人家 restates the measure word, which says what is counted already
    restated = {w for w in MEASURE_NOUNS.get(measure, ()) if measure + w in text}
    terms = {t: w for t, w in terms.items() if t not in restated}
    # the resident's own figures (a possible false premise); years are read as years, not figures
    # (a number inside quotes is part of a name: 转到“三区”的有多少, not a premise)
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    figures = tuple(
        f for f in extract_figures(text) if _claimed(f) and not any(s <= f.start and f.end <= e for s, e in quoted)
    )
    premise = None
    if not asked and figures:  # "基础教育学校有5657所，对吧？" asks about a count
        stated = _stated(text, figures)
        # one figure put to the test may be confirmed; of several, each wrong one is corrected
        premise = stated if len(figures) == 1 else None
        unit = stated.unit
        if unit in ("秒", "秒钟"):
            unit = "分钟"  # any time span: 缩短到了5秒钟？ asks a duration
        asked = next(
            (name for name, units in _UNITS_FOR.items() if unit in units and name not in ("change", "date")), "count"
        )
        measure = measure or (unit if asked == "count" else "")
    return Question(
        raw=raw,
        text=text,
        # the dense model reads English too: an English question is searched as asked, with its known Chinese terms
        search_text=" ".join([text, base, *english_alts, *extra] if english else [base, *extra]),
        terms=terms,
        alternatives=alternatives,
        nouns=frozenset(t for t, is_noun in found.items() if is_noun and t not in scene and t not in restated),
        asked=asked,
        measure=measure,
        years=tuple(int(m.group(0)) for m in (_ENGLISH_YEAR if english else _YEAR).finditer(text)),
        periods=named_periods(text),
        figures=figures,
        premise=premise,
        english=english,
        future=bool(_FUTURE.search(_asking_clauses(text))),
        places=tuple(
            dict.fromkeys(
                [
                    *(m.place.name for m in mentions),
                    *(p.name for ps in english_places for p in ps),
                    *([NATION] if nationwide else []),
                ]
            )
        ),
        several=bool(_SEVERAL.search(text)) or any(w in _COORDINATING and f == "c" for w, f in pseg.lcut(text)),
        wants=figures_wanted(text),
        asks=tuple(dict.fromkeys(k for part in split_parts(text) if (k := asked_kind(part)))),
        counted=tuple(
            dict.fromkeys(
                w
                for w in (
                    *(counted_nouns(unplaced) or (_head_of(text[premise.end :]) if premise else ())),
                    *categories(unplaced.lower(), terms),
                    *(rates(unplaced, terms) if asked == "ratio" else ()),
                )
                if w not in restated
            )
        ),
    )


_SUFFIX_FLAGS = ("k", "zg", "ng")


def counted_nouns(text: str) -> tuple[str, ...]:
    """What a count question counts: the head of the noun phrase after its measure word, that is
    its nouns after the last 的 (几家智能化的养老院 -> 养老院, 多少个停车位 -> 停车位). The answer's
    figure must count that, not whatever else its sentence counts. A statement's figure counts
    the noun after it the same way (有93家托育机构吧？ -> 托育机构)."""
    m = _MEASURE.search(text)
    return _head_of(text[m.end() :]) if m else ()


_TRAILING_PARTICLES = re.compile(r"[啊呀吗呢吧哦嘛啦]+(?=[\s？?！!。，,]|$)")


def _head_of(text: str) -> tuple[str, ...]:
    """The head nouns of the noun phrase `text` opens (after a modifying clause ending in 的)."""
    text = _TRAILING_PARTICLES.sub("", text)  # 养老机构啊？: jieba would keep 啊 in the noun
    phrase: list[tuple[str, str]] = []
    for word, flag in pseg.lcut(_after_modifier(text)):
        if len(word) == 1 and flag in _SUFFIX_FLAGS and phrase and phrase[-1][1].startswith("n"):
            # a one-character suffix makes a new noun of the one before: 网格 + 员 (jieba: zg)
            phrase[-1] = (phrase[-1][0] + word.lower(), phrase[-1][1])
            continue
        if not (flag.startswith(("n", "a", "b", "f")) or flag == "vn" or word == "的"):
            break  # a verb, preposition or punctuation ends the noun phrase
        phrase.append((word.lower(), flag))
    if any(w == "的" for w, _ in phrase):
        last = max(i for i, (w, _) in enumerate(phrase) if w == "的")
        phrase = phrase[last + 1 :]
    return tuple(w for w, flag in phrase if flag.startswith("n") and len(w) >= 2)


# A modifying clause before the counted noun: 腿脚不方便的|老人, 新建的|公园. 了/过 make it the
# sentence's predicate instead (多少人参加了社区的活动 counts 人, not 活动), and a preposition
# starts one (多少所学校把教室的灯换亮了 counts 学校, not 灯).
_MODIFIER = re.compile(r"^[^，。？！?!,；;了过]{1,8}?的(?=[\u4e00-\u9fff])")


def describes(text: str, word: str, nouns: frozenset[str]) -> bool:
    """Whether the word only describes what its clause asks about: it is part of a clause that
    describes a noun with 的 (等红绿灯的|地方, 手机没信号的|问题), or another noun of the question
    follows it in its clause (单位一起帮老百姓办事). The clause's last noun (换了新门) is the thing asked."""
    for m in re.finditer(re.escape(word), text):
        rest = re.split(r"[，,。？?！!；;]", text[m.end() :], maxsplit=1)[0]
        if "的" in rest or any(n in rest for n in nouns if n != word):
            return True
    return False


def _after_modifier(text: str) -> str:
    """The words after a count's measure word, less a modifying clause that ends in 的."""
    m = _MODIFIER.match(text)
    if not m or any(flag.startswith(("p", "c")) for _, flag in pseg.lcut(m.group()[:-1])):
        return text
    return text[m.end() :]


# 各 as a determiner (各类诉求, 各地) does not distribute a question over the things before it
_EACH_DISTRIBUTES = re.compile(r"各(?![类种项级地界部族个])|分别|respectively", re.I)
_COORDINATING = ("和", "与", "及", "以及", "同", "跟")
_JOINER = re.compile(r"、|以及|[和与及同跟]")


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether the joiner at text[start:end] is part of a dictionary word (及时, 参与, 普及, 总和).
    jieba's own cut is not used: its guess for unknown words swallows joiners (暑托班和寒托班)."""
    if end - start > 1:
        return False
    ensure_initialised()
    return any(
        (jieba.get_FREQ(text[i : i + n]) or 0) > 0
        for n in (2, 3)
        for i in range(start - n + 1, start + 1)
        if i >= 0 and i + n <= len(text)
    )


# One question word per figure asked (多少/几...), except "A和B各/分别是多少": one word, two figures.
_ASKS_FIGURE = re.compile(r"多少|几(?!乎)|多大|多高|多久|多长|how many|how much", re.I)
_JOINED = re.compile(r"和|与|及|、|\band\b", re.I)


def figures_wanted(text: str) -> int:
    """How many figures a question asks for (at least one): one per question word, and in a part
    that asks "A、B和C各/分别…" with one question word, one per thing it joins."""
    total = 0
    for part in split_parts(text):
        n = len(_ASKS_FIGURE.findall(part))
        if n == 1 and _EACH_DISTRIBUTES.search(part) and _JOINED.search(part):
            n = 1 + len(_JOINED.findall(part))
        total += n
    return max(total, 1)


_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」")
_BRACKETED = re.compile(r"\([^)]*\)|（[^）]*）|“[^”]*”|「[^」]*」")
_PART_SPLIT = re.compile(r"[，,？?；;、]|(?<=[多少几][个家所张名人])和|以及")
_OTHER_ASK = re.compile(r"哪|什么|怎么|怎样|如何|谁")
# 几点 asks a time of day (几点开门), not a quantity
_QUANTITY = re.compile(r"多少|几(?!点)|多大|多高|多久|多长|比例|占比|什么时候|how many|how much", re.I)


def split_parts(text: str) -> list[str]:
    """A question asking two figures, cut into its parts: 有多少个…，照顾了多少名…？"""
    # separators inside brackets or quotes belong to a name: 转到县(市、区)和“三区”的有多少
    masked = _BRACKETED.sub(lambda m: "\0" * len(m.group(0)), text)
    parts, start = [], 0
    for m in _PART_SPLIT.finditer(masked):
        parts.append(text[start : m.start()])
        start = m.end()
    parts = [p.strip() for p in [*parts, text[start:]] if p and p.strip()]
    asking = [i for i, p in enumerate(parts) if _QUANTITY.search(p)]
    if len(asking) == 1:
        # a figure, then another kind of question (…最多补多少钱？要到哪个部门去申请？): the figure is
        # answered, and the other part is named as not answered, not left to dilute the figure's words
        asking += [i for i, p in enumerate(parts) if i > asking[0] and _OTHER_ASK.search(p)]
    if not asking:
        # a statement of several figures (…服务了4367万件诉求，同比增长了21.8%，对吗？): each figure's clause
        # is a premise of its own, confirmed or corrected on its own
        asking = [i for i, p in enumerate(parts) if any(_claimed(f) for f in extract_figures(p))]
    if len(asking) < 2:
        return _each_one(text)
    # what comes before the first asked part is its setting: 苏州2023年给教室装空调，装了多少台
    first = "，".join(parts[: asking[0] + 1])
    return [q for part in [first, *(parts[i] for i in asking[1:])] for q in _each_one(part)]


def _claimed(fig: Figure) -> bool:
    """A figure a resident states as a fact: not a date, and not the hotline's number."""
    return fig.text != HOTLINE and not is_date(fig)


def _each_one(part: str) -> list[str]:
    """A part asking "A、B和C各/分别…多少" as one question per thing it joins: A…多少, B…多少, C…多少.
    Each thing is then searched and answered on its own: their figures are often in different
    sentences or table rows, which one quote cannot hold. The first keeps the part's setting
    (place, year), and the answerer lends it to the rest."""
    each = _EACH_DISTRIBUTES.search(part)
    if not each or len(_ASKS_FIGURE.findall(part)) != 1:
        return [part]
    before, after = part[: each.start()], part[each.end() :]
    if not _ASKS_FIGURE.search(after):
        return [part]
    # joiners inside brackets or quotes belong to a name: 转到县(市、区)
    masked = _BRACKETED.sub(lambda m: "\0" * len(m.group(0)), before)
    things, start = [], 0
    for m in _JOINER.finditer(masked):
        if not _inside_word(masked, m.start(), m.end()):
            things.append(before[start : m.start()])
            start = m.end()
    things.append(before[start:])
    if len(things) < 2 or not all(t.strip() for t in things):
        return [part]
    return [f"{thing.strip()}{after}" for thing in things]


_MEASURE_AFTER = re.compile(r"[个家所张名人件条座项次台套辆户元岁天年]|钱")
_LEAD_IN = re.compile(r"^(?:其中|那么?|另外|还有|以及|并且|而且|同时)[，,]?")
_TRAILING_VERB = re.compile(r"(?:分别|一共|总共|共|大概|大约|约|又|都|各)?(?:是|有|为|占|达|达到)?$")


def asked_about(part: str) -> str:
    """What a part of a question asks about, in its own words: the words before its question word
    (其中电话端多少件 -> 电话端; 咨询类诉求平均办理时长多久 -> 咨询类诉求平均办理时长); "" when none."""
    m = _ASKS_FIGURE.search(part)
    if m:  # the question word and its measure go: 新建了多少个冰雪乐园 -> 新建了冰雪乐园
        measure = _MEASURE_AFTER.match(part, m.end())
        part = part[: m.start()].rstrip() + part[measure.end() if measure else m.end() :]
    words = _LEAD_IN.sub("", part.strip(" ，,？?。!！"))
    return _TRAILING_VERB.sub("", words).strip(" ，,的")


def contrasted(first: str, part: str) -> frozenset[str]:
    """The word of the first part that a parallel part replaces: in 群众诉求在线解答率、企业诉求在线
    解答率, the two share their tail (诉求在线解答率), and 群众 is what 企业 stands against, so the
    second part must not borrow it with the first part's setting (江苏省12345热线2024年)."""
    a, b = jieba.lcut(asked_about(first)), jieba.lcut(asked_about(part))
    shared = 0
    while shared < min(len(a), len(b)) - 1 and a[-1 - shared] == b[-1 - shared]:
        shared += 1
    if not shared or len(a) <= shared:
        return frozenset()
    word = a[-1 - shared]
    return frozenset({word}) if word not in b else frozenset()


def looks_like_followup(text: str) -> bool:
    """Wording that only makes sense after an earlier question: 那农村呢？ 其中护理型床位占多少？"""
    text = text.strip()
    return bool(_FOLLOWUP_START.search(text) or _FOLLOWUP_END.search(text))


def merge(current: Question, previous: Question, withheld: frozenset[str] = frozenset()) -> Question:
    """The follow-up read in the light of the earlier question: its own words weigh double.
    `withheld`: words of the earlier question that the follow-up replaces (see contrasted)."""
    terms = {t: w * 0.3 for t, w in previous.terms.items() if t not in withheld}
    for t, w in current.terms.items():
        terms[t] = max(terms.get(t, 0.0), w)
    alternatives = {**previous.alternatives, **current.alternatives}
    nouns = previous.nouns | current.nouns
    return Question(
        raw=current.raw,
        text=f"{previous.text} {current.text}",
        search_text=f"{current.search_text} {previous.search_text}",
        terms=terms,
        alternatives=alternatives,
        nouns=nouns,
        asked=current.asked or previous.asked,
        measure=current.measure,  # 那燃气安全装置呢？ after 多少个传感器: 户 is as good as 个
        years=current.years or previous.years,
        periods=current.periods or previous.periods,
        figures=current.figures,
        premise=current.premise,
        english=current.english,
        future=current.future,
        places=current.places or previous.places,
        wants=current.wants,
        counted=current.counted,
        asks=current.asks,
        # what the follow-up adds: 燃气 of 换燃气软管的呢 was the earlier 燃气报警器's word too
        focus=frozenset(current.nouns - previous.nouns) or frozenset(current.nouns),
    )


def claims(question: Question, fig: Figure) -> bool:
    """Whether a figure the resident wrote claims an answer (a premise to check): it fits what the
    part of the question holding it asks (30秒 in 30秒人工接通率是多少 names a rate, though another
    part asks 多久), and it is not part of a name (十 in 十大民生项目)."""
    if is_name_part(fig):
        return False
    part = next((p for p in split_parts(question.text) if fig.text in p), question.text)
    kind = asked_kind(part) or question.asked
    return unit_fits(replace(question, asked=kind, asks=()), fig.unit) is not False


def unit_fits(question: Question, unit: str) -> bool | None:
    """Whether a figure's unit can answer the question: True, False, or None (can't tell)."""
    if len(question.asks) > 1:  # each part asks its own kind: a unit fitting one of them answers
        verdicts = [unit_fits(replace(question, asked=kind, asks=()), unit) for kind in question.asks]
        return True if True in verdicts else None if None in verdicts else False
    if question.asked in _UNITS_FOR:
        return unit in _UNITS_FOR[question.asked]
    if question.asked == "count":
        m = question.measure
        if not m:  # 有多少: a count, a share or a sum may all answer it
            return None if unit in _NOT_COUNTS or not unit else True
        if unit in _NOT_COUNTS:
            return False
        if not unit or m == "万":
            return None
        return (
            m == "个"  # the everyday classifier stands for any other
            or unit.startswith(m)
            or m.startswith(unit)  # 件 / 件次, 人 / 人次
            or (m in _COUNTING and unit in _COUNTING)
            or (m in _PEOPLE and unit in _PEOPLE)
        )
    return None
