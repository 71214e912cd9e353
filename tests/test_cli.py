"""The one command line (rag/cli.py): shared settings options become overrides, errors become one
plain line and exit code 2, and the older entry points are aliases of the same subcommands.

In-process with the hash embedder (no model), so these run in the fast tier; the CLI subprocess
tests with the real model are in test_answer.py and test_ingest.py.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, ROOT

import evals.cli
import rag.ask
import rag.ingest
from rag import cli
from rag.errors import IndexCorruptError
from rag.indexing import chunker_config, load_chunks
from rag.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No MINSHENG_* from the caller's shell: each test sets what it means."""
    for name in [k for k in os.environ if k.startswith("MINSHENG_")]:
        monkeypatch.delenv(name)


def fast_options(tmp_path: Path) -> list[str]:
    return ["--embedder", "hash", "--corpus-dir", str(CORPUS_DIR), "--index-dir", str(tmp_path / "index")]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_minsheng_lists_its_four_subcommands(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("ask", "ingest", "serve", "eval"))


def test_every_subcommand_module_has_the_same_shape():
    for name in cli.COMMANDS:
        module = cli.command(name)
        assert module.HELP and callable(module.configure) and callable(module.run)


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_every_subcommand_takes_the_shared_settings_options(name):
    argv = [name, "--corpus-dir", "c", "--index-dir", "i", "--embedder", "hash"] + (["q"] if name == "ask" else [])
    settings = cli.settings_from(cli.build_parser().parse_args(argv))
    assert (settings.corpus_dir, settings.index_dir, settings.embedder) == (Path("c"), Path("i"), "hash")


def test_options_override_the_environment_which_overrides_the_defaults(monkeypatch):
    monkeypatch.setenv("MINSHENG_EMBEDDER", "use")
    monkeypatch.setenv("MINSHENG_TOP_K", "7")
    settings = cli.settings_from(cli.build_parser().parse_args(["ask", "--embedder", "hash", "q"]))
    assert settings.embedder == "hash"  # the option
    assert settings.top_k == 7  # the environment
    assert settings.retriever == "hybrid"  # the default


def test_a_commands_own_settings_options_are_overrides_too():
    parser = cli.build_parser()
    serve = cli.settings_from(parser.parse_args(["serve", "--port", "8123", "--host", "0.0.0.0"]))
    assert (serve.port, serve.host) == (8123, "0.0.0.0")
    evaluate = cli.settings_from(parser.parse_args(["eval", "--retriever", "bm25", "--chunk-sentences", "2"]))
    assert (evaluate.retriever, evaluate.chunk_sentences) == ("bm25", 2)


def test_ask_answers_with_its_sources_and_builds_the_missing_index(tmp_path, capsys):
    assert cli.main(["ask", *fast_options(tmp_path), "--json", "郑州有多少家养老机构？"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "93家" in out["answer"] and out["refused"] is False and out["reason"] == "answered"
    assert "93家" in out["citations"][0]["text"]
    assert (tmp_path / "index" / "manifest.json").exists()


def test_the_ask_alias_keeps_jsonl_one_line_per_input_line(tmp_path, capsys, monkeypatch):
    lines = [json.dumps({"question": "郑州有多少家养老机构？"}, ensure_ascii=False), "not json", '{"question": ""}']
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert rag.ask.main([*fast_options(tmp_path), "--jsonl"]) == 1  # a bad line shows in the exit code
    outs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(outs) == 3
    assert "93家" in outs[0]["answer"]
    assert "line 2" in outs[1]["error"]
    assert outs[2]["reason"] == "empty"


def test_the_ingest_alias_builds_then_reuses_every_vector(tmp_path, capsys):
    n = len(load_chunks([CORPUS_DIR], chunker_config(Settings()))[0])  # the loader's count, not a pinned one
    argv = [str(CORPUS_DIR), "--embedder", "hash", "--index-dir", str(tmp_path / "index"), "--quiet"]
    assert rag.ingest.main(argv) == 0
    assert f"Indexed {n} chunks from 1 file(s) ({n} embedded, 0 reused) with hash-" in capsys.readouterr().out
    assert cli.main(["ingest", *argv]) == 0
    assert f"(0 embedded, {n} reused)" in capsys.readouterr().out


def test_bad_invocations_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    cases = {
        "Source path not found": ["ask", *fast_options(tmp_path), "--corpus-dir", str(tmp_path / "missing"), "q"],
        "Unknown embedder 'nope'": ["ask", "--embedder", "nope", "q"],
        "give a question": ["ask", *fast_options(tmp_path)],
        "chunk_sentences=0 (from --chunk-sentences)": ["eval", "--chunk-sentences", "0"],
        "is empty": ["ingest", str(empty), *fast_options(tmp_path)],
    }
    for expected, argv in cases.items():
        assert cli.main(argv) == 2, argv
        assert expected in one_error_line(capsys.readouterr().err), argv


def test_an_invalid_environment_variable_is_named(monkeypatch, capsys):
    monkeypatch.setenv("MINSHENG_TOP_K", "0")
    assert cli.main(["ask", "q"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "top_k='0'" in line and "MINSHENG_TOP_K" in line


def test_serve_refuses_a_kiosk_warning_shorter_than_twenty_seconds(monkeypatch, capsys):
    monkeypatch.setenv("MINSHENG_KIOSK_WARNING_SECONDS", "5")
    assert cli.main(["serve", "--kiosk"]) == 2
    assert "WCAG 2.2.1" in one_error_line(capsys.readouterr().err)


def test_any_rag_error_is_one_line_and_ctrl_c_is_130(capsys):
    def damaged(args, settings):
        raise IndexCorruptError("The index at x is damaged. Rebuild it with: minsheng ingest")

    def interrupted(args, settings):
        raise KeyboardInterrupt

    assert cli.execute(damaged, argparse.Namespace()) == 2
    assert (
        one_error_line(capsys.readouterr().err) == "error: The index at x is damaged. Rebuild it with: minsheng ingest"
    )
    assert cli.execute(interrupted, argparse.Namespace()) == 130
    assert capsys.readouterr().err == "Interrupted.\n"


def test_the_eval_alias_reports_a_missing_question_set_as_a_setup_error(tmp_path, capsys):
    argv = ["--quiet", "--out", str(tmp_path), "--questions", str(tmp_path / "missing.jsonl")]
    assert evals.cli.main(argv, system=object()) == 2  # type: ignore[arg-type]
    assert "missing.jsonl" in one_error_line(capsys.readouterr().err)


CLI_MODULES = {"rag.cli", "rag.ask", "rag.ingest", "rag.serve", "evals.cli", "evals.__main__", "evals.retrieval"}


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_library_modules_import_no_command_line_module():
    """Dependency direction: the pipeline and its stages never import a CLI module (the CLIs import them)."""
    for package in ("rag", "evals"):
        for path in sorted((ROOT / package).glob("*.py")):
            module = f"{package}.{path.stem}"
            if module not in CLI_MODULES:
                assert not imported_modules(path) & CLI_MODULES, module
