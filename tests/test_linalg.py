"""linalg.*: the catalogue's golden examples and test vectors, through the public API, plus
parameter validation. Reference values are published closed forms (17 ± √269, the textbook
pseudoinverse of a rank-1 matrix, Golub–Van Loan flop counts), not the generators' own code."""

from __future__ import annotations

import math
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.grading import accepts
from quizgen.model import Problem
from quizgen.registry import load_registry

REG = load_registry()
TALL = [[1, 1], [1, 2], [1, 3], [1, 4]]


def problem(gen_id: str, **params: Any) -> Problem:
    gen = REG.get(gen_id)
    p = gen.problem(0, params)
    gen.check(p.params, p.answers)
    return p


def test_normal_equations_condition_golden() -> None:
    p = problem("linalg.normal_equations_condition", matrix=TALL)
    want = (17 + math.sqrt(269)) / (17 - math.sqrt(269))  # eigenvalues of AᵀA = [[4,10],[10,30]]
    assert p.answer.value == pytest.approx(want, rel=1e-12)
    assert p.answer.value == pytest.approx(55.782, rel=1e-4)
    assert any(d.value == pytest.approx(7.4687, rel=1e-4) for d in p.distractors)


def test_normal_equations_condition_is_not_formed_in_floats() -> None:
    # cond(A.T @ A) in float64 gives 1.60015972e9; the true κ² is 1.60016001e9
    p = problem("linalg.normal_equations_condition", matrix=[[1, 1], [1, 1.0001]])
    assert p.answer.value == pytest.approx(1.60016001e9, rel=1e-8)


def test_condition_number() -> None:
    assert problem("linalg.condition_number", matrix=TALL).answer.value == pytest.approx(7.4687, rel=1e-4)
    p = problem("linalg.condition_number", matrix=[[1, 2], [3, 4]])
    s = math.sqrt(15 + math.sqrt(221)), math.sqrt(15 - math.sqrt(221))  # AᵀA = [[10,14],[14,20]]
    assert p.answer.value == pytest.approx(s[0] / s[1], rel=1e-12)
    assert not any(accepts(p.answer, d.value) for d in p.distractors)


@pytest.mark.parametrize(("matrix", "match"), [
    ([[1, 2], [2, 4]], r"matrix must have full column rank \(got rank 1 < 2 columns\)"),
    ([[1, 2, 3], [4, 5, 6]], r"matrix must have at least as many rows as columns \(got 2×3\)"),
    ([[1, 2], [3]], "matrix must be a rectangular matrix"),
])
def test_condition_number_validation(matrix: Any, match: str) -> None:
    for gen_id in ("linalg.condition_number", "linalg.normal_equations_condition"):
        with pytest.raises(ParamError, match=match):
            REG.get(gen_id).problem(0, {"matrix": matrix})


def test_condition_number_cli_error() -> None:
    r = CliRunner().invoke(cli, ["show", "linalg.condition_number", "--param", "matrix=[[1,2],[2,4]]"])
    assert r.exit_code == 2
    assert r.output.startswith("error: --param matrix=[[1,2],[2,4]]: matrix must have full column rank")
    assert r.output.count("\n") == 1


@pytest.mark.parametrize(("params", "want"), [
    ({"method": "lu", "n": 400}, 2 * 400**3 / 3),
    ({"method": "cholesky", "n": 400}, 400**3 / 3),
    ({"method": "qr_householder", "m": 400, "n": 100}, 2 * 400 * 100**2 - 2 * 100**3 / 3),
    ({"method": "qr_householder", "m": 300, "n": 300}, 4 * 300**3 / 3),
])
def test_factorization_flops(params: dict[str, Any], want: float) -> None:
    p = problem("linalg.factorization_flops", **params)
    assert isinstance(p.answer.value, int)
    assert abs(p.answer.value - want) <= 0.5
    assert p.answer.unit == "FLOP"


