"""Chinese figures: find them, normalise them, compare them.

The assistant promises never to state a figure its source does not say, so one
module decides what "a figure" is for answer composition, the figure guard and
the evals alike. A figure is a number with its approximation words and its unit,
e.g. "近4.8万" (about_less, 48000, ""), "1.5万余张" (more, 15000, "张"),
"超六成" (more, 60, "%").

Decisions (see tests/test_figures.py for the known answers):
* Arabic numbers are always figures, with or without a unit. Numbers glued to
  ASCII letters (5G, PM2.5, G20) are names, not figures.
* Chinese numerals are figures only before a measure word ("两位", "十一个",
  "四级", "六成"), before 大 ("五大中心", "十大维度" - unit ""), or after
  百分之. That keeps slogans out: “十四五”, “五基四化”, “三跨”, 一老一小一困.
  A lone 一 is never a figure ("一个侧影", "一体化", "一键直达" are articles or
  words, not counts); a lone 百/千/万/亿 needs an approximation word ("超万名" yes,
  "千家万户" no); digit-by-digit numerals ("二〇二四") only count before 年, so
  the place names 二七区 / 二七塔 are not figures.
* Dates split at their units: "12月8日" is two figures, 12 月 and 8 日;
  "2024年6月" is 2024 年 and 6 月. So an invented year or day is caught.
* Citation markers ([1], 【2】, [^3]) and list numbering ("1. ", "（2）") are
  not figures.
* Qualifiers: "" exact, "about_less" 近/将近/接近, "more" 超/超过/逾/余/多/以上,
  plus two extensions: "about" 约/大约/左右 and "less" 不到/不足/以下/以内.
  A negated bound is read whole: 不超过 is "less" (at most, like 以内), 不少于 and
  不低于 are "more" (at least, like 以上), so 不超过3000元 is never "over 3000".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from rag.constants import HOTLINE

__all__ = [
    "Figure",
    "contains_figure",
    "extract_figures",
    "is_date",
    "parse_number",
    "same_value",
    "unsupported_figures",
]


@dataclass(frozen=True)
class Figure:
    text: str  # exactly as written, e.g. "近4.8万"
    value: float  # normalised: "近4.8万" -> 48000.0, "六成" -> 60.0
    unit: str  # measure word without 万/亿: "人", "人次", "%", "" when none
    qualifier: str  # "", "about_less", "more", "about", "less"
    start: int  # text == source[start:end]
    end: int


# --- numbers ---------------------------------------------------------------

# Full-width ASCII (０-９ ％ ． ，...) -> ASCII, one char for one char, so offsets survive.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_MAG = {"十": 10, "百": 100, "千": 1000}
_BIG_MAG = {"万": 1e4, "亿": 1e8}
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_SMALL_TOKEN = re.compile(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]")


def _tidy(v: float) -> float:
    """238.23 * 1e4 is 2382300.0000000005 in binary; give callers 2382300.0."""
    return float(f"{v:.12g}")


def _digit(tok: str) -> float:
    return float(tok) if tok[0].isdigit() else float(_CN_DIGIT[tok])


def _parse_small(s: str) -> float | None:
    """A section below 万: "3657", "一千二百", "十一", "5千", "两百五", "二〇二四"."""
    tokens = _SMALL_TOKEN.findall(s)
    if not tokens or "".join(tokens) != s:
        return None
    if not any(t in _SMALL_MAG for t in tokens):
        if len(tokens) == 1:
            return _digit(tokens[0])
        if all(t in _CN_DIGIT for t in tokens):  # read digit by digit: 二〇二四 -> 2024
            return float("".join(str(_CN_DIGIT[t]) for t in tokens))
        return None
    total, cur, last_mag, zero = 0.0, None, 10_000, False
    for t in tokens:
        if t in _SMALL_MAG:
            mag = _SMALL_MAG[t]
            if mag >= last_mag:  # 十百, 百百: not a number
                return None
            total += (1.0 if cur is None else cur) * mag  # bare 十 = 10, as in 十一
            cur, last_mag, zero = None, mag, False
        elif t in ("零", "〇"):
            zero = True
        elif cur is not None:  # two digits in a row, e.g. 十四五: a slogan, not a number
            return None
        else:
            cur = _digit(t)
    if cur is not None:
        # Colloquial 一千二 = 1200, 两百五 = 250; 一千零二 = 1002 keeps its place.
        total += cur * (last_mag // 10 if last_mag >= 100 and not zero else 1)
    return total


def _parse_big(s: str) -> float | None:
    """Split on 亿 then 万 (highest last occurrence first): "1亿2千万", "3万5千", "万"."""
    for ch, mag in (("亿", 1e8), ("万", 1e4)):
        if ch in s:
            head, _, tail = s.rpartition(ch)
            h = _parse_big(head) if head else 1.0  # bare 万 = 10000, as in 超万名
            t: float | None
            if len(tail) == 1 and (tail.isdigit() or tail in _CN_DIGIT):
                t = _digit(tail) * mag / 10  # colloquial 3万5 / 一万二
            else:
                t = _parse_big(tail) if tail else 0.0
            return None if h is None or t is None else h * mag + t
    return _parse_small(s)


def parse_number(s: str) -> float | None:
    """The value of a bare number in any of the article's notations, else None.

    "3657", "３６５７", "1,200", "3.5万", "3万5千", "1.2亿", "一千二百", "两",
    "十一", "二十一", "一万二千", "三点五", "百分之七十" (-> 70), "18.3%" (-> 18.3),
    "六成" (-> 60).
    Text with anything else in it ("3657所", "十四五") is not a number: None.
    """
    s = s.strip().translate(_FULLWIDTH)
    scale = 1.0
    if s.startswith("百分之"):
        s = s[3:]
    elif s.endswith("%"):
        s = s[:-1]
    elif s.endswith("成") and len(s) > 1:  # 六成 = 60 (percent)
        s, scale = s[:-1], 10.0
    s = _THOUSANDS.sub("", s)
    if not s:
        return None
    if "点" in s:  # Chinese decimal point: 三点五万 = 3.5 * 1e4
        m = re.fullmatch(r"(.+?)点([零〇一二三四五六七八九]+)([万亿]*)", s)
        whole = _parse_big(m.group(1)) if m else None
        if m is None or whole is None:
            return None
        frac = float("0." + "".join(str(_CN_DIGIT[c]) for c in m.group(2)))
        magnitude = math.prod((_BIG_MAG[c] for c in m.group(3)), start=1.0)
        return _tidy((whole + frac) * magnitude * scale)
    v = _parse_big(s)
    return None if v is None else _tidy(v * scale)


# --- extraction ------------------------------------------------------------

# Longest first, so 人次 beats 人, 平方米 beats 米, 件次 beats 件.
_UNITS = sorted(
    """人次 件次 平方米 平方公里 立方米 公里 千米 千克 公斤 公顷 千瓦时 千瓦
    个百分点 百分点 个工作日 工作日 个月 小时 分钟 街道 周岁 美元 所 人 个 名 家 张 户 对 条
    座 元 倍 % 项 台 路 件 年 月 日 天 位 支 种 级 米 吨 亩 辆 套 间 栋 处 批 次 例 岁 周 秒
    号 期 届 类 区 层 份 场 成""".split(),
    key=len,
    reverse=True,
)
# Measure words that follow Chinese numerals in names and idioms rather than counts:
# 经八路, 七台河, 四周, 四处.
_NOT_AFTER_CN = {"路", "台", "号", "周", "处"}
_UNIT_NORMAL = {"个百分点": "百分点", "成": "%"}
_QUALIFIERS = {
    "近": "about_less",
    "将近": "about_less",
    "接近": "about_less",
    "超": "more",
    "超过": "more",
    "不超过": "less",
    "不超": "less",
    "不少于": "more",
    "不低于": "more",
    "逾": "more",
    "余": "more",
    "多": "more",
    "以上": "more",
    "约": "about",
    "大约": "about",
    "左右": "about",
    "不到": "less",
    "不足": "less",
    "以下": "less",
    "以内": "less",
}
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
_UNIT_RE = "|".join(map(re.escape, _UNITS))
_SP = r"[ \u00a0]?"  # "3657 所": some writers put a space between number and word
_ARABIC = r"(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_AR_MAG = r"(?:[万亿]|百(?!分)|千(?![米克瓦]))"  # 5千米 is 5 km, 3个百分点 is not 百

_FIGURE = re.compile(
    rf"""
    (?P<pre>将近|接近|(?<![最附靠临亲就远邻贴走])近|不超过|不超|不少于|不低于|超过|超|逾|大约
        |(?<![节预签公制邀合条违履特相守婚誓协])约|不到|不足)?{_SP}
    (?P<pct>百分之)?
    (?P<num>(?<![\d.A-Za-z]){_ARABIC}(?:{_SP}{_AR_MAG}+(?:\d[百千])?)*
        |(?<![{_CN_CHARS}\d])[{_CN_CHARS}]+(?:点[零〇一二三四五六七八九]+[万亿]*)?)
    (?:{_SP}(?P<mid>[余多])(?=[万亿]|{_UNIT_RE}|[^\u4e00-\u9fff]|$))?
    (?P<mag>(?<=[余多])[万亿]+)?              # 100多亿元: magnitude after 多
    (?:{_SP}(?P<unit>{_UNIT_RE}))?
    (?:{_SP}(?P<post>以上|以下|以内|左右))?
