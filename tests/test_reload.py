"""Hot reload: a running app swaps in a new index without a restart, atomically.

Two versions of a city's corpus state different figures (128家 and 150家 养老机构) in
chunks with different ids. While four threads ask questions without pause, the index on
disk is rebuilt from one version and the other, and the live pipeline reloads each time.
Every answer must come whole from one version: its figure and every cited chunk from the
same index. A damaged or half-written index is refused and the old one keeps serving.

No model: the hash embedder (fast tier).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from conftest import fast_settings
from test_incremental import ELDERLY, SCHOOLS, write_txt

from rag.embedders import HashEmbeddings
from rag.indexing import update
from rag.pipeline import Pipeline
from rag.reload import LivePipeline
from rag.store import load_index

HASHED = HashEmbeddings()
QUESTION = "洛阳市共有多少家养老机构？"
FIGURES = {"v1": "128家", "v2": "150家"}


def version(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    elderly = [(k, t.replace("128家", FIGURES[name])) for k, t in ELDERLY]
    write_txt(folder / "elderly.txt", elderly)
    write_txt(folder / "schools.txt", SCHOOLS)
    return folder


@pytest.fixture
def setup(tmp_path):
    sources = {name: version(tmp_path / name, name) for name in FIGURES}
    settings = fast_settings(tmp_path, corpus_dir=sources["v1"], index_dir=tmp_path / "indexes" / "default")
    ids = {}
    for name, folder in sources.items():  # each version's chunk ids, from an index of its own
        own = fast_settings(tmp_path, index_dir=tmp_path / "ids" / name)
        update([folder], own, embedder=HASHED)
        ids[name] = {c.id for c in load_index(own.index_dir, HASHED.name, HASHED.dim).chunks}
    assert ids["v1"] - ids["v2"] and ids["v2"] - ids["v1"]  # the elderly chunks differ between versions
    update([sources["v1"]], settings, embedder=HASHED)
    live = LivePipeline(
        Pipeline.over(settings, HASHED, load_index(settings.index_dir, HASHED.name, HASHED.dim)), say=lambda _: None
    )
    return settings, sources, ids, live


def which_version(answer, ids) -> str:
    """The version an answer came from; fails on an answer that mixes them."""
    stated = {name for name, figure in FIGURES.items() if figure in answer.text}
    cited = {name for name, chunk_ids in ids.items() if {c.chunk_id for c in answer.citations} <= chunk_ids}
    assert len(stated) == 1, answer.text
    assert stated <= cited, (answer.text, [c.text for c in answer.citations])
    return stated.pop()


def test_a_new_index_on_disk_is_served_after_a_reload(setup):
    settings, sources, ids, live = setup
    assert which_version(live.ask(QUESTION), ids) == "v1"
    assert live.reload() is False  # nothing changed on disk
    update([sources["v2"]], settings, embedder=HASHED)
    assert which_version(live.ask(QUESTION), ids) == "v1"  # not before the reload
    assert live.reload() is True
    assert which_version(live.ask(QUESTION), ids) == "v2"


def test_questions_during_reloads_get_whole_answers_from_one_index(setup):
    settings, sources, ids, live = setup
    seen: dict[str, int] = {"v1": 0, "v2": 0}
    errors: list[BaseException] = []
    stop = threading.Event()

    def resident() -> None:
        while not stop.is_set():
            try:
                seen[which_version(live.ask(QUESTION), ids)] += 1
            except BaseException as exc:  # an assertion or any error: the test fails with it
                errors.append(exc)
                return

    threads = [threading.Thread(target=resident) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for round_ in range(6):
            update([sources["v2" if round_ % 2 == 0 else "v1"]], settings, embedder=HASHED)
            assert live.reload() is True
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors[0]
    assert live.reloads == 6
    assert seen["v1"] > 0 and seen["v2"] > 0  # both indexes really answered during the run


def test_the_watcher_picks_up_a_new_index_by_itself(setup):
    settings, sources, ids, live = setup
    live.watch(0.05)
    try:
        update([sources["v2"]], settings, embedder=HASHED)
        for _ in range(200):
            if live.reloads:
                break
            threading.Event().wait(0.05)
        assert which_version(live.ask(QUESTION), ids) == "v2"
    finally:
        live.stop()


def test_a_damaged_new_index_is_refused_and_the_old_one_keeps_serving(setup):
    settings, sources, ids, live = setup
    messages: list[str] = []
    live._say = messages.append
    update([sources["v2"]], settings, embedder=HASHED)
    dense = settings.index_dir / "dense.faiss"
    dense.write_bytes(dense.read_bytes()[:100])
    assert live.reload() is False
    assert messages and "previous index keeps serving" in messages[0]
    assert which_version(live.ask(QUESTION), ids) == "v1"
    shutil.rmtree(settings.index_dir)  # mid-swap: no index at all for a moment
    assert live.reload(force=True) is False
    assert which_version(live.ask(QUESTION), ids) == "v1"
