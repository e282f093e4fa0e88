"""The precision policy: how precisely every answer is graded, and how that is said.

This module is the one place that decides it; every output (drill, cards, sheets, the key, the
HTML page, Moodle/QTI, ``quizgen grade``) reads the tolerance on the :class:`~quizgen.model.Answer`
and the texts made here, and applies nothing else.

- **Default: 3 significant figures.** A typed answer is right iff it lies within half a unit of the
  third significant digit of the exact value (more digits are fine when they are right).
- **2 or 4 figures, or exact**, only where the concept demands it (float bits, counts, an exactly
  representable integer) or where a named misconception would otherwise be accepted; the generator
  declares the choice with ``why`` (``sig(4, why=...)``, ``exact(why=...)``).
- **Measured answers** keep a factor tolerance ("within a factor of 2 (measured)").
- **Categorical parts** are words from a declared ``choices`` list.

Example: ``quizgen show gpu.roofline --seed 1 --json`` shows ``answers[i].precision``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from quizgen.model import SIG3, Answer, Tolerance

DEFAULT = SIG3


def sig(n: int, why: str) -> Tolerance:
    """Correct to ``n`` significant figures (2 or 4 with a reason; 3 is :data:`DEFAULT`)."""
    if n == 3:
        return DEFAULT
    if not why:
        raise ValueError("a precision other than 3 significant figures needs a reason (why=...)")
    return Tolerance(sig=n, why=why)


def exact(why: str) -> Tolerance:
    """The exact value only (float bits, counts, an exactly representable integer)."""
    if not why:
        raise ValueError("an exact answer needs a reason (why=...)")
    return Tolerance(why=why)


def absolute(step: float, why: str) -> Tolerance:
    """Within ``±step`` in the answer's unit (e.g. ±0.5 for a count of whole things)."""
    if not why:
        raise ValueError("an absolute tolerance needs a reason (why=...)")
    return Tolerance(atol=step, why=why)


def factor(k: float, why: str = "") -> Tolerance:
    """Within a factor of ``k`` (log scale): measured answers and order-of-magnitude estimates."""
    return Tolerance(factor=k, why=why)


def _num(x: float) -> str:
    """3 figures, positional down to 1e-6 (±0.00005, not ±5e-05)."""
    text = f"{x:.3g}"
    if "e+" in text and abs(x) < 1e15:
        text = f"{float(text):.0f}"
    elif "e" in text and 1e-6 <= abs(x) < 1:
        text = f"{x:.{6 - math.floor(math.log10(abs(x))) - 4}f}".rstrip("0").rstrip(".")
    if "e" in text:  # 5e-07 → 5 × 10⁻⁷
        mant, exp = text.split("e")
        sup = str(int(exp)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{mant} × 10{sup}"
    return text[:-2] if text.endswith(".0") else text


def describe(tol: Tolerance, unit: str | None = None) -> str:
    """'3 significant figures', '2 significant figures', 'exact', '±0.5 ms', 'within a factor of 2'."""
    if tol.factor is not None:
        return f"within a factor of {_num(tol.factor)}"
    if tol.sig is not None:
        return f"{tol.sig} significant figure{'s' if tol.sig != 1 else ''}"
    if tol.exact:
        return "exact"
    if tol.rtol and not tol.atol:
        # Legacy relative tolerances: say them as the figures they roughly grade.
        return f"within {_num(tol.rtol * 100)}%"
    step = f"±{_num(tol.atol)}"
    text = f"{step} {unit}" if unit else step
    if tol.rtol:
        text += f" + {_num(tol.rtol * 100)}%"
    return text


def short(tol: Tolerance, unit: str | None = None) -> str:
    """The compact form for answer lines: '3 s.f.', 'exact', '±0.5 ms', '×/÷ 2'."""
    if tol.sig is not None:
        return f"{tol.sig} s.f."
    if tol.factor is not None:
        return f"within ×{_num(tol.factor)}"
    return describe(tol, unit)


def answer_precision(a: Answer) -> str:
    """The precision text of one answer part (``Answer.precision``)."""
    if a.choices:
        return "one of: " + ", ".join(a.choices)
    text = describe(a.tolerance, a.unit)
    if a.measured_on is not None and a.tolerance.factor is not None:
        text += " (measured)"
    return text


def answer_short(a: Answer) -> str:
    """The compact precision of one answer part, for an answer line ("3 s.f.")."""
    if a.choices:
        return "choose one"
    text = short(a.tolerance, a.unit)
    if a.measured_on is not None and a.tolerance.factor is not None:
        text += " (measured)"
    return text


def sentence(answers: Sequence[Answer]) -> str:
    """The closing sentence that tells the reader what precision is expected, e.g.
    'Give your answer to 3 significant figures.' or
    'Give blocks per SM exactly and occupancy to 3 significant figures.' ('' if all categorical)."""
    numeric = [a for a in answers if not a.choices]
    if not numeric:
        return ""
    texts = [_phrase(a) for a in numeric]
    if len(set(texts)) == 1:
        plural = "answers" if len(numeric) > 1 or isinstance(numeric[0].value, list) else "answer"
        return f"Give your {plural} {texts[0]}."
    from quizgen.render.labels import is_symbol, label_text

    # A symbol names its part (Δθ, θ₅, N); a label in words may not read as a noun ("per SM"),
    # so such a part is named by its number, as the questions do ("Part 2: ...").
    index = {id(a): i + 1 for i, a in enumerate(answers)}
    names = [label_text(a.label) if is_symbol(a.label) or (len(a.label) <= 3 and " " not in a.label)
             else f"part {index[id(a)]}" for a in numeric]
    parts = [f"{n} {t}" for n, t in zip(names, texts, strict=True)]
    return "Give " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."


def _phrase(a: Answer) -> str:
    tol = a.tolerance
    if tol.factor is not None:
        what = "the measured value" if a.measured_on is not None else "the exact value"
        return f"within a factor of {_num(tol.factor)} of {what}"
    if tol.sig is not None:
        return f"to {describe(tol)}"
    if tol.exact:
        return "exactly"
    text = describe(tol, a.unit)
    return text if text.startswith("within") else f"to within {text}"


def match_choice(text: str, choices: Sequence[str]) -> str | None:
    """The choice a learner meant: the word itself or an unambiguous prefix, ignoring case,
    spaces and hyphens ('compute', 'Compute bound', 'c' → 'compute-bound'); ``None`` if no or
    several choices match."""
    def norm(s: str) -> str:
        return "".join(ch for ch in s.casefold() if ch.isalnum())

    t = norm(text)
    if not t:
        return None
    exact_hits = [c for c in choices if norm(c) == t]
    if exact_hits:
        return exact_hits[0]
    hits = [c for c in choices if norm(c).startswith(t)]
    return hits[0] if len(hits) == 1 else None