""",
    re.VERBOSE,
)

# Not figures: citation markers [1] 【2】 [^3] [1, 2], list numbering "1. " "（2）".
_NOT_FIGURES = re.compile(
    r"""
    \[\^?\d+(?:\s*[,，、\-–]\s*\d+)*\] | 【\d+(?:\s*[,，、\-–]\s*\d+)*】
    | [(（]\d{1,2}[)）] | (?m:^[ \t]*\d{1,2}[.、)）](?!\d))
""",
    re.VERBOSE,
)


def _chinese_ok(m: re.Match[str], text: str, unit: str) -> bool:
    """Whether a Chinese-numeral match is a count rather than a slogan or a word."""
    num = m["num"]
    if m["pct"]:
        return True
    if num == "一":  # 一个, 一体化, 一键: the article 一, not a count
        return False
    if not m["pre"] and all(c in "百千万亿" for c in num):  # 千家万户, 百年
        return False
    if not any(c in "十百千万亿点" for c in num) and len(num) > 1:  # 二七区, 五一
        return unit == "年"  # 二〇二四年
    if unit:
        return unit not in _NOT_AFTER_CN
    return text[m.end("num") : m.end("num") + 1] == "大"  # 五大中心, 十大维度


def _overlaps(m: re.Match[str], figures: list[Figure]) -> bool:
    return any(f.start < m.end() and m.start() < f.end for f in figures)


# Shares said in words: 一半 (50%), 过半 (over 50%), 三分之一 (33.3%); as a percentage, like 六成
_FRACTION = re.compile(
    r"(?P<pre>超过|超|将近|接近|近)?(?:(?P<den>[二三四五六七八九十]|\d{1,2})分之(?P<num>[一二三四五六七八九]|\d{1,2})"
    r"|(?P<half>一半|半数|过半))(?P<post>以上|还多|多)?"
)


def _fractions(text: str, taken: list[Figure]) -> list[Figure]:
    """The shares text says in words, where no figure already stands."""
    found = []
    for m in _FRACTION.finditer(text):
        if _overlaps(m, taken):
            continue
        if m["half"]:
            value = 50.0
        else:
            den, num = parse_number(m["den"]), parse_number(m["num"])
            if not den or num is None or num >= den:
                continue
            value = round(100 * num / den, 1)
        more = m["half"] == "过半" or m["post"] in ("以上", "还多", "多")
        qualifier = "more" if more else _QUALIFIERS.get(m["pre"] or "", "")
        found.append(Figure(m.group(0), value, "%", qualifier, m.start(), m.end()))
    return found


# Time spans said the spoken way: 半个钟头 (30 minutes), 一刻钟, 两个钟头, 一个半小时
_SPOKEN_TIME = re.compile(
    r"(?P<half>半个?(?:钟头|小时))|(?P<quarters>[一三])刻钟"
    r"|(?P<num>[一二两三四五六七八九十]+|\d+)个(?P<more>多)?(?P<and_half>半)?(?:钟头|小时)"
)


def _spoken_times(text: str) -> list[Figure]:
    found = []
    for m in _SPOKEN_TIME.finditer(text):
        if m["half"]:
            value, unit = 30.0, "分钟"
        elif m["quarters"]:
            value, unit = 15.0 * (parse_number(m["quarters"]) or 1), "分钟"
        else:
            hours = parse_number(m["num"])
            if hours is None:
                continue
            value, unit = hours + (0.5 if m["and_half"] else 0.0), "小时"
        found.append(Figure(m.group(0), _tidy(value), unit, "more" if m["more"] else "", m.start(), m.end()))
    return found


def extract_figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order, non-overlapping, with offsets into `text`."""
    work = text.translate(_FULLWIDTH)  # same length, so offsets are shared
    work = _NOT_FIGURES.sub(lambda m: " " * len(m.group()), work)
    spoken = _spoken_times(work)
    figures = []
    for m in _FIGURE.finditer(work):
        if _overlaps(m, spoken):
            continue  # 两个 of 两个钟头 counts hours, not things
        num, unit = m["num"], m["unit"] or ""
        arabic = num[0].isdigit()
        if arabic and re.match(r"[A-Za-z]", work[m.end("num") : m.end("num") + 1]):
            continue  # 5G, 3D: a name
        if not arabic and not _chinese_ok(m, work, unit):
            continue
        value = parse_number(num.replace(" ", "").replace("\u00a0", ""))
        if value is None:
            continue
        value *= math.prod(_BIG_MAG[c] for c in m["mag"] or "")
        if unit == "成":  # 六成 = 60 %
            value *= 10
        if m["pct"]:
            unit = "%"
        qualifier = next((_QUALIFIERS[q] for q in (m["pre"], m["mid"], m["post"]) if q), "")
        start = m.start("pre") if m["pre"] else m.start("pct") if m["pct"] else m.start("num")
        end = m.end()
        figures.append(Figure(text[start:end], _tidy(value), _UNIT_NORMAL.get(unit, unit), qualifier, start, end))
    figures += [replace(f, text=text[f.start : f.end]) for f in spoken]
    return sorted(figures + _fractions(text, figures), key=lambda f: f.start)


