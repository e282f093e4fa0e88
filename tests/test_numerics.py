"""numerics.*: the catalogue's golden examples and test vectors, through the public API, plus
parameter validation. The reference numbers are the catalogue's published values (IEEE 754 formats,
known ln(max) thresholds), not recomputed with the generators' own formulas."""

from __future__ import annotations

import math
import random
import sys
from fractions import Fraction
from typing import Any

import mpmath  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.grading import accepts
from quizgen.model import Problem
from quizgen.registry import load_registry

REG = load_registry()


def problem(gen_id: str, **params: Any) -> Problem:
    gen = REG.get(gen_id)
    p = gen.problem(0, params)
    gen.check(p.params, p.answers)
    return p


# -- float_round ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "dtype", "want"), [
    (16777217, "float32", 16777216),
    (2049, "float16", 2048),
    (257, "bfloat16", 256),
    (0.1, "bfloat16", 0.10009765625),
    (0.1, "float16", 0.0999755859375),
    (0.1, "float32", 0.100000001490116119384765625),
    (16777219, "float32", 16777220),  # a tie with an odd lower neighbour rounds up to even
    (1 + 2**-8 + 2**-30, "bfloat16", 1.0078125),  # rounding via float32 first would give 1.0
    (2.0**-25, "float16", 0),  # half the smallest subnormal: a tie, to even = 0
    (3 * 2.0**-26, "float16", 2.0**-24),
    (-2049, "float16", -2048),
])
def test_float_round_golden(value: float, dtype: str, want: float) -> None:
    p = problem("numerics.float_round", value=value, dtype=dtype)
    assert p.answer.value == want


def test_float_round_exact_decimal_shown_and_half_up_rejected() -> None:
    p = problem("numerics.float_round", value=0.1, dtype="float32")
    assert "0.100000001490116119384765625" in p.solution
    big = problem("numerics.float_round", value=16777217, dtype="float32")
    assert isinstance(big.answer.value, int)
    assert not accepts(big.answer, 16777217) and not accepts(big.answer, 16777218)
    assert accepts(big.answer, 16777216) and accepts(big.answer, 1.6777216e7)
    assert any(d.value == 16777218 for d in big.distractors)


def test_float_round_is_graded_exactly_and_accepts_n_times_2_to_the_k() -> None:
    from quizgen.drill.parse import parse_value

    p = problem("numerics.float_round", value=3.4e-5, dtype="float16")  # a subnormal: 285 × 2^-23
    assert p.answer.precision == "exact" and "exactly" in p.question
    assert accepts(p.answer, parse_value("285 * 2^-23", None))
    assert accepts(p.answer, 0.00003397464752197265625)
    assert not accepts(p.answer, 3.397e-5) and not accepts(p.answer, 286 * 2.0**-23)


@pytest.mark.parametrize("seed", range(12))
def test_float_round_form_keeps_dtype_case_and_answer_parts(seed: int) -> None:
    gen = REG.get("numerics.float_round")
    first = gen.problem(seed)
    form = gen.form_of(first.params)
    assert set(form) == {"dtype", "case"}
    values = set()
    for other in range(1000, 1020):
        q = gen.problem(other, form)
        gen.check(q.params, q.answers)
        assert (q.params["dtype"], q.params["case"]) == (first.params["dtype"], first.params["case"])
        assert [(a.label, a.precision) for a in q.answers] == [(a.label, a.precision) for a in first.answers]
        values.add(q.params["value"])
    assert len(values) > 5  # new numbers, same form


@pytest.mark.parametrize(("value", "dtype", "case"), [
    (515, "bfloat16", "large_integer"), (257, "bfloat16", "tie"), (16777217, "float32", "tie"),
    (16777218, "float32", "large_integer"), (1e-40, "float32", "subnormal"), (0.1, "float32", "decimal"),
    (1024.5, "float16", "tie"),
])
def test_float_round_case_follows_from_the_value(value: float, dtype: str, case: str) -> None:
    assert problem("numerics.float_round", value=value, dtype=dtype).params["case"] == case
    with pytest.raises(ParamError, match="case must be"):
        REG.get("numerics.float_round").problem(0, {"value": value, "dtype": dtype,
                                                    "case": "decimal" if case != "decimal" else "tie"})