@pytest.mark.parametrize(("params", "match"), [
    ({"method": "lu", "n": 100, "m": 500}, r"m applies only to method=qr_householder \(got m=500"),
    ({"method": "qr_householder", "n": 500, "m": 100}, r"m must be ≥ n \(got m=100, n=500\)"),
    ({"n": 0}, r"n must be a positive integer \(got 0\)"),
])
def test_factorization_flops_validation(params: dict[str, Any], match: str) -> None:
    with pytest.raises(ParamError, match=match):
        REG.get("linalg.factorization_flops").problem(0, params)


@pytest.mark.parametrize(("b", "column"), [
    ([1, 0, 0], [1 / 70, 1 / 35]),
    ([0, 1, 0], [1 / 35, 2 / 35]),
    ([0, 0, 1], [3 / 70, 3 / 35]),
])
def test_pseudoinverse_columns(b: list[int], column: list[float]) -> None:
    """A⁺ = [[1/70, 1/35, 3/70], [1/35, 2/35, 3/35]] for A = [[1,2],[2,4],[3,6]], column by column."""
    p = problem("linalg.pseudoinverse", matrix=[[1, 2], [2, 4], [3, 6]], b=b)
    assert p.answer.value == pytest.approx(column, rel=1e-12)
    assert "\\frac{1}{70}" in p.solution


def test_pseudoinverse_full_rank_and_validation() -> None:
    p = problem("linalg.pseudoinverse", matrix=[[1, 0], [0, 2], [0, 0]], b=[3, 4, 5])
    assert p.answer.value == pytest.approx([3, 2], rel=1e-12)
    with pytest.raises(ParamError, match=r"b must have one entry per row of the matrix \(3\) \(got 2 entries\)"):
        REG.get("linalg.pseudoinverse").problem(0, {"matrix": [[1, 2], [2, 4], [3, 6]], "b": [1, 2]})


def test_lowrank_error() -> None:
    p = problem("linalg.lowrank_error", matrix=[[3, 0, 0], [0, 2, 0], [0, 0, 1]], k=1)
    assert p.answer.value == pytest.approx([math.sqrt(5), 2], rel=1e-12)
    assert not any(accepts(p.answer, d.value) for d in p.distractors)
    with pytest.raises(ParamError, match=r"k must be < min\(rows, columns\) = 3 \(got 3\)"):
        REG.get("linalg.lowrank_error").problem(0, {"matrix": [[3, 0, 0], [0, 2, 0], [0, 0, 1]], "k": 3})


def test_det_exp() -> None:
    p = problem("linalg.det_exp", matrix=[[0.5, 1], [-0.3, 0.2]])
    assert p.answer.value == pytest.approx(math.exp(0.7), rel=1e-12)
    with pytest.raises(ParamError, match=r"matrix must be square \(got 2×3\)"):
        REG.get("linalg.det_exp").problem(0, {"matrix": [[1, 0, 0], [0, 1, 0]]})


# -- review fixes: ill-conditioned and decimal matrices, float range ------------------------


def test_condition_number_ill_conditioned_decimal() -> None:
    # A = [[1, 1], [1, 1 + δ]] is symmetric: κ = λmax/λmin = λmax²/δ = 4/δ + 2 + δ/4 for the decimal δ = 1e-15
    # (float Jacobi gave 3.64e15; the float64 value of 1.000000000000001 would give 3.60e15)
    p = problem("linalg.condition_number", matrix=[[1, 1], [1, 1.000000000000001]])
    assert p.answer.value == pytest.approx(4e15 + 2, rel=1e-12)
    assert "\\frac{9007199254740997}" not in p.solution  # AᵀA is shown with the decimals, not binary fractions


