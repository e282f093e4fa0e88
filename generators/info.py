"""Information theory: KL divergences, entropy, cross-entropy and perplexity, W₂ between Gaussians, MMD.
Natural logs (nats) unless the unit says bits. Example::

    quizgen show info.kl_gaussian --param mu_p=0 --param sigma_p=1 --param mu_q=1 --param sigma_q=2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import exact_decimal as _exact
from quizgen.gentools import memo, over_common_denominator, scaled_decimals
from quizgen.model import Answer, Distractor, Value
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

LN2 = math.log(2)




def _far(answer: Answer, value: Value) -> bool:
    """Whether ``value`` is clearly wrong under the answer's tolerance (a usable distractor)."""
    from quizgen.grading import accepts

    return not accepts(answer, value)


def _sqrt(x: Fraction) -> float:
    """√x, exact when x is the square of a fraction (√(0.3² + 0.4²) is 0.5, not 0.5000000000000001)."""
    num, den = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if num * num == x.numerator and den * den == x.denominator:
        return num / den
    return math.sqrt(x)


def _nth_root(x: Fraction, n: int) -> Fraction | None:
    """The exact n-th root of a positive fraction, or None when it is irrational."""
    roots = []
    for part in (x.numerator, x.denominator):
        r = round(math.exp(math.log(part) / n)) if part.bit_length() < 1000 else 0
        r = next((c for c in (r - 1, r, r + 1) if c > 0 and c**n == part), 0)
        if not r:
            return None
        roots.append(r)
    return Fraction(roots[0], roots[1])


def _clean(x: float) -> float:
    """Drop the sign of a rounded zero, so params never show ``-0.0``."""
    return x + 0.0


def _texlist(xs: Sequence[int | float]) -> str:
    return "(" + ", ".join(tex(x) for x in xs) + ")"


def _round_sig(x: float, sig: int) -> float:
    return float(f"{x:.{sig - 1}e}") if x else 0.0


def _sig_to_reproduce(parts: Sequence[float], combine: Callable[[list[float]], Sequence[float]],
                      target: Sequence[float]) -> int:
    """The fewest significant figures (4 to 12) to show the intermediate ``parts`` of a worked solution
    with, so that recombining the shown values lands within 1e-4 (a tenth of the grading tolerance) of
    ``target``. With cancellation (a sum of terms much larger than the result) 4 figures are not enough:
    a learner who follows the solution's numbers would get an answer that is graded wrong."""
    for sig in range(4, 13):
        got = combine([_round_sig(x, sig) for x in parts])
        if all(abs(g - t) <= 1e-4 * abs(t) for g, t in zip(got, target, strict=True)):
            return sig
    return 12


_HUGE = 1e300


def _finite(f: Callable[..., float | Sequence[float]], *args: Any, **kwargs: Any) -> bool:
    """Whether ``f(*args, **kwargs)`` evaluates without overflow to values within ±1e300."""
    try:
        v = f(*args, **kwargs)
    except (OverflowError, ZeroDivisionError, ValueError):
        return False
    vals = v if isinstance(v, Sequence) else [v]
    return all(math.isfinite(x) and abs(x) < _HUGE for x in vals)