def test_float_round_overflow_is_a_param_error() -> None:
    with pytest.raises(ParamError, match=r"value must be below 65520 .*float16 \(got 70000\)"):
        REG.get("numerics.float_round").problem(0, {"value": 70000, "dtype": "float16"})
    # 65519 is below max + ½ulp = 65520: it rounds to 65504
    assert problem("numerics.float_round", value=65519, dtype="float16").answer.value == 65504


def test_float_round_cli_error_is_one_line() -> None:
    r = CliRunner().invoke(cli, ["show", "numerics.float_round", "--param", "value=1e39", "--param",
                                 "dtype=float32"])
    assert r.exit_code == 2
    assert r.output.startswith("error: --param value=1e39: value must be below")
    assert r.output.count("\n") == 1


# -- ulp, max_exact_integer ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "dtype", "want"), [
    (1, "float32", 2.0**-23),
    (1000, "float16", 0.5),
    (255.9, "bfloat16", 2),  # fl(255.9) = 256 in bfloat16, the next binade
    (1, "float64", 2.0**-52),
    (3e4, "float16", 16),
])
def test_ulp(value: float, dtype: str, want: float) -> None:
    assert problem("numerics.ulp", value=value, dtype=dtype).answer.value == want


def test_ulp_at_the_largest_finite_value_is_rejected() -> None:
    with pytest.raises(ParamError, match="value must round below the largest finite float16"):
        REG.get("numerics.ulp").problem(0, {"value": 65504, "dtype": "float16"})


@pytest.mark.parametrize(("dtype", "n"), [("float16", 2048), ("bfloat16", 256), ("float32", 16777216),
                                          ("float64", 9007199254740992)])
def test_max_exact_integer(dtype: str, n: int) -> None:
    p = problem("numerics.max_exact_integer", dtype=dtype)
    assert [a.value for a in p.answers] == [n, n + 1]


# -- cancellation, sum_order, exp_overflow, logsumexp ------------------------------------


def test_cancellation_vectors() -> None:
    p = problem("numerics.cancellation", op="add_sub", x=1e-7, dtype="float32")
    computed, rel = p.answer.value  # type: ignore[misc]
    assert computed == pytest.approx(1.1920929e-7, rel=1e-7)
    assert rel == pytest.approx(0.192, abs=5e-4)
    q = problem("numerics.cancellation", op="expm1", x=1e-7, dtype="float32")
    assert q.answer.value[0] == computed  # type: ignore[index]
    assert q.answer.value[1] == pytest.approx((computed - math.expm1(1e-7)) / math.expm1(1e-7))  # type: ignore[index]
    assert not accepts(p.answer, [1e-7, 0.0])


def test_cancellation_x_must_be_positive() -> None:
    with pytest.raises(ParamError, match=r"x must be a number with 0 < x ≤ 1 \(got 0\)"):
        REG.get("numerics.cancellation").problem(0, {"x": 0})


def test_sum_order_vector() -> None:
    p = problem("numerics.sum_order", a=1e8, b=-1e8, c=1, dtype="float32")
    assert p.answer.value == [1, 0]
    assert not accepts(p.answer, [1, 1])


def test_sum_order_overflow() -> None:
    with pytest.raises(ParamError, match="a must be below 65520"):
        REG.get("numerics.sum_order").problem(0, {"a": 1e5, "b": -1e5, "c": 1, "dtype": "float16"})


@pytest.mark.parametrize(("dtype", "want"), [("float32", 88.7228), ("float16", 11.0899), ("bfloat16", 88.7189),
                                             ("float64", 709.7827)])
def test_exp_overflow(dtype: str, want: float) -> None:
    p = problem("numerics.exp_overflow", dtype=dtype)
    assert p.answer.value == pytest.approx(want, rel=1e-5)
    assert not any(accepts(p.answer, d.value) for d in p.distractors)


