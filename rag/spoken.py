"""Answer text -> text to read aloud: figures as a Chinese listener expects them. Pure functions.

    >>> spoken_text("全市共有3657所学校，占18.3%，床位1.5万余张[1]。")
    '全市共有三千六百五十七所学校，占百分之十八点三，床位一点五万余张。'

Years (2024年) and the hotline are read digit by digit (二零二四年, 一二三四五), as people say them;
every other number is read as a quantity. [n] markers are dropped: they are for the eye.
"""

from __future__ import annotations

import re

from rag.constants import MARKER

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(\s*[%％])?")


def digits(text: str) -> str:
    """Digit by digit: 12345 -> 一二三四五."""
    return "".join(DIGITS[int(c)] for c in text)


def _group(n: int) -> str:
    """0 < n < 10000 -> Chinese, with 零 for inner gaps: 1010 -> 一千零一十."""
    out: list[str] = []
    zero = False
    for power in range(3, -1, -1):
        d = n // 10**power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + _SMALL_UNITS[power])
    return "".join(out)


def integer(n: int) -> str:
    """A whole number as a quantity: 3657 -> 三千六百五十七, 11381 -> 一万一千三百八十一, 15 -> 十五."""
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_BIG_UNITS):
        return digits(str(sum(g * 10000**i for i, g in enumerate(groups))))
    out: list[str] = []
    gap = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out.append("零")
        out.append(_group(g) + _BIG_UNITS[i])
        gap = False
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text  # 十五, not 一十五


def number(whole: str, fraction: str | None = None) -> str:
    """18.3 -> 十八点三; 1,166 -> 一千一百六十六."""
    text = integer(int(whole.replace(",", "")))
    return text + ("点" + digits(fraction) if fraction else "")


def spoken_text(text: str, hotline: str = "12345") -> str:
    """The answer as it should be read aloud (see the module docstring)."""
    text = MARKER.sub("", text)

    def say(m: re.Match[str]) -> str:
        whole, fraction, percent = m.group(1), m.group(2), m.group(3)
        after = text[m.end() : m.end() + 1]
        if whole == hotline and not fraction:
            return digits(whole)
        if after == "年" and len(whole) == 4 and not fraction and not percent:
            return digits(whole)
        said = number(whole, fraction)
        return "百分之" + said if percent else said

    return _NUMBER.sub(say, text)
