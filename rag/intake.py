"""The edge every question passes before it is answered: clean text, no personal data, bounded history.

take_in(question, history, settings) -> Intake:
- text is sanitised: lone surrogates (an invalid byte in a command-line argument arrives as one),
  control and format characters, private-use and non-characters are removed, so nothing
  downstream (the JSON writer, the log, jieba) meets a character it cannot handle;
- personal data is masked in what is shown, stored and logged (`shown`, `history`) and removed
  from what is answered (`asked`), with a notice naming its kind;
- the history is bounded by Settings (items, characters per item, characters in all): the oldest
  items go first, an over-long item is dropped whole, and a notice says so.

Notices never state a figure: every figure an answer states must be in a cited passage.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rag.privacy import find_personal_data, mask_personal_data, remove_personal_data
from rag.settings import Settings

_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}


def clean_text(value: object) -> str:
    """A string safe to answer, print and store: not a string -> ""; line breaks and tabs -> a space;
    surrogates, control, format, private-use and unassigned characters removed."""
    if not isinstance(value, str):
        return ""
    out = []
    for ch in value:
        if ch in _SPACES:
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP_CATEGORIES:
            out.append(ch)
    return "".join(out)


def decode_line(raw: bytes | str) -> str:
    """One input line as text: invalid UTF-8 bytes become U+FFFD, never an exception."""
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw


@dataclass(frozen=True)
class Intake:
    """A question ready to answer."""

    asked: str  # what the answerer sees: personal data removed
    shown: str  # what may be shown, stored and logged: personal data masked
    history: tuple[str, ...]  # earlier questions kept, oldest first, personal data removed
    notices: tuple[str, ...] = ()  # what was removed or dropped, in the resident's language


def bound_history(history: list[str], settings: Settings) -> tuple[list[str], list[str]]:
    """The newest history items that fit the settings' bounds, oldest first, and a notice for each kind of drop."""
    notices = []
    too_long = [h for h in history if len(h) > settings.max_history_item_chars]
    if too_long:
        notices.append("前面对话中过长的问题没有参考。")
    fitting = [h for h in history if len(h) <= settings.max_history_item_chars]
    kept: list[str] = []
    total = 0
    for item in reversed(fitting):  # newest first: a follow-up leans on the latest question
        if len(kept) >= settings.max_history_items or total + len(item) > settings.max_history_chars:
            notices.append("对话较长，只参考了最近的几个问题。")
            break
        kept.append(item)
        total += len(item)
    return kept[::-1], notices


def take_in(question: object, history: object, settings: Settings) -> Intake:
    """Clean the question and its history, take out personal data, and bound the history."""
    text = clean_text(question)
    kinds = find_personal_data(text)
    items = [clean_text(h).strip() for h in history] if isinstance(history, (list, tuple)) else []
    items = [h for h in items if h]
    if any(find_personal_data(h) for h in items):
        items = [remove_personal_data(h).strip() for h in items]
    kept, notices = bound_history(items, settings)
    if kinds:
        notices.insert(0, f"为保护您的隐私，已去掉您填写的{'、'.join(kinds)}，请勿在提问中填写个人信息。")
    asked = remove_personal_data(text) if kinds else text
    return Intake(asked, mask_personal_data(text) if kinds else text, tuple(kept), tuple(notices))
