"""Floating-point numerics: rounding to float32/float16/bfloat16, ulps, cancellation, summation
order, overflow, logsumexp, and the stability of simple ODE steppers. Example::

    quizgen show numerics.float_round --param value=16777217 --param dtype=float32
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close, assert_equal, require
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import exact_decimal as decimal_fraction
from quizgen.gentools import keep_wrong, memo
from quizgen.model import SIG3, Answer, Distractor, Tolerance, sig_half_unit
from quizgen.params import Param
from quizgen.precision import exact
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

# -- binary floating-point formats ----------------------------------------------------------------


@dataclass(frozen=True)
class Fmt:
    """An IEEE-style binary format: ``p`` significand bits (with the hidden bit), normal
    exponents ``emin``…``emax``."""

    name: str
    p: int
    emin: int
    emax: int

    @functools.cached_property  # (a Fraction power per call; round_to asks every time)
    def max_finite(self) -> Fraction:
        return (2 - Fraction(1, 2 ** (self.p - 1))) * Fraction(2) ** self.emax

    @functools.cached_property
    def min_normal(self) -> Fraction:
        return Fraction(2) ** self.emin

    @functools.cached_property
    def min_subnormal(self) -> Fraction:
        return Fraction(2) ** (self.emin - self.p + 1)

    @functools.cached_property
    def eps(self) -> Fraction:
        """Machine epsilon: the spacing just above 1."""
        return Fraction(2) ** (1 - self.p)


FMTS = {
    "float32": Fmt("float32", 24, -126, 127),
    "float16": Fmt("float16", 11, -14, 15),
    "bfloat16": Fmt("bfloat16", 8, -126, 127),
    "float64": Fmt("float64", 53, -1022, 1023),
}
SMALL = ("float32", "float16", "bfloat16")
"""The formats whose rounding the problems ask about (float64 is the input format)."""


def _dtype_param(choices: tuple[str, ...] = SMALL) -> Param:
    return Param("dtype", "str", "floating-point format", choices=choices)


def floor_log2(x: Fraction) -> int:
    """⌊log2 x⌋ for x > 0, exactly."""
    return _floor_log2(x.numerator, x.denominator)


def _floor_log2(a: int, d: int) -> int:
    """⌊log2(a/d)⌋ for a, d > 0: e from the bit lengths, one too high when 2^e > a/d, that is
    2^e·d > a (compared in integers)."""
    e = a.bit_length() - d.bit_length()
    if (d << e > a) if e >= 0 else (d > a << -e):
        e -= 1
    return e


def exponent(x: Fraction, fmt: Fmt) -> int:
    """The exponent that sets the spacing at |x| (clamped to emin: subnormals share one spacing)."""
    return max(floor_log2(abs(x)), fmt.emin) if x != 0 else fmt.emin


def spacing(x: Fraction, fmt: Fmt) -> Fraction:
    """The gap between consecutive representable values in the binade of |x| (its ulp)."""
    return Fraction(2) ** (exponent(x, fmt) - fmt.p + 1)


def round_to(x: Fraction, fmt: Fmt, name: str = "the value") -> Fraction:
    """x rounded to ``fmt`` with round-to-nearest, ties-to-even; ParamError if it overflows.

    In integers: with |x| = a/d and the spacing 2^k there, |x|/2^k = n + rem/den (n = ⌊·⌋), and
    n rounds up when 2·rem > den, or on a tie (2·rem = den) when n is odd; the result n·2^k. It is
    beyond the largest finite value exactly when its exponent passes emax: n·2^k with k = emax − p + 1
    and n = 2^p (a carry out of the top binade), or any exponent above emax."""
    a, d = abs(x.numerator), x.denominator
    if a == 0:
        return Fraction(0)
    e = max(_floor_log2(a, d), fmt.emin)
    k = e - fmt.p + 1
    num, den = (a, d << k) if k >= 0 else (a << -k, d)
    n, rem = divmod(num, den)
    if 2 * rem > den or (2 * rem == den and n % 2 == 1):
        n += 1
    if e > fmt.emax or (e == fmt.emax and n >> fmt.p):
        limit = (2 - Fraction(1, 2**fmt.p)) * Fraction(2) ** fmt.emax
        raise ParamError(f"{name} must be below {full(limit)} in magnitude to fit {fmt.name} "
                         f"(got {full(x)}): larger values round to inf; use a smaller value or a "
                         "wider dtype")
    out = n << k if k >= 0 else Fraction(n, 1 << -k)
    return Fraction(out if x.numerator > 0 else -out)


def full(x: Fraction | float) -> str:
    """A number for an error message with all its float64 digits, so that a limit and a value just
    past it never print the same (``3.4028235677973366e38``, ``65520``)."""
    v = float(x)
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v).replace("e+", "e")


def num(x: Fraction) -> int | float:
    """An exact dyadic value as JSON: an int when integral, else the (exact) float."""
    return int(x) if x.denominator == 1 else float(x)


def exact_decimal(x: Fraction) -> str:
    """The exact decimal expansion of a dyadic rational (every binary float has one)."""
    if x.numerator < 0:
        return "-" + exact_decimal(-x)
    d = x.denominator
    k = d.bit_length() - 1
    if d != 1 << k:
        raise ValueError(f"{x} is not dyadic")
    digits = str(x.numerator * 5**k)
    if k == 0:
        return digits
    digits = digits.rjust(k + 1, "0")
    return digits[:-k] + "." + digits[-k:]


def _sig_digits(s: str) -> int:
    return len(s.replace("-", "").replace(".", "").lstrip("0"))


def dyadic_tex(x: Fraction) -> str:
    """``n \\times 2^{k}`` with n odd (or 0), exact."""
    if x == 0:
        return "0"
    a, d = x.numerator, x.denominator
    if d & (d - 1):
        raise ValueError(f"dyadic_tex: {x} is not a dyadic rational (its denominator is not a power of 2)")
    # x = a/2^j with a odd when j > 0, or an integer 2^t·(odd)
    j = d.bit_length() - 1
    t = (a & -a).bit_length() - 1 if j == 0 else 0
    return f"{tex(a >> t)} \\times 2^{{{t - j}}}"


@functools.lru_cache(maxsize=4096, typed=True)
def value_tex(x: Fraction, max_sig: int = 30) -> str:
    """An exact value for the solution: its exact decimal when short, else 20 digits and …
    (Cached: a function of the value, and solutions show the same few values several times.)"""
    s = exact_decimal(x)
    if _sig_digits(s) <= max_sig:
        return tex(int(x)) if x.denominator == 1 and abs(x.numerator) < 10**15 else s
    mant, exp = f"{float(x):.19e}".split("e")
    if -4 <= int(exp) < 15:
        return f"{float(x):.{max(0, 19 - int(exp))}f}\\ldots"
    return f"{mant}\\ldots \\times 10^{{{int(exp)}}}"


def literal_tex(v: int | float) -> str:
    """A parameter as the user wrote it (shortest round-trip form), for math."""
    if isinstance(v, int):
        return tex(v)
    r = repr(float(v))
    if "e" in r:
        mant, exp = r.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}" if mant not in ("1.0", "1") else f"10^{{{int(exp)}}}"
    return r[:-2] if r.endswith(".0") else r


_PREC30 = 103
"""mpmath's precision in bits at 30 digits (workdps(30), as mexp and mlog use)."""


@functools.lru_cache(maxsize=4096)
def mexp(x: float | Fraction) -> float:
    """e^x via mpmath (30 digits, then rounded once): the same bits on every platform's libm.
    Cached: the result depends on the value only (1, 1.0 and Fraction(1) may share an entry), and
    draws ask for the same few exponents again and again.

    By mpmath's low-level functions, the operations that ``float(mpmath.exp(_mpf(x)))`` performs
    at 30 digits (103 bits), rounding to nearest: x converted (a finite float exactly; else the
    numerator rounded to 103 bits, divided by the denominator), exp, the float nearest."""
    from mpmath.libmp import from_float, from_int, mpf_div, mpf_exp, mpf_pos, to_float

    if type(x) is float and math.isfinite(x):
        v = from_float(x)
    else:
        fr = Fraction(x)
        v = mpf_div(mpf_pos(from_int(fr.numerator), _PREC30, "n"), from_int(fr.denominator), _PREC30, "n")
    out: float = to_float(mpf_exp(v, _PREC30, "n"), rnd="n")
    return out


