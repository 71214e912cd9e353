"""Parts of a year a text names (5月份, 第一季度, 上半年), so a question about April is not
answered by May's figure: the year check alone lets any month of the right year through."""

from __future__ import annotations

import re

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# 4月, 04月份, 十一月; not 6个月 (a duration) nor 11月15日 (a date: a deadline, not a period reported on)
_MONTH = re.compile(r"(?<![\d个])(0?[1-9]|1[0-2]|十[一二]?|[一二三四五六七八九])\s*月(?!\d*个)(?!\s*\d{1,2}\s*[日号])")
_QUARTER = re.compile(r"(?:第)?([一二三四1-4])\s*季度|\bQ([1-4])\b", re.IGNORECASE)
_HALF = re.compile(r"([上下])半年")
_OPENING_MONTHS = re.compile(r"[头前]\s*([三3六6])\s*个月")  # 头三个月 = the first quarter, 前六个月 the first half
_EN_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_EN_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:(?:19|20)\d\d|of\b)", re.I)
_EN_QUARTER = re.compile(r"\b(first|second|third|fourth)\s+quarter\b", re.I)
_EN_HALF = re.compile(r"\b(first|second)\s+half\b", re.I)
_EN_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}

Period = tuple[str, int]  # ("month", 4), ("quarter", 1), ("half", 2)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_CN_DIGITS[text[1]] if len(text) > 1 else 0)
    return _CN_DIGITS[text]


def period_spans(text: str) -> list[tuple[int, int]]:
    """Where text names parts of a year, so they are read as a constraint, not as words to match."""
    patterns = (_MONTH, _QUARTER, _HALF, _OPENING_MONTHS, _EN_MONTH, _EN_QUARTER, _EN_HALF)
    return sorted(m.span() for p in patterns for m in p.finditer(text))


def named_periods(text: str) -> frozenset[Period]:
    """The months, quarters and halves of a year that text names."""
    found: set[Period] = {("month", _number(m.group(1))) for m in _MONTH.finditer(text)}
    found |= {("quarter", _number(m.group(1) or m.group(2))) for m in _QUARTER.finditer(text)}
    found |= {("half", 1 if m.group(1) == "上" else 2) for m in _HALF.finditer(text)}
    found |= {("quarter", 1) if m.group(1) in "三3" else ("half", 1) for m in _OPENING_MONTHS.finditer(text)}
    # English: "in May 2023" (a month only before a year or "of": "may" is also a verb)
    found |= {("month", _EN_MONTHS.index(m.group(1).lower()[:3]) + 1) for m in _EN_MONTH.finditer(text)}
    found |= {("quarter", _EN_ORDINAL[m.group(1).lower()]) for m in _EN_QUARTER.finditer(text)}
    found |= {("half", _EN_ORDINAL[m.group(1).lower()]) for m in _EN_HALF.finditer(text)}
    return frozenset(found)


def other_period(asked: frozenset[Period], stated: frozenset[Period], in_article: frozenset[Period]) -> bool:
    """Whether a sentence stating `stated`, in an article naming `in_article`, speaks of another
    part of the year than the one asked. It does when it names parts of the asked kind (months for
    a month) and none is the asked one, or when its article never names the asked one: a sentence
    naming none (本月受理…) is of a part its article names, and 4月份 is not among them."""
    for kind in {k for k, _ in asked}:
        wanted = {p for p in asked if p[0] == kind}
        same_kind = {p for p in stated if p[0] == kind}
        if (same_kind and not same_kind & wanted) or not in_article & wanted:
            return True
    return False
