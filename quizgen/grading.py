"""Grading typed answers against an :class:`~quizgen.model.Answer` and its tolerance.

The tolerance on the answer is the whole rule (the precision policy, :mod:`quizgen.precision`):
what ``show --json`` prints is exactly what the drill, the HTML page, the LMS exports, ``check``
and ``quizgen grade`` apply. A categorical part accepts its word (or an unambiguous prefix).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from quizgen.model import Answer, Number


def accepts(answer: Answer, guess: Number | str | Sequence[Number]) -> bool:
    """Whether ``guess`` (a number, a list for a vector answer, or a word for a categorical
    part) is right."""
    if answer.choices:
        if not isinstance(guess, str):
            return False
        from quizgen.precision import match_choice

        return match_choice(guess, answer.choices) == answer.value
    if isinstance(guess, str):
        return False
    tol = answer.tolerance
    value = answer.value
    if not isinstance(value, list):  # a scalar (most answers): the same test, without the lists
        if isinstance(guess, (list, tuple)):
            if len(guess) != 1:
                return False
            guess = guess[0]
        if tol.exact and isinstance(value, int):
            return _exact_int(guess, value)  # type: ignore[arg-type]
        return tol.accepts(float(guess), float(value))  # type: ignore[arg-type]
    values = answer.values
    guesses: list[Number] = list(guess) if isinstance(guess, (list, tuple)) else [guess]  # type: ignore[list-item]
    if len(guesses) != len(values):
        return False
    pairs = zip(guesses, values, strict=True)
    return all(_exact_int(g, v) if tol.exact and isinstance(v, int) else tol.accepts(float(g), float(v))
               for g, v in pairs)


def _exact_int(guess: Number, value: int) -> bool:
    """An exact integer is compared exactly: 2^53 is not 2^53 + 1, though both are one float."""
    if isinstance(guess, float) and not math.isfinite(guess):
        return False
    return Fraction(guess) == value
