"""FLOP counts: matmuls, chains, training steps, einsums, attention, convolutions (1 multiply-add =
2 FLOP). Example::

    quizgen show flops.matmul --seed 7
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizgen.checking import assert_equal
from quizgen.crosscheck import torch_flops
from quizgen.generator import Generator, Params
from quizgen.model import EXACT, Answer, Distractor
from quizgen.params import Param
from quizgen.render.numbers import tex
from quizgen.rng import Rng


def _dim(name: str, help_: str) -> Param:
    return Param(name, "int", help_, lo=1, hi=16384, min=1)


class Matmul(Generator):
    """FLOPs of an (m×k)@(k×n) matmul: 2mkn.

    Example: ``quizgen show flops.matmul --param m=64 --param k=128 --param n=32``
    """

    id = "flops.matmul"
    version = 1
    title = "How many FLOPs are in an (m×k)@(k×n) matmul?"
    tags = ("matmul",)
    params = (
        _dim("m", "rows of A"),
        _dim("k", "inner (contracted) dimension"),
        _dim("n", "columns of B"),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        return {d: rng.power_of_two(1, 16384, half=True) if rng.bernoulli(0.8) else rng.integer(1, 16384)
                for d in ("m", "k", "n")}

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("FLOPs", 2 * p["m"] * p["k"] * p["n"], "FLOP", EXACT)]

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
        out = [Distractor(m * k * n, "counts multiply-adds (MACs), not FLOPs: each MAC is 2 FLOP")]
        if k != 1:
            out.append(Distractor(2 * m * n, "drops the inner dimension: each output costs 2k FLOP, not 2"))
        return out

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        def run() -> None:
            torch.empty(p["m"], p["k"], device="meta") @ torch.empty(p["k"], p["n"], device="meta")

        assert_equal("FlopCounterMode(matmul)", answers[0].value, torch_flops(run))
