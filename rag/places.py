"""Chinese place names: which places a text names, and how they nest.

The gazetteer is the administrative-division table that ships inside the `cpca`
package (provinces, prefecture cities, counties and districts with their codes),
read as plain CSV: no place name is written in this code. A place is found by its
full name (苏州市, 河南省, 金水区) or, for provinces and prefecture cities, by its
short form (苏州, 河南). County-level short forms are not used: too many are
ordinary words.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ahocorasick
import jieba

from rag.errors import ModelUnavailableError
from rag.tokens import ensure_initialised

Level = Literal["province", "city", "county"]

# Longest first: 广西壮族自治区 -> 广西, 延边朝鲜族自治州 -> 延边.
_SUFFIXES = re.compile(
    r"(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|[\u4e00-\u9fff]{1,6}族自治州|[\u4e00-\u9fff]{1,6}族自治县|自治州|自治县|省|市|地区|盟|区|县)$"
)
# Table rows that are groupings, not places.
_NOT_PLACES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "郊区", "城区", "矿区"}


@dataclass(frozen=True)
class Place:
    name: str  # the official full name: 苏州市
    short: str  # 苏州 ("" when the full name is all there is)
    level: Level
    code: str  # 12-digit administrative code
    province: str  # the full name of its province ("" for a province)
    city: str  # the full name of its prefecture city (counties only)

    def within(self, other: Place) -> bool:
        """True when this place lies inside `other` (a county in its city, a city in its province)."""
        return other.name in (self.province, self.city) and other.name != self.name


@dataclass(frozen=True)
class Mention:
    place: Place
    text: str  # as written
    start: int
    end: int


class Gazetteer:
    """Every place of the table, found in text with one Aho-Corasick pass."""

    def __init__(self, places: list[Place]):
        self.places = places
        self.by_name: dict[str, Place] = {}
        self.same_name: dict[str, list[Place]] = {}  # 鼓楼区: one in 南京市, 福州市, 徐州市, 开封市
        for p in places:
            self.same_name.setdefault(p.name, []).append(p)
        for p in places:  # a province keeps its short form over a city of the same name (吉林)
            for key in (p.name, p.short, _everyday_name(p)):
                if key and (key not in self.by_name or _rank(p) < _rank(self.by_name[key])):
                    self.by_name[key] = p
        self._automaton = ahocorasick.Automaton()
        for key in self.by_name:
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()

    def get(self, name: str) -> Place | None:
        return self.by_name.get(name.strip())

    def in_city(self, name: str, cities: set[str]) -> bool:
        """Whether a county or district of this full name lies in one of the named cities."""
        return any(p.city in cities for p in self.same_name.get(name, ()))

    def find(self, text: str) -> list[Mention]:
        """Place names in text, longest match first, non-overlapping, in order."""
        found: list[Mention] = []
        for end, key in self._automaton.iter(text):
            start = end - len(key) + 1
            found.append(Mention(self.by_name[key], key, start, end + 1))
        if any(m.place.level == "county" for m in found):
            cuts = _word_boundaries(text)  # 新增城区 is 新增/城区, not 增城区: a county must be whole words
            # …and it ends a word unless its own suffix does (jieba cuts 惠济区有多少 as 惠济 / 区有 / 多少)
            found = [
                m
                for m in found
                if m.place.level != "county" or (m.start in cuts and (m.end in cuts or m.text[-1] in "区县市旗"))
            ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for m in found:
            if kept and m.start < kept[-1].end:
                continue
            kept.append(m)
        return kept

    def find_local(self, text: str, places: Collection[str]) -> list[Mention]:
        """Counties and districts of the cities among these places named without their suffix, as
        whole words (昆山 for 昆山市, 吴江 for 吴江区, in an article or a conversation about 苏州市). The
        national table gives counties no short form, since most would be an everyday word somewhere;
        within their own city, reporters and residents name them that way."""
        automaton = self._local(frozenset(places))
        if automaton is None:
            return []
        matches = [(end - len(bare) + 1, end + 1, bare, index) for end, (bare, index) in automaton.iter(text)]
        if not matches:
            return []  # the word cut (jieba) only for text that names one: this runs on every indexed sentence
        cuts = _word_boundaries(text)
        return [Mention(self.places[i], bare, s, e) for s, e, bare, i in matches if s in cuts and e in cuts]

    @functools.lru_cache(maxsize=64)  # noqa: B019  # one gazetteer per process: its cache lives as long
    def _local(self, places: frozenset[str]) -> ahocorasick.Automaton | None:
        automaton = ahocorasick.Automaton()
        for index, p in enumerate(self.places):
            bare = bare_name(p.name) if p.level == "county" and p.city in places else ""
            if bare and bare not in self.by_name:  # a province's or city's short form keeps its place
                automaton.add_word(bare, (bare, index))
        if not len(automaton):
            return None
        automaton.make_automaton()
        return automaton

    def parent(self, place: Place) -> Place | None:
        name = place.city or place.province
        return self.by_name.get(name) if name else None


_ETHNIC = re.compile(r"^([\u4e00-\u9fff]{2,}?)[\u4e00-\u9fff]{1,6}族(?:自治)?([区县])$")


def _everyday_name(place: Place) -> str:
    """The name residents use for a district or county named for a people: 管城回族区 -> 管城区,
    长阳土家族自治县 -> 长阳县 ("" for other places)."""
    m = _ETHNIC.match(place.name) if place.level == "county" else None
    return f"{m.group(1)}{m.group(2)}" if m else ""


def _word_boundaries(text: str) -> set[int]:
    ensure_initialised()
    cuts, at = {0}, 0
    for word in jieba.lcut(text):
        at += len(word)
        cuts.add(at)
    return cuts


def _rank(place: Place) -> int:
    return {"province": 0, "city": 1, "county": 2}[place.level]


def bare_name(name: str) -> str:
    """The name without its administrative suffix (衡东县 -> 衡东), "" when that leaves too little."""
    bare = _SUFFIXES.sub("", name)
    return bare if len(bare) >= 2 and bare != name else ""


def short_form(name: str, level: Level) -> str:
    short = _SUFFIXES.sub("", name)
    if level == "county" or len(short) < 2 or short == name:
        return ""
    return short


def _read_table() -> list[tuple[str, str]]:
    # Located without importing cpca itself, whose import needs setuptools and loads pandas.
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("Place names need the cpca package: pip install -r requirements.txt")
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    text = table.read_text(encoding="utf-8")
    return [(row["adcode"], row["name"]) for row in csv.DictReader(io.StringIO(text))]


@functools.cache
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built once per process, about 0.1 s)."""
    rows = [(code, name) for code, name in _read_table() if name not in _NOT_PLACES]
    names = dict(rows)
    places = []
    for code, name in rows:
        if code[2:] == "0" * 10:
            level: Level = "province"
        elif code[4:] == "0" * 8:
            level = "city"
        else:
            level = "county"
        province = names.get(code[:2] + "0" * 10, "") if level != "province" else ""
        city = names.get(code[:4] + "0" * 8, "") if level == "county" else ""
        if level == "county" and len(name) < 3:
            continue  # two-character county names are too often ordinary words
        places.append(Place(name, short_form(name, level), level, code, province, city))
    return Gazetteer(places)


