"""Small helpers that generators share: exact decimals, exact-or-float answers, distractor
filtering and deterministic RNGs for simulation checks."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeVar

from quizgen.grading import accepts
from quizgen.model import Answer, Distractor
from quizgen.rng import derive_seed


def exact_decimal(x: int | float) -> Fraction:
    """The decimal a person typed, exactly: ``exact_decimal(0.1) == Fraction(1, 10)`` (not the
    nearest binary double)."""
    return Fraction(x) if isinstance(x, int) else _decimal_of(float(x))


@functools.lru_cache(maxsize=1 << 14)
def _decimal_of(x: float) -> Fraction:
    """:func:`exact_decimal` of a float, ``Fraction(repr(x))``, cached (the same inputs come back
    many times: a generator's validate, solve and render each convert its params). The repr's
    digits and exponent are read directly, half the time of Fraction's string parser; what is not
    ``[-]digits[.digits][e±digits]`` (inf, nan) goes to the parser and its error."""
    r = repr(x)
    mant, _, exp = r.partition("e")
    whole, _, frac = mant.partition(".")
    try:
        digits = int(whole + frac)
    except ValueError:
        return Fraction(r)
    e = (int(exp) if exp else 0) - len(frac)
    return Fraction(digits * 10**e) if e >= 0 else Fraction(digits, 10**-e)


def over_common_denominator(fs: Iterable[Fraction]) -> tuple[int, list[int]]:
    """(den, [f·den for f]): exact rationals as integers over their least common denominator, so
    that sums of them and of their products need no Fraction arithmetic (Σf = ΣF/den; a mean is
    ``Fraction(ΣF, n·den)``)."""
    fs = list(fs)
    den = math.lcm(*(f.denominator for f in fs))
    return den, [f.numerator * (den // f.denominator) for f in fs]


def scaled_decimals(values: Sequence[int | float]) -> tuple[int, list[int]]:
    """:func:`over_common_denominator` of the exact decimals of ``values`` (:func:`exact_decimal`);
    integers alone are already over 1."""
    if all(type(v) is int for v in values):
        return 1, list(values)  # type: ignore[arg-type]
    return over_common_denominator(map(exact_decimal, values))


T = TypeVar("T")


def memo(store: dict[str, Any], key: str, compute: Callable[[], T], size: int = 256) -> T:
    """``compute()``, once per ``key`` while it stays in ``store`` (emptied when it holds ``size``).

    For the exact work that a generator's validate, solve, render and distractors each redo on the
    same params: key it by ``repr`` of the params it reads (which tells 1, 1.0 and True apart), and
    return only immutable values (or copy them). Exceptions are not stored."""
    if key in store:
        out: T = store[key]
        return out
    value = compute()
    if len(store) >= size:
        store.clear()
    store[key] = value
    return value


def _types(value: Any) -> Any:
    """The types inside ``value`` (nested tuples followed)."""
    return tuple(map(_types, value)) if type(value) is tuple else type(value)


def typed_cache(maxsize: int = 256) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``functools.lru_cache(maxsize)`` keyed also by the type of every number inside the
    arguments (tuples followed): ``2**60`` and ``2.0**60`` are equal and hash alike, so a plain
    cache would hand one the other's result, but a generator reads them as different decimals
    (:func:`exact_decimal`). For exact work on tuples of a user's numbers."""
    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(types: Any, *args: Any) -> T:
            return fn(*args)

        @functools.wraps(fn)
        def wrapper(*args: Any) -> T:
            return cached(_types(args), *args)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper
    return decorate


def as_number(x: Fraction) -> int | float:
    """An exact int when the value is whole, else the nearest float."""
    return int(x) if x.denominator == 1 else float(x)


def keep_wrong(head: Answer, ds: Iterable[Distractor], merge: bool = False) -> list[Distractor]:
    """Distractors in order, dropping any that ``head`` would accept as right for these params.
    A repeat of an earlier value is dropped, or with ``merge`` joined to it ("…; or …") so that the
    reason shown is never the wrong one."""
    out: list[Distractor] = []
    for d in ds:
        if accepts(head, d.value):
            continue
        same = next((i for i, o in enumerate(out) if o.value == d.value), None)
        if same is None:
            out.append(d)
        elif merge:
            out[same] = Distractor(d.value, f"{out[same].why}; or {d.why}")
    return out


def check_rng(gen_id: str, params: Mapping[str, Any]) -> Any:
    """A NumPy generator seeded from the problem's params, so every simulation check is
    deterministic."""
    import numpy as np

    return np.random.default_rng(derive_seed("check", gen_id, params))
