"""stats.* against the catalogue's published test vectors and hand-worked values, plus validation errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.grading import accepts
from quizgen.model import Answer, Problem
from quizgen.registry import load_registry


def problem(gen_id: str, **fixed: Any) -> Problem:
    gen = load_registry().get(gen_id)
    p = gen.problem(0, fixed)
    gen.check(p.params, p.answers)
    return p


def answers(gen_id: str, **fixed: Any) -> list[Answer]:
    return problem(gen_id, **fixed).answers


def value(gen_id: str, **fixed: Any) -> Any:
    return answers(gen_id, **fixed)[0].value


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
])
def test_bad_params_raise_param_error(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_bad_param_is_one_line_exit_2() -> None:
    res = CliRunner().invoke(cli, ["show", "stats.beta_bernoulli", "--param", "k=11", "--param", "n=10"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "k=11" in lines[0] and "n=10" in lines[0]


def test_cli_negative_n_exits_2() -> None:
    res = CliRunner().invoke(cli, ["show", "stats.standard_error", "--param", "n=-1"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "-1" in lines[0]
