"""Personal data in residents' text: found before answering, masked before storing.

Residents sometimes type their phone or ID number into a public kiosk. The
assistant never needs them, so questions carrying them are declined and any
stored text (feedback) is masked.
"""

from __future__ import annotations

import re

# Mainland ID card (18 chars, last may be X), mobile numbers (optionally +86), landlines (0371-xxxxxxxx).
_PATTERNS = {
    "身份证号": re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"),
    "手机号": re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),
    "电话号码": re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),
}


def find_personal_data(text: str) -> list[str]:
    """The kinds of personal data in text (e.g. ["手机号"]), in a fixed order."""
    return [kind for kind, pattern in _PATTERNS.items() if pattern.search(text)]


def mask_personal_data(text: str) -> str:
    """Replace every phone or ID number with a mask that keeps its kind."""
    for kind, pattern in _PATTERNS.items():
        text = pattern.sub(f"[{kind}已隐藏]", text)
    return text
