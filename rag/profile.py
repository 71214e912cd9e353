"""The deployment profile: everything about one city's assistant that is data, not code.

A profile is `profile.toml` in the corpus folder:

    name = "民生问答 · 某市"
    home_place = "某市"               # what 全市/本市/我市 and a question naming no place mean
    scope = "某市教育、医疗、养老等方面"
    example = "某市有多少家养老机构？"
    hotline = "12345"

    [[topics]]
    name = "养老"
    questions = ["某市有多少家养老机构？"]

    [words]                          # residents' words -> the articles' words
    "养老院" = ["养老机构"]

    [english]
    "nursing home" = ["养老机构"]

Without the file the profile is derived from the corpus: its home place is the place
most of the articles are about (none when no place has a majority), and its scope
names the places the articles cover.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import CorpusError
from rag.places import gazetteer
from rag.types import Chunk

PROFILE_FILE = "profile.toml"


@dataclass(frozen=True)
class Topic:
    name: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    name: str = "民生问答"
    home_place: str = ""  # official full name, "" when the corpus has no single home
    covered_places: tuple[str, ...] = ()  # every place an article is about, most covered first
    scope: str = ""
    example: str = ""
    hotline: str = "12345"
    topics: tuple[Topic, ...] = ()
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def place_label(self) -> str:
        """How replies name the home place: 苏州 for 苏州市."""
        place = gazetteer().get(self.home_place)
        return (place.short or place.name) if place else self.home_place

    @property
    def hotline_name(self) -> str:
        return f"{self.place_label}市民服务热线" if self.place_label else "市民服务热线"

    def covered_label(self, limit: int = 8) -> str:
        names = [place_label(p) for p in self.covered_places[:limit]]
        more = "等地" if len(self.covered_places) > limit else ""
        return "、".join(names) + more


def place_label(name: str) -> str:
    """How a place is named to residents: 苏州 for 苏州市."""
    place = gazetteer().get(name)
    return (place.short or place.name) if place else name


def article_places(chunks: list[Chunk]) -> Counter[str]:
    """How many articles are about each place (an article's own places: the first ones
    its chunks share)."""
    per_article: dict[tuple[str, str], tuple[str, ...]] = {}
    for c in chunks:
        key = (c.source, c.article)
        shared = per_article.get(key)
        per_article[key] = c.places if shared is None else tuple(p for p in shared if p in c.places)
    counts: Counter[str] = Counter()
    for places in per_article.values():
        counts.update(places)
    return counts


def derive(chunks: list[Chunk]) -> Profile:
    counts = article_places(chunks)
    articles = len({(c.source, c.article) for c in chunks}) or 1
    covered = tuple(p for p, _ in counts.most_common())
    home = covered[0] if covered and counts[covered[0]] * 2 > articles else ""
    label = place_label(home) if home else ""
    scope = f"{label}的公共服务" if home else f"{'、'.join(place_label(p) for p in covered[:8])}等地的公共服务"
    return Profile(
        name=f"民生问答 · {label}" if label else "民生问答",
        home_place=home,
        covered_places=covered,
        scope=scope,
    )


def load_profile(corpus_dir: Path, chunks: list[Chunk]) -> Profile:
    """The profile in the corpus folder, completed from the corpus where it is silent."""
    derived = derive(chunks)
    path = corpus_dir / PROFILE_FILE if corpus_dir.is_dir() else None
    if path is None or not path.is_file():
        return derived
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{path} is not a valid profile ({exc}). Fix it, or remove it to use defaults.") from exc
    home = str(data.get("home_place", "")) or derived.home_place
    place = gazetteer().get(home)
    home = place.name if place else home
    covered = derived.covered_places if home in derived.covered_places or not home else (home, *derived.covered_places)
    return Profile(
        name=str(data.get("name") or derived.name),
        home_place=home,
        covered_places=covered,
        scope=str(data.get("scope") or derived.scope),
        example=str(data.get("example") or ""),
        hotline=str(data.get("hotline") or "12345"),
        topics=tuple(Topic(str(t["name"]), tuple(map(str, t.get("questions", ())))) for t in data.get("topics", ())),
        words={str(k): tuple(map(str, v)) for k, v in data.get("words", {}).items()},
        english={str(k).lower(): tuple(map(str, v)) for k, v in data.get("english", {}).items()},
    )
