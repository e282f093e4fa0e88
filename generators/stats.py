"""Statistics: standard errors, regression, Bayesian updates, t tests, AUROC, softmax, the Price
equation and maximum likelihood. Example::

    quizgen show stats.standard_error --seed 7
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close, require
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number as _num
from quizgen.gentools import check_rng as _np_rng
from quizgen.gentools import exact_decimal as _q
from quizgen.gentools import keep_wrong as _keep
from quizgen.gentools import memo, scaled_decimals, typed_cache
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

# -- helpers ----------------------------------------------------------------------------------------






def _seq(xs: Sequence[float], sig: int = 6) -> str:
    """``1.2, 0.8, 1.5`` for use inside math."""
    return ",\\ ".join(tex(x, sig) for x in xs)






def _exact_mean(values: Sequence[int | float]) -> Fraction:
    """The mean of the exact decimals of ``values``, summed in integers (the same Fraction as
    ``sum(map(_q, values), Fraction(0)) / len(values)``)."""
    den, xi = scaled_decimals(values)
    return Fraction(sum(xi), len(xi) * den)


def _phi(x: float) -> float:
    """The standard normal CDF Φ(x), accurate in both tails."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _pick(fixed: Mapping[str, Any], name: str, draw: Any) -> Any:
    """The user's value for ``name`` if fixed, else ``draw()`` (so dependent draws stay consistent)."""
    return fixed[name] if name in fixed else draw()


def _clip01(v: float) -> float:
    """A score rounded to 2 decimals and kept inside [0.01, 0.99]."""
    return round(max(0.01, min(0.99, v)), 2)


def _nice_int(rng: Rng, lo: int, hi: int) -> int:
    """A log-uniform integer with 2 significant figures, inside [lo, hi]."""
    return min(hi, max(lo, round(rng.nice(lo, hi, 2))))


_BIG = Fraction(10) ** 300
_TINY = 1 / _BIG


def _fits(*xs: Fraction | int | float) -> bool:
    """Whether every exact value is 0 or between 1e-300 and 1e300 in size: it then converts to a double
    without overflowing, and without underflowing to 0 or to a subnormal that has lost digits.

    Fast path for a Fraction a/b: with e = bits(|a|) − bits(b), |a/b| lies strictly between 2^(e−1)
    and 2^(e+1), so |e| ≤ 989 puts it inside (2^-990, 2^990) ⊂ (1e-300, 1e300) without comparing
    Fractions; other values (and Fractions near the limits) take the exact comparison."""
    for x in xs:
        if type(x) is Fraction:
            num = x.numerator
            if not num:
                continue
            if -990 < abs(num).bit_length() - x.denominator.bit_length() < 990:
                continue
        if not (x == 0 or _TINY <= abs(Fraction(x)) <= _BIG):
            return False
    return True


def _tp(x: float | Fraction, sig: int = 4) -> str:
    """``tex`` in parentheses when negative, for use after an operator: ``0.25 \\times (-2.9)``."""
    s = tex(x, sig)
    return f"({s})" if float(x) < 0 else s


def _round_sig(x: float, sig: int) -> float:
    return float(f"{x:.{sig - 1}e}") if x else 0.0


def _sig_to_reproduce(parts: Sequence[float | Fraction], combine: Any, target: Sequence[float]) -> int:
    """The fewest significant figures (4 to 12) to show a worked solution's intermediate ``parts`` with,
    so that recombining the shown values lands within 1e-4 (a tenth of the grading tolerance) of
    ``target``. With cancellation (x̄ − ȳ of two close means, ȳ − b·x̄) 4 figures are not enough: a
    learner who follows the solution's numbers would get an answer that is graded wrong."""
    for sig in range(4, 13):
        try:
            got = combine([_round_sig(float(x), sig) for x in parts])
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if all(abs(g - t) <= 1e-4 * abs(t) for g, t in zip(got, target, strict=True)):
            return sig
    return 12


def _kept(gen: Generator, p: Params) -> int:
    """How many misconceptions stay visibly wrong for these params (-1 if the user's values cannot be
    solved: validate() explains)."""
    try:
        return len(gen.distractors(p, gen.solve(p)))
    except (ArithmeticError, ValueError):
        return -1


# -- generators -------------------------------------------------------------------------------------


