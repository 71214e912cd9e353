"""Read-aloud: answer text -> Mandarin WAV audio, made on the server, offline, cached by text.

Engines register by name in ENGINES and are chosen by `Settings.speech_engine`
(MINSHENG_SPEECH_ENGINE); the built-in ones register the same way:
- "espeak-ng": Debian's espeak-ng (apt-get install espeak-ng; ./run.sh installs it when root)
- "off": no read-aloud; the page shows no 朗读 buttons

A missing engine program is not an error: the page works without audio. The cache holds
only answer text and its audio (answers never carry a resident's personal data: questions
with it are declined), in memory, bounded.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from rag.errors import SettingsError
from rag.settings import Settings
from rag.spoken import spoken_text

log = logging.getLogger(__name__)

_MAX_CHARS = 1200  # an answer longer than this is cut: nobody listens to more at a kiosk


class SpeechEngine(Protocol):
    name: str

    def available(self) -> bool: ...

    def synthesize(self, text: str) -> bytes:
        """Spoken Chinese text -> WAV bytes; raises OSError or subprocess errors on failure."""
        ...


ENGINES: dict[str, Callable[[Settings], SpeechEngine | None]] = {}


def register(name: str):
    def wrap(factory: Callable[[Settings], SpeechEngine | None]):
        ENGINES[name] = factory
        return factory

    return wrap


class EspeakNg:
    """espeak-ng as a subprocess: text on stdin, WAV on stdout. Small, offline, intelligible."""

    name = "espeak-ng"

    def __init__(self, voice: str = "cmn", words_per_minute: int = 150, program: str = "espeak-ng"):
        self.voice, self.speed, self.program = voice, words_per_minute, program

    def available(self) -> bool:
        return shutil.which(self.program) is not None

    def synthesize(self, text: str) -> bytes:
        command = [self.program, "-v", self.voice, "-s", str(self.speed), "--stdout"]
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=30, check=True)
        return done.stdout


@register("espeak-ng")
def _espeak(settings: Settings) -> SpeechEngine:
    return EspeakNg(voice=settings.speech_voice, words_per_minute=settings.speech_speed)


@register("off")
def _off(settings: Settings) -> None:
    return None


def make_engine(settings: Settings) -> SpeechEngine | None:
    """The engine the settings name; None when read-aloud is off or the engine is not installed."""
    factory = ENGINES.get(settings.speech_engine)
    if factory is None:
        raise SettingsError(
            f"Unknown speech_engine {settings.speech_engine!r}. Choose one of: {', '.join(sorted(ENGINES))} "
            "(MINSHENG_SPEECH_ENGINE)."
        )
    engine = factory(settings)
    if engine is not None and not engine.available():
        log.warning("read-aloud is off: %s is not installed (Debian: apt-get install espeak-ng)", engine.name)
        return None
    return engine


class Speaker:
    """Answer text -> a WAV file, made once per distinct text and kept while it is recent."""

    def __init__(self, engine: SpeechEngine | None, folder: Path, hotline: str = "12345", keep: int = 64):
        self.engine, self.folder, self.hotline, self.keep = engine, folder, hotline, keep
        self._files: OrderedDict[str, Path] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.engine is not None

    def speak(self, answer_text: str) -> Path | None:
        """The audio file for an answer, or None when there is no engine or it failed (logged)."""
        text = spoken_text(answer_text, self.hotline).strip()[:_MAX_CHARS]
        if self.engine is None or not text:
            return None
        key = hashlib.sha256(f"{self.engine.name}\0{text}".encode()).hexdigest()[:24]
        with self._lock:
            if key in self._files and self._files[key].exists():
                self._files.move_to_end(key)
                return self._files[key]
            try:
                audio = self.engine.synthesize(text)
            except (OSError, subprocess.SubprocessError) as exc:
                log.error("read-aloud failed: %s", exc)
                return None
            if not audio:
                return None
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{key}.wav"
            path.write_bytes(audio)
            self._files[key] = path
            while len(self._files) > self.keep:
                _, old = self._files.popitem(last=False)
                old.unlink(missing_ok=True)
            return path
