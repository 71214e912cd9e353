"""`python -m rag.ingest` as a user runs it: bad input is a one-line error naming the file, exit 2,
and the index built before is left byte for byte as it was.

Every subprocess gets its own copy of the real index; they all run at once, so the set costs
about one interpreter start per core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import pytest
from conftest import CORPUS_DIR, CORPUS_FILE, ROOT, StubEmbeddings, snapshot

from rag.chunker import ChunkerConfig
from rag.embedders import EMBEDDERS, EmbedderBackend
from rag.indexing import load_chunks
from rag.ingest import main
from rag.store import read_manifest

GBK = "郑州市全市九十三家养老机构遍布城乡。".encode("gbk")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def make_missing(case: Path) -> Path:
    return case / "missing.txt"


def make_empty(case: Path) -> Path:
    (case / "empty.txt").write_bytes(b"")
    return case / "empty.txt"


def make_gbk(case: Path) -> Path:
    with pytest.raises(UnicodeDecodeError):
        GBK.decode("utf-8")  # the fixture really is not UTF-8
    (case / "gbk.txt").write_bytes(GBK)
    return case / "gbk.txt"


def make_png(case: Path) -> Path:
    (case / "scan.png").write_bytes(PNG)
    return case / "scan.png"


def make_nul(case: Path) -> Path:
    (case / "nul.txt").write_bytes("标题\n\n正文一句。".encode() + b"\x00" * 8)
    return case / "nul.txt"


def make_no_sources(case: Path) -> Path:
    folder = case / "scans"
    folder.mkdir()
    (folder / "page1.tiff").write_bytes(b"II*\x00")
    (folder / "page2.png").write_bytes(PNG)
    return folder


BAD_INPUTS = {
    "missing": (make_missing, "not found"),
    "empty": (make_empty, "empty"),
    "gbk": (make_gbk, "not UTF-8"),
    "png": (make_png, "not a source format"),
    "nul-bytes": (make_nul, "binary"),
    "no-sources": (make_no_sources, "No .txt, .md"),
}


@dataclass
class Run:
    source: Path
    index_dir: Path
    before: dict[str, bytes]
    returncode: int
    stdout: str
    stderr: str


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8")
    return env


@pytest.fixture(scope="module")
def runs(real_index_dir, tmp_path_factory) -> dict[str, Run]:
    """Start every CLI run at once (bad inputs, and one good unchanged rebuild), then collect them."""
    started = {}
    cases = {name: make for name, (make, _) in BAD_INPUTS.items()}
    cases["unchanged"] = lambda case: shutil.copytree(CORPUS_DIR, case / "corpus")
    for name, make in cases.items():
        case = tmp_path_factory.mktemp(f"cli-{name}")
        source = Path(make(case))
        index_dir = case / "indexes" / "default"
        shutil.copytree(real_index_dir, index_dir)
        cmd = [sys.executable, "-m", "rag.ingest", str(source), "--index-dir", str(index_dir), "--quiet"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started[name] = (proc, source, index_dir, snapshot(index_dir))
    results = {}
    for name, (proc, source, index_dir, before) in started.items():
        out, err = proc.communicate(timeout=120)
        results[name] = Run(source, index_dir, before, proc.returncode, out, err)
    return results


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_one_plain_line_naming_the_file_and_exit_2(runs, name):
    run = runs[name]
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert lines[0].startswith("error: ") and run.source.name in lines[0]
    assert BAD_INPUTS[name][1] in lines[0]
    assert run.stdout == ""


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_leaves_the_previous_index_byte_identical(runs, name):
    run = runs[name]
    assert (run.index_dir / "manifest.json").read_bytes() == run.before["manifest.json"]
    assert snapshot(run.index_dir) == run.before
    assert sorted(p.name for p in run.index_dir.parent.iterdir()) == ["default"]  # no .building-*


def test_unchanged_rebuild_from_the_cli_reuses_every_vector(runs, real_index_dir):
    """A fresh interpreter (another hash seed) finds the same chunk ids, so nothing is re-embedded."""
    run = runs["unchanged"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    chunks, hashes = load_chunks([CORPUS_DIR], ChunkerConfig())  # the loader's own count, not a pinned number
    n, files = len(chunks), len(hashes)
    assert f"Indexed {n} chunks from {files} file(s) (0 embedded, {n} reused)" in run.stdout
    assert read_manifest(run.index_dir)["counts"] == {"chunks": n, "files": files, "embedded": 0, "reused": n}
    after = snapshot(run.index_dir)
    assert after["chunks.jsonl"] == run.before["chunks.jsonl"] and after["dense.faiss"] == run.before["dense.faiss"]
    # bm25s numbers its vocabulary in set order (hash-seed dependent), so compare BM25 by what it scores.
    old, new = bm25s.BM25.load(str(real_index_dir / "bm25")), bm25s.BM25.load(str(run.index_dir / "bm25"))
    assert old.vocab_dict.keys() == new.vocab_dict.keys()
    for query in (["养老机构"], ["助餐点", "郑州"], ["学校", "3657"]):
        np.testing.assert_allclose(old.get_scores(query), new.get_scores(query), rtol=1e-6)
    assert sorted(p.name for p in run.index_dir.parent.iterdir()) == ["default"]


# --- the same entry point in-process, for cases that need a stub or a richer folder -----------


def test_one_bad_file_among_good_ones_is_skipped_by_name_and_the_rest_indexed(index_copy, tmp_path, capsys):
    folder = tmp_path / "mixed"
    shutil.copytree(CORPUS_DIR, folder)
    (folder / "zz_gbk.txt").write_bytes(GBK)  # sorted after the good file: read last
    assert main([str(folder), "--index-dir", str(index_copy), "--quiet"]) == 0
    captured = capsys.readouterr()
    skipped = [line for line in captured.out.splitlines() if "zz_gbk.txt" in line]
    assert len(skipped) == 1 and "skipped" in skipped[0] and "iconv" in skipped[0]
    manifest = read_manifest(index_copy)
    assert sorted(manifest["corpus"]["files"]) == [CORPUS_FILE.name]
    assert "Traceback" not in captured.err


def test_headings_only_file_is_refused_by_name(index_copy, tmp_path, capsys):
    path = tmp_path / "headings.md"
    path.write_text("# 标题\n\n## 小节一\n\n## 小节二\n", encoding="utf-8")
    before = snapshot(index_copy)
    assert main([str(path), "--index-dir", str(index_copy), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "headings.md" in err[0] and "no body" in err[0]
    assert snapshot(index_copy) == before


def test_unknown_embedder_is_a_plain_error(index_copy, capsys):
    before = snapshot(index_copy)
    assert main([str(CORPUS_FILE), "--index-dir", str(index_copy), "--embedder", "foo", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'foo'" in err[0] and "e5" in err[0]
    assert snapshot(index_copy) == before


def test_ctrl_c_during_embedding_exits_130_and_keeps_the_index(index_copy, monkeypatch, capsys):
    stub = StubEmbeddings(dim=384, fail_on_call=2)
    monkeypatch.setitem(EMBEDDERS, "stub", EmbedderBackend("stub", lambda _, threads: stub, "stub"))
    before = snapshot(index_copy)
    assert main([str(CORPUS_DIR), "--index-dir", str(index_copy), "--embedder", "stub", "--quiet"]) == 130
    assert stub.calls == 2
    assert "previous index is unchanged" in capsys.readouterr().err
    assert snapshot(index_copy) == before
    assert sorted(p.name for p in index_copy.parent.iterdir()) == ["default"]
