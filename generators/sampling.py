"""Sampling: Monte Carlo sample sizes and error rates, Hutchinson's trace estimator, Gaussian soap
bubbles, importance weights, control variates and MCMC effective sample size. Example::

    quizgen show sampling.hutchinson_variance --param matrix=[[2,1],[1,3]] --param probe=gaussian
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close, assert_equal, require
from quizgen.errors import ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number as _num
from quizgen.gentools import check_rng as _np_rng
from quizgen.gentools import exact_decimal as _q
from quizgen.gentools import keep_wrong as _keep
from quizgen.gentools import memo
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.precision import factor
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng

# -- helpers ----------------------------------------------------------------------------------------






def _seq(xs: Sequence[float], sig: int = 6) -> str:
    return ",\\ ".join(tex(x, sig) for x in xs)






_BIG = Fraction(10) ** 300
_TINY = 1 / _BIG


def _fits(*xs: Fraction | int | float) -> bool:
    """Whether every exact value is 0 or between 1e-300 and 1e300 in size: it then converts to a double
    without overflowing, and without underflowing to 0 or to a subnormal that has lost digits."""
    return all(x == 0 or _TINY <= abs(Fraction(x)) <= _BIG for x in xs)


def _rho_below_one(p: Params) -> None:
    if p["rho"] >= 1:
        raise ParamError(f"rho must be in (-1, 1) (got {p['rho']}): at |rho| = 1 the variance factor is 0 "
                         "and its reciprocal infinite")


def _matrix_tex(a: Sequence[Sequence[float]]) -> str:
    rows = " \\\\ ".join(" & ".join(tex(v, 6) for v in row) for row in a)
    return f"\\begin{{pmatrix}} {rows} \\end{{pmatrix}}"


# -- generators -------------------------------------------------------------------------------------


class McSampleSize(Generator):
    """Monte Carlo samples needed for a target standard error (or ±ε at z): ⌈(zσ/ε)²⌉.

    Example: ``quizgen show sampling.mc_sample_size --param sigma=2 --param eps=0.05 --param z=1.96``
    """

    id = "sampling.mc_sample_size"
    version = 2
    form = ("z",)  # z = 1 asks for a standard error, 1.96 or 2.576 for an interval
    title = "How many Monte Carlo samples reach a target error?"
    tags = ("monte-carlo", "standard-error", "sqrt-n")
    params = (
        Param("sigma", "float", "standard deviation σ of one sample", lo=0.1, hi=10, min=0, min_open=True),
        Param("eps", "float", "target standard error (z = 1) or half-width ε of the ±z·SE interval",
              lo=0.001, hi=1, min=0, min_open=True),
        Param("z", "float", "z multiplier of the interval: 1 (the standard error itself), 1.96 (95%), 2.576 (99%)",
              lo=1, hi=2.576, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        sigma = fixed["sigma"] if "sigma" in fixed else rng.nice(0.1, 10, 2)
        z = fixed["z"] if "z" in fixed else rng.choice([1, 1, 1.96, 2.576])
        if "eps" in fixed:
            return {"sigma": sigma, "eps": fixed["eps"], "z": z}
        zs = z * sigma
        lo, hi = max(0.001, zs / 1000), max(0.0012, min(1, zs / 3.2))  # n between ~10 and 10⁶
        if lo >= hi:  # a user's σ or z far outside the draw range: keep n in range, let ε leave it
            lo, hi = zs / 1000, zs / 3.2
        return {"sigma": sigma, "eps": rng.nice(lo, hi, 1), "z": z}

    def validate(self, p: Params) -> None:
        if not _fits(self._exact(p), _q(p["z"]) * _q(p["sigma"]) / _q(p["eps"])):
            raise ParamError(f"eps={plain(p['eps'])} with sigma={plain(p['sigma'])} and z={plain(p['z'])} needs "
                             "more than 1e300 samples (or the ratio zσ/ε is below 1e-300), which a double cannot "
                             "hold; use a larger eps")

    @staticmethod
    def _exact(p: Params) -> Fraction:
        return (_q(p["z"]) * _q(p["sigma"]) / _q(p["eps"])) ** 2

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("n", math.ceil(self._exact(p)), "samples")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        sigma, eps, z = p["sigma"], p["eps"], p["z"]
        n = answers[0].value
        exact = tex(float(self._exact(p)), 6)
        if z == 1:
            goal = f"its standard error is at most \\(\\varepsilon = {tex(eps, 6)}\\)"
            steps = ("\\frac{\\sigma}{\\sqrt{n}} \\le \\varepsilon \\Rightarrow "
                     "n \\ge \\left(\\frac{\\sigma}{\\varepsilon}\\right)^2 = "
                     f"\\left(\\frac{{{tex(sigma, 6)}}}{{{tex(eps, 6)}}}\\right)^2 = {exact}")
        else:
            goal = (f"the interval \\(\\bar{{x}} \\pm {tex(z, 6)}\\,\\sigma/\\sqrt{{n}}\\) has half-width at most "
                    f"\\(\\varepsilon = {tex(eps, 6)}\\)")
            steps = ("\\frac{z\\sigma}{\\sqrt{n}} \\le \\varepsilon \\Rightarrow n \\ge "
                     "\\left(\\frac{z\\sigma}{\\varepsilon}\\right)^2 = "
                     f"\\left(\\frac{{{tex(z, 6)} \\times {tex(sigma, 6)}}}{{{tex(eps, 6)}}}\\right)^2 = {exact}")
        q = (f"A Monte Carlo estimate averages \\(n\\) independent samples, each with standard deviation "
             f"\\(\\sigma = {tex(sigma, 6)}\\). What is the smallest \\(n\\) such that {goal}?")
        s = (f"\\[{steps}\\] so \\(n = {tex(n)}\\) samples (rounded up). "
             "Intuition: the Monte Carlo error falls as \\(1/\\sqrt{n}\\) whatever the dimension, so each halving "
             "of \\(\\varepsilon\\) costs 4× the samples.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        sigma, eps, z = _q(p["sigma"]), _q(p["eps"]), _q(p["z"])
        return _keep(answers[0], [
            Distractor(math.ceil(z * sigma / eps), "forgets to square: the error goes as 1/√n"),
            Distractor(math.ceil((sigma / eps) ** 2), "drops the z multiplier of the interval"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        sigma, eps, z = p["sigma"], p["eps"], p["z"]
        n = answers[0].value
        # The defining property, in exact arithmetic: n is the first sample size with z·σ/√n ≤ ε.
        zs2, e2 = (_q(z) * _q(sigma)) ** 2, _q(eps) ** 2
        require(n * e2 >= zs2 and (n - 1) * e2 < zs2, f"n={n} is not the smallest n with z·σ/√n ≤ ε")
        # Simulate 16000 estimates at that n: samples σ(E − 1), E ~ Exp(1); their sum is Gamma(n), drawn exactly.
        rng = _np_rng(self.id, p)
        estimates = sigma * (rng.gamma(n, size=16_000) / n - 1.0)
        sd = float(np.std(estimates, ddof=1))
        # The sample SD of N estimates with kurtosis κ = 3 + 6/n is off by √((κ − 1)/(4N)) (one SD): ≤ 1.1% at
        # the worst case n = 1, so 10% is more than 8 SDs; for n ≥ 25, where rounding n up moves the SE by less
        # than 2% from ε/z, the 8% left is still 9 SDs.
        assert_close("SD of simulated estimates vs σ/√n", sigma / math.sqrt(n), sd, rtol=0.1)
        if n >= 25:
            assert_close("SD of simulated estimates vs ε/z", eps / z, sd, rtol=0.1)


_HUTCH: dict[str, Any] = {}
"""HutchinsonVariance._sums by matrix."""


class HutchinsonVariance(Generator):
    """Variance of Hutchinson's trace estimator with Rademacher or Gaussian probes.

    Example: ``quizgen show sampling.hutchinson_variance --param matrix=[[2,1],[1,3]] --param probe=rademacher``
    """

    id = "sampling.hutchinson_variance"
    version = 1
    form = ("probe",)
    title = "What is the variance of Hutchinson's trace estimator?"
    tags = ("hutchinson", "trace-estimation", "randomized-linear-algebra")
    params = (
        Param("matrix", "matrix", "symmetric matrix A", lo=-3, hi=3, len_lo=2, len_hi=8, min_len=1, max_len=16),
        Param("probe", "str", "probe distribution", choices=("rademacher", "gaussian")),
        Param("m", "int", "number of probe vectors averaged", lo=1, hi=100, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = rng.integer(2, 5)
        a = [[0] * n for _ in range(n)]
        while all(a[i][j] == 0 for i in range(n) for j in range(n) if i != j):
            for i in range(n):
                for j in range(i, n):
                    a[i][j] = a[j][i] = rng.integer(-3, 3)
        m = rng.choice([1, 1, 2, 4, 5, 10, 16, 20, 25, 50, 100])
        return {"matrix": a, "probe": rng.choice(["rademacher", "gaussian"]), "m": m}

    def validate(self, p: Params) -> None:
        a = p["matrix"]
        n = len(a)
        if any(len(row) != n for row in a):
            raise ParamError(f"matrix must be square (got a {n}×{len(a[0])} matrix)")
        for i in range(n):
            for j in range(i + 1, n):
                if a[i][j] != a[j][i]:
                    raise ParamError(f"matrix must be symmetric (got A[{i}][{j}] = {a[i][j]} but "
                                     f"A[{j}][{i}] = {a[j][i]})")
        fro, diag = self._sums(p)
        if not _fits(fro, diag, fro - diag, 2 * fro, 2 * (fro - diag) / p["m"], 2 * fro / p["m"]):
            raise ParamError("matrix entries are too extreme for double precision (‖A‖_F² or the variance is beyond "
                             "1e300 or below 1e-300 in size); use entries between about 1e-100 and 1e100 in size (or "
                             "0), and m below 1e100")

    @staticmethod
    def _sums(p: Params) -> tuple[Fraction, Fraction]:
        """(‖A‖_F², Σ A_ii²), once per matrix (validate, solve, render and distractors all ask)."""
        return memo(_HUTCH, repr(p["matrix"]), lambda: HutchinsonVariance._exact_sums(p))

    @staticmethod
    def _exact_sums(p: Params) -> tuple[Fraction, Fraction]:
        a = [[_q(v) for v in row] for row in p["matrix"]]
        fro = sum((v * v for row in a for v in row), Fraction(0))
        diag = sum((a[i][i] ** 2 for i in range(len(a))), Fraction(0))
        return fro, diag

    def _var(self, p: Params, probe: str, m: int) -> Fraction:
        fro, diag = self._sums(p)
        return 2 * (fro - diag) / m if probe == "rademacher" else 2 * fro / m

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("variance", _num(self._var(p, p["probe"], p["m"])))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a, probe, m = p["matrix"], p["probe"], p["m"]
        fro, diag = self._sums(p)
        kind = ("Rademacher entries (independent ±1, each with probability ½)" if probe == "rademacher"
                else "independent standard Gaussian entries")
        est = "z^T A z" if m == 1 else "\\frac{1}{m}\\sum_{k=1}^{m} z_k^\\top A z_k"
        probes = "one probe vector" if m == 1 else f"\\(m = {m}\\) independent probe vectors"
        q = (f"Hutchinson's estimator of \\(\\operatorname{{tr}}(A)\\) is \\({est}\\) with "
             f"{probes} \\(z\\) with {kind}. "
             f"For \\[A = {_matrix_tex(a)}\\] what is the variance of the estimator?")
        mid = ("Rademacher: \\(z_i^2 = 1\\), so the diagonal terms are constant and only the off-diagonal ones vary: "
               "\\[\\operatorname{Var}(z^T A z) = 4\\sum_{i<j} A_{ij}^2 = "
               "2\\left(\\left\\| A \\right\\|_F^2 - \\sum_i A_{ii}^2\\right) = "
               f"2({tex(float(fro), 6)} - {tex(float(diag), 6)}) = {tex(float(2 * (fro - diag)), 6)}\\]"
               if probe == "rademacher" else
               "Gaussian: \\(\\operatorname{Var}(z_i^2) = 2\\) adds the diagonal: "
               "\\[\\operatorname{Var}(z^T A z) = 2\\left\\| A \\right\\|_F^2 = 2\\sum_i \\lambda_i^2 = "
               f"2 \\times {tex(float(fro), 6)} = {tex(float(2 * fro), 6)}\\]")
        avg = (f"Averaging \\(m = {m}\\) independent probes divides the variance by \\(m\\): "
               f"\\(\\text{{Var}} = {tex(answers[0].value, 6)}\\)." if m > 1 else
               "With a single probe this is the variance of the estimator.")
        s = ("Write \\(z^T A z = \\sum_i A_{ii} z_i^2 + 2\\sum_{i<j} A_{ij} z_i z_j\\); its mean is "
             f"\\(\\operatorname{{tr}}(A)\\) for either probe. {mid} {avg} "
             "Rademacher probes are never worse than Gaussian ones. The error still falls only as \\(1/\\sqrt{m}\\): "
             "a relative error \\(\\varepsilon\\) costs \\(O(1/\\varepsilon^2)\\) matrix-vector products, while "
             "Hutch++ (which first removes a low-rank part exactly) needs \\(O(1/\\varepsilon)\\).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        probe, m = p["probe"], p["m"]
        other = "gaussian" if probe == "rademacher" else "rademacher"
        why_other = ("uses the Gaussian formula 2‖A‖_F²: Rademacher probes have z_i² = 1, so the diagonal adds no "
                     "variance" if probe == "rademacher" else
                     "uses the Rademacher formula: Gaussian z_i² has variance 2, so the diagonal adds variance too")
        return _keep(answers[0], [
            Distractor(_num(self._var(p, other, m)), why_other),
            Distractor(_num(self._var(p, probe, 1)), "forgets to divide by m: averaging m probes cuts the variance "
                                                     "m-fold"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        a = np.asarray(p["matrix"], dtype=float)
        n, m = len(a), p["m"]
        if p["probe"] == "rademacher":
            # Every one of the 2ⁿ sign vectors, each with probability 2⁻ⁿ: the exact variance.
            signs = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1) * 2.0 - 1.0
            quad = np.einsum("ki,ij,kj->k", signs, a, signs)
            require(abs(float(quad.mean()) - float(np.trace(a))) <= 1e-9 * (1 + float(np.abs(a).sum())),
                    "the Rademacher estimator must be unbiased")
            var = float(quad.var())
        elif n <= 8:
            # Gauss–Hermite with 3 nodes per coordinate integrates any polynomial of degree ≤ 5 in each coordinate
            # exactly against the standard normal, and (zᵀAz)² has degree ≤ 4 in each: the exact variance over
            # all 3ⁿ grid points, with no formula for it assumed.
            nodes, weights = np.polynomial.hermite_e.hermegauss(3)
            weights = weights / weights.sum()
            grid = np.array(list(itertools.product(nodes, repeat=n)))
            w = np.prod(np.array(list(itertools.product(weights, repeat=n))), axis=1)
            quad = np.einsum("ki,ij,kj->k", grid, a, grid)
            mean = float(w @ quad)
            require(abs(mean - float(np.trace(a))) <= 1e-9 * (1 + float(np.abs(a).sum())),
                    "the Gaussian estimator must be unbiased")
            var = float(w @ (quad - mean) ** 2)
        else:
            # Rotate to A's eigenbasis: zᵀAz = Σ λᵢ yᵢ² with yᵢ independent N(0, 1), so the variance is
            # Σ λᵢ² Var(χ²₁), with Var(χ²₁) taken from scipy rather than assumed.
            from scipy import stats

            var = float(np.sum(np.linalg.eigvalsh(a) ** 2)) * float(stats.chi2(1).var())
        assert_close(f"{p['probe']} variance by an independent route", answers[0].value, var / m, rtol=1e-9,
                     atol=1e-12)


_MC_SLOPE_WINDOW = (-0.6, -0.4)


@functools.lru_cache(maxsize=1)
def _empirical_slopes() -> tuple[float, float]:
    """Log-log slopes of RMSE vs n for plain MC and scrambled Sobol on a smooth 3-D integrand.

    They do not depend on any params, so they are computed once per process.
    """
    import numpy as np
    from scipy.stats import qmc

    exact = (math.e - 1) ** 3  # ∫ over [0,1]³ of exp(x + y + z)
    rng = np.random.default_rng(20260101)
    reps, top = 32, 14
    powers = range(6, top + 1)
    idx = np.array([2**k - 1 for k in powers])
    mc_sq, qmc_sq = np.zeros(len(idx)), np.zeros(len(idx))
    for _ in range(reps):
        # The first 2^k points of one run give the estimate at every n = 2^k (a scrambled Sobol prefix of
        # length 2^k is itself a scrambled net).
        mc_f = np.exp(rng.random((2**top, 3)).sum(axis=1))
        qmc_f = np.exp(qmc.Sobol(d=3, scramble=True, seed=rng).random_base2(top).sum(axis=1))
        mc_sq += (np.cumsum(mc_f)[idx] / (idx + 1) - exact) ** 2
        qmc_sq += (np.cumsum(qmc_f)[idx] / (idx + 1) - exact) ** 2
    log_n = np.log(idx + 1.0)
    mc, sobol = np.sqrt(mc_sq / reps), np.sqrt(qmc_sq / reps)
    return float(np.polyfit(log_n, np.log(mc), 1)[0]), float(np.polyfit(log_n, np.log(sobol), 1)[0])


class ErrorScaling(Generator):
    """How much more data cuts the error k-fold: MC k² (n^−½), QMC about k (n⁻¹ up to logs).

    Example: ``quizgen show sampling.error_scaling --param k=10 --param method=qmc``
    """

    id = "sampling.error_scaling"
    version = 3
    form = ("method",)
    title = "By what factor must n grow to cut the integration error k-fold?"
    tags = ("monte-carlo", "quasi-monte-carlo", "convergence-rate")
    params = (
        Param("k", "float", "how many times smaller the error should be (2, 4, 10, 100)", lo=2, hi=100, min=1),
        Param("method", "str", "mc: independent random points; qmc: a low-discrepancy sequence (e.g. Sobol)",
              choices=("mc", "qmc")),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"k": rng.choice([2, 4, 10, 100]), "method": rng.choice(["mc", "qmc"])}

    def validate(self, p: Params) -> None:
        if p["k"] > 1e150:
            raise ParamError(f"k must be at most 1e150 (got {plain(p['k'])}): k² would overflow double precision")

    QMC_FACTORS = (2.0, 1.7, 1.4, 1.2, 1.1)
    """Round grading factors for the QMC answer (√k rounded down to a short number, at most 2)."""

    @classmethod
    def _qmc_factor(cls, k: float) -> float | None:
        """Grading factor for the QMC answer k: 2 for the log factors, but at most √k, so that an answer nearer
        (on a log scale) to the MC answer k² or to "no growth" 1 than to k never passes: 2 from k = 4, 1.7 from
        k = 2.89 (k = 3), 1.4 from 1.96 (k = 2), 1.2, 1.1 (None below k = 1.21: 3 significant figures)."""
        return next((f for f in cls.QMC_FACTORS if f * f <= k), None)

    def solve(self, p: Params) -> list[Answer]:
        k = _q(p["k"])
        if p["method"] == "mc":
            return [Answer("growth factor of n", _num(k**2))]
        f = self._qmc_factor(p["k"])
        if f is None:
            return [Answer("growth factor of n", _num(k))]
        tol = factor(f, why="QMC error is n⁻¹ only up to log factors; at most √k (rounded down to a short "
                            "number) so that k² and 1 stay outside")
        return [Answer("growth factor of n", _num(k), None, tol)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        k, method = p["k"], p["method"]
        growth = answers[0].value
        if method == "mc":
            what = "plain Monte Carlo (independent uniform random points)"
            s = ("Plain Monte Carlo has RMSE \\(\\sigma/\\sqrt{n} \\propto n^{-1/2}\\), so \\(n \\propto "
                 f"\\text{{error}}^{{-2}}\\): \\[n' / n = k^2 = {tex(k, 6)}^2 = {tex(growth)}\\] "
                 "Intuition: this rate holds in any dimension, which is why MC is the default in high "
                 "dimensions, and why it is slow: each extra digit of accuracy costs 100× the samples.")
        else:
            what = ("quasi-Monte Carlo (a low-discrepancy sequence such as Sobol) on a smooth, low-dimensional "
                    "integrand; give the standard rate and ignore log factors")
            s = ("Quasi-Monte Carlo points fill the cube evenly, so by the Koksma–Hlawka inequality the error is "
                 "\\(O((\\log n)^d / n)\\), about \\(n^{-1}\\) up to logs: "
                 f"\\[n' / n \\approx k = {tex(growth)}\\] (graded {answers[0].precision}, because of the log "
                 "factors). "
                 "Randomly scrambled Sobol points on smooth integrands often do even better (RMSE near "
                 "\\(n^{-3/2}\\)), while plain Monte Carlo would need \\(k^2\\).")
        q = (f"You estimate an integral with {what}. By what factor must the number of points \\(n\\) grow to "
             f"cut the error by a factor of \\(k = {plain(k)}\\)?")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        k = _q(p["k"])
        if p["method"] == "mc":
            return _keep(answers[0], [Distractor(_num(k), "uses the quasi-Monte Carlo rate n⁻¹: independent random "
                                                          "points only reach n^−½")])
        return _keep(answers[0], [Distractor(_num(k**2), "uses the Monte Carlo rate n^−½: low-discrepancy points "
                                                         "converge about as n⁻¹")])

    def check(self, p: Params, answers: list[Answer]) -> None:
        slope_mc, slope_qmc = _empirical_slopes()
        k, growth = p["k"], answers[0].value
        require(_MC_SLOPE_WINDOW[0] <= slope_mc <= _MC_SLOPE_WINDOW[1], f"MC RMSE slope {slope_mc:.3f} is not ≈ −½")
        require(slope_qmc <= -0.95, f"scrambled Sobol RMSE slope {slope_qmc:.3f} is not ≤ −1")
        if p["method"] == "mc":
            # The empirical exponent, rounded to the nearest integer, reproduces the exact answer.
            assert_equal("k^round(−1/MC slope)", growth, _num(_q(k) ** round(-1 / slope_mc)))
        else:
            # n ∝ error^(1/slope): the empirical need is at most ≈ k (the worst-case rate), far below MC's k².
            need = k ** (-1 / slope_qmc)
            require(need <= growth * 1.2 and growth < k**2 or k == 1,
                    f"QMC needs n × {need:.3g} empirically; the answer {growth} is not the n⁻¹ bound")


class SoapBubble(Generator):
    """Mean and SD of the norm of an isotropic Gaussian: the chi distribution (soap bubble).

    Example: ``quizgen show sampling.soap_bubble --param d=1000 --param sigma=1``
    """

    id = "sampling.soap_bubble"
    version = 1
    title = "What are the mean and SD of the length of a d-dimensional Gaussian vector?"
    tags = ("high-dimensional-probability", "gaussian", "chi-distribution")
    params = (
        Param("d", "int", "dimension d", lo=2, hi=10**4, min=1),
        Param("sigma", "float", "standard deviation σ of each coordinate", lo=0.1, hi=10, min=0, min_open=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        d = rng.choice([2, 3, 10, 100, 512, 768, 1000, 1024, 4096, 10000]) if rng.bernoulli(0.6) else \
            min(10**4, max(2, round(rng.nice(2, 10**4, 1))))
        sigma = rng.choice([1, 1, 0.1, 0.5, 2, 3]) if rng.bernoulli(0.6) else rng.nice(0.1, 10, 2)
        return {"d": d, "sigma": sigma}

    @staticmethod
    def _moments(d: int, sigma: float) -> tuple[float, float]:
        import mpmath

        # ln Γ((d+1)/2) − ln Γ(d/2) cancels ~log10(d) digits and d − mean² as many again: keep 30 beyond that.
        with mpmath.workdps(max(40, 30 + 2 * len(str(d)))):
            half = mpmath.mpf(d) / 2
            mean = mpmath.sqrt(2) * mpmath.exp(mpmath.loggamma(half + mpmath.mpf(1) / 2) - mpmath.loggamma(half))
            sd = mpmath.sqrt(d - mean**2)
            s = mpmath.mpf(repr(float(sigma)))
            return float(s * mean), float(s * sd)

    def validate(self, p: Params) -> None:
        d, sigma = p["d"], p["sigma"]
        if d > 10**100 or not _fits(Fraction(sigma) / 2, Fraction(sigma) * (math.isqrt(d) + 1)):
            raise ParamError(f"sigma={plain(sigma)} and d={plain(d)} give a length beyond 1e300 or below 1e-300, "
                             "which a double cannot hold; use sigma between 1e-100 and 1e100 and d below 1e100")

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("mean, SD of ‖x‖", list(self._moments(p["d"], p["sigma"])))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        d, sigma = p["d"], p["sigma"]
        mean, sd = answers[0].values
        q = (f"Draw \\(x \\sim \\mathcal{{N}}(0, \\sigma^2 I_d)\\) in \\(d = {tex(d)}\\) dimensions with "
             f"\\(\\sigma = {tex(sigma, 6)}\\). What are the mean and the standard deviation of its length "
             "\\(\\left\\| x \\right\\|\\)? Give [mean, SD].")
        s = ("\\(\\left\\| x \\right\\|/\\sigma\\) has a chi distribution with \\(d\\) degrees of freedom: "
             "\\[\\mathbb{E}\\left\\| x \\right\\| = \\sigma\\sqrt{2}\\,\\frac{\\Gamma((d+1)/2)}{\\Gamma(d/2)} "
             f"= {tex(mean, 6)} \\approx \\sigma\\sqrt{{d}} = {tex(sigma * math.sqrt(d), 6)}\\] "
             "and since \\(\\mathbb{E}\\left\\| x \\right\\|^2 = d\\sigma^2\\), "
             "\\[\\text{SD} = \\sqrt{d\\sigma^2 - (\\mathbb{E}\\left\\| x \\right\\|)^2} = "
             f"{tex(sd, 6)} \\to \\sigma/\\sqrt{{2}} = {tex(sigma / math.sqrt(2), 6)}\\] "
             "Intuition: the soap bubble. The density is highest at the origin, yet almost all the mass sits in a "
             "thin shell of radius about \\(\\sigma\\sqrt{d}\\) whose width stays about \\(\\sigma/\\sqrt{2}\\) "
             "as \\(d\\) grows.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        d, sigma = p["d"], p["sigma"]
        sd = answers[0].values[1]
        return _keep(answers[0], [
            Distractor([0, sd], "takes the mode of the density (the origin) for the typical length"),
            Distractor([sigma * d, sd], "adds the coordinates' SDs (σd) instead of their variances (σ√d)"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        from scipy import stats

        d, sigma = p["d"], p["sigma"]
        mean, sd = answers[0].values
        if d <= 10**6:
            chi = stats.chi(d)
            assert_close("scipy chi(d).mean()·σ", mean, float(chi.mean()) * sigma, rtol=1e-6)
            assert_close("scipy chi(d).std()·σ", sd, float(chi.std()) * sigma, rtol=1e-6)
        else:
            # scipy's chi moments lose about d·1e-16 of relative accuracy; use the large-d expansions
            # E = √d (1 − 1/(4d) + 1/(32d²) + …) and Var = 1/2 − 1/(8d) + O(1/d²) instead (error < 1e-12 here).
            assert_close("√d (1 − 1/(4d) + 1/(32d²))·σ", mean,
                         math.sqrt(d) * (1 - 1 / (4 * d) + 1 / (32 * d * d)) * sigma, rtol=1e-9)
            assert_close("√(1/2 − 1/(8d))·σ", sd, math.sqrt(0.5 - 1 / (8 * d)) * sigma, rtol=1e-9)


class EffectiveSampleSize(Generator):
    """Kish effective sample size of importance weights: (Σw)²/Σw².

    Example: ``quizgen show sampling.effective_sample_size --param weights=[1,1,1,5]``
    """

    id = "sampling.effective_sample_size"
    version = 2
    title = "What is the Kish effective sample size of these importance weights?"
    tags = ("importance-sampling", "effective-sample-size")
    params = (
        Param("weights", "floats", "importance weights w_i (≥ 0, not all 0)", lo=0.01, hi=10, len_lo=3, len_hi=10,
              min=0, min_len=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = rng.integer(3, 10)
        if rng.bernoulli(0.5):
            w = [rng.nice(0.01, 10, 2) for _ in range(n)]
        else:  # a few heavy weights among light ones: the typical importance-sampling failure
            w = [rng.nice(0.5, 10, 1) if rng.bernoulli(0.3) else rng.nice(0.01, 0.5, 1) for _ in range(n)]
        return {"weights": w}

    def validate(self, p: Params) -> None:
        if sum(p["weights"]) <= 0:
            raise ParamError(f"weights must not all be 0 (got {p['weights']})")
        s1, s2 = self._ess(p)
        if not _fits(s1, s1 * s1, s2):
            raise ParamError("weights are too extreme for double precision ((Σw)² or Σw² is beyond 1e300 or below "
                             "1e-300 in size); the ESS does not depend on their scale, so rescale them to between "
                             "about 1e-100 and 1e100")

    @staticmethod
    def _ess(p: Params) -> tuple[Fraction, Fraction]:
        ws = [_q(v) for v in p["weights"]]
        return sum(ws, Fraction(0)), sum((v * v for v in ws), Fraction(0))

    def solve(self, p: Params) -> list[Answer]:
        s1, s2 = self._ess(p)
        return [Answer("n_eff", _num(s1 * s1 / s2), "samples")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        w = p["weights"]
        s1, s2 = self._ess(p)
        q = (f"Importance sampling gives {len(w)} samples with weights \\(w = ({_seq(w)})\\). "
             "What is their (Kish) effective sample size?")
        s = (f"\\[\\text{{ESS}} = \\frac{{\\left(\\sum_i w_i\\right)^2}}{{\\sum_i w_i^2}} = "
             f"\\frac{{{tex(float(s1), 6)}^2}}{{{tex(float(s2), 6)}}} = {tex(answers[0].value)}\\ \\text{{samples}}\\] "
             f"It lies between 1 (one weight dominates) and \\(n = {len(w)}\\) (equal weights): a weighted average "
             "is as noisy as an unweighted average of ESS samples. Uneven weights waste samples.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        w = p["weights"]
        s1, _ = self._ess(p)
        return _keep(answers[0], [
            Distractor(len(w), "counts the samples, ignoring that uneven weights waste them"),
            Distractor(_num(s1), "sums the weights, which depends on their arbitrary scale"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        def ess(w: Any) -> float:
            wn = np.asarray(w, dtype=float) / np.sum(w)  # normalized weights
            return float(1 / np.sum(wn**2))

        n = len(p["weights"])
        require(abs(ess(np.ones(n)) - n) <= 1e-12 * n and abs(ess(np.eye(n)[0]) - 1) <= 1e-12,
                "the ESS check must give n for equal weights and 1 for one-hot weights")
        got = ess(p["weights"])
        assert_close("1/Σw̃² (normalized weights)", answers[0].value, got, rtol=1e-9)
        require(1 - 1e-9 <= got <= n * (1 + 1e-9), f"ESS {got} must lie in [1, n={n}]")


class ControlVariate(Generator):
    """Variance factor of the optimal control variate with correlation ρ: 1 − ρ².

    Example: ``quizgen show sampling.control_variate --param rho=0.9``
    """

    id = "sampling.control_variate"
    version = 1
    title = "By what factor does the optimal control variate cut the variance?"
    tags = ("monte-carlo", "control-variates", "variance-reduction")
    params = (
        Param("rho", "float", "correlation ρ between f and the control variate g", lo=0.1, hi=0.99, min=-1,
              min_open=True, max=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"rho": rng.nice_uniform(0.1, 0.99, 2)}

    def validate(self, p: Params) -> None:
        _rho_below_one(p)

    def solve(self, p: Params) -> list[Answer]:
        f = 1 - _q(p["rho"]) ** 2
        return [Answer("variance factor", float(f)), Answer("speed-up", float(1 / f))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        rho = p["rho"]
        vf, speed = answers[0].value, answers[1].value
        q = ("You estimate \\(\\mathbb{E}[f]\\) by Monte Carlo and have a control variate \\(g\\) with known mean, "
             f"correlated with \\(f\\) with \\(\\rho = {tex(rho, 6)}\\). You average "
             "\\(f - \\beta(g - \\mathbb{E}[g])\\) with the best coefficient \\(\\beta\\). By what factor does this "
             "multiply the variance per sample? Part 2: how many times fewer samples give the same error?")
        s = ("\\[\\operatorname{Var}(f - \\beta g) = \\operatorname{Var} f - 2\\beta \\operatorname{Cov}(f, g) + "
             "\\beta^2\\operatorname{Var} g\\] is smallest at \\(\\beta^* = \\operatorname{Cov}(f, g) / "
             "\\operatorname{Var} g\\), where it equals \\(\\operatorname{Var} f\\,(1 - \\rho^2)\\): "
             f"\\[1 - \\rho^2 = 1 - {tex(rho, 6)}^2 = {tex(vf)}\\] and the sample count needed falls by "
             f"\\(1/(1 - \\rho^2) = {tex(speed)}\\). Intuition: only strong correlation pays off; value baselines "
             "in policy gradients are control variates of this kind.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        return _keep(answers[0], [
            Distractor(float(1 - _q(p["rho"])), "uses 1 − ρ, the factor for a plain paired difference (β = 1); the "
                                                "optimal β gives 1 − ρ²"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        rho = p["rho"]
        rng = _np_rng(self.id, p)
        vals, vecs = np.linalg.eigh(np.array([[1.0, rho], [rho, 1.0]]))
        root = vecs * np.sqrt(np.clip(vals, 0, None))  # covariance square root, valid at |rho| → 1 too
        z = rng.standard_normal((2, 200_000))
        # Elementwise rather than a BLAS matmul: threaded BLAS stalls on a busy machine.
        f = root[0, 0] * z[0] + root[0, 1] * z[1]
        g = root[1, 0] * z[0] + root[1, 1] * z[1]
        fc, gc = f - f.mean(), g - g.mean()
        beta = float(np.sum(fc * gc)) / float(np.sum(gc * gc))  # estimated from the data, as in practice
        ratio = float(np.var(fc - beta * gc))  # over Var f = 1 (unit variances by construction)
        # Residual variance of 2e5 draws: off by √(2/2e5) ≈ 0.32% (one SD); 2% is more than 6 SDs.
        assert_close("simulated Var(f − β̂g)/Var f", answers[0].value, ratio, rtol=0.02)
        assert_close("simulated speed-up", answers[1].value, 1 / ratio, rtol=0.02)


class McmcEss(Generator):
    """Effective sample size of an AR(1)-like Markov chain: n(1 − ρ)/(1 + ρ).

    Example: ``quizgen show sampling.mcmc_ess --param rho=0.9 --param n=10000``
    """

    id = "sampling.mcmc_ess"
    version = 2
    title = "What is the effective sample size of an autocorrelated Markov chain?"
    tags = ("mcmc", "effective-sample-size", "autocorrelation")
    params = (
        Param("rho", "float", "lag-1 autocorrelation ρ (autocorrelation at lag k is ρ^k)", lo=0, hi=0.99, min=-1,
              min_open=True, max=1),
        Param("n", "int", "chain length", lo=1000, hi=10**6, min=2),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        rho = rng.choice([0.5, 0.8, 0.9, 0.95, 0.99]) if rng.bernoulli(0.5) else rng.nice_uniform(0.05, 0.99, 2)
        n = rng.choice([1000, 2000, 5000, 10**4, 2 * 10**4, 5 * 10**4, 10**5, 10**6]) if rng.bernoulli(0.5) else \
            min(10**6, max(1000, round(rng.nice(1000, 10**6, 2))))
        return {"rho": rho, "n": n}

    def validate(self, p: Params) -> None:
        _rho_below_one(p)
        if p["n"] > 10**300 or not _fits(p["n"] * (1 - _q(p["rho"])) / (1 + _q(p["rho"]))):
            raise ParamError(f"n={plain(p['n'])} with rho={plain(p['rho'])} gives an effective sample size beyond "
                             "1e300 or below 1e-300, which a double cannot hold; use n below 1e100 and rho not "
                             "within 1e-100 of ±1")

    def solve(self, p: Params) -> list[Answer]:
        rho = _q(p["rho"])
        return [Answer("n_eff", _num(p["n"] * (1 - rho) / (1 + rho)), "samples")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        rho, n = p["rho"], p["n"]
        tau = float((1 + _q(rho)) / (1 - _q(rho)))
        q = (f"An MCMC chain of \\(n = {tex(n)}\\) samples behaves like an AR(1) process: the autocorrelation at "
             f"lag \\(k\\) is \\(\\rho^k\\) with \\(\\rho = {tex(rho, 6)}\\). What is its effective sample size, "
             "the number of independent samples whose mean would be as precise as the chain's mean?")
        s = ("For large \\(n\\), \\(\\operatorname{Var}(\\bar{x}) \\approx \\frac{\\sigma^2}{n}\\,\\tau\\) with the "
             "integrated autocorrelation time \\[\\tau = 1 + 2\\sum_{k \\ge 1} \\rho^k = \\frac{1 + \\rho}{1 - \\rho}"
             f" = {tex(tau)}\\] so \\[\\text{{ESS}} = \\frac{{n}}{{\\tau}} = n\\,\\frac{{1 - \\rho}}{{1 + \\rho}} = "
             f"{tex(n)} \\times \\frac{{{tex(float(1 - _q(rho)), 6)}}}{{{tex(float(1 + _q(rho)), 6)}}} = "
             f"{tex(answers[0].value)}\\ \\text{{samples}}\\] "
             "Intuition: correlations count twice (lags on both sides), so a sticky chain with \\(\\rho\\) near 1 "
             "is worth far fewer than \\(n(1 - \\rho)\\) samples.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, rho = p["n"], _q(p["rho"])
        return _keep(answers[0], [
            Distractor(_num(n * (1 - rho)), "uses n(1 − ρ): the autocorrelations sum to ρ/(1 − ρ) on each side, "
                                            "so τ = (1 + ρ)/(1 − ρ)"),
            Distractor(n, "counts every sample as independent"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        from scipy import signal

        rho, n = p["rho"], p["n"]
        # 1. τ as a numeric series of autocorrelations (the tail beyond K is below 1e-20).
        big_k = 1 if rho == 0 else max(1, math.ceil(math.log(1e-20) / math.log(abs(rho))))
        tau = 1 + 2 * float(np.sum(rho ** np.arange(1, big_k + 1)))
        assert_close("n / (1 + 2 Σ ρ^k)", answers[0].value, n / tau, rtol=1e-9)

        # 2. Simulated chains: 1/Var(mean) over 2000 stationary AR(1) chains of a modest length L, against the
        # exact finite-L variance of the mean from the same autocovariances (the finite-L effect is real).
        length, chains = min(n, 250), 2000
        rng = _np_rng(self.id, p)
        e = rng.standard_normal((chains, length))
        e[:, 0] /= math.sqrt(1 - rho**2)  # start in the stationary distribution
        x = signal.lfilter([1.0], [1.0, -rho], e, axis=1)
        var_mean_sim = float(np.var(x.mean(axis=1), ddof=1))
        lags = np.arange(1, length)
        var_mean_exact = (length + 2 * float(np.sum((length - lags) * rho**lags))) / (1 - rho**2) / length**2
        # 2000 chain means: their variance is off by √(2/2000) ≈ 3.2% (one SD); 20% is more than 6 SDs.
        assert_close("1/Var(mean) over 2000 simulated chains", 1 / var_mean_exact, 1 / var_mean_sim, rtol=0.2)
        # And the simulated chains are about as efficient per sample as the answer says: finite chains with
        # ρ ≥ 0 are a little more efficient; with ρ < 0 only chains much longer than 1/(1 − |ρ|) get there.
        ess_per_sample = float(answers[0].value) / n
        if rho >= 0 or length * (1 - abs(rho)) >= 20:
            require(1 / (var_mean_sim * (1 - rho**2)) / length >= 0.5 * ess_per_sample,
                    "simulated chains are far less efficient than the answer claims")
