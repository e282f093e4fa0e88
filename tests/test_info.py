"""info.* against published reference numbers (CATALOGUE.md test vectors) and hand-worked values,
plus validation errors."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.grading import accepts
from quizgen.registry import load_registry

from .conftest import answers, problem, value


# -- test vectors ------------------------------------------------------------------------------------------
def test_kl_gaussian_both_directions() -> None:
    assert value("info.kl_gaussian", mu_p=0, sigma_p=1, mu_q=1, sigma_q=2) == pytest.approx(0.443147, abs=1e-6)
    assert value("info.kl_gaussian", mu_p=1, sigma_p=2, mu_q=0, sigma_q=1) == pytest.approx(1.306853, abs=1e-6)


def test_kl_gaussian_reverse_is_a_distractor() -> None:
    p = problem("info.kl_gaussian", mu_p=0, sigma_p=1, mu_q=1, sigma_q=2)
    assert any(d.value == pytest.approx(1.306853, abs=1e-6) for d in p.distractors)


def test_kl_categorical_by_hand() -> None:
    # 0.5 ln(0.5/0.2) + 0.3 ln 1 + 0.2 ln(0.2/0.5)
    want = 0.5 * math.log(2.5) + 0.2 * math.log(0.4)
    assert value("info.kl_categorical", p=[0.5, 0.3, 0.2], q=[0.2, 0.3, 0.5]) == pytest.approx(want, rel=1e-12)


def test_kl_categorical_zero_in_p_is_fine() -> None:
    assert value("info.kl_categorical", p=[0.5, 0.5, 0], q=[0.25, 0.25, 0.5]) == pytest.approx(math.log(2))


def test_kl_categorical_renormalizes_within_tolerance() -> None:
    v = value("info.kl_categorical", p=[0.5000005, 0.5], q=[0.25, 0.75])
    assert v == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-5)


def test_entropy_dyadic_and_uniform() -> None:
    assert value("info.entropy", p=[0.5, 0.25, 0.125, 0.125]) == pytest.approx(1.75, rel=1e-12)
    assert value("info.entropy", p=[0.25, 0.25, 0.25, 0.25]) == pytest.approx(2.0, rel=1e-12)
    # log₂ n is a distractor only when p is not uniform.
    assert all(d.value != 2.0 for d in problem("info.entropy", p=[0.25] * 4).distractors)


def test_cross_entropy_vector() -> None:
    (a,) = answers("info.cross_entropy", probs=[0.5, 0.25, 0.125, 0.5])
    assert a.value == pytest.approx([1.21301, 3.36359, 1.75], abs=1e-5)


def test_cross_entropy_distractors_are_vectors() -> None:
    p = problem("info.cross_entropy", probs=[0.5, 0.25, 0.125, 0.5])
    assert all(isinstance(d.value, list) and len(d.value) == 3 for d in p.distractors)
    ppl_2 = [d for d in p.distractors if "2^" in d.why][0]
    assert ppl_2.value[1] == pytest.approx(2 ** 1.2130076, rel=1e-6)


def test_wasserstein_gaussian() -> None:
    assert value("info.wasserstein_gaussian", mu_1=0, sigma_1=1, mu_2=3, sigma_2=2) == pytest.approx(math.sqrt(10))


def test_mmd_vector_with_negative_unbiased() -> None:
    p = problem("info.mmd", x=[0, 1, 2], y=[0.5, 1.5, 3], bandwidth=1)
    a = p.answers[0]
    assert a.value == pytest.approx([0.086944, -0.321554], abs=1e-6)
    assert accepts(a, [0.08694, -0.3216])
    assert not accepts(a, [0.08694, 0.3216])  # the sign matters
    assert any(d.value == pytest.approx([0.086944, 0.321554], abs=1e-6) for d in p.distractors)


# -- validation ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("gen_id", "fixed", "needle"), [
    ("info.kl_categorical", {"p": [0.5, 0.5], "q": [1, 0]}, "infinite"),
    ("info.kl_categorical", {"p": [0.5, 0.6], "q": [0.5, 0.5]}, r"p must sum to 1 \(± 1e-6\) \(got sum 1.1\)"),
    ("info.kl_categorical", {"p": [0.5, 0.5], "q": [0.2, 0.3, 0.5]}, "same length"),
    ("info.kl_categorical", {"p": [1.5, -0.5], "q": [0.5, 0.5]}, r"p\[0\] must be"),
    ("info.entropy", {"p": [0.3, 0.3]}, "p must sum to 1"),
    ("info.cross_entropy", {"probs": [0.5, 0]}, r"probs\[1\] must be"),
    ("info.kl_gaussian", {"sigma_q": 0}, "sigma_q must be a positive number"),
    ("info.wasserstein_gaussian", {"sigma_1": -1}, "sigma_1 must be a positive number"),
    ("info.mmd", {"x": [1.0]}, "at least 2 values"),
    ("info.mmd", {"bandwidth": 0}, "bandwidth must be a positive number"),
    # absurd values: a message, not an overflow traceback
    ("info.kl_gaussian", {"sigma_p": 1e-300, "sigma_q": 1e300}, "beyond 1e300 nats"),
    ("info.wasserstein_gaussian", {"mu_1": 1e300, "mu_2": -1e300}, "too large to square"),
    ("info.mmd", {"bandwidth": 1e-300}, "overflows"),
    ("info.cross_entropy", {"probs": [1e-320]}, "perplexity e\\^loss overflows"),
])
def test_bad_params(gen_id: str, fixed: dict[str, Any], needle: str) -> None:
    with pytest.raises(ParamError, match=needle):
        load_registry().get(gen_id).problem(0, fixed)


def test_fixed_q_with_zeros_draws_p_on_its_support() -> None:
    for seed in range(20):
        p = load_registry().get("info.kl_categorical").problem(seed, {"q": [0.5, 0.5, 0]})
        assert p.params["p"][2] == 0


def test_cli_infinite_kl_exits_2() -> None:
    res = CliRunner().invoke(cli, ["show", "info.kl_categorical", "--param", "p=[0.5,0.5]", "--param", "q=[1,0]"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --param q=[1,0]: ") and "infinite" in lines[0]


def _tex_number(t: str) -> float:
    t = t.replace("\\,", "")
    m = re.fullmatch(r"(-?[\d.]+)(?: \\times 10\^\{(-?\d+)\})?", t)
    assert m, t
    return float(m.group(1)) * 10 ** int(m.group(2) or 0)


_NUM = r"(-?[\d.]+(?: \\times 10\^\{-?\d+\})?)"


@pytest.mark.parametrize("seed", range(40))
def test_mmd_solution_numbers_reproduce_the_answer(seed: int) -> None:
    # The estimates are small differences of kernel sums near m² and n²: sums shown to 4 figures gave
    # answers graded wrong for about half the seeds. The shown sums must recombine to an accepted answer.
    p = load_registry().get("info.mmd").problem(seed)
    kxx, kyy, kxy = (_tex_number(t) for t in re.findall(r"k\([xy]_i, [xy]_j\) = " + _NUM, p.solution))
    m, n = len(p.params["x"]), len(p.params["y"])
    cross = 2 * kxy / (m * n)
    got = [kxx / m**2 + kyy / n**2 - cross, (kxx - m) / (m * (m - 1)) + (kyy - n) / (n * (n - 1)) - cross]
    assert accepts(p.answers[0], got)


@pytest.mark.parametrize("seed", range(60))
def test_kl_gaussian_solution_numbers_reproduce_the_answer(seed: int) -> None:
    p = load_registry().get("info.kl_gaussian").problem(seed)
    m = re.search(r"\\mathrm\{KL\}\(P \\\| Q\) = " + _NUM + r" \+ " + _NUM + r" - 0\.5 =", p.solution)
    assert m
    assert accepts(p.answers[0], _tex_number(m.group(1)) + _tex_number(m.group(2)) - 0.5)


def test_kl_categorical_solution_terms_reproduce_the_answer() -> None:
    # KL = 0.023612, but its terms to 4 figures (0 + 0.1116 − 0.08796) sum to 0.02364: graded wrong.
    p = problem("info.kl_categorical", p=[0.15, 0.5, 0.35], q=[0.15, 0.4, 0.45])
    line = p.solution.split("\\[= ")[2].split(" = ")[0]
    total = sum(_tex_number(t.strip()) for t in line.replace(" - ", " + -").split(" + "))
    assert accepts(p.answers[0], total)


def test_kl_categorical_is_accurate_for_ratios_near_1() -> None:
    # ln(float(p/q)) rounds a ratio of 1 + 1e-300 to ln 1 = 0, leaving only the negative term.
    assert value("info.kl_categorical", p=[1e-320, 1], q=[1e-300, 1]) == pytest.approx(1e-300, rel=1e-3)


def test_kl_categorical_draws_q_for_many_outcomes() -> None:
    # q is drawn in steps of 0.05 only while the outcomes fit; 21 outcomes used to crash the draw.
    p = problem("info.kl_categorical", p=[0.05] * 19 + [0.025, 0.025])
    assert len(p.params["q"]) == 21 and abs(sum(p.params["q"]) - 1) < 1e-9


def test_exact_where_exact() -> None:
    # √(0.3² + 0.4²) = 0.5 and the perplexity of (½, ¼, ⅛) = 4 with 2 bits/token, exactly (no float residue)
    assert value("info.wasserstein_gaussian", mu_1=0, sigma_1=1, mu_2=0.3, sigma_2=1.4) == 0.5
    assert value("info.cross_entropy", probs=[0.5, 0.25, 0.125])[1:] == [4.0, 2.0]


# -- fast paths (issue 16, speed) against the plain computations they replaced ------------------------------
def _info_module() -> Any:
    import sys

    return sys.modules[type(load_registry().get("info.mmd")).__module__]


def _outcome(f: Any, *args: Any) -> Any:
    try:
        return [v.hex() for v in f(*args)]
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return type(e)


def test_mmd_upper_triangle_sums_equal_the_full_double_loops() -> None:
    import random

    mod = _info_module()
    rng = random.Random(16)
    for i in range(400):
        m, n = rng.randint(1 if i % 50 == 0 else 2, 8), rng.randint(2, 8)
        kind = i % 5
        if kind == 0:
            x = [round(rng.uniform(-5, 5), 1) for _ in range(m)]
            y = [round(rng.uniform(-5, 5), 1) for _ in range(n)]
        elif kind == 1:  # repeated points, ints mixed in
            x = [rng.choice([0, 1, 1.0, -2.5, 3]) for _ in range(m)]
            y = [rng.choice([0.0, 1, 2, -2.5]) for _ in range(n)]
        elif kind == 2:  # values that overflow (a − b)² or underflow the kernel
            x = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-5, 200) for _ in range(m)]
            y = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-5, 200) for _ in range(n)]
        else:
            x = [rng.gauss(0, 1) for _ in range(m)]
            y = [rng.gauss(1, 2) for _ in range(n)]
        h = rng.choice([0.5, 1, 1.5, 2, 3, 1e-170, 1e-200, 1e160, 1e200, 10**200, rng.uniform(0.1, 3)])
        two = rng.choice([2.0, 1.0])
        assert _outcome(mod._mmd2_fast, x, y, h, two) == _outcome(mod._mmd2_sums, x, y, h, two), (x, y, h, two)


def test_ln_ratio_in_integers_equals_the_fraction_formula() -> None:
    import random
    from fractions import Fraction

    mod = _info_module()
    rng = random.Random(2)
    pairs = [(Fraction(1), Fraction(1)), (Fraction(3, 2), Fraction(1)), (Fraction(1, 2), Fraction(1)),
             (Fraction(1, 3), Fraction(2, 3)), (Fraction(2, 3), Fraction(1, 3)), (Fraction(1, 10**400), Fraction(1)),
             (Fraction(10**400), Fraction(1, 7)), (Fraction(0), Fraction(1, 2))]
    for _ in range(500):
        kind = rng.random()
        if kind < 0.4:
            x = Fraction(rng.randint(1, 100), 100)
            y = Fraction(rng.randint(1, 100), 100)
        elif kind < 0.7:  # near 1 and near the ½ boundary
            y = Fraction(rng.randint(1, 10**6), rng.randint(1, 10**6))
            x = y * rng.choice([1, Fraction(3, 2), Fraction(1, 2), 1 + Fraction(1, rng.randint(2, 10**9))])
        else:
            x = Fraction(rng.randint(1, 10**rng.randint(1, 60)), rng.randint(1, 10**rng.randint(1, 60)))
            y = Fraction(rng.randint(1, 10**rng.randint(1, 60)), rng.randint(1, 10**rng.randint(1, 60)))
        pairs.append((x, y))
    def outcome(f: Any, x: Fraction, y: Fraction) -> Any:
        try:
            return f(x, y).hex()
        except (ValueError, ZeroDivisionError) as e:
            return type(e)

    for x, y in pairs:
        assert outcome(mod._ln_ratio, x, y) == outcome(mod._ln_ratio_plain, x, y), (x, y)
    with pytest.raises(ZeroDivisionError):
        mod._ln_ratio(Fraction(1, 2), Fraction(0))


def test_normalize_in_integers_equals_the_fraction_formula() -> None:
    import random

    mod = _info_module()
    rng = random.Random(4)

    def outcome(f: Any, p: list[Any]) -> Any:
        try:
            return f("p", p)
        except ParamError as e:
            return str(e)

    for i in range(400):
        n = rng.randint(1, 6)
        kind = i % 4
        if kind == 0:
            p = [round(rng.random(), 2) for _ in range(n)]
        elif kind == 1:  # sums to 1 within 1e-6, or just outside it
            p = [rng.randint(1, 19) / 20]
            p.append(1 - p[0])
            p[0] += rng.choice([0.0, 5e-7, 1e-6, 2e-6, -1e-6, -3e-7])
        elif kind == 2:
            p = [rng.choice([0, 1, 0.5, 0.25, 1e-7]) for _ in range(n)]
        else:
            p = [rng.random() for _ in range(n - 1)]
            p.append(1 - sum(p))
        assert outcome(mod._normalize, p) == outcome(mod._normalize_plain, p), p


def test_decimal_probs_equal_the_fraction_floats() -> None:
    from fractions import Fraction

    for units in (20, 100, 500, 2500):
        for k in range(1, units + 1):
            assert k / units == float(Fraction(k, units))


def test_kl_categorical_terms_equal_the_plain_terms() -> None:
    import random

    mod = _info_module()
    gen = load_registry().get("info.kl_categorical")
    rng = random.Random(9)
    for _ in range(300):
        n = rng.randint(2, 6)
        raw = [rng.randint(0, 20) for _ in range(n)]
        raw[0] += 1
        rq = [rng.randint(1, 20) for _ in range(n)]
        p = {"p": [v / sum(raw) for v in raw], "q": [v / sum(rq) for v in rq]}
        for reverse in (False, True):
            a, b = mod._normalize_plain("p", p["p"]), mod._normalize_plain("q", p["q"])
            if reverse:
                a, b = b, a
            if reverse and not all(x > 0 for x in b):
                continue
            plain_terms = [float(x) * mod._ln_ratio_plain(x, y) for x, y in zip(a, b, strict=True) if x > 0]
            assert [v.hex() for v in gen._terms(p, reverse)] == [v.hex() for v in plain_terms]
            assert gen._kl(p, reverse) == math.fsum(plain_terms)


def test_kl_normal_in_integers_equals_the_fraction_formula() -> None:
    import random
    from fractions import Fraction

    from quizgen.gentools import exact_decimal

    mod = _info_module()
    rng = random.Random(12)

    def outcome(f: Any, *args: Fraction) -> Any:
        try:
            return f(*args).hex()
        except (OverflowError, ZeroDivisionError, ValueError) as e:
            return type(e)

    for i in range(500):
        kind = i % 4
        if kind == 0:  # the drawn kind: one decimal means, two-figure σ
            args = [exact_decimal(round(rng.uniform(-5, 5), 1)), exact_decimal(round(rng.uniform(0.2, 5), 2)),
                    exact_decimal(round(rng.uniform(-5, 5), 1)), exact_decimal(round(rng.uniform(0.2, 5), 2))]
        elif kind == 1:  # σ² in place of σ (the distractor), equal parameters (KL = 0)
            mu, sd = exact_decimal(round(rng.uniform(-5, 5), 1)), exact_decimal(round(rng.uniform(0.1, 5), 2))
            args = rng.choice([[mu, sd, mu, sd], [mu, sd**2, mu + 1, (sd + 1) ** 2]])
        elif kind == 2:  # extreme sizes (overflow, underflow of the ratio)
            args = [exact_decimal(rng.uniform(-1, 1) * 10.0 ** rng.randint(-300, 300)) for _ in range(4)]
            args[1], args[3] = abs(args[1]), abs(args[3])
        else:
            args = [Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**6)) for _ in range(4)]
            args[1], args[3] = rng.choice([abs(args[1]), Fraction(0)]), rng.choice([abs(args[3]) + 1, Fraction(0)])
        assert outcome(mod._kl_normal, *args) == outcome(mod._kl_normal_plain, *args), args


def test_wasserstein_integer_diffs_equal_the_fraction_formulas() -> None:
    import random

    gen = load_registry().get("info.wasserstein_gaussian")
    rng = random.Random(21)

    def outcome(f: Any, p: dict[str, Any]) -> Any:
        try:
            v = f(p)
        except (OverflowError, ZeroDivisionError, ValueError) as e:
            return type(e)
        return [(x.hex(), why) for x, why in v] if isinstance(v, list) else v.hex()

    for i in range(400):
        kind = i % 4
        if kind == 0:  # the drawn kind
            p = {"mu_1": round(rng.uniform(-5, 5), 1), "sigma_1": float(f"{rng.uniform(0.1, 5):.1e}"),
                 "mu_2": round(rng.uniform(-5, 5), 1), "sigma_2": float(f"{rng.uniform(0.1, 5):.1e}")}
        elif kind == 1:  # equal spreads or means, ints
            v, w = rng.choice([0, 1, 2.5, -3]), rng.choice([0.3, 1, 4])
            p = {"mu_1": v, "sigma_1": w, "mu_2": rng.choice([v, 0.4]), "sigma_2": rng.choice([w, 0.3, 5])}
        elif kind == 2:  # Pythagorean: exact square roots
            k = rng.choice([0.1, 1, 0.01, 3])
            p = {"mu_1": 0, "sigma_1": 4 * k, "mu_2": 3 * k, "sigma_2": 8 * k}
        else:  # extreme sizes
            names = ("mu_1", "sigma_1", "mu_2", "sigma_2")
            p = {k: rng.uniform(0.1, 1) * 10.0 ** rng.randint(-200, 200) for k in names}
        assert outcome(gen._w2, p) == outcome(gen._w2_plain, p), p
        assert outcome(gen._misreadings, p) == outcome(gen._misreadings_plain, p), p
