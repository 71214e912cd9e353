"""Take the README's screenshots: docs/phone.png (375x812), docs/web.png (desktop), docs/kiosk.png
(portrait 1080x1920) and docs/kiosk-landscape.png (1920x1080).

    python benchmarks/screenshots.py

Starts both modes in-process, drives Debian's /usr/bin/chromium with Playwright and
saves the pictures. Chinese text needs a CJK font on the machine (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchkit import CHROMIUM, CHROMIUM_ARGS, ask_in_page, free_port

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
ROOT = Path(__file__).resolve().parents[1]  # the checkout: pictures go to its docs/


def main() -> int:
    from playwright.sync_api import sync_playwright

    from rag.pipeline import Pipeline
    from rag.settings import Settings
    from rag.web import ChatService, build_ui, launch_options

    out = ROOT / "docs"
    out.mkdir(exist_ok=True)
    feedback = Path(tempfile.mkdtemp()) / "feedback.sqlite3"
    pipeline = Pipeline.load(Settings(), say=print)
    demos, urls = [], {}
    for kiosk in (False, True):
        settings = Settings(port=free_port(), feedback_db=feedback)
        demo = build_ui(ChatService(pipeline, settings), kiosk=kiosk)
        _, urls[kiosk], _ = demo.launch(**launch_options(settings, kiosk=kiosk), prevent_thread_lock=True, quiet=True)
        demos.append(demo)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            page = browser.new_page(viewport={"width": 375, "height": 812}, locale="zh-CN")
            page.goto(urls[False])
            page.wait_for_selector("#ms-question textarea")
            ask_in_page(page, "郑州有多少家养老机构？")
            page.wait_for_timeout(600)
            page.evaluate("window.scrollTo(0, 0)")  # the chat box keeps the answer at its top
            page.wait_for_timeout(300)
            page.screenshot(path=out / "phone.png")

            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
            page.goto(urls[False])
            page.wait_for_selector("#ms-question textarea")
            ask_in_page(page, "郑州有多少家养老机构？")
            page.locator("details.ms-source summary").first.click()
            ask_in_page(page, "洛阳有多少家养老机构？")
            page.get_by_role("button", name="养老与救助", exact=True).click()
            page.wait_for_timeout(800)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=out / "web.png")

            for name, size in (("kiosk.png", (1080, 1920)), ("kiosk-landscape.png", (1920, 1080))):
                page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
                page.goto(urls[True])
                page.wait_for_selector("#ms-question textarea")
                page.get_by_role("button", name="养老与救助", exact=True).click()
                page.get_by_role("button", name="郑州有多少家养老机构？").click()
                page.wait_for_selector(".ms-answer", timeout=30_000)
                page.locator("details.ms-source summary").first.click()
                page.wait_for_timeout(600)
                page.locator("#ms-chat .bubble-wrap").evaluate("el => { el.scrollTop = 0; }")  # the question too
                page.evaluate("window.scrollTo(0, 0)")
                page.wait_for_timeout(300)
                page.screenshot(path=out / name)
            browser.close()
    finally:
        for demo in demos:
            demo.close()
    print(f"wrote phone.png, web.png, kiosk.png and kiosk-landscape.png in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
