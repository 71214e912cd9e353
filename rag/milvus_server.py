"""Milvus Lite as a small server, so that several app processes can share one knowledge base.

Milvus Lite keeps its data in a folder that one process holds (it locks it), so two app
replicas cannot both open `data/milvus.db`. This starts the gRPC server milvus-lite ships
over that folder, with jieba holding the project's domain words first (Milvus Lite cuts
BM25 text with this process's jieba, so the cut is the one rag/tokens.py makes); the replicas
and `minsheng ingest` then connect with MINSHENG_MILVUS_URI=http://HOST:PORT.

    python -m rag.milvus_server data/milvus.db --port 19530

For more than one machine, or past what one Python process serves, run a Milvus server or
cluster instead (deploy/README.md); the app's code is the same.
"""

from __future__ import annotations

import argparse
import sys

from rag.tokens import ensure_initialised


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.milvus_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="the Milvus Lite data folder (a path ending in .db)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=19530)
    parser.add_argument("--workers", type=int, default=16, help="gRPC worker threads")
    args = parser.parse_args(argv)
    try:
        from milvus_lite.adapter.grpc.server import run_server
    except ImportError:
        print('error: needs milvus-lite: pip install ".[milvus]"', file=sys.stderr)
        return 2
    ensure_initialised()
    try:
        run_server(args.data, host=args.host, port=args.port, max_workers=args.workers)
    except Exception as exc:  # the folder locked by another process, the port taken
        print(f"error: Milvus Lite could not serve {args.data} on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
