"""Residents' ratings of answers, kept for review: a local SQLite file by default, or one
PostgreSQL database that every replica of the app writes to (MINSHENG_FEEDBACK_URL).

Both go through SQLAlchemy 2 (Core; PostgreSQL with the psycopg 3 driver), with one
versioned schema: `schema_version` records the migrations applied (MIGRATIONS), so a
later change to the table is one more numbered step, applied once at start-up.
A rating is acknowledged (add() returns its row id) only after its transaction committed.

Every stored text passes through mask_personal_data first: a resident who typed
a phone or ID number into a public kiosk leaves no trace of it here. A citation
keeps its chunk id and offsets, so a reviewer can still find the passage.

Bounded, because any client can reach the rating handler: each stored text is cut at
max_chars (question, answer, each citation's text), at most per_minute ratings are kept a
minute in all (FeedbackLimitError past that; counted per app process), and once the SQLite
file passes max_bytes it is rotated: renamed to <name>.1 (replacing an older .1) and a fresh
file started. A PostgreSQL database is not rotated: its operator archives it (deploy/README.md).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from rag.errors import SettingsError
from rag.privacy import mask_personal_data
from rag.settings import Settings

# Stable codes in the database, labels on the buttons.
RATINGS: dict[str, str] = {"useful": "有用", "not_useful": "没用", "wrong_source": "来源有误"}

_META = MetaData()
FEEDBACK = Table(
    "feedback",
    _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),  # UTC, ISO 8601
    Column("rating", Text, CheckConstraint("rating IN ('useful', 'not_useful', 'wrong_source')"), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON list, as in Answer.to_dict()["citations"]
    Column("refused", Integer, nullable=False),
    Column("reason", Text, nullable=False),
)
SCHEMA_VERSION = Table("schema_version", _META, Column("version", Integer, primary_key=True))


def _v1_feedback_table(db: Connection) -> None:
    # a SQLite file from before the versioned schema already has this table: kept as it is
    FEEDBACK.create(db, checkfirst=True)


# The schema's history, oldest first: version n is MIGRATIONS[n - 1]. Append; never edit a step.
MIGRATIONS = (_v1_feedback_table,)
_MIGRATION_LOCK = 0x6D696E73  # any constant the other users of the database do not use ("mins")


def migrate(db: Connection) -> int:
    """Apply the migrations this database lacks (in its transaction); returns its version."""
    if db.dialect.name == "postgresql":
        # replicas start together: without a lock two of them create the same tables at once and
        # one fails (CREATE TABLE IF NOT EXISTS is not safe against a concurrent create)
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    SCHEMA_VERSION.create(db, checkfirst=True)
    done = db.execute(select(SCHEMA_VERSION.c.version)).scalars().all()
    current = max(done, default=0)
    for version, step in enumerate(MIGRATIONS, start=1):
        if version > current:
            step(db)
            db.execute(insert(SCHEMA_VERSION).values(version=version))
    return len(MIGRATIONS)


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
    """Ratings in SQLite (path) or in the database at url; any thread may use it."""

    path: Path
    max_chars: int = 2000
    per_minute: int = 30
    max_bytes: int = 20_000_000
    url: str = ""  # a SQLAlchemy URL (postgresql+psycopg://user:pass@host/db); empty: the SQLite file at path
    _recent: list[float] = field(default_factory=list, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _engines: list[Engine] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.feedback_db,
            settings.feedback_max_chars,
            settings.feedback_per_minute,
            settings.feedback_max_bytes,
            settings.feedback_url,
        )

    def __post_init__(self) -> None:
        if self.url:
            try:
                url = make_url(self.url)
            except ArgumentError as exc:
                raise SettingsError(
                    f"MINSHENG_FEEDBACK_URL is not a database URL ({exc}); e.g. postgresql+psycopg://user@host/db"
                ) from exc
            # a pool of live connections; pre_ping replaces one the database dropped (a restart)
            engine = create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # no pool: a connection per call, so a rotated file is never written through an old handle
            engine = create_engine(f"sqlite:///{self.path}", poolclass=NullPool, connect_args={"timeout": 10})
        self._engines.append(engine)
        self._create()

    @property
    def engine(self) -> Engine:
        return self._engines[0]

    @property
    def where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True) if self.url else str(self.path)

    def _create(self) -> None:
        try:
            with self.engine.begin() as db:
                migrate(db)
        except SQLAlchemyError as exc:
            raise SettingsError(
                f"Cannot open the feedback database {self.where}: {exc.__class__.__name__}: {exc}"
            ) from exc

    def _admit(self, now: float) -> None:
        """Count a rating against the per-minute cap, or raise FeedbackLimitError."""
        with self._lock:
            self._recent[:] = [t for t in self._recent if now - t < 60]
            if len(self._recent) >= self.per_minute:
                raise FeedbackLimitError(f"more than {self.per_minute} ratings a minute")
            self._recent.append(now)

    def _rotate_if_full(self) -> None:
        if self.url:
            return  # a server database is archived by its operator, not renamed under the replicas
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size >= self.max_bytes:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
                self._create()

    def add(self, answer: Mapping[str, Any], rating: str, now: datetime | None = None) -> int:
        """Store a rating of an answer (an Answer.to_dict()); returns the row id once committed."""
        if rating not in RATINGS:
            raise ValueError(f"Unknown rating {rating!r}; expected one of {', '.join(RATINGS)}")
        self._admit(time.monotonic())
        self._rotate_if_full()
        created = (now or datetime.now(UTC)).astimezone(UTC)
        row = {
            "created_at": created.isoformat(timespec="seconds"),
            "rating": rating,
            "question": mask_personal_data(_cut(str(answer.get("question", "")), self.max_chars)),
            "answer": mask_personal_data(_cut(str(answer.get("answer", "")), self.max_chars)),
            "citations": json.dumps(_mask_json(list(answer.get("citations", [])), self.max_chars), ensure_ascii=False),
            "refused": int(bool(answer.get("refused", False))),
            "reason": _cut(str(answer.get("reason", "")), 40),
        }
        with self.engine.begin() as db:
            key = db.execute(insert(FEEDBACK).values(**row)).inserted_primary_key
        return int(key[0]) if key else 0

    def all(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first, citations decoded."""
        with self.engine.connect() as db:
            rows = db.execute(select(FEEDBACK).order_by(FEEDBACK.c.id)).mappings().all()
        return [
            {**dict(row), "citations": json.loads(row["citations"]), "refused": bool(row["refused"])} for row in rows
        ]

    def version(self) -> int:
        with self.engine.connect() as db:
            return int(
                db.execute(select(SCHEMA_VERSION.c.version).order_by(SCHEMA_VERSION.c.version.desc())).scalar() or 0
            )

    def tables(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())
