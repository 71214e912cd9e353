"""Two app replicas behind nginx on one Milvus (the Milvus Lite server) and one PostgreSQL, on loopback.

Residents ask through the balancer (the /ask API, each with its own cookie jar, so nginx keeps
each on one replica) and rate answers on the real page in Chromium; one replica is killed
(-9) mid-load. The other keeps answering, every rating acknowledged on the page is in
PostgreSQL, and each resident of the dead replica gets one failure at most (nginx's plain
message, or a reply cut short if it was in flight at the kill), then answers from the other
replica; everything within a bounded time, never a hang.

Milvus Lite is one process holding its data folder (a second process opening it fails with
DataDirLockedError), so the replicas share it through the gRPC server milvus-lite ships,
started by `python -m rag.milvus_server` (deploy/README.md). The hash embedder keeps the model
out of this test. Skips, saying why, without nginx, PostgreSQL, Chromium or milvus-lite.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, ROOT
from throwaway import free_port, postgres

pytestmark = pytest.mark.slow
httpx = pytest.importorskip("httpx")
pytest.importorskip("milvus_lite", reason="needs milvus-lite (requirements.txt)")

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CHROMIUM = Path("/usr/bin/chromium")
QUESTIONS = ["郑州有多少家养老机构？", "郑州划分了多少个社区网格？", "郑州新增了多少个学位？", "郑州有多少家社区食堂？"]
DOWN_MESSAGE = "服务刚才中断了一下"
CUT = "RemoteProtocolError"  # httpx: the connection closed before the reply's body was complete


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not listen on {port} in {timeout} s")


def nginx_conf(folder: Path, listen: int, replicas: list[int]) -> Path:
    """deploy/minsheng.conf with this test's ports, inside a main file whose paths are all in folder."""
    site = (ROOT / "deploy" / "minsheng.conf").read_text(encoding="utf-8")
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in replicas)
    lines = [line for line in site.splitlines(keepends=True) if not line.strip().startswith("server 127.0.0.1:")]
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("keepalive"))
    (folder / "site.conf").write_text("".join(lines[:at]) + servers + "".join(lines[at:]), encoding="utf-8")
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        + f"http {{\n    access_log {folder / 'access.log'};\n{temp}    include {folder / 'site.conf'};\n}}\n"
    )
    (folder / "nginx.conf").write_text(main, encoding="utf-8")
    return folder / "nginx.conf"


@pytest.fixture(scope="module")
def stack() -> Iterator[dict]:
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx; ./run.sh test installs it as root)")
    with postgres() as (pg_url, why):
        if pg_url is None:
            pytest.skip(f"no throwaway PostgreSQL: {why}")
        folder = Path(tempfile.mkdtemp(prefix="minsheng-replicas-"))
        procs: dict[str, subprocess.Popen] = {}
        try:
            yield _start(folder, pg_url, procs)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            shutil.rmtree(folder, ignore_errors=True)


