"""The real app on localhost, asked through gradio_client: structured answers, follow-ups, bad input, 20 clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest
from conftest import free_port
from gradio_client import Client

import app
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.web import ChatService, build_ui, launch_options

ROOT = Path(__file__).resolve().parents[1]

# Gradio's queue statistics use pandas options that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def server(pipeline, tmp_path_factory):
    settings = Settings(port=free_port(), feedback_db=tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    demo = build_ui(ChatService(pipeline, settings))
    _, url, _ = demo.launch(**launch_options(settings), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server, verbose=False)


def ask(client: Client, question: str, history: list[str] | None = None) -> dict:
    return client.predict(question, history or [], api_name="/ask")


def test_an_answerable_question_gets_its_figure_and_a_source(client):
    result = ask(client, "郑州有多少家养老机构？")
    assert result["refused"] is False
    assert "93家" in result["answer"]
    assert result["citations"], result
    assert any("93家" in c["text"] for c in result["citations"])
    assert {"marker", "chunk_id", "text", "source", "article", "section", "start", "end", "figures"} <= set(
        result["citations"][0]
    )


def test_an_unanswerable_question_is_refused_with_the_hotline(client):
    result = ask(client, "洛阳有多少家养老机构？")
    assert result["refused"] is True
    assert "12345" in result["answer"]


def test_a_follow_up_uses_the_history(client):
    first = ask(client, "郑州划分了多少个社区网格？")
    assert "7876个" in first["answer"]
    follow_up = ask(client, "那农村网格呢？", ["郑州划分了多少个社区网格？"])
    assert follow_up["refused"] is False and "11381个" in follow_up["answer"]


def test_history_is_optional(client):
    assert "93家" in client.predict("郑州有多少家养老机构？", api_name="/ask")["answer"]


@pytest.mark.parametrize(("question", "reason"), [("", "empty"), ("   ", "empty"), ("养" * 5000, "too_long")])
def test_bad_input_gets_a_clear_message(client, question, reason):
    result = ask(client, question)
    assert result["refused"] is True and result["reason"] == reason and result["answer"]
    assert result["citations"] == []


def test_a_script_question_is_answered_as_text_and_the_server_keeps_working(client):
    result = ask(client, "<script>alert(1)</script>")
    assert isinstance(result["answer"], str) and result["answer"]
    assert "93家" in ask(client, "郑州有多少家养老机构？")["answer"]


def test_only_ask_is_exposed(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask"} and not api["unnamed_endpoints"]


def test_twenty_simultaneous_requests_all_get_answers(client):
    jobs = [client.submit("郑州有多少家养老机构？", [], api_name="/ask") for _ in range(20)]
    results = [job.result(timeout=60) for job in jobs]
    assert all("93家" in r["answer"] for r in results)


# --- app.py's main(), in-process: the same wiring as `python app.py` -------------


@pytest.fixture
def no_block(monkeypatch):
    """Let main() return once the server is up, and close what it launched afterwards."""
    launched = []
    monkeypatch.setattr(gr.Blocks, "block_thread", lambda self: launched.append(self))
    yield launched
    for demo in launched:
        demo.close()


def test_app_main_starts_on_the_given_port_and_answers(pipeline, no_block, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MINSHENG_FEEDBACK_DB", str(tmp_path / "f.sqlite3"))
    said = []

    def load(settings, say):
        say("Building the index ...")
        said.append(settings)
        return pipeline

    monkeypatch.setattr(Pipeline, "load", staticmethod(load))
    port = free_port()
    assert app.main(["--port", str(port), "--kiosk"]) == 0
    out = capsys.readouterr().out
    assert "Building the index ..." in out and f"http://127.0.0.1:{port}" in out
    assert said[0].port == port and said[0].feedback_db == tmp_path / "f.sqlite3"
    result = Client(f"http://127.0.0.1:{port}/", verbose=False).predict("郑州有多少家养老机构？", [], api_name="/ask")
    assert "93家" in result["answer"]


def test_app_reports_a_bad_corpus_plainly(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MINSHENG_EMBEDDER", "hash")  # the corpus error, without loading a model first
    monkeypatch.setenv("MINSHENG_CORPUS_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("MINSHENG_INDEX_DIR", str(tmp_path / "index"))
    assert app.main(["--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(tmp_path / "missing") in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_app_reports_a_taken_port_plainly(pipeline, no_block, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MINSHENG_FEEDBACK_DB", str(tmp_path / "f.sqlite3"))
    monkeypatch.setattr(Pipeline, "load", staticmethod(lambda settings, say: pipeline))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert app.main(["--port", str(taken.getsockname()[1])]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: Cannot start the server") and "http://" not in out
    assert no_block == []  # never reached block_thread


def test_kiosk_refuses_a_warning_shorter_than_twenty_seconds(monkeypatch, capsys):
    monkeypatch.setenv("MINSHENG_KIOSK_WARNING_SECONDS", "5")
    assert app.main(["--kiosk"]) == 2
    assert "WCAG 2.2.1" in capsys.readouterr().err


def test_app_script_reports_errors_without_a_stack_trace(tmp_path):
    """`python app.py` as the operator runs it: a plain message and an exit code."""
    result = subprocess.run(
        [sys.executable, "app.py", "--kiosk"],
        cwd=ROOT,
        env={**os.environ, "MINSHENG_KIOSK_WARNING_SECONDS": "5"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
