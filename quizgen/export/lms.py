"""What the LMS exporters share: exact decimal bounds from each answer's grading tolerance, the
unit an answer is asked in (rescaled where an LMS cannot hold the number), and which parts an LMS
can grade as a number at all. docs/lms.md says why each rule exists.

All numbers here are :class:`decimal.Decimal`: an int keeps every digit (2^53 + 1 stays
9007199254740993), a float is its shortest round-trip text (what ``show --json`` prints), and the
bounds are ``value ∓ Tolerance.half_unit(value)`` computed exactly, so that the text written to an
LMS file is the number ``show --json`` states, digit for digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from quizgen.model import Answer, Number, Problem

MAX_EXACT_INT = 2**53
"""Integers above this are not exact as float64: both LMSs store numeric answers as floats."""

_PREFIX = {-24: "y", -21: "z", -18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "",
           3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E", 21: "Z", 24: "Y"}
_BASE_UNITS = ("FLOP/s", "FLOP", "B/s", "B", "s")


def dec(x: Number | str) -> Decimal:
    """The exact decimal of a value as ``show --json`` writes it (ints exactly, floats by repr)."""
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, str):
        return Decimal(x)
    return Decimal(repr(float(x)))


def dec_text(d: Decimal) -> str:
    """Plain decimal text, never an exponent, no trailing zeros after the point ("0.00015", "12")."""
    if d == 0:
        return "0"
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


@dataclass(frozen=True)
class NumericRange:
    """An LMS-friendly answer: ``center ± margin`` (absolute, exact decimals) and the true value it
    stands for. For exact and significant-figure tolerances ``center`` is the value itself; a
    "within a factor k" answer is a log-scale range that an LMS cannot encode: we give its
    midpoint and half-width (``factor`` set)."""

    center: Decimal
    margin: Decimal
    value: Decimal
    factor: float | None = None

    @property
    def low(self) -> Decimal:
        return self.center - self.margin

    @property
    def high(self) -> Decimal:
        return self.center + self.margin

    def scaled(self, exp: int) -> NumericRange:
        """The same range in a unit 10^-exp times the original (values times 10^exp), exactly."""
        return NumericRange(self.center.scaleb(exp), self.margin.scaleb(exp), self.value.scaleb(exp), self.factor)


def _round_sig(x: Decimal, rounding: str, sig: int = 15) -> Decimal:
    if x == 0:
        return x
    return x.quantize(Decimal(1).scaleb(x.adjusted() - sig + 1), rounding=rounding)


def numeric_range(answer: Answer, value: Number) -> NumericRange:
    """``value ∓ answer.tolerance.half_unit(value)``, exactly as ``show --json`` states it: the
    ``atol`` of a significant-figure tolerance, else ``atol + rtol·|value|`` in exact decimals."""
    tol = answer.tolerance
    v = dec(value)
    with localcontext() as ctx:
        ctx.prec = 80
        if tol.factor is not None:
            # Log-scale bounds v/k and v·k, rounded outward to 15 significant figures (1/3 has
            # no finite decimal); the midpoint and half-width of that range are exact.
            k = dec(tol.factor)
            lo, hi = sorted((v / k, v * k))
            lo, hi = _round_sig(lo, ROUND_FLOOR), _round_sig(hi, ROUND_CEILING)
            return NumericRange((lo + hi) / 2, (hi - lo) / 2, v, tol.factor)
        if tol.sig is not None:
            half = dec(tol.half_unit(value))   # the "atol" show --json states for this value
        else:
            half = dec(tol.atol) + dec(tol.rtol) * abs(v)   # its rtol and atol, exactly
        return NumericRange(v, half, v)


def needs_digits(answer: Answer, value: object) -> bool:
    """An integer beyond 2^53 graded finer than float64 can hold (exactly, or to ~16 figures):
    neither LMS can grade it as a number (both keep numeric answers as floats), so it is exported
    as a short-answer item with the exact digits. A 3-significant-figure answer of 1.2e23 is not:
    it stays numerical."""
    # 2^53 itself too: its neighbour 2^53 + 1 reads back as 2^53 in a float.
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) < MAX_EXACT_INT:
        return False
    return answer.tolerance.factor is None and answer.tolerance.half_unit(value) <= 1e-12 * abs(value)


# -- units ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    """Ask for an answer in another unit: values times 10^``exp``. ``unit`` is the unit text to
    ask in ("ms", "× 10^-3 nats", or ``None``); ``sentence`` is the one sentence that says so."""

    exp: int
    unit: str | None
    sentence: str
    ok: bool = True
    """False when no power of ten brings the numbers inside the LMS's limits (e.g. 2^53 ± 0.5:
    the margin is finer than a float can hold); the part is then asked for its exact digits."""


def split_prefix(unit: str) -> tuple[int, str] | None:
    """``"ms"`` → (-3, "s"); ``"GFLOP"`` → (9, "FLOP"); None for units without an SI prefix."""
    for base in _BASE_UNITS:
        if unit == base:
            return 0, base
        if unit.endswith(base) and len(unit) == len(base) + 1:
            for e, p in _PREFIX.items():
                if p and unit[0] == p:
                    return e, base
    return None


def _fits(r: NumericRange, exp: int, min_mag: float, max_mag: float, min_margin: float) -> bool:
    s = r.scaled(exp)
    vals = [abs(s.low), abs(s.high), abs(s.value), abs(s.center)]
    if any(v != 0 and (v < Decimal(repr(min_mag)) or v > Decimal(repr(max_mag))) for v in vals):
        return False
    return s.margin == 0 or s.margin >= Decimal(repr(min_margin))


def _give(label: str, unit: str | None) -> str:
    """'Give t in ms.'; 'Answer in passes.' where the label is the unit's own word."""
    if not unit:
        return ""
    if label.casefold().rstrip("s") == unit.casefold().rstrip("s"):
        return f"Answer in {unit}."
    return f"Give {label} in {unit}."


