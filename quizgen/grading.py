"""Grading typed numbers against an :class:`~quizgen.model.Answer` and its tolerance.

Exact integer answers of 10⁶ or more are graded with rtol 1e-4, so that ``5.88e22`` passes for
``58800000000000000000000`` while ``value`` stays the exact int (CATALOGUE.md, answer conventions).
"""

from __future__ import annotations

from collections.abc import Sequence

from quizgen.model import Answer, Number, Tolerance

BIG_EXACT_RTOL = 1e-4


def effective_tolerance(answer: Answer, value: Number) -> Tolerance:
    tol = answer.tolerance
    if tol.exact and abs(value) >= 1e6:
        return Tolerance(rtol=BIG_EXACT_RTOL)
    return tol


def accepts(answer: Answer, guess: Number | Sequence[Number]) -> bool:
    """Whether ``guess`` (a number, or a list for a vector answer) is right."""
    values = answer.values
    guesses: list[Number] = list(guess) if isinstance(guess, (list, tuple)) else [guess]  # type: ignore[list-item]
    if len(guesses) != len(values):
        return False
    pairs = zip(guesses, values, strict=True)
    return all(effective_tolerance(answer, v).accepts(float(g), float(v)) for g, v in pairs)
