"""Ask from the command line: minsheng ask (alias: python -m rag.ask).

minsheng ask "有多少家养老机构？"          an answer and its sources, for a person
minsheng ask --json "有多少家养老机构？"   one JSON object
minsheng ask --jsonl < questions.jsonl        one JSON answer per input line, models loaded once
                                              input lines: {"question": "...", "history": ["..."]}
Settings options and errors: rag/cli.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from rag.cli import alias
from rag.errors import UsageError
from rag.intake import clean_text, decode_line
from rag.settings import Settings
from rag.types import Answer

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

log = logging.getLogger(__name__)
HELP = "answer a question from the articles (or JSON lines from stdin with --jsonl)"


def render(answer: Answer) -> str:
    lines = [answer.text]
    for c in answer.citations:
        lines.append(f"  [{c.marker}] 《{c.article}》{c.section and ' · ' + c.section}")
        lines.append(f"      {c.text}")
    return "\n".join(lines)


def _request(line: str) -> tuple[str, list]:
    """One input line -> (question, history); ValueError with a message saying what a line must be."""
    try:
        item = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise ValueError('"question" must be a string')
    history = item.get("history") or []
    if not isinstance(history, list):
        raise ValueError('"history" must be a list of strings')
    return item["question"], history


def _answer_line(pipeline: Pipeline, raw: bytes | str, n: int) -> dict:
    """The output object of input line n: an answer, or {"line": n, "error": ...}."""
    line = clean_text(decode_line(raw)).strip()
    if not line:
        return {"line": n, "error": f"line {n}: blank line, nothing asked"}
    try:
        question, history = _request(line)
    except ValueError as exc:
        return {"line": n, "error": f'line {n}: expected {{"question": "...", "history": [...]}}: {exc}'}
    out = pipeline.ask(question, history).to_dict()  # a failure inside is an answer with reason "error"
    if out["reason"] == "error":
        out.update(line=n, error=f"line {n}: answering failed; the cause is logged on stderr")
    return out


def _jsonl(pipeline: Pipeline, stdin: Iterable[bytes | str], stdout: TextIO) -> int:
    """One output line per input line, in order, blank lines included; no line can end the batch.
    Exit code 1 when any non-blank line got an error object."""
    bad = 0
    for n, raw in enumerate(stdin, start=1):
        try:
            out = _answer_line(pipeline, raw, n)
        except Exception as exc:  # a last net: whatever one line does, the next lines are answered
            log.error("line %d failed: %s: %s", n, type(exc).__name__, exc)
            out = {"line": n, "error": f"line {n}: answering failed; the cause is logged on stderr"}
        if "error" in out and "blank line" not in out["error"]:
            bad += 1
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 1 if bad else 0


def configure(parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None:
    parser.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    parser.add_argument("--history", action="append", default=[], help="an earlier question (repeatable, oldest first)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read JSON lines from stdin, write JSON lines")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.jsonl and args.question is None:
        raise UsageError("give a question, or --jsonl to read questions from stdin")
    from rag.pipeline import Pipeline  # heavy: imported only once the arguments are valid

    pipeline = Pipeline.load(settings)
    if args.jsonl:
        # bytes in: an invalid UTF-8 byte is one bad line, not an exception that ends the batch
        return _jsonl(pipeline, getattr(sys.stdin, "buffer", sys.stdin), sys.stdout)
    answer = pipeline.ask(args.question, args.history)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else render(answer))
    return 0


def main(argv: list[str] | None = None) -> int:
    return alias("ask", "python -m rag.ask", argv)


if __name__ == "__main__":
    sys.exit(main())