@functools.lru_cache(maxsize=4096)
def mlog(x: float | Fraction, base: int | None = None) -> float:
    """ln x (or log_base x) via mpmath, for platform-independent output (cached by value, like mexp)."""
    import mpmath

    with mpmath.workdps(30):
        v = mpmath.log(_mpf(x))
        return float(v / mpmath.log(base) if base else v)


def _mpf(x: float | Fraction) -> Any:
    """x as an mpf at the working precision: the exact value divided out once. A float converts
    directly (at a working precision of ≥ 53 bits its significand fits, so mpf(x) is exactly the
    quotient numerator/2^k that the general path computes)."""
    import mpmath

    if type(x) is float and math.isfinite(x) and mpmath.mp.prec >= 53:
        return mpmath.mpf(x)
    fr = Fraction(x)
    return mpmath.mpf(fr.numerator) / fr.denominator



EXACT_IN_DTYPE: Tolerance = exact(
    why="the answer is a value of the dtype, and its neighbours are one ulp away: only the exact value "
        "identifies the right one (a short decimal or n × 2^k is exact)")
"""The tolerance of answers that are values of a binary format (float_round, sum_order)."""


# -- cross-check helpers (numpy/torch imported lazily) --------------------------------------------


def np_round(v: float, dtype: str) -> float:
    """v rounded to dtype by numpy (float16/float32 casts from float64 round correctly) or, for
    bfloat16, by torch's float32→bfloat16 cast after rounding to float32 *to odd*.

    torch and ml_dtypes round float64→bfloat16 twice (via float32 to nearest), which is wrong
    near ties; rounding to odd first keeps the sticky information, so the second rounding is
    correct (float32 has 16 more bits than bfloat16, ≥ 2 are needed).
    """
    import numpy as np

    if dtype == "float32":
        return float(np.float32(v))
    if dtype == "float16":
        return float(np.float16(v))
    if dtype == "float64":
        return float(v)
    import torch

    f = np.float32(v)
    if float(f) != v:
        other = np.nextafter(f, np.float32(math.copysign(math.inf, v - float(f))), dtype=np.float32)
        if int(np.array(f).view(np.int32)) % 2 == 0:
            f = other
    return float(torch.tensor(float(f), dtype=torch.float32).to(torch.bfloat16).item())


# -- generators -------------------------------------------------------------------------------


CASES = ("large_integer", "tie", "decimal", "subnormal")


def float_case(x: Fraction, f: Fmt) -> str:
    """Which case of rounding ``x`` to ``f`` is: subnormal, tie, large_integer (an integer of at least 2^p,
    where the spacing exceeds 1) or decimal (everything else)."""
    if x != 0 and abs(x) < f.min_normal:
        return "subnormal"
    if x != 0 and (abs(x) / spacing(x, f)) % 1 == Fraction(1, 2):
        return "tie"
    if x.denominator == 1 and abs(x) >= 2**f.p:
        return "large_integer"
    return "decimal"


