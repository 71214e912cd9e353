"""Residents' ratings of answers, kept in a local SQLite file for review.

Every stored text passes through mask_personal_data first: a resident who typed
a phone or ID number into a public kiosk leaves no trace of it here. A citation
keeps its chunk id and offsets, so a reviewer can still find the passage.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.privacy import mask_personal_data

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


def _mask_json(value: Any) -> Any:
    """Mask every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, Mapping):
        return {k: _mask_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_mask_json(v) for v in value]
    return value


@dataclass(frozen=True)
class FeedbackStore:
    """One SQLite file; a short-lived connection per call, so any thread may use it."""

    path: Path

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, answer: Mapping[str, Any], rating: str, now: datetime | None = None) -> int:
        """Store a rating of an answer (an Answer.to_dict()); returns the row id."""
        if rating not in RATINGS:
            raise ValueError(f"Unknown rating {rating!r}; expected one of {', '.join(RATINGS)}")
        created = (now or datetime.now(UTC)).astimezone(UTC)
        row = (
            created.isoformat(timespec="seconds"),
            rating,
            mask_personal_data(str(answer.get("question", ""))),
            mask_personal_data(str(answer.get("answer", ""))),
            json.dumps(_mask_json(list(answer.get("citations", []))), ensure_ascii=False),
            int(bool(answer.get("refused", False))),
            str(answer.get("reason", "")),
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