def test_logsumexp() -> None:
    p = problem("numerics.logsumexp", x=[1000, 1000])
    assert p.answer.value == pytest.approx(1000 + math.log(2), rel=1e-12)
    with pytest.raises(ParamError, match="x must be a list"):
        REG.get("numerics.logsumexp").problem(0, {"x": 3})


# -- ODEs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "want"), [("euler", 57.665), ("heun", 128.39), ("implicit_euler", 3.6251e-6)])
def test_ode_step_vectors(method: str, want: float) -> None:
    p = problem("numerics.ode_step", method=method, lam=-10, h=0.25, steps=10)
    assert p.answer.value == pytest.approx(want, rel=1e-4)
    assert any(d.value == pytest.approx(1.389e-11, rel=1e-3) for d in p.distractors)  # exact e^-25


def test_ode_step_validation() -> None:
    gen = REG.get("numerics.ode_step")
    with pytest.raises(ParamError, match=r"h must not be 1/lam"):
        gen.problem(0, {"method": "implicit_euler", "lam": 10, "h": 0.1, "steps": 3})
    with pytest.raises(ParamError, match=r"steps must be at most \d+ here \(got 200\)"):
        gen.problem(0, {"method": "heun", "lam": -100, "h": 1, "steps": 200})


@pytest.mark.parametrize(("params", "want"), [
    ({"method": "euler", "lam": -50}, 0.04),
    ({"method": "heun", "lam": -4}, 0.5),
    ({"method": "implicit_euler_fixed_point", "lipschitz": 4}, 0.25),
])
def test_ode_stability_limit(params: dict[str, Any], want: float) -> None:
    assert problem("numerics.ode_stability_limit", **params).answer.value == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("params", "match"), [
    ({"method": "euler", "lam": 3}, "lam must be negative"),
    ({"method": "euler", "lipschitz": 3}, "lipschitz applies only to implicit_euler_fixed_point"),
    ({"method": "implicit_euler_fixed_point", "lam": -3}, "lam does not apply to implicit_euler_fixed_point"),
    ({"lipschitz": 0}, r"lipschitz must be a positive number \(got 0\)"),
])
def test_ode_stability_limit_validation(params: dict[str, Any], match: str) -> None:
    with pytest.raises(ParamError, match=match):
        REG.get("numerics.ode_stability_limit").problem(0, params)


def test_lipschitz_alone_selects_the_fixed_point_method() -> None:
    p = REG.get("numerics.ode_stability_limit").problem(5, {"lipschitz": 2})
    assert p.params["method"] == "implicit_euler_fixed_point"
    assert p.answer.value == 0.5


# -- review fixes: grading, wording and extreme parameters ----------------------------------


def test_ulp_accepts_a_typed_decimal() -> None:
    p = problem("numerics.ulp", value=207, dtype="float64")
    assert p.answer.value == 2.0**-45
    assert accepts(p.answer, 2.842e-14)  # what a person types for 2^-45
    assert not accepts(p.answer, 1.421e-14) and not accepts(p.answer, 2.0**-52)
    assert not any(accepts(p.answer, d.value) for d in p.distractors)


def test_ulp_float64_decimal_is_not_called_representable() -> None:
    p = problem("numerics.ulp", value=0.1, dtype="float64")
    assert "representable as it is" not in p.solution
    assert "float64 nearest to v" in p.solution


def test_float_round_states_the_subnormal_convention() -> None:
    p = problem("numerics.float_round", value=4.6e-8, dtype="float16")
    assert "no flush to zero" in p.question
    assert p.answer.value == 2.0**-24


def test_float_round_overflow_message_names_the_value_exactly() -> None:
    with pytest.raises(ParamError, match=r"below 3\.4028235677973366e38 .*\(got 3\.4028236e38\)"):
        REG.get("numerics.float_round").problem(0, {"value": 3.4028236e38, "dtype": "float32"})


