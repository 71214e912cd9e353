"""Residents' words -> the articles' words, so colloquial and English questions find their figures.

Expansion only adds terms: the resident's own words still count. The lists are data
(rag/vocabulary.toml): everyday wording for public services anywhere. A deployment adds its
own words in its profile (rag/profile.py), where words that hold only for its articles belong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


def _load(path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], list[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    words = {k: tuple(v) for k, v in data.get("words", {}).items()}
    english = {k: tuple(v) for k, v in data.get("english", {}).items()}
    return words, english, list(data.get("jieba", {}).get("words", []))


# colloquial Chinese -> official terms; English -> Chinese; words jieba must keep whole
COLLOQUIAL, ENGLISH, DOMAIN_WORDS = _load(VOCABULARY_FILE)

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
    """Residents' words -> the articles' words: the generic lists above plus a profile's own."""

    colloquial: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(COLLOQUIAL))
    english: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(ENGLISH))

    @classmethod
    def with_words(cls, words: dict[str, tuple[str, ...]], english: dict[str, tuple[str, ...]]) -> Lexicon:
        return cls({**COLLOQUIAL, **words}, {**ENGLISH, **english})

    def english_to_chinese(self, text: str) -> str:
        """Chinese search terms for an English question ('' when none is known): the glossary's, and
        any the resident wrote in Chinese (city stations (城市驿站): the article's own word)."""
        low = text.lower()
        terms: list[str] = _CJK_RUN.findall(text)
        for phrase in sorted(self.english, key=len, reverse=True):
            if phrase in low:
                low = low.replace(phrase, " ")
                terms.extend(self.english[phrase])
        return " ".join(dict.fromkeys(terms))

    def expansions(self, text: str) -> list[str]:
        """The official terms that the colloquial words in text stand for."""
        extra: list[str] = []
        for word in sorted(self.colloquial, key=len, reverse=True):
            if word in text:
                extra.extend(t for t in self.colloquial[word] if t not in text)
        return list(dict.fromkeys(extra))


GENERIC = Lexicon()
