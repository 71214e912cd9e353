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
import sys
from typing import TYPE_CHECKING, TextIO

from rag.cli import alias
from rag.errors import UsageError
from rag.settings import Settings
from rag.types import Answer

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

HELP = "answer a question from the articles (or JSON lines from stdin with --jsonl)"


def render(answer: Answer) -> str:
    lines = [answer.text]
    for c in answer.citations:
        lines.append(f"  [{c.marker}] 《{c.article}》{c.section and ' · ' + c.section}")
        lines.append(f"      {c.text}")
    return "\n".join(lines)


def _jsonl(pipeline: Pipeline, stdin: TextIO, stdout: TextIO) -> int:
    bad = 0
    for n, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = item["question"]
            history = item.get("history") or []
            if not isinstance(question, str) or not isinstance(history, list):
                raise TypeError("question must be a string and history a list of strings")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            bad += 1
            # keep one output line per input line, so callers can zip them
            out = {"error": f'line {n}: expected {{"question": "...", "history": [...]}} ({exc})'}
        else:
            out = pipeline.ask(question, [str(h) for h in history]).to_dict()
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
        return _jsonl(pipeline, sys.stdin, sys.stdout)
    answer = pipeline.ask(args.question, args.history)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else render(answer))
    return 0


def main(argv: list[str] | None = None) -> int:
    return alias("ask", "python -m rag.ask", argv)


if __name__ == "__main__":
    sys.exit(main())
