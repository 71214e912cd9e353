"""Build the index: minsheng ingest [PATH ...] (alias: python -m rag.ingest).

PATHs are .txt/.md files or folders of them (default: the settings' corpus_dir, ./corpus).
Every file is read and checked before anything is written, and the new index is
swapped in only when complete, so a bad file or Ctrl-C leaves the old one intact.
The work is rag.indexing.ingest; settings options and errors: rag/cli.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rag.cli import alias
from rag.indexing import chunker_config, ingest, load_chunks
from rag.inventory import describe, inventory
from rag.loader import load_corpus
from rag.settings import Settings

HELP = "build or update the index from .txt/.md files"


def configure(parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="source .txt/.md files or folders (default: --corpus-dir)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no per-article report")
    parser.add_argument(
        "--list-all", action="store_true", help="list every line kept out of the index, not the first five per article"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    paths = args.paths or [settings.corpus_dir]
    started = time.perf_counter()
    try:
        manifest = ingest(paths, settings, show_progress=not args.quiet)
    except KeyboardInterrupt:
        print("Interrupted: the previous index is unchanged.", file=sys.stderr)
        return 130
    if not args.quiet:
        print(corpus_report(paths, settings, full=args.list_all))
    counts = manifest["counts"]
    print(
        f"Indexed {counts['chunks']} chunks from {counts['files']} file(s) "
        f"({counts['embedded']} embedded, {counts['reused']} reused) with {manifest['embedder']['name']} "
        f"into {settings.index_dir} in {time.perf_counter() - started:.1f} s."
    )
    return 0


def corpus_report(paths: list[Path], settings: Settings, full: bool = False) -> str:
    """Per article: the metadata detected, the sentences indexed, and the lines kept out."""
    paragraphs, _ = load_corpus(paths)
    return describe(inventory(paragraphs, load_chunks(paths, chunker_config(settings))[0]), full=full)


def main(argv: list[str] | None = None) -> int:
    return alias("ingest", "python -m rag.ingest", argv)


if __name__ == "__main__":
    sys.exit(main())
