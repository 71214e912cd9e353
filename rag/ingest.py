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
from rag.conflicts import describe as describe_conflict
from rag.conflicts import find_conflicts
from rag.errors import RagError
from rag.indexing import update
from rag.instructions import looks_like_instruction
from rag.inventory import describe, inventory
from rag.settings import Settings
from rag.store import read_manifest
from rag.types import Chunk

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
    before = _previous_files(settings)
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
    print(changes(before, dict(manifest["corpus"]["files"])))
    for warning in check_documents(report.chunks):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _previous_files(settings: Settings) -> dict[str, str] | None:
    """The files (name -> sha256) the index on disk was built from; None when there is no readable one."""
    try:
        return dict(read_manifest(settings.index_dir)["corpus"]["files"])
    except (RagError, KeyError, TypeError):
        return None


def changes(before: dict[str, str] | None, after: dict[str, str]) -> str:
    """Which documents are new, changed or removed since the last build, in one line."""
    if before is None:
        return f"Documents: {len(after)} new (no earlier index)."
    parts = [
        (label, names)
        for label, names in (
            ("new", sorted(set(after) - set(before))),
            ("changed", sorted(n for n in after if n in before and before[n] != after[n])),
            ("removed", sorted(set(before) - set(after))),
        )
        if names
    ]
    if not parts:
        return "Documents: none new, changed or removed."
    return "Documents: " + "; ".join(f"{label}: {', '.join(names)}" for label, names in parts) + "."


def check_documents(chunks: list[Chunk]) -> list[str]:
    """What the operator should look at: sentences that speak to the assistant (never quoted) and
    figures two documents state differently for the same fact (both shown to residents)."""
    warnings = [
        f"{c.source}: a sentence reads as an instruction to the assistant and is never quoted: “{c.text[:80]}”"
        for c in chunks
        if looks_like_instruction(c.text)
    ]
    warnings += [f"documents disagree on {describe_conflict(conflict)}" for conflict in find_conflicts(chunks)]
    return warnings


def main(argv: list[str] | None = None) -> int:
    return alias("ingest", "python -m rag.ingest", argv)


if __name__ == "__main__":
    sys.exit(main())
