"""Residents' ratings of answers, kept in a local SQLite file for review.

Every stored text passes through mask_personal_data first: a resident who typed
a phone or ID number into a public kiosk leaves no trace of it here. A citation
keeps its chunk id and offsets, so a reviewer can still find the passage.

Bounded, because any client can reach the rating handler: each stored text is cut at
max_chars (question, answer, each citation's text), at most per_minute ratings are kept a
minute in all (FeedbackLimitError past that), and once the file passes max_bytes it is
rotated: renamed to <name>.1 (replacing an older .1) and a fresh file started.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.privacy import mask_personal_data
from rag.settings import Settings

# Stable codes in the database, labels on the buttons.
RATINGS: dict[str, str] = {"useful": "有用", "not_useful": "没用", "wrong_source": "来源有误"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT    NOT NULL,  -- UTC, ISO 8601
    rating     TEXT    NOT NULL CHECK (rating IN ('useful', 'not_useful', 'wrong_source')),
    question   TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    citations  TEXT    NOT NULL,  -- JSON list, as in Answer.to_dict()["citations"]
    refused    INTEGER NOT NULL,
    reason     TEXT    NOT NULL
)
"""


class FeedbackLimitError(Exception):
    """More ratings a minute than the store keeps; the caller says "try later"."""


def _cut(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[:max_chars] + "…"


def _mask_json(value: Any, max_chars: int = 2000) -> Any:
    """Mask (and cut) every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask_personal_data(_cut(value, max_chars))
    if isinstance(value, Mapping):
        return {k: _mask_json(v, max_chars) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_mask_json(v, max_chars) for v in value[:20]]  # an answer cites a handful of passages
    return value


@dataclass(frozen=True)
class FeedbackStore:
    """One SQLite file; a short-lived connection per call, so any thread may use it."""

    path: Path
    max_chars: int = 2000
    per_minute: int = 30
    max_bytes: int = 20_000_000
    _recent: list[float] = field(default_factory=list, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.feedback_db, settings.feedback_max_chars, settings.feedback_per_minute, settings.feedback_max_bytes
        )

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create()

    def _create(self) -> None:
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _admit(self, now: float) -> None:
        """Count a rating against the per-minute cap, or raise FeedbackLimitError."""
        with self._lock:
            self._recent[:] = [t for t in self._recent if now - t < 60]
            if len(self._recent) >= self.per_minute:
                raise FeedbackLimitError(f"more than {self.per_minute} ratings a minute")
            self._recent.append(now)

    def _rotate_if_full(self) -> None:
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size >= self.max_bytes:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
                self._create()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, answer: Mapping[str, Any], rating: str, now: datetime | None = None) -> int:
        """Store a rating of an answer (an Answer.to_dict()); returns the row id."""
        if rating not in RATINGS:
            raise ValueError(f"Unknown rating {rating!r}; expected one of {', '.join(RATINGS)}")
        self._admit(time.monotonic())
        self._rotate_if_full()
        created = (now or datetime.now(UTC)).astimezone(UTC)
        row = (
            created.isoformat(timespec="seconds"),
            rating,
            mask_personal_data(_cut(str(answer.get("question", "")), self.max_chars)),
            mask_personal_data(_cut(str(answer.get("answer", "")), self.max_chars)),
            json.dumps(_mask_json(list(answer.get("citations", [])), self.max_chars), ensure_ascii=False),
            int(bool(answer.get("refused", False))),
            _cut(str(answer.get("reason", "")), 40),
        )
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, citations, refused, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)  # an INSERT always sets it

    def all(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first, citations decoded."""
        with closing(self._connect()) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [
            {**dict(row), "citations": json.loads(row["citations"]), "refused": bool(row["refused"])} for row in rows
        ]
