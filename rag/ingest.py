"""Build the index: python -m rag.ingest [PATH ...]

PATHs are .txt/.md files or folders of them (default: the project's corpus/).
Every file is read and checked before anything is written, and the new index is
swapped in only when complete, so a bad file or Ctrl-C leaves the old one intact.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rag.errors import RagError
from rag.indexing import ingest
from rag.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.ingest", description="Build the 民生问答 index.")
    parser.add_argument("paths", nargs="*", type=Path, help="source .txt/.md files or folders (default: corpus/)")
    parser.add_argument("--index-dir", type=Path, help="where to write the index (default: index/default)")
    parser.add_argument("--embedder", help="e5 (default), use, or st:<model name or local path>")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    overrides = {k: v for k, v in {"index_dir": args.index_dir, "embedder": args.embedder}.items() if v}
    settings = Settings(**overrides)
    paths = args.paths or [settings.corpus_dir]
    started = time.perf_counter()
    try:
        manifest = ingest(paths, settings, show_progress=not args.quiet)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: the previous index is unchanged.", file=sys.stderr)
        return 130
    counts = manifest["counts"]
    print(
        f"Indexed {counts['chunks']} chunks from {counts['files']} file(s) "
        f"({counts['embedded']} embedded, {counts['reused']} reused) with {manifest['embedder']['name']} "
        f"into {settings.index_dir} in {time.perf_counter() - started:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
