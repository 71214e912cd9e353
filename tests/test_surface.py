"""The server's surface (rag/surface.py) and the feedback caps (rag/feedback.py), on a real Gradio server
over the hash pipeline (fast tier): the issue's reproductions of uploads, 5 MB questions, a rating
flood and a forged Host, each refused with a clear status, while the page's own calls still work."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from conftest import fast_settings, free_port
from gradio_client import Client

from rag import surface
from rag.feedback import FeedbackLimitError, FeedbackStore
from rag.settings import Settings
from rag.surface import RateLimiter, allowed_hosts
from rag.web import ChatService, build_ui, launch_options

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def server(hash_pipeline, tmp_path_factory):
    folder = tmp_path_factory.mktemp("surface")
    settings = fast_settings(folder, port=free_port(), rate_limit_per_minute=25, max_request_bytes=16_384)
    demo = build_ui(ChatService(hash_pipeline, settings))
    options = {**launch_options(settings), **surface.launch_options(settings)}
    _, url, _ = demo.launch(**options, prevent_thread_lock=True, quiet=True)
    yield url, settings
    demo.close()


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_page_and_its_api_still_answer_through_the_surface(server):
    url, _ = server
    answer = Client(url, verbose=False).predict("郑州有多少家养老机构？", [], api_name="/ask")
    assert "93家" in answer["answer"]


def test_uploads_are_refused(server):
    url, _ = server
    body = b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nhello\r\n--x--\r\n'
    status = post(url + "gradio_api/upload", body, {"Content-Type": "multipart/form-data; boundary=x"})
    assert status == 403


def test_an_oversized_request_is_refused_before_any_handler(server):
    url, _ = server
    body = json.dumps({"data": ["问" * 10_000, []], "fn_index": 0, "session_hash": "abc"}).encode()
    assert post(url + "gradio_api/queue/join", body) == 413
    # the 5 MB question: refused (the server answers 413 and closes while it is still being sent)
    huge = json.dumps({"data": ["问" * 5_000_000, []], "fn_index": 0, "session_hash": "abc"}).encode()
    try:
        status = post(url + "gradio_api/queue/join", huge)
    except urllib.error.URLError as exc:
        assert isinstance(exc.reason, ConnectionResetError | BrokenPipeError)
    else:
        assert status == 413
    assert Client(url, verbose=False).predict("郑州有多少家养老机构？", [], api_name="/ask")["answer"]


def test_a_forged_host_is_refused(server):
    url, _ = server
    request = urllib.request.Request(url + "config", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 400


def test_a_flood_of_calls_from_one_client_is_rate_limited(server):
    url, settings = server
    body = json.dumps({"data": ["郑州有多少家养老机构？", []]}).encode()
    statuses = [post(url + "gradio_api/call/ask", body) for _ in range(settings.rate_limit_per_minute + 5)]
    assert 429 in statuses and statuses[0] == 200


def test_the_rate_limiter_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")  # per client
    now[0] = 30.0  # half a minute: one call back
    assert limiter.allow("a") and not limiter.allow("a")
    assert RateLimiter(per_minute=0).allow("x")  # 0: off


def test_allowed_hosts_default_to_localhost_and_the_listening_address():
    assert "localhost" in allowed_hosts(Settings(host="127.0.0.1"))
    assert allowed_hosts(Settings(host="0.0.0.0")) is None
    assert allowed_hosts(Settings(host="0.0.0.0", allowed_hosts="kiosk.local, 10.0.0.5")) == {"kiosk.local", "10.0.0.5"}


ANSWER = {"question": "问" * 10_000, "answer": "答" * 10_000, "citations": [{"text": "引" * 10_000}] * 50}


def test_feedback_texts_are_capped_and_ratings_a_minute_are_limited(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3", max_chars=100, per_minute=3)
    for _ in range(3):
        store.add(ANSWER, "useful")
    with pytest.raises(FeedbackLimitError):
        store.add(ANSWER, "useful")
    row = store.all()[0]
    assert len(row["question"]) <= 101 and len(row["answer"]) <= 101
    assert len(row["citations"]) <= 20 and all(len(c["text"]) <= 101 for c in row["citations"])


def test_a_full_feedback_database_is_rotated_not_grown(tmp_path):
    path = tmp_path / "f.sqlite3"
    store = FeedbackStore(path, max_chars=2000, per_minute=10_000, max_bytes=50_000)
    big = {"question": "问" * 5000, "answer": "答" * 5000}  # each row about 12 kB once cut
    for i in range(30):
        store.add(big, "useful", now=datetime(2026, 1, 1, tzinfo=UTC))
        assert path.stat().st_size < 100_000, i
    assert (tmp_path / "f.sqlite3.1").exists() and 0 < len(store.all()) < 30


def test_the_page_says_when_ratings_are_over_the_limit(tmp_path):
    settings = fast_settings(tmp_path, feedback_per_minute=1)

    class One:
        def ask(self, question, history=()):
            from rag.types import Answer

            return Answer(question, "全市有93家养老机构[1]。", reason="answered")

    service = ChatService(One(), settings)
    _, session, *_ = service.on_ask("郑州有多少家养老机构？", None)
    status, _ = service.on_feedback("useful", session)
    assert "谢谢" in status
    _, other, *_ = service.on_ask("郑州有多少家养老机构？", None)
    status, _ = service.on_feedback("useful", other)
    assert "没能保存" in status  # over the cap: nothing stored, a plain message
    assert len(FeedbackStore.from_settings(settings).all()) == 1