def choose_scale(ranges: Sequence[NumericRange], unit: str | None, label: str, *, min_mag: float,
                 max_mag: float, min_margin: float = 0.0) -> Scale:
    """The unit to ask one part in. Unscaled where the numbers fit the LMS's limits
    (``min_mag <= |x| <= max_mag`` for value and bounds, margin 0 or ``>= min_margin``); else the
    power of 1000 that brings the value to 1–1000 (7.7e19 FLOP → 77 EFLOP), else the nearest
    power of 1000 to it that fits. Several ranges (a vector's elements) share one unit."""
    if all(_fits(r, 0, min_mag, max_mag, min_margin) for r in ranges):
        return Scale(0, unit, _give(label, unit))
    mags = [abs(r.value) for r in ranges if r.value != 0]
    top = max(mags) if mags else Decimal(1)
    ideal = -3 * math.floor(top.adjusted() / 3)   # top * 10^ideal in [1, 1000)
    cands = sorted(range(-300, 301, 3), key=lambda e: (abs(e - ideal), e))
    exp = next((e for e in cands if all(_fits(r, e, min_mag, max_mag, min_margin) for r in ranges)), None)
    if exp is None:
        return Scale(0, unit, _give(label, unit), ok=False)
    parsed = split_prefix(unit) if unit else None
    if parsed is not None and (parsed[0] - exp) in _PREFIX:
        new_unit = _PREFIX[parsed[0] - exp] + parsed[1]
        return Scale(exp, new_unit, f"Give {label} in {new_unit} (1 {new_unit} = 10^{-exp} {unit}).")
    what = f"10^{-exp} {unit}" if unit else f"10^{-exp}"
    return Scale(exp, f"× 10^{-exp} {unit or ''}".strip(), f"Give {label} in units of {what}.")


# -- parts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One graded blank of a problem: a number (``index`` within a vector or None), a big integer
    (``kind == "text"``: exact digits) or a categorical word (``kind == "choice"``)."""

    answer: Answer
    index: int | None
    value: Number | str
    kind: str  # "number" | "text" | "choice"

    @property
    def label(self) -> str:
        return part_label(self.answer, self.index)


def parts(problem: Problem) -> list[Part]:
    """Every graded blank, in order."""
    out: list[Part] = []
    for a in problem.answers:
        if a.categorical:
            out.append(Part(a, None, str(a.value), "choice"))
            continue
        vals = a.values
        for i, v in enumerate(vals):
            out.append(Part(a, i if isinstance(a.value, list) else None, v, "text" if needs_digits(a, v) else "number"))
    return out


def answer_parts(problem: Problem) -> list[tuple[Answer, int | None, Number]]:
    """Every graded number: (answer, index within a vector or None, value); categorical parts
    are left out (see :func:`parts`)."""
    return [(p.answer, p.index, p.value) for p in parts(problem) if not isinstance(p.value, str)]


def part_label(answer: Answer, index: int | None) -> str:
    from quizgen.render.labels import label_text

    text = label_text(answer.label)
    return text if index is None else f"{text}[{index + 1}]"


def problem_points(item_points: float | None, default: float) -> float:
    """The points a problem is worth: its item's ``points``, else the [quiz] points."""
    return item_points if item_points is not None else default


def num_text(x: Number) -> str:
    """Exact plain decimal text of a value (ints with every digit, floats by repr, no exponent)."""
    return dec_text(dec(x))
