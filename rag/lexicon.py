"""Residents' words -> the articles' words, so colloquial and English questions find their figures.

Expansion only adds terms: the resident's own words still count. The lists are data
(rag/vocabulary.toml): everyday wording for public services anywhere. A deployment adds its
own words in its profile (rag/profile.py), where words that hold only for its articles belong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


Table = dict[str, tuple[str, ...]]


def _load(path: Path) -> tuple[Table, Table, Table, list[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    words, english, measures = (
        {k: tuple(v) for k, v in data.get(part, {}).items()} for part in ("words", "english", "measure_nouns")
    )
    return words, english, measures, list(data.get("jieba", {}).get("words", []))


# colloquial Chinese -> official terms; English -> Chinese; measure word -> nouns restating it; words jieba keeps whole
COLLOQUIAL, ENGLISH, MEASURE_NOUNS, DOMAIN_WORDS = _load(VOCABULARY_FILE)

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


ENGLISH_SHARE = 4  # Latin letters per Chinese character: an English word is ~5 letters, a Chinese one ~2 characters


def is_english(text: str) -> bool:
    """Written in English: Latin letters, and Chinese at most as a quoted term (… home elderly-care bed
    (家庭养老床位) in Luoyang?). A Chinese question naming HPV疫苗 or 12345 stays Chinese."""
    latin, chinese = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return latin > 0 and latin >= ENGLISH_SHARE * chinese


@dataclass(frozen=True)
class Lexicon:
    """Residents' words -> the articles' words: the generic lists (rag/vocabulary.toml) and a
    profile's own words, which replace a generic entry of the same word."""

    colloquial: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(COLLOQUIAL))
    english: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(ENGLISH))
    own: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the profile's colloquial words

    @classmethod
    def with_words(cls, words: dict[str, tuple[str, ...]], english: dict[str, tuple[str, ...]]) -> Lexicon:
        generic = {k: v for k, v in COLLOQUIAL.items() if k not in words}
        return cls(generic, {**ENGLISH, **english}, dict(words))

    def english_to_chinese(self, text: str) -> str:
        """Chinese search terms for an English question ('' when none is known): the first of the
        glossary's terms for each phrase, and any the resident wrote in Chinese (city stations
        (城市驿站): the article's own word). The glossary's other terms are alternatives of the
        first (english_alternatives), not further words the answer must say."""
        terms = _CJK_RUN.findall(text) + [
            self.english[m.group(1)][0] for m in self._english_phrases.finditer(text.lower())
        ]
        return " ".join(dict.fromkeys(terms))

    def english_alternatives(self, text: str) -> dict[str, tuple[str, ...]]:
        """For each phrase of an English question, its first Chinese term -> the others (parking
        spaces: 停车位 -> 停车泊位, 泊位)."""
        found = (self.english[m.group(1)] for m in self._english_phrases.finditer(text.lower()))
        return {terms[0]: terms[1:] for terms in found if len(terms) > 1}

    @cached_property
    def _english_phrases(self) -> re.Pattern[str]:
        """The glossary's phrases as whole words, longest first (bus is not in business, and
        nursing homes wins over homes), in the plural too."""
        return re.compile(rf"(?<![a-z])({_alternation(self.english)})(?:e?s)?(?![a-z])")

    def expansions(self, text: str) -> list[str]:
        """The official terms that the colloquial words in text stand for (see phrases)."""
        return list(dict.fromkeys(t for _, officials in self.phrases(text) for t in officials))

    def phrases(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """The listed words found in text, each with the official terms it stands for that text does
        not already say. Within each list the longest word wins where several overlap: 地铁站 is a
        station, not the 地铁 (轨道交通) it contains. The profile's words are matched on their own,
        so a longer generic word (坑坑洼洼) does not hide a deployment's shorter one (坑洼). A listed
        phrase may span several of the question's words (一天平均 is 一天 / 平均)."""
        found = []
        for words, pattern in ((self.own, self._own_words), (self.colloquial, self._colloquial_words)):
            for m in pattern.finditer(text) if words else ():  # no overlaps; longer words are tried first
                found.append((m.group(0), tuple(t for t in words[m.group(0)] if t not in text)))
        return found

    @cached_property
    def _colloquial_words(self) -> re.Pattern[str]:
        return _longest_first(self.colloquial)

    @cached_property
    def _own_words(self) -> re.Pattern[str]:
        return _longest_first(self.own)


def _alternation(words: dict[str, tuple[str, ...]]) -> str:
    """The words as one regex alternation, longest first (an alternation takes the first that matches)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _longest_first(words: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    return re.compile(_alternation(words))


GENERIC = Lexicon()
