"""Serve the web chat on localhost: minsheng serve [--kiosk] [--port N] [--host H] (alias: python app.py).

Builds the pipeline once (and the index first, if it is missing or stale), builds the
page from rag/web/, and serves it until Ctrl+C. Nothing is fetched from the network.
Settings options and errors: rag/cli.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from rag.cli import alias
from rag.errors import ServerError, SettingsError
from rag.settings import Settings

HELP = "serve the web chat (or, with --kiosk, the service-hall kiosk) on localhost"
MIN_WARNING_SECONDS = 20  # WCAG 2.2.1: at least 20 s to extend a time limit


def configure(parser: argparse.ArgumentParser, settings: argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--kiosk", action="store_true", help="large type, topic buttons, idle reset; nothing kept between residents"
    )
    settings.add_argument("--port", type=int, help="port to listen on (default: 7860; MINSHENG_PORT)")
    settings.add_argument("--host", help="address to listen on (default: 127.0.0.1; MINSHENG_HOST)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.kiosk and settings.kiosk_warning_seconds < MIN_WARNING_SECONDS:
        raise SettingsError(
            f"kiosk_warning_seconds={settings.kiosk_warning_seconds} is too short: residents need at least "
            f"{MIN_WARNING_SECONDS} s to keep their session (WCAG 2.2.1). "
            f"Set MINSHENG_KIOSK_WARNING_SECONDS to {MIN_WARNING_SECONDS} or more."
        )
    # Before gradio is imported: no telemetry, no version check, no hub.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from rag.pipeline import Pipeline
    from rag.reload import LivePipeline

    def say(message: str) -> None:
        print(message, flush=True)

    pipeline = LivePipeline(Pipeline.load(settings, say=say), say=say)
    # A new index (minsheng ingest while serving) is swapped in without a restart: when its
    # manifest changes, or at once on `kill -HUP <pid>`.
    if settings.reload_seconds > 0:
        pipeline.watch(settings.reload_seconds)
    if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
        signal.signal(
            signal.SIGHUP,
            lambda *_: threading.Thread(target=pipeline.reload, kwargs={"force": True}, daemon=True).start(),
        )

    from rag import surface
    from rag.web import ChatService, build_ui, launch_options

    demo = build_ui(ChatService(pipeline, settings), kiosk=args.kiosk)
    options = {**launch_options(settings, kiosk=args.kiosk), **surface.launch_options(settings)}
    try:
        demo.launch(**options, quiet=True, prevent_thread_lock=True)
    except OSError as exc:  # e.g. the port is taken
        raise ServerError(f"Cannot start the server on {settings.host}:{settings.port}: {exc}") from exc
    mode = "kiosk" if args.kiosk else "web chat"
    print(f"民生问答 {mode}: http://{settings.host}:{settings.port}  (Ctrl+C to stop)", flush=True)
    demo.block_thread()  # until Ctrl+C
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python app.py`: the serve subcommand under the design card's entry point."""
    return alias("serve", "python app.py", argv)
