"""The LLM reader benchmark's bookkeeping: a reply recorded in its cache is timed as when it was made, a
reply sent now only once (benchmarks/llm_reader.py; the model itself is never needed here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from llm_reader import NotCachedError, ReplyCache


def test_a_sent_reply_is_recorded_with_its_seconds_and_replayed_later(tmp_path: Path) -> None:
    sent: list[int] = []

    def send() -> dict:
        sent.append(1)
        return {"translation": "苏州2023年受理了多少诉求？"}

    first = ReplyCache(tmp_path)
    assert first._entry(["model", "prompt"], send)["translation"] == "苏州2023年受理了多少诉求？"
    assert first.replayed == 0.0  # sent now: its time is already in the answer's own time
    assert len(first.fresh) == 1 and first.seconds == first.fresh[0]

    again = ReplyCache(tmp_path)
    assert again._entry(["model", "prompt"], send)["translation"] == "苏州2023年受理了多少诉求？"
    assert sent == [1]  # not sent twice
    assert again.replayed == pytest.approx(first.fresh[0])  # counted as the seconds it took when made
    assert again.fresh == []


def test_cached_only_does_not_send_a_request_it_has_not_recorded(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path, cached_only=True)
    with pytest.raises(NotCachedError):
        cache._entry(["model", "never asked"], lambda: pytest.fail("sent"))
    assert cache.misses == 1
