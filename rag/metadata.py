"""Article metadata: title, places, date, publisher and kind.

Read from optional front matter at the top of a file:

    ---
    title: 2024年苏州市民生实事项目完成情况
    place: 苏州市            # or a list: [苏州市, 江苏省]
    date: 2024-12-30
    publisher: 苏州市人民政府
    kind: livelihood_list   # news, livelihood_list, hotline_report, work_report, policy_qa
    url: https://...
    ---

and otherwise detected from the text: the title line, a dateline or 来源/发布时间
line, 本报讯/记者 lines, and the place names of the title and opening paragraph.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any, get_args

import yaml

from rag.errors import CorpusError
from rag.places import gazetteer
from rag.types import ArticleKind, ArticleMeta

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*(?:[-月/.]\s*(\d{1,2})\s*日?)?")
_PUBLISHER = re.compile(r"(?:来源|来自|发布机构|发布单位|信息来源|稿源)\s*[:：]\s*([^\s|｜,，:：]{2,30})")
_PRESS = re.compile(r"[\u4e00-\u9fff]{2,12}(?:日报|晚报|新闻网|融媒体中心|电视台|广播电视台)|新华社|人民网|央视网")
_KINDS: list[tuple[ArticleKind, re.Pattern[str]]] = [
    ("work_report", re.compile(r"政府工作报告")),
    ("hotline_report", re.compile(r"12345")),
    ("livelihood_list", re.compile(r"实事|民生事项|民生项目|民生工程")),
    ("policy_qa", re.compile(r"解读|问答|答记者问|^问[:：]|[吗么][?？]$", re.M)),
]


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], int]:
    """The front matter as a dict, and the offset where the article text starts (0 if none)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"{source}: the front matter between the --- lines is not valid YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{source}: the front matter must be 'key: value' lines (title, place, date...).")
    return data, m.end()


def find_date(lines: list[str]) -> str:
    """The first full or partial date in the given lines: 2024-05-12, 2024-05, or ''."""
    for line in lines:
        m = _DATE.search(line)
        if m:
            year, month, day = m.group(1), int(m.group(2)), m.group(3)
            if 1 <= month <= 12:
                return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day and 1 <= int(day) <= 31 else "")
    return ""


def find_publisher(lines: list[str]) -> str:
    for line in lines:
        if m := _PUBLISHER.search(line):
            return m.group(1)
    for line in lines:
        if m := _PRESS.search(line):
            return m.group(0)
    return ""


def find_places(title: str, opening: str, byline: str) -> tuple[str, ...]:
    """The article's places: those of its title count most, then its opening paragraph.

    全省/全市 in the opening lend weight to the province or city already named. Places a
    province-wide report merely lists (苏州、无锡、南京) rarely reach its opening, so the
    opening's most-named place wins.
    """
    g = gazetteer()
    score: defaultdict[str, float] = defaultdict(float)
    first_seen: dict[str, int] = {}
    for weight, text in ((3.0, title), (2.0, byline), (1.0, opening)):
        for m in g.find(text):
            score[m.place.name] += weight
            first_seen.setdefault(m.place.name, len(first_seen))
    if not score:
        return ()
    best = max(score.values())
    main = [p for p in score if score[p] == best]
    main.sort(key=lambda p: first_seen[p])
    return tuple(main)


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年)")


def report_period(title: str, opening: str) -> tuple[int, ...]:
    """The years an article reports on: those its title names, else the one its opening
    paragraph names most (2024年10件民生实事…完成情况公布)."""
    if years := tuple(dict.fromkeys(int(y) for y in _YEAR.findall(title))):
        return years
    counts = Counter(int(y) for y in _YEAR.findall(opening))
    return (counts.most_common(1)[0][0],) if counts else ()


def front_period(front: dict[str, Any]) -> tuple[int, ...]:
    """`period: 2023` or `period: [2022, 2023]` in front matter: the years the article reports on."""
    value = front.get("period")
    values = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(int(v) for v in values if str(v).isdigit())


def detect_kind(title: str, opening: str) -> ArticleKind:
    for kind, pattern in _KINDS:
        if pattern.search(title):
            return kind
    for kind, pattern in _KINDS:
        if pattern.search(opening[:300]):
            return kind
    return "news"


def build_meta(
    front: dict[str, Any],
    title: str,
    head_lines: list[str],
    opening: str,
    bylines: list[str],
    full_text: str = "",
    period_text: str = "",
) -> ArticleMeta:
    """Front matter wins field by field; whatever it leaves out is detected from the text."""
    places = front.get("place") or front.get("places")
    if isinstance(places, str):
        places = [places]
    g = gazetteer()
    if places:
        resolved = tuple((g.get(str(p)).name if g.get(str(p)) else str(p)) for p in places)  # type: ignore[union-attr]
    else:
        resolved = find_places(title, opening, " ".join(bylines + head_lines)) or find_places("", full_text, "")
    # the lines above the body count too: a Q&A's first 问: line is read as a heading
    kind = str(front.get("kind") or detect_kind(title, "\n".join([*head_lines[1:], opening])))
    if kind not in get_args(ArticleKind):
        kind = "news"
    date = str(front.get("date") or "") or find_date(head_lines + bylines) or ""
    return ArticleMeta(
        period=front_period(front) or report_period(str(front.get("title") or title), period_text or opening),
        title=str(front.get("title") or title),
        places=resolved,
        date=date,
        publisher=str(front.get("publisher") or find_publisher(head_lines + bylines)),
        kind=kind,  # type: ignore[arg-type]
        url=str(front.get("url") or ""),
    )
