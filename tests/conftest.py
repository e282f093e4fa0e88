"""Shared fixtures: the registry, a CLI runner, and the seeds the registry-wide tests use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.model import Answer, Problem
from quizgen.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_SEEDS = range(5)


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's benchmark cache or drill database."""
    os.environ["QUIZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["QUIZGEN_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real installed CLI in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "quizgen", *args], capture_output=True, text=True,
                          input=input, env=full_env, cwd=cwd, timeout=600)


def problem(gen_id: str, **fixed: Any) -> Problem:
    """Problem 0 of ``gen_id`` with ``fixed`` params, after its own cross-check passed."""
    gen = load_registry().get(gen_id)
    p = gen.problem(0, fixed)
    gen.check(p.params, p.answers)
    return p


def answers(gen_id: str, **fixed: Any) -> list[Answer]:
    return problem(gen_id, **fixed).answers


def value(gen_id: str, **fixed: Any) -> Any:
    return answers(gen_id, **fixed)[0].value


def answer_parts(p: Problem) -> list[tuple[Any, ...]]:
    """What must not change between versions of one question: the answer parts and how they are graded."""
    return [(a.label, a.unit, a.precision, a.choices, len(a.values)) for a in p.answers]


def same_form_versions(gen_id: str, first_seed: int, seeds: range = range(100, 120)
                       ) -> tuple[Any, Problem, dict[str, Any], list[Problem]]:
    """Versions of ``gen_id``'s problem ``first_seed`` drawn with its form fixed (as print and
    ``--variants`` draw them), after checking that each keeps the form and the answer parts:
    (generator, first, form, versions)."""
    gen = load_registry().get(gen_id)
    first = gen.problem(first_seed)
    form = gen.form_of(first.params)
    versions = [gen.problem(seed, form) for seed in seeds]
    for v in versions:
        assert gen.form_of(v.params) == form and answer_parts(v) == answer_parts(first), (gen_id, v.seed)
    return gen, first, form, versions


def generator_formulas(registry: Registry, seeds: int = 3) -> list[tuple[str, str, bool]]:
    """(generator id, formula, is display) for every formula in the questions and solutions of
    ``seeds`` draws of each computed generator."""
    import re

    out = []
    for gen in registry:
        if gen.measured:
            continue
        for seed in range(seeds):
            p = gen.problem(seed)
            for m in re.finditer(r"\\\[(.*?)\\\]|\\\((.*?)\\\)", p.question + "\n" + p.solution, re.S):
                out.append((gen.id, m.group(1), True) if m.group(1) is not None else (gen.id, m.group(2), False))
    return out