def test_sum_order_large_sums_are_graded_in_the_dtype() -> None:
    # float32 spacing is 8 near 1e8: both orders give 1e8, and 100000002 (exact arithmetic) is wrong
    p = problem("numerics.sum_order", a=1e8, b=1, c=1, dtype="float32")
    assert p.answer.value == [100000000, 100000000]
    assert not accepts(p.answer, [100000002, 100000002])
    assert any(d.value == [100000002, 100000002] for d in p.distractors)
    assert "is exact" not in p.solution.split("Right")[0]  # a + b = 100000001 is rounded, not exact


def test_cancellation_expm1_above_two_does_not_cite_sterbenz() -> None:
    p = problem("numerics.cancellation", op="expm1", x=1, dtype="bfloat16")
    assert p.answer.value[0] == 1.71875  # type: ignore[index]
    assert "Sterbenz" not in p.solution


def test_ode_heun_uses_plain_frac() -> None:
    p = problem("numerics.ode_step", method="heun", lam=-10, h=0.25, steps=10)
    assert "\\tfrac" not in p.question + p.solution
    q = problem("numerics.ode_stability_limit", method="heun", lam=-4)
    assert "\\tfrac" not in q.question + q.solution


@pytest.mark.parametrize(("params", "match"), [
    ({"method": "implicit_euler", "lam": -100, "h": 1, "steps": 10000}, r"steps must be at most 149 here .*underflows"),
    ({"method": "euler", "lam": -100, "h": 0.0099, "steps": 10000}, r"steps must be at most 150 here"),
    ({"method": "heun", "lam": -1e200, "h": 1, "steps": 3}, r"h must be smaller in magnitude here"),
])
def test_ode_step_out_of_float_range(params: dict[str, Any], match: str) -> None:
    with pytest.raises(ParamError, match=match):
        REG.get("numerics.ode_step").problem(0, params)


def test_ode_step_growing_and_flat_problems() -> None:
    p = problem("numerics.ode_step", method="euler", lam=0, h=1, steps=3)
    assert p.answer.value == 1.0
    q = problem("numerics.ode_step", method="euler", lam=9, h=0.1, steps=1000)  # e^900 overflows, 1.9^1000 not
    assert q.answer.value == pytest.approx(1.9**1000, rel=1e-12)
    assert all(math.isfinite(d.value) for d in q.distractors)  # type: ignore[arg-type]


@pytest.mark.parametrize("params", [{"method": "euler", "lam": -1e-310}, {"lipschitz": 1e-320}])
def test_ode_stability_limit_overflow(params: dict[str, Any]) -> None:
    with pytest.raises(ParamError, match="would overflow float64"):
        REG.get("numerics.ode_stability_limit").problem(0, params)


def test_max_exact_integer_rejects_off_by_one() -> None:
    # the exact integer: 16777215 and 16777217 are the mistakes asked about
    p = problem("numerics.max_exact_integer", dtype="float32")
    n, first = p.answers
    assert n.precision == "exact" and n.tolerance.why
    assert accepts(n, 16777216) and accepts(n, 1.6777216e7)
    assert not accepts(n, 16777215) and not accepts(n, 16777217)
    assert accepts(first, 16777217) and not accepts(first, 16777216)
    assert any(d.value == 16777215 for d in p.distractors)


def _kind(a: Any) -> str:
    t = a.tolerance
    return f"sig{t.sig}" if t.sig else "exact" if t.exact else "factor" if t.factor else "absolute"


MY_AREAS = ("numerics", "linalg", "stats", "info", "optim", "sampling")


@pytest.mark.parametrize("gen_id", [g.id for g in REG if g.area in MY_AREAS and g.form])
def test_fixed_form_keeps_answer_parts(gen_id: str) -> None:
    # issue 14: versions of one exam question share the first version's form; only the numbers change
    gen = REG.get(gen_id)
    for seed in range(4):
        first = gen.problem(seed)
        form = gen.form_of(first.params)
        assert form and set(form) <= set(first.params)
        shape = [(a.label, _kind(a), len(a.values)) for a in first.answers]
        for other in range(500, 508):
            q = gen.problem(other, form)
            gen.check(q.params, q.answers)
            assert gen.form_of(q.params) == form
            assert [(a.label, _kind(a), len(a.values)) for a in q.answers] == shape


