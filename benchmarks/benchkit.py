"""Helpers the benchmark scripts share (run as scripts, so this folder is on sys.path)."""

from __future__ import annotations

import socket

CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by ./run.sh when root
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_in_page(page, question: str, settle_ms: int = 0) -> None:
    """Type a question into the chat page, press Enter and wait for one more answer."""
    before = page.locator(".ms-answer").count()
    page.locator("#ms-question textarea").fill(question)
    page.locator("#ms-question textarea").press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.ms-answer').length > {before}", timeout=30_000)
    if settle_ms:
        page.wait_for_timeout(settle_ms)