@pytest.mark.parametrize(("gen_id", "matrix", "match"), [
    ("linalg.condition_number", [[1e200, 0], [0, 1]], r"matrix entries must be 0 or between 1e-100 and 1e100"),
    ("linalg.condition_number", [[1e-170, 0], [0, 1]], r"matrix entries must be 0 or between"),
    ("linalg.normal_equations_condition", [[1e-90, 0], [0, 1e90]], r"κ₂\(A\)\^2 is above 1e300"),
])
def test_condition_number_float_range(gen_id: str, matrix: Any, match: str) -> None:
    with pytest.raises(ParamError, match=match):
        REG.get(gen_id).problem(0, {"matrix": matrix})


def test_condition_number_extreme_but_valid() -> None:
    assert problem("linalg.condition_number", matrix=[[1e-90, 0], [0, 1e90]]).answer.value == pytest.approx(1e180)
    assert problem("linalg.normal_equations_condition",
                   matrix=[[1e-50, 0], [0, 1e50]]).answer.value == pytest.approx(1e200)


def test_lowrank_error_rank_deficient_is_exactly_zero() -> None:
    p = problem("linalg.lowrank_error", matrix=[[1, 2], [2, 4], [3, 6]], k=1)
    assert p.answer.value == [0.0, 0.0]
    assert accepts(p.answer, [0, 0])
    # rank 2: the third singular value is exactly 0 (float Jacobi printed 2.49e-16)
    q = problem("linalg.lowrank_error", matrix=[[6, -6, -3], [8, 1, -4], [8, -7, -4]], k=1)
    assert "e-16" not in q.solution and "10^{-16}" not in q.solution
    r = problem("linalg.lowrank_error", matrix=[[1e-90, 0], [0, 1e-90]], k=1)  # underflowed to 0 before
    assert r.answer.value == pytest.approx([1e-90, 1e-90], rel=1e-12)


def test_pseudoinverse_decimal_entries_and_range() -> None:
    p = problem("linalg.pseudoinverse", matrix=[[0.1, 0.2], [0.3, 0.4]], b=[1, 2])
    assert p.answer.value == [0.0, 5.0]  # A⁻¹ = [[-20, 10], [15, -5]] for the decimals shown
    with pytest.raises(ParamError, match=r"b gives x = A⁺b an entry of about 1e600"):
        REG.get("linalg.pseudoinverse").problem(0, {"matrix": [[1e-300, 0], [0, 1]], "b": [1e300, 2]})


def test_det_exp_singular_entrywise_exp_and_range() -> None:
    # two equal columns: exp entry by entry is singular, which crashed mpmath.det (seed 1339)
    p = problem("linalg.det_exp", matrix=[[-0.7, -0.7, -0.1], [0.9, 0.9, 0.9], [0.2, 0.2, 0.4]])
    assert p.answer.value == pytest.approx(math.exp(0.6), rel=1e-12)
    assert REG.get("linalg.det_exp").problem(1339).answer.value == pytest.approx(math.exp(0.6), rel=1e-12)
    with pytest.raises(ParamError, match=r"matrix trace must be at least -700 \(got -1000\)"):
        REG.get("linalg.det_exp").problem(0, {"matrix": [[-800, 0], [0, -200]]})
    q = problem("linalg.det_exp", matrix=[[300, 400], [400, 300]])  # exp entry by entry overflows: no inf
    assert all(math.isfinite(d.value) for d in q.distractors)  # type: ignore[arg-type]


def test_linalg_cli_range_error_is_one_line() -> None:
    r = CliRunner().invoke(cli, ["show", "linalg.lowrank_error", "--param", "matrix=[[1e200,0],[0,1e200]]",
                                 "--param", "k=1"])
    assert r.exit_code == 2
    assert r.output.startswith("error: --param matrix=[[1e200,0],[0,1e200]]: matrix entries must be")
    assert r.output.count("\n") == 1


