"""sampling.* against the catalogue's published test vectors and hand-worked values, a Monte Carlo sanity
check of Hutchinson's Gaussian variance, plus validation errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import CheckError, ParamError
from quizgen.grading import accepts
from quizgen.model import Answer
from quizgen.registry import load_registry

from .conftest import answers, problem, value


# -- catalogue test vectors ---------------------------------------------------------------------------------
def test_hutchinson_vector() -> None:
    a = [[2, 1], [1, 3]]
    assert value("sampling.hutchinson_variance", matrix=a, probe="rademacher", m=1) == 4
    assert value("sampling.hutchinson_variance", matrix=a, probe="gaussian", m=1) == 30
    assert value("sampling.hutchinson_variance", matrix=a, probe="gaussian", m=10) == 3


def test_soap_bubble_vector() -> None:
    mean, sd = value("sampling.soap_bubble", d=1000, sigma=1)
    assert mean == pytest.approx(31.6149, abs=5e-5) and sd == pytest.approx(0.7070, abs=5e-5)
    assert mean < math.sqrt(1000) == pytest.approx(31.6228, abs=5e-5)


# -- hand-worked values -------------------------------------------------------------------------------------
def test_hutchinson_gaussian_by_monte_carlo() -> None:
    """10⁶ Gaussian probes: the sample variance of zᵀAz is within 3% of 2‖A‖_F² (its SD is ~0.5%)."""
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    z = np.random.default_rng(0).standard_normal((1_000_000, 2))
    quad = np.einsum("ki,ij,kj->k", z, a, z)
    assert float(quad.mean()) == pytest.approx(5.0, rel=0.01)
    assert float(quad.var()) == pytest.approx(30, rel=0.03)


def test_hutchinson_distractors() -> None:
    p = problem("sampling.hutchinson_variance", matrix=[[2, 1], [1, 3]], probe="rademacher", m=4)
    assert p.answers[0].value == 1
    assert sorted(d.value for d in p.distractors) == [4, 7.5]  # /m dropped; Gaussian formula


def test_mc_sample_size_rounds_up() -> None:
    assert value("sampling.mc_sample_size", sigma=2, eps=0.1, z=1) == 400
    assert value("sampling.mc_sample_size", sigma=1, eps=0.1, z=1.96) == 385  # 384.16
    assert value("sampling.mc_sample_size", sigma=0.3, eps=0.1, z=1) == 9  # exact decimal, no float fuzz


def test_error_scaling_mc_exact_qmc_within_factor_2() -> None:
    mc = answers("sampling.error_scaling", k=10, method="mc")[0]
    assert mc.value == 100 and mc.precision == "3 significant figures" and not accepts(mc, 10)
    qmc = answers("sampling.error_scaling", k=10, method="qmc")[0]
    assert qmc.value == 10 and accepts(qmc, 18) and not accepts(qmc, 100)


def test_error_scaling_empirical_slopes() -> None:
    import sys

    mod = sys.modules[type(load_registry().get("sampling.error_scaling")).__module__]
    slope_mc, slope_qmc = mod._empirical_slopes()
    assert -0.6 <= slope_mc <= -0.4
    assert slope_qmc <= -1


def test_error_scaling_qmc_at_small_k_rejects_the_mc_answer() -> None:
    # Factor-2 grading would accept k² = 4 (the MC answer) and 1 (no growth) at k = 2; the factor is √k rounded
    # down to a short number there (1.4, not 1.41421), and its text says so.
    p = problem("sampling.error_scaling", k=2, method="qmc")
    qmc = p.answers[0]
    assert qmc.value == 2 and qmc.tolerance.factor == 1.4 and qmc.precision == "within a factor of 1.4"
    assert qmc.tolerance.factor <= math.sqrt(2)
    assert not accepts(qmc, 4) and not accepts(qmc, 1)
    assert accepts(qmc, 2) and accepts(qmc, 1.5)  # 1.5 ≈ 2^(1/1.74), scrambled Sobol's empirical need
    assert [d.value for d in p.distractors] == [4]
    assert answers("sampling.error_scaling", k=4, method="qmc")[0].tolerance.factor == 2
    three = answers("sampling.error_scaling", k=3, method="qmc")[0]
    assert three.tolerance.factor == 1.7 and accepts(three, 3 ** (1 / 1.74)) and not accepts(three, 9)


def test_mc_sample_size_with_sigma_outside_the_draw_range() -> None:
    # eps was drawn (and could not be) even when the user fixed it: a DrawError traceback before.
    assert value("sampling.mc_sample_size", sigma=2000, eps=1, z=1) == 4_000_000
    assert value("sampling.mc_sample_size", sigma=2000, z=1) >= 10


def test_hutchinson_gaussian_check_is_independent_of_the_formula() -> None:
    gen = load_registry().get("sampling.hutchinson_variance")
    a10 = np.diag([1.0, 2, 3, 0, 0, 0, 0, 0, 0, 1]).tolist()
    a10[0][9] = a10[9][0] = 2.0
    for a in ([[2, 1], [1, 3]], [[1, -2, 0], [-2, 3, 1], [0, 1, -1]], a10):  # quadrature (n ≤ 8), eigen (n > 8)
        p = gen.problem(0, {"matrix": a, "probe": "gaussian", "m": 3})
        gen.check(p.params, p.answers)
        wrong = [Answer("variance", float(gen._var(p.params, "rademacher", 3)), None, p.answers[0].tolerance)]
        with pytest.raises(CheckError):
            gen.check(p.params, wrong)


@pytest.mark.parametrize("d", [10**6 + 1, 10**7, 10**12, 10**30])
def test_soap_bubble_large_d(d: int) -> None:
    mean, sd = value("sampling.soap_bubble", d=d, sigma=2)
    assert mean == pytest.approx(2 * math.sqrt(d) * (1 - 1 / (4 * d)), rel=1e-12)
    assert sd == pytest.approx(math.sqrt(2), rel=1e-6)


def test_soap_bubble_small_d_and_scaling() -> None:
    mean, sd = value("sampling.soap_bubble", d=2, sigma=1)
    assert mean == pytest.approx(math.sqrt(math.pi / 2))  # Rayleigh
    assert sd == pytest.approx(math.sqrt(2 - math.pi / 2))
    assert value("sampling.soap_bubble", d=2, sigma=3) == pytest.approx([3 * mean, 3 * sd])


def test_effective_sample_size_extremes() -> None:
    assert value("sampling.effective_sample_size", weights=[2, 2, 2, 2]) == 4
    assert value("sampling.effective_sample_size", weights=[5, 0, 0]) == 1
    assert value("sampling.effective_sample_size", weights=[1, 1, 2]) == pytest.approx(16 / 6)


def test_control_variate_parts() -> None:
    a = answers("sampling.control_variate", rho=0.9)
    assert [x.value for x in a] == pytest.approx([0.19, 1 / 0.19])


def test_mcmc_ess() -> None:
    assert value("sampling.mcmc_ess", rho=0.9, n=10**6) == pytest.approx(0.0526316 * 10**6, rel=1e-6)
    assert value("sampling.mcmc_ess", rho=0.8, n=5400) == 600
    assert value("sampling.mcmc_ess", rho=0, n=1000) == 1000


# -- validation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("sampling.mc_sample_size", {"eps": 0}, "eps must be a positive number"),
    ("sampling.mc_sample_size", {"sigma": -1}, "sigma must be a positive number"),
    ("sampling.hutchinson_variance", {"matrix": [[1, 2], [3, 4]]}, r"symmetric \(got A\[0\]\[1\] = 2"),
    ("sampling.hutchinson_variance", {"matrix": [[1, 2, 3], [2, 1, 0]]}, "square"),
    ("sampling.hutchinson_variance", {"probe": "uniform"}, "one of rademacher, gaussian"),
    ("sampling.hutchinson_variance", {"m": 0}, "m must be a positive integer"),
    ("sampling.error_scaling", {"method": "sobol"}, "one of mc, qmc"),
    ("sampling.error_scaling", {"k": 0.5}, "k must be a number with k ≥ 1"),
    ("sampling.soap_bubble", {"d": 0}, "d must be a positive integer"),
    ("sampling.effective_sample_size", {"weights": [0, 0, 0]}, "must not all be 0"),
    ("sampling.effective_sample_size", {"weights": [1, -1]}, "weights\\[1\\] ≥ 0"),
    ("sampling.control_variate", {"rho": 1}, r"rho must be in \(-1, 1\) \(got 1\)"),
    ("sampling.control_variate", {"rho": -1}, "rho must be a number with -1 < rho ≤ 1"),
    ("sampling.mcmc_ess", {"rho": 1}, r"rho must be in \(-1, 1\)"),
    ("sampling.mcmc_ess", {"n": 1}, "n must be an integer with n ≥ 2"),
    # Values a double cannot carry: an error, never a traceback, inf/NaN or a silent 0.
    ("sampling.mc_sample_size", {"sigma": 1, "eps": 1e-200, "z": 1}, "eps=1e-200"),
    ("sampling.hutchinson_variance", {"matrix": [[1e200, 1], [1, 1]]}, "too extreme"),
    ("sampling.hutchinson_variance", {"matrix": [[1e-200, 1e-200], [1e-200, 1]], "probe": "rademacher"},
     "too extreme"),
    ("sampling.error_scaling", {"k": 1e200}, "k must be at most 1e150"),
    ("sampling.soap_bubble", {"sigma": 1e-320}, "sigma=1e-320"),
    ("sampling.effective_sample_size", {"weights": [1e200, 2e200]}, "rescale"),
])
def test_bad_params_raise_param_error(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_asymmetric_matrix_is_one_line_exit_2() -> None:
    res = CliRunner().invoke(cli, ["show", "sampling.hutchinson_variance", "--param", "matrix=[[1,2],[3,4]]"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "symmetric" in lines[0]
