"""FLOP counts: matmuls, chains, training steps, einsums, attention, convolutions (1 multiply-add =
2 FLOP). Example::

    quizgen show flops.matmul --seed 7
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from quizgen import precision
from quizgen.checking import assert_equal, require
from quizgen.crosscheck import torch_flops
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import keep_wrong
from quizgen.model import Answer, Distractor, Value
from quizgen.params import Param
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng


def _distinct(head: Answer, cands: list[tuple[Value, str]]) -> list[Distractor]:
    """Distractors in order, without any that ``head`` would accept (coinciding mistakes merged)."""
    return keep_wrong(head, (Distractor(v, why) for v, why in cands), merge=True)


PASSES_EXACT = precision.exact(why="a count of whole passes: one more or one fewer is a different algorithm")

MAX_SIZE = 10**12
"""The largest size a user may give (``--param``): far past any real model, and small enough that
every count stays a float-sized number (a size like 1e200 would overflow when shown)."""


def _shown(v: int) -> str:
    try:
        return str(v) if v < 10**15 else f"{float(v):.3g}"
    except OverflowError:
        return "more than 1e308"


def _at_most(name: str, v: int) -> None:
    """Sizes are checked here, not with ``Param(max=...)``, so that ``m=-3`` keeps its short
    "must be a positive integer" message."""
    if v > MAX_SIZE:
        raise ParamError(f"{name} must be at most {MAX_SIZE:,} (got {_shown(v)})")


def _dim(name: str, help_: str) -> Param:
    return Param(name, "int", help_, lo=1, hi=16384, min=1)


class _MatmulShape(Generator):
    """Shared draw and limits of the (m×k)@(k×n) generators (no id: not registered)."""

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {d: rng.power_of_two(1, 16384, half=True) if rng.bernoulli(0.8) else rng.integer(1, 16384)
                for d in ("m", "k", "n")}

    def validate(self, p: Params) -> None:
        for d in ("m", "k", "n"):
            _at_most(d, p[d])


class Matmul(_MatmulShape):
    """FLOPs of an (m×k)@(k×n) matmul: 2mkn.

    Example: ``quizgen show flops.matmul --param m=64 --param k=128 --param n=32``
    """

    id = "flops.matmul"
    version = 2
    title = "How many FLOPs are in an (m×k)@(k×n) matmul?"
    tags = ("matmul",)
    params = (
        _dim("m", "rows of A"),
        _dim("k", "inner (contracted) dimension"),
        _dim("n", "columns of B"),
    )

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("AB", 2 * p["m"] * p["k"] * p["n"], "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        m, k, n = p["m"], p["k"], p["n"]
        q = (f"How many FLOPs does the matrix product \\(AB\\) take, with "
             f"\\(A \\in \\mathbb{{R}}^{{{m} \\times {k}}}\\) and \\(B \\in \\mathbb{{R}}^{{{k} \\times {n}}}\\)? "
             "Count one multiply-add as 2 FLOP.")
        s = (f"Each of the \\(m n = {tex(m * n)}\\) outputs is a dot product of length \\(k = {tex(k)}\\): "
             f"\\(k\\) multiplies and \\(k\\) adds (counting the first add into the zero accumulator). "
             f"\\[2mkn = 2 \\times {m} \\times {k} \\times {n} = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
             "Intuition: a matmul costs 2 FLOP per multiply-add, and there is one multiply-add per "
             "(row, inner, column) triple.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        m, k, n = p["m"], p["k"], p["n"]
        # With k = 2 both mistakes give the same number, and with k = 1 the second is right.
        return _distinct(answers[0], [
            (m * k * n, "counts multiply-adds (MACs), not FLOPs: each MAC is 2 FLOP"),
            (2 * m * n, "drops the inner dimension: each output costs 2k FLOP, not 2"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        def run() -> None:
            torch.empty(p["m"], p["k"], device="meta") @ torch.empty(p["k"], p["n"], device="meta")

        assert_equal("FlopCounterMode(matmul)", answers[0].value, torch_flops(run))


# -- matrix chains -------------------------------------------------------------------------------

_CHAIN_DIMS = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 25, 30, 32, 40, 48, 50, 60, 64, 75, 80, 96, 100,
               128, 150, 200, 256, 300, 384, 400, 500, 512)


def _chain_dp(dims: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    """Interval DP: ``cost[i][j]`` is the fewest FLOPs for A_i…A_j (0-based), ``split[i][j]`` its
    best split point (the left part is A_i…A_split)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            best: int | None = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + 2 * dims[i] * dims[s + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, s
            cost[i][j] = best if best is not None else 0
    return cost, split


def _left_to_right(dims: list[int]) -> int:
    return sum(2 * dims[0] * dims[i] * dims[i + 1] for i in range(1, len(dims) - 1))


def _right_to_left(dims: list[int]) -> int:
    last = dims[-1]
    return sum(2 * dims[i - 1] * dims[i] * last for i in range(1, len(dims) - 1))


def _brute_force_chain(dims: list[int]) -> int:
    """The cheapest of every parenthesization, enumerated by plain recursion (no table)."""
    def costs(i: int, j: int) -> list[int]:
        if i == j:
            return [0]
        out = []
        for s in range(i, j):
            mid = 2 * dims[i] * dims[s + 1] * dims[j + 1]
            out += [a + b + mid for a in costs(i, s) for b in costs(s + 1, j)]
        return out

    return min(costs(0, len(dims) - 2))


def _numpy_optimized_flops(spec: str, shapes: list[list[int]], memory_limit: int) -> str:
    """numpy's printed "Optimized FLOP count" (4 significant figures) for ``spec``; numpy adds 1.

    ``memory_limit`` (elements) caps the intermediates numpy may consider; its own default, the
    largest operand, could rule out the best order.
    """
    import numpy as np

    ops = [np.broadcast_to(np.empty(()), s) for s in shapes]  # shape-only: no memory, no work
    _, report = np.einsum_path(spec, *ops, optimize=("optimal", memory_limit))
    for line in report.splitlines():
        if "Optimized FLOP count:" in line:
            return line.split(":", 1)[1].strip()
    raise AssertionError("numpy.einsum_path report has no 'Optimized FLOP count' line")


class MatmulChain(Generator):
    """Fewest FLOPs to multiply a chain of matrices, over all parenthesizations (interval DP).

    Example: ``quizgen show flops.matmul_chain --param dims=[30,35,15,5,10,20,25]``
    """

    id = "flops.matmul_chain"
    version = 2
    title = "What is the fewest FLOPs for the matrix chain A₁…A_L?"
    tags = ("matmul", "dynamic-programming")
    params = (
        Param("dims", "ints", "dimensions d₀…d_L: matrix Aᵢ is d₍ᵢ₋₁₎×dᵢ (at least 4 values, L ≥ 3)",
              lo=2, hi=512, min=1, len_lo=4, len_hi=7, min_len=4, max_len=12),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if "dims" in fixed:
            return {"dims": list(fixed["dims"])}
        for _ in range(200):
            dims = [rng.choice(_CHAIN_DIMS) for _ in range(rng.integer(4, 7))]
            best = _chain_dp(dims)[0][0][-1]
            # Interesting only if both obvious orders are clearly beaten.
            if 1.1 * best < min(_left_to_right(dims), _right_to_left(dims)):
                return {"dims": dims}
        raise DrawError("flops.matmul_chain: no chain where the order matters in 200 tries")

    def validate(self, p: Params) -> None:
        if max(p["dims"]) > MAX_SIZE:
            raise ParamError(f"dims must hold sizes of at most {MAX_SIZE:,} "
                             f"(got {_shown(max(p['dims']))} in a list of {len(p['dims'])})")

    def solve(self, p: Params) -> list[Answer]:
        cost, _ = _chain_dp(p["dims"])
        return [Answer("best order", cost[0][-1], "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        dims: list[int] = p["dims"]
        n = len(dims) - 1
        cost, split = _chain_dp(dims)
        shapes = ", ".join(f"A_{{{i + 1}}} \\in \\mathbb{{R}}^{{{dims[i]} \\times {dims[i + 1]}}}"
                           for i in range(n))
        chain = " ".join(f"A_{{{i + 1}}}" for i in range(n))
        steps: list[str] = []

        def paren(i: int, j: int) -> str:
            if i == j:
                return f"A_{{{i + 1}}}"
            s = split[i][j]
            left, right = paren(i, s), paren(s + 1, j)
            c = 2 * dims[i] * dims[s + 1] * dims[j + 1]
            steps.append(f"\\(({dims[i]} \\times {dims[s + 1]}) \\cdot ({dims[s + 1]} \\times {dims[j + 1]})\\): "
                         f"\\(2 \\times {dims[i]} \\times {dims[s + 1]} \\times {dims[j + 1]} = {tex(c)}\\)")
            return f"\\left({left} {right}\\right)" if (i, j) != (0, n - 1) else f"{left} {right}"

        order = paren(0, n - 1)
        ltr = _left_to_right(dims)
        q = (f"Matrices \\({shapes}\\). Over all ways to parenthesize the product \\({chain}\\), what is the "
             "fewest FLOPs needed to compute it? Multiplying an \\(a \\times b\\) by a \\(b \\times c\\) "
             "matrix costs \\(2abc\\) FLOP (one multiply-add = 2 FLOP).")
        s = ("Matrix multiplication is associative, so every parenthesization gives the same result at a "
             "different cost. Let \\(C(i,j)\\) be the cheapest cost of \\(A_i \\cdots A_j\\); then "
             "\\[C(i,j) = \\min_{i \\le s \\le j-1} \\left[ C(i,s) + C(s+1,j) + 2 d_{i-1} d_s d_j \\right], "
             "\\quad C(i,i) = 0.\\] "
             f"Filling this table for \\(d = ({', '.join(str(d) for d in dims)})\\) gives the order "
             f"\\[{order}\\] with products " + "; ".join(steps) + ". In total "
             f"\\[C(1,{n}) = {tex(answers[0].value)}\\ \\text{{FLOP}},\\] "
             f"against \\({tex(ltr)}\\) FLOP left to right. Intuition: multiply across the small "
             "dimensions first, so the intermediates stay small.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        dims = p["dims"]
        ltr, rtl = _left_to_right(dims), _right_to_left(dims)
        orders = [(ltr, "multiplies left to right, which is not the cheapest order here"),
                  (rtl, "multiplies right to left, which is not the cheapest order here")]
        if ltr == rtl:
            orders = [(ltr, "multiplies left to right (or right to left: the same cost here), which is not "
                            "the cheapest order")]
        return _distinct(answers[0], [*orders, (answers[0].value // 2, "counts multiply-adds (MACs), not FLOPs")])

    def check(self, p: Params, answers: list[Answer]) -> None:
        dims = p["dims"]
        assert_equal("brute force over all parenthesizations", answers[0].value, _brute_force_chain(dims))
        letters = "abcdefghijklmnopqrstuvwxyz"[: len(dims)]
        spec = ",".join(letters[i:i + 2] for i in range(len(dims) - 1)) + f"->{letters[0]}{letters[-1]}"
        shapes = [[dims[i], dims[i + 1]] for i in range(len(dims) - 1)]
        # Every parenthesization's intermediates are d_i × d_j matrices; allowing the largest keeps
        # all of them in numpy's search, and ruling out bigger (outer-product) ones keeps it fast.
        biggest = max(x * y for i, x in enumerate(dims) for y in dims[i + 1:])
        printed = _numpy_optimized_flops(spec, shapes, biggest)
        assert_equal("numpy.einsum_path 'Optimized FLOP count' (answer + 1, 4 s.f.)",
                     f"{answers[0].value + 1:.3e}", printed)


# -- training step ------------------------------------------------------------------------------

class LinearTrainStep(_MatmulShape):
    """Forward + backward FLOPs of a linear layer Y = X@W: 6mkn.

    Example: ``quizgen show flops.linear_train_step --param m=32 --param k=64 --param n=16``
    """

    id = "flops.linear_train_step"
    version = 1
    title = "How many forward+backward FLOPs does Y = X@W take?"
    tags = ("matmul", "backprop", "training")
    params = (
        _dim("m", "rows of X (batch × tokens)"),
        _dim("k", "input features (rows of W)"),
        _dim("n", "output features (columns of W)"),
    )

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("training step", 6 * p["m"] * p["k"] * p["n"], "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        m, k, n = p["m"], p["k"], p["n"]
        one = 2 * m * k * n
        q = (f"A linear layer computes \\(Y = XW\\) with \\(X \\in \\mathbb{{R}}^{{{m} \\times {k}}}\\) and "
             f"\\(W \\in \\mathbb{{R}}^{{{k} \\times {n}}}\\). Both \\(X\\) and \\(W\\) need gradients "
             "(the layer sits in the middle of a network). How many FLOPs do the forward and backward "
             "passes take together? Count matmuls only, one multiply-add = 2 FLOP.")
        s = ("Three matmuls of the same size: "
             f"forward \\(Y = XW\\) costs \\(2mkn = {tex(one)}\\); "
             f"backward \\(\\partial L/\\partial X = (\\partial L/\\partial Y)\\, W^\\top\\) is "
             f"\\(({m} \\times {n})({n} \\times {k})\\), again \\(2mnk\\); and "
             f"\\(\\partial L/\\partial W = X^\\top (\\partial L/\\partial Y)\\) is "
             f"\\(({k} \\times {m})({m} \\times {n})\\), again \\(2kmn\\). "
             f"\\[6mkn = 6 \\times {m} \\times {k} \\times {n} = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
             "Intuition: this is the \"2 for the forward pass, 4 for the backward pass\" behind the "
             "\\(6N\\) FLOP per token rule for training.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        one = 2 * p["m"] * p["k"] * p["n"]
        return _distinct(answers[0], [
            (one, "forward pass only: the backward pass costs twice as much again"),
            (2 * one, "leaves out ∂L/∂X, which only a first layer may skip"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        def run() -> None:
            x = torch.empty(p["m"], p["k"], device="meta", requires_grad=True)
            w = torch.empty(p["k"], p["n"], device="meta", requires_grad=True)
            (x @ w).sum().backward()

        assert_equal("FlopCounterMode(forward + backward)", answers[0].value, torch_flops(run))


# -- einsum --------------------------------------------------------------------------------------

EINSUM_SPECS = ("ij,jk->ik", "bij,bjk->bik", "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd", "i,i->", "i,j->ij",
                "btd,df->btf")
GRAD_SPECS = ("ij,jk->ik", "bij,bjk->bik", "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd", "btd,df->btf")
"""The matmul-like specs: each operand has a contracted index and a free index."""

_INDEX_RANGE = {"b": (1, 32), "h": (2, 32), "d": (16, 512), "t": (16, 512), "f": (64, 512)}
_ATTENTION_RANGE = {"h": (2, 16), "q": (16, 512), "k": (16, 512), "d": (32, 128)}
"""Head counts, sequence lengths and head widths for the bh… (attention) specs."""


def _spec_parts(spec: str) -> tuple[str, str, str]:
    ins, out = spec.split("->")
    a, b = ins.split(",")
    return a, b, out


def _spec_indices(spec: str) -> list[str]:
    """Distinct index letters of ``spec`` in order of first appearance."""
    return list(dict.fromkeys(c for c in spec if c.isalpha()))


def _summed(spec: str) -> list[str]:
    a, b, out = _spec_parts(spec)
    return [c for c in _spec_indices(spec) if c not in out]


def _prod(sizes: Mapping[str, int], letters: str | list[str]) -> int:
    out = 1
    for c in dict.fromkeys(letters):
        out *= sizes[c]
    return out


def _draw_sizes(rng: Rng, spec: str) -> dict[str, int]:
    sizes = {}
    for c in _spec_indices(spec):
        lo, hi = (_ATTENTION_RANGE if spec.startswith("bh") else {}).get(c) or _INDEX_RANGE.get(c, (2, 512))
        sizes[c] = rng.power_of_two(lo, hi, half=True) if rng.bernoulli(0.8) else rng.integer(lo, hi)
    return sizes


def _draw_spec(rng: Rng, bank: tuple[str, ...], fixed: Mapping[str, Any]) -> str:
    if "spec" in fixed:
        return str(fixed["spec"])
    if "sizes" in fixed:  # pick a spec that uses exactly the given indices
        fits = [s for s in bank if set(_spec_indices(s)) == set(fixed["sizes"])]
        if not fits:
            import json

            sets = " or ".join(dict.fromkeys("{" + ", ".join(sorted(_spec_indices(s))) + "}" for s in bank))
            raise ParamError(f"sizes must name the indices of one spec in the bank, {sets}, or give "
                             f"--param spec=... with it (got {json.dumps(fixed['sizes'])})")
        return rng.choice(fits)
    return rng.choice(bank)


def _validate_sizes(p: Params) -> None:
    spec, sizes = p["spec"], p["sizes"]
    want = _spec_indices(spec)
    missing = [c for c in want if c not in sizes]
    extra = [c for c in sizes if c not in want]
    if missing or extra:
        import json

        what = "; ".join(x for x in (f"missing {', '.join(missing)}" if missing else "",
                                     f"unexpected {', '.join(extra)}" if extra else "") if x)
        raise ParamError(f"sizes must give exactly the indices of {spec} ({', '.join(want)}): {what} "
                         f"(got {json.dumps(sizes)})")
    for c, v in sizes.items():
        _at_most(f'sizes["{c}"]', v)


def _shape(letters: str, sizes: Mapping[str, int]) -> str:
    """A torch-style shape in a code span: `[2, 4, 128]`, or `[]` (a scalar)."""
    shape = "[" + ", ".join(str(sizes[c]) for c in letters) + "]"
    return f"`{shape}`" + (" (a scalar)" if not letters else "")


def _sizes_tex(spec: str, sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{c} = {sizes[c]}" for c in _spec_indices(spec))


def _sizes_param() -> Param:
    return Param("sizes", "dict", 'size of each index letter of spec, e.g. {"i": 64, "j": 32, "k": 16}',
                 lo=1, hi=512, min=1, min_len=1)


class Einsum(Generator):
    """FLOPs of a two-operand einsum: 2·∏(all index sizes) if an index is summed, else ∏.

    Example: ``quizgen show flops.einsum --param spec=ij,jk->ik --param 'sizes={"i":64,"j":32,"k":16}'``
    """

    id = "flops.einsum"
    version = 2
    form = ("spec",)
    title = "How many FLOPs does einsum(spec, A, B) take?"
    tags = ("einsum",)
    params = (
        Param("spec", "str", "the einsum subscripts", choices=EINSUM_SPECS),
        _sizes_param(),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        spec = _draw_spec(rng, EINSUM_SPECS, fixed)
        return {"spec": spec, "sizes": _draw_sizes(rng, spec)}

    def validate(self, p: Params) -> None:
        _validate_sizes(p)

    def solve(self, p: Params) -> list[Answer]:
        spec, sizes = p["spec"], p["sizes"]
        every = _prod(sizes, _spec_indices(spec))
        return [Answer("einsum", 2 * every if _summed(spec) else every, "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        spec, sizes = p["spec"], p["sizes"]
        a, b, out = _spec_parts(spec)
        idx = _spec_indices(spec)
        summed = _summed(spec)
        letters = " ".join(idx)
        product = " \\times ".join(str(sizes[c]) for c in idx)
        q = (f"How many FLOPs does `torch.einsum(\"{spec}\", A, B)` take, with index sizes "
             f"\\({_sizes_tex(spec, sizes)}\\) (so A has shape {_shape(a, sizes)}, B {_shape(b, sizes)} and the "
             f"output {_shape(out, sizes)})? "
             "Count one multiply-add as 2 FLOP and a product that is not summed as 1 FLOP.")
        s = (f"An einsum multiplies one entry of \\(A\\) by one of \\(B\\) for every combination of all "
             f"its distinct indices (\\({letters}\\)): \\({product} = {tex(_prod(sizes, idx))}\\) products. ")
        if summed:
            s += (f"The indices missing from the output (\\({' '.join(summed)}\\)) are summed, so each "
                  "product comes with an add into its output entry: 2 FLOP each. "
                  f"\\[2 \\times {product} = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
                  "Intuition: the cost depends on all the indices, not on the output size; the summed "
                  "ones multiply the work without adding outputs.")
        else:
            s += ("No index is summed (every index appears in the output), so each product is one output "
                  f"entry and there are no adds. \\[{product} = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
                  "Intuition: an outer product does 1 FLOP per output entry.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        spec, sizes = p["spec"], p["sizes"]
        ans = answers[0].value
        _, _, out = _spec_parts(spec)
        cands: list[tuple[Value, str]] = [
            (_prod(sizes, out), "counts only the output entries, not the work per entry"),
            (ans // sizes["b"] if "b" in sizes else ans, "drops the batch index b"),
        ]
        if _summed(spec):
            cands.append((ans // 2, "counts multiply-adds (MACs), not FLOPs"))
        return _distinct(answers[0], cands)

    def check(self, p: Params, answers: list[Answer]) -> None:
        spec, sizes = p["spec"], p["sizes"]
        a, b, _ = _spec_parts(spec)
        if _summed(spec):
            import torch

            def run() -> None:
                torch.einsum(spec, torch.empty([sizes[c] for c in a], device="meta"),
                             torch.empty([sizes[c] for c in b], device="meta"))

            assert_equal("FlopCounterMode(einsum)", answers[0].value, torch_flops(run))
        else:  # torch runs a plain mul here and counts 0 FLOP
            shapes = [[sizes[c] for c in a], [sizes[c] for c in b]]
            printed = _numpy_optimized_flops(spec, shapes, _prod(sizes, a + b))
            assert_equal("numpy.einsum_path 'Optimized FLOP count' (answer + 1, 4 s.f.)",
                         f"{answers[0].value + 1:.3e}", printed)


def _grad_spec(spec: str, wrt: str) -> tuple[str, str]:
    """The einsum for ∂L/∂A (or ∂L/∂B) and its operands in words."""
    a, b, out = _spec_parts(spec)
    if wrt == "A":
        return f"{out},{b}->{a}", "∂L/∂Y, B"
    return f"{a},{out}->{b}", "A, ∂L/∂Y"


class EinsumGrad(Generator):
    """The einsum for ∂L/∂A (or ∂L/∂B) of Y = einsum(spec, A, B), and its FLOPs (= the forward).

    Example: ``quizgen show flops.einsum_grad --param spec=bij,bjk->bik --param 'sizes={"b":3,"i":5,"j":7,"k":11}'``
    """

    id = "flops.einsum_grad"
    version = 1
    form = ("spec", "wrt")
    title = "For Y = einsum(spec, A, B), what einsum gives ∂L/∂A, and what does it cost?"
    tags = ("einsum", "backprop")
    params = (
        Param("spec", "str", "the einsum subscripts (matmul-like: each operand has a summed and a free index)",
              choices=GRAD_SPECS),
        _sizes_param(),
        Param("wrt", "str", "the operand to differentiate with respect to", choices=("A", "B")),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        spec = _draw_spec(rng, GRAD_SPECS, fixed)
        return {"spec": spec, "sizes": _draw_sizes(rng, spec), "wrt": rng.choice(("A", "B"))}

    def validate(self, p: Params) -> None:
        _validate_sizes(p)

    def solve(self, p: Params) -> list[Answer]:
        fwd = 2 * _prod(p["sizes"], _spec_indices(p["spec"]))
        return [Answer("both gradients", fwd, "FLOP"),
                Answer("forward + both gradients", 3 * fwd, "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        spec, sizes, wrt = p["spec"], p["sizes"], p["wrt"]
        a, b, out = _spec_parts(spec)
        gspec, operands = _grad_spec(spec, wrt)
        target = a if wrt == "A" else b
        other = b if wrt == "A" else a
        summed = [c for c in _spec_indices(spec) if c not in target]
        product = " \\times ".join(str(sizes[c]) for c in _spec_indices(spec))
        q = (f"\\(Y = \\) `einsum(\"{spec}\", A, B)` with index sizes \\({_sizes_tex(spec, sizes)}\\), "
             f"and a scalar loss \\(L(Y)\\). Which einsum gives \\(\\partial L/\\partial {wrt}\\) from "
             f"\\(\\partial L/\\partial Y\\), and how many FLOPs does it take? Part 2: how many FLOPs do the "
             "forward pass and both gradients (\\(\\partial L/\\partial A\\) and \\(\\partial L/\\partial B\\)) "
             "take together? One multiply-add = 2 FLOP.")
        s = (f"The gradient of an einsum with respect to one operand is another einsum: put "
             f"\\(\\partial L/\\partial Y\\) (indices `{out}`) in place of {wrt} and make {wrt}'s indices "
             f"(`{target}`) the output. So \\(\\partial L/\\partial {wrt}\\) = `einsum(\"{gspec}\", {operands})`, "
             f"summing over \\({' '.join(summed)}\\) (the indices of `{other}` and `{out}` that {wrt} lacks). "
             "It runs over every index of the forward einsum once, so it costs the same as the forward: "
             f"\\[2 \\times {product} = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
             "The other gradient costs the same again, so forward + both gradients is "
             f"\\(3 \\times {tex(answers[0].value)} = {tex(answers[1].value)}\\) FLOP. "
             "Intuition: this is why training costs about 3× inference (the 6N vs 2N FLOP per token).")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        target = _spec_parts(p["spec"])[0 if p["wrt"] == "A" else 1]
        return _distinct(answers[0], [
            (_prod(p["sizes"], target), f"the number of entries of ∂L/∂{p['wrt']}, not the work to compute them"),
            (answers[0].value // 2, "counts multiply-adds (MACs), not FLOPs"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        spec, sizes, wrt = p["spec"], p["sizes"], p["wrt"]
        a, b, _ = _spec_parts(spec)

        def step(grad_a: bool, grad_b: bool, backward: bool) -> Callable[[], None]:
            def run() -> None:
                x = torch.empty([sizes[c] for c in a], device="meta", requires_grad=grad_a)
                y = torch.empty([sizes[c] for c in b], device="meta", requires_grad=grad_b)
                out = torch.einsum(spec, x, y)
                if backward:
                    out.sum().backward()
            return run

        fwd = torch_flops(step(False, False, False))
        one = torch_flops(step(wrt == "A", wrt == "B", True)) - fwd
        both = torch_flops(step(True, True, True))
        assert_equal("FlopCounterMode(forward + backward) − forward", answers[0].value, one)
        assert_equal("FlopCounterMode(forward + both gradients)", answers[1].value, both)
        # The einsum shown in the solution really is the gradient (small sizes, float64).
        small = {c: 2 + i % 3 for i, c in enumerate(_spec_indices(spec))}
        gen = torch.Generator().manual_seed(0)
        x = torch.randn([small[c] for c in a], generator=gen, dtype=torch.float64, requires_grad=True)
        y = torch.randn([small[c] for c in b], generator=gen, dtype=torch.float64, requires_grad=True)
        out = torch.einsum(spec, x, y)
        dy = torch.randn(out.shape, generator=gen, dtype=torch.float64)
        out.backward(dy)
        gspec, _ = _grad_spec(spec, wrt)
        mine = torch.einsum(gspec, dy, y) if wrt == "A" else torch.einsum(gspec, x, dy)
        want = x.grad if wrt == "A" else y.grad
        require(want is not None and torch.allclose(mine, want), f"{gspec} is not the gradient of {spec}")


# -- associativity -------------------------------------------------------------------------------

class Associativity(Generator):
    """The cost of (AB)C against A(BC) for A m×k, B k×n, C n×p.

    Example: ``quizgen show flops.associativity --param m=4096 --param k=128 --param n=4096 --param p=128``
    """

    id = "flops.associativity"
    version = 1
    title = "A m×k, B k×n, C n×p: what do (AB)C and A(BC) cost?"
    tags = ("matmul", "associativity")
    params = tuple(Param(name, "int", help_, lo=2, hi=8192, min=1) for name, help_ in (
        ("m", "rows of A"), ("k", "columns of A = rows of B"), ("n", "columns of B = rows of C"),
        ("p", "columns of C")))

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            if rng.bernoulli(1 / 3):  # attention: Q (s×d) Kᵀ (d×s) V (s×d)
                s, d = rng.power_of_two(128, 8192), rng.choice((32, 64, 96, 128, 256))
                p = {"m": s, "k": d, "n": s, "p": d}
            else:
                p = {x: rng.power_of_two(2, 8192, half=True) if rng.bernoulli(0.8) else rng.integer(2, 8192)
                     for x in ("m", "k", "n", "p")}
            p.update(fixed)
            if self._costs(p)[0] != self._costs(p)[1] or set(fixed) == {"m", "k", "n", "p"}:
                return p
        raise DrawError("flops.associativity: no shapes with unequal costs in 200 tries")

    @staticmethod
    def _costs(p: Params) -> tuple[int, int]:
        m, k, n, q = p["m"], p["k"], p["n"], p["p"]
        return 2 * m * k * n + 2 * m * n * q, 2 * k * n * q + 2 * m * k * q

    def validate(self, p: Params) -> None:
        for d in ("m", "k", "n", "p"):
            _at_most(d, p[d])

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("[(AB)C, A(BC)]", list(self._costs(p)), "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        m, k, n, q = p["m"], p["k"], p["n"], p["p"]
        left, right = answers[0].values
        attention = m == n and k == q
        ques = (f"\\(A \\in \\mathbb{{R}}^{{{m} \\times {k}}}\\), \\(B \\in \\mathbb{{R}}^{{{k} \\times {n}}}\\), "
                f"\\(C \\in \\mathbb{{R}}^{{{n} \\times {q}}}\\). How many FLOPs does \\((AB)C\\) take, and how "
                "many does \\(A(BC)\\) take? Answer as [(AB)C, A(BC)]; one multiply-add = 2 FLOP.")
        if attention:
            ques += (f" (This is the attention shape: \\(Q K^\\top V\\) with \\(s = {m}\\) tokens and head "
                     f"width \\(d = {k}\\), softmax left out.)")
        better = "(AB)C" if left < right else "A(BC)"
        sol = (f"\\((AB)C\\): \\(AB\\) is \\({m} \\times {n}\\) and costs \\(2mkn\\); times \\(C\\) costs "
               f"\\(2mnp\\). \\[2mkn + 2mnp = 2 \\times {m} \\times {k} \\times {n} + 2 \\times {m} \\times {n} "
               f"\\times {q} = {tex(left)}\\ \\text{{FLOP}}\\] "
               f"\\(A(BC)\\): \\(BC\\) is \\({k} \\times {q}\\) and costs \\(2knp\\); \\(A\\) times it costs "
               f"\\(2mkp\\). \\[2knp + 2mkp = 2 \\times {k} \\times {n} \\times {q} + 2 \\times {m} \\times {k} "
               f"\\times {q} = {tex(right)}\\ \\text{{FLOP}}\\] "
               f"Same result, but {better} is {plain(max(left, right) / min(left, right), 3)}× cheaper: "
               "associativity lets you choose the order that keeps the intermediate small.")
        if attention:
            sol += (" For attention, \\((QK^\\top)V\\) costs \\(4s^2 d\\) and \\(Q(K^\\top V)\\) costs "
                    "\\(4 s d^2\\): without the softmax in between, the second order is linear in \\(s\\) "
                    "(the idea behind linear attention).")
        return ques, sol

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        left, right = answers[0].values
        return _distinct(answers[0], [
            ([left, left], "assumes both orders cost the same: the result is the same, the cost is not"),
            ([left // 2, right // 2], "counts multiply-adds (MACs), not FLOPs"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        def meta(r: int, c: int) -> Any:
            return torch.empty(r, c, device="meta")

        a, b, c = meta(p["m"], p["k"]), meta(p["k"], p["n"]), meta(p["n"], p["p"])
        want = [torch_flops(lambda: (a @ b) @ c), torch_flops(lambda: a @ (b @ c))]
        assert_equal("FlopCounterMode on each order", answers[0].value, want)


# -- convolution ---------------------------------------------------------------------------------

class Conv2d(Generator):
    """Forward FLOPs of a 2-D convolution: 2·batch·c_out·h_out·w_out·c_in·kh·kw.

    Example: ``quizgen show flops.conv2d --param batch=8 --param c_in=3 --param c_out=16``
    """

    id = "flops.conv2d"
    version = 1
    title = "How many forward FLOPs does a conv layer take?"
    tags = ("convolution", "cnn")
    params = (
        Param("batch", "int", "batch size", lo=1, hi=64, min=1),
        Param("c_in", "int", "input channels", lo=1, hi=512, min=1),
        Param("c_out", "int", "output channels", lo=1, hi=512, min=1),
        Param("h_out", "int", "output height", lo=7, hi=224, min=1),
        Param("w_out", "int", "output width", lo=7, hi=224, min=1),
        Param("kh", "int", "kernel height (drawn from 1, 3, 5, 7)", lo=1, hi=7, min=1),
        Param("kw", "int", "kernel width (drawn from 1, 3, 5, 7)", lo=1, hi=7, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        sides = (7, 8, 14, 16, 28, 32, 56, 64, 112, 128, 224)
        h = rng.choice(sides)
        w = h if rng.bernoulli(0.8) else rng.choice(sides)
        kh = rng.choice((1, 3, 3, 3, 5, 7))
        kw = kh if rng.bernoulli(0.85) else rng.choice((1, 3, 5, 7))
        return {"batch": rng.power_of_two(1, 64), "c_in": rng.choice((1, 3, 16, 32, 64, 128, 256, 512)),
                "c_out": rng.power_of_two(8, 512, half=True), "h_out": h, "w_out": w, "kh": kh, "kw": kw}

    def validate(self, p: Params) -> None:
        for d in ("batch", "c_in", "c_out", "h_out", "w_out", "kh", "kw"):
            _at_most(d, p[d])

    def solve(self, p: Params) -> list[Answer]:
        v = 2 * p["batch"] * p["c_out"] * p["h_out"] * p["w_out"] * p["c_in"] * p["kh"] * p["kw"]
        return [Answer("convolution", v, "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        b, ci, co, h, w, kh, kw = (p[x] for x in ("batch", "c_in", "c_out", "h_out", "w_out", "kh", "kw"))
        inputs, chans = "input" + "s" * (b != 1), "channel" + "s" * (ci != 1)
        q = (f"A 2-D convolution layer (stride 1, no groups, no bias) takes a batch of {b} {inputs} with {ci} "
             f"{chans} and produces {co} output channels of size \\({h} \\times {w}\\), using "
             f"\\({kh} \\times {kw}\\) kernels. How many FLOPs does its forward pass take? "
             "One multiply-add = 2 FLOP.")
        s = (f"Each output value is a dot product over its receptive field: \\(c_{{in}} k_h k_w = {ci} \\times "
             f"{kh} \\times {kw} = {tex(ci * kh * kw)}\\) multiply-adds. There are \\(\\text{{batch}} \\cdot "
             f"c_{{out}} h_{{out}} w_{{out}} = {b} \\times {co} \\times {h} \\times {w} = {tex(b * co * h * w)}\\) "
             f"output values. \\[2 \\times {tex(b * co * h * w)} \\times {tex(ci * kh * kw)} = "
             f"{tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
             "Intuition: a convolution is a matmul in disguise (im2col): the output positions are the rows, "
             "\\(c_{in} k_h k_w\\) is the inner dimension and \\(c_{out}\\) the columns.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        ans = answers[0].value
        return _distinct(answers[0], [
            (ans // p["c_in"], "drops c_in: every kernel spans all input channels"),
            (ans // 2, "counts multiply-adds (MACs), not FLOPs"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch
        import torch.nn.functional as F  # noqa: N812

        def run() -> None:
            # No padding: the input is just big enough to give an h_out × w_out output.
            x = torch.empty(p["batch"], p["c_in"], p["h_out"] + p["kh"] - 1, p["w_out"] + p["kw"] - 1,
                            device="meta")
            wt = torch.empty(p["c_out"], p["c_in"], p["kh"], p["kw"], device="meta")
            out = F.conv2d(x, wt)
            require(tuple(out.shape[2:]) == (p["h_out"], p["w_out"]), "conv output has the wrong size")

        assert_equal("FlopCounterMode(F.conv2d)", answers[0].value, torch_flops(run))


# -- attention -----------------------------------------------------------------------------------

class Attention(Generator):
    """Matmul FLOPs of one self-attention forward pass: 8sd² + 4s²d.

    Example: ``quizgen show flops.attention --param seq_len=128 --param d_model=256``
    """

    id = "flops.attention"
    version = 1
    title = "How many matmul FLOPs does one self-attention forward pass take?"
    tags = ("attention", "transformer")
    params = (
        Param("seq_len", "int", "tokens s", lo=128, hi=32768, min=1),
        Param("d_model", "int", "model width d", lo=256, hi=8192, min=1),
        Param("n_heads", "int", "attention heads (must divide d_model; does not change the count)",
              lo=1, hi=128, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        widths = (256, 512, 768, 1024, 1536, 2048, 2560, 4096, 5120, 8192)
        s = rng.power_of_two(128, 32768)
        if "n_heads" in fixed:  # keep a drawn width divisible by the user's head count
            h = fixed["n_heads"]
            d = fixed.get("d_model") or rng.choice([w for w in widths if w % h == 0] or [64 * h])
            return {"seq_len": s, "d_model": d, "n_heads": h}
        d = fixed.get("d_model") or rng.choice(widths)
        head = rng.choice([hd for hd in (64, 128) if d % hd == 0] or [d])
        return {"seq_len": s, "d_model": d, "n_heads": d // head}

    def validate(self, p: Params) -> None:
        for d in ("seq_len", "d_model", "n_heads"):
            _at_most(d, p[d])
        if p["d_model"] % p["n_heads"]:
            raise ParamError(f"n_heads must divide d_model = {p['d_model']} (got n_heads = {p['n_heads']})")

    def solve(self, p: Params) -> list[Answer]:
        s, d = p["seq_len"], p["d_model"]
        return [Answer("attention layer", 8 * s * d * d + 4 * s * s * d, "FLOP")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        s, d, h = p["seq_len"], p["d_model"], p["n_heads"]
        q = (f"One self-attention layer with model width \\(d = {d}\\) and {h} heads runs forward on "
             f"\\(s = {s}\\) tokens (one sequence). How many FLOPs do its matmuls take: the Q, K, V and "
             "output projections, \\(QK^\\top\\) and the attention-weighted sum of V? Leave out the softmax, "
             "scaling and masking; one multiply-add = 2 FLOP.")
        proj, scores = 8 * s * d * d, 4 * s * s * d
        s_ = ("Projections: four \\((s \\times d)(d \\times d)\\) matmuls, \\(4 \\times 2sd^2 = 8sd^2 = "
              f"8 \\times {s} \\times {d}^2 = {tex(proj)}\\). "
              "Scores \\(QK^\\top\\): per head \\((s \\times d_h)(d_h \\times s)\\), and the heads' \\(d_h\\) "
              "add up to \\(d\\), so \\(2s^2 d\\); the weighted sum of V is another \\(2s^2 d\\): "
              f"\\(4s^2 d = 4 \\times {s}^2 \\times {d} = {tex(scores)}\\). "
              f"\\[8sd^2 + 4s^2 d = {tex(answers[0].value)}\\ \\text{{FLOP}}\\] "
              "The number of heads does not change the count. Intuition: the projections dominate while "
              f"\\(s\\) is below \\(2d\\); beyond that the quadratic \\(s^2\\) term takes over (here "
              f"\\(s / 2d = {tex(s / (2 * d), 3)}\\)).")
        return q, s_

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        s, d, h = p["seq_len"], p["d_model"], p["n_heads"]
        return _distinct(answers[0], [
            (8 * s * d * d, "counts the projections only, leaving out QKᵀ and the weighted sum of V (4s²d)"),
            (8 * s * d * d + 4 * s * s * d * h, "multiplies the s² term by the number of heads: each head "
                                                 "works on d/h dimensions"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        s, d, h = p["seq_len"], p["d_model"], p["n_heads"]

        def run() -> None:
            x = torch.empty(s, d, device="meta")
            wq, wk, wv, wo = (torch.empty(d, d, device="meta") for _ in range(4))

            def heads(t: Any) -> Any:
                return t.view(s, h, d // h).transpose(0, 1)  # (h, s, d/h)

            q, k, v = heads(x @ wq), heads(x @ wk), heads(x @ wv)
            att = torch.softmax(q @ k.transpose(1, 2) / (d // h) ** 0.5, dim=-1)
            (att @ v).transpose(0, 1).reshape(s, d) @ wo

        assert_equal("FlopCounterMode(explicit multi-head attention)", answers[0].value, torch_flops(run))


# -- automatic differentiation -------------------------------------------------------------------

_MODES = ("forward", "reverse", "best")


def _count_passes(n_in: int, n_out: int) -> tuple[int, int]:
    """(JVPs, VJPs) that torch needs for the full Jacobian of a linear map ℝ^n_in → ℝ^n_out.

    VJPs: ``backward`` calls of a counting ``autograd.Function`` under
    ``torch.autograd.functional.jacobian(vectorize=False)``. JVPs: ``jvp`` calls while the columns
    are built by forward mode, which must reproduce the reverse-mode Jacobian.
    """
    import warnings

    import torch
    import torch.autograd.forward_ad as fwad

    calls = {"jvp": 0, "vjp": 0}

    class Linear(torch.autograd.Function):
        @staticmethod
        def forward(x: Any, w: Any) -> Any:
            return w @ x

        @staticmethod
        def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
            ctx.w = inputs[1]

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            calls["vjp"] += 1
            return ctx.w.T @ grad, None

        @staticmethod
        def jvp(ctx: Any, tangent: Any, _tw: Any) -> Any:
            calls["jvp"] += 1
            return ctx.w @ tangent

    gen = torch.Generator().manual_seed(n_in * 1000 + n_out)
    w = torch.randn(n_out, n_in, generator=gen, dtype=torch.float64)
    x = torch.randn(n_in, generator=gen, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda v: Linear.apply(v, w), x, vectorize=False)
    cols = []
    with warnings.catch_warnings():
        # torch's first make_dual loads jvp decompositions through the deprecated torch.jit.script.
        warnings.simplefilter("ignore", DeprecationWarning)
        for j in range(n_in):
            with fwad.dual_level():
                out = Linear.apply(fwad.make_dual(x, torch.eye(n_in, dtype=torch.float64)[j]), w)
                cols.append(fwad.unpack_dual(out).tangent)
    require(torch.allclose(jac, w) and torch.allclose(torch.stack(cols, dim=1), w),
            "forward and reverse mode disagree on the Jacobian")
    return calls["jvp"], calls["vjp"]


class AutodiffPasses(Generator):
    """Passes for a full Jacobian: n_in JVPs (forward mode), n_out VJPs (reverse mode), or the fewer.

    Example: ``quizgen show flops.autodiff_passes --param n_in=1000000 --param n_out=1 --param mode=best``
    """

    id = "flops.autodiff_passes"
    version = 2
    form = ("mode",)
    title = "How many passes give the full Jacobian of f: ℝⁿ→ℝᵐ?"
    tags = ("autodiff", "jacobian")
    params = (
        Param("n_in", "int", "input dimension n", lo=1, hi=1_000_000, min=1),
        Param("n_out", "int", "output dimension m", lo=1, hi=1_000_000, min=1),
        Param("mode", "str", "forward (JVPs), reverse (VJPs) or best (the cheaper)", choices=_MODES),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        def size(lo: float, hi: float) -> int:
            return int(rng.nice(lo, hi, sig=1))

        kind = rng.choice(("loss", "decoder", "square", "any"))
        if kind == "loss":  # a scalar (or few-valued) loss of many parameters
            n_in, n_out = size(1e3, 1e6), rng.choice((1, 1, 2, 10))
        elif kind == "decoder":  # a small latent mapped to a big output
            n_in, n_out = size(2, 100), size(1e3, 1e6)
        elif kind == "square":  # ℝⁿ → ℝⁿ, e.g. a vector field whose divergence we want
            n_in = n_out = size(10, 1e5)
        else:
            n_in, n_out = size(1, 1e6), size(1, 1e6)
        return {"n_in": n_in, "n_out": n_out, "mode": rng.choice(_MODES)}

    def validate(self, p: Params) -> None:
        for d in ("n_in", "n_out"):
            _at_most(d, p[d])

    def solve(self, p: Params) -> list[Answer]:
        n_in, n_out, mode = p["n_in"], p["n_out"], p["mode"]
        v = n_in if mode == "forward" else n_out if mode == "reverse" else min(n_in, n_out)
        return [Answer("full Jacobian", v, "passes", PASSES_EXACT)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n_in, n_out, mode = p["n_in"], p["n_out"], p["mode"]
        ask = {"forward": "in forward mode (each pass is one Jacobian-vector product, JVP)",
               "reverse": "in reverse mode (each pass is one vector-Jacobian product, VJP, i.e. one backprop)",
               "best": "choosing the cheaper of forward mode (one JVP per pass) and reverse mode "
                       "(one VJP per pass)"}[mode]
        q = (f"\\(f: \\mathbb{{R}}^{{{tex(n_in)}}} \\to \\mathbb{{R}}^{{{tex(n_out)}}}\\). How many automatic "
             f"differentiation passes give its full Jacobian, {ask}? Assume no sparsity or structure to exploit.")
        s = (f"The Jacobian \\(J\\) is \\({tex(n_out)} \\times {tex(n_in)}\\). A forward-mode pass pushes one "
             "tangent \\(v\\) through and returns \\(Jv\\): with \\(v = e_j\\) that is column \\(j\\), so it takes "
             f"\\(n = {tex(n_in)}\\) passes. A reverse-mode pass pulls one cotangent \\(u\\) back and returns "
             f"\\(u^\\top J\\): with \\(u = e_i\\) that is row \\(i\\), so it takes \\(m = {tex(n_out)}\\) passes. ")
        if mode == "best":
            s += f"The cheaper is \\(\\min(n, m) = {tex(answers[0].value)}\\) passes. "
        else:
            s += f"In {mode} mode: \\({tex(answers[0].value)}\\) passes. "
        s += ("Intuition: backprop (reverse mode) wins for a scalar loss of many parameters, forward mode "
              "for few inputs and many outputs; a divergence of \\(\\mathbb{R}^n \\to \\mathbb{R}^n\\) needs "
              "\\(n\\) passes, which is why Hutchinson's estimator (one pass per random probe) is used.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n_in, n_out, mode = p["n_in"], p["n_out"], p["mode"]
        other = {"forward": n_out, "reverse": n_in, "best": max(n_in, n_out)}[mode]
        why = ("picks the more expensive mode" if mode == "best" else
               "swaps the modes: forward mode gives one column (input) per pass, reverse mode one row (output)")
        return _distinct(answers[0], [
            (other, why),
            (1, "one pass gives one Jacobian-vector (or vector-Jacobian) product, not the whole Jacobian"),
        ])

    def check(self, p: Params, answers: list[Answer]) -> None:
        n_in, n_out, mode = p["n_in"], p["n_out"], p["mode"]
        # Count on a map small enough to run: the sizes themselves when small, else a stand-in of
        # at most 12 that keeps which side is larger, so "best" picks the same mode.
        cap = 12
        a, b = min(n_in, cap), min(n_out, cap)
        if a == b and n_in != n_out:
            a, b = (cap - 1, cap) if n_in < n_out else (cap, cap - 1)
        jvps, vjps = _count_passes(a, b)
        assert_equal("JVPs counted for the full Jacobian", jvps, a)
        assert_equal("VJPs counted (backward calls)", vjps, b)
        chosen = mode if mode != "best" else "forward" if jvps <= vjps else "reverse"
        if (a, b) == (n_in, n_out):
            assert_equal("passes counted", answers[0].value, jvps if chosen == "forward" else vjps)
        else:  # one pass per input (forward) or per output (reverse), as counted: scale it up
            assert_equal("passes counted, scaled to the real sizes", answers[0].value,
                         n_in if chosen == "forward" else n_out)


# -- Strassen ------------------------------------------------------------------------------------

class _Shaped:
    """A batch of matrices with a shape and no entries: runs Strassen's data flow for sizes too
    big to multiply (meta tensors would do too, at ~0.2 ms per op)."""

    def __init__(self, *shape: int) -> None:
        self.shape = shape

    def __getitem__(self, key: tuple[slice, ...]) -> _Shaped:
        return _Shaped(*(len(range(*k.indices(n))) for k, n in zip(key, self.shape, strict=True)))

    def __add__(self, other: _Shaped) -> _Shaped:
        require(self.shape == other.shape, f"adding shapes {self.shape} and {other.shape}")
        return self

    __sub__ = __add__

    def chunk(self, k: int) -> list[_Shaped]:
        require(self.shape[0] % k == 0, f"cannot split a batch of {self.shape[0]} into {k}")
        return [_Shaped(self.shape[0] // k, *self.shape[1:])] * k

    @staticmethod
    def cat(parts: list[_Shaped], dim: int = 0) -> _Shaped:
        shape = list(parts[0].shape)
        rest = [x.shape[:dim] + x.shape[dim + 1:] for x in parts]
        require(all(r == rest[0] for r in rest), "concatenating mismatched shapes")
        shape[dim] = sum(x.shape[dim] for x in parts)
        return _Shaped(*shape)

    @staticmethod
    def bmm(a: _Shaped, b: _Shaped) -> _Shaped:
        require(a.shape[0] == b.shape[0] and a.shape[2] == b.shape[1], "bmm of mismatched shapes")
        return _Shaped(a.shape[0], a.shape[1], b.shape[2])


def _strassen_batched(a: Any, b: Any, leaf: int, count: list[int], cat: Any, bmm: Any) -> Any:
    """Strassen on a batch of square matrices (B, n, n), down to ``leaf``×``leaf`` blocks, which it
    multiplies with one plain ``bmm``, adding that bmm's scalar multiplications to ``count[0]``.
    ``cat``/``bmm`` are torch's (real tensors) or :class:`_Shaped`'s (shapes only)."""
    batch, n, _ = a.shape
    if n <= leaf:
        count[0] += batch * n * n * b.shape[-1]  # a plain (n×n)@(n×n) is n³ multiplications
        return bmm(a, b)
    h = n // 2
    a11, a12, a21, a22 = a[:, :h, :h], a[:, :h, h:], a[:, h:, :h], a[:, h:, h:]
    b11, b12, b21, b22 = b[:, :h, :h], b[:, :h, h:], b[:, h:, :h], b[:, h:, h:]
    left = cat([a11 + a22, a21 + a22, a11, a22, a11 + a12, a21 - a11, a12 - a22])
    right = cat([b11 + b22, b11, b12 - b22, b21 - b11, b22, b11 + b12, b21 + b22])
    m1, m2, m3, m4, m5, m6, m7 = _strassen_batched(left, right, leaf, count, cat, bmm).chunk(7)
    top = cat([m1 + m4 - m5 + m7, m3 + m5], dim=2)
    bottom = cat([m2 + m4, m1 - m2 + m3 + m6], dim=2)
    return cat([top, bottom], dim=1)


def _is_power_of_two(x: int) -> bool:
    return x >= 1 and x & (x - 1) == 0


class Strassen(Generator):
    """Scalar multiplications of n×n Strassen with recursion stopped at leaf size ℓ: 7^(k−j)·ℓ³.

    Example: ``quizgen show flops.strassen --param n=64 --param leaf=8``
    """

    id = "flops.strassen"
    version = 2
    title = "How many scalar multiplications does n×n Strassen take with leaf size ℓ?"
    tags = ("matmul", "strassen", "algorithms")
    params = (
        Param("n", "int", "matrix size n = 2^k", lo=8, hi=4096, min=1, max=2**20),
        Param("leaf", "int", "leaf size ℓ = 2^j ≤ n, multiplied the ordinary way", lo=1, hi=4096, min=1),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if "n" in fixed:
            k = fixed["n"].bit_length() - 1
        else:
            # Room for at least one level of recursion, within n's hard limit (2^20): a leaf that is
            # too big for any n is then reported by validate, not drawn past the limit.
            lo = min(max(3, fixed.get("leaf", 1).bit_length()), 20)
            k = rng.integer(lo, max(lo, 12))
        j = rng.integer(0, max(k - 1, 0))
        return {"n": 2**k, "leaf": 2**j}

    def validate(self, p: Params) -> None:
        n, leaf = p["n"], p["leaf"]
        if not _is_power_of_two(n):
            raise ParamError(f"n must be a power of two, e.g. 64 (got {n})")
        if not _is_power_of_two(leaf):
            raise ParamError(f"leaf must be a power of two, e.g. 8 (got {_shown(leaf)})")
        if leaf > n:
            raise ParamError(f"leaf must be at most n = {n} (got {_shown(leaf)})")

    def solve(self, p: Params) -> list[Answer]:
        levels = p["n"].bit_length() - p["leaf"].bit_length()
        return [Answer("Strassen", 7**levels * p["leaf"] ** 3, "multiplications")]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        n, leaf = p["n"], p["leaf"]
        k, j = n.bit_length() - 1, leaf.bit_length() - 1
        q = (f"Strassen's algorithm multiplies two \\({n} \\times {n}\\) matrices by splitting each into "
             "\\(2 \\times 2\\) blocks and forming 7 block products instead of 8, recursively. The recursion "
             f"stops at \\({leaf} \\times {leaf}\\) blocks, which are multiplied the ordinary way "
             f"(\\({leaf}^3\\) scalar multiplications each). How many scalar multiplications does it take in "
             "total? (Additions are not counted.)")
        naive = n**3
        s = (f"With \\(n = 2^{{{k}}}\\) and \\(\\ell = 2^{{{j}}}\\) there are \\(k - j = {k - j}\\) levels of "
             f"recursion, each turning one product into 7 of half the size: \\(7^{{{k - j}}} = {tex(7 ** (k - j))}\\) "
             f"leaf products of \\(\\ell^3 = {tex(leaf**3)}\\) multiplications each. "
             f"\\[7^{{k-j}} \\ell^3 = 7^{{{k - j}}} \\times {leaf}^3 = {tex(answers[0].value)}\\] "
             f"The ordinary algorithm needs \\(n^3 = {tex(naive)}\\), "
             f"{plain(naive / answers[0].value, 3)}× more. Intuition: each level saves a factor 8/7, so the "
             "full recursion costs \\(n^{\\log_2 7} \\approx n^{2.807}\\); real libraries stop early because "
             "the extra additions and memory traffic cost more than the multiplications saved.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n, leaf = p["n"], p["leaf"]
        cands: list[tuple[Value, str]] = [
            (n**3, "the ordinary count 8^k = n³: Strassen replaces 8 block products by 7 at each level")]
        if leaf > 1:  # with leaf 1 the count is 7^k = n^log₂7 exactly: n^2.807 only rounds the exponent
            cands.append((round(n ** 2.807), "n^2.807 is the asymptotic rate of full recursion down to 1×1, "
                                             "not an exact count, and it ignores the leaf size"))
        return _distinct(answers[0], cands)

    def check(self, p: Params, answers: list[Answer]) -> None:
        n, leaf = p["n"], p["leaf"]
        count = [0]
        if n <= 64:  # small enough to multiply for real (small integers: exact in float64)
            import torch

            gen = torch.Generator().manual_seed(n + leaf)
            a = torch.randint(-3, 4, (1, n, n), generator=gen).double()
            b = torch.randint(-3, 4, (1, n, n), generator=gen).double()
            c = _strassen_batched(a, b, leaf, count, torch.cat, torch.bmm)
            require(torch.equal(c, a @ b), "instrumented Strassen does not reproduce A@B")
        else:
            c = _strassen_batched(_Shaped(1, n, n), _Shaped(1, n, n), leaf, count, _Shaped.cat, _Shaped.bmm)
            require(c.shape == (1, n, n), f"Strassen returned shape {c.shape}")
        assert_equal("leaf multiplications counted in an instrumented Strassen", answers[0].value, count[0])
