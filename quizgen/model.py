"""The core data model: :class:`Problem`, :class:`Answer`, :class:`Tolerance`, :class:`Distractor`.

These are plain frozen dataclasses with a JSON form that is a public contract (``quizgen show
--json``). Example::

    quizgen show flops.matmul --seed 7 --json
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

Number = int | float
Value = int | float | list[int] | list[float] | list[int | float]
JSON = Any


@dataclass(frozen=True)
class Tolerance:
    """How close a typed answer must be: ``|u - v| <= atol + rtol*|v|``, or within a factor.

    ``factor=k`` means log-scale grading: same sign and ``max(u/v, v/u) <= k``.
    """

    rtol: float = 0.0
    atol: float = 0.0
    factor: float | None = None

    @property
    def exact(self) -> bool:
        return self.factor is None and self.rtol == 0 and self.atol == 0

    def accepts(self, guess: float, value: float) -> bool:
        """Whether ``guess`` is within this tolerance of ``value``."""
        if not math.isfinite(guess):
            return False
        if self.factor is not None:
            if value == 0:
                return guess == 0
            if guess == 0 or (guess > 0) != (value > 0):
                return False
            ratio = guess / value
            return max(ratio, 1 / ratio) <= self.factor * (1 + 1e-12)
        # A hair of slack so that a correctly rounded decimal of an exact value passes.
        return abs(guess - value) <= self.atol + self.rtol * abs(value) + 1e-12 * abs(value)

    def to_json(self) -> dict[str, float]:
        if self.factor is not None:
            return {"factor": self.factor}
        return {"rtol": self.rtol, "atol": self.atol}

    @classmethod
    def from_json(cls, d: dict[str, float]) -> Tolerance:
        if "factor" in d:
            return cls(factor=d["factor"])
        return cls(rtol=d.get("rtol", 0.0), atol=d.get("atol", 0.0))

    def describe(self) -> str:
        """Human text: 'exact', '±0.1%', 'within a factor of 2'."""
        if self.factor is not None:
            k = self.factor
            return f"within a factor of {k:g}"
        if self.exact:
            return "exact"
        parts = []
        if self.rtol:
            parts.append(f"±{self.rtol * 100:.2g}%")
        if self.atol:
            parts.append(f"±{self.atol:.3g}")
        return " + ".join(parts)


EXACT = Tolerance()
RTOL = Tolerance(rtol=1e-3)
"""The default for closed forms: shown to 4 significant figures."""


def _num_json(v: Value) -> JSON:
    return list(v) if isinstance(v, (list, tuple)) else v


@dataclass(frozen=True)
class Answer:
    """One graded part of a problem; ``value`` is a number, or a list graded element-wise."""

    label: str
    value: Value
    unit: str | None = None
    tolerance: Tolerance = EXACT
    measured_on: str | None = None

    def __post_init__(self) -> None:
        vals = self.value if isinstance(self.value, list) else [self.value]
        for v in vals:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"Answer {self.label!r}: value must be int/float, got {v!r}")
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"Answer {self.label!r}: value is {v}; JSON has no inf/NaN")

    @property
    def values(self) -> list[Number]:
        return list(self.value) if isinstance(self.value, list) else [self.value]

    def to_json(self) -> dict[str, JSON]:
        return {
            "label": self.label,
            "value": _num_json(self.value),
            "unit": self.unit,
            "tolerance": self.tolerance.to_json(),
            "measured_on": self.measured_on,
        }

    @classmethod
    def from_json(cls, d: dict[str, JSON]) -> Answer:
        return cls(
            label=d["label"],
            value=d["value"],
            unit=d.get("unit"),
            tolerance=Tolerance.from_json(d.get("tolerance", {})),
            measured_on=d.get("measured_on"),
        )


@dataclass(frozen=True)
class Distractor:
    """A wrong answer that a specific misconception gives, and why it is wrong."""

    value: Value
    why: str

    def to_json(self) -> dict[str, JSON]:
        return {"value": _num_json(self.value), "why": self.why}

    @classmethod
    def from_json(cls, d: dict[str, JSON]) -> Distractor:
        return cls(value=d["value"], why=d["why"])


@dataclass(frozen=True)
class Problem:
    """One drawn problem: everything needed to show, grade and explain it."""

    id: str
    version: int
    seed: int
    params: dict[str, JSON]
    question: str
    solution: str
    answers: list[Answer]
    distractors: list[Distractor] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def answer(self) -> Answer:
        """The headline answer (``answers[0]``)."""
        return self.answers[0]

    def to_json(self) -> dict[str, JSON]:
        """The public ``show --json`` object (key order fixed)."""
        return {
            "id": self.id,
            "version": self.version,
            "seed": self.seed,
            "params": self.params,
            "question": self.question,
            "solution": self.solution,
            "answers": [a.to_json() for a in self.answers],
            "distractors": [d.to_json() for d in self.distractors],
            "tags": list(self.tags),
        }

    def dumps(self) -> str:
        """Canonical JSON text (same bytes for the same problem on every machine)."""
        return json.dumps(self.to_json(), ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, d: dict[str, JSON]) -> Problem:
        return cls(
            id=d["id"],
            version=d["version"],
            seed=d["seed"],
            params=d["params"],
            question=d["question"],
            solution=d["solution"],
            answers=[Answer.from_json(a) for a in d["answers"]],
            distractors=[Distractor.from_json(x) for x in d.get("distractors", [])],
            tags=list(d.get("tags", [])),
        )
