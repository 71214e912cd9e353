"""Incremental updates: a document added, one changed and one deleted, in three formats.

Only the new and changed sentences are embedded (the embedder counts the texts it sees),
the deleted document's facts are no longer answered, the report names every document,
and an update interrupted half-way (Ctrl-C, or kill -9 in another process) leaves the
previous index serving.

No model: a counting stub embedder and the hash embedder (fast tier).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, StubEmbeddings, fast_settings, snapshot
from test_formats import write_docx, write_html, write_pdf

from rag.indexing import IngestReport, update
from rag.pipeline import Pipeline, ensure_index
from rag.store import PREVIOUS, clean_leftovers, load_index

ELDERLY = [
    ("title", "洛阳市养老服务发展情况"),
    ("heading", "机构养老"),
    ("body", "截至2024年底，洛阳市共有养老机构128家，床位1.6万张。"),
    ("heading", "社区养老"),
    ("body", "洛阳市建成社区老年助餐点356个，全年服务老年人8.2万人次。"),
]
SCHOOLS = [
    ("title", "洛阳市教育事业发展情况"),
    ("heading", "学校建设"),
    ("body", "2024年洛阳市新建中小学校47所，新增学位5.3万个。"),
]
HEALTH = [
    ("title", "洛阳市基层医疗服务情况"),
    ("heading", "家庭医生"),
    ("body", "洛阳市重点人群家庭医生签约率达到86.5%，建成紧密型县域医共体11个。"),
]
HOTLINE = [
    ("title", "洛阳市12345热线年度报告"),
    ("heading", "诉求办理"),
    ("body", "2024年洛阳市12345热线受理群众诉求231万件，按时办结率99.2%。"),
]


def write_txt(path: Path, elements: list[tuple[str, str]]) -> Path:
    path.write_text("\n\n".join(text for _, text in elements) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def city(tmp_path) -> Path:
    folder = tmp_path / "city"
    folder.mkdir()
    write_txt(folder / "elderly.txt", ELDERLY)
    write_html(folder / "schools.html", SCHOOLS)
    write_docx(folder / "health.docx", HEALTH)
    return folder


def settings_for(folder: Path, tmp_path: Path):
    return fast_settings(tmp_path, corpus_dir=folder, index_dir=tmp_path / "indexes" / "default")


def edit_corpus(folder: Path) -> None:
    """One document added (a PDF), one changed (one sentence), one deleted."""
    write_pdf(folder / "hotline.pdf", HOTLINE)
    changed = [(k, t.replace("助餐点356个", "助餐点402个")) for k, t in ELDERLY]
    write_txt(folder / "elderly.txt", changed)
    (folder / "health.docx").unlink()


def ask(settings, embedder, question: str) -> str:
    index = load_index(settings.index_dir, embedder.name, embedder.dim)
    return Pipeline.over(settings, embedder, index).ask(question).text


def test_an_update_embeds_only_new_and_changed_sentences_and_forgets_deleted_documents(city, tmp_path):
    settings = settings_for(city, tmp_path)
    stub = StubEmbeddings(dim=64)
    first = update([city], settings, embedder=stub)
    assert first.added == ("elderly.txt", "health.docx", "schools.html") and not first.kept
    first_texts = set(stub.texts)
    assert "86.5%" in ask(settings, stub, "洛阳市家庭医生签约率是多少？")  # answered while the document is there

    edit_corpus(city)
    stub.texts.clear()
    report = update([city], settings, embedder=stub)

    index = load_index(settings.index_dir, stub.name, stub.dim)
    new_texts = {c.retrieval_text() for c in index.chunks}
    hotline = {c.retrieval_text() for c in index.chunks if c.source == "hotline.pdf"}
    changed = {c.retrieval_text() for c in index.chunks if "402个" in c.text}
    assert len(hotline) >= 1 and len(changed) == 1
    assert sorted(stub.texts) == sorted(hotline | changed)  # each embedded once, nothing else
    assert new_texts - first_texts == hotline | changed
    assert report.manifest["counts"]["embedded"] == len(hotline | changed)
    assert report.manifest["counts"]["reused"] == len(index.chunks) - len(hotline | changed)

    assert (report.added, report.changed, report.removed, report.kept) == (
        ("hotline.pdf",),
        ("elderly.txt",),
        ("health.docx",),
        ("schools.html",),
    )
    health_chunks = len([t for t in first_texts if "家庭医生" in t])
    assert report.dropped_chunks == health_chunks + 1  # the deleted document's, and the changed sentence
    assert not any(c.source == "health.docx" or "356个" in c.text for c in index.chunks)

    answer = ask(settings, stub, "洛阳市家庭医生签约率是多少？")
    assert "86.5" not in answer
    assert "402个" in ask(settings, stub, "洛阳市建成了多少个社区老年助餐点？")
    assert "231万件" in ask(settings, stub, "洛阳市12345热线受理了多少件群众诉求？")


def test_the_report_prints_each_document_by_what_happened_to_it(city, tmp_path):
    settings = settings_for(city, tmp_path)
    stub = StubEmbeddings(dim=64)
    update([city], settings, embedder=stub)
    edit_corpus(city)
    lines = update([city], settings, embedder=stub).lines()
    assert lines[0] == "Update by content hash: 1 added, 1 changed, 1 removed, 1 kept."
    assert "  added: hotline.pdf" in lines and "  changed: elderly.txt" in lines and "  removed: health.docx" in lines
    assert any(line.startswith("Chunks: ") and " embedded, " in line for line in lines)


def test_an_unchanged_folder_embeds_nothing(city, tmp_path):
    settings = settings_for(city, tmp_path)
    stub = StubEmbeddings(dim=64)
    update([city], settings, embedder=stub)
    stub.texts.clear()
    report = update([city], settings, embedder=stub)
    assert stub.texts == [] and report.manifest["counts"]["embedded"] == 0
    assert report.kept == ("elderly.txt", "health.docx", "schools.html")
    assert isinstance(report, IngestReport) and report.dropped_chunks == 0


def test_a_new_rule_for_the_embedded_text_re_embeds_what_it_changes(city, tmp_path, monkeypatch):
    """Vectors are reused by the text they were embedded from, recorded at build time: when new
    rules give an unchanged sentence another embedded text (a table row read with its header),
    its old vector is not taken for the new text."""
    from rag.types import Chunk

    settings = settings_for(city, tmp_path)
    stub = StubEmbeddings(dim=64)
    update([city], settings, embedder=stub)
    before = Chunk.retrieval_text

    def new_rule(self: Chunk) -> str:  # a rule that rewrites one kind of sentence only
        text = before(self)
        return f"{text}（新规则）" if "356个" in self.text else text

    monkeypatch.setattr(Chunk, "retrieval_text", new_rule)
    stub.texts.clear()
    update([city], settings, embedder=stub)
    index = load_index(settings.index_dir, stub.name, stub.dim)
    rewritten = [i for i, c in enumerate(index.chunks) if "356个" in c.text]
    assert len(rewritten) == 1 and stub.texts == [index.chunks[rewritten[0]].retrieval_text()]
    expected = np.array(stub._vec(index.chunks[rewritten[0]].retrieval_text()), dtype=np.float32)
    assert np.allclose(index.dense.reconstruct(rewritten[0]), expected, atol=1e-6)


def test_an_interrupted_update_leaves_the_previous_index_serving(city, tmp_path):
    settings = settings_for(city, tmp_path)
    update([city], settings, embedder=StubEmbeddings(dim=64))
    before = snapshot(settings.index_dir)
    edit_corpus(city)
    failing = StubEmbeddings(dim=64, fail_on_call=1)  # Ctrl-C on the first batch of the update
    with pytest.raises(KeyboardInterrupt):
        update([city], settings, embedder=failing)
    assert snapshot(settings.index_dir) == before
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["default"]
    assert "86.5%" in ask(settings, StubEmbeddings(dim=64), "洛阳市家庭医生签约率是多少？")  # still serving


KILLED_UPDATE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import faiss
    sys.path.insert(0, "tests")
    from conftest import StubEmbeddings, fast_settings
    from rag.indexing import update

    folder, tmp, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    settings = fast_settings(tmp, corpus_dir=folder, index_dir=tmp / "indexes" / "default")

    class Slow(StubEmbeddings):
        def embed_documents(self, texts):
            if stage == "embedding":
                (tmp / "ready").touch()
                time.sleep(60)
            return super().embed_documents(texts)

    write_index = faiss.write_index
    def stalled_write(index, path):  # the new files half written, beside the old index
        write_index(index, path)
        if stage == "writing":
            (tmp / "ready").touch()
            time.sleep(60)
    faiss.write_index = stalled_write
    update([folder], settings, embedder=Slow(dim=64))
    """
)