# -- fast paths (issue 16, speed): each against the plain computation it replaced ------------------

NUM = sys.modules[type(REG.get("numerics.logsumexp")).__module__]


def _plain_mpf(x: Any) -> Any:
    fr = Fraction(x)
    return mpmath.mpf(fr.numerator) / fr.denominator


def _plain_lse(x: list[Any]) -> tuple[float, tuple[float, ...]]:
    m = max(x)
    with mpmath.workdps(30):
        terms = [mpmath.exp(_plain_mpf(v) - _plain_mpf(m)) for v in x]
        return float(_plain_mpf(m) + mpmath.log(mpmath.fsum(terms))), tuple(float(t) for t in terms)


def _random_float(rng: random.Random) -> float:
    kind = rng.choice(["tenth", "wide", "tiny", "int"])
    if kind == "tenth":
        return round(rng.uniform(-1000, 1000), 1)
    if kind == "wide":
        return rng.uniform(-1, 1) * 10.0 ** rng.randint(-300, 300)
    if kind == "tiny":
        return rng.choice([5e-324, 2.2250738585072014e-308, -1e-310, 0.0, -0.0])
    return float(rng.randint(-10**6, 10**6))


def test_mpf_of_a_float_is_the_exact_quotient() -> None:
    rng = random.Random(16)
    for _ in range(500):
        v = _random_float(rng)
        for dps in (15, 30, 60):
            with mpmath.workdps(dps):
                assert NUM._mpf(v) == _plain_mpf(v)
                assert NUM._mpf(v)._mpf_ == _plain_mpf(v)._mpf_
    with mpmath.workdps(30):
        assert NUM._mpf(Fraction(1, 3))._mpf_ == _plain_mpf(Fraction(1, 3))._mpf_
        assert NUM._mpf(10**40 + 1)._mpf_ == _plain_mpf(10**40 + 1)._mpf_


def test_cached_mexp_mlog_equal_the_uncached() -> None:
    rng = random.Random(17)
    for _ in range(300):
        v: Any = rng.choice([round(rng.uniform(-50, 50), 1), rng.uniform(-700, 700),
                        Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**4))])
        assert NUM.mexp(v) == NUM.mexp.__wrapped__(v)
        w = abs(v) + Fraction(1, 7)
        assert NUM.mlog(w) == NUM.mlog.__wrapped__(w)
        assert NUM.mlog(w, 10) == NUM.mlog.__wrapped__(w, 10)


def test_logsumexp_low_level_equals_mpmath() -> None:
    """_libmp_lse against the plain mpmath formula, terms included, on draws and on wide inputs."""
    rng = random.Random(18)
    lse = NUM.LogSumExp
    cases: list[list[Any]] = [[1000, 1000], [1000, 999, 998], [0.0, -0.0], [5e-324, 0], [1e308, 1e308, -1e308],
                              [2**53 - 1, 2**52, 0.5]]
    for _ in range(400):
        n = rng.randint(1, 8)
        kind = rng.choice(["draw", "wide", "ints", "mixed"])
        if kind == "draw":
            m = round(rng.uniform(53, 1000), 1)
            cases.append([round(m - round(rng.uniform(0, 3), 1), 1) for _ in range(n)])
        elif kind == "wide":
            cases.append([_random_float(rng) for _ in range(n)])
        elif kind == "ints":
            cases.append([rng.randint(-2000, 2000) for _ in range(n)])
        else:
            cases.append([rng.choice([rng.randint(-500, 500), round(rng.uniform(-500, 500), 3)]) for _ in range(n)])
    for x in cases:
        assert lse._terms_are_mexp(x)
        assert lse._libmp_lse(x) == _plain_lse(x), x
        assert lse._mpmath_lse(x) == _plain_lse(x), x


