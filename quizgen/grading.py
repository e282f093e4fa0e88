"""Grading typed answers against an :class:`~quizgen.model.Answer` and its tolerance.

The tolerance on the answer is the whole rule (the precision policy, :mod:`quizgen.precision`):
what ``show --json`` prints is exactly what the drill, the HTML page, the LMS exports, ``check``
and ``quizgen grade`` apply. A categorical part accepts its word (or an unambiguous prefix).
"""

from __future__ import annotations

from collections.abc import Sequence

from quizgen.model import Answer, Number, Tolerance


def effective_tolerance(answer: Answer, value: Number) -> Tolerance:
    """The tolerance that grades ``value`` (kept for callers; it is ``answer.tolerance``)."""
    return answer.tolerance


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
    values = answer.values
    guesses: list[Number] = list(guess) if isinstance(guess, (list, tuple)) else [guess]  # type: ignore[list-item]
    if len(guesses) != len(values):
        return False
    pairs = zip(guesses, values, strict=True)
    return all(answer.tolerance.accepts(float(g), float(v)) for g, v in pairs)