def test_eigen_moduli_ratio_equals_mpmath_eig() -> None:
    """The |λmax/λmin| distractor (roots of the characteristic polynomial, refined by Newton) is the
    float that mpmath's QR eigenvalues give, on random integer matrices and on ones with repeated,
    complex or clustered eigenvalues (which go to eig), and numpy agrees to 1e-9."""
    import random
    import sys

    import mpmath
    import numpy as np

    linalg = sys.modules[type(REG.get("linalg.condition_number")).__module__]
    rng = random.Random(16)
    cases: list[list[list[int]]] = [
        [[2, 0, 0], [0, 2, 0], [0, 0, 3]],  # a repeated eigenvalue
        [[1, 1, 0], [0, 1, 1], [0, 0, 1]],  # a Jordan block
        [[0, -1, 0], [1, 0, 0], [0, 0, 5]],  # ±i and 5
        [[3, 1, 0, 0], [0, 3, 0, 0], [0, 0, -3, 0], [0, 0, 0, 3]],  # |λ| all 3
        [[1, 2], [3, 4]],
        [[0, 1], [-1, 0]],
    ]
    for _ in range(400):
        n = rng.choice([2, 3, 3, 4])
        a = [[rng.randint(-9, 9) for _ in range(n)] for _ in range(n)]
        if round(np.linalg.det(np.array(a, dtype=float))) != 0:
            cases.append(a)
    for a in cases:
        with mpmath.workdps(30):
            ev = [abs(e) for e in mpmath.eig(mpmath.matrix(a), left=False, right=False)]
            want = float(max(ev) / min(ev))
        assert linalg.eigen_moduli_ratio(a, 30) == want, a
        moduli = np.abs(np.linalg.eigvals(np.array(a, dtype=float)))
        assert want == pytest.approx(moduli.max() / moduli.min(), rel=1e-9)
        char = [round(c) for c in np.poly(np.array(a, dtype=float))]
        assert linalg.charpoly(a) == char, a


# -- fast exact paths (issue 16, speed): each against the plain Fraction computation ----------


def _linalg_module() -> Any:
    import sys

    return sys.modules[type(REG.get("linalg.pseudoinverse")).__module__]


def _random_matrix(rng: Any, rows: int, cols: int, decimals: bool = False) -> list[list[Any]]:
    """Integer matrices of every rank: dense, outer products (rank 1), zero, dependent rows and
    columns; with ``decimals``, some decimal and float entries too."""
    kind = rng.choice(["dense", "dense", "outer", "zero", "dep_row", "dep_col", "sparse"])
    if kind == "outer":
        u, v = [rng.randint(-3, 3) for _ in range(rows)], [rng.randint(-3, 3) for _ in range(cols)]
        a = [[x * y for y in v] for x in u]
    elif kind == "zero":
        a = [[0] * cols for _ in range(rows)]
    else:
        a = [[rng.randint(-9, 9) if kind != "sparse" or rng.random() < 0.3 else 0 for _ in range(cols)]
             for _ in range(rows)]
    if kind == "dep_row" and rows > 2:
        k = rng.randint(-3, 3)
        a[-1] = [k * x + y for x, y in zip(a[0], a[1], strict=True)]
    if kind == "dep_col" and cols > 2:
        k = rng.randint(-3, 3)
        for row in a:
            row[-1] = k * row[0] - row[1]
    if decimals and rng.random() < 0.3:
        i, j = rng.randrange(rows), rng.randrange(cols)
        a[i][j] = rng.choice([0.5, -1.25, 0.1, 2.0, 1e-3])
    return a


def test_rank_of_equals_rank_of_the_fractions() -> None:
    import random

    linalg = _linalg_module()
    rng = random.Random(160)
    for _ in range(600):
        a = _random_matrix(rng, rng.randint(1, 6), rng.randint(1, 6), decimals=True)
        assert linalg.rank_of(a) == linalg.rank(linalg.fmat(a)) == len(linalg.rref(linalg.fmat(a))[1]), a


