"""Deck specs: the bundled decks load, and mistakes are reported with line and key."""

from __future__ import annotations

import pytest

from quizgen.build import build_problems
from quizgen.deck import bundled_decks, load_deck, parse_deck
from quizgen.errors import DeckError
from quizgen.registry import Registry

GOOD = """
[deck]
name = "T"
seed = 1

[[items]]
generator = "flops.matmul"
count = 2
options = { m = 64 }
"""


@pytest.mark.parametrize("name", list(bundled_decks()))
def test_bundled_decks_load_and_build(registry: Registry, name: str) -> None:
    spec = load_deck(name, registry)
    if any(registry.get(i.generator).measured for i in spec.items):
        pytest.skip("measured deck: building it runs benchmarks (covered by test_bench.py)")
    built = build_problems(spec, registry, seed=spec.seed or 0, count=1)
    assert len(built) == len(spec.items)


def test_ml_math_covers_every_computed_generator(registry: Registry) -> None:
    """ml-math needs no torch; the measured bench.* generators have their own deck."""
    spec = load_deck("ml-math", registry)
    assert {i.generator for i in spec.items} == {g.id for g in registry if not g.measured}
    measured = load_deck("measured", registry)
    assert {i.generator for i in measured.items} == {g.id for g in registry if g.measured}


def test_options_fix_params_and_seeds_are_stable(registry: Registry) -> None:
    spec = parse_deck(GOOD, registry)
    a = build_problems(spec, registry, seed=1)
    assert [b.problem.params["m"] for b in a] == [64, 64]
    assert a[0].problem.seed != a[1].problem.seed
    # adding an item does not change the others
    spec2 = parse_deck(GOOD + '\n[[items]]\ngenerator = "flops.matmul"\n', registry)
    b = build_problems(spec2, registry, seed=1)
    assert [x.problem.dumps() for x in b[:2]] == [x.problem.dumps() for x in a]


@pytest.mark.parametrize("text, expect", [
    ("[deck\nname='x'", "not valid TOML"),
    ("[deck]\nname='x'\n", "no [[items]]"),
    ("[deck]\nnam='x'\n", "unknown key 'nam' in [deck] (did you mean 'name'?)"),
    ("[deck]\nname='x'\n[[items]]\ngenerator='flops.matmul'\ncont=2\n", ":5: unknown key 'cont'"),
    ("[deck]\nname='x'\n[[items]]\ngenerator='flops.matmulx'\n", "unknown generator 'flops.matmulx'"),
    ("[deck]\nname='x'\n[[items]]\ngenerator='flops.matmul'\ncount=0\n", "count must be an integer from 1"),
    ("[deck]\nname='x'\n[[items]]\ngenerator='flops.matmul'\noptions={m=-1}\n", "m must be a positive integer"),
    ("[deck]\nname='x'\n[[items]]\ngenerator='flops.matmul'\ntags=['a b']\n", "without spaces"),
])
def test_spec_errors(registry: Registry, text: str, expect: str) -> None:
    with pytest.raises(DeckError) as e:
        parse_deck(text, registry, "my.toml")
    assert expect in str(e.value)
    assert str(e.value).startswith("my.toml")


def test_unknown_deck_name(registry: Registry) -> None:
    with pytest.raises(DeckError, match="unknown deck 'ml-mth' \\(did you mean 'ml-math'\\?\\)"):
        load_deck("ml-mth", registry)
