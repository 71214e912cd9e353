"""axe-core counts for the web chat and the kiosk, per page state, printed as a table.

    .venv/bin/python benchmarks/axe_audit.py [--dark]

Starts both modes in-process on the real pipeline, drives Debian's /usr/bin/chromium with
Playwright, injects axe-core (bundled by the axe-playwright-python package) and counts
violations by impact for four states: the empty page, after an answer, after a refusal,
and with a source card open. The test suite asserts 0 critical / 0 serious
(tests/test_browser.py); this script prints every impact so a change can be compared.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from benchkit import CHROMIUM, CHROMIUM_ARGS, ask_in_page, free_port

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

IMPACTS = ("critical", "serious", "moderate", "minor")
ANSWERED = "郑州有多少家养老机构？"
REFUSED = "洛阳有多少家养老机构？"


STATES = ("empty", "answer", "refusal", "open card")


def step(page, state: str) -> None:
    """Bring the page to a state: the four the test suite audits."""
    if state == "answer":
        ask_in_page(page, ANSWERED, settle_ms=400)
    elif state == "refusal":
        ask_in_page(page, REFUSED, settle_ms=400)
    elif state == "open card":
        page.locator("details.ms-source summary").first.click()
        page.wait_for_timeout(300)


def audit(axe, page) -> tuple[Counter, list[str]]:
    violations = axe.run(page).response["violations"]
    counts: Counter = Counter()
    rules = []
    for v in violations:
        counts[v["impact"]] += len(v["nodes"])
        rules.append(f"{v['impact']}:{v['id']}x{len(v['nodes'])}")
    return counts, rules


def main() -> int:
    scheme = "dark" if "--dark" in sys.argv[1:] else "light"  # the browser's preference; Gradio follows it
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from rag.pipeline import Pipeline
    from rag.settings import Settings
    from rag.web import ChatService, build_ui, launch_options

    feedback = Path(tempfile.mkdtemp()) / "feedback.sqlite3"
    pipeline = Pipeline.load(Settings(), say=lambda m: None)
    demos, urls = [], {}
    for mode in ("web", "kiosk"):
        settings = Settings(port=free_port(), feedback_db=feedback)
        demo = build_ui(ChatService(pipeline, settings), kiosk=mode == "kiosk")
        _, urls[mode], _ = demo.launch(
            **launch_options(settings, kiosk=mode == "kiosk"), prevent_thread_lock=True, quiet=True
        )
        demos.append(demo)
    axe = Axe()
    print(f"{'page':24} " + " ".join(f"{i:>8}" for i in IMPACTS) + "  rules")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for mode, size in (("web", (375, 812)), ("web", (1280, 900)), ("kiosk", (1080, 1920))):
                page = browser.new_page(
                    viewport={"width": size[0], "height": size[1]}, locale="zh-CN", color_scheme=scheme
                )
                page.goto(urls[mode])
                page.wait_for_selector("#ms-question textarea")
                page.wait_for_timeout(500)
                label = f"{mode} {size[0]}x{size[1]}"
                for state in STATES:
                    step(page, state)
                    counts, rules = audit(axe, page)
                    row = " ".join(f"{counts.get(i, 0):>8}" for i in IMPACTS)
                    print(f"{label + ' ' + state:24} {row}  {' '.join(rules)}", flush=True)
                page.close()
            browser.close()
    finally:
        for demo in demos:
            demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