class FloatRound(Generator):
    """Rounding a number to float32, float16 or bfloat16 (round to nearest, ties to even).

    Example: ``quizgen show numerics.float_round --param value=16777217 --param dtype=float32``
    """

    id = "numerics.float_round"
    version = 3
    title = "What is dtype(value), with round-to-nearest-even?"
    tags = ("floating-point", "rounding")
    params = (
        Param("value", "float", "the number to round (read as a float64, as JSON numbers are)", lo=0, hi=2e8),
        _dtype_param(),
        Param("case", "str", "which case is asked: large_integer (an integer where the spacing exceeds 1), tie "
              "(exactly halfway), decimal, subnormal; follows from value when value is given",
              choices=CASES, optional=True),
    )
    # One exam question keeps its dtype and case: "515 in bfloat16" and "a float32 subnormal" are different
    # questions, not versions of one.
    form = ("dtype", "case")

    DECIMALS = (0.1, 0.2, 0.3, 0.7, 1.1, 0.01, 0.05, 3.14159, 2.71828, 0.3333333333333333,
                0.6666666666666666, 100.1)
    KINDS = {"large_integer": ("near_2p",), "tie": ("tie", "near_2p"), "decimal": ("decimal",),
             "subnormal": ("subnormal",)}
    """The draw kinds that can give each case (near_2p integers are ties when they sit halfway)."""

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        dtype = fixed.get("dtype") or rng.choice(SMALL)
        f = FMTS[dtype]
        if "value" in fixed:
            return {"value": fixed["value"], "dtype": dtype, "case": float_case(Fraction(fixed["value"]), f)}
        want = fixed.get("case")
        for _ in range(200):
            kinds = self.KINDS[want] if want else ("near_2p", "near_2p", "decimal", "decimal", "tie", "subnormal")
            value = self._value(rng, f, rng.choice(kinds))
            case = float_case(Fraction(value), f)
            if want is None or case == want:
                return {"value": value, "dtype": dtype, "case": case}
        raise DrawError(f"{self.id}: no {want} value for {dtype} in 200 tries")

    def _value(self, rng: Rng, f: Fmt, kind: str) -> int | float:
        if kind == "near_2p":  # integers just above 2^p, where the spacing first exceeds 1
            k = rng.integer(f.p, f.p + 2)
            ulp = 2 ** (k - f.p + 1)
            j = rng.choice([j for j in range(1, 3 * ulp) if j % ulp])
            return 2**k + j
        if kind == "decimal":
            return rng.choice(self.DECIMALS) if rng.bernoulli(0.5) else rng.nice(0.01, 1000, 3)
        if kind == "tie":  # exactly halfway between two neighbours: spacing 1 (x.5) or 2 (odd int)
            e = rng.choice((f.p - 1, f.p))
            ulp = Fraction(2) ** (e - f.p + 1)
            m = rng.integer(0, min(2 ** (f.p - 1), 4096) - 1)
            return num((2 ** (f.p - 1) + m + Fraction(1, 2)) * ulp)
        return rng.nice(float(f.min_subnormal) * 0.6, float(f.min_normal) * 0.95, 2)

    def validate(self, p: Params) -> None:
        f = FMTS[p["dtype"]]
        round_to(Fraction(p["value"]), f, "value")
        case = float_case(Fraction(p["value"]), f)
        if "case" in p and p["case"] != case:
            raise ParamError(f"case must be {case} for value={p['value']} in {f.name} (got case={p['case']}); "
                             "drop case (it follows from the value) or give a value of that case")

    def solve(self, p: Params) -> list[Answer]:
        f = FMTS[p["dtype"]]
        r = round_to(Fraction(p["value"]), f)
        return [Answer(f"{f.name}(value)", num(r), None, EXACT_IN_DTYPE)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        x = Fraction(p["value"])
        r = round_to(x, f)
        ax = abs(x)
        shown = literal_tex(p["value"])
        exact = exact_decimal(x)
        note = ""
        if isinstance(p["value"], float) and exact != repr(p["value"]) and _sig_digits(exact) <= 30:
            note = f" (as a float64 this is exactly \\({exact}\\))"
        q = (f"What is \\(\\text{{{f.name}}}(x)\\) for \\(x = {shown}\\){note}? Round to nearest, ties to "
             f"even, and give the exact value (as a decimal or as \\(n \\times 2^k\\)). {f.name} has "
             f"\\(p = {f.p}\\) significand bits (counting the implicit leading 1) "
             f"and normal exponents down to \\({f.emin}\\); below \\(2^{{{f.emin}}}\\) it "
             "has subnormals (gradual underflow, no flush to zero).")
        if x == 0:
            return q, "Zero is exact in every format: the answer is 0."
        e = exponent(x, f)
        ulp = spacing(x, f)
        qq = ax / ulp
        n = math.floor(qq)
        frac = qq - n
        if floor_log2(ax) < f.emin:
            where = (f"\\(|x|\\) is below \\(2^{{{f.emin}}}\\), the smallest normal {f.name}, so x is subnormal "
                     f"and the spacing is fixed at \\(\\text{{ulp}} = 2^{{{f.emin} - {f.p} + 1}} = "
                     f"2^{{{e - f.p + 1}}}\\).")
        else:
            where = (f"\\(|x| \\in [2^{{{e}}}, 2^{{{e + 1}}})\\), so the spacing of {f.name} there is "
                     f"\\(\\text{{ulp}} = 2^{{e - p + 1}} = 2^{{{e} - {f.p} + 1}} = {_pow2_tex(e - f.p + 1)}\\).")
        if frac == 0:
            how = "This is an integer: x is representable and stays as it is."
        elif frac == Fraction(1, 2):
            how = (f"This is exactly halfway between \\({tex(n)}\\) and \\({tex(n + 1)}\\): a tie, so round to "
                   f"the even one, \\({tex(n if n % 2 == 0 else n + 1)}\\).")
        else:
            up = frac > Fraction(1, 2)
            how = (f"The fractional part {_frac_text(frac)} is {'more' if up else 'less'} than ½, so round "
                   f"{'up' if up else 'down'} to \\({tex(n + 1 if up else n)}\\).")
        qtext = _quotient_text(qq)
        sign = "-" if x < 0 else ""
        s = (f"{where} Divide by the spacing: \\[\\frac{{|x|}}{{\\text{{ulp}}}} = {qtext}\\] {how} "
             f"\\[\\text{{{f.name}}}(x) = {sign}{dyadic_tex(abs(r))} = {value_tex(r)}\\] "
             f"Intuition: {f.name} keeps {f.p} significant bits; everything below the last one is rounded "
             "away, and exact ties go to the neighbour whose last bit is 0.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        f = FMTS[p["dtype"]]
        x = Fraction(p["value"])
        if x == 0:
            return []
        ulp = spacing(x, f)
        n = math.floor(abs(x) / ulp)
        sgn = 1 if x > 0 else -1
        out = []
        if abs(x) / ulp - n == Fraction(1, 2):
            out.append(Distractor(num(sgn * (n + 1) * ulp), "rounds the tie half-up; IEEE rounds ties to even"))
        out.append(Distractor(num(sgn * n * ulp), "truncates (rounds toward zero) instead of rounding to nearest"))
        out.append(Distractor(p["value"], f"assumes x is representable; {f.name} keeps only {f.p} significant bits"))
        return keep_wrong(answers[0], out)

    def check(self, p: Params, answers: list[Answer]) -> None:
        assert_equal(f"numpy/torch {p['dtype']}(value)", answers[0].value, np_round(float(p["value"]), p["dtype"]))


def _pow2_tex(k: int) -> str:
    """``2^{k}``, with its value when that is short (``2^{-3} = 0.125``)."""
    v = exact_decimal(Fraction(2) ** k)
    return f"2^{{{k}}} = {tex(2**k) if k >= 0 else v}" if len(v) <= 12 else f"2^{{{k}}}"


def _frac_text(frac: Fraction) -> str:
    for digits in range(3, 30):
        s = f"{float(frac):.{digits}f}".rstrip("0")
        if s not in ("0.5", "0.", "1.") and Fraction(s) != Fraction(1, 2):
            return s
    return f"{float(frac):.17g}"


def _quotient_text(q: Fraction) -> str:
    n = math.floor(q)
    if q == n:
        return tex(n)
    frac = q - n
    if frac.denominator <= 8:
        return tex(n) + exact_decimal(frac)[1:] if frac.denominator & (frac.denominator - 1) == 0 \
            else f"{tex(n)} + {frac}"
    return tex(n) + _frac_text(frac)[1:] + "\\ldots"


class Ulp(Generator):
    """The spacing of representable numbers (one ulp) at a value, per dtype.

    Example: ``quizgen show numerics.ulp --param value=1000 --param dtype=float16``
    """

    id = "numerics.ulp"
    version = 2
    form = ("dtype",)
    title = "What is the gap to the next representable value above v in dtype?"
    tags = ("floating-point", "ulp")
    params = (
        Param("value", "float", "the value v (rounded to dtype first)", lo=1e-3, hi=6e4, min=0, min_open=True),
        _dtype_param((*SMALL, "float64")),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        dtype = fixed.get("dtype") or rng.choice((*SMALL, "float64"))
        value = rng.choice((1000, 2048, 1, 0.1, 3)) if rng.bernoulli(0.2) else rng.nice(1e-3, 6e4, 3)
        return {"value": value, "dtype": dtype}

    def validate(self, p: Params) -> None:
        f = FMTS[p["dtype"]]
        r = round_to(Fraction(p["value"]), f, "value")
        if r == f.max_finite:
            raise ParamError(f"value must round below the largest finite {f.name}, {full(f.max_finite)} "
                             f"(got {p['value']}): no finite value lies above it; use a smaller value")

    def solve(self, p: Params) -> list[Answer]:
        f = FMTS[p["dtype"]]
        r = round_to(Fraction(p["value"]), f)
        # The gap is a power of two and its neighbours (ε, half the gap) are a factor ≥ 2 away: 3 significant
        # figures identify it, while exact would reject every decimal a person types for 2^-45 (2.84e-14).
        return [Answer("ulp", num(spacing(r, f)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        x = Fraction(p["value"])
        r = round_to(x, f)
        e = exponent(r, f)
        k = e - f.p + 1
        q = (f"In {f.name} (\\(p = {f.p}\\) significand bits, counting the implicit leading 1), what is the gap "
             f"between \\(\\text{{fl}}(v)\\), the {f.name} value nearest \\(v = {literal_tex(p['value'])}\\), "
             f"and the next larger {f.name} number?")
        if r != x:
            stored = f"\\(\\text{{fl}}(v) = {value_tex(r)}\\)"
        elif isinstance(p["value"], float) and exact_decimal(x) != repr(p["value"]):
            # a decimal such as 0.1 is not binary; as a float64 (how JSON numbers are read) it is already fl(v)
            stored = f"\\(\\text{{fl}}(v) = {value_tex(r)}\\), the float64 nearest to v"
        else:
            stored = "v is representable as it is"
        if r == 0:
            where = (f"the next larger value is the smallest subnormal; subnormals use the clamped exponent "
                     f"\\(e = {f.emin}\\)")
        elif floor_log2(abs(r)) < f.emin:
            where = f"it is subnormal, so the exponent is clamped to \\(e = {f.emin}\\)"
        else:
            where = f"\\(\\text{{fl}}(v) \\in [2^{{{e}}}, 2^{{{e + 1}}})\\), so \\(e = {e}\\)"
        s = (f"First round: {stored}. Then {where}, and consecutive {f.name} values in that binade are "
             f"\\[2^{{e - p + 1}} = 2^{{{e} - {f.p} + 1}} = 2^{{{k}}} = {value_tex(Fraction(2) ** k)}\\] "
             f"apart. Intuition: the relative spacing is about \\(2^{{-{f.p - 1}}} = {tex(float(f.eps))}\\) "
             "(machine epsilon), so the absolute gap grows with the magnitude.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        f = FMTS[p["dtype"]]
        u = Fraction(answers[0].value)
        return keep_wrong(answers[0], [
            Distractor(num(f.eps), "uses machine epsilon (the gap at 1) at every magnitude"),
            Distractor(num(u / 2), "gives half an ulp (the maximum rounding error), not the gap"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        dt = p["dtype"]
        fl = np_round(float(p["value"]), dt)
        if dt == "bfloat16":
            import torch

            t = torch.tensor([fl], dtype=torch.bfloat16)
            gap = float((torch.nextafter(t, torch.full_like(t, math.inf)).double() - t.double()).item())
        else:
            gap = float(np.spacing(getattr(np, dt)(fl)))
        assert_equal(f"spacing in {dt}", float(answers[0].value), gap)


class MaxExactInteger(Generator):
    """The largest N such that every integer 0…N is exactly representable in a dtype.

    Example: ``quizgen show numerics.max_exact_integer --param dtype=float16``
    """

    id = "numerics.max_exact_integer"
    version = 3
    title = "What is the largest N with every integer 0…N exact in dtype?"
    tags = ("floating-point", "integers")
    params = (_dtype_param((*SMALL, "float64")),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"dtype": rng.choice((*SMALL, "float64"))}

    def solve(self, p: Params) -> list[Answer]:
        f = FMTS[p["dtype"]]
        # The point is the exact integer: 2^p ± 1 are the very mistakes asked about. (For float64 the grader's
        # 1e-12 relative slack still admits 2^53 ± 1: a limit of quizgen.model, not of this answer.)
        tol = exact(why="an exactly representable integer: 2^p − 1 and 2^p + 1 are the mistakes asked about")
        return [Answer("N", 2**f.p, None, tol), Answer("first non-representable integer", 2**f.p + 1, None, tol)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        n = 2**f.p
        q = (f"{f.name} has \\(p = {f.p}\\) significand bits, counting the implicit leading 1. What is the "
             f"largest \\(N\\) such that every integer \\(0, 1, \\ldots, N\\) is exactly representable in "
             f"{f.name}? Part 2: what is the smallest positive integer that is not representable?")
        s = (f"With \\(p\\) significand bits, the integers in \\([2^{{p-1}}, 2^p)\\) have spacing 1, so all of "
             f"them are exact. From \\(2^p\\) on the spacing is 2: \\(2^p\\) itself is exact (a power of two), "
             f"but \\(2^p + 1\\) falls halfway between neighbours. "
             f"\\[N = 2^{{{f.p}}} = {tex(n)}, \\quad \\text{{first gap}} = 2^{{{f.p}}} + 1 = {tex(n + 1)}\\] "
             f"Intuition: this is why counting past \\({tex(n)}\\) in {f.name} silently gets stuck "
             f"(\\({tex(n)} + 1\\) rounds back to \\({tex(n)}\\)).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        f = FMTS[p["dtype"]]
        return keep_wrong(answers[0], [
            Distractor(2**f.p - 1, "takes the largest p-bit significand, 2^p − 1; but 2^p is a power of two and exact"),
            Distractor(2 ** (f.p - 1), "forgets the hidden bit: p counts it already"),
            Distractor(int(f.max_finite), "gives the largest finite value; far below it integers are already skipped"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        dt = p["dtype"]
        n = answers[0].value
        assert isinstance(n, int)
        if dt == "bfloat16":
            import torch

            ints = torch.arange(0, 1024, dtype=torch.float64)
            ok = (ints.to(torch.bfloat16).to(torch.float64) == ints).numpy()
            base = 0
        elif dt == "float16":
            ints_np = np.arange(0, 8192, dtype=np.int64)
            ok = ints_np.astype(np.float16).astype(np.int64) == ints_np
            base = 0
        else:  # scan a window around the claimed N (a full scan of 2^24 or 2^53 values is too slow)
            base = n - 4096
            ints_np = np.arange(base, n + 4096, dtype=np.int64)
            ok = ints_np.astype(getattr(np, dt)).astype(np.int64) == ints_np
        first_bad = base + int(np.argmin(ok))
        require(bool(ok[: first_bad - base].all()) and not ok[first_bad - base], f"{dt}: scan found no gap")
        assert_equal(f"{dt}: first integer that does not survive a cast", answers[1].value, first_bad)
        assert_equal(f"{dt}: N", n, first_bad - 1)


_CANCEL: dict[str, Any] = {}
"""Cancellation._parts by params."""


class Cancellation(Generator):
    """Catastrophic cancellation in (1 + x) − 1 and exp(x) − 1, versus the exact value.

    Example: ``quizgen show numerics.cancellation --param op=add_sub --param x=1e-7 --param dtype=float32``
    """

    id = "numerics.cancellation"
    version = 1
    form = ("op", "dtype")
    title = "What does the naive formula return in dtype, and with what relative error?"
    tags = ("floating-point", "cancellation")
    params = (
        Param("op", "str", "add_sub: (1 + x) − 1; expm1: exp(x) − 1", choices=("add_sub", "expm1")),
        Param("x", "float", "the small input x", lo=1e-9, hi=1e-2, min=0, max=1, min_open=True),
        _dtype_param(),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        dtype = fixed.get("dtype") or rng.choice(SMALL)
        eps = float(FMTS[dtype].eps)
        x = rng.nice(max(1e-9, eps / 5), min(1e-2, eps * 30), 2)  # mostly above ε/2: not just 0
        return {"op": rng.choice(("add_sub", "expm1")), "x": x, "dtype": dtype}

    @staticmethod
    def _parts(p: Params) -> tuple[Fraction, Fraction, Fraction, Any]:
        """fl(x), the rounded 1+x or e^x, the computed result, and the true value (mpmath); once per
        params (solve, render and distractors all ask)."""
        return memo(_CANCEL, repr((p["dtype"], p["op"], p["x"])), lambda: Cancellation._exact_parts(p))

    @staticmethod
    def _exact_parts(p: Params) -> tuple[Fraction, Fraction, Fraction, Any]:
        import mpmath

        f = FMTS[p["dtype"]]
        fx = round_to(Fraction(p["x"]), f)
        with mpmath.workprec(256):
            if p["op"] == "add_sub":
                s = round_to(1 + fx, f)
                true = mpmath.mpf(p["x"])
            else:
                e = mpmath.exp(mpmath.mpf(fx.numerator) / fx.denominator)
                man, ex = e.man_exp
                s = round_to(Fraction(int(man)) * Fraction(2) ** int(ex), f)
                true = mpmath.expm1(mpmath.mpf(p["x"]))
        return fx, s, s - 1, true

    @staticmethod
    def _excess(p: Params, fx: Fraction) -> float:
        """(1 + fl(x) − 1)/ε or (e^fl(x) − 1)/ε before rounding: how many epsilons x is worth."""
        import mpmath

        eps = FMTS[p["dtype"]].eps
        if p["op"] == "add_sub":
            return float(fx / eps)
        with mpmath.workprec(256):
            return float(mpmath.expm1(mpmath.mpf(fx.numerator) / fx.denominator) * eps.denominator)

    def solve(self, p: Params) -> list[Answer]:
        import mpmath

        _, _, computed, true = self._parts(p)
        with mpmath.workprec(256):
            rel = abs(mpmath.mpf(computed.numerator) / computed.denominator - true) / true
        return [Answer("[computed, relative error]", [float(computed), float(rel)])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        fx, s, computed, true = self._parts(p)
        x = literal_tex(p["x"])
        val, rel = answers[0].value  # type: ignore[misc]
        if p["op"] == "add_sub":
            what = f"\\((1 + x) - 1\\) for \\(x = {x}\\)"
            truth = "x"
            mid = "1 + \\text{fl}(x)"
        else:
            what = f"\\(\\exp(x) - 1\\) for \\(x = {x}\\)"
            truth = "\\operatorname{expm1}(x) = e^x - 1"
            mid = "e^{\\text{fl}(x)}"
        q = (f"A program computes {what} in {f.name}: x is stored in {f.name}, and every operation (including "
             f"exp) is correctly rounded to nearest. What does it return, and what is the relative error "
             f"against the true value \\({truth}\\)? Answer [computed, relative error].")
        steps = f"Stored: \\(\\text{{fl}}(x) = {value_tex(fx)}\\). "
        t = self._excess(p, fx)
        if 1 <= s < 2 and t < 1 / f.eps:
            k = (s - 1) / f.eps
            steps += (f"Near 1 the {f.name} spacing is machine epsilon \\(\\varepsilon = 2^{{{1 - f.p}}} = "
                      f"{tex(float(f.eps))}\\), and \\({mid} = 1 + {tex(t, 6)}\\,\\varepsilon\\), which rounds to "
                      f"\\(\\text{{fl}}({mid}) = 1 + {tex(int(k))}\\,\\varepsilon\\). ")
        else:
            steps += f"\\(\\text{{fl}}({mid}) = {value_tex(s)}\\). "
        approx = value_tex(computed)
        if _sig_digits(exact_decimal(computed)) > 6:
            approx += f" \\approx {tex(val)}"
        lost = ("adding 1 keeps only the digits of x above machine epsilon" if p["op"] == "add_sub" else
                "rounding \\(e^x \\approx 1 + x\\) keeps only the digits of x above machine epsilon")
        exact_why = ("Sterbenz lemma" if s <= 2 else  # e^x > 2 only for user-given x > ln 2
                     "it is a multiple of the spacing at the rounded value, and smaller")
        s_txt = (f"{steps}The subtraction of 1 is then exact ({exact_why}), so all the error comes from "
                 f"that rounding: \\[\\text{{computed}} = {approx}\\] "
                 f"against the true \\({tex(float(true), 6)}\\): \\[\\frac{{|\\text{{computed}} - \\text{{true}}|}}"
                 f"{{\\text{{true}}}} = {tex(rel)}\\] Intuition: {lost}; the later subtraction exposes that loss. "
                 "Use log1p/expm1 or rewrite "
                 "the formula to avoid subtracting nearly equal numbers.")
        return q, s_txt

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        _, _, _, true = self._parts(p)
        return keep_wrong(answers[0], [
            Distractor([float(true), 0.0], "assumes floating-point arithmetic is exact here"),
            Distractor([0.0, 1.0], "assumes 1 + x always rounds back to 1"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        dt, x = p["dtype"], float(p["x"])
        fx = np_round(x, dt)
        if p["op"] == "add_sub":  # the addition in the dtype itself
            if dt == "bfloat16":
                import torch

                one = torch.tensor(1.0, dtype=torch.bfloat16)
                s = float((one + torch.tensor(fx, dtype=torch.bfloat16)).item())
            else:
                t = getattr(np, dt)
                s = float(t(1.0) + t(fx))
            true = x
        else:  # float64 exp is accurate to < 1 ulp of float64, far finer than the target format
            s = np_round(float(np.exp(fx)), dt)
            true = float(np.expm1(x))
        computed = s - 1.0
        assert_close(f"numpy/torch {dt} naive {p['op']}", answers[0].value, [computed, abs(computed - true) / true],
                     rtol=1e-9)


_SUMS: dict[str, Any] = {}
"""SumOrder._sums by params."""


class SumOrder(Generator):
    """Floating-point addition is not associative: (a+b)+c versus a+(b+c) with b ≈ −a.

    Example: ``quizgen show numerics.sum_order --param a=1e8 --param b=-1e8 --param c=1 --param dtype=float32``
    """

    id = "numerics.sum_order"
    version = 3
    form = ("dtype",)
    title = "In dtype, what are (a+b)+c and a+(b+c)?"
    tags = ("floating-point", "associativity")
    params = (
        Param("a", "float", "a large number", lo=-1e10, hi=1e10),
        Param("b", "float", "a number close to −a", lo=-1e10, hi=1e10),
        Param("c", "float", "a small number", lo=0, hi=1e9),
        _dtype_param(),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        dtype = fixed.get("dtype") or rng.choice(SMALL)
        f = FMTS[dtype]
        if dtype == "float16":
            a = rng.integer(1, 6) * 10**4
        else:
            a = rng.integer(1, 9) * 10 ** rng.integer(6 if dtype == "float32" else 4, 9)
        a = a if rng.bernoulli(0.5) else -a
        if "a" in fixed:
            a = fixed["a"]
        fa = round_to(Fraction(a), f, "a")
        ulp = spacing(fa, f)
        b: int | float = -a
        if rng.bernoulli(0.3) and ulp >= 1:
            cand = -(fa + (1 if fa > 0 else -1) * rng.integer(1, 3) * ulp)
            if round_to(cand, f) == cand:
                b = num(cand)
        # c off the spacing grid of b (mostly), so that b + c rounds and the two orders differ
        r = rng.choice((Fraction(1, 8), Fraction(1, 4), Fraction(3, 8), Fraction(1, 2), Fraction(3, 4),
                        Fraction(3, 2), Fraction(5, 2), Fraction(1)))
        return {"a": a, "b": b, "c": num(r * ulp), "dtype": dtype}

    def validate(self, p: Params) -> None:
        self._sums(p)

    @staticmethod
    def _sums(p: Params) -> tuple[Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction]:
        """(a, b, c, a + b, b + c, (a + b) + c, a + (b + c)) rounded in the dtype, exact; computed once
        per params (validate, solve, render and distractors all need them)."""
        return memo(_SUMS, repr((p["dtype"], p["a"], p["b"], p["c"])), lambda: SumOrder._exact_sums(p))

    @staticmethod
    def _exact_sums(p: Params) -> tuple[Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction]:
        f = FMTS[p["dtype"]]
        fa, fb, fc = (round_to(Fraction(p[k]), f, k) for k in "abc")
        ab = round_to(fa + fb, f, "a + b")
        bc = round_to(fb + fc, f, "b + c")
        return fa, fb, fc, ab, bc, round_to(ab + fc, f, "(a + b) + c"), round_to(fa + bc, f, "a + (b + c)")

    def solve(self, p: Params) -> list[Answer]:
        *_, left, right = self._sums(p)
        return [Answer("[(a+b)+c, a+(b+c)]", [num(left), num(right)], None, EXACT_IN_DTYPE)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        fa, fb, fc, ab, bc, left, right = self._sums(p)
        a, b, c = (literal_tex(p[k]) for k in "abc")
        q = (f"In {f.name} (round to nearest, ties to even), with \\(a = {a}\\), \\(b = {b}\\), \\(c = {c}\\), "
             f"what are \\((a + b) + c\\) and \\(a + (b + c)\\)? The inputs are stored in {f.name} first and "
             "every addition is rounded. Answer [(a+b)+c, a+(b+c)].")
        stored = ""
        changed = [(k, v) for k, v in zip("abc", (fa, fb, fc), strict=True) if v != Fraction(p[k])]
        if changed:
            stored = "Stored in " + f.name + ": " + ", ".join(
                f"\\(\\text{{fl}}({k}) = {value_tex(v)}\\)" for k, v in changed) + ". "
        if ab != fa + fb:
            first = (f"\\(a + b = {value_tex(fa + fb)}\\) rounds to "
                     f"\\(\\text{{fl}}(a + b) = {value_tex(ab)}\\)")
        elif fa * fb < 0 and abs(fb) <= 2 * abs(fa) <= 4 * abs(fb):
            first = f"\\(a + b = {value_tex(ab)}\\) is exact (nearby numbers cancel exactly)"
        else:
            first = f"\\(a + b = {value_tex(ab)}\\) is exact"
        last = (f"\\(a + {_paren(bc)} = {value_tex(right)}\\)" if fa + bc == right else
                f"\\(\\text{{fl}}(a + {_paren(bc)}) = \\text{{fl}}({value_tex(fa + bc)}) = {value_tex(right)}\\)")
        if bc == fb + fc:
            middle = f"\\(b + c = {value_tex(bc)}\\) is exact"
        else:
            middle = (f"near \\(|b + c|\\) the {f.name} spacing is \\({value_tex(spacing(fb + fc, f))}\\), so "
                      f"\\(\\text{{fl}}(b + c) = \\text{{fl}}({value_tex(fb + fc)}) = {value_tex(bc)}\\)")
        s = (f"{stored}Left: {first}, "
             f"then \\(\\text{{fl}}({value_tex(ab)} + {_paren(fc)}) = {value_tex(left)}\\). "
             f"Right: {middle}, and then {last}. "
             f"\\[\\left[(a+b)+c,\\ a+(b+c)\\right] = \\left[{value_tex(left)},\\ {value_tex(right)}\\right]\\] "
             "Intuition: a small number added to a large one loses the digits below the large number's "
             "spacing; cancel the large numbers first. Never compare floating-point sums with ==.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        fa, fb, fc, *_ = self._sums(p)
        exact = num(fa + fb + fc)
        left, right = answers[0].value  # type: ignore[misc]
        return keep_wrong(answers[0], [
            Distractor([exact, exact], "assumes addition is associative (exact arithmetic): both orders agree"),
            Distractor([right, left], "swaps the two groupings"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        dt = p["dtype"]
        if dt == "bfloat16":
            import torch

            a, b, c = (torch.tensor(np_round(float(p[k]), dt), dtype=torch.bfloat16) for k in "abc")
            got = [float(((a + b) + c).item()), float((a + (b + c)).item())]
        else:
            import numpy as np

            t = getattr(np, dt)
            a, b, c = (t(p[k]) for k in "abc")
            got = [float((a + b) + c), float(a + (b + c))]
        assert_equal(f"{dt} sums", [float(v) for v in answers[0].values], got)


def _paren(x: Fraction) -> str:
    return f"({value_tex(x)})" if x < 0 else value_tex(x)


class ExpOverflow(Generator):
    """The input above which exp overflows: ln of the largest finite value.

    Example: ``quizgen show numerics.exp_overflow --param dtype=float16``
    """

    id = "numerics.exp_overflow"
    version = 1
    title = "Above what x does exp(x) overflow in dtype?"
    tags = ("floating-point", "overflow")
    params = (_dtype_param((*SMALL, "float64")),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"dtype": rng.choice((*SMALL, "float64"))}

    @staticmethod
    def _ln_max(f: Fmt) -> float:
        mx = f.max_finite
        return mlog(mx)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("x", self._ln_max(FMTS[p["dtype"]]))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        f = FMTS[p["dtype"]]
        mx = float(f.max_finite)
        q = (f"Above roughly what \\(x\\) does \\(\\exp(x)\\) overflow to infinity in {f.name}? "
             f"(Its largest finite value is \\((2 - 2^{{{1 - f.p}}}) \\times 2^{{{f.emax}}}\\).)")
        s = (f"\\(e^x\\) overflows once it exceeds the largest finite value \\({tex(mx)}\\): "
             f"\\[x = \\ln\\left({tex(mx)}\\right) = \\ln(2 - 2^{{{1 - f.p}}}) + {f.emax} \\ln 2 = "
             f"{tex(answers[0].value, 6)}\\] Intuition: exp overflows at inputs of order 100 (about 11 in "
             "float16), so softmax and logsumexp subtract the maximum before exponentiating.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        mx = FMTS[p["dtype"]].max_finite
        return keep_wrong(answers[0], [
            Distractor(mlog(mx, 10), "uses log10 of the max, not ln"),
            Distractor(mlog(mx, 2), "uses log2 of the max, not ln"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        dt = p["dtype"]
        guess = float(answers[0].value)
        step = guess * 1e-6
        grid = np.arange(guess - 2000 * step, guess + 2000 * step, step)
        # exp in float64 (or torch float32 for bfloat16), then stored in the dtype: a fine grid of
        # inputs, which the dtype itself could not hold (float16 has a spacing of 2^-7 near 11)
        with np.errstate(over="ignore"):
            if dt == "bfloat16":
                import torch

                ys = torch.exp(torch.tensor(grid, dtype=torch.float32))
                inf = torch.isinf(ys.to(torch.bfloat16)).numpy()
            else:
                inf = np.isinf(np.exp(grid).astype(getattr(np, dt)))
        require(bool(inf.any()) and not bool(inf[0]), f"{dt}: no overflow found in the scan window")
        assert_close(f"first x with exp(x) = inf in {dt}", guess, float(grid[int(np.argmax(inf))]), rtol=1e-4)


_LSE: dict[str, Any] = {}
"""LogSumExp._lse by x."""


@functools.lru_cache(maxsize=4096)
def _tail(offs: tuple[float, ...]) -> float:
    """log Σ e^(−d) over the offsets d ∈ [0, 3], as mlog(sum(Fraction(mexp(-d)) for d in offs)) gives
    it: mlog rounds the exact sum once to 30 digits (103 bits) and takes the log there. mpmath's
    low-level mpf_sum adds floats within a factor e^3 of each other exactly and rounds once, the same
    rounding, without Fractions and mpf wrappers. Sorted offsets: the exact sum has no order."""
    from mpmath.libmp import from_float, mpf_log, mpf_sum, to_float

    total = mpf_sum([from_float(mexp(-d)) for d in offs], _PREC30, "n")
    out: float = to_float(mpf_log(total, _PREC30, "n"), rnd="n")
    return out


class LogSumExp(Generator):
    """log Σ exp(xᵢ) computed stably by subtracting the maximum.

    Example: ``quizgen show numerics.logsumexp --param x=[1000,999,998]``
    """

    id = "numerics.logsumexp"
    version = 2
    title = "What is log Σ exp(xᵢ)?"
    tags = ("floating-point", "logsumexp")
    params = (Param("x", "floats", "the values xᵢ", lo=50, hi=1000, len_lo=2, len_hi=6, min_len=1, max_len=100),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            n = rng.integer(2, 6)
            offs = [0.0] + [rng.nice_uniform(0, 3, 1) for _ in range(n - 1)]
            tail = _tail(tuple(sorted(offs)))
            # The log-sum term must matter at 3 significant figures: max(x) alone must be clearly wrong, the
            # term at least 3 half-units of the answer (0.05 below 100, 0.5 up to 1000).
            top = 1000.0 if tail >= 1.5 else 100.0 - tail if tail >= 0.15 else 0.0
            if top < 55:
                continue
            m = rng.nice_uniform(50 + 3, top, 1)
            x = [round(m - d, 1) for d in offs]
            if 3 * sig_half_unit(self._lse(x), 3) > self._lse(x) - max(x):
                continue
            shuffled = rng.shuffled(x)
            # The same value for the shuffled list: the terms are within e^-3 of each other, so mpmath's fsum
            # adds them exactly and rounds once, whatever their order; each term depends on its xᵢ only.
            lse, terms = self._lse_parts(x)
            by_value = dict(zip(x, terms, strict=True))
            parts = (lse, tuple(by_value[v] for v in shuffled))
            memo(_LSE, repr(shuffled), lambda: parts)  # noqa: B023 (called at once)
            return {"x": shuffled}
        raise DrawError("logsumexp: no draw with a visible log-sum term in 200 tries")

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("log Σ exp(x)", self._lse(p["x"]))]

    @staticmethod
    def _lse(x: list[float]) -> float:
        return LogSumExp._lse_parts(x)[0]

    @staticmethod
    def _lse_parts(x: list[float]) -> tuple[float, tuple[float, ...]]:
        """log Σ exp(xᵢ), and each e^(xᵢ − m) as a float; once per x (draw, solve and render ask)."""
        return memo(_LSE, repr(x), lambda: LogSumExp._exact_lse(x))

    @staticmethod
    def _exact_lse(x: list[float]) -> tuple[float, tuple[float, ...]]:
        if LogSumExp._terms_are_mexp(x):
            return LogSumExp._libmp_lse(x)
        return LogSumExp._mpmath_lse(x)

    @staticmethod
    def _libmp_lse(x: list[float]) -> tuple[float, tuple[float, ...]]:
        """_mpmath_lse by mpmath's low-level functions (no mpf objects, no context switch): the same
        operations at the same precision (103 bits, 30 digits) and rounding (to nearest), so the same
        bits, for x of finite floats and ints below 2^53 (which convert exactly)."""
        from mpmath.libmp import from_float, from_int, mpf_add, mpf_exp, mpf_log, mpf_sub, mpf_sum, to_float

        prec = _PREC30
        m = max(x)
        mm = from_float(m) if type(m) is float else from_int(m)
        terms = [mpf_exp(mpf_sub(from_float(v) if type(v) is float else from_int(v), mm, prec, "n"), prec, "n")
                 for v in x]
        lse = mpf_add(mm, mpf_log(mpf_sum(terms, prec, "n"), prec, "n"), prec, "n")
        return to_float(lse, rnd="n"), tuple(to_float(t, rnd="n") for t in terms)

    @staticmethod
    def _mpmath_lse(x: list[float]) -> tuple[float, tuple[float, ...]]:
        import mpmath

        m = max(x)
        with mpmath.workdps(30):
            terms = [mpmath.exp(_mpf(v) - _mpf(m)) for v in x]
            return float(_mpf(m) + mpmath.log(mpmath.fsum(terms))), tuple(float(t) for t in terms)

    @staticmethod
    def _terms_are_mexp(x: list[float]) -> bool:
        """Whether _exact_lse's terms are mexp(Fraction(xᵢ) − Fraction(m)): when every xᵢ converts to
        an mpf exactly (a finite float, or an int below 2^53), _mpf(xᵢ) − _mpf(m) is the exact
        difference rounded once at the same precision, as _mpf of the Fraction difference is."""
        return all(type(v) is float and math.isfinite(v) or type(v) is int and abs(v) < 2**53 for v in x)

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        x = p["x"]
        m = max(x)
        xs = ", ".join(tex(v) for v in x)
        terms = " + ".join(f"e^{{{tex(round(v - m, 10))}}}" for v in x)
        if self._terms_are_mexp(x):
            total = sum(self._lse_parts(x)[1])
        else:
            total = sum(mexp(Fraction(v) - Fraction(m)) for v in x)
        q = (f"What is \\(\\log \\sum_i e^{{x_i}}\\) (natural log) for \\(x = ({xs})\\)? Computed naively, "
             "\\(e^{x_i}\\) overflows float32 once \\(x_i\\) exceeds 88.7 (float64: 709.8).")
        s = (f"Subtract the maximum \\(m = {tex(m)}\\), so the largest exponent is 0 and nothing overflows: "
             f"\\[\\log \\sum_i e^{{x_i}} = m + \\log \\sum_i e^{{x_i - m}} = {tex(m)} + \\log\\left({terms}\\right)"
             f" = {tex(m)} + \\log {tex(total)} = {tex(answers[0].value, 6)}\\] "
             "Intuition: logsumexp is a smooth maximum: it exceeds max(x) by at most log n, the more the "
             "closer the other values are to the maximum.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        m = max(p["x"])
        return keep_wrong(answers[0], [
            Distractor(m, "takes the maximum only, dropping the log-sum correction"),
            Distractor(answers[0].values[0] - m, "forgets to add the maximum back after subtracting it"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import scipy.special
        import torch

        x = [float(v) for v in p["x"]]
        assert_close("scipy.special.logsumexp", answers[0].value, float(scipy.special.logsumexp(x)), rtol=1e-12)
        assert_close("torch.logsumexp", answers[0].value,
                     float(torch.logsumexp(torch.tensor(x, dtype=torch.float64), 0)), rtol=1e-12)


ODE_R = {
    "euler": ("explicit Euler", "y_{n+1} = y_n + h\\lambda y_n", "R(z) = 1 + z"),
    "heun": ("Heun's method", "y_{n+1} = y_n + \\frac{h}{2}\\left(f(y_n) + f(y_n + h f(y_n))\\right)",
             "R(z) = 1 + z + \\frac{z^2}{2}"),
    "implicit_euler": ("implicit Euler", "y_{n+1} = y_n + h\\lambda y_{n+1}", "R(z) = \\frac{1}{1 - z}"),
}


@functools.lru_cache(maxsize=1024, typed=True)
def ode_factor(method: str, z: Fraction) -> Fraction:
    """R(z), the factor one step multiplies y by (cached: draw, validate, solve, render and
    distractors each ask; a function of the value)."""
    if method == "euler":
        return 1 + z
    if method == "heun":
        return 1 + z + z * z / 2
    return 1 / (1 - z)


def _dec(v: int | float) -> Fraction:
    """The decimal the user sees (0.1 as 1/10), for exact arithmetic on short decimals (a float's
    Fraction(repr(v)), which quizgen.gentools caches)."""
    return decimal_fraction(v) if isinstance(v, float) else Fraction(v)


def _log10(r: Fraction) -> float:
    """log10 |r| for r ≠ 0, also far outside float64's range (math.log10 takes big ints)."""
    r = abs(r)
    return math.log10(r.numerator) - math.log10(r.denominator)


def _exp_tex(x: Fraction) -> str:
    """``= e^x`` for the solution text, or ``\\approx 10^{k}`` when e^x is beyond float64."""
    v = mexp(x)
    if math.isfinite(v) and v != 0:
        return f"= {tex(v)}"
    return f"\\approx 10^{{{tex(round(float(x) / math.log(10), 1))}}}"


def _pow_float(r: Fraction, n: int) -> float:
    """r^n as a float, or inf when it is out of float64's range (never an OverflowError)."""
    if r != 0 and n * _log10(r) > 307:
        return math.inf
    if r != 0 and n * _log10(r) < -320:
        return 0.0
    return float(_power(r, n))


@functools.lru_cache(maxsize=256, typed=True)
def _power(r: Fraction, n: int) -> Fraction:
    """r^n, exact (cached: the draw's test and solve both raise R(hλ) to the N)."""
    return r**n


class OdeStep(Generator):
    """N steps of explicit Euler, Heun or implicit Euler on y' = λy: y_N = R(hλ)^N.

    Example: ``quizgen show numerics.ode_step --param method=euler --param lam=-10 --param h=0.25 --param steps=10``
    """

    id = "numerics.ode_step"
    version = 3
    form = ("method", "steps")  # the answer is y_N for this N
    title = "What is y_N on y' = λy, y(0) = 1?"
    tags = ("ode", "stability")
    params = (
        Param("method", "str", "the stepper", choices=("euler", "heun", "implicit_euler")),
        Param("lam", "float", "the rate λ in y' = λy", lo=-100, hi=-0.1),
        Param("h", "float", "the step size", lo=0.001, hi=1, min=0, min_open=True),
        Param("steps", "int", "the number of steps N", lo=1, hi=50, min=1, max=10000),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        method = fixed.get("method") or rng.choice(("euler", "heun", "implicit_euler"))
        out: Params = {}
        for _ in range(200):
            lam = fixed.get("lam", -rng.nice(0.1, 100, 2))
            lo, hi = (max(0.001, 0.02 / abs(lam)), min(1.0, 3.0 / abs(lam))) if lam else (0.001, 1.0)
            h = fixed.get("h") or (rng.nice(lo, hi, 2) if lo < hi else rng.nice(0.001, 1, 2))
            steps = fixed.get("steps") or rng.integer(1, 50)
            out = {"method": method, "lam": lam, "h": h, "steps": steps}
            z = _dec(h) * _dec(lam)
            r = abs(ode_factor(method, z)) if z != 1 else Fraction(0)
            # readable (|y_N| within 1e±12), and the method's error visible at 3 significant figures: the
            # exact solution e^(λhN) must not pass as y_N
            if r != 0 and abs(steps * _log10(r)) <= 12 and \
                    not SIG3.accepts(mexp(z * steps), _pow_float(ode_factor(method, z), steps)):
                return out
        if {"lam", "h"} <= set(fixed) or {"h", "steps"} <= set(fixed):
            return out  # the user's values leave no readable draw; validate() judges them
        raise DrawError("ode_step: no readable draw in 200 tries")

    def validate(self, p: Params) -> None:
        z = _dec(p["h"]) * _dec(p["lam"])
        if p["method"] == "implicit_euler" and z == 1:
            raise ParamError(f"h must not be 1/lam for implicit_euler (got h={p['h']}, lam={p['lam']}): "
                             "1 − hλ = 0 makes the step singular; change h or lam")
        r = abs(ode_factor(p["method"], z))
        if r == 0 or abs(p["steps"] * _log10(r)) <= 300:
            return
        lg = _log10(r)
        shown = plain(float(r)) if abs(lg) < 300 else f"1e{round(lg)}"
        what = "overflows" if lg > 0 else "underflows"
        top = math.floor(300 / abs(lg))
        if top < 1:
            raise ParamError(f"h must be smaller in magnitude here (got h={p['h']} with lam={p['lam']}): one "
                             f"{p['method']} step multiplies y by |R(hλ)| = {shown}, which {what} float64")
        raise ParamError(f"steps must be at most {top} here (got {p['steps']}): y_N = R(hλ)^N with "
                         f"|R| = {shown} {what} float64 (|y_N| must lie in 1e-300…1e300); use fewer steps or "
                         f"{'a smaller' if lg > 0 else 'another'} h")

    def solve(self, p: Params) -> list[Answer]:
        r = ode_factor(p["method"], _dec(p["h"]) * _dec(p["lam"]))
        return [Answer(f"y_{p['steps']}", float(_power(r, p["steps"])))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        name, step, rf = ODE_R[p["method"]]
        lam, h, n = p["lam"], p["h"], p["steps"]
        z = _dec(h) * _dec(lam)
        r = ode_factor(p["method"], z)
        q = (f"Solve \\(y' = \\lambda y\\), \\(y(0) = 1\\), with \\(\\lambda = {literal_tex(lam)}\\) by {name} "
             f"(\\({step}\\)), step \\(h = {literal_tex(h)}\\), for \\(N = {n}\\) steps. "
             f"What is \\(y_N = y_{{{n}}}\\)?")
        stable = "stable" if abs(r) <= 1 else "unstable"
        s = (f"On \\(y' = \\lambda y\\) each step multiplies by the amplification factor \\({rf}\\) with "
             f"\\(z = h\\lambda = {tex(float(z))}\\): \\(R = {tex(float(r), 6)}\\), so "
             f"\\[y_N = R(z)^N = ({tex(float(r), 6)})^{{{n}}} = {tex(answers[0].value)}\\] "
             f"versus the exact \\(e^{{\\lambda h N}} {_exp_tex(z * n)}\\). Here \\(|R|\\) is "
             f"{'at most' if abs(r) <= 1 else 'above'} 1: the scheme is {stable} at this step. Intuition: explicit "
             "methods are stable only for small \\(|h\\lambda|\\); implicit Euler damps for every positive step.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        z = _dec(p["h"]) * _dec(p["lam"])
        n = p["steps"]
        out = [Distractor(mexp(z * n), "gives the exact solution e^(λhN), not the method's")]
        if p["method"] == "implicit_euler":
            out.append(Distractor(_pow_float(1 + z, n), "uses the explicit factor 1 + hλ"))
        elif z != 1:
            out.append(Distractor(_pow_float(ode_factor("implicit_euler", z), n),
                                  "uses the implicit Euler factor 1/(1 − hλ)"))
        # with user-given λ, h, N a misconception's value can leave float64 (inf, or 0 for a nonzero power)
        return keep_wrong(answers[0], [d for d in out if isinstance(d.value, float) and math.isfinite(d.value)
                                       and (d.value != 0 or answers[0].value == 0)])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy.optimize import brentq

        lam, h = float(p["lam"]), float(p["h"])
        y = 1.0
        for _ in range(p["steps"]):
            if p["method"] == "euler":
                y = y + h * lam * y
            elif p["method"] == "heun":
                k1 = lam * y
                k2 = lam * (y + h * k1)
                y = y + h / 2 * (k1 + k2)
            else:  # solve y_{n+1} = y_n + hλ y_{n+1} by root finding, scaled by y_n: u = 1 + hλu
                c = h * lam
                lo, hi = (0.0, 1.0) if c <= 0 else (1.0, 2.0 / (1.0 - c)) if c < 1 else (2.0 / (1.0 - c), 0.0)
                y = y * brentq(lambda u, c=c: u - 1.0 - c * u, lo, hi, xtol=1e-300, rtol=1e-15)
        assert_close("step loop", answers[0].value, y, rtol=1e-9)


class OdeStabilityLimit(Generator):
    """The largest stable step on y' = λy (Euler, Heun), or for the fixed-point solve of implicit Euler.

    Example: ``quizgen show numerics.ode_stability_limit --param method=heun --param lam=-50``
    """

    id = "numerics.ode_stability_limit"
    version = 2
    form = ("method",)
    title = "What is the largest stable step size?"
    tags = ("ode", "stability")
    METHODS = ("euler", "heun", "implicit_euler_fixed_point")
    params = (
        Param("method", "str", "the stepper", choices=METHODS),
        Param("lam", "float", "the rate λ < 0 in y' = λy (euler, heun)", lo=-1000, hi=-0.1, optional=True),
        Param("lipschitz", "float", "the Lipschitz constant L of f (implicit_euler_fixed_point)", lo=0.1,
              hi=1000, min=0, min_open=True, optional=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if "method" in fixed:
            method = fixed["method"]
        elif "lipschitz" in fixed:
            method = "implicit_euler_fixed_point"
        elif "lam" in fixed:
            method = rng.choice(("euler", "heun"))
        else:
            method = rng.choice(self.METHODS)
        if method == "implicit_euler_fixed_point":
            return {"method": method, "lipschitz": rng.nice(0.1, 1000, 2)}
        return {"method": method, "lam": -rng.nice(0.1, 1000, 2)}

    def validate(self, p: Params) -> None:
        if p["method"] == "implicit_euler_fixed_point":
            if "lam" in p:
                raise ParamError(f"lam does not apply to implicit_euler_fixed_point (got lam={p['lam']}): give "
                                 "lipschitz=L instead")
            if "lipschitz" not in p:
                raise ParamError("lipschitz is required for implicit_euler_fixed_point: add --param lipschitz=L "
                                 "(the Lipschitz constant of f)")
            if p["lipschitz"] < 1e-300:
                raise ParamError(f"lipschitz must be at least 1e-300 (got {p['lipschitz']}): h_max = 1/L would "
                                 "overflow float64; use a larger L")
        else:
            if "lipschitz" in p:
                raise ParamError(f"lipschitz applies only to implicit_euler_fixed_point (got lipschitz="
                                 f"{p['lipschitz']} with method={p['method']}): give lam=λ (negative) instead")
            if "lam" not in p:
                raise ParamError(f"lam is required for method={p['method']}: add --param lam=λ (negative)")
            if p["lam"] >= 0:
                raise ParamError(f"lam must be negative (got {p['lam']}): for λ ≥ 0 the solution does not decay "
                                 "and no step size is stable")
            if p["lam"] > -1e-300:
                raise ParamError(f"lam must be at most -1e-300 (got {p['lam']}): h_max = 2/|λ| would overflow "
                                 "float64; use a larger |λ|")

    def solve(self, p: Params) -> list[Answer]:
        if p["method"] == "implicit_euler_fixed_point":
            return [Answer("h_max", float(1 / _dec(p["lipschitz"])))]
        return [Answer("h_max", float(2 / abs(_dec(p["lam"]))))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        h = tex(answers[0].value)
        if p["method"] == "implicit_euler_fixed_point":
            L = literal_tex(p["lipschitz"])
            q = (f"Implicit Euler \\(y_{{n+1}} = y_n + h f(y_{{n+1}})\\) is solved at each step by the fixed-point "
                 f"iteration \\(y^{{(k+1)}} = y_n + h f(y^{{(k)}})\\), where \\(f\\) has Lipschitz constant "
                 f"\\(L = {L}\\). Up to what step size \\(h\\) is this iteration guaranteed to converge?")
            s = (f"The map \\(g(y) = y_n + h f(y)\\) has Lipschitz constant \\(hL\\); it is a contraction, and the "
                 f"iteration converges, when \\(hL\\) is below 1, that is for every step below \\[h_{{\\max}} = "
                 f"\\frac{{1}}{{L}} = \\frac{{1}}{{{L}}} = {h}\\] "
                 "For \\(f(y) = -Ly\\) the iteration error is multiplied by \\(-hL\\) each time, so the bound is "
                 "tight. Intuition: implicit Euler itself is A-stable, but the cheap fixed-point solve brings "
                 "back a step limit; Newton's method avoids it.")
            return q, s
        lam = literal_tex(p["lam"])
        name, step, rf = ODE_R[p["method"]]
        q = (f"For \\(y' = \\lambda y\\) with \\(\\lambda = {lam}\\), what is the largest step size \\(h\\) for "
             f"which {name} (\\({step}\\)) is stable, i.e. \\(|R(h\\lambda)| \\le 1\\)?")
        extra = ("\\(|1 + z| \\le 1\\) on the real axis means \\(-2 \\le z \\le 0\\)" if p["method"] == "euler" else
                 "\\(1 + z + z^2/2 = 1\\) at \\(z = 0\\) and \\(z = -2\\), and in between it stays in \\((0, 1)\\), so "
                 "on the real axis \\(-2 \\le z \\le 0\\)")
        s = (f"The amplification factor is \\({rf}\\) with \\(z = h\\lambda\\). {extra}. So "
             f"\\[h \\le \\frac{{2}}{{|\\lambda|}} = \\frac{{2}}{{{tex(abs(p['lam']))}}} = {h}\\] "
             "Intuition: stiff problems (large \\(|\\lambda|\\)) force explicit methods to take tiny steps even "
             "when the solution itself is smooth.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        v = float(answers[0].value)
        if p["method"] == "implicit_euler_fixed_point":
            return keep_wrong(answers[0], [Distractor(2 * v, "uses the explicit Euler limit 2/L")])
        return keep_wrong(answers[0], [Distractor(v / 2, "uses 1/|λ| (the step where 1 + hλ = 0, not −1)")])

    def check(self, p: Params, answers: list[Answer]) -> None:
        want = float(answers[0].value)
        if p["method"] == "implicit_euler_fixed_point":
            lip = float(p["lipschitz"])

            def ok(h: float) -> bool:  # iterate y ← 1 + h f(y) with f(y) = −L y from 0: do updates shrink?
                prev, y = 0.0, 1.0
                for _ in range(400):
                    prev, y = y, 1.0 - h * lip * y
                return abs(y - prev) < 1.0
        else:
            lam = float(p["lam"])

            def ok(h: float) -> bool:
                z = h * lam
                r = 1 + z if p["method"] == "euler" else 1 + z + z * z / 2
                return abs(r) <= 1

        lo, hi = 0.0, 1.0
        while ok(hi):
            hi *= 2
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        assert_close("bisection on stability", want, lo, rtol=1e-6)
