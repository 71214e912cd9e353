"""The eval gate: each metric against its bound in evals/thresholds.json.

A metric that could not be measured (no question it applies to, e.g. citation
precision when every question was refused) fails: a gate must not pass on
nothing. Latency is reported, never gated: a noisy machine must not fail CI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import MetricResult

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


@dataclass(frozen=True)
class Threshold:
    metric: str
    op: str  # "min": value >= bound; "max": value <= bound
    bound: float

    def passes(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.bound if self.op == "min" else value <= self.bound

    def __str__(self) -> str:
        return f"{'>=' if self.op == 'min' else '<='} {self.bound:g}"


@dataclass(frozen=True)
class GateFailure:
    threshold: Threshold
    value: float | None

    @property
    def metric(self) -> str:
        return self.threshold.metric

    def __str__(self) -> str:
        got = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.metric} = {got}, needs {self.threshold}"


def load_thresholds(path: Path = THRESHOLDS) -> list[Threshold]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Threshold(name, op, float(bound)) for op in ("min", "max") for name, bound in data.get(op, {}).items()]


def check(metrics: dict[str, MetricResult], thresholds: list[Threshold]) -> list[GateFailure]:
    """The thresholds not met, in file order."""
    failures = []
    for t in thresholds:
        value = metrics[t.metric].value if t.metric in metrics else None
        if not t.passes(value):
            failures.append(GateFailure(t, value))
    return failures
