"""Linear algebra: condition numbers, the normal equations, factorization costs, the
pseudoinverse, low-rank approximation and det(exp A). Example::

    quizgen show linalg.normal_equations_condition --param matrix=[[1,1],[1,2],[1,3],[1,4]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close, require
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import keep_wrong, memo, over_common_denominator, scaled_decimals, typed_cache
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import tex
from quizgen.rng import Rng

Mat = list[list[Fraction]]

# -- exact linear algebra on Fractions (small matrices) ----------------------------------------


def dec(x: int | float | Fraction) -> Fraction:
    """The number the learner reads, exactly: a float is taken as its shortest decimal (0.1 is 1/10),
    not as its binary value, because the question prints that decimal."""
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


def fmat(a: Sequence[Sequence[int | float]]) -> Mat:
    """A matrix of exact Fractions, floats read as the decimals shown (see :func:`dec`)."""
    return [[dec(x) for x in row] for row in a]


def transpose(a: Mat) -> Mat:
    return [list(col) for col in zip(*a, strict=True)]


def matmul(a: Mat, b: Mat) -> Mat:
    bt = transpose(b)
    return [[sum((x * y for x, y in zip(row, col, strict=True)), Fraction(0)) for col in bt] for row in a]


def rref(a: Mat) -> tuple[Mat, list[int]]:
    """Reduced row echelon form and the pivot columns."""
    m = [row[:] for row in a]
    rows, cols = len(m), len(m[0])
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        piv = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        lead = m[r][c]
        m[r] = [x / lead for x in m[r]]
        for i in range(rows):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [x - f * y for x, y in zip(m[i], m[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == rows:
            break
    return m, pivots


def det(a: Mat) -> Fraction:
    """The determinant by exact elimination."""
    m = [row[:] for row in a]
    n = len(m)
    out = Fraction(1)
    for c in range(n):
        piv = next((i for i in range(c, n) if m[i][c] != 0), None)
        if piv is None:
            return Fraction(0)
        if piv != c:
            m[c], m[piv] = m[piv], m[c]
            out = -out
        out *= m[c][c]
        for i in range(c + 1, n):
            f = m[i][c] / m[c][c]
            m[i] = [x - f * y for x, y in zip(m[i], m[c], strict=True)]
    return out


def _exp(x: Fraction) -> float:
    """e^x correctly rounded (mpmath at 30 digits), the same on every platform's libm."""
    import mpmath

    with mpmath.workdps(30):
        return float(mpmath.exp(mpmath.mpf(x.numerator) / x.denominator))


