"""Feedback in SQLite (default) or PostgreSQL (MINSHENG_FEEDBACK_URL), through one versioned schema.

The PostgreSQL tests start a throwaway server from Debian's package (initdb + pg_ctl in a
temporary folder; tests/throwaway.py) and skip, saying why, where it is not installed.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from throwaway import free_port, postgres

from rag.errors import SettingsError
from rag.feedback import MIGRATIONS, FeedbackStore
from rag.settings import Settings

ANSWER = {
    "question": "我的手机号是13812345678，郑州有多少家养老机构？",
    "answer": "郑州市有养老机构300家[1]。",
    "citations": [{"article": "民生", "text": "养老机构300家", "source": "a.txt", "start": 1, "end": 9}],
    "refused": False,
    "reason": "answered",
}

OLD_SCHEMA = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('useful', 'not_useful', 'wrong_source')),
    question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL,
    refused INTEGER NOT NULL, reason TEXT NOT NULL)
"""


def test_a_new_sqlite_file_gets_the_versioned_schema(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    assert store.version() == len(MIGRATIONS) == 1
    assert store.tables() == ["feedback", "schema_version"]
    assert FeedbackStore(tmp_path / "f.sqlite3").version() == 1  # opening again applies nothing twice


def test_a_sqlite_file_from_before_the_versioned_schema_keeps_its_ratings(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        db.execute(
            "INSERT INTO feedback (created_at, rating, question, answer, citations, refused, reason)"
            " VALUES ('2026-11-01T00:00:00+00:00', 'useful', '旧问题', '旧回答', '[]', 0, 'answered')"
        )
    store = FeedbackStore(path)
    assert store.version() == 1
    store.add(ANSWER, "wrong_source")
    rows = store.all()
    assert rows[0]["question"] == "旧问题" and len(rows) == 2


def test_settings_name_the_feedback_database_by_url(tmp_path, monkeypatch):
    monkeypatch.setenv("MINSHENG_FEEDBACK_URL", "postgresql+psycopg://minsheng@db/minsheng")
    assert Settings().feedback_url == "postgresql+psycopg://minsheng@db/minsheng"


def test_a_url_that_is_not_a_database_url_is_refused_by_name(tmp_path):
    with pytest.raises(SettingsError, match="MINSHENG_FEEDBACK_URL is not a database URL"):
        FeedbackStore(tmp_path / "unused", url="not a url")


def test_an_unreachable_database_is_a_clear_error_not_a_stack_trace(tmp_path):
    url = f"postgresql+psycopg://minsheng@127.0.0.1:{free_port()}/postgres?connect_timeout=2"
    with pytest.raises(SettingsError, match=r"Cannot open the feedback database postgresql\+psycopg://minsheng@127"):
        FeedbackStore(tmp_path / "unused", url=url)


@pytest.fixture(scope="module")
def postgres_url():
    with postgres() as (url, why):
        if url is None:
            pytest.skip(f"no throwaway PostgreSQL: {why}")
        yield url


@pytest.mark.slow  # starts a PostgreSQL server
def test_postgresql_stores_masked_ratings_with_the_same_schema(postgres_url, tmp_path):
    store = FeedbackStore(tmp_path / "unused", url=postgres_url)
    assert store.version() == 1 and {"feedback", "schema_version"} <= set(store.tables())
    row_id = store.add(ANSWER, "useful")
    row = next(r for r in store.all() if r["id"] == row_id)
    assert "13812345678" not in row["question"] and "郑州有多少家养老机构" in row["question"]
    assert row["citations"][0]["start"] == 1 and row["refused"] is False and row["rating"] == "useful"
    with pytest.raises(ValueError, match="Unknown rating"):
        store.add(ANSWER, "great")
    assert not (tmp_path / "unused").exists()  # nothing written beside the app


@pytest.mark.slow
def test_two_replicas_writing_at_once_lose_no_acknowledged_rating(postgres_url, tmp_path):
    replicas = [FeedbackStore(tmp_path / "x", per_minute=1000, url=postgres_url) for _ in range(2)]
    acknowledged: list[int] = []
    lock = threading.Lock()

    def rate(store: FeedbackStore, n: int) -> None:
        for i in range(n):
            row_id = store.add({**ANSWER, "question": f"问题{i}"}, "not_useful")
            with lock:
                acknowledged.append(row_id)

    threads = [threading.Thread(target=rate, args=(replicas[i % 2], 25)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = {r["id"] for r in replicas[0].all()}
    assert len(acknowledged) == 100 and len(set(acknowledged)) == 100
    assert set(acknowledged) <= stored
    assert replicas[1].version() == 1  # the second replica's start applied no migration again


@pytest.mark.slow
def test_replicas_starting_together_on_a_new_database_all_open_it(postgres_url, tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text("CREATE DATABASE fresh_start"))
    admin.dispose()
    url = make_url(postgres_url).set(database="fresh_start").render_as_string(hide_password=False)
    start = threading.Barrier(4)
    opened: list[int] = []
    failed: list[BaseException] = []

    def open_store() -> None:
        start.wait()
        try:
            opened.append(FeedbackStore(tmp_path / "x", url=url).version())
        except BaseException as exc:  # the race this guards against raised from inside the migration
            failed.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed, failed
    assert opened == [1, 1, 1, 1]
