"""Time from pressing send to the answer visible on the page, in a real browser, printed as figures.

    .venv/bin/python benchmarks/answer_visible.py [--rounds 3] [--width 375 --height 812]

Starts the web chat in-process on the real pipeline, drives Debian's /usr/bin/chromium, and
for every question of evals/questions.jsonl (first turns only) measures, inside the page, from
the click on 提问 to the first frame where the new answer's first line is in the window.
Not asserted anywhere: a busy machine must not fail CI. Check `uptime` and report it too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchkit import CHROMIUM, CHROMIUM_ARGS, free_port

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


# Click 提问, then resolve on the first animation frame where a new answer's first line is in view.
_SEND_AND_WAIT = """async (question) => {
  const box = document.querySelector('#ms-question textarea');
  box.value = question;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((r) => setTimeout(r, 50));
  const before = document.querySelectorAll('.ms-answer').length;
  const started = performance.now();
  document.getElementById('ms-send').click();
  return await new Promise((resolve) => {
    const check = () => {
      const all = document.querySelectorAll('.ms-answer');
      if (all.length > before) {
        const top = all[all.length - 1].getBoundingClientRect().top;
        if (top >= 0 && top + 24 <= window.innerHeight) return resolve(performance.now() - started);
      }
      if (performance.now() - started > 30000) return resolve(-1);
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1, help="passes over the question set")
    parser.add_argument("--width", type=int, default=375)
    parser.add_argument("--height", type=int, default=812)
    parser.add_argument(
        "--reset-every",
        type=int,
        default=5,
        help="press 重新开始 after this many answers: a resident's session, not 200",
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from evals.dataset import QUESTIONS
    from rag.pipeline import Pipeline
    from rag.settings import Settings
    from rag.web import ChatService, build_ui, launch_options

    rows = [json.loads(line) for line in QUESTIONS.open(encoding="utf-8")]
    questions = [r["question"] for r in rows if not r.get("history")]
    settings = Settings(port=free_port(), feedback_db=Path(tempfile.mkdtemp()) / "feedback.sqlite3")
    demo = build_ui(ChatService(Pipeline.load(settings, say=lambda m: None), settings))
    _, url, _ = demo.launch(**launch_options(settings), prevent_thread_lock=True, quiet=True)
    times: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale="zh-CN")
            page.goto(url)
            page.wait_for_selector("#ms-question textarea")
            page.evaluate(_SEND_AND_WAIT, questions[0])  # warm-up: first query pays for lazy loading
            for _ in range(args.rounds):
                for n, question in enumerate(questions, 1):
                    times.append(page.evaluate(_SEND_AND_WAIT, question))
                    if args.reset_every and n % args.reset_every == 0:
                        page.locator("#ms-restart").click()
                        page.wait_for_function("document.querySelectorAll('.ms-answer').length === 0")
            browser.close()
    finally:
        demo.close()
    missed = sum(1 for t in times if t < 0)
    ok = [t for t in times if t >= 0]
    print(
        f"send -> answer visible at {args.width}x{args.height}, {len(ok)} answers ({missed} never visible), "
        f"chat cleared every {args.reset_every}:"
    )
    print(f"  median {statistics.median(ok):.0f} ms, p90 {pct(ok, 90):.0f} ms, max {max(ok):.0f} ms")
    print(f"  load average: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
