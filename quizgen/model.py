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
    """How close a typed answer must be. One of four kinds (the precision policy,
    :mod:`quizgen.precision`, chooses which and says it in words):

    - ``sig=n``: correct to ``n`` significant figures, i.e. within half a unit of the n-th
      significant digit of the exact value (``|u - v| <= 0.5 * 10**(floor(log10|v|) - n + 1)``);
    - exact (everything zero): the exact value only;
    - ``atol``/``rtol``: ``|u - v| <= atol + rtol*|v|`` (a fixed absolute step, e.g. ±0.5 ms);
    - ``factor=k``: log-scale, same sign and ``max(u/v, v/u) <= k`` (measured answers).

    ``why`` records the reason for any choice other than the default 3 significant figures; it
    is documentation, not part of the grading or the JSON.
    """

    rtol: float = 0.0
    atol: float = 0.0
    factor: float | None = None
    sig: int | None = None
    why: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.sig is not None and not 1 <= self.sig <= 17:
            raise ValueError(f"sig must be 1..17, got {self.sig}")

    @property
    def exact(self) -> bool:
        return self.factor is None and self.sig is None and self.rtol == 0 and self.atol == 0

    def half_unit(self, value: float) -> float:
        """The absolute slack this tolerance allows around ``value`` (0 for exact; for factor
        tolerances the distance to the upper bound)."""
        if self.factor is not None:
            return abs(value) * (self.factor - 1)
        if self.sig is not None:
            return sig_half_unit(value, self.sig)
        return self.atol + self.rtol * abs(value)

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
        return abs(guess - value) <= self.half_unit(value) + 1e-12 * abs(value)

    def to_json(self, values: list[Number] | None = None) -> dict[str, JSON]:
        """The grading tolerance as JSON. For ``sig``, ``atol`` is the absolute half unit for
        each value (a number for a scalar answer, a list for a vector), so a client can grade
        with ``|u - v| <= atol`` alone."""
        if self.factor is not None:
            return {"factor": self.factor}
        if self.sig is not None:
            units = [sig_half_unit(v, self.sig) for v in (values or [])]
            atol: JSON = units[0] if len(units) == 1 else units
            return {"sig": self.sig, "rtol": 0, "atol": atol}
        return {"rtol": self.rtol, "atol": self.atol}

    @classmethod
    def from_json(cls, d: dict[str, JSON]) -> Tolerance:
        if "factor" in d:
            return cls(factor=d["factor"])
        if "sig" in d:
            return cls(sig=int(d["sig"]))
        return cls(rtol=d.get("rtol", 0.0), atol=d.get("atol", 0.0))

    def describe(self, unit: str | None = None) -> str:
        """Human text: '3 significant figures', 'exact', '±0.5 ms', 'within a factor of 2'."""
        from quizgen.precision import describe

        return describe(self, unit)


def sig_half_unit(value: float | int, sig: int) -> float:
    """Half a unit of the ``sig``-th significant digit of ``value`` (0 for 0)."""
    if value == 0:
        return 0.0
    if isinstance(value, int):
        e = len(str(abs(value))) - 1
    else:
        e = math.floor(math.log10(abs(value)))
        # log10 can be off by one at exact powers of ten and for values just below them.
        if 10.0**e > abs(value):
            e -= 1
        elif 10.0 ** (e + 1) <= abs(value):
            e += 1
    return 0.5 * 10.0 ** (e - sig + 1)


SIG3 = Tolerance(sig=3)
"""The default: correct to 3 significant figures (the precision policy)."""
EXACT = Tolerance()


def _num_json(v: Value) -> JSON:
    return list(v) if isinstance(v, (list, tuple)) else v


@dataclass(frozen=True)
class Answer:
    """One graded part of a problem; ``value`` is a number, or a list graded element-wise, or —
    for a categorical part — one of the words in ``choices`` (``"compute-bound"``)."""

    label: str
    value: Value | str
    unit: str | None = None
    tolerance: Tolerance = SIG3
    measured_on: str | None = None
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.value, str) or self.choices:
            if not isinstance(self.value, str) or self.value not in self.choices:
                raise ValueError(f"Answer {self.label!r}: categorical value {self.value!r} "
                                 f"must be one of choices {list(self.choices)}")
            if len(set(self.choices)) != len(self.choices) or len(self.choices) < 2:
                raise ValueError(f"Answer {self.label!r}: choices must be ≥ 2 distinct words")
            object.__setattr__(self, "choices", tuple(self.choices))
            return
        vals = self.value if isinstance(self.value, list) else [self.value]
        for v in vals:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"Answer {self.label!r}: value must be int/float, got {v!r}")
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"Answer {self.label!r}: value is {v}; JSON has no inf/NaN")

    @property
    def categorical(self) -> bool:
        return bool(self.choices)

    @property
    def values(self) -> list[Number]:
        """The numeric values (empty for a categorical part)."""
        if isinstance(self.value, str):
            return []
        return list(self.value) if isinstance(self.value, list) else [self.value]

    @property
    def precision(self) -> str:
        """The human text of how this part is graded ("3 significant figures", "exact",
        "within a factor of 2 (measured)", "one of: compute-bound, memory-bound")."""
        from quizgen.precision import answer_precision

        return answer_precision(self)

    def to_json(self) -> dict[str, JSON]:
        d: dict[str, JSON] = {
            "label": self.label,
            "value": self.value if isinstance(self.value, str) else _num_json(self.value),
            "unit": self.unit,
            "tolerance": self.tolerance.to_json(self.values),
            "precision": self.precision,
            "measured_on": self.measured_on,
        }
        if self.choices:
            d["choices"] = list(self.choices)
        return d

    @classmethod
    def from_json(cls, d: dict[str, JSON]) -> Answer:
        return cls(
            label=d["label"],
            value=d["value"],
            unit=d.get("unit"),
            tolerance=Tolerance.from_json(d.get("tolerance", {})),
            measured_on=d.get("measured_on"),
            choices=tuple(d.get("choices", ())),
        )


@dataclass(frozen=True)
class Distractor:
    """A wrong answer that a specific misconception gives, and why it is wrong."""

    value: Value | str
    why: str

    def to_json(self) -> dict[str, JSON]:
        return {"value": self.value if isinstance(self.value, str) else _num_json(self.value), "why": self.why}

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