def test_pseudoinverse_closed_forms_equal_the_elimination() -> None:
    """pinv_solution (the closed forms for integer matrices of rank ≤ 1 or rank 2 with two rows or
    columns), basic_lstsq_of and transpose_times (integer elimination and sums) give the Fractions
    of pinv, basic_lstsq and matvec on Fractions, for integer and decimal b; decimal matrices and
    other shapes and ranks still go through the general code (and agree trivially)."""
    import random
    from fractions import Fraction

    linalg = _linalg_module()
    rng = random.Random(161)
    fast = 0
    for t in range(700):
        shape = rng.choice([(3, 2), (2, 3), (2, 2), (3, 3), (4, 2), (2, 4), (1, 3), (3, 1), (4, 3)])
        a = _random_matrix(rng, *shape, decimals=t % 5 == 0)
        b: list[Any] = [rng.randint(-9, 9) for _ in range(len(a))]
        if rng.random() < 0.3:
            b = [rng.choice([x, x / 4, 0.1 * x, 1.5]) for x in b]
        fa, fb = linalg.fmat(a), [linalg.dec(x) for x in b]
        want = linalg.pinv(fa)
        if linalg.rank(fa) == 0:
            assert want == [[Fraction(0)] * len(a) for _ in a[0]]
        got_ap, got_x = linalg.pinv_solution(a, b)
        assert got_ap == want, a
        assert got_x == linalg.matvec(want, fb), (a, b)
        assert linalg.basic_lstsq_of(a, b) == linalg.basic_lstsq(fa, fb), (a, b)
        assert linalg.transpose_times(a, b) == linalg.matvec(linalg.transpose(fa), fb), (a, b)
        if linalg._is_int_matrix(a) and linalg._pinv_ints(a, linalg.rank(fa)) is not None:
            fast += 1
    assert fast > 400


def test_gram_equals_the_fraction_product() -> None:
    import random

    linalg = _linalg_module()
    rng = random.Random(162)
    for _ in range(400):
        a = _random_matrix(rng, rng.randint(1, 6), rng.randint(1, 4), decimals=True)
        fa = linalg.fmat(a)
        assert linalg.gram(a) == linalg.matmul(linalg.transpose(fa), fa), a


def test_det_of_equals_the_fraction_determinant() -> None:
    """det_of (Bareiss on the entries scaled to integers) is det() of the Fractions of the binary values."""
    import random
    from fractions import Fraction

    linalg = _linalg_module()
    rng = random.Random(163)
    for t in range(800):
        n = rng.randint(1, 5)
        pool = [0, 0, 1, -1, rng.randint(-9, 9), round(rng.uniform(-1, 1), 1), rng.uniform(-5, 5),
                rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)]
        a = [[rng.choice(pool) for _ in range(n)] for _ in range(n)]
        if n > 1 and t % 3 == 0:  # singular: a repeated column or row
            if rng.random() < 0.5:
                for row in a:
                    row[-1] = row[0]
            else:
                a[-1] = list(a[0])
        assert linalg.det_of(a) == linalg.det([[Fraction(x) for x in row] for row in a]), a


def test_mp_exp30_is_mpmath_exp() -> None:
    """The cached exp of a matrix entry is mpmath's exp at 30 digits."""
    import mpmath

    linalg = _linalg_module()
    for x in [0, 1, -1, 3, 0.1, -0.7, 2.5, -9]:
        with mpmath.workdps(30):
            want = mpmath.exp(mpmath.mpf(x))
        assert linalg._mp_exp30(x) == want


def test_pseudoinverse_rank_one_decimal_norm_is_the_decimal_one() -> None:
    """‖A‖²_F of a decimal matrix is shown from the decimals the learner reads (0.1 is 1/10), not
    from their binary values: [[0.1, 0.2], [0.2, 0.4]] has ‖A‖²_F = 0.01 + 0.04 + 0.04 + 0.16 = 1/4."""
    p = problem("linalg.pseudoinverse", matrix=[[0.1, 0.2], [0.2, 0.4]], b=[1, 0])
    assert "\\left\\| A \\right\\|_F^2 = \\frac{1}{4}" in p.solution or "_F^2 = 0.25" in p.solution, p.solution
    assert "1298074214633706907132624082305024" not in p.solution