class StandardError(Generator):
    """Standard error of the mean of n samples: σ/√n.

    Example: ``quizgen show stats.standard_error --param sigma=2 --param n=400``
    """

    id = "stats.standard_error"
    version = 2
    title = "What is the standard error of the mean of n samples?"
    tags = ("standard-error", "sqrt-n")
    params = (
        Param("sigma", "float", "standard deviation σ of one sample", lo=0.1, hi=100, min=0, min_open=True),
        Param("n", "int", "number of independent samples averaged", lo=2, hi=10**6, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        sigma = rng.nice(0.1, 100, 2)
        if rng.bernoulli(0.5):  # perfect squares make the square root friendly
            n = rng.choice([4, 9, 16, 25, 36, 49, 64, 100, 144, 400, 625, 900, 2500, 10000, 40000, 10**6])
        else:
            n = _nice_int(rng, 2, 10**6)
        return {"sigma": sigma, "n": n}

    def validate(self, p: Params) -> None:
        sigma, n = p["sigma"], p["n"]
        if n > 10**300 or not 1e-300 <= sigma / math.sqrt(n) <= 1e300:
            raise ParamError(f"sigma={plain(sigma)} and n={plain(n)} give a standard error outside 1e-300…1e300, "
                             "which a double cannot hold; use sigma and n below 1e100")

    def solve(self, p: Params) -> list[Answer]:
        root = math.isqrt(p["n"])
        if root * root == p["n"]:  # exact for a perfect square: 2.2/√25 is 0.44, not 0.44000000000000006
            return [Answer("standard error", float(_q(p["sigma"]) / root))]
        return [Answer("standard error", p["sigma"] / math.sqrt(p["n"]))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        sigma, n, se = p["sigma"], p["n"], answers[0].value
        q = (f"Independent samples have standard deviation \\(\\sigma = {tex(sigma, 6)}\\). "
             f"What is the standard error of the mean of \\(n = {tex(n)}\\) of them "
             "(the standard deviation of \\(\\bar{x}\\), in the same units as the samples)?")
        s = ("Variances of independent samples add, so \\(\\operatorname{Var}(\\sum_i x_i) = n\\sigma^2\\) and "
             "\\(\\operatorname{Var}(\\bar{x}) = \\sigma^2/n\\): "
             f"\\[\\text{{SE}} = \\frac{{\\sigma}}{{\\sqrt{{n}}}} = \\frac{{{tex(sigma, 6)}}}{{\\sqrt{{{tex(n)}}}}} "
             f"= {tex(se)}\\] "
             "Intuition: error bars shrink only as \\(1/\\sqrt{n}\\), so halving them costs 4× the samples.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        sigma, n = p["sigma"], p["n"]
        return _keep(answers[0], [
            Distractor(sigma, "gives the SD of one sample, not of the mean of n"),
            Distractor(sigma / n, "divides by n instead of √n: it is the variance that shrinks as 1/n"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        sigma, n, reps = p["sigma"], p["n"], 2000
        rng = _np_rng(self.id, p)
        if n <= 100:  # simulate the samples themselves
            means = rng.normal(0.0, sigma, size=(reps, n)).mean(axis=1)
        else:
            # Exponential samples with SD σ: x = σ(E − 1). Their sum is Gamma(n), drawn exactly.
            means = sigma * (rng.gamma(n, size=reps) / n - 1.0)
        # The SD of 2000 means is off by ~1.6% (one SD); 10% is more than 6 SDs.
        assert_close("SD of 2000 simulated means", answers[0].value, float(np.std(means, ddof=1)), rtol=0.1)


class SamplesNeeded(Generator):
    """Samples needed to shrink the standard error by a factor: n·factor².

    Example: ``quizgen show stats.samples_needed --param n=100 --param factor=2``
    """

    id = "stats.samples_needed"
    version = 2
    title = "How many samples shrink the standard error by a factor?"
    tags = ("standard-error", "sqrt-n")
    params = (
        Param("n", "int", "samples in the current estimate", lo=10, hi=10**5, min=1),
        Param("factor", "float", "how many times smaller the standard error should be (1.5, 2, 3, 4, 5, 10)",
              lo=1.5, hi=10, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"n": _nice_int(rng, 10, 10**5), "factor": rng.choice([1.5, 2, 3, 4, 5, 10])}

    def validate(self, p: Params) -> None:
        if p["n"] > 10**300 or not _fits(self._needed(p), p["n"] * _q(p["factor"])):
            raise ParamError(f"factor={plain(p['factor'])} with n={plain(p['n'])} needs more than 1e300 (or fewer "
                             "than 1e-300) samples, which a double cannot hold; use n and factor below 1e100")

    def _needed(self, p: Params) -> Fraction:
        return p["n"] * _q(p["factor"]) ** 2

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("n'", _num(self._needed(p)), "samples")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, f, need = p["n"], p["factor"], answers[0].value
        q = (f"An average of \\(n = {tex(n)}\\) independent samples has standard error SE. "
             f"How many samples in total give a standard error of SE/{plain(f)}? "
             "Do not round.")
        s = ("The standard error is \\(\\sigma/\\sqrt{n}\\), so it shrinks by a factor \\(f\\) when \\(n\\) grows "
             f"by \\(f^2\\): \\[n' = n f^2 = {tex(n)} \\times {tex(f)}^2 = {tex(need, 6)}\\ \\text{{samples}}\\] "
             "Intuition: errors go as \\(1/\\sqrt{n}\\), so 4× the data only halves the error bars.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, f = p["n"], p["factor"]
        return _keep(answers[0], [
            Distractor(_num(n * _q(f)), "scales n by the factor itself: the error goes as 1/√n, not 1/n"),
            Distractor(n * math.sqrt(f), "scales n by √factor: it is n that must grow by factor², not the error"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import stats

        # SE of the mean of n unit exponentials = SD of Gamma(n, scale 1/n), from scipy's moments.
        def se(n: float) -> float:
            return float(stats.gamma(a=n, scale=1 / n).std())

        assert_close("SE(n)/SE(answer)", se(p["n"]) / se(float(answers[0].value)), p["factor"], rtol=1e-9)


@typed_cache(maxsize=256)
def _regression_ints(x: tuple[float, ...], y: tuple[float, ...]) -> tuple[int, int, int, int, int, int, int]:
    """(n, den, ΣX, ΣY, Q_xx, Q_yy, Q_xy) of the values scaled to integers ``X = x·den`` over their
    common denominator ``den``, with ``Q_xx = nΣX² − (ΣX)²``, ``Q_yy`` alike and ``Q_xy = nΣXY − ΣX·ΣY``
    (n·den² times the centered sums)."""
    n = len(x)
    den, both = scaled_decimals([*x, *y])
    xi, yi = both[:n], both[n:]
    sx, sy = sum(xi), sum(yi)
    cross = sum(a * b for a, b in zip(xi, yi, strict=True))
    return (n, den, sx, sy, n * sum(a * a for a in xi) - sx * sx, n * sum(b * b for b in yi) - sy * sy,
            n * cross - sx * sy)


@typed_cache(maxsize=256)
def _regression_sums(x: tuple[float, ...], y: tuple[float, ...]) -> tuple[
        Fraction, Fraction, Fraction, Fraction, Fraction]:
    """:meth:`Regression._sums`, cached (validate and render need it) and summed in integers over the
    common denominator ``den`` (the same exact values as summing Fractions): with ``X = x·den``,
    ``x̄ = ΣX/(n·den)`` and ``Σ(x−x̄)(y−ȳ) = (nΣXY − ΣX·ΣY)/(n·den²)``."""
    n, den, sx, sy, qxx, qyy, qxy = _regression_ints(x, y)
    mean_den, sum_den = n * den, n * den * den
    return (Fraction(sx, mean_den), Fraction(sy, mean_den), Fraction(qxx, sum_den), Fraction(qyy, sum_den),
            Fraction(qxy, sum_den))


class Regression(Generator):
    """Ordinary least squares: slope, intercept and correlation of y on x.

    Example: ``quizgen show stats.regression --param x=[1,2,3,4,5] --param y=[2.1,3.9,6.2,8.1,9.8]``
    """

    id = "stats.regression"
    version = 2
    title = "What are the OLS slope, intercept and correlation r?"
    tags = ("regression", "correlation")
    params = (
        Param("x", "floats", "predictor values x_i", lo=-100, hi=100, len_lo=5, len_hi=12, min_len=2),
        Param("y", "floats", "responses y_i (same length as x)", lo=-100, hi=100, len_lo=5, len_hi=12, min_len=2),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = len(fixed["x"]) if "x" in fixed else len(fixed["y"]) if "y" in fixed else rng.integer(5, 12)
        cand: Params = {}
        for _ in range(200):
            if "x" in fixed:
                x = [float(v) for v in fixed["x"]]
            else:
                scale = rng.choice([1, 1, 0.5, 2])
                x = [float(v * scale) for v in sorted(rng.sample(range(0, max(11, n)), n))]
            if "y" in fixed:
                y = [float(v) for v in fixed["y"]]
            else:
                slope = rng.choice([-1, 1]) * rng.nice_uniform(0.2, 3, 1)
                icpt = rng.nice_uniform(-10, 10, 1)
                noise = abs(slope) * rng.nice(0.3, 6, 1)
                y = [round(icpt + slope * v + noise * max(-3.0, min(3.0, rng.normal())), 1) for v in x]
            cand = {"x": x, "y": y}
            if len(fixed) == 2:
                return cand  # the user's data, as given (validate() judges it)
            if len(set(x)) < 2 or len(set(y)) < 2 or ("y" not in fixed and max(abs(v) for v in y) > 100):
                continue  # redraw the part the user left free
            if fixed or 0.2 <= abs(self._fit(x, y)[2]) <= 0.995:
                return cand
        if fixed:
            return cand
        raise DrawError("stats.regression: no data with 0.2 ≤ |r| ≤ 0.995 in 200 tries")

    def validate(self, p: Params) -> None:
        x, y = p["x"], p["y"]
        if len(x) != len(y):
            raise ParamError(f"x and y must have the same length (got {len(x)} x values and {len(y)} y values)")
        if len(set(x)) < 2:
            raise ParamError(f"x must not be constant (got {x}): the slope is undefined")
        if len(set(y)) < 2:
            raise ParamError(f"y must not be constant (got {y}): the correlation r is undefined")
        mx, my, sxx, syy, sxy = self._sums(x, y)
        if not _fits(mx, my, sxx, syy, sxy, sxy / sxx, my - sxy / sxx * mx, sxy / syy, mx - sxy / syy * my):
            raise ParamError("x and y are too extreme for double precision (a mean, centered sum or fitted "
                             "coefficient is beyond 1e300 or below 1e-300 in size); use values between about "
                             "1e-100 and 1e100 in size, with differences that are not tiny")

    @staticmethod
    def _sums(x: Sequence[float], y: Sequence[float]) -> tuple[Fraction, Fraction, Fraction, Fraction, Fraction]:
        """(x̄, ȳ, Σ(x−x̄)², Σ(y−ȳ)², Σ(x−x̄)(y−ȳ)), exact."""
        return _regression_sums(tuple(x), tuple(y))

    def _fit(self, x: Sequence[float], y: Sequence[float]) -> list[float]:
        """[b, a, r]: b = S_xy/S_xx, a = ȳ − b·x̄ and r² = S_xy²/(S_xx·S_yy), each rounded once from its
        exact value. With the integer sums of :func:`_regression_ints` these are the ratios
        Q_xy/Q_xx, (ΣY·Q_xx − Q_xy·ΣX)/(n·den·Q_xx) and Q_xy²/(Q_xx·Q_yy) (the scale factors cancel);
        int / int is correctly rounded like ``float(Fraction)``, so the floats are those of the Fraction
        formulas (tested in tests/test_stats.py), without building Fractions for each rejected draw."""
        n, den, sx, sy, qxx, qyy, qxy = _regression_ints(tuple(x), tuple(y))
        r = math.sqrt(qxy * qxy / (qxx * qyy))  # r² exactly, so tiny or huge sums cannot overflow
        return [qxy / qxx, (sy * qxx - qxy * sx) / (n * den * qxx), -r if qxy < 0 else r]

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("slope, intercept, r", self._fit(p["x"], p["y"]))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        x, y = p["x"], p["y"]
        mx, my, sxx, syy, sxy = self._sums(x, y)
        b, a, r = answers[0].values

        def redo(v: list[float]) -> list[float]:  # the answers from the shown x̄, ȳ, S_xx, S_yy, S_xy and b
            return [v[4] / v[2], v[1] - v[5] * v[0], v[4] / math.sqrt(v[2] * v[3])]

        k = _sig_to_reproduce([mx, my, sxx, syy, sxy, b], redo, [b, a, r])
        q = (f"Fit \\(y = a + b x\\) by ordinary least squares to these {len(x)} points: "
             f"\\[x = ({_seq(x)})\\] \\[y = ({_seq(y)})\\] "
             "What are the slope \\(b\\), the intercept \\(a\\), and Pearson's correlation \\(r\\)? "
             "Give \\([b, a, r]\\).")
        s = (f"Means: \\(\\bar{{x}} = {tex(mx, k)}\\), \\(\\bar{{y}} = {tex(my, k)}\\). "
             "Centered sums: "
             f"\\(S_{{xx}} = \\sum (x_i - \\bar{{x}})^2 = {tex(sxx, k)}\\), "
             f"\\(S_{{yy}} = \\sum (y_i - \\bar{{y}})^2 = {tex(syy, k)}\\), "
             f"\\(S_{{xy}} = \\sum (x_i - \\bar{{x}})(y_i - \\bar{{y}}) = {tex(sxy, k)}\\). "
             f"\\[b = \\frac{{S_{{xy}}}}{{S_{{xx}}}} = \\frac{{{tex(sxy, k)}}}{{{tex(sxx, k)}}} = {tex(b, k)}\\] "
             f"\\[a = \\bar{{y}} - b \\bar{{x}} = {tex(my, k)} - {_tp(b, k)} \\times {_tp(mx, k)} "
             f"= {tex(a)}\\] "
             f"\\[r = \\frac{{S_{{xy}}}}{{\\sqrt{{S_{{xx}} S_{{yy}}}}}} = {tex(r)}\\] "
             "The slope is the covariance over the variance of x, i.e. \\(b = r\\, s_y / s_x\\): it equals r only "
             "when x and y have the same spread, and regressing x on y would give a different line.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        # x̄, ȳ, b_xy = S_xy/S_yy (slope of x regressed on y) and x̄ − b_xy·ȳ, each rounded once from its
        # exact value as integer ratios (see _fit).
        n, den, sx, sy, qxx, qyy, qxy = _regression_ints(tuple(p["x"]), tuple(p["y"]))
        mx, my = sx / (n * den), sy / (n * den)
        r = answers[0].values[2]
        return _keep(answers[0], [
            Distractor([r, my - r * mx, r],
                       "uses r as the slope: the slope is r·s_y/s_x, in units of y per unit of x"),
            Distractor([qxy / qyy, (sx * qyy - qxy * sy) / (n * den * qyy), r],
                       "regresses x on y (S_xy/S_yy) instead of y on x (S_xy/S_xx)"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import stats

        res = stats.linregress(p["x"], p["y"])
        scale = 1 + max(abs(v) for v in p["y"])
        b, a, r = answers[0].values
        assert_close("linregress slope", b, float(res.slope), rtol=1e-9, atol=1e-12 * scale)
        assert_close("linregress intercept", a, float(res.intercept), rtol=1e-9, atol=1e-9 * scale)
        assert_close("linregress r", r, float(res.rvalue), rtol=1e-9, atol=1e-12)


_POSTERIOR: dict[str, Any] = {}
"""GaussianUpdate._posterior by params."""


class GaussianUpdate(Generator):
    """Posterior of a Gaussian mean with known noise: precisions add.

    Example: ``quizgen show stats.gaussian_update --param mu0=0 --param sigma0=2 --param sigma_noise=1
    --param xs=[1.2,0.8,1.5,0.9]``
    """

    id = "stats.gaussian_update"
    version = 3
    title = "What is the posterior for μ after n Gaussian observations?"
    tags = ("bayes", "gaussian", "conjugate-prior")
    params = (
        Param("mu0", "float", "prior mean μ₀", lo=-5, hi=5),
        Param("sigma0", "float", "prior standard deviation σ₀", lo=0.1, hi=5, min=0, min_open=True),
        Param("sigma_noise", "float", "known noise standard deviation σ of each observation",
              lo=0.1, hi=5, min=0, min_open=True),
        Param("xs", "floats", "the observations x_i", lo=-30, hi=30, len_lo=1, len_hi=10, min_len=1),
    )

    _SDS = [0.2, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5]

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def clipped(lim: float) -> float:
            return max(-lim, min(lim, rng.normal()))

        for _ in range(100):
            mu0 = _pick(fixed, "mu0", lambda: rng.nice_uniform(-3, 3, 1))
            sigma0 = _pick(fixed, "sigma0", lambda: rng.choice(self._SDS))
            sigma = _pick(fixed, "sigma_noise", lambda: rng.choice(self._SDS))
            n = rng.integer(1, 10)
            true_mu = mu0 + sigma0 * clipped(2)
            xs = [round(true_mu + sigma * clipped(3), 1) for _ in range(n)]
            cand = {"mu0": mu0, "sigma0": sigma0, "sigma_noise": sigma, "xs": xs}
            cand.update(fixed)
            # both misconceptions visibly wrong at 3 s.f. (a negligible prior would make "ignores the prior" right)
            if "xs" in fixed or _kept(self, cand) == 2:
                return cand
        return cand

    @staticmethod
    def _posterior(p: Params) -> tuple[Fraction, Fraction, Fraction]:
        """(prior precision, data precision, posterior mean), exact; once per params."""
        return GaussianUpdate._memo(p)[:3]

    @staticmethod
    def _xbar(p: Params) -> Fraction:
        """The sample mean x̄, exact; once per params."""
        return GaussianUpdate._memo(p)[3]

    @staticmethod
    def _memo(p: Params) -> tuple[Fraction, Fraction, Fraction, Fraction]:
        return memo(_POSTERIOR, repr((p["xs"], p["sigma0"], p["sigma_noise"], p["mu0"])),
                    lambda: GaussianUpdate._exact_posterior(p))

    @staticmethod
    def _exact_posterior(p: Params) -> tuple[Fraction, Fraction, Fraction, Fraction]:
        """(prior precision, data precision, posterior mean, x̄), exact: with σ₀ = a/b, σ = c/d, μ₀ = e/f and
        x̄ = g/h, the precisions are b²/a² and n·d²/c², and the mean (μ₀·b²/a² + x̄·n·d²/c²)/(b²/a² + n·d²/c²)
        is (e·h·b²c² + g·f·n·d²a²)/(f·h·(b²c² + n·d²a²)), one Fraction instead of eight operations
        (tested against the Fraction formula in tests/test_stats.py)."""
        xbar = _exact_mean(p["xs"])
        n = len(p["xs"])
        s0, s, mu0 = _q(p["sigma0"]), _q(p["sigma_noise"]), _q(p["mu0"])
        a2, b2 = s0.numerator ** 2, s0.denominator ** 2
        c2, d2 = s.numerator ** 2, s.denominator ** 2
        e, f, g, h = mu0.numerator, mu0.denominator, xbar.numerator, xbar.denominator
        prior_prec, data_prec = Fraction(b2, a2), Fraction(n * d2, c2)
        prior_w, data_w = b2 * c2, n * d2 * a2
        mean = Fraction(e * h * prior_w + g * f * data_w, f * h * (prior_w + data_w))
        return prior_prec, data_prec, mean, xbar

    def validate(self, p: Params) -> None:
        prior_prec, data_prec, mean = self._posterior(p)
        xbar = self._xbar(p)
        if not _fits(prior_prec, data_prec, prior_prec + data_prec, 1 / (prior_prec + data_prec), mean, xbar,
                     prior_prec * _q(p["mu0"]), data_prec * xbar):
            raise ParamError(f"sigma0={plain(p['sigma0'])}, sigma_noise={plain(p['sigma_noise'])}, "
                             f"mu0={plain(p['mu0'])} and xs give precisions or weighted means beyond 1e300 or below "
                             "1e-300 in size, which a double cannot hold; use standard deviations between 1e-100 "
                             "and 1e100 and means and observations below 1e100 in size")

    def solve(self, p: Params) -> list[Answer]:
        prior_prec, data_prec, mean = self._posterior(p)
        sd = math.sqrt(float(1 / (prior_prec + data_prec)))
        return [Answer("posterior mean, sd", [float(mean), sd])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        mu0, s0, s, xs = p["mu0"], p["sigma0"], p["sigma_noise"], p["xs"]
        n = len(xs)
        prior_prec, data_prec, _ = self._posterior(p)
        prec = prior_prec + data_prec
        xbar = float(self._xbar(p))
        mean, sd = answers[0].values

        def redo(v: list[float]) -> list[float]:  # the answers from the shown precisions and x̄
            return [(v[0] * mu0 + v[1] * v[3]) / v[2], 1 / math.sqrt(v[2])]

        k = _sig_to_reproduce([prior_prec, data_prec, prec, xbar], redo, [mean, sd])
        obs = "one observation" if n == 1 else f"{n} independent observations"
        q = (f"An unknown mean \\(\\mu\\) has prior \\(\\mathcal{{N}}(\\mu_0, \\sigma_0^2)\\) with "
             f"\\(\\mu_0 = {tex(mu0, 6)}\\), \\(\\sigma_0 = {tex(s0, 6)}\\). You see {obs} "
             f"\\(x_i \\sim \\mathcal{{N}}(\\mu, \\sigma^2)\\) with known noise \\(\\sigma = {tex(s, 6)}\\): "
             f"\\[x = ({_seq(xs)})\\] What are the posterior mean and standard deviation of \\(\\mu\\)? "
             "Give [mean, sd].")
        s_ = ("The posterior is Gaussian and precisions (inverse variances) add: "
              f"\\[\\frac{{1}}{{\\sigma_n^2}} = \\frac{{1}}{{\\sigma_0^2}} + \\frac{{n}}{{\\sigma^2}} "
              f"= {tex(prior_prec, k)} + {tex(data_prec, k)} = {tex(prec, k)}\\] "
              f"so \\(\\sigma_n = {tex(sd)}\\). The mean is the precision-weighted average of the prior mean and "
              f"the sample mean \\(\\bar{{x}} = {tex(xbar, k)}\\): "
              f"\\[\\mu_n = \\frac{{\\mu_0/\\sigma_0^2 + n\\bar{{x}}/\\sigma^2}}{{1/\\sigma_0^2 + n/\\sigma^2}} "
              f"= \\frac{{{tex(prior_prec, k)} \\times {_tp(mu0, 6)} + {tex(data_prec, k)} \\times "
              f"{_tp(xbar, k)}}}{{{tex(prec, k)}}} = {tex(mean)}\\] "
              "Intuition: each observation adds \\(1/\\sigma^2\\) of precision, so with enough data the prior's "
              "weight fades and \\(\\sigma_n \\to \\sigma/\\sqrt{n}\\).")
        return q, s_

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        xs = p["xs"]
        xbar = float(self._xbar(p))
        mean, sd = answers[0].values
        return _keep(answers[0], [
            Distractor([xbar, p["sigma_noise"] / math.sqrt(len(xs))],
                       "ignores the prior: gives the sample mean and σ/√n"),
            Distractor([(p["mu0"] + xbar) / 2, sd],
                       "averages the prior mean and the sample mean equally instead of weighting by precision"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        mu0, s0, s = p["mu0"], p["sigma0"], p["sigma_noise"]
        xs = np.asarray(p["xs"], dtype=float)

        def log_post(g: Any) -> Any:
            out = -0.5 * ((g - mu0) / s0) ** 2
            for x in xs:
                out = out - 0.5 * ((x - g) / s) ** 2
            return out

        # Zoom in on the region where the posterior has mass, then integrate on a fine grid.
        lo = min(mu0 - 12 * s0, xs.min() - 12 * s)
        hi = max(mu0 + 12 * s0, xs.max() + 12 * s)
        for _ in range(30):
            g = np.linspace(lo, hi, 4001)
            lp = log_post(g)
            mass = g[lp - lp.max() > -60]
            step = g[1] - g[0]
            if len(mass) >= 400:
                break
            lo, hi = mass[0] - step, mass[-1] + step
        g = np.linspace(lo, hi, 100_001)
        lp = log_post(g)
        w = np.exp(lp - lp.max())
        w /= w.sum()
        m = float(np.sum(g * w))
        sd = float(np.sqrt(np.sum((g - m) ** 2 * w)))
        scale = abs(mu0) + s0 + float(np.abs(xs).max())
        assert_close("grid posterior mean", answers[0].values[0], m, rtol=1e-6, atol=1e-9 * scale)
        assert_close("grid posterior sd", answers[0].values[1], sd, rtol=1e-6)


class BetaBernoulli(Generator):
    """MLE, MAP and posterior mean of a coin's bias under a Beta(a, b) prior.

    Example: ``quizgen show stats.beta_bernoulli --param k=7 --param n=10 --param a=2 --param b=2``
    """

    id = "stats.beta_bernoulli"
    version = 2
    title = "What are the MLE, MAP and posterior mean of a coin's bias?"
    tags = ("bayes", "mle", "map", "conjugate-prior")
    params = (
        Param("k", "int", "heads observed", lo=0, hi=100, min=0),
        Param("n", "int", "flips", lo=1, hi=100, min=1),
        Param("a", "float", "prior Beta(a, b) parameter a (pseudo-heads)", lo=1, hi=10, min=1),
        Param("b", "float", "prior Beta(a, b) parameter b (pseudo-tails)", lo=1, hi=10, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            if "n" in fixed:
                n = fixed["n"]
            else:
                n = max(rng.integer(5, 100), fixed.get("k", 0))
            k = fixed["k"] if "k" in fixed else rng.integer(0, n)
            cand = {"k": k, "n": n, "a": rng.integer(1, 10), "b": rng.integer(1, 10)}
            cand.update(fixed)
            if k > n:
                return cand  # validate() explains
            # swapping the MAP and the posterior mean must be visibly wrong at 3 s.f.
            if _kept(self, cand) == 1:
                return cand
        return cand

    def validate(self, p: Params) -> None:
        if p["k"] > p["n"]:
            raise ParamError(f"k must be at most n (got k={p['k']}, n={p['n']}): there are only n flips")
        if not _fits(p["n"] + _q(p["a"]) + _q(p["b"]), *self._estimates(p)):
            raise ParamError(f"n={plain(p['n'])}, a={plain(p['a'])} and b={plain(p['b'])} are too large for double "
                             "precision (an estimate or count is beyond 1e300 or below 1e-300 in size); use values "
                             "below 1e100")

    @staticmethod
    def _estimates(p: Params) -> list[Fraction]:
        """[k/n, (k + a − 1)/(n + a + b − 2), (k + a)/(n + a + b)], exact: with a = a₁/a₂ and b = b₁/b₂,
        both ratios scaled by L = a₂·b₂ (a·L = a₁b₂, b·L = b₁a₂) give one Fraction of integers each, the
        values of :meth:`_estimates_plain` (tested in tests/test_stats.py)."""
        k, n, a, b = p["k"], p["n"], _q(p["a"]), _q(p["b"])
        big_l = a.denominator * b.denominator
        al, bl = a.numerator * b.denominator, b.numerator * a.denominator
        return [Fraction(k, n), Fraction((k - 1) * big_l + al, (n - 2) * big_l + al + bl),
                Fraction(k * big_l + al, n * big_l + al + bl)]

    @staticmethod
    def _estimates_plain(p: Params) -> list[Fraction]:
        k, n, a, b = p["k"], p["n"], _q(p["a"]), _q(p["b"])
        return [Fraction(k, n), (k + a - 1) / (n + a + b - 2), (k + a) / (n + a + b)]

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("MLE, MAP, posterior mean", [float(v) for v in self._estimates(p)])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        k, n, a, b = p["k"], p["n"], p["a"], p["b"]
        mle, map_, mean = answers[0].values
        pa, pb = _q(a) + k, _q(b) + n - k
        q = (f"A coin has unknown heads probability \\(\\theta\\) with prior "
             f"\\(\\text{{Beta}}({tex(a, 6)}, {tex(b, 6)})\\). In \\(n = {n}\\) flips you see \\(k = {k}\\) heads. "
             "What are the maximum-likelihood estimate, the MAP estimate and the posterior mean of \\(\\theta\\)? "
             "Give [MLE, MAP, mean].")
        s = (f"The Beta prior is conjugate: the posterior is \\(\\text{{Beta}}(a + k, b + n - k) = "
             f"\\text{{Beta}}({tex(float(pa), 6)}, {tex(float(pb), 6)})\\). "
             f"\\[\\hat{{\\theta}}_{{\\text{{MLE}}}} = \\frac{{k}}{{n}} = \\frac{{{k}}}{{{n}}} = {tex(mle)}\\] "
             f"\\[\\hat{{\\theta}}_{{\\text{{MAP}}}} = \\frac{{k + a - 1}}{{n + a + b - 2}} "
             f"= \\frac{{{tex(float(pa - 1), 6)}}}{{{tex(float(pa + pb - 2), 6)}}} = {tex(map_)}\\] "
             f"\\[\\mathbb{{E}}[\\theta \\mid \\text{{data}}] = \\frac{{k + a}}{{n + a + b}} "
             f"= \\frac{{{tex(float(pa), 6)}}}{{{tex(float(pa + pb), 6)}}} = {tex(mean)}\\] "
             "The MAP is the posterior's mode, the posterior mean its average: the prior acts as "
             "\\(a - 1\\) extra heads and \\(b - 1\\) extra tails for the MAP (regularized maximum likelihood), "
             "and as \\(a\\) and \\(b\\) pseudo-counts for the mean.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        mle, map_, mean = answers[0].values
        return _keep(answers[0], [
            Distractor([mle, mean, map_], "swaps the MAP (posterior mode, a−1 and b−1 pseudo-counts) and the "
                                          "posterior mean (a and b pseudo-counts)"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import optimize, stats

        k, n, a, b = p["k"], p["n"], p["a"], p["b"]
        mle, map_, mean = answers[0].values
        assert_close("scipy beta(a+k, b+n-k).mean()", mean, float(stats.beta(a + k, b + n - k).mean()), rtol=1e-9)

        def argmax(neg_log: Any) -> float:
            res = optimize.minimize_scalar(neg_log, bounds=(0.0, 1.0), method="bounded",
                                           options={"xatol": 1e-10})
            return float(res.x)

        prior = stats.beta(a, b)
        map_num = argmax(lambda t: -(stats.binom.logpmf(k, n, t) + prior.logpdf(t)))
        mle_num = argmax(lambda t: -stats.binom.logpmf(k, n, t))
        assert_close("argmax of the log posterior", map_, map_num, rtol=0, atol=1e-6)
        assert_close("argmax of the log likelihood", mle, mle_num, rtol=0, atol=1e-6)


@typed_cache(maxsize=256)
def _paired_sums(x: tuple[float, ...], y: tuple[float, ...]) -> tuple[int, int, int, int, int, int, int, int]:
    """(n, den, S_d, Q_d, S_x, Q_x, S_y, Q_y): the values scaled to integers over their common
    denominator ``den``, with ``S = ΣX`` and ``Q = nΣX² − S²`` (= n·Σ(X − X̄)², so Q_d = 0 exactly when
    all differences are equal)."""
    n = len(x)
    den, both = scaled_decimals([*x, *y])
    xi, yi = both[:n], both[n:]
    di = [a - b for a, b in zip(xi, yi, strict=True)]

    def s_q(v: list[int]) -> tuple[int, int]:
        s = sum(v)
        return s, n * sum(a * a for a in v) - s * s

    (sd, qd), (sx, qx), (sy, qy) = s_q(di), s_q(xi), s_q(yi)
    return n, den, sd, qd, sx, qx, sy, qy


@typed_cache(maxsize=256)
def _paired_exact(x: tuple[float, ...], y: tuple[float, ...]) -> tuple[
        Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction]:
    """:meth:`PairedVsUnpaired._exact`, cached (validate, solve and render all need it) and summed in
    integers over the common denominator ``den`` (the same exact values as summing Fractions, ~5x
    faster): with ``S = ΣX`` and ``Q = nΣX² − S²`` of the scaled values, the mean is ``S/(n·den)``,
    the sample variance ``Q/(n(n−1)den²)``, and t² = (n−1)·S_d²/Q_d (paired), (n−1)(S_x−S_y)²/(Q_x+Q_y)
    (unpaired)."""
    n, den, sd, qd, sx, qx, sy, qy = _paired_sums(x, y)
    mean_den, var_den = n * den, n * (n - 1) * den * den
    return (Fraction((n - 1) * sd * sd, qd), Fraction((n - 1) * (sx - sy) ** 2, qx + qy),
            Fraction(sd, mean_den), Fraction(qd, var_den), Fraction(sx, mean_den), Fraction(sy, mean_den),
            Fraction(qx, var_den), Fraction(qy, var_den))


class PairedVsUnpaired(Generator):
    """Paired vs unpaired t statistics on the same paired data.

    Example: ``quizgen show stats.paired_vs_unpaired --param x=[.81,.75,.90,.62,.70,.85]
    --param y=[.78,.71,.88,.57,.69,.80]``
    """

    id = "stats.paired_vs_unpaired"
    version = 2
    title = "What are the paired and unpaired t statistics for the same data?"
    tags = ("t-test", "paired", "variance-reduction")
    params = (
        Param("x", "floats", "scores of system X on each item", lo=0, hi=1, len_lo=5, len_hi=30, min_len=2),
        Param("y", "floats", "scores of system Y on the same items", lo=0, hi=1, len_lo=5, len_hi=30, min_len=2),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = len(fixed["x"]) if "x" in fixed else len(fixed["y"]) if "y" in fixed else rng.integer(5, 15)

        cand: Params = {}
        for _ in range(200):
            base = rng.nice_uniform(0.5, 0.8, 2)
            spread = rng.nice_uniform(0.05, 0.15, 2)
            effect = rng.nice_uniform(0.01, 0.05, 2)
            noise = rng.nice_uniform(0.01, 0.03, 3)
            # Per-item difficulty shared by both systems; a list the user fixed stands in for it, so the
            # drawn partner is paired with it item by item.
            if "x" in fixed:
                items = [float(v) - effect for v in fixed["x"]]
            elif "y" in fixed:
                items = [float(v) for v in fixed["y"]]
            else:
                items = [base + spread * rng.normal() for _ in range(n)]
            x = fixed["x"] if "x" in fixed else [_clip01(u + effect + noise * rng.normal()) for u in items]
            y = fixed["y"] if "y" in fixed else [_clip01(u + noise * rng.normal()) for u in items]
            cand = {"x": [float(v) for v in x], "y": [float(v) for v in y]}
            if len(fixed) == 2:
                return cand  # the user's data, as given (validate() judges it)
            try:
                self.validate(cand)
            except ParamError:
                continue  # redraw the part the user left free
            t_paired, t_unpaired = self._stats(cand)[:2]
            if fixed or (abs(t_paired) > 1.5 * abs(t_unpaired) and 1 <= abs(t_paired) <= 30):
                return cand
        if fixed:
            return cand
        raise DrawError("stats.paired_vs_unpaired: no well-correlated draw in 200 tries")

    def validate(self, p: Params) -> None:
        x, y = p["x"], p["y"]
        if len(x) != len(y):
            raise ParamError(f"x and y must have the same length (got {len(x)} and {len(y)}): "
                             "paired data has one x and one y per item")
        # The differences are all equal exactly when Q_d = nΣd² − (Σd)² is 0 (tested against the set of
        # the exact differences in tests/test_stats.py).
        if _paired_sums(tuple(x), tuple(y))[3] == 0:
            raise ParamError("the differences x_i − y_i must not all be equal (their SD would be 0 and the paired t "
                             f"infinite); got x={x}, y={y}")
        # tp2 and tu2 are d̄²·n/s_d² and (x̄ − ȳ)²·n/(s_x² + s_y²), exactly.
        tp2, tu2, dbar, vd, mx, my, vx, vy = self._exact(p)
        if not _fits(dbar, vd, mx, my, vx, vy, tp2, tu2):
            raise ParamError("x and y are too extreme for double precision (a mean, variance or t² is beyond 1e300 "
                             "or below 1e-300 in size); use scores between about 1e-100 and 1e100 in size, with "
                             "differences that are not tiny")

    @staticmethod
    def _exact(p: Params) -> tuple[Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction]:
        """(paired t², unpaired t², d̄, s_d², x̄, ȳ, s_x², s_y²), exact."""
        return _paired_exact(tuple(p["x"]), tuple(p["y"]))

    def _stats(self, p: Params) -> tuple[float, float, Fraction, Fraction, Fraction, Fraction, Fraction, Fraction]:
        """(paired t, unpaired t, d̄, s_d², x̄, ȳ, s_x², s_y²): each t from its exact square, so no overflow."""
        tp2, tu2, dbar, vd, mx, my, vx, vy = self._exact(p)
        t_paired = math.copysign(math.sqrt(float(tp2)), dbar)
        t_unpaired = math.copysign(math.sqrt(float(tu2)), mx - my)
        return t_paired, t_unpaired, dbar, vd, mx, my, vx, vy

    def solve(self, p: Params) -> list[Answer]:
        t_paired, t_unpaired = self._stats(p)[:2]
        return [Answer("paired t, unpaired t", [t_paired, t_unpaired])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        x, y = p["x"], p["y"]
        n = len(x)
        tp, tu, dbar, vd, mx, my, vx, vy = self._stats(p)
        sd, sx, sy = math.sqrt(float(vd)), math.sqrt(float(vx)), math.sqrt(float(vy))

        def redo(v: list[float]) -> list[float]:  # both t from the shown d̄, s_d, x̄, ȳ, s_x and s_y
            return [v[0] / (v[1] / math.sqrt(n)), (v[2] - v[3]) / math.sqrt((v[4] ** 2 + v[5] ** 2) / n)]

        k = _sig_to_reproduce([dbar, sd, mx, my, sx, sy], redo, [tp, tu])
        q = (f"Two models are scored on the same {n} test items (item \\(i\\) gives \\(x_i\\) and \\(y_i\\)): "
             f"\\[x = ({_seq(x)})\\] \\[y = ({_seq(y)})\\] "
             "What are the paired t statistic (on the differences \\(d_i = x_i - y_i\\)) and the unpaired "
             "two-sample t statistic for \\(\\bar{x} - \\bar{y}\\)? Use sample variances (divide by \\(n - 1\\)). "
             "Give [paired t, unpaired t].")
        s = (f"Paired: the differences have mean \\(\\bar{{d}} = {tex(dbar, k)}\\) and SD "
             f"\\(s_d = {tex(sd, k)}\\): "
             f"\\[t_{{\\text{{paired}}}} = \\frac{{\\bar{{d}}}}{{s_d/\\sqrt{{n}}}} = "
             f"\\frac{{{tex(dbar, k)}}}{{{tex(sd, k)}/\\sqrt{{{n}}}}} = {tex(tp)}\\] "
             f"Unpaired: \\(\\bar{{x}} = {tex(mx, k)}\\), \\(\\bar{{y}} = {tex(my, k)}\\), "
             f"\\(s_x = {tex(sx, k)}\\), \\(s_y = {tex(sy, k)}\\): "
             f"\\[t_{{\\text{{unpaired}}}} = \\frac{{\\bar{{x}} - \\bar{{y}}}}{{\\sqrt{{s_x^2/n + s_y^2/n}}}} "
             f"= \\frac{{{tex(mx - my, k)}}}{{\\sqrt{{({tex(sx, k)}^2 + {tex(sy, k)}^2)/{n}}}}} = {tex(tu)}\\] "
             "(At equal n the Welch and pooled Student statistics coincide.) Both numerators are the same "
             "difference in means; pairing removes the item-to-item variation that x and y share, so "
             "\\(s_d\\) is far smaller than \\(\\sqrt{s_x^2 + s_y^2}\\) when the scores are correlated.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        tp, tu = answers[0].values
        n = len(p["x"])
        return _keep(answers[0], [
            Distractor([tu, tp], "swaps them: the unpaired test ignores the pairing, so its statistic is the small "
                                 "one when x and y are correlated"),
            Distractor([tp / math.sqrt(n), tu], "divides d̄ by s_d instead of by the standard error s_d/√n"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import stats

        tp, tu = answers[0].values
        assert_close("scipy ttest_rel", tp, float(stats.ttest_rel(p["x"], p["y"]).statistic), rtol=1e-9)
        assert_close("scipy ttest_ind", tu, float(stats.ttest_ind(p["x"], p["y"]).statistic), rtol=1e-9, atol=1e-12)


class PairedDesignGain(Generator):
    """Variance reduction from pairing correlated measurements: Var(x − y) shrinks by 1 − ρ.

    Example: ``quizgen show stats.paired_design_gain --param rho=0.8``
    """

    id = "stats.paired_design_gain"
    version = 1
    title = "By what factor does pairing cut the variance of a difference?"
    tags = ("paired", "variance-reduction", "correlation")
    params = (
        Param("rho", "float", "correlation ρ between the paired measurements", lo=-0.5, hi=0.99, min=-1, max=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            rho = rng.nice_uniform(-0.5, 0.99, 2)
            if abs(rho) >= 0.05:
                return {"rho": rho}
        raise DrawError("stats.paired_design_gain: no |rho| ≥ 0.05 in 100 tries")

    def validate(self, p: Params) -> None:
        if p["rho"] >= 1:
            raise ParamError(f"rho must be in [-1, 1) (got {p['rho']}): at rho = 1 the difference has no variance "
                             "and the sample factor is infinite")

    def solve(self, p: Params) -> list[Answer]:
        rho = _q(p["rho"])
        return [Answer("variance factor", float(1 - rho)),
                Answer("sample factor", float(1 / (1 - rho)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        rho = p["rho"]
        vf, sf = answers[0].value, answers[1].value
        q = ("You compare two systems by the mean difference of their scores. Each score has variance "
             "\\(\\sigma^2\\). In a paired design both systems are scored on the same items, and their scores "
             f"correlate with \\(\\rho = {tex(rho, 6)}\\); in an unpaired design they are scored on independent "
             "items. By what factor does pairing multiply the variance of each difference \\(x - y\\)? "
             "Part 2: how many times as many items does the unpaired design need for the same precision?")
        s = ("\\[\\operatorname{Var}(x - y) = \\sigma_x^2 + \\sigma_y^2 - 2\\rho\\sigma_x\\sigma_y = "
             "2\\sigma^2 (1 - \\rho)\\] against \\(2\\sigma^2\\) for independent items, so pairing multiplies the "
             f"variance by \\(1 - \\rho = {tex(vf)}\\). The variance of a mean falls as \\(1/n\\), so the "
             f"unpaired design needs \\(1/(1 - \\rho) = {tex(sf)}\\) times as many items. "
             "Intuition: the shared per-item difficulty cancels in the difference; with \\(\\rho < 0\\) pairing "
             "would hurt.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        rho = _q(p["rho"])
        return _keep(answers[0], [
            Distractor(float(1 - rho**2), "uses 1 − ρ², the control-variate (regression) factor; a plain "
                                          "difference has coefficient 1, giving 1 − ρ"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        rho = p["rho"]
        rng = _np_rng(self.id, p)
        vals, vecs = np.linalg.eigh(np.array([[1.0, rho], [rho, 1.0]]))
        root = vecs * np.sqrt(np.clip(vals, 0, None))  # covariance square root, valid at rho = -1 too
        z = rng.standard_normal((2, 200_000))
        # Elementwise rather than a BLAS matmul: threaded BLAS stalls on a busy machine.
        x = root[0, 0] * z[0] + root[0, 1] * z[1]
        y = root[1, 0] * z[0] + root[1, 1] * z[1]
        # Unit variances, so the unpaired design has Var(x − y') = 2. With 2e5 draws the paired variance is
        # off by √(2/2e5) ≈ 0.32% (one SD); 2% is more than 6 SDs.
        ratio = float(np.var(x - y)) / 2
        assert_close("simulated Var(x−y)/2", answers[0].value, ratio, rtol=0.02)
        assert_close("simulated sample factor", answers[1].value, 1 / ratio, rtol=0.02)


class AurocScores(Generator):
    """AUROC of two lists of scores: P(A > B) + ½P(A = B).

    Example: ``quizgen show stats.auroc_scores --param scores_a=[0.9,0.7,0.7] --param scores_b=[0.7,0.2,0.4]``
    """

    id = "stats.auroc_scores"
    version = 1
    title = "What is the AUROC of these scores?"
    tags = ("auroc", "classification", "mann-whitney")
    params = (
        Param("scores_a", "floats", "classifier scores of the positives A", lo=0, hi=1, len_lo=3, len_hi=20,
              min_len=1),
        Param("scores_b", "floats", "classifier scores of the negatives B", lo=0, hi=1, len_lo=3, len_hi=20,
              min_len=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            decimals = rng.choice([1, 2])  # one decimal gives plenty of ties
            gap = rng.nice_uniform(0.05, 0.35, 2)
            a = fixed["scores_a"] if "scores_a" in fixed else self._scores(rng, 0.5 + gap / 2, decimals)
            b = fixed["scores_b"] if "scores_b" in fixed else self._scores(rng, 0.5 - gap / 2, decimals)
            cand = {"scores_a": [float(v) for v in a], "scores_b": [float(v) for v in b]}
            if len(fixed) == 2 or 0 < self._auc(cand) < 1:
                return cand
        raise DrawError("stats.auroc_scores: every draw gave AUROC 0 or 1")

    @staticmethod
    def _scores(rng: Rng, mu: float, decimals: int) -> list[float]:
        return [round(max(0.0, min(1.0, mu + 0.2 * rng.normal())), decimals) for _ in range(rng.integer(3, 10))]

    @staticmethod
    def _per_positive(p: Params) -> list[tuple[int, int]]:
        """For each positive u: (#negatives v < u, #negatives v = u), by bisection in the sorted negatives
        (the scores are finite numbers, totally ordered, so bisect_left counts v < u and bisect_right
        minus it counts v = u: the counts of the pairwise comparisons, tested in tests/test_stats.py)."""
        sb = sorted(p["scores_b"])
        out = []
        for u in p["scores_a"]:
            lo = bisect.bisect_left(sb, u)
            out.append((lo, bisect.bisect_right(sb, u, lo) - lo))
        return out

    @staticmethod
    def _counts(p: Params) -> tuple[int, int, int]:
        """(pairs with a > b, pairs with a = b, all pairs)."""
        per = AurocScores._per_positive(p)
        return sum(g for g, _ in per), sum(e for _, e in per), len(p["scores_a"]) * len(p["scores_b"])

    @staticmethod
    def _counts_plain(p: Params) -> tuple[int, int, int]:
        a, b = p["scores_a"], p["scores_b"]
        gt = sum(1 for u in a for v in b if u > v)
        eq = sum(1 for u in a for v in b if u == v)
        return gt, eq, len(a) * len(b)

    def _auc(self, p: Params) -> Fraction:
        gt, eq, total = self._counts(p)
        return Fraction(2 * gt + eq, 2 * total)

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("AUROC", float(self._auc(p)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a, b = p["scores_a"], p["scores_b"]
        gt, eq, total = self._counts(p)
        per = [(2 * g + e) / 2 for g, e in self._per_positive(p)]  # wins + ½ ties, exact in a float
        rows = ",\\ ".join(f"{tex(u, 6)}\\!:\\ {tex(c, 6)}" for u, c in zip(a, per, strict=True))
        q = (f"A classifier gives these scores to {len(a)} positives A and {len(b)} negatives B: "
             f"\\[A = ({_seq(a)})\\] \\[B = ({_seq(b)})\\] "
             "What is the AUROC, i.e. the probability that a random positive scores higher than a random negative, "
             "counting ties as one half?")
        s = ("Compare every (positive, negative) pair. For each positive, the negatives it beats "
             f"(ties count ½): \\[{rows}\\] "
             f"That is {gt} wins and {eq} ties out of \\({len(a)} \\times {len(b)} = {total}\\) pairs: "
             f"\\[\\text{{AUROC}} = \\frac{{\\text{{wins}} + \\frac{{1}}{{2}}\\,\\text{{ties}}}}{{n_A n_B}} = "
             f"\\frac{{{gt} + {tex(eq / 2, 6)}}}{{{total}}} = {tex(answers[0].value)}\\] "
             "This is the Mann–Whitney U statistic divided by \\(n_A n_B\\): it measures the ranking, for every "
             "threshold at once, not the accuracy at one threshold.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        a, b = p["scores_a"], p["scores_b"]
        gt, eq, total = self._counts(p)
        acc = (sum(u >= 0.5 for u in a) + sum(v < 0.5 for v in b)) / (len(a) + len(b))
        ds = [Distractor(acc, "gives the accuracy at threshold 0.5, not the ranking probability")]
        if eq:
            ds.insert(0, Distractor(gt / total, "ignores ties: each tied pair counts ½"))
        return _keep(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import stats

        a, b = p["scores_a"], p["scores_b"]
        u = float(stats.mannwhitneyu(a, b).statistic)
        assert_close("mannwhitneyu U/(n_A n_B)", answers[0].value, u / (len(a) * len(b)), rtol=1e-9)


class AurocGaussian(Generator):
    """AUROC of two Gaussian score distributions: Φ((μa − μb)/√(σa² + σb²)).

    Example: ``quizgen show stats.auroc_gaussian --param mu_a=1 --param sigma_a=1 --param mu_b=0 --param sigma_b=1``
    """

    id = "stats.auroc_gaussian"
    version = 2
    title = "What is the AUROC of two Gaussian score distributions?"
    tags = ("auroc", "gaussian", "classification")
    params = (
        Param("mu_a", "float", "mean μa of the positives' scores", lo=-3, hi=3),
        Param("sigma_a", "float", "SD σa of the positives' scores", lo=0.2, hi=3, min=0, min_open=True),
        Param("mu_b", "float", "mean μb of the negatives' scores", lo=-3, hi=3),
        Param("sigma_b", "float", "SD σb of the negatives' scores", lo=0.2, hi=3, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            p = {"mu_a": rng.nice_uniform(-3, 3, 1), "sigma_a": rng.nice(0.2, 3, 1),
                 "mu_b": rng.nice_uniform(-3, 3, 1), "sigma_b": rng.nice(0.2, 3, 1)}
            p.update(fixed)
            auc = _phi(self._z(p))
            if len(fixed) == 4 or (abs(auc - 0.5) >= 0.03 and 0.01 <= auc <= 0.99):
                return p
        if fixed:
            return p
        raise DrawError("stats.auroc_gaussian: no draw with AUROC in [0.01, 0.47] ∪ [0.53, 0.99]")

    @staticmethod
    def _dmu(p: Params) -> Fraction:
        return _q(p["mu_a"]) - _q(p["mu_b"])

    def _z(self, p: Params) -> float:
        return float(self._dmu(p)) / math.hypot(p["sigma_a"], p["sigma_b"])

    def validate(self, p: Params) -> None:
        if not _fits(p["mu_a"], p["mu_b"], self._dmu(p), p["sigma_a"], p["sigma_b"]):
            raise ParamError(f"mu_a={plain(p['mu_a'])}, mu_b={plain(p['mu_b'])}, sigma_a={plain(p['sigma_a'])} and "
                             f"sigma_b={plain(p['sigma_b'])} are too extreme for double precision; use values between "
                             "about 1e-100 and 1e100 in size")
        z = self._z(p)
        if not math.isfinite(z) or _phi(z) < 1e-300:
            what = "overflows" if not math.isfinite(z) else f"= {plain(z)} gives an AUROC Φ(z) below 1e-300"
            raise ParamError(f"mu_a={plain(p['mu_a'])} and mu_b={plain(p['mu_b'])} are too far apart for these "
                             f"spreads: z = (μa − μb)/√(σa² + σb²) {what}, which a double cannot hold; use closer "
                             "means or larger standard deviations")

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("AUROC", _phi(self._z(p)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        ma, sa, mb, sb = p["mu_a"], p["sigma_a"], p["mu_b"], p["sigma_b"]
        z = self._z(p)
        k = _sig_to_reproduce([z], lambda v: [_phi(v[0])], [answers[0].value])  # Φ is steep in the tails
        q = (f"A classifier's scores are \\(A \\sim \\mathcal{{N}}({tex(ma, 6)}, {tex(sa, 6)}^2)\\) on positives and "
             f"\\(B \\sim \\mathcal{{N}}({tex(mb, 6)}, {tex(sb, 6)}^2)\\) on negatives, independently. "
             "What is the AUROC, \\(P(A > B)\\)?")
        s = ("The difference of independent Gaussians is Gaussian, and variances add: "
             "\\(A - B \\sim \\mathcal{N}(\\mu_a - \\mu_b,\\ \\sigma_a^2 + \\sigma_b^2)\\). So "
             f"\\[P(A > B) = \\Phi\\left(\\frac{{\\mu_a - \\mu_b}}{{\\sqrt{{\\sigma_a^2 + \\sigma_b^2}}}}\\right) "
             f"= \\Phi\\left(\\frac{{{tex(self._dmu(p), 6)}}}{{\\sqrt{{{tex(sa, 6)}^2 + {tex(sb, 6)}^2}}}}\\right) "
             f"= \\Phi({tex(z, k)}) = {tex(answers[0].value)}\\] "
             "Intuition: standard deviations combine in quadrature, not by adding; AUROC depends only on the "
             "separation in units of that combined spread.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        d = float(self._dmu(p))
        return _keep(answers[0], [
            Distractor(_phi(d / (p["sigma_a"] + p["sigma_b"])), "adds the SDs instead of the variances"),
            Distractor(_phi(d), "ignores the spreads: uses Φ(μa − μb)"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import integrate, special

        ma, sa, mb, sb = p["mu_a"], p["sigma_a"], p["mu_b"], p["sigma_b"]

        # A = ma + sa·u with u standard normal: P(A > B) = ∫ φ(u) Φ((ma + sa·u − mb)/sb) du. Integrating in u
        # keeps the integrand O(1) for any scale of the params (the density of A itself overflows for tiny sa).
        def integrand(u: float) -> float:
            return float(math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi) * special.ndtr((ma - mb + sa * u) / sb))

        kink = min(39.0, max(-39.0, (mb - ma) / sa))  # where Φ's argument crosses 0
        val, _ = integrate.quad(integrand, -40, 40, points=sorted({0.0, kink}), epsabs=0, epsrel=1e-11, limit=200)
        assert_close("quad ∫ φ_A Φ_B", answers[0].value, val, rtol=1e-6)


class SoftmaxTemperature(Generator):
    """Softmax (Boltzmann) probability at temperature T: softmax(z/T)ᵢ.

    Example: ``quizgen show stats.softmax_temperature --param logits=[2,1,0] --param T=0.5 --param index=0``
    """

    id = "stats.softmax_temperature"
    version = 2
    form = ("index",)  # the answer is p_i for this i
    title = "What is the softmax probability at temperature T?"
    tags = ("softmax", "temperature", "boltzmann")
    params = (
        Param("logits", "floats", "logits z_j", lo=-5, hi=5, len_lo=2, len_hi=6, min_len=2),
        Param("T", "float", "temperature T", lo=0.1, hi=10, min=0, min_open=True),
        Param("index", "int", "which class (0-based)", lo=0, hi=5, min=0, max=63),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            if "logits" in fixed:
                logits = [float(v) for v in fixed["logits"]]
            else:
                k_min = max(2, fixed.get("index", 0) + 1)
                logits = [rng.nice_uniform(-5, 5, 1) for _ in range(rng.integer(k_min, max(6, k_min)))]
            temp = fixed["T"] if "T" in fixed else rng.choice([0.1, 0.2, 0.25, 0.5, 0.7, 2, 3, 5, 10])
            index = fixed["index"] if "index" in fixed else rng.integer(0, len(logits) - 1)
            cand = {"logits": logits, "T": temp, "index": index}
            if index >= len(logits):
                return cand  # validate() explains
            if len(set(logits)) == len(logits) and not self.plausible(cand) and self._distinct(cand):
                return cand
        if fixed:
            return cand  # the user's values may leave the envelope
        raise DrawError("stats.softmax_temperature: no draw with 1e-4 ≤ p ≤ 0.9999 in 200 tries")

    # The envelope (issue 14): an asked probability between 1e-4 and 0.9999. Above 0.9999 the answer reads
    # "1" and tests only the argmax; below 1e-4 it is a tail that sampling (top-k/top-p) cuts off anyway.
    P_LO, P_HI = 1e-4, 0.9999

    def plausible(self, p: Params) -> list[str]:
        if p["index"] >= len(p["logits"]):
            return []
        prob = self._probs(p)[p["index"]]
        if not self.P_LO <= prob <= self.P_HI:
            return [f"the asked probability {prob:.6g} is outside [{self.P_LO:g}, {self.P_HI:g}]"]
        return []

    def _distinct(self, p: Params) -> bool:
        """Whether every misconception's value is wrong at the answer's precision (so none is dropped)."""
        head = self.solve(p)[0]
        ds = self.distractors(p, [head])
        return len(ds) == 2

    def validate(self, p: Params) -> None:
        if p["index"] >= len(p["logits"]):
            raise ParamError(f"index must be less than the number of logits, {len(p['logits'])} "
                             f"(got {p['index']}; it counts from 0)")
        t = p["T"]
        scaled = [z / t for z in p["logits"]]
        if not all(math.isfinite(v) and abs(v) <= 1e300 for v in scaled):
            raise ParamError(f"T={plain(t)} is too small for these logits: z/T overflows double precision; use a "
                             "larger T or logits below 1e100 in size")
        m = max(scaled)
        log_p = scaled[p["index"]] - m - math.log(math.fsum(math.exp(v - m) for v in scaled))
        if log_p < math.log(1e-300):
            raise ParamError(f"T={plain(t)} makes p_{p['index']} = e^{plain(log_p)}, below 1e-300, which a double "
                             "cannot hold (it would show as 0); use a larger T or another index")

    @staticmethod
    def _probs(p: Params, scale: float | None = None) -> list[float]:
        t = p["T"]
        scaled = [z * scale for z in p["logits"]] if scale is not None else [z / t for z in p["logits"]]
        if not all(math.isfinite(v) for v in scaled):
            return [math.nan] * len(scaled)  # only a distractor's z·T can overflow (validate() guards z/T)
        m = max(scaled)
        e = [math.exp(v - m) for v in scaled]  # subtract the max: no overflow for any T
        total = math.fsum(e)
        return [v / total for v in e]

    def solve(self, p: Params) -> list[Answer]:
        return [Answer(f"p_{p['index']}", self._probs(p)[p["index"]])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        z, t, i = p["logits"], p["T"], p["index"]
        scaled = [v / t for v in z]
        m = max(scaled)
        exps = [math.exp(v - m) for v in scaled]
        q = ("Softmax with temperature \\(T\\) turns logits \\(z\\) into "
             "\\(p_i = e^{z_i/T} / \\sum_j e^{z_j/T}\\) "
             f"(the Boltzmann distribution). With \\(z = ({_seq(z)})\\) and \\(T = {tex(t, 6)}\\), what is "
             f"\\(p_{{{i}}}\\), the probability of the class with logit \\(z_{{{i}}} = {tex(z[i], 6)}\\) "
             "(indices count from 0)?")
        s = (f"Divide by the temperature: \\(z/T = ({_seq(scaled, 4)})\\). Subtract the maximum "
             f"({tex(m)}) for stability and exponentiate: \\(({_seq(exps, 4)})\\), which sum to "
             f"\\({tex(math.fsum(exps))}\\). \\[p_{{{i}}} = \\frac{{{tex(exps[i])}}}{{{tex(math.fsum(exps))}}} "
             f"= {tex(answers[0].value)}\\] "
             "Intuition: \\(T < 1\\) sharpens the distribution toward the argmax, \\(T > 1\\) flattens it toward "
             "uniform, because dividing by \\(T\\) scales every gap between logits by \\(1/T\\).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        i = p["index"]
        ds = [Distractor(self._probs(p, scale=p["T"])[i], "multiplies the logits by T instead of dividing"),
              Distractor(self._probs(p, scale=1.0)[i], "ignores the temperature (the T = 1 value)")]
        return _keep(answers[0], [d for d in ds if math.isfinite(d.value)])  # type: ignore[arg-type]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        import torch
        from scipy import special

        z, t, i = np.asarray(p["logits"], dtype=float), p["T"], p["index"]
        assert_close("scipy.special.softmax", answers[0].value, float(special.softmax(z / t)[i]), rtol=1e-9,
                     atol=1e-300)
        probs = torch.softmax(torch.tensor(p["logits"], dtype=torch.float64) / t, dim=0)
        assert_close("torch.softmax (float64)", answers[0].value, float(probs[i]), rtol=1e-9, atol=1e-300)


_PRICE: dict[str, Any] = {}
"""PriceEquation._parts by params."""


class PriceEquation(Generator):
    """Response to selection by the Price equation: Δz̄ = Cov(w, z)/w̄.

    Example: ``quizgen show stats.price_equation --param z=[1,2,3,4] --param w=[1,1,2,4]``
    """

    id = "stats.price_equation"
    version = 2
    title = "What is the change in mean trait after selection (Price equation)?"
    tags = ("price-equation", "covariance", "selection")
    params = (
        Param("z", "floats", "trait value z_i of each parent", lo=0, hi=20, len_lo=3, len_hi=8, min_len=1),
        Param("w", "floats", "fitness w_i (offspring count) of each parent", lo=0, hi=6, len_lo=3, len_hi=8,
              min=0, min_len=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = len(fixed["z"]) if "z" in fixed else len(fixed["w"]) if "w" in fixed else rng.integer(3, 8)
        for _ in range(200):
            z = fixed["z"] if "z" in fixed else [rng.nice_uniform(1, 20, rng.choice([0, 1])) for _ in range(n)]
            w = fixed["w"] if "w" in fixed else [rng.integer(0, 6) for _ in range(n)]
            cand = {"z": [int(v) if float(v).is_integer() else float(v) for v in z], "w": list(w)}
            if len(fixed) == 2:
                return cand
            if sum(cand["w"]) > 0 and self._parts(cand)[2] != 0:
                return cand
        if fixed:
            return cand
        raise DrawError("stats.price_equation: no draw with Cov(w, z) ≠ 0 in 200 tries")

    def validate(self, p: Params) -> None:
        z, w = p["z"], p["w"]
        if len(z) != len(w):
            raise ParamError(f"z and w must have the same length (got {len(z)} and {len(w)}): one trait and one "
                             "fitness per individual")
        if sum(w) <= 0:
            raise ParamError(f"w must have a positive sum (got w={w}): with no offspring there is no next generation")
        wbar, zbar, cov = self._parts(p)
        if not _fits(wbar, zbar, cov, cov / wbar, zbar + cov / wbar):
            raise ParamError("z and w are too extreme for double precision (a mean or the covariance is beyond 1e300 "
                             "or below 1e-300 in size); use values between about 1e-100 and 1e100 in size")

    @staticmethod
    def _parts(p: Params) -> tuple[Fraction, Fraction, Fraction]:
        """(w̄, z̄, population Cov(w, z)), once per params (validate, solve, render and distractors ask)."""
        return memo(_PRICE, repr((p["z"], p["w"])), lambda: PriceEquation._exact_parts(p))

    @staticmethod
    def _exact_parts(p: Params) -> tuple[Fraction, Fraction, Fraction]:
        """(w̄, z̄, Cov(w, z)) with the population covariance, summed in integers: with W = w·den_w and
        Z = z·den_z, w̄ = ΣW/(n·den_w), z̄ = ΣZ/(n·den_z) and Cov = (nΣWZ − ΣW·ΣZ)/(n²·den_w·den_z) (the same
        Fractions as the means of the exact decimals and of their centered products)."""
        (dw, wi), (dz, zi) = scaled_decimals(p["w"]), scaled_decimals(p["z"])
        n = len(wi)
        sw, sz = sum(wi), sum(zi)
        cross = sum(a * b for a, b in zip(wi, zi, strict=True))
        return Fraction(sw, n * dw), Fraction(sz, n * dz), Fraction(n * cross - sw * sz, n * n * dw * dz)

    def solve(self, p: Params) -> list[Answer]:
        wbar, _, cov = self._parts(p)
        return [Answer("change in mean trait", float(cov / wbar))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        z, w = p["z"], p["w"]
        wbar, zbar, cov = self._parts(p)
        dz = answers[0].value
        k1 = _sig_to_reproduce([cov, wbar], lambda v: [v[0] / v[1]], [dz])
        offspring = zbar + cov / wbar  # Σwz/Σw
        k2 = _sig_to_reproduce([offspring, zbar], lambda v: [v[0] - v[1]], [dz])
        q = (f"A population of {len(z)} individuals has trait values \\(z = ({_seq(z)})\\) and fitness "
             f"(number of offspring) \\(w = ({_seq(w)})\\). Each offspring inherits its parent's trait exactly. "
             "By how much does the mean trait change from the parents to the offspring, \\(\\Delta \\bar{z}\\)?")
        s = ("The Price equation with perfect transmission: "
             "\\(\\bar{w}\\,\\Delta \\bar{z} = \\operatorname{Cov}(w, z)\\), with the population covariance "
             "(divide by \\(n\\)). Here "
             f"\\(\\bar{{w}} = {tex(wbar, k1)}\\), \\(\\bar{{z}} = {tex(zbar, k2)}\\), "
             f"\\(\\operatorname{{Cov}}(w, z) = \\frac{{1}}{{n}}\\sum (w_i - \\bar{{w}})(z_i - \\bar{{z}}) "
             f"= {tex(cov, k1)}\\). "
             f"\\[\\Delta \\bar{{z}} = \\frac{{\\operatorname{{Cov}}(w, z)}}{{\\bar{{w}}}} = "
             f"\\frac{{{tex(cov, k1)}}}{{{tex(wbar, k1)}}} = {tex(dz)}\\] "
             "Check: the offspring mean is the fitness-weighted parent mean, "
             f"\\(\\sum w_i z_i / \\sum w_i = {tex(offspring, k2)}\\), and "
             f"\\({tex(offspring, k2)} - {_tp(zbar, k2)} = {tex(dz)}\\). "
             "Intuition: selection moves the mean trait in proportion to how fitness covaries with it.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        wbar, _, cov = self._parts(p)
        n = len(p["z"])
        ds = [Distractor(float(cov), "forgets to divide by the mean fitness w̄")]
        if n > 1:
            ds.append(Distractor(float(cov * n / (n - 1) / wbar),
                                 "uses the sample covariance (÷ n−1); the Price equation uses the population one"))
        return _keep(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        z, w = np.asarray(p["z"], dtype=float), np.asarray(p["w"], dtype=float)
        direct = float(np.sum(w * z) / np.sum(w) - np.mean(z))  # offspring mean − parent mean
        assert_close("Σwz/Σw − z̄", answers[0].value, direct, rtol=1e-9, atol=1e-12 * (1 + float(np.abs(z).max())))


_MLE_SS: dict[str, Any] = {}
"""MleVariance._ss by data."""


class MleVariance(Generator):
    """Gaussian maximum-likelihood variance (÷n) vs the unbiased sample variance (÷(n−1)).

    Example: ``quizgen show stats.mle_variance --param data=[2,4,4,4,5,5,7,9]``
    """

    id = "stats.mle_variance"
    version = 1
    title = "What is the Gaussian maximum-likelihood estimate of the variance?"
    tags = ("mle", "variance", "bias")
    params = (
        Param("data", "floats", "the observations", lo=-100, hi=100, len_lo=4, len_hi=12, min_len=2),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(100):
            mu = rng.integer(-10, 50)
            sd = rng.choice([0.5, 1, 2, 3, 5, 10])
            dec = 0 if sd >= 2 else 1
            data = [round(mu + sd * max(-3.0, min(3.0, rng.normal())), dec) for _ in range(rng.integer(4, 12))]
            data = [int(v) if dec == 0 else float(v) for v in data]
            if len(set(data)) >= 2:
                return {"data": data}
        raise DrawError("stats.mle_variance: every draw was constant")

    def validate(self, p: Params) -> None:
        m, ss = self._ss(p)
        n = len(p["data"])
        if not _fits(m, ss, ss / n, ss / (n - 1)):
            raise ParamError("data values are too extreme for double precision (the mean or the squared deviations "
                             "are beyond 1e300 or below 1e-300 in size); use values between about 1e-100 and 1e100 "
                             "in size, with differences that are not tiny")

    @staticmethod
    def _ss(p: Params) -> tuple[Fraction, Fraction]:
        """(x̄, Σ(x − x̄)²), exact; once per data (validate, solve and render each need it)."""
        return memo(_MLE_SS, repr(p["data"]), lambda: MleVariance._exact_ss(p["data"]))

    @staticmethod
    def _exact_ss(data: Sequence[int | float]) -> tuple[Fraction, Fraction]:
        """Summed in integers: with X = x·den, S = ΣX and Q = nΣX² − S², x̄ = S/(n·den) and
        Σ(x − x̄)² = Q/(n·den²) (the same Fractions as summing the exact decimals)."""
        den, xi = scaled_decimals(data)
        n, s = len(xi), sum(xi)
        return Fraction(s, n * den), Fraction(n * sum(a * a for a in xi) - s * s, n * den * den)

    def solve(self, p: Params) -> list[Answer]:
        _, ss = self._ss(p)
        n = len(p["data"])
        return [Answer("MLE variance", float(ss / n)),
                Answer("unbiased variance", float(ss / (n - 1)))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        data = p["data"]
        n = len(data)
        m, ss = self._ss(p)
        q = (f"You fit \\(\\mathcal{{N}}(\\mu, \\sigma^2)\\) by maximum likelihood to {n} observations "
             f"\\(x = ({_seq(data)})\\). What is the MLE of the variance \\(\\sigma^2\\)? "
             "Part 2: what is the unbiased sample variance?")
        s = ("The log-likelihood is \\(-\\frac{n}{2}\\ln(2\\pi\\sigma^2) - \\sum_i (x_i - \\mu)^2 / (2\\sigma^2)\\). "
             "Setting its derivatives to zero gives \\(\\hat{\\mu} = \\bar{x}\\) and "
             f"\\(\\hat{{\\sigma}}^2 = \\frac{{1}}{{n}}\\sum_i (x_i - \\bar{{x}})^2\\). Here \\(\\bar{{x}} = "
             f"{tex(float(m))}\\) and \\(\\sum_i (x_i - \\bar{{x}})^2 = {tex(float(ss))}\\): "
             f"\\[\\hat{{\\sigma}}^2_{{\\text{{MLE}}}} = \\frac{{{tex(float(ss))}}}{{{n}}} = {tex(answers[0].value)}, "
             f"\\quad s^2 = \\frac{{{tex(float(ss))}}}{{{n - 1}}} = {tex(answers[1].value)}\\] "
             "The MLE divides by n and is biased low by the factor \\((n - 1)/n\\), because \\(\\bar{x}\\) is fitted "
             "to the same data (Bessel's correction undoes this).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        return _keep(answers[0], [
            Distractor(answers[1].value, "divides by n − 1: that is the unbiased estimate, not the maximum-likelihood "
                                         "one"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        from scipy import stats

        data = np.asarray(p["data"], dtype=float)
        _, scale = stats.norm.fit(data)
        spread = 1 + float(np.abs(data).max()) ** 2
        assert_close("scipy norm.fit scale²", answers[0].value, float(scale) ** 2, rtol=1e-9, atol=1e-13 * spread)
        assert_close("np.var(ddof=1)", answers[1].value, float(np.var(data, ddof=1)), rtol=1e-9, atol=1e-13 * spread)
        require(answers[0].value <= answers[1].value, "the MLE variance must not exceed the unbiased one")