def test_logsumexp_terms_are_the_rendered_mexp_and_order_free_on_draws() -> None:
    rng = random.Random(19)
    for _ in range(300):
        m = round(rng.uniform(53, 1000), 1)
        x = [m] + [round(m - round(rng.uniform(0, 3), 1), 1) for _ in range(rng.randint(1, 5))]
        value, terms = NUM.LogSumExp._libmp_lse(x)
        assert terms == tuple(NUM.mexp.__wrapped__(Fraction(v) - Fraction(max(x))) for v in x)
        shuffled = rng.sample(x, len(x))
        assert _plain_lse(shuffled)[0] == value
    assert not NUM.LogSumExp._terms_are_mexp([2**60, 1.0])
    assert not NUM.LogSumExp._terms_are_mexp([True, 1.0])


def test_logsumexp_tail_equals_the_fraction_sum() -> None:
    rng = random.Random(20)
    for _ in range(400):
        offs = [0.0] + [round(rng.uniform(0, 3), 1) for _ in range(rng.randint(1, 5))]
        want = NUM.mlog.__wrapped__(sum(Fraction(NUM.mexp.__wrapped__(-d)) for d in offs))
        assert NUM._tail(tuple(sorted(offs))) == want
        assert NUM._tail.__wrapped__(tuple(offs)) == want


def _plain_floor_log2(x: Fraction) -> int:
    e = x.numerator.bit_length() - x.denominator.bit_length()
    if Fraction(2) ** e > x:
        e -= 1
    return e


def _plain_round_to(x: Fraction, fmt: Any) -> Fraction | None:
    """round_to as first written (None where it overflows)."""
    if x == 0:
        return Fraction(0)
    ulp = Fraction(2) ** (max(_plain_floor_log2(abs(x)), fmt.emin) - fmt.p + 1)
    q = abs(x) / ulp
    n = math.floor(q)
    frac = q - n
    if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and n % 2 == 1):
        n += 1
    out: Fraction = n * ulp
    if out > fmt.max_finite:
        return None
    return out if x > 0 else -out


def _rounding_inputs(rng: random.Random, fmt: Any) -> list[Fraction]:
    """Values all over a format's range: ties and near-ties, subnormals, the overflow edge, decimals."""
    out: list[Fraction] = []
    top = fmt.max_finite
    half_ulp_top = Fraction(2) ** (fmt.emax - fmt.p)
    for x in (top, top + half_ulp_top, top + half_ulp_top - Fraction(1, 2**2000), top + half_ulp_top / 2,
              fmt.min_subnormal, fmt.min_subnormal / 2, fmt.min_subnormal / 2 + Fraction(1, 2**3000),
              fmt.min_normal, fmt.min_normal - fmt.min_subnormal / 2, Fraction(1), Fraction(3, 2)):
        out += [x, -x]
    for _ in range(300):
        kind = rng.choice(["float", "tie", "decimal", "int", "tiny"])
        if kind == "float":
            x = Fraction(rng.uniform(-1, 1) * 2.0 ** rng.randint(fmt.emin - fmt.p - 5, fmt.emax + 1))
        elif kind == "tie":
            k = rng.randint(fmt.emin - fmt.p + 1, fmt.emax - fmt.p + 1)
            x = (rng.randint(2 ** (fmt.p - 1), 2**fmt.p - 1) + Fraction(rng.choice([1, 1, 3, 5]), rng.choice([2, 4, 8]))
                 ) * Fraction(2) ** k
        elif kind == "decimal":
            x = Fraction(rng.randint(-10**9, 10**9), 10 ** rng.randint(0, 12))
        elif kind == "int":
            x = Fraction(rng.randint(-2 ** (fmt.p + 3), 2 ** (fmt.p + 3)))
        else:
            x = Fraction(rng.randint(1, 10**6), 3**rng.randint(1, 30)) * fmt.min_subnormal
        out.append(x)
    return out


