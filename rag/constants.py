"""Constants shared by the answerer, the LLM backend and the page: defined once, imported everywhere."""

from __future__ import annotations

import re

# The citizen service hotline (12345 in every Chinese city): the one figure an answer may state without a source.
HOTLINE = "12345"

# A citation marker in an answer's text: "[1]", "[2]" ... (group 1: the number).
MARKER = re.compile(r"\[(\d+)\]")
NATION = "全国"  # the whole country, as a place a question may ask about (no article of a city covers it)
