"""optim.* against the catalogue's test vectors, plus validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.model import Answer, Problem
from quizgen.registry import load_registry


def problem(gen_id: str, **fixed: Any) -> Problem:
    gen = load_registry().get(gen_id)
    p = gen.problem(0, fixed)
    gen.check(p.params, p.answers)
    return p


def answers(gen_id: str, **fixed: Any) -> list[Answer]:
    return problem(gen_id, **fixed).answers


ADAM = {"theta0": 1, "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0}


def test_adam_first_step_is_lr() -> None:
    delta, theta = answers("optim.adam_step", **ADAM, grads=[5], decoupled=False)
    assert theta.value == pytest.approx(0.999000000002, rel=0, abs=1e-15)
    assert delta.value == pytest.approx(-1e-3, rel=1e-8)


def test_adam_tiny_gradient_meets_eps() -> None:
    # g = 1e-9 is comparable to eps = 1e-8: the step is lr·g/(g + eps) = lr/11.
    delta, _ = answers("optim.adam_step", **ADAM, grads=[1e-9], decoupled=False)
    assert delta.value == pytest.approx(-9.0909e-5, rel=1e-4)


def test_adam_bias_correction_distractor() -> None:
    # Without bias correction the first step at g = 5 is (1−β₁)/√(1−β₂)·lr ≈ 3.16·lr.
    p = problem("optim.adam_step", **ADAM, grads=[5], decoupled=False)
    assert any(d.value == pytest.approx(-3.16e-3, rel=1e-3) for d in p.distractors)
    assert any(d.value == pytest.approx(-5e-3) for d in p.distractors)  # SGD's lr·g


def test_adamw_and_l2_differ() -> None:
    common = {**ADAM, "theta0": 2.0, "lr": 0.1, "grads": [1.0, -0.5, 0.25], "weight_decay": 0.1}
    adamw = answers("optim.adam_step", **common, decoupled=True)[0].value
    l2 = answers("optim.adam_step", **common, decoupled=False)[0].value
    assert adamw != pytest.approx(l2, rel=1e-3)


def test_natural_gradient_bernoulli_p() -> None:
    # F = 1/(p(1−p)) = 6.25 at p = 0.2, so F⁻¹g = 0.16 g.
    assert answers("optim.natural_gradient", family="bernoulli_p", p=0.2, grad=[1.0])[0].value == pytest.approx(0.16)
    assert answers("optim.natural_gradient", family="bernoulli_p", p=0.2, grad=[-2.5])[0].value == pytest.approx(-0.4)


def test_natural_gradient_is_parameterization_invariant() -> None:
    # The same loss seen through p = σ(η): g_η = g_p·p(1−p). The natural step in η, mapped back to p
    # by dp/dη = p(1−p), equals the natural step in p.
    p, g_p = 0.2, 1.5
    eta = -1.3862943611198906  # logit(0.2)
    nat_p = answers("optim.natural_gradient", family="bernoulli_p", p=p, grad=[g_p])[0].value
    nat_eta = answers("optim.natural_gradient", family="bernoulli_logit", logit=eta, grad=[g_p * p * (1 - p)])[0].value
    assert nat_eta * p * (1 - p) == pytest.approx(nat_p, rel=1e-9)


def test_natural_gradient_gaussian() -> None:
    # F = diag(1/σ², 2/σ²): σ = 2 → F⁻¹g = (4 g_μ, 2 g_σ).
    v = answers("optim.natural_gradient", family="gaussian_mu_sigma", mu=0.5, sigma=2.0, grad=[1.0, -1.0])[0].value
    assert v == pytest.approx([4.0, -2.0])


def test_linreg_gradient_by_hand() -> None:
    # r = Xw − y = (1, 2, 3); Xᵀr = (1 + 3, 2 + 3) = (4, 5); ∇ = (2/3)·(4, 5).
    x = [[1, 0], [0, 1], [1, 1]]
    v = answers("optim.linreg_gradient", X=x, w=[1, 2], y=[0, 0, 0])[0].value
    assert v == pytest.approx([8 / 3, 10 / 3])


@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("optim.adam_step", {"beta2": 1.0}, "beta2 must be in"),
    ("optim.adam_step", {"lr": 0}, "lr must be a positive number"),
    ("optim.adam_step", {"grads": []}, "grads must be a list of at least 1"),
    ("optim.natural_gradient", {"family": "bernoulli_p", "p": 1.0}, "p must be in"),
    ("optim.natural_gradient", {"family": "bernoulli_p", "grad": [1.0, 2.0]}, "grad must have 1 value"),
    ("optim.natural_gradient", {"family": "bernoulli_p", "mu": 1.0}, "set family=gaussian_mu_sigma"),
    ("optim.natural_gradient", {"family": "gaussian_mu_sigma", "sigma": 0}, "sigma must be a positive number"),
    ("optim.linreg_gradient", {"X": [[1, 2], [3, 4]], "w": [1.0], "y": [0, 0]}, "w must have one weight per column"),
    ("optim.linreg_gradient", {"X": [[1, 2], [3, 4]], "w": [1, 1], "y": [0]}, "y must have one target per row"),
    ("optim.linreg_gradient", {"X": [[1, 2], [3]]}, "rectangular"),
    # absurd values: a message, not an overflow traceback or a silent underflow to 0
    ("optim.adam_step", {"grads": [1e300], "beta2": 0.5}, "beyond 1e300"),
    ("optim.natural_gradient", {"family": "gaussian_mu_sigma", "sigma": 1e-200}, "beyond the range 1e-300"),
])
def test_bad_params_raise_param_error(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_cli_bad_family_param_is_one_line_exit_2() -> None:
    res = CliRunner().invoke(cli, ["show", "optim.natural_gradient", "--seed", "1",
                                   "--param", "family=bernoulli_p", "--param", "p=1.5"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "p" in lines[0] and "1.5" in lines[0]


def test_adam_theta_t_is_graded_as_precisely_as_the_step() -> None:
    # θ₀ = 1 and Δθ = −1e-3: 3 figures of θ_T would accept θ₀ itself ("no step") and every misconception's
    # θ. θ_T is graded to half a unit of Δθ's 3rd significant figure instead, and says why.
    from quizgen.grading import accepts

    dtheta, theta_t = answers("optim.adam_step", grads=[5], decoupled=False, **ADAM)
    assert theta_t.label == "θ_1"  # the question asks for θ₁, not θ_T
    assert dtheta.precision == "3 significant figures" and theta_t.tolerance.why
    assert not accepts(theta_t, 1.0)
    assert not accepts(theta_t, 1.0 - 3.16e-3)  # the no-bias-correction step
    assert accepts(theta_t, 1.0 + float(f"{dtheta.value:.2e}"))  # θ₀ + Δθ to 3 figures
    assert not accepts(theta_t, 1.0 + float(f"{dtheta.value:.0e}") * 1.02)


def test_linreg_exact_zero_gradient_is_exactly_zero() -> None:
    # Xw = (0.3, −0.1) = y exactly in decimals; in binary floats the residual was 2.78e-17.
    p = problem("optim.linreg_gradient", X=[[1, 1], [1, -1]], w=[0.1, 0.2], y=[0.3, -0.1])
    assert p.answers[0].value == [0, 0]
    from quizgen.grading import accepts

    assert accepts(p.answers[0], [0, 0]) and not accepts(p.answers[0], [1e-3, 0])


def test_linreg_exact_zero_component() -> None:
    # the draw that gave 4.44e-16 for an exact 0 (seed 3654868417 of version 1)
    p = problem("optim.linreg_gradient", X=[[3, -2, 0], [-2, -2, -3]], w=[2.0, 1.1, -1.8], y=[0, 3])
    assert p.answers[0].value == [19, 0, 11.4]


def test_natural_gradient_exact_decimals() -> None:
    # p(1 − p)g with p = 0.2, g = 1 is 0.16 exactly, not 0.16000000000000003
    assert answers("optim.natural_gradient", family="bernoulli_p", p=0.2, grad=[1])[0].value == 0.16


def test_natural_gradient_skips_an_overflowing_f_times_g_distractor() -> None:
    # F⁻¹g = 1e-290 is fine, but F·g = 1e310 is beyond float range: no such distractor, no OverflowError.
    # (No check(): torch's Bernoulli clamps p to its float eps, so its Fisher is off at p = 1e-300.)
    p = load_registry().get("optim.natural_gradient").problem(0, {"family": "bernoulli_p", "p": 1e-300,
                                                                  "grad": [1e10]})
    assert p.answers[0].value == pytest.approx(1e-290)
    assert [d.value for d in p.distractors] == [1e10]


# -- fast paths (issue 16, speed): each against the plain computation it replaced ------------------

def _optim_module() -> Any:
    import sys

    return sys.modules[type(load_registry().get("optim.adam_step")).__module__]


def _plain_adam(p: dict[str, Any], bias_correction: bool, dec: bool) -> tuple[Any, list[dict[str, Any]]]:
    """The Adam loop as first written: every subexpression evaluated where it stands."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        theta0 = Decimal(p["theta0"])
        lr, b1, b2 = Decimal(p["lr"]), Decimal(p["beta1"]), Decimal(p["beta2"])
        eps, wd = Decimal(p["eps"]), Decimal(p["weight_decay"])
        m = v = delta = Decimal(0)
        trace = []
        for t, g_raw in enumerate(p["grads"], start=1):
            theta = theta0 + delta
            g = Decimal(g_raw)
            decay = Decimal(0)
            if dec:
                decay = -lr * wd * theta
            else:
                g = g + wd * theta
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t) if bias_correction else m
            v_hat = v / (1 - b2**t) if bias_correction else v
            step = -lr * m_hat / (v_hat.sqrt() + eps)
            delta += decay + step
            trace.append({"g": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "step": decay + step})
        return +delta, trace


