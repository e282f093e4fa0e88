"""Assertions for generators' ``check()`` methods: they raise :class:`CheckError` with context.

Also which cross-checks may be skipped: one that needs an optional package that is not installed
(torch, from the ``bench`` extra) is reported as skipped by ``quizgen check``, with the install
command, instead of failing. Example: ``quizgen check flops.matmul --seeds 20``
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from quizgen.errors import CheckError, DependencyError
from quizgen.model import Number


def _as_list(x: Number | Sequence[Number]) -> list[float]:
    return [float(v) for v in x] if isinstance(x, (list, tuple)) else [float(x)]  # type: ignore[arg-type]


OPTIONAL_PACKAGES: dict[str, str] = {"torch": 'pip install "quizgen[bench]"'}
"""Packages some cross-checks import that the main install does not bring, and how to get them."""


def missing_optional(e: BaseException) -> str | None:
    """The optional package (``"torch"``) whose absence raised ``e``, or ``None`` for any other
    error (a missing package of any other name is a real failure)."""
    if isinstance(e, ModuleNotFoundError) and e.name:
        root = e.name.split(".", 1)[0]
        if root in OPTIONAL_PACKAGES:
            return root
    if isinstance(e, DependencyError) and "PyTorch" in str(e):  # quizgen.bench.harness.require_torch
        return "torch"
    return None


def install_hint(packages: Sequence[str]) -> str:
    """``pip install "quizgen[bench]"`` (the commands that install ``packages``, deduplicated)."""
    return " and ".join(dict.fromkeys(OPTIONAL_PACKAGES[p] for p in packages if p in OPTIONAL_PACKAGES))


def assert_close(what: str, got: Number | Sequence[Number], want: Number | Sequence[Number],
                 rtol: float = 1e-9, atol: float = 0.0) -> None:
    """``got`` (the generator's answer) equals ``want`` (the independent value) within tolerance."""
    g, w = _as_list(got), _as_list(want)
    if len(g) != len(w):
        raise CheckError(f"{what}: answer has {len(g)} values, cross-check {len(w)}")
    for a, b in zip(g, w, strict=False):
        if not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > atol + rtol * abs(b):
            raise CheckError(f"{what}: answer {got!r} but cross-check gives {want!r} (rtol={rtol}, atol={atol})")


def assert_equal(what: str, got: object, want: object) -> None:
    if got != want:
        raise CheckError(f"{what}: answer {got!r} but cross-check gives {want!r}")


def require(cond: bool, what: str) -> None:
    if not cond:
        raise CheckError(what)
