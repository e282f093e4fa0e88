"""Units: time conversions, half-power-of-ten arithmetic, PF/s-days, decimal and binary bytes.
Example::

    quizgen show units.time --param quantity=1 --param from=year --param to=s
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from quizgen import precision
from quizgen.checking import assert_close, require
from quizgen.errors import ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number as _number
from quizgen.gentools import keep_wrong
from quizgen.grading import accepts
from quizgen.model import Answer, Distractor, Value
from quizgen.params import Param
from quizgen.render.numbers import tex
from quizgen.rng import Rng


def _distinct(head: Answer, cands: list[tuple[Value, str]]) -> list[Distractor]:
    """Distractors in order, without any that ``head`` would accept."""
    return keep_wrong(head, (Distractor(v, why) for v, why in cands))




def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


# -- time ----------------------------------------------------------------------------------------

TIME_UNITS = ("s", "min", "h", "day", "week", "year")
SECONDS = {"s": 1, "min": 60, "h": 3600, "day": 86_400, "week": 604_800, "year": 31_557_600}
"""Seconds per unit; the year is Julian (365.25 days)."""
_TIME_WORDS = {"s": "second", "min": "minute", "h": "hour", "day": "day", "week": "week", "year": "year"}


def _time_words(qty: float, unit: str) -> str:
    return _TIME_WORDS[unit] + ("" if qty == 1 else "s")


class TimeUnits(Generator):
    """Convert a duration between s, min, h, day, week and (Julian) year.

    Example: ``quizgen show units.time --param quantity=1 --param from=year --param to=s``
    """

    id = "units.time"
    version = 1
    form = ("from", "to")
    title = "What is this quantity in the other unit?"
    tags = ("time", "conversion")
    params = (
        Param("quantity", "float", "the duration, in the unit `from`", lo=1, hi=2e10, min=1e-100, max=1e100),
        Param("from", "str", "the unit the duration is given in", choices=TIME_UNITS),
        Param("to", "str", "the unit to convert to", choices=TIME_UNITS),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        # Never the same unit twice unless the user fixes both ("how many hours in 3 hours?").
        src = fixed.get("from") or rng.choice([u for u in TIME_UNITS if u != fixed.get("to")])
        dst = fixed.get("to") or rng.choice([u for u in TIME_UNITS if u != src])
        per = SECONDS[src] / SECONDS[dst]  # `to` units in one `from` unit
        # Aim for an answer between about 1 and 1000 of the target unit.
        lo, hi = (1.0, 100.0) if per >= 1 else (1 / per, 1000 / per)
        return {"quantity": _whole(rng.nice(lo, hi, sig=2)), "from": src, "to": dst}

    def solve(self, p: Params) -> list[Answer]:
        v = Fraction(p["quantity"]) * SECONDS[p["from"]] / SECONDS[p["to"]]
        return [Answer("duration", _number(v), p["to"])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        qty, src, dst = p["quantity"], p["from"], p["to"]
        julian = " Use the Julian year of 365.25 days." if "year" in (src, dst) else ""
        q = f"How many {_time_words(2, dst)} are in \\({tex(qty)}\\) {_time_words(qty, src)}?{julian}"
        facts = [f"1 {u} = \\({tex(SECONDS[u])}\\ \\text{{s}}\\)" for u in dict.fromkeys((src, dst)) if u != "s"]
        s = (f"In seconds: {' and '.join(facts)}. "
             f"\\[{tex(qty)} \\times \\frac{{{tex(SECONDS[src])}}}{{{tex(SECONDS[dst])}}} = "
             f"{tex(answers[0].value)}\\ \\text{{{dst if dst in ('s', 'min', 'h') else _time_words(2, dst)}}}\\] "
             "Handy anchors: a day is \\(86\\,400 \\approx 10^5\\) s, an hour \\(3600 \\approx 3 \\times 10^3\\) s, "
             "a year \\(\\approx \\pi \\times 10^7 \\approx 3 \\times 10^7\\) s.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        qty, src, dst = Fraction(p["quantity"]), p["from"], p["to"]

        def rough(u: str) -> Fraction:  # a day taken as exactly 1e5 s
            return Fraction(SECONDS[u]) if SECONDS[u] < SECONDS["day"] else Fraction(SECONDS[u] * 100_000, 86_400)

        return _distinct(answers[0], [
            (_number(qty * SECONDS[dst] / SECONDS[src]), "converts the wrong way: multiplies where it should divide"),
            (_number(qty * rough(src) / rough(dst)), "takes 1e5 s per day as exact (it is 86,400 s, 14% less)"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from datetime import timedelta

        def one(u: str) -> timedelta:
            if u == "year":
                return timedelta(days=365.25)
            return timedelta(**{{"s": "seconds", "min": "minutes", "h": "hours"}.get(u, u + "s"): 1})

        assert_close("datetime.timedelta ratio", answers[0].value, p["quantity"] * (one(p["from"]) / one(p["to"])))


# -- powers of ten -------------------------------------------------------------------------------

def _one_or_three(x: float) -> tuple[int, int] | None:
    """(mantissa, exponent) when ``x`` is 1 or 3 times a power of ten, else None."""
    if not (x > 0 and math.isfinite(x)):
        return None
    k = math.floor(math.log10(x))
    for exp in (k - 1, k, k + 1):
        for mant in (1, 3):
            if math.isclose(x, float(f"{mant}e{exp}"), rel_tol=1e-9):
                return mant, exp
    return None


def _pow_tex(mant: int, exp: int) -> str:
    return f"10^{{{exp}}}" if mant == 1 else f"3 \\times 10^{{{exp}}}"


HALF_POWER = precision.factor(2, why="an estimate to the nearest half power of ten: 10^n and 3×10^n are a "
                              "factor 3 apart, so within a factor of 2 accepts the right one (and 9 for 10) "
                              "and rejects its neighbours")


def _float(mant: int, exp: int) -> float:
    return float(f"{mant}e{exp}")


class PowersOfTen(Generator):
    """Multiply numbers of the form 1×10^k or 3×10^k to the nearest half power of ten (3×3 ≈ 10).

    Example: ``quizgen show units.powers_of_ten --param a=3e9 --param b=3e-2``
    """

    id = "units.powers_of_ten"
    version = 1
    title = "What is a·b to the nearest half power of ten?"
    tags = ("estimation", "fermi")
    params = (
        Param("a", "float", "first factor, 1 or 3 times a power of ten", lo=1e-3, hi=3e15, min=1e-150,
              max=1e150),
        Param("b", "float", "second factor, 1 or 3 times a power of ten", lo=1e-3, hi=3e15, min=1e-150,
              max=1e150),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def one() -> float:
            return _whole(_float(rng.choice((1, 3)), rng.integer(-3, 15)))

        return {"a": one(), "b": one()}

    def validate(self, p: Params) -> None:
        for name in ("a", "b"):
            if _one_or_three(p[name]) is None:
                raise ParamError(f"{name} must be 1 or 3 times a power of ten, e.g. 3e9 or 1e-2 (got {p[name]})")

    def _parts(self, p: Params) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        (ma, ka), (mb, kb) = _one_or_three(p["a"]) or (1, 0), _one_or_three(p["b"]) or (1, 0)
        mant, exp = (1, ka + kb + 1) if ma * mb == 9 else (ma * mb, ka + kb)
        return (ma, ka), (mb, kb), (mant, exp)

    def solve(self, p: Params) -> list[Answer]:
        mant, exp = self._parts(p)[2]
        return [Answer("a·b", _float(mant, exp), None, HALF_POWER)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        (ma, ka), (mb, kb), (mant, exp) = self._parts(p)
        q = (f"Without a calculator: what is \\(({_pow_tex(ma, ka)}) \\times ({_pow_tex(mb, kb)})\\) to the nearest "
             "half power of ten? Give it as \\(10^n\\) or \\(3 \\times 10^n\\) (3 stands for "
             "\\(\\sqrt{10} \\approx 3.16\\)).")
        mants = {1: "1 \\times 1 = 1", 3: "1 \\times 3 = 3", 9: "3 \\times 3 = 9 \\approx 10"}[ma * mb]
        s = (f"Add the exponents: \\(10^{{{ka}}} \\times 10^{{{kb}}} = 10^{{{ka + kb}}}\\). "
             f"Multiply the leading digits: \\({mants}\\). "
             f"\\[({_pow_tex(ma, ka)}) \\times ({_pow_tex(mb, kb)}) \\approx {_pow_tex(mant, exp)}\\] "
             "Intuition: on a log scale 3 is half a power of ten, so two 3s make one more power of ten "
             "(9 is within 10% of 10).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        mant, exp = self._parts(p)[2]
        return _distinct(answers[0], [
            (_float(mant, exp + 1), "10× too big: an exponent added wrong"),
            (_float(mant, exp - 1), "10× too small: an exponent added wrong, or 3 × 3 = 9 not carried to 10"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        half = round(2 * (math.log10(p["a"]) + math.log10(p["b"]))) / 2  # nearest half power of ten
        want = 10 ** math.floor(half) * (3 if half % 1 else 1)
        assert_close("math.log10, rounded to a half power", answers[0].value, want, rtol=1e-12)
        require(accepts(answers[0], p["a"] * p["b"]), "the exact product is not within the tolerance")


# -- PF/s-days -----------------------------------------------------------------------------------

PFLOPS_DAY = 10**15 * 86_400
"""FLOP in one PF/s-day: 10¹⁵ FLOP/s for 86,400 s = 8.64 × 10¹⁹."""


class PflopsDays(Generator):
    """Convert a FLOP count to PF/s-days (1 PF/s-day = 8.64e19 FLOP).

    Example: ``quizgen show units.pflops_days --param flops=3.14e23``
    """

    id = "units.pflops_days"
    version = 1
    title = "How many PF/s-days is this?"
    tags = ("compute", "conversion")
    params = (
        Param("flops", "float", "total training compute, FLOP", lo=1e18, hi=1e26, min=1, max=1e100),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"flops": rng.nice(1e18, 1e26, sig=2)}

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("compute", float(Fraction(p["flops"]) / PFLOPS_DAY), "PF/s-days")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = p["flops"]
        q = (f"A training run takes \\({tex(f)}\\) FLOP. How many PF/s-days is that? "
             "(One PF/s-day is \\(10^{15}\\) FLOP per second sustained for a day.)")
        s = ("One PF/s-day is \\(10^{15}\\ \\text{FLOP/s} \\times 86\\,400\\ \\text{s} = 8.64 \\times 10^{19}\\) "
             f"FLOP. \\[\\frac{{{tex(f)}}}{{8.64 \\times 10^{{19}}}} = {tex(answers[0].value)}\\ "
             "\\text{PF/s-days}\\] Anchor: GPT-3's \\(3.14 \\times 10^{23}\\) FLOP is about 3,640 PF/s-days.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        f = Fraction(p["flops"])
        return _distinct(answers[0], [
            (float(f / 10**15), "divides by 10¹⁵ only: that is PF/s-seconds, not days"),
            (float(f / (10**15 * 3600)), "divides by an hour, not a day: that is PF/s-hours"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from datetime import timedelta

        day = timedelta(days=1) / timedelta(seconds=1)  # not PFLOPS_DAY, nor units.time's table
        assert_close("flops / (1e15 · seconds per day from datetime.timedelta)", answers[0].value,
                     p["flops"] / (1e15 * day))


# -- bytes ---------------------------------------------------------------------------------------

BYTE_UNITS = ("MB", "MiB", "GB", "GiB", "TB", "TiB")
BYTES = {"MB": 10**6, "MiB": 2**20, "GB": 10**9, "GiB": 2**30, "TB": 10**12, "TiB": 2**40}


class ByteUnits(Generator):
    """Convert a size between decimal (MB, GB, TB) and binary (MiB, GiB, TiB) units.

    Example: ``quizgen show units.bytes --param value=80 --param from=GB --param to=GiB``
    """

    id = "units.bytes"
    version = 2
    form = ("from", "to")
    title = "What is this size in the other unit?"
    tags = ("memory", "conversion")
    params = (
        Param("value", "float", "the size, in the unit `from`", lo=1, hi=2e9, min=1e-100, max=1e100),
        Param("from", "str", "the unit the size is given in", choices=BYTE_UNITS),
        Param("to", "str", "the unit to convert to", choices=BYTE_UNITS),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        src = fixed.get("from") or rng.choice([u for u in BYTE_UNITS if u != fixed.get("to")])
        twin = src.replace("i", "") if "i" in src else src[0] + "iB"
        others = [u for u in BYTE_UNITS if u != src]
        dst = fixed.get("to") or (twin if rng.bernoulli(0.4) else rng.choice(others))
        per = BYTES[src] / BYTES[dst]
        lo, hi = (1.0, 1000.0) if per >= 1 else (1 / per, 1000 / per)
        return {"value": _whole(rng.nice(lo, hi, sig=2)), "from": src, "to": dst}

    def solve(self, p: Params) -> list[Answer]:
        v = Fraction(p["value"]) * BYTES[p["from"]] / BYTES[p["to"]]
        # 3 significant figures: the nearest misconception (MiB taken as MB) is still 4.9% off.
        return [Answer("size", _number(v), p["to"])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        v, src, dst = p["value"], p["from"], p["to"]

        def power(u: str) -> str:
            k = "MGT".index(u[0]) + 2
            return f"2^{{{10 * k}}}" if "i" in u else f"10^{{{3 * k}}}"

        q = (f"How many {dst} is \\({tex(v)}\\) {src}? (SI prefixes are decimal, 1 GB = \\(10^9\\) B; "
             "binary prefixes have an i, 1 GiB = \\(2^{30}\\) B.)")
        s = (f"1 {src} = \\({power(src)}\\) B and 1 {dst} = \\({power(dst)}\\) B. "
             f"\\[{tex(v)} \\times \\frac{{{power(src)}}}{{{power(dst)}}} = {tex(answers[0].value, 5)}\\ "
             f"\\text{{{dst}}}\\] "
             "Intuition: each binary prefix is a bit bigger than its decimal twin: KiB 2.4%, MiB 4.9%, GiB 7.4%, "
             "TiB 10% (an \"80 GB\" GPU holds 74.5 GiB).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        v, src, dst = Fraction(p["value"]), p["from"], p["to"]

        def decimal(u: str) -> int:  # GiB taken as GB
            return BYTES[u.replace("i", "")]

        return _distinct(answers[0], [
            (_number(v * decimal(src) / decimal(dst)), "treats GiB as GB (binary as decimal prefixes)"),
            (_number(v * BYTES[dst] / BYTES[src]), "converts the wrong way: multiplies where it should divide"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        def nbytes(unit: str) -> int:  # parsed from the name, not looked up
            base = 1024 if unit.endswith("iB") else 1000
            return int(base ** ("KMGT".index(unit[0]) + 1))

        want = Fraction(p["value"]) * nbytes(p["from"]) / nbytes(p["to"])
        assert_close("integer byte arithmetic", answers[0].value, float(want))

