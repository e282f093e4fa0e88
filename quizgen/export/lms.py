"""What the LMS exporters share: numeric ranges from tolerances and plain number text."""

from __future__ import annotations

from dataclasses import dataclass

from quizgen.model import Answer, Number, Problem


@dataclass(frozen=True)
class NumericRange:
    """An LMS-friendly answer: ``center ± margin`` (absolute), and the true value it stands for."""

    center: float
    margin: float
    value: Number
    factor: float | None = None

    @property
    def low(self) -> float:
        return self.center - self.margin

    @property
    def high(self) -> float:
        return self.center + self.margin


def numeric_range(answer: Answer, value: Number) -> NumericRange:
    """Absolute margin from the answer's grading tolerance. "Within a factor k" is a log-scale
    range that an LMS cannot encode: we give its midpoint and half-width (FORMATS.md §4)."""
    tol = answer.tolerance
    v = float(value)
    if tol.factor is not None:
        k = tol.factor
        lo, hi = sorted((v / k, v * k))
        return NumericRange((lo + hi) / 2, (hi - lo) / 2, value, k)
    return NumericRange(v, tol.half_unit(value), value)


def num_text(x: Number) -> str:
    """Plain decimal text for XML: ints exactly (below 2^53), floats via ``repr``."""
    if isinstance(x, int) and abs(x) < 2**53:
        return str(x)
    r = repr(float(x))
    return r


def answer_parts(problem: Problem) -> list[tuple[Answer, int | None, Number]]:
    """Every graded number: (answer, index within a vector or None, value)."""
    out: list[tuple[Answer, int | None, Number]] = []
    for a in problem.answers:
        if isinstance(a.value, list):
            out += [(a, i, v) for i, v in enumerate(a.value)]
        else:
            out.append((a, None, a.value))
    return out


def part_label(answer: Answer, index: int | None) -> str:
    return answer.label if index is None else f"{answer.label}[{index + 1}]"
