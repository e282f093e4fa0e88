"""stats.* against the catalogue's published test vectors and hand-worked values, plus validation errors."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.gentools import keep_wrong
from quizgen.grading import accepts
from quizgen.model import Distractor
from quizgen.registry import load_registry

from .conftest import answers, problem, value


# -- catalogue test vectors ---------------------------------------------------------------------------------
def test_paired_vs_unpaired_vector() -> None:
    x, y = [.81, .75, .90, .62, .70, .85], [.78, .71, .88, .57, .69, .80]
    assert value("stats.paired_vs_unpaired", x=x, y=y) == pytest.approx([5.000, 0.551], abs=5e-4)


def test_auroc_gaussian_vector() -> None:
    got = value("stats.auroc_gaussian", mu_a=1, sigma_a=1, mu_b=0, sigma_b=1)
    assert got == pytest.approx(0.760250, abs=1e-6)
    assert got == pytest.approx(0.5 * (1 + math.erf(0.5)), rel=1e-12)  # Φ(1/√2)


def test_beta_bernoulli_vector() -> None:
    assert value("stats.beta_bernoulli", k=7, n=10, a=2, b=2) == pytest.approx([0.7, 0.66667, 0.64286], abs=5e-6)


def test_gaussian_update_vector() -> None:
    got = value("stats.gaussian_update", mu0=0, sigma0=2, sigma_noise=1, xs=[1.2, .8, 1.5, .9])
    assert got == pytest.approx([1.035294, 0.485071], abs=1e-6)


def test_softmax_temperature_vector() -> None:
    assert value("stats.softmax_temperature", logits=[2, 1, 0], T=0.5, index=0) == pytest.approx(0.866813, abs=1e-6)


def test_price_equation_vector() -> None:
    assert value("stats.price_equation", z=[1, 2, 3, 4], w=[1, 1, 2, 4]) == pytest.approx(0.625, rel=1e-12)


# -- hand-worked values -------------------------------------------------------------------------------------
def test_standard_error_and_its_distractors() -> None:
    p = problem("stats.standard_error", sigma=3, n=100)
    assert p.answers[0].value == pytest.approx(0.3)
    assert sorted(d.value for d in p.distractors) == pytest.approx([0.03, 3])


def test_samples_needed_is_exact_and_unrounded() -> None:
    assert value("stats.samples_needed", n=100, factor=2) == 400
    assert value("stats.samples_needed", n=7, factor=1.5) == 15.75


def test_regression_by_hand() -> None:
    # x̄ = 2, ȳ = 5.1, S_xy = 21, S_xx = 10: slope 2.1, intercept 5.1 − 2.1·2 = 0.9
    slope, icpt, r = value("stats.regression", x=[0, 1, 2, 3, 4], y=[1, 3, 5, 7, 9.5])
    assert slope == pytest.approx(2.1) and icpt == pytest.approx(0.9)
    assert 0.99 < r < 1


def test_beta_bernoulli_map_at_the_boundary() -> None:
    # k = 0 with a flat prior: the MAP is 0, the posterior mean 1/(n + 2).
    assert value("stats.beta_bernoulli", k=0, n=10, a=1, b=1) == pytest.approx([0, 0, 1 / 12])


def test_beta_bernoulli_swap_distractor_dropped_when_map_equals_mean() -> None:
    # k + a = (n + a + b)/2 makes the posterior symmetric: mode = mean, so the swap is not a wrong answer.
    assert problem("stats.beta_bernoulli", k=5, n=10, a=2, b=2).distractors == []


def test_paired_design_gain_parts() -> None:
    a = answers("stats.paired_design_gain", rho=0.75)
    assert [x.value for x in a] == pytest.approx([0.25, 4.0])
    assert answers("stats.paired_design_gain", rho=-0.5)[0].value == pytest.approx(1.5)  # pairing hurts


def test_auroc_scores_ties_count_half() -> None:
    p = problem("stats.auroc_scores", scores_a=[0.9, 0.5, 0.5], scores_b=[0.5, 0.1])
    # pairs: (.9>.5) (.9>.1) (.5=.5) (.5>.1) (.5=.5) (.5>.1): 4 wins + 2 ties = 5 of 6
    assert p.answers[0].value == pytest.approx(5 / 6)
    assert any(d.value == pytest.approx(4 / 6) for d in p.distractors)  # ties ignored


def test_auroc_gaussian_adding_sds_is_a_distractor() -> None:
    p = problem("stats.auroc_gaussian", mu_a=1, sigma_a=1, mu_b=0, sigma_b=1)
    assert any(d.value == pytest.approx(0.5 * (1 + math.erf(0.5 / math.sqrt(2)))) for d in p.distractors)


def test_softmax_temperature_limits() -> None:
    assert value("stats.softmax_temperature", logits=[1, 1, 1], T=0.3, index=2) == pytest.approx(1 / 3)
    # No overflow at a tiny temperature: the argmax takes everything.
    assert value("stats.softmax_temperature", logits=[5, 4.9], T=0.001, index=0) == pytest.approx(1.0)


def test_mle_variance_parts() -> None:
    a = answers("stats.mle_variance", data=[2, 4, 4, 4, 5, 5, 7, 9])
    assert [x.value for x in a] == pytest.approx([4.0, 32 / 7])
    p = problem("stats.mle_variance", data=[2, 4, 4, 4, 5, 5, 7, 9])
    assert not accepts(p.answers[0], p.distractors[0].value)


def _tex_num(s: str) -> float:
    """A number as ``tex()`` writes it: ``-2.204``, ``(−2.9)``, ``1\\,234``, ``5.1 \\times 10^{-4}``."""
    s = s.replace("\\,", "").strip()
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1]
    m = re.fullmatch(r"(-?)(?:([\d.]+)(?: \\times )?)?(?:10\^\{(-?\d+)\})?", s)
    assert m, s
    sign, mant, exp = m.groups()
    v = (float(mant) if mant else 1.0) * (10.0 ** int(exp) if exp else 1.0)
    return -v if sign else v


_NUM = r"(\(?-?[\d.\\,]+(?: \\times 10\^\{-?\d+\})?\)?)"


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-3 * abs(want)  # the grading tolerance, rtol 1e-3


@pytest.mark.parametrize("seed", range(150))
def test_following_the_solutions_numbers_gives_an_accepted_answer(seed: int) -> None:
    """Where the answer is a difference of close numbers (ȳ − b·x̄, x̄ − ȳ, offspring − parent mean), the
    solution shows its intermediates with enough figures that recombining them is graded right."""
    reg = load_registry()
    p = reg.get("stats.regression").problem(seed)
    my, b, mx = (_tex_num(v) for v in re.search(
        rf"a = \\bar\{{y\}} - b \\bar\{{x\}} = {_NUM} - {_NUM} \\times {_NUM} = ", p.solution).groups())
    assert _close(my - b * mx, p.answers[0].values[1])

    p = reg.get("stats.paired_vs_unpaired").problem(seed)
    got = {k: _tex_num(v) for k, v in re.findall(r"\\\(\\?(bar\{[dxy]\}|s_[dxy]) = ([^\\]+)\\\)", p.solution)}
    n = len(p.params["x"])
    tu = (got["bar{x}"] - got["bar{y}"]) / math.sqrt((got["s_x"] ** 2 + got["s_y"] ** 2) / n)
    assert _close(tu, p.answers[0].values[1])
    assert _close(got["bar{d}"] / (got["s_d"] / math.sqrt(n)), p.answers[0].values[0])

    p = reg.get("stats.price_equation").problem(seed)
    off, zbar = (_tex_num(v) for v in re.search(rf"and \\\({_NUM} - {_NUM} = ", p.solution).groups())
    assert _close(off - zbar, p.answers[0].value)

    p = reg.get("stats.gaussian_update").problem(seed)
    pp, mu0, dp, xbar, prec = (_tex_num(v) for v in re.search(
        rf"= \\frac\{{{_NUM} \\times {_NUM} \+ {_NUM} \\times {_NUM}\}}\{{{_NUM}\}} = ", p.solution).groups())
    assert _close((pp * mu0 + dp * xbar) / prec, p.answers[0].values[0])


def test_one_fixed_list_gets_a_valid_partner() -> None:
    # Only x given: y is drawn around a line through it (never constant), and for the paired test it is
    # drawn item by item from x, so the pairing is real.
    for seed in range(20):
        slope, _, r = value("stats.regression", x=[1, 2, 3]) if seed == 0 else \
            load_registry().get("stats.regression").problem(seed, {"x": [1, 2, 3]}).answers[0].values
        assert math.isfinite(slope) and -1 <= r <= 1
        p = load_registry().get("stats.paired_vs_unpaired").problem(seed, {"x": [0.5, 0.6, 0.7, 0.8, 0.9]})
        assert len(p.params["y"]) == 5
        assert abs(p.answers[0].values[0]) > abs(p.answers[0].values[1])  # paired t beats unpaired


def test_auroc_gaussian_check_is_scale_free() -> None:
    # The cross-check integrates in standard units, so tiny or huge spreads do not break it.
    assert value("stats.auroc_gaussian", mu_a=1e-50, sigma_a=1e-50, mu_b=0, sigma_b=1e-50) == \
        pytest.approx(0.760250, abs=1e-6)
    assert value("stats.auroc_gaussian", mu_a=-3, sigma_a=0.2, mu_b=3, sigma_b=0.2) == \
        pytest.approx(0.5 * math.erfc(6 / 0.4), rel=1e-9)  # ≈ 3.6e-100, still exact


# -- validation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("stats.standard_error", {"sigma": 0}, r"sigma must be a positive number \(got 0\)"),
    ("stats.standard_error", {"n": 0}, r"n must be a positive integer \(got 0\)"),
    ("stats.samples_needed", {"factor": -2}, r"factor must be a positive number"),
    ("stats.regression", {"x": [1, 2, 3], "y": [1, 2]}, "same length"),
    ("stats.regression", {"x": [2, 2, 2], "y": [1, 2, 3]}, "x must not be constant"),
    ("stats.regression", {"x": [1, 2, 3], "y": [4, 4, 4]}, "y must not be constant"),
    ("stats.gaussian_update", {"sigma0": -1}, "sigma0 must be a positive number"),
    ("stats.gaussian_update", {"xs": []}, "at least 1"),
    ("stats.beta_bernoulli", {"k": 11, "n": 10}, r"k must be at most n \(got k=11, n=10\)"),
    ("stats.beta_bernoulli", {"a": 0.5}, r"a must be a number with a ≥ 1"),
    ("stats.paired_vs_unpaired", {"x": [1, 2, 3], "y": [0, 1, 2]}, "differences"),
    ("stats.paired_vs_unpaired", {"x": [1, 2, 3], "y": [0, 1]}, "same length"),
    ("stats.paired_design_gain", {"rho": 1}, r"rho must be in \[-1, 1\) \(got 1\)"),
    ("stats.paired_design_gain", {"rho": 1.5}, "rho must be a number"),
    ("stats.auroc_gaussian", {"sigma_b": 0}, "sigma_b must be a positive number"),
    ("stats.softmax_temperature", {"logits": [1, 2], "index": 2}, r"index must be less than the number of logits"),
    ("stats.softmax_temperature", {"T": 0}, "T must be a positive number"),
    ("stats.price_equation", {"z": [1, 2, 3], "w": [0, 0, 0]}, "w must have a positive sum"),
    ("stats.price_equation", {"w": [1, -1, 2]}, "w\\[1\\] must be a number with w\\[1\\] ≥ 0"),
    ("stats.mle_variance", {"data": [1]}, "at least 2"),
    # Values a double cannot carry through the solution: an error, never a traceback, inf/NaN or a silent 0.
    ("stats.standard_error", {"sigma": 1e-300, "n": 10**6}, "sigma=1e-300 and n=1,000,000"),
    ("stats.samples_needed", {"n": 1, "factor": 1e200}, "factor=1e200"),
    ("stats.regression", {"x": [1e-200, 2e-200, 3e-200], "y": [1, 2, 4]}, "too extreme"),
    ("stats.regression", {"x": [1e200, 2e200, 3e200], "y": [1, 2, 4]}, "too extreme"),
    ("stats.gaussian_update", {"sigma0": 1e-200, "xs": [1]}, "sigma0=1e-200"),
    ("stats.gaussian_update", {"sigma_noise": 1e-200, "xs": [1]}, "sigma_noise=1e-200"),
    ("stats.paired_vs_unpaired", {"x": [1e200, 2e200, 3e200], "y": [0, 1, 5]}, "too extreme"),
    ("stats.auroc_gaussian", {"mu_a": -3, "mu_b": 3, "sigma_a": 0.01, "sigma_b": 0.01}, "below 1e-300"),
    ("stats.softmax_temperature", {"logits": [1e308, -1e308], "T": 0.5, "index": 0}, "z/T overflows"),
    ("stats.softmax_temperature", {"logits": [1, 2], "T": 1e-4, "index": 0}, r"p_0 = e\^-10000"),
    ("stats.price_equation", {"z": [1, 2, 3], "w": [1e-320, 0, 0]}, "too extreme"),
    ("stats.mle_variance", {"data": [1e200, -1e200]}, "too extreme"),
    ("stats.mle_variance", {"data": [1e-200, -1e-200]}, "too extreme"),
])
def test_bad_params_raise_param_error(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_bad_param_is_one_line_exit_2() -> None:
    res = CliRunner().invoke(cli, ["show", "stats.beta_bernoulli", "--param", "k=11", "--param", "n=10"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "k=11" in lines[0] and "n=10" in lines[0]


def test_cli_overflowing_logits_are_one_line_exit_2() -> None:
    # These gave a NaN answer and a traceback before.
    res = CliRunner().invoke(cli, ["show", "stats.softmax_temperature", "--param", "logits=[1e308,-1e308]",
                                   "--param", "T=0.5", "--param", "index=0"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "T=0.5" in lines[0]


def test_cli_negative_n_exits_2() -> None:
    res = CliRunner().invoke(cli, ["show", "stats.standard_error", "--param", "n=-1"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "-1" in lines[0]


def test_softmax_temperature_draws_stay_in_the_envelope() -> None:
    # issue 14: the asked probability lies in [1e-4, 0.9999] (0.99999998 printed "1" before), checked against
    # scipy's softmax, not the generator's own formula; both misconceptions stay wrong at 3 s.f.
    from scipy.special import softmax

    gen = load_registry().get("stats.softmax_temperature")
    for seed in range(150):
        p = gen.problem(seed)
        z = [v / p.params["T"] for v in p.params["logits"]]
        prob = float(softmax(z)[p.params["index"]])
        assert 1e-4 <= prob <= 0.9999, (seed, p.params, prob)
        assert gen.plausible(p.params) == []
        assert len(p.distractors) == 2 and not any(accepts(p.answers[0], d.value) for d in p.distractors)
        assert p.answers[0].label == f"p_{p.params['index']}"


def test_softmax_temperature_user_values_outside_the_envelope_stay_accepted() -> None:
    gen = load_registry().get("stats.softmax_temperature")
    fixed = {"logits": [5, -5], "T": 0.5, "index": 0}  # p₀ = 0.99999998
    p = gen.problem(0, fixed)
    assert p.answers[0].value == pytest.approx(1 / (1 + math.exp(-20)))
    assert gen.plausible(p.params) and "outside [0.0001, 0.9999]" in gen.plausible(p.params)[0]


def test_standard_error_exact_for_a_perfect_square() -> None:
    assert value("stats.standard_error", sigma=2.2, n=25) == 0.44  # not 0.44000000000000006


# -- fast paths (issue 16, speed) against the plain computations they replaced ------------------------------
def _stats_module() -> Any:
    import sys

    return sys.modules[type(load_registry().get("stats.paired_vs_unpaired")).__module__]


def _plain_fits(*xs: Any) -> bool:
    from fractions import Fraction

    big = Fraction(10) ** 300
    return all(x == 0 or 1 / big <= abs(Fraction(x)) <= big for x in xs)


def test_fits_fast_path_equals_the_exact_comparison() -> None:
    import random
    from fractions import Fraction

    fits = _stats_module()._fits
    rng = random.Random(16)
    edges = [Fraction(0), Fraction(10) ** 300, Fraction(10) ** -300, Fraction(10) ** 300 + 1,
             Fraction(10) ** -300 - Fraction(1, 10**400), Fraction(-(10**300)), Fraction(2) ** 990,
             Fraction(2) ** -990, Fraction(2) ** 996, Fraction(2) ** -997, 0, 0.0, 1e300, 1e-300, 1e301, 5, -7]
    values: list[Any] = edges + [
        Fraction(rng.choice([-1, 1]) * rng.randint(1, 10**rng.randint(1, 400)), rng.randint(1, 10**rng.randint(1, 400)))
        for _ in range(400)] + [rng.uniform(-1, 1) * 10.0 ** rng.randint(-307, 307) for _ in range(100)]
    for v in values:
        assert fits(v) == _plain_fits(v), v
    for _ in range(300):
        xs = rng.sample(values, rng.randint(1, 6))
        assert fits(*xs) == _plain_fits(*xs)


def test_paired_sums_zero_spread_means_all_differences_equal() -> None:
    import random

    from quizgen.gentools import exact_decimal

    mod = _stats_module()
    rng = random.Random(7)
    for _ in range(400):
        n = rng.randint(1, 8)
        y = [round(rng.random(), rng.choice([1, 2, 3])) for _ in range(n)]
        kind = rng.random()
        if kind < 0.4:  # all differences equal
            shift = round(rng.uniform(-0.2, 0.2), 2)
            x = [v + shift for v in y]
        elif kind < 0.6:
            x = list(y)
        else:
            x = [round(rng.random(), 2) for _ in range(n)]
        d = {exact_decimal(a) - exact_decimal(b) for a, b in zip(x, y, strict=True)}
        assert (mod._paired_sums(tuple(x), tuple(y))[3] == 0) == (len(d) < 2), (x, y)


def test_regression_fit_from_integer_sums_equals_the_fraction_formulas() -> None:
    import random
    from fractions import Fraction

    from quizgen.gentools import exact_decimal

    gen = load_registry().get("stats.regression")
    rng = random.Random(3)
    for i in range(400):
        n = rng.randint(2, 12)
        kind = i % 4
        if kind == 0:
            x = [float(v) for v in rng.sample(range(-20, 20), n)]
            y = [round(rng.uniform(-100, 100), 1) for _ in range(n)]
        elif kind == 1:
            x = [round(rng.uniform(-1, 1), 3) for _ in range(n)]
            y = [round(2 * v + rng.uniform(-1e-3, 1e-3), 4) for v in x]
        elif kind == 2:
            x = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30) for _ in range(n)]
            y = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30) for _ in range(n)]
        else:  # exact fits, zero intercepts, anti-correlated
            x = [float(v) for v in range(n)]
            y = [rng.choice([-3.0, 0.0, 2.5]) * v for v in x]
        if len(set(x)) < 2 or len(set(y)) < 2:
            continue
        xs, ys = [exact_decimal(v) for v in x], [exact_decimal(v) for v in y]
        mx, my = sum(xs, Fraction(0)) / n, sum(ys, Fraction(0)) / n
        sxx = sum(((a - mx) ** 2 for a in xs), Fraction(0))
        syy = sum(((b - my) ** 2 for b in ys), Fraction(0))
        sxy = sum(((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)), Fraction(0))
        assert gen._sums(x, y) == (mx, my, sxx, syy, sxy)
        slope = sxy / sxx
        r = math.sqrt(float(sxy * sxy / (sxx * syy)))
        r = -r if sxy < 0 else r
        expected = [float(slope), float(my - slope * mx), r]
        got = gen._fit(x, y)
        assert [v.hex() for v in got] == [v.hex() for v in expected], (x, y)
        b_xy = sxy / syy
        plain = [[r, float(my) - r * float(mx), r], [float(b_xy), float(mx - b_xy * my), r]]
        answer = gen.solve({"x": x, "y": y})[0]
        got_ds = [[v.hex() for v in d.value] for d in gen.distractors({"x": x, "y": y}, [answer])]
        kept = keep_wrong(answer, [Distractor(v, str(j)) for j, v in enumerate(plain)])
        assert got_ds == [[v.hex() for v in d.value] for d in kept], (x, y)


def _random_values(rng: Any, n: int) -> list[Any]:
    kind = rng.choice(["score", "tenth", "wide", "int", "mixed"])
    if kind == "score":
        return [round(rng.random(), 2) for _ in range(n)]
    if kind == "tenth":
        return [round(rng.uniform(-30, 30), 1) for _ in range(n)]
    if kind == "wide":
        return [rng.uniform(-1, 1) * 10.0 ** rng.randint(-40, 40) for _ in range(n)]
    if kind == "int":
        return [rng.randint(-5, 5) for _ in range(n)]
    return [rng.choice([rng.randint(0, 6), round(rng.uniform(0, 20), 1), 0.1, 1e-5]) for _ in range(n)]


def test_integer_sums_equal_the_fraction_formulas_for_means_variances_and_covariances() -> None:
    import random
    from fractions import Fraction

    from quizgen.gentools import exact_decimal

    reg = load_registry()
    mod = _stats_module()
    price, mle = reg.get("stats.price_equation"), reg.get("stats.mle_variance")
    rng = random.Random(11)

    def mean(v: list[Fraction]) -> Fraction:
        return sum(v, Fraction(0)) / len(v)

    for _ in range(400):
        n = rng.randint(1, 12)
        a, b = _random_values(rng, n), _random_values(rng, n)
        fa, fb = [exact_decimal(v) for v in a], [exact_decimal(v) for v in b]
        assert mod._exact_mean(a) == mean(fa)
        ma, mb = mean(fa), mean(fb)
        assert mle._exact_ss(a) == (ma, sum(((x - ma) ** 2 for x in fa), Fraction(0)))
        cov = mean([(x - ma) * (y - mb) for x, y in zip(fa, fb, strict=True)])
        assert price._exact_parts({"w": a, "z": b}) == (ma, mb, cov)


def test_gaussian_update_posterior_equals_the_fraction_formula() -> None:
    import random
    from fractions import Fraction

    from quizgen.gentools import exact_decimal

    gen = load_registry().get("stats.gaussian_update")
    rng = random.Random(5)
    for _ in range(300):
        xs = _random_values(rng, rng.randint(1, 10))
        p = {"mu0": rng.choice([0, 1.5, -2.3, 1e-7]), "sigma0": rng.choice([0.2, 1, 2.5, 1e-3]),
             "sigma_noise": rng.choice([0.25, 1, 3, 1e4]), "xs": xs}
        fx = [exact_decimal(v) for v in xs]
        xbar = sum(fx, Fraction(0)) / len(fx)
        pp, dp = 1 / exact_decimal(p["sigma0"]) ** 2, len(fx) / exact_decimal(p["sigma_noise"]) ** 2
        mean = (exact_decimal(p["mu0"]) * pp + xbar * dp) / (pp + dp)
        assert gen._exact_posterior(p) == (pp, dp, mean, xbar)
        assert gen._posterior(p) == (pp, dp, mean) and gen._xbar(p) == xbar


def test_beta_bernoulli_estimates_equal_the_fraction_formulas() -> None:
    import random

    gen = load_registry().get("stats.beta_bernoulli")
    rng = random.Random(8)

    def outcome(f: Any, p: dict[str, Any]) -> Any:
        try:
            return f(p)
        except ZeroDivisionError as e:
            return type(e)

    for i in range(400):
        n = rng.choice([1, 2, 5, 100, 10**40])
        p = {"k": rng.randint(0, min(n, 10**6)), "n": n,
             "a": rng.choice([1, 2, 10, 1.5, 0.1, 2.75, 1e-5, 1e30, rng.uniform(1, 10)]),
             "b": rng.choice([1, 3, 1.25, 0.3, 7.001, rng.uniform(1, 10)])}
        if i % 40 == 0:  # a zero MAP denominator (n + a + b = 2)
            p = {"k": 0, "n": 1, "a": 0.5, "b": 0.5}
        assert outcome(gen._estimates, p) == outcome(gen._estimates_plain, p), p


def test_auroc_counts_by_bisection_equal_the_pairwise_comparisons() -> None:
    import random

    gen = load_registry().get("stats.auroc_scores")
    rng = random.Random(13)
    for _ in range(400):
        dec = rng.choice([1, 2, 6])
        a = [rng.choice([round(rng.random(), dec), 0, 1, 0.0, -0.0, 0.5]) for _ in range(rng.randint(1, 20))]
        b = [rng.choice([round(rng.random(), dec), 0, 1, 0.5, rng.choice(a)]) for _ in range(rng.randint(1, 20))]
        p = {"scores_a": a, "scores_b": b}
        assert gen._counts(p) == gen._counts_plain(p)
        assert gen._per_positive(p) == [(sum(u > v for v in b), sum(u == v for v in b)) for u in a]