def _start(folder: Path, pg_url: str, procs: dict[str, subprocess.Popen]) -> dict:
    milvus_port, balancer = free_port(), free_port()
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MINSHENG_EMBEDDER": "hash",
        "MINSHENG_CORPUS_DIR": str(CORPUS_DIR),
        "MINSHENG_INDEX_DIR": str(folder / "replicas"),
        "MINSHENG_DATA_DIR": str(folder / "data"),
        "MINSHENG_MILVUS_URI": f"http://127.0.0.1:{milvus_port}",
        "MINSHENG_FEEDBACK_URL": pg_url,
        "MINSHENG_SPEECH_ENGINE": "off",
        "MINSHENG_RELOAD_SECONDS": "0",
        "MINSHENG_RATE_LIMIT_PER_MINUTE": "0",  # every resident comes from 127.0.0.1 here
    }
    log = open(folder / "servers.log", "w")  # noqa: SIM115  (closed with the folder)
    procs["milvus"] = subprocess.Popen(
        [sys.executable, "-m", "rag.milvus_server", str(folder / "milvus.db"), "--port", str(milvus_port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(milvus_port, procs["milvus"], "the Milvus Lite server")
    subprocess.run([sys.executable, "-m", "rag.ingest", "--quiet"], cwd=ROOT, env=env, check=True, timeout=300)
    for name, port in zip(("a", "b"), ports, strict=True):
        procs[name] = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    for name, port in zip(("a", "b"), ports, strict=True):
        wait_for_port(port, procs[name], f"replica {name}")
    assert NGINX is not None
    conf = nginx_conf(folder, balancer, ports)
    procs["nginx"] = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT
    )
    wait_for_port(balancer, procs["nginx"], "nginx")
    return {
        "url": f"http://127.0.0.1:{balancer}",
        "replicas": {f"127.0.0.1:{p}": name for name, p in zip(("a", "b"), ports, strict=True)},
        "procs": procs,
        "pg_url": pg_url,
    }


class Resident:
    """One resident asking through the balancer with a cookie jar of their own (so: one replica)."""

    def __init__(self, url: str):
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(45.0))
        self.results: list[tuple[int, str, str, float]] = []  # status, replica, answer or message, seconds

    def ask(self, question: str) -> tuple[int, str, str, float]:
        started = time.monotonic()
        try:
            r = self.client.post("/gradio_api/run/ask", json={"data": [question, []]})
            status, replica = r.status_code, r.headers.get("x-minsheng-upstream", "")
            body = r.json()
            text = body["data"][0]["answer"] if status == 200 else body.get("detail", r.text)
        except httpx.HTTPError as exc:  # a hang would end here, after the timeout: the test fails on it
            status, replica, text = 0, "", f"{type(exc).__name__}: {exc}"
        result = (status, replica, text, time.monotonic() - started)
        self.results.append(result)
        return result


def test_two_replicas_behind_nginx_survive_one_being_killed(stack):
    from sqlalchemy import create_engine, text

    url, replicas, procs = stack["url"], stack["replicas"], stack["procs"]
    residents = [Resident(url) for _ in range(8)]
    home = {}
    for r in residents:  # the first answer places each resident on a replica, by nginx's cookie
        status, replica, answer, _ = r.ask(QUESTIONS[0])
        assert status == 200 and "93家" in answer, (status, answer)
        home[r] = replicas[replica.split(",")[-1].strip()]
    assert set(home.values()) == {"a", "b"}, "eight cookies all hashed to one replica"
    for r in residents:  # sticky: the same replica again
        status, replica, _, _ = r.ask(QUESTIONS[1])
        assert status == 200 and replicas[replica.split(",")[-1].strip()] == home[r]

    ratings = _rate_in_browsers(url) if CHROMIUM.exists() else []

    stop = threading.Event()

    def keep_asking(r: Resident) -> None:
        i = 0
        while not stop.is_set():
            r.ask(QUESTIONS[i % len(QUESTIONS)])
            i += 1

    threads = [threading.Thread(target=keep_asking, args=(r,)) for r in residents]
    for t in threads:
        t.start()
    time.sleep(3)
    before = {r: len(r.results) for r in residents}
    procs["a"].kill()  # kill -9 replica a mid-load
    procs["a"].wait(timeout=10)
    time.sleep(8)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a resident's request hung"

    for r in residents:
        after = r.results[before[r] :]
        assert after, "no question was asked after the kill"
        failures = [(status, answer) for status, _, answer, _ in after if status != 200 or not answer]
        assert all(seconds < 45 for *_, seconds in after)  # no hang
        for status, answer in failures:
            # nginx's plain message; or, for the one question in flight when its replica died, a reply
            # cut after the replica had sent its headers (nginx cannot replace a reply it has begun)
            assert (status == 503 and DOWN_MESSAGE in answer) or (status == 0 and CUT in answer), (status, answer)
        assert len(failures) <= 1, f"resident of replica {home[r]}: {failures}"
        assert after[-1][0] == 200, f"resident of replica {home[r]} not answered again: {after[-1]}"
        assert replicas[after[-1][1].split(",")[-1].strip()] == "b"  # the dead replica's residents moved over
        served = Counter((s, replicas.get(u.split(",")[-1].strip(), "-")) for s, u, *_ in after)
        print(f"resident of replica {home[r]}, after the kill (status, replica): {dict(served)}")
        if home[r] == "b":  # the surviving replica's residents never noticed
            assert all(status == 200 for status, *_ in after)
    assert procs["b"].poll() is None

    print(f"ratings acknowledged on the page: {ratings}")
    if ratings:  # every rating the page acknowledged is in PostgreSQL
        engine = create_engine(stack["pg_url"])
        with engine.connect() as db:
            stored = db.execute(text("SELECT rating, question FROM feedback")).all()
        engine.dispose()
        assert set(ratings) <= {(r, q) for r, q in stored}


def _rate_in_browsers(url: str) -> list[tuple[str, str]]:
    """Two residents on the real page, each asking and rating; the ratings the page acknowledged."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_browser import CHROMIUM_ARGS

    acknowledged = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for question, (label, code) in zip(
                QUESTIONS[:2], [("有用", "useful"), ("来源有误", "wrong_source")], strict=True
            ):
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                page.goto(url)
                box = page.locator("#ms-question textarea")
                sync_api.expect(box).to_be_visible(timeout=30_000)
                box.fill(question)
                box.press("Enter")
                sync_api.expect(page.locator(".ms-answer")).to_have_count(1, timeout=30_000)
                page.get_by_role("button", name=label).click()
                sync_api.expect(page.locator("#ms-status")).to_contain_text("已记录", timeout=30_000)
                acknowledged.append((code, question))
                context.close()
        finally:
            browser.close()
    return acknowledged