def det_of(a: Sequence[Sequence[int | float]]) -> Fraction:
    """``det([[Fraction(x) for x in row] for row in a])``, the determinant of the binary values of
    the entries: scaled to integers by the largest denominator D (a power of two for floats),
    det(D·A) by Bareiss' fraction-free elimination (every division exact), over Dⁿ."""
    ratios = [[x.as_integer_ratio() for x in row] for row in a]
    den = max(d for row in ratios for _, d in row)
    m = [[x * (den // d) for x, d in row] for row in ratios]
    n, sign, prev = len(m), 1, 1
    for k in range(n - 1):
        if m[k][k] == 0:
            piv = next((i for i in range(k + 1, n) if m[i][k] != 0), None)
            if piv is None:
                return Fraction(0)
            m[k], m[piv] = m[piv], m[k]
            sign = -sign
        top, lead = m[k], m[k][k]
        for i in range(k + 1, n):
            row, f = m[i], m[i][k]
            for j in range(k + 1, n):
                row[j] = (row[j] * lead - f * top[j]) // prev
        prev = lead
    return Fraction(sign * m[n - 1][n - 1], den**n)


@functools.lru_cache(maxsize=512)
def _mp_exp30(x: int | float) -> Any:
    """mpmath's exp(mpf(x)) at 30 digits (a matrix entry; the same mpf however often asked)."""
    import mpmath

    with mpmath.workdps(30):
        return mpmath.exp(mpmath.mpf(x))


def rank(a: Mat) -> int:
    """The exact rank: fraction-free elimination on the rows scaled to integers (the same number as
    ``len(rref(a)[1])``, without Fraction arithmetic)."""
    return _rank_ints([over_common_denominator(row)[1] for row in a])


def _is_int_matrix(a: Sequence[Sequence[Any]]) -> bool:
    """Every entry a plain int (not a float, not a bool): the drawn case, where exact work can stay
    in integer arithmetic."""
    return all(type(x) is int for row in a for x in row)


def rank_of(a: Sequence[Sequence[int | float]]) -> int:
    """``rank(fmat(a))``; an integer matrix goes to the same integer elimination without building
    Fractions first."""
    if _is_int_matrix(a):
        return _rank_ints([[int(x) for x in row] for row in a])
    return rank(fmat(a))


def _rank_ints(m: list[list[int]]) -> int:
    """The rank of an integer matrix by fraction-free elimination; ``m`` is overwritten."""
    return len(_eliminate(m, jordan=False))


def _eliminate(m: list[list[int]], jordan: bool) -> list[tuple[int, int]]:
    """Fraction-free elimination of the integer matrix ``m`` in place (each new row divided by the
    gcd of its entries), column by column; the pivots as (row, column). ``jordan``: clear each
    pivot's column above it too (Gauss–Jordan), so every pivot row is a multiple of the matching
    row of the reduced row echelon form."""
    rows, cols = len(m), len(m[0])
    pivots: list[tuple[int, int]] = []
    for c in range(cols):
        r = len(pivots)
        piv = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        top = m[r]
        lead = top[c]
        for i in range(0 if jordan else r + 1, rows):
            f = m[i][c]
            if i != r and f:
                new = [x * lead - y * f for x, y in zip(m[i], top, strict=True)]
                g = math.gcd(*new)
                m[i] = [x // g for x in new] if g > 1 else new
        pivots.append((r, c))
        if len(pivots) == rows:
            break
    return pivots


def inverse(a: Mat) -> Mat:
    n = len(a)
    aug = [row + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    r, piv = rref(aug)
    if piv[:n] != list(range(n)):
        raise ZeroDivisionError("singular matrix")
    return [row[n:] for row in r]


def pinv(a: Mat) -> Mat:
    """The Moore–Penrose pseudoinverse, exactly, from a full-rank factorization A = C F:
    A⁺ = Fᵀ (F Fᵀ)⁻¹ (Cᵀ C)⁻¹ Cᵀ."""
    r, piv = rref(a)
    if not piv:
        return [[Fraction(0)] * len(a) for _ in a[0]]
    f = r[: len(piv)]
    c = [[row[j] for j in piv] for row in a]
    ft, ct = transpose(f), transpose(c)
    return matmul(matmul(ft, inverse(matmul(f, ft))), matmul(inverse(matmul(ct, c)), ct))


def basic_lstsq(a: Mat, b: list[Fraction]) -> list[Fraction]:
    """A least-squares solution of AᵀA x = Aᵀb with every free variable set to 0 (not min-norm)."""
    at = transpose(a)
    g = matmul(at, a)
    rhs = [sum((x * y for x, y in zip(row, b, strict=True)), Fraction(0)) for row in at]
    r, piv = rref([row + [v] for row, v in zip(g, rhs, strict=True)])
    x = [Fraction(0)] * len(a[0])
    for i, c in enumerate(piv):
        x[c] = r[i][-1]
    return x


def matvec(a: Mat, v: list[Fraction]) -> list[Fraction]:
    return [sum((x * y for x, y in zip(row, v, strict=True)), Fraction(0)) for row in a]


# -- the same exact results in integer arithmetic, for integer matrices (the drawn case) --------


def _pinv_ints(a: Sequence[Sequence[int]], r: int) -> tuple[list[list[int]], int] | None:
    """A⁺ = N / d (an integer matrix N, an integer d > 0) for an integer matrix A of rank r, by a
    closed form, or None where none of these applies:

    - rank 0: A⁺ = 0;
    - rank 1, A = u vᵀ: A⁺ = v uᵀ / (‖u‖²‖v‖²) = Aᵀ / ‖A‖²_F;
    - rank 2 = columns: A⁺ = (AᵀA)⁻¹ Aᵀ = adj(G) Aᵀ / det G with G = AᵀA (2×2);
    - rank 2 = rows: A⁺ = Aᵀ (AAᵀ)⁻¹ = Aᵀ adj(H) / det H with H = AAᵀ (2×2).

    The pseudoinverse is unique, so N / d, reduced entry by entry, is the Fraction matrix that
    :func:`pinv` computes by elimination."""
    rows, cols = len(a), len(a[0])
    at = [list(col) for col in zip(*a, strict=True)]
    if r == 0:
        return [[0] * rows for _ in range(cols)], 1
    if r == 1:
        return at, sum(x * x for row in a for x in row)
    if r == 2 and 2 in (rows, cols):
        tall = cols == 2
        u, v = (at if tall else a)  # G = AᵀA from the columns of A, H = AAᵀ from its rows
        p, q, s = sum(x * x for x in u), sum(x * y for x, y in zip(u, v, strict=True)), sum(y * y for y in v)
        uv = list(zip(u, v, strict=True))
        if tall:  # adj(G) Aᵀ: rows s·u − q·v and p·v − q·u
            return [[s * x - q * y for x, y in uv], [p * y - q * x for x, y in uv]], p * s - q * q
        return [[s * x - q * y, p * y - q * x] for x, y in uv], p * s - q * q  # Aᵀ adj(H)
    return None


def pinv_solution(a: Sequence[Sequence[int | float]], b: Sequence[int | float]) -> tuple[Mat, list[Fraction]]:
    """(A⁺, A⁺b) exactly, for the decimals shown: ``pinv(fmat(a))`` and its product with b. An integer
    matrix of rank ≤ 1, or of rank 2 with two rows or two columns, takes the closed form of
    :func:`_pinv_ints`, with A⁺b = (N b) / d summed in integers; anything else goes to :func:`pinv`."""
    fast = _pinv_ints(a, rank_of(a)) if _is_int_matrix(a) else None  # type: ignore[arg-type]
    if fast is None:
        ap = pinv(fmat(a))
        return ap, matvec(ap, [dec(x) for x in b])
    n, d = fast
    den, bi = scaled_decimals(b)
    return ([[Fraction(x, d) for x in row] for row in n],
            [Fraction(sum(x * y for x, y in zip(row, bi, strict=True)), d * den) for row in n])


def basic_lstsq_of(a: Sequence[Sequence[int | float]], b: Sequence[int | float]) -> list[Fraction]:
    """``basic_lstsq(fmat(a), [dec(x) for x in b])``. For an integer A: the normal equations
    AᵀA x = Aᵀ(L b) in integers (L the common denominator of b), brought to a reduced echelon form
    by fraction-free Gauss–Jordan elimination. Each pivot row is a multiple of the matching row of
    the reduced row echelon form (which is unique), so x at a pivot column is its right-hand side
    over its pivot, divided by L; free variables are 0, as in :func:`basic_lstsq`."""
    if not _is_int_matrix(a):
        return basic_lstsq(fmat(a), [dec(x) for x in b])
    den, bi = scaled_decimals(b)
    at = [list(col) for col in zip(*a, strict=True)]
    m = [[sum(x * y for x, y in zip(u, v, strict=True)) for v in at] + [sum(x * y for x, y in zip(u, bi, strict=True))]
         for u in at]
    pivots = _eliminate(m, jordan=True)
    x = [Fraction(0)] * len(at)
    for i, c in pivots:
        x[c] = Fraction(m[i][-1], m[i][c] * den)
    return x


def transpose_times(a: Sequence[Sequence[int | float]], b: Sequence[int | float]) -> list[Fraction]:
    """``matvec(transpose(fmat(a)), [dec(x) for x in b])``, summed in integers for an integer A."""
    if not _is_int_matrix(a):
        return matvec(transpose(fmat(a)), [dec(x) for x in b])
    den, bi = scaled_decimals(b)
    return [Fraction(sum(x * y for x, y in zip(col, bi, strict=True)), den) for col in zip(*a, strict=True)]


# -- formatting ----------------------------------------------------------------------------


def entry_tex(x: Fraction | int | float | str) -> str:
    if isinstance(x, str):  # already formatted
        return x
    if isinstance(x, float) and "e" in repr(x):  # 1e-05 → 1 × 10^{-5}
        mant, exp = repr(x).split("e")
        return f"{mant.removesuffix('.0')} \\times 10^{{{int(exp)}}}"
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        sign = "-" if x < 0 else ""
        return f"{sign}\\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x) if isinstance(x, int) else repr(x)


def mat_tex(a: Sequence[Sequence[Fraction | int | float | str]]) -> str:
    body = " \\\\ ".join(" & ".join(entry_tex(x) for x in row) for row in a)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"


def vec_tex(v: Sequence[Fraction | int | float]) -> str:
    return mat_tex([[x] for x in v])



def shape_text(a: Sequence[Sequence[Any]]) -> str:
    return f"{len(a)} \\times {len(a[0])}"


def _int_matrix(rng: Rng, rows: int, cols: int, lo: int = -9, hi: int = 9) -> list[list[int]]:
    return [[rng.integer(lo, hi) for _ in range(cols)] for _ in range(rows)]


def sigmas(a: Sequence[Sequence[int | float]]) -> list[float]:
    """Singular values of A, largest first; exactly 0 past the exact rank of A.

    Small integer matrices that are not too ill-conditioned (all drawn ones) use one-sided Jacobi in
    floats (:func:`_jacobi_sigmas`). Anything else (decimal entries, huge or tiny entries, κ above
    1e6, where float Jacobi loses digits or overflows) uses an mpmath SVD of the exact entries at a
    precision that grows with κ. Both are pure Python, so the result is the same on every machine.
    """
    key = tuple(tuple(row) for row in a)
    return list(_sigmas_cached(key))


@typed_cache(maxsize=256)
def _sigmas_cached(a: tuple[tuple[int | float, ...], ...]) -> tuple[float, ...]:
    k = min(len(a), len(a[0]))
    r = rank_of(a)
    if r == 0:
        return (0.0,) * k
    if all(isinstance(x, int) and abs(x) <= 2**20 for row in a for x in row):
        s = _jacobi_sigmas(a)
        if s[r - 1] > 0 and s[0] / s[r - 1] <= 1e6:
            return tuple(s[:r]) + (0.0,) * (k - r)
    return _mp_sigmas(fmat(a), r)


def _mp_sigmas(m: Mat, r: int) -> tuple[float, ...]:
    """The singular values of the exact matrix m (rank r > 0) by mpmath, with 30 digits to spare
    beyond log10 κ, so that σ_r is right to far below the grading tolerance."""
    import mpmath

    k = min(len(m), len(m[0]))
    dps = 40
    while True:
        with mpmath.workdps(dps):
            mm = mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in m])
            sv = mpmath.svd_r(mm, compute_uv=False)
            vals = sorted((sv[i] for i in range(len(sv))), reverse=True)
            need = int(mpmath.log10(vals[0] / vals[r - 1])) + 30 if vals[r - 1] > 0 else 2 * dps
            if need <= dps:
                return tuple(float(v) for v in vals[:r]) + (0.0,) * (k - r)
        dps = need + 10


def _jacobi_sigmas(a: Sequence[Sequence[int | float]]) -> list[float]:
    """Singular values of A, largest first, by one-sided (Hestenes) Jacobi in pure Python.

    AᵀA is never formed, and Jacobi has high relative accuracy even for the smallest σ. Only
    +, −, ×, ÷ and sqrt are used, so the result is bit-identical on every machine (LAPACK's SVD
    can differ in the last bits between CPUs, which would break the golden files).
    """
    rows, cols = len(a), len(a[0])
    cs = [[float(a[i][j]) for i in range(rows)] for j in range(cols)]
    if rows < cols:  # same singular values; work on the transpose so there are min(m, n) columns
        cs = [[float(x) for x in row] for row in a]
    n = len(cs)
    for _ in range(60):
        rotated = False
        for i in range(n - 1):
            for j in range(i + 1, n):
                x, y = cs[i], cs[j]
                alpha = math.fsum(v * v for v in x)
                beta = math.fsum(v * v for v in y)
                gamma = math.fsum(u * v for u, v in zip(x, y, strict=True))
                if gamma == 0 or abs(gamma) <= 1e-15 * math.sqrt(alpha * beta):
                    continue
                rotated = True
                zeta = (beta - alpha) / (2 * gamma)
                t = (1.0 if zeta >= 0 else -1.0) / (abs(zeta) + math.sqrt(1 + zeta * zeta))
                c = 1 / math.sqrt(1 + t * t)
                sn = c * t
                cs[i] = [c * u - sn * v for u, v in zip(x, y, strict=True)]
                cs[j] = [sn * u + c * v for u, v in zip(x, y, strict=True)]
        if not rotated:
            break
    return sorted((math.sqrt(math.fsum(v * v for v in col)) for col in cs), reverse=True)


def charpoly(a: Sequence[Sequence[int]]) -> list[int]:
    """The characteristic polynomial det(xI − A) of a square integer matrix, highest power first
    (Faddeev–LeVerrier: c_k = −tr(A·M_k)/k, an exact integer division)."""
    n = len(a)
    m = [[0] * n for _ in range(n)]
    c, out = 1, [1]
    for k in range(1, n + 1):
        m = [[sum(a[i][t] * m[t][j] for t in range(n)) + (c if i == j else 0) for j in range(n)] for i in range(n)]
        c = -sum(a[i][t] * m[t][i] for i in range(n) for t in range(n)) // k
        out.append(c)
    return out


def eigen_moduli_ratio(a: Sequence[Sequence[int]], dps: int) -> float:
    """max |λ| / min |λ| over the eigenvalues of a square integer matrix, from ``dps`` digits.

    The roots of the exact characteristic polynomial (for 2×2, the quadratic formula): found in
    complex floats (Durand–Kerner), then each refined by Newton's method in mpmath at ``dps``
    digits, which is pure Python, so the result is the same on every machine. Repeated or
    clustered roots, where Newton stalls, and non-integer entries go to mpmath's ``eig`` (a QR
    iteration, about 4× slower)."""
    import mpmath

    ints = all(type(x) is int for row in a for x in row)
    coeffs = charpoly(a) if ints else []
    with mpmath.workdps(dps):
        if ints and len(a) == 2 and coeffs[-1] != 0:  # λ = (t ± √(t² − 4d)) / 2
            t, disc = -coeffs[1], coeffs[1] ** 2 - 4 * coeffs[2]
            if disc < 0:
                return 1.0  # a complex pair: |λ₁| = |λ₂|
            r = mpmath.sqrt(disc)
            big, small = abs(t + r), abs(t - r)
            return float(max(big, small) / min(big, small))
        roots = _polished_roots(coeffs, dps) if ints and coeffs[-1] != 0 else None
        if roots is None:
            m = fmat(a)
            roots = mpmath.eig(mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in m]),
                               left=False, right=False)
        moduli = [abs(r) for r in roots]
        return float(max(moduli) / min(moduli))


def _polished_roots(coeffs: list[int], dps: int) -> list[Any] | None:
    """The roots of the integer polynomial ``coeffs`` to ``dps`` digits (mpmath, at that working
    precision), or None if they are not simple and well apart."""
    import mpmath

    n = len(coeffs) - 1
    scale = 1 + max(abs(x) for x in coeffs[1:])
    z = [complex(0.4, 0.9) ** k * math.sqrt(scale) for k in range(n)]
    for _ in range(500):  # Durand–Kerner: all roots at once, to about float precision
        moved = False
        for i in range(n):
            den, val = complex(1), complex(0)
            for j in range(n):
                if j != i:
                    den *= z[i] - z[j]
            for c in coeffs:
                val = val * z[i] + c
            step = val / den if den != 0 else complex(0)
            z[i] -= step
            moved = moved or abs(step) > 1e-14 * max(1.0, abs(z[i]))
        if not moved:
            break
    tiny, out = mpmath.mpf(10) ** (-(dps // 2) - 2), []
    for z0 in z:
        x = mpmath.mpc(z0.real, z0.imag)
        for _ in range(12):  # Newton doubles the correct digits: done one step after half of them
            val, der = mpmath.mpc(0), mpmath.mpc(0)
            for c in coeffs:
                der = der * x + val
                val = val * x + c
            if der == 0:
                return None
            step = val / der
            x -= step
            if abs(step) <= abs(x) * tiny:
                val, der = mpmath.mpc(0), mpmath.mpc(0)
                for c in coeffs:
                    der = der * x + val
                    val = val * x + c
                x -= val / der
                break
        else:
            return None
        out.append(x)
    apart = mpmath.mpf(10) ** (-(dps // 2))
    if any(abs(out[i] - out[j]) <= abs(out[i]) * apart for i in range(n) for j in range(i)):
        return None
    return out


def gram_eigen_bounds(a: Sequence[Sequence[int | float]]) -> list[float]:
    """Eigenvalues of AᵀA from its exact characteristic polynomial (sympy, rational arithmetic),
    with each real root isolated to an interval far narrower than the smallest root; smallest first."""
    import sympy

    m = sympy.Matrix([[sympy.Rational(dec(x).numerator, dec(x).denominator) for x in row] for row in a])
    g = m.T * m
    lam = sympy.Symbol("lam")
    poly = sympy.Poly(g.charpoly(lam).as_expr(), lam)
    # λmin ≥ det(G) / tr(G)^(n−1): isolate every root to a width far below the smallest one
    n, tr, dt = g.shape[0], g.trace(), g.det()
    floor = dt / tr ** (n - 1) if dt > 0 else sympy.Rational(1)
    ivals = poly.intervals(eps=min(sympy.Rational(1, 10**18), floor / 10**15))
    roots: list[float] = []
    for (lo, hi), mult in ivals:
        roots += [float((lo + hi) / 2)] * mult
    return sorted(roots)


# -- generators ----------------------------------------------------------------------------


def _matrix_param(help_: str) -> Param:
    return Param("matrix", "matrix", help_, lo=-9, hi=9, len_lo=2, len_hi=6, min_len=1, max_len=12)


SHAPES = ((2, 2),) * 8 + ((3, 2), (4, 2), (5, 2), (6, 2), (3, 2)) + ((3, 3),) * 3 + ((4, 3), (5, 3), (6, 3)) + \
    ((4, 4),) * 2


ENTRY_MIN, ENTRY_MAX = 1e-100, 1e100


def _entries_in_range(a: Sequence[Sequence[int | float]], why: str) -> None:
    """Entries far outside float64's comfortable range make σ², κ² or the answer overflow."""
    for row in a:
        for x in row:
            if x != 0 and not ENTRY_MIN <= abs(x) <= ENTRY_MAX:
                raise ParamError(f"matrix entries must be 0 or between 1e-100 and 1e100 in magnitude (got {x}): "
                                 f"rescale the matrix ({why})")


def _kappa_in_range(a: Sequence[Sequence[int | float]], power: int) -> None:
    """κ₂(A)^power must be a finite float64 (σmin > 0 is checked before, with the exact rank)."""
    s = sigmas(a)
    if math.log10(s[0]) - math.log10(s[-1]) > 300 / power:
        what = "κ₂(A)" if power == 1 else f"κ₂(A)^{power}"
        raise ParamError(f"matrix is too close to rank-deficient: {what} is above 1e300 and overflows float64; "
                         "change an entry")


def _full_column_rank(p: Params) -> None:
    a = p["matrix"]
    rows, cols = len(a), len(a[0])
    if cols > 12:
        raise ParamError(f"matrix must have at most 12 columns (got {cols})")
    _entries_in_range(a, "κ does not change when A is scaled")
    if rows < cols:
        raise ParamError(f"matrix must have at least as many rows as columns (got {rows}×{cols}): a wide "
                         "matrix has a null space, so σmin = 0 and κ is infinite; transpose it")
    r = rank_of(a)
    if r < cols:
        raise ParamError(f"matrix must have full column rank (got rank {r} < {cols} columns): σmin = 0 and κ is "
                         "infinite; change an entry")


def _draw_conditioned(rng: Rng, kappa_max: float) -> list[list[int]]:
    for _ in range(500):
        rows, cols = rng.choice(SHAPES)
        a = _int_matrix(rng, rows, cols)
        if rank_of(a) < cols:
            continue
        s = sigmas(a)
        if 1.2 <= s[0] / s[-1] <= kappa_max:
            return a
    raise DrawError("no well-posed integer matrix in 500 tries")


def exact_tex(x: Fraction) -> str:
    """A rational for math: exact when short (an integer, or the terminating decimal of products of
    decimal entries such as 1.0001² = 1.00020001), else 12 significant figures."""
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if x.denominator == 1 or d != 1:
        out = entry_tex(x)
    else:
        k = 0
        while (x * 10**k).denominator != 1:
            k += 1
        digits = str(abs(x.numerator * 10**k // x.denominator)).rjust(k + 1, "0")
        out = ("-" if x < 0 else "") + digits[:-k] + "." + digits[-k:]
    return out if len(out) <= 40 else _sci_tex(x, 12)


def _sci_tex(x: Fraction, sig: int) -> str:
    """``m \\times 10^{e}`` to ``sig`` figures, also for rationals beyond float64's range."""
    if x == 0:
        return "0"
    ax = abs(x)
    e = len(str(ax.numerator)) - len(str(ax.denominator))
    if ax >= Fraction(10) ** e * 10:
        e += 1
    while ax < Fraction(10) ** e:
        e -= 1
    mant = f"{float(ax / Fraction(10) ** e):.{sig - 1}f}".rstrip("0").rstrip(".")
    return ("-" if x < 0 else "") + (mant if e == 0 else f"{mant} \\times 10^{{{e}}}")


def gram(a: Sequence[Sequence[int | float]]) -> Mat:
    """AᵀA exactly, ``matmul(transpose(fmat(a)), fmat(a))``; for an integer matrix the dot products
    of its columns are summed in integers."""
    if not _is_int_matrix(a):
        return matmul(transpose(fmat(a)), fmat(a))
    cols = list(zip(*a, strict=True))
    return [[Fraction(sum(x * y for x, y in zip(u, v, strict=True))) for v in cols] for u in cols]


def _gram_story(a: Sequence[Sequence[int | float]]) -> str:
    """A sentence with AᵀA and its eigenvalues (closed form for two columns)."""
    g = gram(a)
    s = sigmas(a)
    lams = [x * x for x in s]
    head = f"\\[A^T A = {mat_tex([[exact_tex(x) for x in row] for row in g])}\\]"
    t, d = g[0][0] + g[-1][-1], g[0][0] * g[-1][-1] - g[0][-1] * g[-1][0]
    disc = t * t - 4 * d
    if len(g) == 2 and all("times" not in exact_tex(x) for x in (t, d, disc)):
        return (f"{head} For a 2×2 symmetric matrix with trace \\(t = {exact_tex(t)}\\) and determinant "
                f"\\(d = {exact_tex(d)}\\), \\(\\lambda_{{\\pm}} = \\frac{{t \\pm \\sqrt{{t^2 - 4d}}}}{{2}} = "
                f"\\frac{{{exact_tex(t)} \\pm \\sqrt{{{exact_tex(disc)}}}}}{{2}}\\), so \\(\\lambda_{{\\max}} = "
                f"{tex(lams[0])}\\) and \\(\\lambda_{{\\min}} = {tex(lams[-1])}\\).")
    listed = ", ".join(f"\\({tex(x)}\\)" for x in lams)
    return f"{head} Its eigenvalues (the roots of its characteristic polynomial) are {listed}."


class ConditionNumber(Generator):
    """The 2-norm condition number κ₂(A) = σmax/σmin of a small integer matrix.

    Example: ``quizgen show linalg.condition_number --param matrix=[[1,2],[3,4]]``
    """

    id = "linalg.condition_number"
    version = 1
    title = "What is κ₂(A) = σmax/σmin?"
    tags = ("condition-number", "svd")
    params = (_matrix_param("the matrix A (square or tall, full column rank)"),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"matrix": _draw_conditioned(rng, 1000)}

    def validate(self, p: Params) -> None:
        _full_column_rank(p)
        _kappa_in_range(p["matrix"], 1)

    def solve(self, p: Params) -> list[Answer]:
        s = sigmas(p["matrix"])
        return [Answer("κ₂(A)", s[0] / s[-1])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a = p["matrix"]
        s = sigmas(a)
        q = (f"What is the 2-norm condition number \\(\\kappa_2(A) = \\sigma_{{\\max}} / \\sigma_{{\\min}}\\) of "
             f"the \\({shape_text(a)}\\) matrix \\[A = {mat_tex(a)}\\]")
        ratio = f"\\frac{{{tex(s[0])}}}{{{tex(s[-1])}}}"
        sol = (f"The singular values of A are the square roots of the eigenvalues of \\(A^T A\\). "
               f"{_gram_story(a)} So \\(\\sigma_{{\\max}} = {tex(s[0])}\\), \\(\\sigma_{{\\min}} = {tex(s[-1])}\\) and "
               f"\\[\\kappa_2(A) = \\frac{{\\sigma_{{\\max}}}}{{\\sigma_{{\\min}}}} = {ratio}"
               f" = {tex(answers[0].value)}\\] Intuition: solving \\(Ax = b\\) can amplify relative errors in b by "
               "up to κ; in floating point you lose about \\(\\log_{10} \\kappa\\) digits.")
        return q, sol

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        a = p["matrix"]
        k = float(answers[0].values[0])
        out = []
        if len(a) == len(a[0]) > 1:
            ratio = eigen_moduli_ratio(a, 30 if k < 1e6 else 30 + int(math.log10(k)))
            out.append(Distractor(ratio, "uses |λmax/λmin| of A: that equals κ only for normal (e.g. symmetric) "
                                         "matrices"))
        out.append(Distractor(k * k, "squares κ: that is the condition number of AᵀA"))
        return keep_wrong(answers[0], [d for d in out if math.isfinite(d.value)])  # type: ignore[arg-type]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        a = p["matrix"]
        k = float(answers[0].values[0])
        if k < 1e8:  # LAPACK's σmin is good to about κ·ε relative; beyond that only the exact check counts
            assert_close("numpy.linalg.cond", k, float(np.linalg.cond(np.array(a, dtype=float))),
                         rtol=max(1e-9, 1e-14 * k))
        lam = gram_eigen_bounds(a)
        assert_close("sympy: √(λmax/λmin) of AᵀA", answers[0].value, math.sqrt(lam[-1]) / math.sqrt(lam[0]), rtol=1e-6)


class NormalEquationsCondition(Generator):
    """κ₂(AᵀA) = κ₂(A)²: why the normal equations lose twice the digits.

    Example: ``quizgen show linalg.normal_equations_condition --param matrix=[[1,1],[1,2],[1,3],[1,4]]``
    """

    id = "linalg.normal_equations_condition"
    version = 1
    title = "What is κ₂(AᵀA)?"
    tags = ("condition-number", "least-squares")
    params = (_matrix_param("the matrix A of a least-squares problem (full column rank)"),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {"matrix": _draw_conditioned(rng, 300)}

    def validate(self, p: Params) -> None:
        _full_column_rank(p)
        _kappa_in_range(p["matrix"], 2)

    def solve(self, p: Params) -> list[Answer]:
        s = sigmas(p["matrix"])  # never form AᵀA in floats: its small eigenvalues lose digits
        return [Answer("κ₂(AᵀA)", (s[0] / s[-1]) ** 2)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a = p["matrix"]
        s = sigmas(a)
        q = (f"Least squares via the normal equations solves \\(A^T A x = A^T b\\). What is the 2-norm "
             f"condition number \\(\\kappa_2(A^T A)\\) for \\[A = {mat_tex(a)}\\]")
        sol = (f"With the SVD \\(A = U \\Sigma V^T\\), \\(A^T A = V \\Sigma^2 V^T\\): its eigenvalues are "
               f"the squared singular values of A. {_gram_story(a)} \\[\\kappa_2(A^T A) = "
               f"\\frac{{\\lambda_{{\\max}}}}{{\\lambda_{{\\min}}}} = \\kappa_2(A)^2 = \\left(\\frac{{{tex(s[0])}}}"
               f"{{{tex(s[-1])}}}\\right)^2 = {tex(s[0] / s[-1])}^2 = {tex(answers[0].value)}\\] "
               "Intuition: forming \\(A^T A\\) squares the condition number, so it loses twice as many digits "
               "as a QR- or SVD-based solve of the same problem.")
        return q, sol

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        k = math.sqrt(float(answers[0].value))
        return keep_wrong(answers[0], [
            Distractor(k, "gives κ(A): forming AᵀA squares it"),
            Distractor(2 * k, "doubles κ instead of squaring it"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        lam = gram_eigen_bounds(p["matrix"])
        assert_close("sympy: λmax/λmin of AᵀA", answers[0].value, lam[-1] / lam[0], rtol=1e-6)


# -- factorization costs -------------------------------------------------------------------


class _Counter:
    """Counts the floating-point operations executed on :class:`_C` numbers."""

    flops = 0


class _C:
    """A float that counts +, −, ×, ÷ and sqrt (comparisons and sign tests are free)."""

    __slots__ = ("v",)

    def __init__(self, v: float) -> None:
        self.v = v

    def _op(self, v: float) -> _C:
        _Counter.flops += 1
        return _C(v)

    def __add__(self, o: _C) -> _C:
        return self._op(self.v + o.v)

    def __sub__(self, o: _C) -> _C:
        return self._op(self.v - o.v)

    def __mul__(self, o: _C) -> _C:
        return self._op(self.v * o.v)

    def __truediv__(self, o: _C) -> _C:
        return self._op(self.v / o.v)

    def sqrt(self) -> _C:
        return self._op(math.sqrt(self.v))


def _lu(a: list[list[_C]]) -> None:
    """Right-looking LU without pivoting (the test matrices are diagonally dominant)."""
    n = len(a)
    for k in range(n):
        for i in range(k + 1, n):
            a[i][k] = a[i][k] / a[k][k]
            for j in range(k + 1, n):
                a[i][j] = a[i][j] - a[i][k] * a[k][j]


def _cholesky(a: list[list[_C]]) -> None:
    """Right-looking Cholesky on the lower triangle."""
    n = len(a)
    for k in range(n):
        a[k][k] = a[k][k].sqrt()
        for i in range(k + 1, n):
            a[i][k] = a[i][k] / a[k][k]
        for j in range(k + 1, n):
            for i in range(j, n):
                a[i][j] = a[i][j] - a[i][k] * a[j][k]


def _householder_qr(a: list[list[_C]]) -> None:
    """Householder QR computing R in place (Q is kept implicitly as reflectors, not formed)."""
    m, n = len(a), len(a[0])
    for k in range(n):
        x = [a[i][k] for i in range(k, m)]
        ss = x[0] * x[0]
        for xi in x[1:]:
            ss = ss + xi * xi
        norm = ss.sqrt()
        alpha = _C(-norm.v if x[0].v >= 0 else norm.v)  # sign flip: free
        v = [x[0] - alpha, *x[1:]]
        vtv = v[0] * v[0]
        for vi in v[1:]:
            vtv = vtv + vi * vi
        beta = _C(2.0) / vtv
        for j in range(k + 1, n):
            w = v[0] * a[k][j]
            for i in range(1, m - k):
                w = w + v[i] * a[k + i][j]
            t = beta * w
            for i in range(m - k):
                a[k + i][j] = a[k + i][j] - t * v[i]
        a[k][k] = alpha
        for i in range(k + 1, m):
            a[i][k] = _C(0.0)


def _run_counted(method: str, m: int, n: int) -> int:
    """Run the instrumented factorization on a random m×n matrix, verify it, return its FLOPs."""
    import numpy as np

    rng = np.random.default_rng(1234 + 100 * m + n)
    if method == "lu":
        a0 = rng.standard_normal((n, n)) + n * np.eye(n)
    elif method == "cholesky":
        b = rng.standard_normal((n, n))
        a0 = b.T @ b + n * np.eye(n)
    else:
        a0 = rng.standard_normal((m, n))
    a = [[_C(float(x)) for x in row] for row in a0]
    _Counter.flops = 0
    {"lu": _lu, "cholesky": _cholesky, "qr_householder": _householder_qr}[method](a)
    flops = _Counter.flops
    out = np.array([[x.v for x in row] for row in a])
    if method == "lu":
        low, up = np.tril(out, -1) + np.eye(n), np.triu(out)
        require(bool(np.allclose(low @ up, a0)), "instrumented LU does not reproduce A")
    elif method == "cholesky":
        low = np.tril(out)
        require(bool(np.allclose(low @ low.T, a0)), "instrumented Cholesky does not reproduce A")
    else:
        r = np.triu(out[:n])
        require(bool(np.allclose(r.T @ r, a0.T @ a0)), "instrumented QR: RᵀR ≠ AᵀA")
    return flops


@functools.cache
def leading_cubic(method: str) -> dict[tuple[int, int], Fraction]:
    """The degree-3 part of the exact FLOP-count polynomial c(m, n), fitted from instrumented runs.

    The count of each algorithm is a polynomial in (m, n) of total degree ≤ 3; we interpolate it
    exactly (Fractions) from runs at tiny sizes and verify it on further sizes, so the leading
    coefficients come from executed operations, not from the closed form being checked.
    """
    if method == "qr_householder":
        pts = [(m, n) for n in range(1, 5) for m in range(n, n + 4)]
        monos = [(i, j) for i in range(4) for j in range(4 - i)]
    else:
        pts = [(n, n) for n in range(1, 8)]
        monos = [(0, j) for j in range(4)]
    counts = {pt: Fraction(_run_counted(method, *pt)) for pt in pts}
    rows = [[Fraction(m) ** i * Fraction(n) ** j for i, j in monos] + [counts[(m, n)]] for m, n in pts]
    r, piv = rref(rows)
    require(len(monos) not in piv, f"{method}: FLOP counts are not a cubic polynomial in the sizes")
    require(piv == list(range(len(monos))), f"{method}: sizes do not determine the polynomial")
    coef = {mono: r[k][-1] for k, mono in enumerate(monos)}
    return {mono: c for mono, c in coef.items() if sum(mono) == 3}


FACTOR_TEXT = {
    "lu": ("LU factorization (Gaussian elimination, \\(A = LU\\))", "\\frac{2}{3} n^3"),
    "cholesky": ("Cholesky factorization (\\(A = LL^T\\), A symmetric positive definite)", "\\frac{1}{3} n^3"),
    "qr_householder": ("Householder QR (computing R; Q kept as reflectors)", "2mn^2 - \\frac{2}{3} n^3"),
}


def factor_flops(method: str, m: int, n: int) -> Fraction:
    if method == "lu":
        return Fraction(2 * n**3, 3)
    if method == "cholesky":
        return Fraction(n**3, 3)
    return Fraction(2 * m * n * n) - Fraction(2 * n**3, 3)


class FactorizationFlops(Generator):
    """Leading-order FLOP counts of LU, Cholesky and Householder QR.

    Example: ``quizgen show linalg.factorization_flops --param method=qr_householder --param m=4000 --param n=1000``
    """

    id = "linalg.factorization_flops"
    version = 2
    form = ("method",)
    title = "What is the leading-order FLOP count of this factorization?"
    tags = ("flops", "factorization")
    METHODS = ("lu", "cholesky", "qr_householder")
    params = (
        Param("method", "str", "the factorization", choices=METHODS),
        Param("n", "int", "the matrix size n (columns for QR)", lo=100, hi=10000, min=1),
        Param("m", "int", "rows m ≥ n (qr_householder only)", lo=100, hi=100000, min=1, optional=True),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        method = fixed.get("method") or ("qr_householder" if "m" in fixed else rng.choice(self.METHODS))
        n = fixed.get("n") or (rng.power_of_two(128, 8192) if rng.bernoulli(0.4) else int(rng.nice(100, 10000, 1)))
        out: Params = {"method": method, "n": n}
        if method == "qr_householder":
            out["m"] = fixed.get("m") or max(n, min(100000, n * rng.choice((1, 2, 3, 4, 5, 8, 10))))
        return out

    def validate(self, p: Params) -> None:
        for name in ("n", "m"):
            if p.get(name, 0) > 10**12:  # the FLOP count ~n³ must fit a double
                raise ParamError(f"{name} must be at most 1,000,000,000,000 (got {p[name]:.3g})")
        if p["method"] != "qr_householder":
            if "m" in p:
                raise ParamError(f"m applies only to method=qr_householder (got m={p['m']} with method="
                                 f"{p['method']}, which factors a square n×n matrix): drop m")
            return
        if "m" not in p:
            raise ParamError("m is required for qr_householder: add --param m=ROWS (m ≥ n)")
        if p["m"] < p["n"]:
            raise ParamError(f"m must be ≥ n (got m={p['m']}, n={p['n']}): Householder QR here factors a tall or "
                             "square matrix")

    def solve(self, p: Params) -> list[Answer]:
        f = factor_flops(p["method"], p.get("m", p["n"]), p["n"])
        # leading order only: 3 significant figures (the n² terms sit far below them for n ≥ 100)
        return [Answer("cost", round(f), "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        method, n = p["method"], p["n"]
        what, formula = FACTOR_TEXT[method]
        m = p.get("m", n)
        if method == "qr_householder":
            q = (f"To leading order, how many FLOPs does {what} of an \\(m \\times n\\) matrix take, with "
                 f"\\(m = {tex(m)}\\) and \\(n = {tex(n)}\\)? Count a multiply-add as 2 FLOP.")
            why = ("Step k reflects the trailing \\((m-k) \\times (n-k)\\) block: a dot product and an update, "
                   "about \\(4(m-k)(n-k)\\) FLOP, and \\(\\sum_k 4(m-k)(n-k) \\approx 2mn^2 - \\frac{2}{3}n^3\\).")
            sub = f"2 \\times {tex(m)} \\times {tex(n)}^2 - \\frac{{2}}{{3}} \\times {tex(n)}^3"
        else:
            q = (f"To leading order, how many FLOPs does {what} of an \\(n \\times n\\) matrix take, with "
                 f"\\(n = {tex(n)}\\)? Count a multiply-add as 2 FLOP.")
            if method == "lu":
                why = ("Step k updates the trailing \\((n-k) \\times (n-k)\\) block with a rank-1 update, "
                       "\\(2(n-k)^2\\) FLOP, and \\(\\sum_k 2(n-k)^2 \\approx \\frac{2}{3}n^3\\).")
                sub = f"\\frac{{2}}{{3}} \\times {tex(n)}^3"
            else:
                why = ("Symmetry halves LU's work: step k updates only the lower half of the trailing block, "
                       "\\((n-k)^2\\) FLOP, and \\(\\sum_k (n-k)^2 \\approx \\frac{1}{3}n^3\\).")
                sub = f"\\frac{{1}}{{3}} \\times {tex(n)}^3"
        s = (f"{why} \\[{formula} = {sub} \\approx {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
             "Lower-order terms (divisions, square roots, the \\(n^2\\) parts) are dropped. Intuition: "
             "Cholesky is half of LU, and QR of a square matrix (\\(\\frac{4}{3}n^3\\)) is twice LU.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n = p["n"]
        if p["method"] == "lu":
            ds = [Distractor(n**3, "uses n³ (no 2/3: the trailing block shrinks every step)"),
                  Distractor(round(Fraction(n**3, 3)), "counts multiply-adds (n³/3), not FLOPs")]
        elif p["method"] == "cholesky":
            ds = [Distractor(round(Fraction(2 * n**3, 3)), "uses the LU count: Cholesky exploits symmetry and "
                                                             "does half the work"),
                  Distractor(round(Fraction(n**3, 6)), "counts multiply-adds (n³/6), not FLOPs")]
        else:
            m = p["m"]
            ds = [Distractor(2 * m * n * n, "drops the −2n³/3: the trailing block shrinks as columns are done"),
                  Distractor(round(Fraction(m * n * n) - Fraction(n**3, 3)), "counts multiply-adds, not FLOPs")]
        return keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        m, n = p.get("m", p["n"]), p["n"]
        lead = leading_cubic(p["method"])
        want = sum((c * m**i * n**j for (i, j), c in lead.items()), Fraction(0))
        assert_close("leading term of instrumented FLOP counts", answers[0].value, float(want), rtol=0, atol=0.5)


# -- pseudoinverse ------------------------------------------------------------------------


PINV_SHAPES = ("3x2", "2x3")
_PINV_SHAPE = {"3x2": (3, 2), "2x3": (2, 3)}


_PINV: dict[str, Any] = {}
"""Pseudoinverse._exact by params."""


class Pseudoinverse(Generator):
    """The minimum-norm least-squares solution x = A⁺b, often for a rank-deficient A.

    Example: ``quizgen show linalg.pseudoinverse --param matrix=[[1,2],[2,4],[3,6]] --param b=[1,0,0]``
    """

    id = "linalg.pseudoinverse"
    version = 2
    title = "What is x = A⁺b, the minimum-norm least-squares solution?"
    tags = ("pseudoinverse", "least-squares")
    params = (
        Param("matrix", "matrix", "the matrix A", lo=-9, hi=9, len_lo=2, len_hi=3, min_len=1, max_len=8),
        Param("b", "floats", "the right-hand side b (one entry per row of A)", lo=-9, hi=9, len_lo=2, len_hi=3,
              min_len=1, max_len=8),
        Param("shape", "str", "rows×columns of A: 3x2 (tall) or 2x3 (wide); follows from matrix when given",
              choices=PINV_SHAPES, optional=True),
        Param("rank", "int", "the rank of A: 1 (rank-deficient) or 2 (full); follows from matrix when given",
              lo=1, hi=2, min=1, max=8, optional=True),
    )
    # Versions of one question keep the shape (the length of x) and the rank (the case: full rank or not).
    form = ("shape", "rank")

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if "matrix" in fixed:
            a = fixed["matrix"]
        else:
            rows, cols = _PINV_SHAPE[fixed["shape"]] if "shape" in fixed else rng.choice(((3, 2), (2, 3)))
            want = fixed.get("rank")
            for _ in range(200):
                if (want == 1) if want else rng.bernoulli(0.6):  # rank 1: an outer product u vᵀ
                    u = [rng.integer(-3, 3) for _ in range(rows)]
                    v = [rng.integer(-3, 3) for _ in range(cols)]
                    a = [[ui * vj for vj in v] for ui in u]
                else:
                    a = _int_matrix(rng, rows, cols, -5, 5)
                r = rank_of(a)
                if r >= 1 and all(any(col) for col in zip(*a, strict=True)) and (want is None or r == want):
                    break
            else:
                raise DrawError("pseudoinverse: no usable matrix in 200 tries")
        kind = {"shape": f"{len(a)}x{len(a[0])}", "rank": rank_of(a)}
        if f"{len(a)}x{len(a[0])}" not in PINV_SHAPES:
            del kind["shape"]  # another shape of the user's: validate() checks a shape given with it
        if "b" in fixed:
            return {"matrix": a, "b": fixed["b"], **kind}
        b = [rng.integer(-9, 9) for _ in range(len(a))]
        if not any(b):
            b[0] = rng.choice((-1, 1)) * rng.integer(1, 9)
        return {"matrix": a, "b": b, **kind}

    def validate(self, p: Params) -> None:
        a, b = p["matrix"], p["b"]
        if len(a[0]) > 8:
            raise ParamError(f"matrix must have at most 8 columns (got {len(a[0])})")
        if "shape" in p and p["shape"] != f"{len(a)}x{len(a[0])}":
            raise ParamError(f"shape must be the matrix's, {len(a)}x{len(a[0])} (got shape={p['shape']}); drop shape")
        if "rank" in p and p["rank"] != rank_of(a):
            raise ParamError(f"rank must be the matrix's rank, {rank_of(a)} (got rank={p['rank']}); drop rank")
        if len(b) != len(a):
            raise ParamError(f"b must have one entry per row of the matrix ({len(a)}) (got {len(b)} entries)")
        _, x = self._exact(p)
        for v in x:
            if v != 0 and not Fraction(1, 10**300) < abs(v) < 10**300:
                lg = round(math.log10(abs(v.numerator)) - math.log10(v.denominator))
                raise ParamError(f"b gives x = A⁺b an entry of about 1e{lg} with this matrix, beyond float64's "
                                 "1e-300…1e300: rescale the matrix or b")

    def _exact(self, p: Params) -> tuple[Mat, list[Fraction]]:
        """(A⁺, A⁺b), exact; computed once per params (validate, solve and render all need it)."""
        ap, x = memo(_PINV, repr((p["matrix"], p["b"])), lambda: pinv_solution(p["matrix"], p["b"]))
        return [row[:] for row in ap], x[:]

    def solve(self, p: Params) -> list[Answer]:
        _, x = self._exact(p)
        return [Answer("x = A⁺b", [float(v) for v in x])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a, b = p["matrix"], p["b"]
        ap, x = self._exact(p)
        r = rank_of(a)
        rows, cols = len(a), len(a[0])
        q = (f"Find the minimum-norm least-squares solution \\(x = A^+ b\\) (Moore–Penrose pseudoinverse) for "
             f"\\[A = {mat_tex(a)}, \\quad b = {vec_tex(b)}\\] Give the {cols} entries of x.")
        if r == 0:
            how = "A is the zero matrix, so \\(A^+ = 0\\) and every x is a least-squares solution; the smallest is 0."
        elif r == min(rows, cols) and rows >= cols:
            how = (f"A has full column rank {r}, so \\(A^+ = (A^T A)^{{-1}} A^T\\) (the normal-equations "
                   "solution is unique).")
        elif r == min(rows, cols):
            how = (f"A has full row rank {r} (a wide matrix): \\(A^+ = A^T (A A^T)^{{-1}}\\), which picks, "
                   "among the infinitely many exact solutions, the one with the smallest norm.")
        elif r == 1:
            fro2 = entry_tex(sum(dec(v) ** 2 for row in a for v in row))
            how = ("A has rank 1, \\(A = u v^T\\), so \\(A^T A\\) is singular and \\((A^T A)^{-1}\\) "
                   "does not exist. For a rank-1 matrix \\(A^+ = \\frac{A^T}{\\left\\| A \\right\\|_F^2}\\) "
                   f"(here \\(\\left\\| A \\right\\|_F^2 = {fro2}\\)).")
        else:
            how = (f"A has rank {r}, below both dimensions, so neither \\(A^T A\\) nor \\(A A^T\\) is "
                   "invertible; with a full-rank factorization \\(A = CF\\), \\(A^+ = F^T (F F^T)^{-1} "
                   "(C^T C)^{-1} C^T\\).")
        xs = ", ".join(f"{entry_tex(v)}" for v in x)
        approx = "" if all(v.denominator == 1 for v in x) else \
            f" \\approx ({', '.join(tex(float(v)) for v in x)})"
        s = (f"{how} \\[A^+ = {mat_tex(ap)}\\] \\[x = A^+ b = ({xs}){approx}\\] Intuition: \\(A^+ b\\) fits b as "
             "well as possible (least squares) and, among all such fits, has no component in the null space of A.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        a, b = p["matrix"], p["b"]
        basic = basic_lstsq_of(a, b)
        return keep_wrong(answers[0], [
            Distractor([float(v) for v in basic], "a least-squares solution with the free variables set to 0, "
                                                  "not the minimum-norm one"),
            Distractor([float(v) for v in transpose_times(a, b)], "uses Aᵀb: the transpose is not an inverse"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        import sympy

        a, b = p["matrix"], p["b"]
        m = sympy.Matrix([[sympy.Rational(str(v)) for v in row] for row in a])  # the decimals shown
        x = m.pinv() * sympy.Matrix([sympy.Rational(str(v)) for v in b])
        assert_close("sympy Matrix.pinv() b", answers[0].value, [float(v) for v in x], rtol=1e-12, atol=1e-12)
        lst = np.linalg.lstsq(np.array(a, dtype=float), np.array(b, dtype=float), rcond=None)[0]
        assert_close("numpy.linalg.lstsq (minimum norm)", answers[0].value, [float(v) for v in lst], rtol=1e-9,
                     atol=1e-9)


# -- low rank and det(exp A) --------------------------------------------------------------


class LowrankError(Generator):
    """Eckart–Young: the error of the best rank-k approximation, in Frobenius and spectral norm.

    Example: ``quizgen show linalg.lowrank_error --param matrix=[[3,1,0],[1,3,1],[0,1,3]] --param k=1``
    """

    id = "linalg.lowrank_error"
    version = 2
    title = "What is the best rank-k approximation error?"
    tags = ("svd", "low-rank")
    params = (
        Param("matrix", "matrix", "the matrix A", lo=-9, hi=9, len_lo=2, len_hi=4, min_len=1, max_len=12),
        Param("k", "int", "the rank k of the approximation", lo=1, hi=3, min=1, max=11),
    )

    SHAPES = ((2, 3), (3, 2), (3, 3), (3, 3), (3, 4), (4, 3), (4, 4), (2, 4), (4, 2))

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            if "matrix" in fixed:
                a = fixed["matrix"]
            else:
                rows, cols = rng.choice(self.SHAPES)
                a = _int_matrix(rng, rows, cols)
            top = min(len(a), len(a[0])) - 1
            k = fixed.get("k") or rng.integer(1, max(1, top - 1))  # mostly ≥ 2 discarded values
            if "matrix" in fixed or rank_of(a) > k:
                return {"matrix": a, "k": k}
        raise DrawError("lowrank_error: no matrix of rank > k in 200 tries")

    def validate(self, p: Params) -> None:
        a, k = p["matrix"], p["k"]
        if len(a[0]) > 12:
            raise ParamError(f"matrix must have at most 12 columns (got {len(a[0])})")
        _entries_in_range(a, "the errors scale with it")
        if k >= min(len(a), len(a[0])):
            raise ParamError(f"k must be < min(rows, columns) = {min(len(a), len(a[0]))} (got {k}): a rank-k "
                             "approximation with k that large is exact")

    def solve(self, p: Params) -> list[Answer]:
        s = sigmas(p["matrix"])
        k = p["k"]
        tail = s[k:]
        return [Answer("[Frobenius, spectral]", [math.sqrt(math.fsum(x * x for x in tail)), tail[0]])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a, k = p["matrix"], p["k"]
        s = sigmas(a)
        fro, spec = answers[0].values
        tail = s[k:]
        q = (f"Let \\(A_{k}\\) be the best rank-{k} approximation of \\[A = {mat_tex(a)}\\] What are the errors "
             f"\\(\\left\\| A - A_{k} \\right\\|_F\\) (Frobenius) and \\(\\left\\| A - A_{k} \\right\\|_2\\) "
             "(spectral)? Answer [Frobenius, spectral].")
        sq = " + ".join(f"{tex(x)}^2" for x in tail)
        tail_sum = f"\\sum_{{i = {k + 1}}}^{{{len(s)}}} \\sigma_i^2"
        s_txt = (f"The singular values of A are \\({', '.join(tex(x) for x in s)}\\). By Eckart–Young, truncating the "
                 f"SVD after the top \\(k = {k}\\) singular values is optimal in both norms, and the error is what is "
                 f"dropped: \\[\\left\\| A - A_{k} \\right\\|_F = \\sqrt{{{tail_sum}}} = "
                 f"\\sqrt{{{sq}}} = {tex(fro)}, \\quad \\left\\| A - A_{k} \\right\\|_2 = \\sigma_{{{k + 1}}} = "
                 f"{tex(spec)}\\] Intuition: the spectral error is the largest discarded singular value; the "
                 "Frobenius error adds up all of them in quadrature.")
        return q, s_txt

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        s = sigmas(p["matrix"])
        k = p["k"]
        off = s[k - 1:]
        return keep_wrong(answers[0], [
            Distractor([math.sqrt(math.fsum(x * x for x in off)), off[0]], "off by one: starts the tail at σ_k"),
            Distractor([math.fsum(s[k:]), s[k]], "adds the discarded σᵢ instead of their squares"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np

        a = np.array(p["matrix"], dtype=float)
        k = p["k"]
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        ak = (u[:, :k] * s[:k]) @ vt[:k]
        fro = float(np.linalg.norm(a - ak, "fro"))
        spec = float(np.linalg.norm(a - ak, 2))
        assert_close("residual norms of a truncated numpy SVD", answers[0].value, [fro, spec], rtol=1e-6,
                     atol=1e-9 * float(s[0]))


class DetExp(Generator):
    """det(exp A) = e^(tr A), from the eigenvalues.

    Example: ``quizgen show linalg.det_exp --param matrix=[[0.5,1],[-0.3,0.2]]``
    """

    id = "linalg.det_exp"
    version = 1
    title = "What is det(exp(A))?"
    tags = ("matrix-exponential", "eigenvalues")
    params = (Param("matrix", "matrix", "the square matrix A", lo=-1, hi=1, len_lo=2, len_hi=3, min_len=1,
                    max_len=8),)

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        n = rng.integer(2, 3)
        for _ in range(100):
            a = [[rng.nice_uniform(-1, 1, 1) for _ in range(n)] for _ in range(n)]
            if abs(sum(a[i][i] for i in range(n))) >= 0.2:  # keep e^(tr A) away from 1
                return {"matrix": [[int(x) if float(x).is_integer() else x for x in row] for row in a]}
        raise DrawError("det_exp: no matrix with a visible trace in 100 tries")

    def validate(self, p: Params) -> None:
        a = p["matrix"]
        if len(a) != len(a[0]):
            raise ParamError(f"matrix must be square (got {len(a)}×{len(a[0])}): exp(A) needs a square A")
        tr = sum(Fraction(a[i][i]) for i in range(len(a)))
        if tr > 700:
            raise ParamError(f"matrix trace must be at most 700 (got {float(tr):g}): e^(tr A) overflows float64")
        if tr < -700:
            raise ParamError(f"matrix trace must be at least -700 (got {float(tr):g}): e^(tr A) underflows float64")

    def solve(self, p: Params) -> list[Answer]:
        a = p["matrix"]
        tr = sum(Fraction(a[i][i]) for i in range(len(a)))
        return [Answer("det(exp A)", _exp(tr))]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        a = p["matrix"]
        n = len(a)
        tr = float(sum(Fraction(a[i][i]) for i in range(n)))
        diag = " + ".join(entry_tex(a[i][i]) if a[i][i] >= 0 or i == 0 else f"({entry_tex(a[i][i])})"
                          for i in range(n))
        det = "\\operatorname{det}"
        q = f"What is \\({det}(\\exp(A))\\), with \\(\\exp\\) the matrix exponential, for \\[A = {mat_tex(a)}\\]"
        trs = tex(round(tr, 12))
        s = (f"If A has eigenvalues \\(\\lambda_i\\), \\(\\exp(A)\\) has eigenvalues \\(e^{{\\lambda_i}}\\), and the "
             f"determinant is their product: \\({det}(\\exp A) = \\prod_i e^{{\\lambda_i}} = "
             f"e^{{\\sum_i \\lambda_i}} = e^{{\\operatorname{{tr}} A}}\\). Here \\(\\operatorname{{tr}} A = {diag} = "
             f"{trs}\\), so \\[{det}(\\exp A) = e^{{{trs}}} = {tex(answers[0].value)}\\] Intuition: exp(A) is "
             "always invertible, and log det = tr log is the identity behind cheap log-determinants of flows.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        import mpmath

        a = p["matrix"]
        with mpmath.workdps(30):
            ea = [[_mp_exp30(x) for x in row] for row in a]
            try:
                entrywise = float(mpmath.det(mpmath.matrix(ea)))
            except (TypeError, ZeroDivisionError):  # mpmath's LU fails on a singular matrix (equal columns)
                entrywise = float(det(ea))  # type: ignore[arg-type]
        ds = [
            Distractor(_exp(det_of(a)),
                       "gives exp(det A): the identity is det(exp A) = exp(tr A)"),
            Distractor(entrywise, "exponentiates entry by entry; the matrix exponential is the power series Σ Aᵏ/k!"),
        ]
        # user matrices with large entries can push a misconception's value out of float64
        return keep_wrong(answers[0], [d for d in ds if math.isfinite(d.value)])  # type: ignore[arg-type]

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        import scipy.linalg

        a = np.array(p["matrix"], dtype=float)
        # det(exp A) = det(exp(A / 2^s))^(2^s): scaling keeps expm finite when entries are large
        s = max(0, math.ceil(math.log2(max(1.0, float(np.abs(a).sum(axis=0).max())))))
        sign, logdet = np.linalg.slogdet(scipy.linalg.expm(a / 2**s))
        require(sign > 0, "det(exp(A)) must be positive")
        assert_close("log of numpy.linalg.det(scipy.linalg.expm(A))", math.log(float(answers[0].values[0])),
                     float(logdet) * 2**s, rtol=0, atol=1e-9 * max(1.0, abs(float(logdet)) * 2**s))

