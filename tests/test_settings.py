"""Settings: defaults in one place, paths relative to the working directory (so an installed copy
runs anywhere), MINSHENG_* environment variables over the defaults, code over the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT
from pydantic import ValidationError

from rag.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in [k for k in os.environ if k.startswith("MINSHENG_")]:
        monkeypatch.delenv(name)


def test_paths_are_relative_to_the_working_directory_not_the_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings()
    paths = {"corpus": s.corpus_dir, "index": s.index_dir, "data": s.data_dir, "feedback": s.feedback_db}
    assert not any(p.is_absolute() for p in paths.values())
    resolved = {k: p.resolve() for k, p in paths.items()}
    assert resolved == {
        "corpus": tmp_path / "corpus",
        "index": tmp_path / "index" / "default",
        "data": tmp_path / "data",
        "feedback": tmp_path / "data" / "feedback.sqlite3",
    }
    assert not any(p.is_relative_to(ROOT) for p in resolved.values())


def test_the_environment_names_the_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("MINSHENG_CORPUS_DIR", str(tmp_path / "articles"))
    monkeypatch.setenv("MINSHENG_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("MINSHENG_DATA_DIR", str(tmp_path / "state"))
    s = Settings()
    assert s.corpus_dir == tmp_path / "articles" and s.index_dir == tmp_path / "idx"
    assert s.feedback_db == tmp_path / "state" / "feedback.sqlite3"  # follows the data folder


def test_a_named_feedback_database_wins_over_the_data_folder(monkeypatch, tmp_path):
    assert Settings(data_dir=tmp_path, feedback_db=tmp_path / "f.db").feedback_db == tmp_path / "f.db"
    monkeypatch.setenv("MINSHENG_FEEDBACK_DB", str(tmp_path / "env.db"))
    assert Settings(data_dir=tmp_path / "other").feedback_db == tmp_path / "env.db"


def test_code_overrides_the_environment_which_overrides_the_defaults(monkeypatch):
    monkeypatch.setenv("MINSHENG_TOP_K", "7")
    monkeypatch.setenv("MINSHENG_EMBEDDER", "hash")
    assert Settings().top_k == 7 and Settings(top_k=3).top_k == 3
    assert Settings().embedder == "hash" and Settings().retriever == "hybrid"


@pytest.mark.parametrize(
    "bad", [{"chunk_sentences": 0}, {"top_k": 51}, {"retriever": "fuzzy"}, {"min_support": 1.5}, {"port": "x"}]
)
def test_values_that_cannot_work_are_refused(bad):
    with pytest.raises(ValidationError):
        Settings(**bad)


def test_an_installed_copy_needs_only_the_corpus_folder(tmp_path, monkeypatch):
    """What `minsheng ask` does outside the checkout: corpus from the environment, the rest created here."""
    from rag.pipeline import Pipeline

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINSHENG_CORPUS_DIR", str(ROOT / "corpus"))
    monkeypatch.setenv("MINSHENG_EMBEDDER", "hash")
    answer = Pipeline.load(say=lambda message: None).ask("郑州有多少家养老机构？")
    assert "93家" in answer.text
    assert (tmp_path / "index" / "default" / "manifest.json").exists()
    assert Path("index/default").resolve() == tmp_path / "index" / "default"
