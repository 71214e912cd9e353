"""Read-aloud: figures spoken as Chinese, the engine registry, the cache, and real espeak-ng audio."""

from __future__ import annotations

import shutil
import wave
from io import BytesIO

import pytest

from rag.errors import SettingsError
from rag.settings import Settings
from rag.speech import ENGINES, EspeakNg, Speaker, make_engine
from rag.spoken import integer, spoken_text


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("3657所", "三千六百五十七所"),
        ("18.3%", "百分之十八点三"),
        ("1.5万余张", "一点五万余张"),
        ("11381个", "一万一千三百八十一个"),
        ("1,166个", "一千一百六十六个"),
        ("1010", "一千零一十"),
        ("10086", "一万零八十六"),
        ("15", "十五"),
        ("2024年", "二零二四年"),
        ("请拨打12345。", "请拨打一二三四五。"),
        ("有93家[1]。", "有九十三家。"),
    ],
)
def test_figures_are_read_as_a_chinese_listener_expects(written, spoken):
    assert spoken_text(written) == spoken


def test_large_numbers_keep_their_zeros():
    assert integer(100000) == "十万"
    assert integer(1000000001) == "十亿零一"
    assert integer(0) == "零"


class CountingEngine:
    name = "counting"

    def __init__(self):
        self.texts: list[str] = []

    def available(self) -> bool:
        return True

    def synthesize(self, text: str) -> bytes:
        self.texts.append(text)
        return b"RIFF" + text.encode()


def test_speaker_makes_audio_once_per_text_and_keeps_only_recent_files(tmp_path):
    engine = CountingEngine()
    speaker = Speaker(engine, tmp_path, keep=2)
    first = speaker.speak("全市有93家养老机构[1]。")
    assert first is not None and first.read_bytes() == "RIFF全市有九十三家养老机构。".encode()
    assert speaker.speak("全市有93家养老机构[1]。") == first and len(engine.texts) == 1
    speaker.speak("二")
    speaker.speak("三")
    assert not first.exists() and len(list(tmp_path.iterdir())) == 2


def test_speaker_without_an_engine_gives_no_audio(tmp_path):
    assert Speaker(None, tmp_path).speak("有93家。") is None
    assert not Speaker(None, tmp_path).enabled


def test_engines_are_chosen_by_settings_through_the_registry():
    assert {"espeak-ng", "off"} <= set(ENGINES)
    assert make_engine(Settings(speech_engine="off")) is None
    with pytest.raises(SettingsError, match="espeak-ng"):
        make_engine(Settings(speech_engine="nope"))


def test_a_missing_engine_program_turns_read_aloud_off(monkeypatch):
    monkeypatch.setitem(ENGINES, "absent", lambda s: EspeakNg(program="no-such-espeak-program"))
    assert make_engine(Settings(speech_engine="absent")) is None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng (apt-get install espeak-ng)")
def test_espeak_ng_reads_an_answer_with_figures_as_mandarin_audio(tmp_path):
    speaker = Speaker(make_engine(Settings()), tmp_path)
    path = speaker.speak("全市共有3657所学校，占18.3%，床位1.5万余张[1]。")
    assert path is not None
    with wave.open(BytesIO(path.read_bytes())) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 3  # about twenty syllables of speech, not an empty file