# Names the world uses that are not the plain pinyin of the short form.
_EXONYMS = {
    "陕西省": "shaanxi",
    "内蒙古自治区": "inner mongolia",
    "西藏自治区": "tibet",
    "香港特别行政区": "hong kong",
    "澳门特别行政区": "macau",
}
# A county is named in English only with its level word (Hengdong County): bare county pinyin
# collides with too many ordinary words and other places.
_LEVEL_WORDS: dict[Level, tuple[str, ...]] = {
    "province": ("", " province"),
    "city": ("", " city"),
    "county": (" county", " district"),
}
_LATIN_WORDS = re.compile(r"[a-z]+")


@functools.cache
def english_names() -> dict[str, tuple[Place, ...]]:
    """Lower-case English names (pinyin of the short form, with or without the level word) ->
    every place so called (fuzhou: 福州市 and 抚州市; the corpus decides which is meant)."""
    from pypinyin import lazy_pinyin  # only English questions need it

    names: dict[str, list[Place]] = {}
    for place in gazetteer().places:
        short = place.short or _SUFFIXES.sub("", place.name) or place.name  # 衡东县 -> 衡东 (Hengdong County)
        base = _EXONYMS.get(place.name) or "".join(lazy_pinyin(short)).lower()
        if not base.isascii() or not base.replace(" ", "").isalpha():
            continue
        for suffix in _LEVEL_WORDS[place.level]:
            names.setdefault(base + suffix, []).append(place)
    return {name: tuple(places) for name, places in names.items()}


def find_english(text: str) -> list[tuple[Place, ...]]:
    """Places an English text names (Hangzhou, Jiangsu Province, Hengdong County), each as the
    tuple of places of that name, longest name first."""
    return [places for _, _, places in _english_spans(text)]


def english_in_chinese(text: str, covered: Collection[str] = ()) -> str:
    """The English text with each place name that names one place only written as residents write it
    in Chinese (Liaocheng's ten major projects -> 聊城's ten major projects): a translating model then
    copies the place instead of guessing it (Liaocheng -> 辽宁省). A name of several places (Yichun:
    宜春 or 伊春) names the one the articles cover (`covered`), when only one of them is."""
    out, last = [], 0
    for start, end, places in _english_spans(text):
        if len(places) > 1:
            places = tuple(p for p in places if p.name in covered)
        if len(places) == 1:
            out += [text[last:start], places[0].short or places[0].name]
            last = end
    return "".join(out) + text[last:]


def _english_spans(text: str) -> list[tuple[int, int, tuple[Place, ...]]]:
    """(start, end, places) of each English place name in text, longest name first."""
    words = list(_LATIN_WORDS.finditer(text.lower()))
    names = english_names()
    found: list[tuple[int, int, tuple[Place, ...]]] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            key = " ".join(w.group(0) for w in words[i : i + n])
            if n <= len(words) - i and key in names:
                found.append((words[i].start(), words[i + n - 1].end(), names[key]))
                i += n
                break
        else:
            i += 1
    return found