def test_adam_steps_equal_the_plain_loop() -> None:
    import random

    mod = _optim_module()
    rng = random.Random(16)
    for k in range(400):
        p = {"theta0": rng.choice([round(rng.uniform(-2, 2), 1), rng.uniform(-1e3, 1e3), 0, 1]),
             "grads": [rng.choice([round(rng.uniform(-5, 5), 1), rng.uniform(-1e5, 1e5), 1e-9, 0.0])
                       for _ in range(rng.choice([1, 2, 5, 12, 50]))],
             "lr": rng.choice([1e-4, 3e-3, 0.1, rng.uniform(1e-6, 1)]),
             "beta1": rng.choice([0.9, 0.0, 0.5, rng.random()]),
             "beta2": rng.choice([0.999, 0.95, 0.0, rng.random()]),
             "eps": rng.choice([1e-8, 1e-12, 0.1]),
             "weight_decay": rng.choice([0.0, 0, 0.01, 0.1, rng.uniform(0, 2)]),
             "decoupled": k % 2 == 0}
        for bias in (True, False):
            for dec in (True, False):
                assert mod._adam_steps(p, bias, dec) == _plain_adam(p, bias, dec), (p, bias, dec)


def test_adam_solve_and_distractors_cached_per_params_and_answer() -> None:
    from quizgen.model import Answer

    gen: Any = load_registry().get("optim.adam_step")
    p = {**ADAM, "theta0": 0.5, "grads": [1.5, -0.5], "weight_decay": 0.05, "decoupled": True}
    first = gen.solve(p)
    assert gen.solve(p) == first and gen.solve(p) is not first  # a fresh list each time
    ds = gen.distractors(p, first)
    assert ds == gen._distractors(p, first) and len(ds) == 3
    other = [Answer("Δθ", -float(ds[0].value)), first[1]]  # type: ignore[arg-type]  # other answers: computed for them, not the cached list
    assert gen.distractors(p, other) == gen._distractors(p, other)


