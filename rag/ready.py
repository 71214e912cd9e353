"""Ready questions for a corpus folder without a profile, made from its own figures.

A city that points the app at a folder of articles gets topic buttons without writing any:
for each place the articles are about, questions are composed from figures whose unit counts
something and whose head names it (全市93家[养老机构] -> 某市养老机构有多少家？), and a question
is kept only when the answerer answers it with that very figure, so a tap never meets a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.answer import Answerer
from rag.facts import figure_head, split_facts
from rag.profile import Profile, Topic, place_label
from rag.types import Chunk

# Units that count things or people (a share or a sum reads badly as a ready question).
_COUNT_UNITS = ("个", "家", "所", "座", "张", "户", "项", "条", "处", "台", "名", "人", "人次", "件")
_PHRASE_END = ("", "、", "，", ",", "。", "；", ";", "|", " ")
_HEAD = re.compile(r"^[\u4e00-\u9fff]{3,10}$")  # 领域, 任务: two characters rarely name a service
PER_PLACE = 3  # questions per topic
TRIES_PER_PLACE = 6  # candidates answered per place at start-up (about 50 ms each)
MAX_PLACES = 6


def candidates(chunks: list[Chunk], place: str) -> Iterator[tuple[str, str]]:
    """(question, figure text) for the place's articles, in corpus order."""
    seen: set[str] = set()
    label = place_label(place)
    for chunk in chunks:
        if not chunk.places or chunk.places[0] != place:
            continue
        for fact in split_facts(chunk):
            for fig in fact.figures:
                unit = fig.unit[-2:] if fig.unit.endswith("人次") else fig.unit[-1:]
                head = figure_head(fact, fig)
                # only a head right after its figure that closes the phrase (93家养老机构、…): one found
                # before it, or cut short by an adverb or verb (10件人民群众[最满意的实事]), is less sure
                rest = fact.text[fig.end :]
                after = rest.startswith(head) and rest[len(head) : len(head) + 1] in _PHRASE_END
                if unit not in _COUNT_UNITS or not after or not _HEAD.match(head) or head in seen:
                    continue
                seen.add(head)
                year = f"{chunk.years[0]}年" if len(chunk.years) == 1 else ""
                yield f"{label}{year}{head}有多少{unit}？", fig.text


def ready_topics(answerer: Answerer, chunks: list[Chunk], profile: Profile) -> tuple[Topic, ...]:
    """A topic per covered place (most covered first), each with questions the answerer answers."""
    topics = []
    for place in profile.covered_places[:MAX_PLACES]:
        kept: list[str] = []
        for tried, (question, figure) in enumerate(candidates(chunks, place)):
            if len(kept) >= PER_PLACE or tried >= TRIES_PER_PLACE:
                break
            answer = answerer.answer(question)
            if not answer.refused and figure in answer.text:
                kept.append(question)
        if kept:
            topics.append(Topic(place_label(place), tuple(kept)))
    return tuple(topics)
