"""The eval gate end to end (`python -m evals` = evals.cli.main) on stub systems.

The stubs search the real chunks of the corpus (no model, no index) as an oracle
that knows each question's evidence, so retrieval passes and each stub's answer
behaviour alone decides the gate: an honest oracle passes (exit 0); one that
always refuses, or one that invents a figure, fails (exit 1) naming the metrics.
"""

from dataclasses import replace

import pytest

from evals.cli import main
from evals.dataset import load_questions
from evals.records import Passage, Reply
from rag.chunker import chunk_paragraphs
from rag.loader import load_corpus
from rag.settings import Settings


class OracleSystem:
    name = "oracle stub"

    def __init__(self):
        corpus = Settings().corpus_dir
        paragraphs, _ = load_corpus([corpus])
        self.chunks = [Passage.of(c) for c in chunk_paragraphs(paragraphs)]
        self.questions = {q.question: q for q in load_questions(corpus)}

    def _evidence_chunks(self, question: str) -> list[Passage]:
        q = self.questions.get(question)
        spans = [s for ev in q.evidence for s in ev.spans] if q else []
        return [c for c in self.chunks if any(c.span.overlaps(s) for s in spans)]

    def search(self, query, k):
        first = self._evidence_chunks(query)
        return (first + [c for c in self.chunks if c not in first])[:k]

    def standalone(self, question, history):
        return question

    def ask(self, question, history):
        found = self._evidence_chunks(question)
        if not found:
            return Reply(
                "抱歉，现有报道中没有相关内容。如需帮助，请拨打12345市民服务热线。", True, reason="no_evidence"
            )
        text = "".join(f"{c.text}[{i}]" for i, c in enumerate(found, 1))
        return Reply(text, False, tuple(found), reason="answered")

    def describe(self):
        return {"system": "stub", "name": self.name}


class AlwaysRefuses(OracleSystem):
    name = "always refuses"

    def ask(self, question, history):
        return Reply("抱歉，我无法回答。", True, reason="no_evidence")


class InventsAFigure(OracleSystem):
    name = "invents a figure"

    def ask(self, question, history):
        reply = super().ask(question, history)
        return reply if reply.refused else replace(reply, text=reply.text + "另有999家新机构。")


@pytest.fixture(scope="module")
def oracle():
    return OracleSystem()


def run_gate(system, tmp_path, capsys):
    code = main(["--quiet", "--out", str(tmp_path)], system=system)
    out = capsys.readouterr()
    assert (tmp_path / "default.md").exists() and (tmp_path / "default.json").exists()
    return code, out.out, out.err


def test_honest_stub_passes_the_gate(oracle, tmp_path, capsys):
    code, out, err = run_gate(oracle, tmp_path, capsys)
    assert code == 0, err
    assert "Eval gate passed." in out


def test_always_refusing_stub_fails_naming_its_metrics(tmp_path, capsys):
    code, _out, err = run_gate(AlwaysRefuses(), tmp_path, capsys)
    assert code == 1
    failing = err.split("Eval gate FAILED:")[1]
    for name in ("accuracy = 0,", "false_refusal = 1,", "citation_precision = not measured"):
        assert name in failing
    for name in ("hit@3", "negative_rejection", "fabricated"):
        assert name not in failing


def test_stub_inventing_a_figure_fails_on_fabricated(tmp_path, capsys):
    stub = InventsAFigure()
    # every answer it gives invents the figure: one per question it does not refuse (no pinned count)
    answered = sum(bool(stub._evidence_chunks(q.question)) for q in load_questions(Settings().corpus_dir))
    code, _out, err = run_gate(stub, tmp_path, capsys)
    assert code == 1
    failing = err.split("Eval gate FAILED:")[1]
    assert answered > 0 and f"fabricated = {answered}, needs <= 0" in failing
    assert "unsupported 999家" in (tmp_path / "default.md").read_text(encoding="utf-8")


def test_bad_thresholds_file_is_a_setup_error(tmp_path, capsys):
    code = main(
        ["--quiet", "--out", str(tmp_path), "--thresholds", str(tmp_path / "missing.json")], system=AlwaysRefuses()
    )
    assert code == 2
    assert "error:" in capsys.readouterr().err