def _plain_residual_xtr(x: list[list[Any]], w: list[Any], y: list[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    from fractions import Fraction

    from quizgen.gentools import exact_decimal as dec

    ws = [dec(v) for v in w]
    r = [sum((dec(a) * b for a, b in zip(row, ws, strict=True)), Fraction(0)) - dec(t)
         for row, t in zip(x, y, strict=True)]
    xtr = tuple(sum((dec(x[i][j]) * r[i] for i in range(len(x))), Fraction(0)) for j in range(len(x[0])))
    return tuple(r), xtr


def test_linreg_integer_residual_equals_fraction_sums() -> None:
    import random

    mod = _optim_module()
    rng = random.Random(17)

    def entry(kind: str) -> Any:
        if kind == "int":
            return rng.randint(-3, 3)
        if kind == "tenth":
            return round(rng.uniform(-2, 2), 1)
        return rng.choice([0.1, 1e-20, 1e20, -3.25, 0.0, 2.5e-7, rng.uniform(-10, 10), 7])

    for _ in range(400):
        n, d = rng.randint(1, 6), rng.randint(1, 4)
        kinds = [rng.choice(["int", "tenth", "any"]) for _ in range(3)]
        x = [[entry(kinds[0]) for _ in range(d)] for _ in range(n)]
        w = [entry(kinds[1]) for _ in range(d)]
        y = [entry(kinds[2]) for _ in range(n)]
        assert mod._residual_xtr(x, w, y) == _plain_residual_xtr(x, w, y), (x, w, y)
    # the exactly-zero cases stay exactly zero
    assert mod._residual_xtr([[1, 1], [1, -1]], [0.1, 0.2], [0.3, -0.1]) == ((0, 0), (0, 0))
