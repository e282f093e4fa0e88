"""Number formatting for people: plain text (terminal, answer fields) and LaTeX (inside ``\\( \\)``).

Every output formats numbers through here, so a value reads the same on a card, a sheet and in the
terminal. Example: ``plain(5.88e22) == "5.88e22"``, ``tex(5.88e22) == "5.88 \\times 10^{22}"``,
``plain(524288) == "524,288"``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from fractions import Fraction

from quizgen.model import Answer, Number


def _sig_parts(x: float, sig: int) -> tuple[str, int]:
    """Mantissa text (trailing zeros stripped) and exponent for ``x`` to ``sig`` figures."""
    s = f"{x:.{sig - 1}e}"
    mant, exp = s.split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant, int(exp)


def _fixed(x: float, sig: int) -> str:
    s = f"{x:.{sig}g}"
    if "e" in s:  # .g chose exponent form; force positional
        mant, exp = _sig_parts(x, sig)
        decimals = max(0, sig - 1 - int(exp))
        s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _use_sci(x: float) -> bool:
    ax = abs(x)
    return ax != 0 and (ax >= 1e6 or ax < 1e-3)


def plain(x: Number | Fraction, sig: int = 4) -> str:
    """Plain text: exact ints below 1e15 with thousands separators, else ``sig`` figures."""
    if type(x) is not float and type(x) is not int and isinstance(x, Fraction):  # (skips the ABC check)
        x = float(x)
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int) and abs(x) < 10**15:
        return f"{x:,}"
    xf = float(x)
    if xf == 0:
        return "0"
    if _use_sci(xf):
        mant, exp = _sig_parts(xf, sig)
        return f"{mant}e{exp}"
    return _fixed(xf, sig)


def typeable(x: Number, sig: int = 6) -> str:
    """A canonical string a learner could type and that parses back (no separators)."""
    if isinstance(x, int) and abs(x) < 10**15:
        return str(x)
    xf = float(x)
    if xf == 0:
        return "0"
    if _use_sci(xf):
        mant, exp = _sig_parts(xf, sig)
        return f"{mant}e{exp}"
    return _fixed(xf, sig)


@functools.lru_cache(maxsize=8192, typed=True)
def tex(x: Number | Fraction, sig: int = 4) -> str:
    """LaTeX for use inside math: ``8\\,589\\,934\\,592``, ``5.88 \\times 10^{22}``, ``0.4431``.
    (Cached, by type too: a problem's values come back in its solution, answer and mistakes.)"""
    if type(x) is float and (1e-3 <= x < 1e6 or -1e6 < x <= -1e-3):  # the common case, in short
        return _fixed(x, sig)
    if type(x) is not float and type(x) is not int and isinstance(x, Fraction):  # (skips the ABC check)
        x = float(x)
    if isinstance(x, int) and abs(x) < 10**15:
        sign = "-" if x < 0 else ""
        return sign + f"{abs(x):,}".replace(",", "\\,")
    xf = float(x)
    if xf == 0:
        return "0"
    if _use_sci(xf):
        mant, exp = _sig_parts(xf, sig)
        if mant in ("1", "-1"):
            return f"{'-' if mant == '-1' else ''}10^{{{exp}}}"
        return f"{mant} \\times 10^{{{exp}}}"
    return _fixed(xf, sig)


def plain_value(v: Number | Sequence[Number] | str, sig: int = 4) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(plain(x, sig) for x in v) + "]"
    return plain(v, sig)  # type: ignore[arg-type]


def sig_figures(a: Answer, v: Number) -> int:
    """Significant figures that show ``v`` as precisely as its tolerance grades it: ``sig=n`` → n
    (the stated precision), an exact float → all its digits, ±atol → the digits down to atol,
    a factor tolerance → 3."""
    tol = a.tolerance
    if tol.sig is not None:
        return tol.sig
    need = 3
    if tol.exact and isinstance(v, float) and v != 0:
        mant = f"{v!r}".lower().split("e")[0].lstrip("-").replace(".", "").strip("0")
        need = max(need, len(mant))
    elif tol.factor is None:
        if tol.rtol > 0:
            need = max(need, math.ceil(-math.log10(tol.rtol) - 1e-9) + 1)
        if tol.atol > 0 and v != 0:
            need = max(need, math.ceil(math.log10(abs(v)) - math.log10(tol.atol) - 1e-9) + 1)
    return min(need, 17)


def fmt_answer(a: Answer, sig: int | None = None) -> str:
    """``524,288 FLOP`` / ``[0.7, 0.667]`` / ``0.443 nats`` / ``memory-bound``: by default with as
    many significant figures as the answer's tolerance grades (:func:`sig_figures`)."""
    if isinstance(a.value, str):
        return a.value
    text = "[" if isinstance(a.value, list) else ""
    text += ", ".join(plain(v, sig or sig_figures(a, v)) for v in a.values)
    text += "]" if isinstance(a.value, list) else ""
    return f"{text} {a.unit}" if a.unit else text


def is_integral(x: float) -> bool:
    return isinstance(x, int) or (isinstance(x, float) and math.isfinite(x) and x.is_integer())
