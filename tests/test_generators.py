"""Registry-wide tests: every generator gets these for free, with no test written for it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.model import Problem
from quizgen.registry import load_registry
from quizgen.stress import invariants

from .conftest import GOLDEN, GOLDEN_SEEDS

REG = load_registry()
COMPUTED = [g.id for g in REG if not g.measured]
ALL = REG.ids()


@pytest.mark.parametrize("gen_id", COMPUTED)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_check_passes_for_random_seeds(gen_id: str, seed: int) -> None:
    gen = REG.get(gen_id)
    p = gen.problem(seed)
    gen.check(p.params, p.answers)
    assert invariants(gen, p) == []


@pytest.mark.parametrize("gen_id", COMPUTED)
def test_deterministic_and_json_round_trip(gen_id: str) -> None:
    gen = REG.get(gen_id)
    for seed in (0, 1, 12345):
        a, b = gen.problem(seed), gen.problem(seed)
        assert a.dumps() == b.dumps()
        assert Problem.from_json(json.loads(a.dumps())).to_json() == a.to_json()


@pytest.mark.parametrize("gen_id", COMPUTED)
def test_fixed_params_reproduce_the_problem(gen_id: str) -> None:
    """Feeding a problem's own params back as overrides gives the same problem."""
    gen = REG.get(gen_id)
    p = gen.problem(3)
    assert gen.problem(99, p.params).answers == p.answers


@pytest.mark.parametrize("gen_id", COMPUTED)
def test_golden(gen_id: str) -> None:
    path = GOLDEN / f"{gen_id}.json"
    assert path.exists(), f"no golden file: run python tests/update_golden.py {gen_id}"
    want = json.loads(path.read_text(encoding="utf-8"))
    got = [REG.get(gen_id).problem(s).to_json() for s in GOLDEN_SEEDS]
    assert got == want, f"{gen_id} output changed; if intended, bump version and update the golden file"


@pytest.mark.parametrize("gen_id", ALL)
def test_generator_metadata(gen_id: str) -> None:
    gen = REG.get(gen_id)
    cls = type(gen)
    assert cls.__doc__ and cls.__doc__.strip(), f"{gen_id} has no docstring"
    assert gen.title.strip()
    assert gen.all_tags() and all(" " not in t for t in gen.all_tags())
    assert gen.id.count(".") == 1 and gen.id.split(".")[0] == gen.area
    assert gen.version >= 1
    assert len({p.name for p in gen.params}) == len(gen.params)


def test_registry_is_large_and_ordered() -> None:
    assert len(REG) >= 1
    assert len(set(ALL)) == len(ALL)