def test_round_to_in_integers_equals_the_fraction_formula() -> None:
    rng = random.Random(21)
    for fmt in NUM.FMTS.values():
        for x in _rounding_inputs(rng, fmt):
            want = _plain_round_to(x, fmt)
            if want is None:  # (float64's limit itself is beyond a float: its message overflows, as before)
                with pytest.raises(OverflowError if fmt.name == "float64" else ParamError):
                    NUM.round_to(x, fmt)
            else:
                got = NUM.round_to(x, fmt)
                assert got == want and type(got) is Fraction, (fmt.name, x)
            if x > 0:
                assert NUM.floor_log2(x) == _plain_floor_log2(x)
    assert NUM.round_to(Fraction(16777217), NUM.FMTS["float32"]) == 16777216
    assert NUM.floor_log2(Fraction(1, 2**1074)) == -1074 and NUM.floor_log2(Fraction(2**100 - 1)) == 99


def test_cached_value_tex_and_ode_helpers_equal_the_uncached() -> None:
    rng = random.Random(22)
    for _ in range(300):
        x = Fraction(rng.randint(-10**20, 10**20), 2 ** rng.randint(0, 80))
        assert NUM.value_tex(x) == NUM.value_tex.__wrapped__(x)
        assert NUM.value_tex(x, 6) == NUM.value_tex.__wrapped__(x, 6)
        h, lam = round(rng.uniform(0.001, 1), rng.randint(1, 4)), -round(rng.uniform(0.1, 100), rng.randint(0, 3))
        assert NUM._dec(h) == Fraction(repr(h)) and NUM._dec(lam) == Fraction(repr(lam))
        z = NUM._dec(h) * NUM._dec(lam)
        for method in ("euler", "heun", "implicit_euler"):
            if method != "implicit_euler" or z != 1:
                r = NUM.ode_factor(method, z)
                assert r == NUM.ode_factor.__wrapped__(method, z)
                n = rng.randint(1, 50)
                assert NUM._power(r, n) == r**n
    assert NUM._dec(3) == 3 and NUM.value_tex(Fraction(10**15)) == NUM.value_tex.__wrapped__(Fraction(10**15))


def test_mexp_low_level_equals_mpmath() -> None:
    rng = random.Random(23)
    values: list[Any] = [0.0, -0.0, 1, 0, -745.5, 709.0, 710.0, 5e-324, Fraction(1, 3), Fraction(-10**40, 7),
                         Fraction(10**40 + 1, 10**38), 10**40 + 1]
    for _ in range(400):
        values.append(rng.choice([round(rng.uniform(-50, 50), 1), rng.uniform(-800, 800),
                                  Fraction(rng.randint(-10**12, 10**12), rng.randint(1, 10**9)),
                                  rng.randint(-700, 700)]))
    for v in values:
        with mpmath.workdps(30):
            want = float(mpmath.exp(_plain_mpf(v)))
        assert NUM.mexp.__wrapped__(v) == want, v


def _plain_dyadic_tex(x: Fraction) -> str:
    from quizgen.render.numbers import tex

    if x == 0:
        return "0"
    k = 0
    n = x
    while n.denominator != 1:
        n *= 2
        k -= 1
    m = int(n)
    while m % 2 == 0:
        m //= 2
        k += 1
    return f"{tex(m)} \\times 2^{{{k}}}"


def test_dyadic_tex_from_the_bits_equals_the_halving_loop() -> None:
    rng = random.Random(24)
    values = [Fraction(0), Fraction(1), Fraction(-1), Fraction(2**60), Fraction(-(3 * 2**40)), Fraction(1, 2**1074),
              Fraction(-5, 2**149), Fraction(16777216), Fraction(16777217)]
    for _ in range(400):
        values.append(Fraction(rng.choice([1, -1]) * rng.randint(1, 2**30), 2 ** rng.randint(0, 160)))
        values.append(Fraction(rng.randint(-2**64, 2**64)) * 2 ** rng.randint(0, 20))
    for x in values:
        assert NUM.dyadic_tex(x) == _plain_dyadic_tex(x), x
