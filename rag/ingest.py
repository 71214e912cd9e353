"""Build the index: minsheng ingest [PATH ...] (alias: python -m rag.ingest).

PATHs are source files (.txt, .md, .html, .docx, .pdf) or folders of them (default: the
settings' corpus_dir, ./corpus); the index then holds exactly these sources. Every file is
read before anything is written: one that cannot be read is skipped and named with the
reason, the rest is indexed. Documents are compared with the previous index by content
hash and only new or changed sentences are embedded; the report says which documents
were added, changed, removed and kept. The new index is swapped in only when complete,
so Ctrl-C (or a kill) leaves the old one serving.
The work is rag.indexing.update; the per-article report rag.inventory; settings options and errors: rag/cli.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rag.cli import alias
from rag.indexing import update
from rag.inventory import describe, inventory
from rag.settings import Settings

HELP = "build or update the index from .txt/.md/.html/.docx/.pdf files"


def configure(parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="source files or folders (default: --corpus-dir)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no per-article report")
    parser.add_argument(
        "--list-all", action="store_true", help="list every line kept out of the index, not the first five per article"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    paths = args.paths or [settings.corpus_dir]
    started = time.perf_counter()
    try:
        report = update(paths, settings, show_progress=not args.quiet)
    except KeyboardInterrupt:
        print("Interrupted: the previous index is unchanged.", file=sys.stderr)
        return 130
    if not args.quiet:
        print(describe(inventory(report.paragraphs, report.chunks), full=args.list_all))
    print("\n".join(report.lines()))
    manifest = report.manifest
    counts = manifest["counts"]
    print(
        f"Indexed {counts['chunks']} chunks from {counts['files']} file(s) "
        f"({counts['embedded']} embedded, {counts['reused']} reused) with {manifest['embedder']['name']} "
        f"into {settings.index_dir} in {time.perf_counter() - started:.1f} s."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    return alias("ingest", "python -m rag.ingest", argv)


if __name__ == "__main__":
    sys.exit(main())
