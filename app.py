"""Start the web chat on localhost: python app.py [--kiosk] [--port N] [--host H]

Builds the pipeline once (and the index first, if it is missing or stale), builds the
page from rag/web.py, and serves it. Nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import os
import sys

# Before gradio is imported: no telemetry, no version check.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MIN_WARNING_SECONDS = 20  # WCAG 2.2.1: at least 20 s to extend a time limit


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="民生问答: the web chat over Zhengzhou's official articles.")
    parser.add_argument(
        "--kiosk", action="store_true", help="large type, topic buttons, idle reset; nothing kept between residents"
    )
    parser.add_argument("--port", type=int, help="port to listen on (default: settings, MINSHENG_PORT, 7860)")
    parser.add_argument("--host", help="address to listen on (default: settings, MINSHENG_HOST, 127.0.0.1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from pydantic import ValidationError

    from rag.errors import RagError
    from rag.settings import Settings

    overrides = {k: v for k, v in (("port", args.port), ("host", args.host)) if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        print(f"Invalid setting: {exc}", file=sys.stderr)
        return 2
    if args.kiosk and settings.kiosk_warning_seconds < MIN_WARNING_SECONDS:
        print(
            f"kiosk_warning_seconds={settings.kiosk_warning_seconds} is too short: residents need at least "
            f"{MIN_WARNING_SECONDS} s to keep their session (WCAG 2.2.1). "
            f"Set MINSHENG_KIOSK_WARNING_SECONDS to {MIN_WARNING_SECONDS} or more.",
            file=sys.stderr,
        )
        return 2

    from rag.pipeline import Pipeline

    try:
        pipeline = Pipeline.load(settings, say=lambda message: print(message, flush=True))
    except RagError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1

    from rag.web import ChatService, build_ui, launch_options

    demo = build_ui(ChatService(pipeline, settings), kiosk=args.kiosk)
    try:
        demo.launch(**launch_options(settings, kiosk=args.kiosk), quiet=True, prevent_thread_lock=True)
    except OSError as exc:  # e.g. the port is taken
        print(f"Cannot start the server on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    mode = "kiosk" if args.kiosk else "web chat"
    print(f"民生问答 {mode}: http://{settings.host}:{settings.port}  (Ctrl+C to stop)", flush=True)
    demo.block_thread()  # until Ctrl+C
    return 0


if __name__ == "__main__":
    sys.exit(main())
