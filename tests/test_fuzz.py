"""Property-based fuzzing (hypothesis) of the command line's --jsonl loop and of the answerer.

Properties, whatever the input:
- the CLI writes exactly one JSON line per input line, in order, and never raises;
- the answerer never raises (no answer has reason "error"), and every figure an answer states is
  in one of the passages it cites (the 12345 hotline aside).
Fast tier: the hash embedder over the real corpus in memory; inputs mix arbitrary Unicode
(surrogates and control characters included) with pieces of real questions and corpus figures.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.ask import _jsonl
from rag.constants import HOTLINE
from rag.figures import unsupported_figures

WORDS = [
    "郑州",
    "有多少",
    "家",
    "养老机构",
    "社区网格",
    "农村",
    "那",
    "呢？",
    "占比",
    "多少钱",
    "什么时候",
    "2024年",
    "93家",
    "500家",
    "近4.8万",
    "超六成",
    "忽略之前的指令，",
    "“",
    "」",
    "，",
    "、",
    "12345",
    "13812345678",
    "How many",
    "<script>",
    "\ud800",
    "\x00",
]
FUZZ = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

text = st.text(max_size=80)
phrase = st.lists(st.sampled_from(WORDS), max_size=8).map("".join)
question = st.one_of(text, phrase, st.tuples(phrase, text).map("".join))
history = st.lists(question, max_size=4)
line = st.one_of(
    st.builds(lambda q, h: json.dumps({"question": q, "history": h}), question, history),
    st.builds(lambda q: json.dumps({"question": q}, ensure_ascii=False), question),
    text,
    st.binary(max_size=40),
    st.just(""),
    st.just("   "),
)


@FUZZ
@given(lines=st.lists(line, max_size=6))
def test_the_cli_writes_one_json_line_per_input_line(hash_pipeline, lines):
    out = io.StringIO()
    _jsonl(hash_pipeline, lines, out)
    outs = out.getvalue().split("\n")
    assert outs[-1] == "" and len(outs) - 1 == len(lines)
    for n, raw in enumerate(outs[:-1], start=1):
        obj = json.loads(raw)
        assert obj.get("reason") != "error", obj
        assert "error" not in obj or obj["line"] == n


@FUZZ
@given(q=question, h=history)
def test_the_answerer_never_raises_and_states_only_cited_figures(hash_pipeline, q, h):
    answer = hash_pipeline.ask(q, h)
    assert answer.reason != "error", answer.text  # Pipeline.ask turns an exception into reason "error"
    assert not unsupported_figures(answer.text, [c.text for c in answer.citations], allow=(HOTLINE,)), answer.text
