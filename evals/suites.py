"""Named question sets, each with the corpus it asks about, its own index and its gate.

    python -m evals --suite cities-test

- zhengzhou: the seed article's set (evals/questions.jsonl), gated since the start.
- zhengzhou-blind: 70 new questions about the seed article by a writer who never saw the code.
- cities-dev / cities-test: the generalisation set, blind questions about 16 real articles
  from 13 other places in one shared index (evals/corpora/SOURCES.md). Tune on dev only;
  test was split off and frozen before any tuning and is reported once per change.
- cities-dev-2: more dev questions of the kinds the test split showed weakest in aggregate
  (several figures, follow-ups), written blind in the ninth session.
- cities-dev-3: 80 more dev questions, mostly several figures, follow-ups and false premises,
  written blind in the eleventh session (the blind splits' weakest kinds, by outcome counts).
- cities-dev-4: 80 more dev questions, mostly everyday wording, false premises in everyday wording and
  English (the blind splits' weakest kinds, by outcome counts), written blind in the fourteenth session.
- zhengzhou-blind-4, cities-test-2: blind sets written in the tenth session, after the tuning of
  nine sessions, and frozen: reported once per change, like cities-test.
- cities-test-3: 80 blind questions in everyday wording and English (the blind splits' weakest
  kinds), written in the twelfth session and frozen before its tuning.
- zhengzhou-blind-5: 72 blind questions about the seed article, written at the end of the twelfth
  session, after its tuning (issue 13's fresh Zhengzhou set).
- zhengzhou-blind-6: 72 more, written in the thirteenth session by a helper who saw only the article,
  frozen unseen and first run at the end of that session.
- zhengzhou-blind-7: 72 more, written at the start of the fourteenth session by a helper who saw only
  the article and a brief, frozen unseen and run at the end of that session. zh-055, opened there for
  a wrong-place answer, moved to zhengzhou-blind-2 and a helper wrote zh-r01 in its place; zh-071's
  place is 中牟县, the county the article's 中牟新区 lies in (the writer had put the area's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Suite:
    about: str
    corpus_dir: Path
    index_dir: Path
    questions: Path
    thresholds: Path


_CITIES = HERE / "corpora" / "cities"
_CITIES_INDEX = HERE.parent / "index" / "cities"

SUITES = {
    "zhengzhou": Suite(
        "the seed article",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "questions.jsonl",
        HERE / "thresholds.json",
    ),
    "zhengzhou-blind": Suite(
        "the seed article, 70 blind questions written after the generalisation work",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-2": Suite(
        "the seed article, 76 blind questions written after the second generalisation round (and zf-043,"
        " moved from zhengzhou-blind-4 when its answer was opened in the tenth session)",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-2.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-3": Suite(
        "the seed article, 72 blind questions written during the third round and first run after it",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-3.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-4": Suite(
        "the seed article, 72 blind questions written in the tenth session, frozen (zf-r02 replaced zf-043)",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-4.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-5": Suite(
        "the seed article, 72 blind questions written after the twelfth session's tuning, frozen",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-5.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-6": Suite(
        "the seed article, 72 blind questions written in the thirteenth session by a helper who saw only the"
        " article, frozen unseen and run once at the end of the session",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-6.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "zhengzhou-blind-7": Suite(
        "the seed article, 72 blind questions written in the fourteenth session by a helper who saw only the"
        " article, frozen unseen and run at the end of the session",
        HERE.parent / "corpus",
        HERE.parent / "index" / "default",
        HERE / "sets" / "zhengzhou-blind-7.jsonl",
        HERE / "thresholds-blind.json",
    ),
    "cities-dev": Suite(
        "other places' articles, the split to tune on",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-dev.jsonl",
        HERE / "thresholds-cities-dev.json",
    ),
    "cities-dev-2": Suite(
        "other places' articles, 48 more dev questions (two- and three-figure, follow-ups, false premises)",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-dev-2.jsonl",
        HERE / "thresholds-cities-dev.json",
    ),
    "cities-dev-3": Suite(
        "other places' articles, 80 more dev questions (several figures, follow-ups, false premises)",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-dev-3.jsonl",
        HERE / "thresholds-cities-dev.json",
    ),
    "cities-dev-4": Suite(
        "other places' articles, 80 more dev questions (everyday wording, false premises, English)",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-dev-4.jsonl",
        HERE / "thresholds-cities-dev.json",
    ),
    "cities-test": Suite(
        "other places' articles, the frozen blind split",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-test.jsonl",
        HERE / "thresholds-cities.json",
    ),
    "cities-test-2": Suite(
        "other places' articles, a second frozen blind split (100 questions, tenth session)",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-test-2.jsonl",
        HERE / "thresholds-cities-test-2.json",
    ),
    "cities-test-3": Suite(
        "other places' articles, a third frozen blind split (80 questions in everyday wording, twelfth session)",
        _CITIES,
        _CITIES_INDEX,
        HERE / "sets" / "cities-test-3.jsonl",
        HERE / "thresholds-cities-test-3.json",
    ),
}