# --- comparison ------------------------------------------------------------


def same_value(a: Figure, b: Figure, *, strict_qualifier: bool = False) -> bool:
    """Same number, compatible unit ("" fits any; 人 and 人次 differ), and, when
    strict, the same approximation."""
    if not math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12):
        return False
    if a.unit and b.unit and a.unit != b.unit:
        return False
    return not strict_qualifier or a.qualifier == b.qualifier


def _as_figures(fig: Figure | str) -> list[Figure]:
    if isinstance(fig, Figure):
        return [fig]
    found = extract_figures(fig)
    if not found:
        raise ValueError(f"no figure in {fig!r}")
    return found


def contains_figure(text: str, fig: Figure | str, *, strict_qualifier: bool = False) -> bool:
    """Whether `text` states `fig`. A string is parsed first; when it holds several
    figures ("12月8日", "三区五街道") all of them must be in `text`."""
    have = extract_figures(text)
    return all(any(same_value(h, want, strict_qualifier=strict_qualifier) for h in have) for want in _as_figures(fig))


def unsupported_figures(answer: str, sources: list[str], *, allow: tuple[str, ...] = (HOTLINE,)) -> list[Figure]:
    """The figures of `answer` that no source states: what the figure guard rejects.

    Figures written as an `allow` entry (the 12345 hotline) always pass; so does
    "12345" with a bare qualifier, but not "12345人".
    """
    known = [f for s in sources for f in extract_figures(s)]
    allowed = [f for a in allow for f in extract_figures(a)]

    def ok(fig: Figure) -> bool:
        if fig.text in allow or any(same_value(fig, a) and fig.unit == a.unit for a in allowed):
            return True
        return any(same_value(fig, k) for k in known)

    return [f for f in extract_figures(answer) if not ok(f)]


_CHINESE_NUMERAL = re.compile(r"[一二两三四五六七八九十百千万亿]+")


def is_name_part(fig: Figure) -> bool:
    """A Chinese numeral without a unit: part of a name (十大民生项目, 三甲), not a stated count."""
    return not fig.unit and bool(_CHINESE_NUMERAL.fullmatch(fig.text))


def is_date(fig: Figure) -> bool:
    """2024年, 6月, 18日: a point in time, not a quantity."""
    return fig.unit in ("月", "日") or (fig.unit == "年" and 1900 <= fig.value <= 2100)


def whole_date(text: str, fig: Figure) -> str:
    """A date figure of text as the text writes the whole date (11月 -> 11月15日, 12月 -> 2024年12月:
    extract_figures gives each part of a date on its own); any other figure as it is."""
    if not is_date(fig):
        return fig.text
    dates = [f for f in extract_figures(text) if is_date(f)]  # in order of position
    start, end = fig.start, fig.end
    for f in dates:  # the parts right after it
        if f.start == end:
            end = f.end
    for f in reversed(dates):  # and right before it
        if f.end == start:
            start = f.start
    return text[start:end]