@pytest.mark.slow  # a fresh interpreter per case: seconds on a busy machine
@pytest.mark.parametrize("stage", ["embedding", "writing"])
def test_kill_9_during_an_update_leaves_the_previous_index_and_the_next_start_cleans_up(city, tmp_path, stage):
    settings = settings_for(city, tmp_path)
    update([city], settings, embedder=StubEmbeddings(dim=64))
    before = snapshot(settings.index_dir)
    edit_corpus(city)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_UPDATE, str(city), str(tmp_path), stage], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "ready").exists(), "the update never reached the stage to kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    assert snapshot(settings.index_dir) == before
    left = sorted(p.name for p in settings.index_dir.parent.iterdir())
    if stage == "writing":
        assert len(left) == 2 and left[0].startswith(".building-default-")  # what a kill leaves
    assert "86.5%" in ask(settings, StubEmbeddings(dim=64), "洛阳市家庭医生签约率是多少？")

    ensure_index(settings, StubEmbeddings(dim=64), say=lambda _: None)  # the next start: cleans, then updates
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["default"]
    assert "231万件" in ask(settings, StubEmbeddings(dim=64), "洛阳市12345热线受理了多少件群众诉求？")


def test_a_previous_index_stranded_between_the_two_renames_is_put_back(city, tmp_path):
    """kill -9 after the old index was moved aside and before the new one moved in."""
    settings = settings_for(city, tmp_path)
    update([city], settings, embedder=StubEmbeddings(dim=64))
    before = snapshot(settings.index_dir)
    dead_pid = 2**22 + 12345  # above the default pid_max: no such process
    stranded = settings.index_dir.parent / f"{PREVIOUS}default-{dead_pid}"
    os.replace(settings.index_dir, stranded)
    clean_leftovers(settings.index_dir)
    assert snapshot(settings.index_dir) == before
    assert sorted(p.name for p in settings.index_dir.parent.iterdir()) == ["default"]