def _ln_ratio(x: Fraction, y: Fraction) -> float:
    """ln(x/y) for positive fractions, accurate near 1 (where ln(float(x/y)) loses every digit) and
    without overflow for extreme ratios.

    In integers: x/y = N/D with N = x.num·y.den and D = x.den·y.num > 0, so |x/y − 1| < ½ is
    2|N − D| < D, float(x/y − 1) is (N − D)/D (int / int is correctly rounded, as ``float(Fraction)``
    is), and the log branch takes N/D reduced by their gcd: the floats of :func:`_ln_ratio_plain`
    (tested in tests/test_info.py), without four Fraction operations per term."""
    a, c = x.numerator, y.numerator
    if a <= 0 or c <= 0:
        return _ln_ratio_plain(x, y)
    num, den = a * y.denominator, x.denominator * c
    diff = num - den
    if 2 * abs(diff) < den:
        return math.log1p(diff / den)
    g = math.gcd(num, den)
    return math.log(num // g) - math.log(den // g)


def _ln_ratio_plain(x: Fraction, y: Fraction) -> float:
    """:func:`_ln_ratio` in Fraction arithmetic."""
    r = x / y
    if abs(r - 1) < Fraction(1, 2):
        return math.log1p(float(r - 1))
    return math.log(r.numerator) - math.log(r.denominator)


# -- probability vectors ----------------------------------------------------------------------------

def _prob_param(name: str, help_: str, len_lo: int, len_hi: int) -> Param:
    return Param(name, "floats", help_, lo=0, hi=1, min=0, max=1, len_lo=len_lo, len_hi=len_hi, min_len=2)


_NORMALIZED: dict[str, Any] = {}
_MMD2: dict[str, Any] = {}


def _normalized(name: str, p: Sequence[int | float]) -> list[Fraction]:
    """``p`` as exact fractions scaled to sum to exactly 1, or ParamError if it is not a distribution."""
    return list(memo(_NORMALIZED, repr((name, p)), lambda: tuple(_normalize(name, p))))


def _normalize(name: str, p: Sequence[int | float]) -> list[Fraction]:
    """In integers over the common denominator ``den`` of the exact decimals: with X_i = x_i·den and
    T = ΣX_i, the sum is T/den (|T/den − 1| > 1e-6 ⇔ 10⁶·|T − den| > den; its float T/den as
    ``float(Fraction)`` rounds it) and x_i/sum = X_i/T: the Fractions of :func:`_normalize_plain`."""
    den, xi = scaled_decimals(p)
    total = sum(xi)
    if 10**6 * abs(total - den) > den:
        raise ParamError(f"{name} must sum to 1 (± 1e-6) (got sum {total / den:.10g}); "
                         f"e.g. --param {name}=[0.5,0.3,0.2]")
    return [Fraction(v, total) for v in xi]


def _normalize_plain(name: str, p: Sequence[int | float]) -> list[Fraction]:
    """:func:`_normalize` in Fraction arithmetic."""
    total = sum((_exact(x) for x in p), Fraction(0))
    if abs(total - 1) > Fraction(1, 10**6):
        raise ParamError(f"{name} must sum to 1 (± 1e-6) (got sum {float(total):.10g}); "
                         f"e.g. --param {name}=[0.5,0.3,0.2]")
    return [_exact(x) / total for x in p]


def _composition(rng: Rng, n: int, units: int) -> list[int]:
    """``n`` positive integers summing to ``units``, uniformly over such compositions."""
    cuts = sorted(rng.sample(range(1, units), n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=True)]


def _decimal_probs(rng: Rng, n: int, units: int = 20) -> list[float]:
    """``n`` positive probabilities in steps of 1/units (0.05 by default) that sum to exactly 1; finer
    steps (0.01, 0.002, …) when ``n`` outcomes do not fit."""
    while units < 2 * n:
        units *= 5
    return [k / units for k in _composition(rng, n, units)]  # correctly rounded, = float(Fraction(k, units))


def _dyadic_probs(rng: Rng, n: int) -> list[float]:
    """``n`` probabilities that are powers of ½ (0.5, 0.25, …, ≥ 1/32), by repeatedly halving one."""
    parts = [Fraction(1)]
    while len(parts) < n:
        i = rng.choice([j for j, v in enumerate(parts) if v >= Fraction(1, 16)])
        half = parts.pop(i) / 2
        parts += [half, half]
    return [float(v) for v in rng.shuffled(parts)]


def _n_from(fixed: Mapping[str, Any], names: Sequence[str], lo: int, hi: int, rng: Rng) -> int:
    for name in names:
        if name in fixed:
            return len(fixed[name])
    return rng.integer(lo, hi)


# -- KL between Gaussians -----------------------------------------------------------------------------

def _mu(name: str, help_: str) -> Param:
    return Param(name, "float", help_, lo=-5, hi=5)


def _sigma(name: str, help_: str) -> Param:
    return Param(name, "float", help_, lo=0.1, hi=5, min=0, min_open=True)


def _kl_normal(mu_p: Fraction, s_p: Fraction, mu_q: Fraction, s_q: Fraction) -> float:
    """KL(N(μp,σp²) ‖ N(μq,σq²)) in nats; the rational part is exact.

    In integers over the common denominator D of the four fractions (M = μ·D, S = σ·D): σq/σp = S_q/S_p
    and the rational part is (S_p² + (M_p − M_q)² − S_q²)/(2·S_q²); int / int rounds each once, as
    ``float(Fraction)`` and ``math.log(Fraction)`` do, so the float is that of :func:`_kl_normal_plain`
    (tested in tests/test_info.py). A zero σ takes the plain path (its ZeroDivisionError)."""
    if not (s_p and s_q):
        return _kl_normal_plain(mu_p, s_p, mu_q, s_q)
    _, (mp, sp, mq, sq) = over_common_denominator((mu_p, s_p, mu_q, s_q))
    return math.log(sq / sp) + (sp * sp + (mp - mq) ** 2 - sq * sq) / (2 * sq * sq)  # the plain order of errors


def _kl_normal_plain(mu_p: Fraction, s_p: Fraction, mu_q: Fraction, s_q: Fraction) -> float:
    """:func:`_kl_normal` in Fraction arithmetic."""
    rational = (s_p**2 + (mu_p - mu_q) ** 2) / (2 * s_q**2) - Fraction(1, 2)
    return math.log(s_q / s_p) + float(rational)


_KL_GAUSS: dict[str, Any] = {}
"""KlGaussian._kl by params."""


class KlGaussian(Generator):
    """KL(P‖Q) between two univariate Gaussians, in nats.

    Example: ``quizgen show info.kl_gaussian --param mu_p=0 --param sigma_p=1 --param mu_q=1 --param sigma_q=2``
    """

    id = "info.kl_gaussian"
    version = 2
    title = "What is KL(P‖Q) between two Gaussians P = N(μp, σp²) and Q = N(μq, σq²)?"
    tags = ("kl", "gaussian")
    params = (
        _mu("mu_p", "mean of P"), _sigma("sigma_p", "standard deviation of P"),
        _mu("mu_q", "mean of Q"), _sigma("sigma_q", "standard deviation of Q"),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            mu_p = _clean(rng.nice_uniform(-3, 3, 1))
            mu_q = _clean(min(5.0, max(-5.0, round(mu_p + rng.nice_uniform(-2, 2, 1), 1))))
            p = {"mu_p": mu_p, "sigma_p": rng.nice(0.2, 5, 2), "mu_q": mu_q, "sigma_q": rng.nice(0.2, 5, 2)}
            p.update(fixed)
            if len(fixed) == 4:
                return p
            if _finite(self._kl, p) and 0.01 <= self._kl(p) <= 20:
                return p
        if fixed:
            return p
        raise DrawError("info.kl_gaussian: no KL in [0.01, 20] in 100 tries")

    def validate(self, p: Params) -> None:
        if not (_finite(self._kl, p) and _finite(self._kl, p, reverse=True)):
            raise ParamError("KL(P‖Q) or KL(Q‖P) comes out beyond 1e300 nats for these values; use means and "
                             "standard deviations closer to each other (e.g. μ in −5…5, σ in 0.1–5)")

    @staticmethod
    def _kl(p: Params, reverse: bool = False) -> float:
        """KL(P‖Q) (or KL(Q‖P)); once per params (draw, validate, solve, render and distractors ask)."""
        return memo(_KL_GAUSS, repr((p["mu_p"], p["sigma_p"], p["mu_q"], p["sigma_q"], reverse)),
                    lambda: KlGaussian._exact_kl(p, reverse))

    @staticmethod
    def _exact_kl(p: Params, reverse: bool) -> float:
        a = (_exact(p["mu_p"]), _exact(p["sigma_p"]))
        b = (_exact(p["mu_q"]), _exact(p["sigma_q"]))
        if reverse:
            a, b = b, a
        return _kl_normal(a[0], a[1], b[0], b[1])

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("KL(P‖Q)", self._kl(p), "nats")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        mp, sp, mq, sq = p["mu_p"], p["sigma_p"], p["mu_q"], p["sigma_q"]
        q = (f"Let \\(P = \\mathcal{{N}}(\\mu_p, \\sigma_p^2)\\) with \\(\\mu_p = {tex(mp)}\\), "
             f"\\(\\sigma_p = {tex(sp)}\\), and \\(Q = \\mathcal{{N}}(\\mu_q, \\sigma_q^2)\\) with "
             f"\\(\\mu_q = {tex(mq)}\\), \\(\\sigma_q = {tex(sq)}\\) "
             "(\\(\\sigma\\) is the standard deviation). What is \\(\\mathrm{KL}(P \\| Q)\\) in nats?")
        log_term = math.log(_exact(sq) / _exact(sp))
        d_mu = _exact(mp) - _exact(mq)
        frac = float((_exact(sp) ** 2 + d_mu**2) / (2 * _exact(sq) ** 2))
        sig = _sig_to_reproduce([log_term, frac], lambda r: [r[0] + r[1] - 0.5], [answers[0].value])
        s = ("For Gaussians the expectation \\(\\mathbb{E}_P[\\ln p(x) - \\ln q(x)]\\) has a closed form: "
             "\\[\\mathrm{KL}(P \\| Q) = \\ln(\\sigma_q / \\sigma_p) + "
             "\\frac{\\sigma_p^2 + (\\mu_p - \\mu_q)^2}{2\\sigma_q^2} - \\frac{1}{2}\\] "
             f"Substituting: \\(\\ln({tex(sq)}/{tex(sp)}) = {tex(log_term, sig)}\\) and, with "
             f"\\(\\mu_p - \\mu_q = {tex(float(d_mu))}\\), "
             f"\\(({tex(sp)}^2 + ({tex(float(d_mu))})^2)/(2 \\times {tex(sq)}^2) = {tex(frac, sig)}\\), so "
             f"\\[\\mathrm{{KL}}(P \\| Q) = {tex(log_term, sig)} + {tex(frac, sig)} - 0.5 = "
             f"{tex(answers[0].value)}\\ "
             "\\text{nats}\\] "
             f"KL is not symmetric: \\(\\mathrm{{KL}}(Q \\| P) = {tex(self._kl(p, reverse=True))}\\) nats here.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        out = []
        rev = self._kl(p, reverse=True)
        if _far(answers[0], rev):
            out.append(Distractor(rev, "computes KL(Q‖P): KL is not symmetric, and the expectation is under P"))
        sp, sq = _exact(p["sigma_p"]), _exact(p["sigma_q"])

        def var_as_sd_kl() -> float:
            return _kl_normal(_exact(p["mu_p"]), sp**2, _exact(p["mu_q"]), sq**2)

        var_as_sd = var_as_sd_kl() if _finite(var_as_sd_kl) else None
        if var_as_sd is not None and _far(answers[0], var_as_sd) and abs(var_as_sd - rev) > 1e-12:
            out.append(Distractor(var_as_sd, "plugs the variances σ² in where the formula takes standard deviations σ "
                                             "(as when passing σ² as the scale of torch's Normal)"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch
        from torch.distributions import Normal, kl_divergence

        def normal(mu: float, sigma: float) -> Normal:
            return Normal(torch.tensor(float(mu), dtype=torch.float64), torch.tensor(float(sigma), dtype=torch.float64))

        kl = kl_divergence(normal(p["mu_p"], p["sigma_p"]), normal(p["mu_q"], p["sigma_q"])).item()
        assert_close("torch kl_divergence(Normal, Normal)", answers[0].value, kl, rtol=1e-9, atol=1e-15)


# -- KL between categoricals -------------------------------------------------------------------------

_KL_TERMS: dict[str, Any] = {}
"""KlCategorical._terms by params."""


class KlCategorical(Generator):
    """KL(p‖q) between two categorical distributions, in nats.

    Example: ``quizgen show info.kl_categorical --param p=[0.5,0.3,0.2] --param q=[0.2,0.3,0.5]``
    """

    id = "info.kl_categorical"
    version = 2
    title = "What is KL(p‖q) between two categorical distributions?"
    tags = ("kl",)
    params = (
        _prob_param("p", "the first distribution P (probabilities summing to 1)", 2, 6),
        _prob_param("q", "the second distribution Q (same length, summing to 1)", 2, 6),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = _n_from(fixed, ("p", "q"), 2, 6, rng)
        # p may only put mass where q does (a q the user fixed may have zeros).
        support = [i for i in range(n) if "q" not in fixed or fixed["q"][i] > 0] or list(range(n))
        params: Params = {}
        for _ in range(100):
            k = len(support)
            if k >= 2 and n >= 3 and k == n and rng.bernoulli(0.15):  # an outcome P never takes: 0·ln 0 = 0
                k -= 1
            on = sorted(rng.sample(support, k))
            mass = _decimal_probs(rng, k) if k >= 2 else [1.0]
            p = [0.0] * n
            for i, v in zip(on, mass, strict=True):
                p[i] = v
            params = {"p": p, "q": _decimal_probs(rng, n)}
            params.update(fixed)
            if len(fixed) == 2:
                return params
            if self._kl(params) >= 0.02:
                return params
        if fixed:
            return params
        raise DrawError("info.kl_categorical: no pair with KL ≥ 0.02 in 100 tries")

    def validate(self, p: Params) -> None:
        if len(p["p"]) != len(p["q"]):
            raise ParamError(f"p and q must have the same length (got {len(p['p'])} and {len(p['q'])})")
        pp, qq = _normalized("p", p["p"]), _normalized("q", p["q"])
        for i, (a, b) in enumerate(zip(pp, qq, strict=True)):
            if b == 0 < a:
                raise ParamError(f"q has a zero where p is positive (q[{i}] = 0, p[{i}] = {plain(p['p'][i])}), so "
                                 "KL(p‖q) is infinite; give q a positive probability wherever p has one")

    @staticmethod
    def _kl(p: Params, reverse: bool = False) -> float:
        return math.fsum(KlCategorical._terms(p, reverse))  # the terms are memoized; fsum of ≤ 6 is cheap

    @staticmethod
    def _terms(p: Params, reverse: bool = False) -> tuple[float, ...]:
        """The terms p_i·ln(p_i/q_i) over p_i > 0 (render shows them); once per params."""
        return memo(_KL_TERMS, repr((p["p"], p["q"], reverse)), lambda: KlCategorical._exact_terms(p, reverse))

    @staticmethod
    def _exact_terms(p: Params, reverse: bool) -> tuple[float, ...]:
        a, b = _normalized("p", p["p"]), _normalized("q", p["q"])
        if reverse:
            a, b = b, a
        return tuple(float(x) * _ln_ratio(x, y) for x, y in zip(a, b, strict=True) if x.numerator > 0)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("KL(p‖q)", self._kl(p), "nats")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        pp, qq = p["p"], p["q"]
        q = (f"Two distributions over {len(pp)} outcomes: \\(p = {_texlist(pp)}\\) and \\(q = {_texlist(qq)}\\). "
             "What is \\(\\mathrm{KL}(p \\| q)\\) in nats (natural log; \\(0 \\ln 0 = 0\\))?")
        a, b = _normalized("p", pp), _normalized("q", qq)
        terms = [f"{tex(x)} \\ln({tex(x)}/{tex(y)})" for x, y in zip(pp, qq, strict=True) if x > 0]
        values = list(self._terms(p))
        sig = _sig_to_reproduce(values, lambda r: [math.fsum(r)], [answers[0].value])
        s = ("\\[\\mathrm{KL}(p \\| q) = \\sum_i p_i \\ln(p_i / q_i)\\] "
             f"\\[= {' + '.join(terms)}\\] "
             f"\\[= {' + '.join(tex(v, sig) for v in values).replace('+ -', '- ')} = "
             f"{tex(answers[0].value)}\\ "
             "\\text{nats}\\] ")
        if any(x == 0 for x in a):
            s += "Outcomes with \\(p_i = 0\\) contribute nothing (\\(0 \\ln 0 = 0\\)). "
        rev = self._kl(p, reverse=True) if all(y > 0 or x == 0 for x, y in zip(b, a, strict=True)) else math.inf
        rev_text = tex(rev) if math.isfinite(rev) else "\\infty"
        s += (f"KL is the expected log-ratio under \\(p\\), so it is not symmetric: "
              f"\\(\\mathrm{{KL}}(q \\| p) = {rev_text}\\). In bits, divide by \\(\\ln 2\\): "
              f"{plain(answers[0].value / LN2)} bits.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        out = []
        if all(x > 0 for x in p["p"]):  # an int or float has the sign of its exact decimal
            rev = self._kl(p, reverse=True)
            if _far(answers[0], rev):
                out.append(Distractor(rev, "swaps the direction: this is KL(q‖p), the expectation under q"))
        bits = self._kl(p) / LN2
        if _far(answers[0], bits):
            out.append(Distractor(bits, "uses log base 2 (bits); the question asks for nats"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch
        from scipy.stats import entropy
        from torch.distributions import Categorical, kl_divergence

        pp = torch.tensor(p["p"], dtype=torch.float64)
        qq = torch.tensor(p["q"], dtype=torch.float64)
        kl_torch = kl_divergence(Categorical(probs=pp), Categorical(probs=qq)).item()
        assert_close("torch kl_divergence(Categorical, Categorical)", answers[0].value, kl_torch, rtol=1e-9, atol=1e-14)
        assert_close("scipy.stats.entropy(p, q)", answers[0].value, float(entropy(p["p"], p["q"])), rtol=1e-9,
                     atol=1e-14)


# -- entropy -----------------------------------------------------------------------------------------

class Entropy(Generator):
    """Shannon entropy of a discrete distribution, in bits.

    Example: ``quizgen show info.entropy --param p=[0.5,0.25,0.125,0.125]``
    """

    id = "info.entropy"
    version = 1
    title = "What is the Shannon entropy of p, in bits?"
    tags = ("entropy",)
    params = (_prob_param("p", "the distribution (probabilities summing to 1)", 2, 8),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = rng.integer(2, 8)
        if rng.bernoulli(0.3):
            return {"p": _dyadic_probs(rng, n)}
        for _ in range(100):
            p = _decimal_probs(rng, n)
            if len(set(p)) > 1 or rng.bernoulli(0.1):  # uniform only now and then
                return {"p": p}
        raise DrawError("info.entropy: only uniform distributions in 100 tries")

    def validate(self, p: Params) -> None:
        _normalized("p", p["p"])

    @staticmethod
    def _bits(p: Params) -> float:
        return -math.fsum(float(x) * math.log2(x) for x in _normalized("p", p["p"]) if x > 0)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("H(p)", self._bits(p) + 0.0, "bits")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        pp = p["p"]
        q = (f"A random variable takes {len(pp)} values with probabilities \\(p = {_texlist(pp)}\\). "
             "What is its Shannon entropy in bits (log base 2; \\(0 \\log 0 = 0\\))?")
        terms = [f"{tex(x)} \\log_2 {tex(x)}" for x in pp if x > 0]
        s = (f"\\[H(p) = -\\sum_i p_i \\log_2 p_i = -({' + '.join(terms)}) = {tex(answers[0].value)}\\ "
             "\\text{bits}\\] "
             f"The maximum for {len(pp)} outcomes is \\(\\log_2 {len(pp)} = {tex(math.log2(len(pp)))}\\) bits, "
             "reached only by the uniform distribution; a skewed distribution is more predictable, so it carries "
             f"less information per draw. In nats, multiply by \\(\\ln 2\\): {plain(answers[0].value * LN2)} nats.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        h = self._bits(p)
        cands = [(h * LN2, "uses the natural log (nats); the question asks for bits"),
                 (math.log2(len(p["p"])), "log₂ of the number of outcomes: that is the entropy only when p is uniform")]
        return [Distractor(v, why) for v, why in cands if _far(answers[0], v)]

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy.stats import entropy

        assert_close("scipy.stats.entropy(p, base=2)", answers[0].value, float(entropy(p["p"], base=2)),
                     rtol=1e-9, atol=1e-14)


# -- cross-entropy and perplexity --------------------------------------------------------------------

class CrossEntropy(Generator):
    """Cross-entropy loss (nats/token), perplexity and bits/token from the probabilities of the correct tokens.

    Example: ``quizgen show info.cross_entropy --param probs=[0.5,0.25,0.125,0.5]``
    """

    id = "info.cross_entropy"
    version = 2
    title = "What are the loss and perplexity, given the probability on each correct token?"
    tags = ("cross-entropy", "llm")
    params = (Param("probs", "floats", "probability the model gave each correct token", lo=0.01, hi=0.99, min=0,
                    min_open=True, max=1, len_lo=3, len_hi=10, min_len=1),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = rng.integer(3, 10)
        if rng.bernoulli(0.25):
            return {"probs": [rng.choice([0.5, 0.25, 0.125, 0.0625, 0.75]) for _ in range(n)]}
        return {"probs": [rng.nice_uniform(0.01, 0.99, 2) for _ in range(n)]}

    def validate(self, p: Params) -> None:
        nats = math.fsum(-math.log(x) for x in p["probs"]) / len(p["probs"])
        if nats > 700:  # e^700 ≈ 1e304, still a finite float
            raise ParamError(f"probs are so small that the perplexity e^loss overflows (loss {plain(nats)} "
                             "nats/token); use probabilities of at least 1e-300")

    @staticmethod
    def _values(probs: Sequence[float]) -> list[float]:
        nats = math.fsum(-math.log(x) for x in probs) / len(probs)
        out = [nats + 0.0, math.exp(nats), nats / LN2 + 0.0]
        # Exact where exact: a geometric mean that is a fraction gives the perplexity exactly (8, not
        # 7.999999999999998), and a power of two gives the bits exactly.
        gm = _nth_root(math.prod((_exact(x) for x in probs), start=Fraction(1)), len(probs))
        if gm is not None:
            out[1] = float(1 / gm)
            ppl = 1 / gm
            if ppl.numerator & (ppl.numerator - 1) == 0 and ppl.denominator == 1:
                out[2] = float(ppl.numerator.bit_length() - 1)
        return out

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("[nats/token, perplexity, bits/token]", self._values(p["probs"]))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        probs = p["probs"]
        n = len(probs)
        nats, ppl, bits = answers[0].values
        q = (f"A language model predicts {n} tokens and gives the correct token probability "
             f"\\({_texlist(probs)}\\) at each position. What are (1) the cross-entropy loss in nats per token, "
             "(2) the perplexity and (3) the loss in bits per token? Answer as [nats/token, perplexity, bits/token].")
        terms = " + ".join(f"\\ln {tex(x)}" for x in probs)
        s = (f"The loss is the mean negative log-likelihood of the correct tokens: "
             f"\\[L = -\\frac{{1}}{{{n}}}({terms}) = {tex(nats)}\\ \\text{{nats/token}}\\] "
             f"Perplexity is \\(e^L = {tex(ppl)}\\): the model is as unsure as a uniform choice among that many "
             f"tokens (it equals the inverse geometric mean of the probabilities). In bits, "
             f"\\(L / \\ln 2 = {tex(bits)}\\) bits/token, and the perplexity is also \\(2^{{{tex(bits)}}}\\): "
             "the base of the exponent must match the base of the log.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        probs = p["probs"]
        nats, _, bits = answers[0].values
        mean_p = math.fsum(probs) / len(probs)
        cands: list[tuple[list[float], str]] = [
            ([nats, 2.0**nats, bits], "takes perplexity as 2^(loss in nats); it is e^nats = 2^bits"),
            (self._values([mean_p]), "averages the probabilities before taking the log; the loss averages the logs "
                                     "(the geometric, not arithmetic, mean)"),
        ]
        return [Distractor(v, why) for v, why in cands if _far(answers[0], v)]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch
        import torch.nn.functional as F

        probs = torch.tensor(p["probs"], dtype=torch.float64)
        # Two-class logits whose softmax puts probability p on the correct class (index 0), laid out as
        # (batch 1, class, position): the softmax over a middle dim avoids a slow thread-pool path on tiny inputs.
        logits = torch.stack([probs.log(), torch.log1p(-probs)], dim=0).unsqueeze(0)
        loss = F.cross_entropy(logits, torch.zeros(1, len(p["probs"]), dtype=torch.long)).item()
        assert_close("F.cross_entropy, exp, /ln 2", answers[0].value,
                     [loss, torch.tensor(loss, dtype=torch.float64).exp().item(), loss / LN2], rtol=1e-9, atol=1e-14)


# -- Wasserstein-2 between Gaussians -------------------------------------------------------------------

_W2_DIFFS: dict[str, Any] = {}
"""WassersteinGaussian._diffs by params."""


class WassersteinGaussian(Generator):
    """W₂ distance between two univariate Gaussians: √((μ₁−μ₂)² + (σ₁−σ₂)²).

    Example: ``quizgen show info.wasserstein_gaussian --param mu_1=0 --param sigma_1=1 --param mu_2=3
    --param sigma_2=2``
    """

    id = "info.wasserstein_gaussian"
    version = 2
    title = "What is the 2-Wasserstein distance between N(μ₁, σ₁²) and N(μ₂, σ₂²)?"
    tags = ("wasserstein", "gaussian")
    params = (
        _mu("mu_1", "mean of the first Gaussian"), _sigma("sigma_1", "standard deviation of the first Gaussian"),
        _mu("mu_2", "mean of the second Gaussian"), _sigma("sigma_2", "standard deviation of the second Gaussian"),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            p = {"mu_1": _clean(rng.nice_uniform(-5, 5, 1)), "sigma_1": rng.nice(0.1, 5, 2),
                 "mu_2": _clean(rng.nice_uniform(-5, 5, 1)), "sigma_2": rng.nice(0.1, 5, 2)}
            p.update(fixed)
            # every misconception visibly wrong at 3 s.f. (equal spreads would make "only the means" right)
            if len(fixed) == 4 or (_finite(self._w2, p) and self._w2(p) >= 0.05
                                   and len(self.distractors(p, self.solve(p))) == 3):
                return p
        if fixed:
            return p
        raise DrawError("info.wasserstein_gaussian: no distinct pair in 100 tries")

    def validate(self, p: Params) -> None:
        d_mu = _exact(p["mu_1"]) - _exact(p["mu_2"])
        d_var = _exact(p["sigma_1"]) ** 2 - _exact(p["sigma_2"]) ** 2
        if not _finite(float, d_mu**2 + d_var**2):  # the largest number the solution shows
            raise ParamError("the means or standard deviations are too large to square (beyond 1e300); "
                             "use values like μ in −5…5 and σ in 0.1–5")

    @staticmethod
    def _diffs(p: Params) -> tuple[int, int, int, int]:
        """(D, M₁ − M₂, S₁ − S₂, S₁² − S₂²) of the four exact decimals as integers over their common
        denominator D (μ = M/D, σ = S/D); once per params (draw asks solve and distractors each try)."""
        def compute() -> tuple[int, int, int, int]:
            den, (m1, s1, m2, s2) = scaled_decimals([p[k] for k in ("mu_1", "sigma_1", "mu_2", "sigma_2")])
            return den, m1 - m2, s1 - s2, s1 * s1 - s2 * s2

        return memo(_W2_DIFFS, repr((p["mu_1"], p["sigma_1"], p["mu_2"], p["sigma_2"])), compute)

    @staticmethod
    def _w2(p: Params) -> float:
        """√((μ₁ − μ₂)² + (σ₁ − σ₂)²) = √(((M₁ − M₂)² + (S₁ − S₂)²)/D²), from the same exact Fraction as
        :meth:`_w2_plain`."""
        den, dm, ds, _ = WassersteinGaussian._diffs(p)
        return _sqrt(Fraction(dm * dm + ds * ds, den * den))

    @staticmethod
    def _w2_plain(p: Params) -> float:
        d_mu = _exact(p["mu_1"]) - _exact(p["mu_2"])
        d_sigma = _exact(p["sigma_1"]) - _exact(p["sigma_2"])
        return _sqrt(d_mu**2 + d_sigma**2)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("W₂", self._w2(p))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        m1, s1, m2, s2 = p["mu_1"], p["sigma_1"], p["mu_2"], p["sigma_2"]
        q = (f"What is the 2-Wasserstein distance \\(W_2\\) between \\(\\mathcal{{N}}({tex(m1)}, {tex(s1)}^2)\\) and "
             f"\\(\\mathcal{{N}}({tex(m2)}, {tex(s2)}^2)\\) (mean, standard deviation squared)?")
        d_mu = float(_exact(m1) - _exact(m2))
        d_s = float(_exact(s1) - _exact(s2))
        s = ("The optimal transport map between two 1-D Gaussians is the monotone one, "
             "\\(T(x) = \\mu_2 + (\\sigma_2/\\sigma_1)(x - \\mu_1)\\): it shifts the mean and rescales the spread, so "
             "\\[W_2 = \\sqrt{(\\mu_1 - \\mu_2)^2 + (\\sigma_1 - \\sigma_2)^2} = "
             f"\\sqrt{{({tex(d_mu)})^2 + ({tex(d_s)})^2}} = {tex(answers[0].value)}\\] "
             "Unlike KL it is a true distance in the same units as \\(x\\), and it stays finite even when the "
             "distributions barely overlap.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        return [Distractor(v, why) for v, why in self._misreadings(p) if _far(answers[0], v)]

    @staticmethod
    def _misreadings(p: Params) -> list[tuple[float, str]]:
        """√(d_μ² + d_var²), |d_μ| and d_μ² + d_σ² as int / int over powers of D (correctly rounded, as
        ``float(Fraction)`` and ``math.sqrt(Fraction)`` round the same values; tested in tests/test_info.py)."""
        den, dm, ds, dv = WassersteinGaussian._diffs(p)
        d2 = den * den
        return [(math.sqrt((dm * dm * d2 + dv * dv) / (d2 * d2)),
                 "uses the variances σ² where the formula takes standard deviations σ"),
                (abs(dm) / den, "only the means: the difference in spread costs transport too"),
                ((dm * dm + ds * ds) / d2, "forgets the square root: that is W₂², not W₂")]

    @staticmethod
    def _misreadings_plain(p: Params) -> list[tuple[float, str]]:
        d_mu = _exact(p["mu_1"]) - _exact(p["mu_2"])
        d_var = _exact(p["sigma_1"]) ** 2 - _exact(p["sigma_2"]) ** 2
        return [(math.sqrt(d_mu**2 + d_var**2), "uses the variances σ² where the formula takes standard deviations σ"),
                (float(abs(d_mu)), "only the means: the difference in spread costs transport too"),
                (float(d_mu**2 + (_exact(p["sigma_1"]) - _exact(p["sigma_2"])) ** 2),
                 "forgets the square root: that is W₂², not W₂")]

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy.integrate import quad
        from scipy.special import ndtri  # norm.ppf(u) = ndtri(u), without the per-call overhead

        m1, s1, m2, s2 = (float(p[k]) for k in ("mu_1", "sigma_1", "mu_2", "sigma_2"))

        def gap2(u: float) -> float:
            z = ndtri(u)
            return float(((m1 + s1 * z) - (m2 + s2 * z)) ** 2)

        integral, _ = quad(gap2, 0, 1, limit=200, epsabs=1e-13, epsrel=1e-12)
        assert_close("√∫(F₁⁻¹ − F₂⁻¹)² du", answers[0].value, math.sqrt(integral), rtol=1e-6)


# -- MMD -----------------------------------------------------------------------------------------------

def _rbf(a: float, b: float, h: float, two: float = 2.0) -> float:
    return math.exp(-((a - b) ** 2) / (two * h * h))


def _mmd2(x: Sequence[float], y: Sequence[float], h: float, two: float = 2.0) -> list[float]:
    """[biased V-statistic, unbiased U-statistic] of MMD², by double loops (once per arguments:
    draw, validate, solve, render and distractors all ask)."""
    return list(_mmd2_memo(x, y, h, two)[:2])


def _kernel_sums(x: Sequence[float], y: Sequence[float], h: float) -> tuple[float, float, float]:
    """(Σ_ij k(x_i, x_j), Σ_ij k(y_i, y_j), Σ_ij k(x_i, y_j)), each exactly rounded (fsum), from the
    same computation as :func:`_mmd2`."""
    sums = _mmd2_memo(x, y, h, 2.0)
    return sums[2], sums[3], sums[4]


def _mmd2_memo(x: Sequence[float], y: Sequence[float], h: float, two: float) -> tuple[float, ...]:
    return memo(_MMD2, repr((x, y, h, two)), lambda: tuple(_mmd2_fast(x, y, h, two)))


def _upper(v: Sequence[float], d: float) -> list[float]:
    """The kernel values above the diagonal, k(v_i, v_j) for i < j, with ``d`` = two·h·h."""
    return [math.exp(-((a - b) ** 2) / d) for i, a in enumerate(v) for b in v[i + 1:]]


def _mmd2_fast(x: Sequence[float], y: Sequence[float], h: float, two: float) -> list[float]:
    """:func:`_mmd2_sums` (and its kernel sums), evaluating each kernel matrix's upper triangle only:
    (a − b)² = (b − a)² exactly in floating point, so k is symmetric to the last bit, and k(a, a) =
    exp(−0/d) = 1 exactly whenever d = two·h·h ≠ 0 (the same float as ``two * h * h`` inside
    :func:`_rbf`). fsum is exactly rounded, so the sums of the same multiset of values are the same
    floats; d = 0 (every kernel value divides by zero) takes the plain loops."""
    d = two * h * h
    if not d:
        return _mmd2_sums(x, y, h, two)
    m, n = len(x), len(y)
    ux, uy = _upper(x, d), _upper(y, d)
    kxx_all = math.fsum([1.0] * m + ux + ux)
    kyy_all = math.fsum([1.0] * n + uy + uy)
    kxx_off = math.fsum(ux + ux)
    kyy_off = math.fsum(uy + uy)
    kxy = math.fsum([math.exp(-((a - b) ** 2) / d) for a in x for b in y])
    biased = kxx_all / m**2 + kyy_all / n**2 - 2 * kxy / (m * n)
    unbiased = kxx_off / (m * (m - 1)) + kyy_off / (n * (n - 1)) - 2 * kxy / (m * n)
    return [biased + 0.0, unbiased + 0.0, kxx_all, kyy_all, kxy]


def _mmd2_sums(x: Sequence[float], y: Sequence[float], h: float, two: float) -> list[float]:
    """The plain double loops: [biased, unbiased, Σk(x, x), Σk(y, y), Σk(x, y)]."""
    m, n = len(x), len(y)
    # Each kernel matrix once; fsum is exactly rounded, so the off-diagonal sums may reuse its entries.
    kx = [[_rbf(a, b, h, two) for b in x] for a in x]
    ky = [[_rbf(a, b, h, two) for b in y] for a in y]
    kxx_all = math.fsum(v for row in kx for v in row)
    kyy_all = math.fsum(v for row in ky for v in row)
    kxx_off = math.fsum(kx[i][j] for i in range(m) for j in range(m) if i != j)
    kyy_off = math.fsum(ky[i][j] for i in range(n) for j in range(n) if i != j)
    kxy = math.fsum(_rbf(a, b, h, two) for a in x for b in y)
    biased = kxx_all / m**2 + kyy_all / n**2 - 2 * kxy / (m * n)
    unbiased = kxx_off / (m * (m - 1)) + kyy_off / (n * (n - 1)) - 2 * kxy / (m * n)
    return [biased + 0.0, unbiased + 0.0, kxx_all, kyy_all, kxy]


class Mmd(Generator):
    """Biased (V) and unbiased (U) estimates of MMD² with a Gaussian kernel; the unbiased one can be negative.

    Example: ``quizgen show info.mmd --param x=[0,1,2] --param y=[0.5,1.5,3] --param bandwidth=1``
    """

    id = "info.mmd"
    version = 2
    title = "What are the biased and unbiased MMD² estimates with a Gaussian kernel?"
    tags = ("mmd", "kernel", "two-sample")
    params = (
        Param("x", "floats", "sample from P", lo=-5, hi=5, len_lo=3, len_hi=8, min_len=2),
        Param("y", "floats", "sample from Q", lo=-5, hi=5, len_lo=3, len_hi=8, min_len=2),
        Param("bandwidth", "float", "kernel bandwidth h", lo=0.5, hi=3, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def sample(n: int, mu: float, sd: float) -> list[float]:
            return [_clean(round(min(5.0, max(-5.0, rng.normal(mu, sd))), 1)) for _ in range(n)]

        for _ in range(100):
            shift = rng.choice([0.0, 0.0, 0.5, 1.0, 1.5, 2.0, -1.0])
            p = {"x": sample(rng.integer(3, 8), 0.0, 1.0),
                 "y": sample(rng.integer(3, 8), shift, rng.choice([0.5, 1.0, 1.5])),
                 "bandwidth": rng.choice([0.5, 1, 1.5, 2, 3]) if rng.bernoulli(0.7) else rng.nice_uniform(0.5, 3, 1)}
            p.update(fixed)
            if len(fixed) == 3:
                return p
            if not _finite(_mmd2, p["x"], p["y"], p["bandwidth"]):
                continue
            biased, unbiased = _mmd2(p["x"], p["y"], p["bandwidth"])
            if biased >= 0.01 and abs(unbiased) >= 0.01:
                return p
        if fixed:
            return p
        raise DrawError("info.mmd: no sample pair with |MMD²| ≥ 0.01 in 100 tries")

    def validate(self, p: Params) -> None:
        x, y, h = p["x"], p["y"], p["bandwidth"]
        if not (_finite(_mmd2, x, y, h) and _finite(_mmd2, x, y, h, two=1.0)):
            raise ParamError(f"the kernel exp(−(a−b)²/(2h²)) overflows for these points with bandwidth={plain(h)}; "
                             "use points within about ±1e100 and h of about their spread")

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("[biased MMD², unbiased MMD²]", _mmd2(p["x"], p["y"], p["bandwidth"]))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        x, y, h = p["x"], p["y"], p["bandwidth"]
        m, n = len(x), len(y)
        biased, unbiased = answers[0].values
        q = (f"Samples \\(x = {_texlist(x)}\\) from \\(P\\) and \\(y = {_texlist(y)}\\) from \\(Q\\). "
             f"With the Gaussian kernel \\(k(a, b) = \\exp(-(a - b)^2 / (2h^2))\\), \\(h = {tex(h)}\\), "
             "what are the biased estimate of "
             "\\(\\mathrm{MMD}^2\\) (the V-statistic, keeping the \\(i = j\\) terms) and the unbiased one (the "
             "U-statistic, dropping them)? Answer as [biased, unbiased].")
        kxx, kyy, kxy = _kernel_sums(x, y, h)  # the fsum over all pairs of each, as _mmd2 summed them

        def combine(r: list[float]) -> list[float]:
            cross = 2 * r[2] / (m * n)
            return [r[0] / m**2 + r[1] / n**2 - cross, (r[0] - m) / (m * (m - 1)) + (r[1] - n) / (n * (n - 1)) - cross]

        # The estimates are small differences of large sums: show the sums with enough digits to reproduce them.
        sig = _sig_to_reproduce([kxx, kyy, kxy], combine, [biased, unbiased])
        sxx, syy, sxy = (tex(v, sig) for v in (kxx, kyy, kxy))
        s = (f"Sum the kernel over all pairs: \\(\\sum_{{i,j}} k(x_i, x_j) = {sxx}\\), "
             f"\\(\\sum_{{i,j}} k(y_i, y_j) = {syy}\\), \\(\\sum_{{i,j}} k(x_i, y_j) = {sxy}\\). "
             f"Biased (\\(m = {m}\\), \\(n = {n}\\)): "
             f"\\[\\frac{{{sxx}}}{{{m}^2}} + \\frac{{{syy}}}{{{n}^2}} - \\frac{{2 \\times {sxy}}}{{{m} "
             f"\\times {n}}} = {tex(biased)}\\] "
             f"Unbiased: drop the diagonals (each \\(k(a, a) = 1\\)) and divide by the number of off-diagonal pairs: "
             f"\\[\\frac{{{sxx} - {m}}}{{{m} \\times {m - 1}}} + "
             f"\\frac{{{syy} - {n}}}{{{n} \\times {n - 1}}} - "
             f"\\frac{{2 \\times {sxy}}}{{{m} \\times {n}}} = {tex(unbiased)}\\] ")
        if unbiased < 0:
            s += ("The unbiased estimate is negative: it is unbiased for \\(\\mathrm{MMD}^2 \\ge 0\\), so it must "
                  "scatter below zero when \\(P\\) and \\(Q\\) are close. ")
        s += ("The biased estimate is a squared distance between mean embeddings, so it is never negative, "
              "but it is inflated by the diagonal terms.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        biased, unbiased = answers[0].values
        cands: list[tuple[list[float], str]] = []
        if unbiased < 0:
            cands.append(([biased, -unbiased], "assumes MMD² ≥ 0 and drops the sign: the unbiased estimate can be "
                                               "negative"))
        cands.append(([unbiased, biased], "swaps the two: the biased V-statistic keeps the i = j terms, "
                                          "the unbiased U-statistic drops them"))
        cands.append((_mmd2(p["x"], p["y"], p["bandwidth"], two=1.0), "uses exp(−(a−b)²/h²), forgetting the 2 in 2h²"))
        return [Distractor(v, why) for v, why in cands if _far(answers[0], v)]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        x = np.asarray(p["x"], dtype=np.float64)
        y = np.asarray(p["y"], dtype=np.float64)
        h = float(p["bandwidth"])

        def gram(a: Any, b: Any) -> Any:
            return np.exp(-np.subtract.outer(a, b) ** 2 / (2 * h * h))

        kxx, kyy, kxy = gram(x, x), gram(y, y), gram(x, y)
        m, n = len(x), len(y)
        biased = kxx.mean() + kyy.mean() - 2 * kxy.mean()
        off = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        unbiased = off - 2 * kxy.mean()
        assert_close("Gram matrices", answers[0].value, [float(biased), float(unbiased)], rtol=1e-9, atol=1e-12)
