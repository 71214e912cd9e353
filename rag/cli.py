"""One command line for the assistant: minsheng ask | ingest | serve | eval.

Every subcommand goes through this one layer:
- settings: the shared options (--corpus-dir, --index-dir, --embedder) and a command's own
  settings options (serve's --port, eval's --retriever) are named after Settings fields; any
  given on the command line overrides the MINSHENG_* environment variables and the defaults.
- errors: a RagError (an invalid setting included) is one plain line on stderr, "error: ...",
  and exit code 2; Ctrl-C is exit code 130; never a traceback.

Subcommands are found by name in COMMANDS, a table of modules; each module has HELP (one
line), configure(parser, settings_options) and run(args, settings) -> exit code. The older
entry points are thin aliases of the same subcommands: `python -m rag.ask` (ask),
`python -m rag.ingest` (ingest), `python -m evals` (eval) and `python app.py` (serve).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Protocol, cast

from pydantic import ValidationError

from rag.errors import RagError, SettingsError
from rag.settings import Settings

# name -> module implementing it (imported when the parser is built; heavy imports wait for run())
COMMANDS: dict[str, str] = {
    "ask": "rag.ask",
    "ingest": "rag.ingest",
    "serve": "rag.serve",
    "eval": "evals.cli",
}

Run = Callable[[argparse.Namespace, Settings], int]


class Command(Protocol):
    """What a subcommand module provides."""

    HELP: str

    def configure(self, parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None: ...

    def run(self, args: argparse.Namespace, settings: Settings) -> int: ...


def command(name: str) -> Command:
    """The module of a subcommand, by its name in COMMANDS."""
    return cast(Command, importlib.import_module(COMMANDS[name]))


def add_settings_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The options every subcommand shares; returns their group, for a command's own settings options."""
    group = parser.add_argument_group("settings", "override the MINSHENG_* environment variables and the defaults")
    group.add_argument(
        "--corpus-dir", type=Path, metavar="DIR", help="the source articles (default: ./corpus; MINSHENG_CORPUS_DIR)"
    )
    group.add_argument(
        "--index-dir", type=Path, metavar="DIR", help="the index folder (default: ./index/default; MINSHENG_INDEX_DIR)"
    )
    group.add_argument(
        "--embedder",
        metavar="NAME",
        help="e5 (default), use, hash, or st:<model name or local path>; MINSHENG_EMBEDDER",
    )
    return group


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with every option that names a Settings field and was given as an override."""
    overrides = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_invalid(exc, set(overrides))) from None


def describe_invalid(exc: ValidationError, given: Collection[str] = ()) -> str:
    """One line naming each bad setting, its value, what is wrong, and where it came from."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        source = f"--{field.replace('_', '-')}" if field in given else f"MINSHENG_{field.upper()} or the default"
        parts.append(f"{field}={error.get('input')!r} (from {source}): {error['msg']}")
    return "Invalid setting " + "; ".join(parts)


def execute(fn: Run, args: argparse.Namespace) -> int:
    """Build the settings and run a command, turning errors into one plain line and an exit code."""
    try:
        return fn(args, settings_from(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def command_parser(name: str, prog: str, parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The parser of one subcommand: its own options and the shared settings options."""
    cmd = command(name)
    parser = parser or argparse.ArgumentParser(prog=prog, description=cmd.HELP)
    cmd.configure(parser, add_settings_options(parser))
    parser.set_defaults(_run=cmd.run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minsheng",
        description="民生问答: grounded answers about a city's public services, from its official articles.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        help_line = command(name).HELP
        command_parser(name, name, subparsers.add_parser(name, help=help_line, description=help_line))
    return parser


def alias(name: str, prog: str, argv: list[str] | None = None) -> int:
    """An older entry point (python -m rag.ask ...): the subcommand `name` under its own program name."""
    args = command_parser(name, prog).parse_args(argv)
    return execute(args._run, args)


def main(argv: list[str] | None = None) -> int:
    """The `minsheng` console script."""
    args = build_parser().parse_args(argv)
    return execute(args._run, args)


if __name__ == "__main__":
    sys.exit(main())
