"""The precision policy (issue 12) over the whole computed catalogue: every answer states its
precision, the exact value rounded to it is accepted, most parts are 3 s.f. or exact, none asks for
more than 4 figures, no misconception passes, and every question says what is expected."""

from __future__ import annotations

import json

import pytest

from quizgen.drill.parse import parse_for
from quizgen.grading import accepts
from quizgen.model import SIG3, Answer, Tolerance
from quizgen.precision import answer_precision, match_choice, sentence
from quizgen.registry import Registry, load_registry
from quizgen.stress import precision_violations

from .conftest import problem, run_cli

DRAWS = range(15)
COMPUTED = sorted(g.id for g in load_registry() if not g.measured)


@pytest.mark.parametrize("gen_id", COMPUTED)
def test_every_draw_honours_the_policy(gen_id: str, registry: Registry) -> None:
    gen = registry.get(gen_id)
    for seed in DRAWS:
        p = gen.problem(seed)
        assert precision_violations(gen, p) == [], (gen_id, seed)
        for a in p.answers:
            assert a.precision and a.to_json()["precision"] == a.precision
        for d in p.distractors:
            assert not accepts(p.answer, d.value), (gen_id, seed, d)


def test_most_parts_are_three_figures_or_exact(registry: Registry) -> None:
    kinds: dict[str, int] = {}
    for gen_id in COMPUTED:
        gen = registry.get(gen_id)
        for seed in DRAWS:
            for a in gen.problem(seed).answers:
                if a.choices:
                    continue
                t = a.tolerance
                kind = "3sf" if t == SIG3 else "exact" if t.exact else f"sig{t.sig}" if t.sig else "other"
                kinds[kind] = kinds.get(kind, 0) + 1
    total = sum(kinds.values())
    assert (kinds.get("3sf", 0) + kinds.get("exact", 0)) / total >= 0.8, kinds


def test_rounded_answers_pass_at_the_edges() -> None:
    a = Answer("x", 0.00123456, None, SIG3)
    assert accepts(a, 0.00123) and accepts(a, 0.001235) and not accepts(a, 0.00124)
    big = Answer("C", 9_007_199_254_740_993, "FLOP", SIG3)
    assert accepts(big, 9.01e15) and not accepts(big, 9.02e15)
    nines = Answer("n", 9996, None, SIG3)  # rounds up to 1.00e4
    assert accepts(nines, 10000) and accepts(nines, 9990) is False
    zero = Answer("g", [0, 0.5], None, SIG3)
    assert accepts(zero, [0, 0.5]) and not accepts(zero, [1e-17, 0.5])


def test_json_tolerance_is_the_grading_tolerance() -> None:
    a = Answer("FLOPs", 524288, "FLOP", SIG3)
    d = a.to_json()
    assert d["tolerance"] == {"sig": 3, "rtol": 0, "atol": 500.0}
    assert d["precision"] == "3 significant figures"
    back = Answer.from_json(json.loads(json.dumps(d)))
    for guess in (523788, 524788, 523787, 524789):
        assert accepts(back, guess) == accepts(a, guess) == (abs(guess - 524288) <= 500)
    v = Answer("v", [1234.5, 0.0123], None, SIG3).to_json()["tolerance"]
    assert v["atol"] == pytest.approx([5.0, 0.00005])


def test_texts_are_humane() -> None:
    assert answer_precision(Answer("x", 1.0, None, Tolerance(sig=2, why="w"))) == "2 significant figures"
    assert answer_precision(Answer("x", 1, None, Tolerance(why="w"))) == "exact"
    assert answer_precision(Answer("t", 1e-3, "s", Tolerance(factor=2), measured_on="cpu")) == \
        "within a factor of 2 (measured)"
    assert answer_precision(Answer("t", 3.0, "ms", Tolerance(atol=0.5, why="w"))) == "±0.5 ms"
    assert sentence([Answer("x", 1.5)]) == "Give your answer to 3 significant figures."


def test_categorical_parts_are_words() -> None:
    a = Answer("bound", "memory-bound", None, choices=("compute-bound", "memory-bound"))
    assert accepts(a, "memory-bound") and accepts(a, "Memory") and accepts(a, "m")
    assert not accepts(a, "compute") and not accepts(a, "") and not accepts(a, 0)
    assert parse_for(a, "  MEMORY bound ") == "memory-bound"
    assert match_choice("bound", a.choices) is None
    assert a.to_json()["choices"] == ["compute-bound", "memory-bound"]
    assert Answer.from_json(a.to_json()) == a


def test_exact_zero_gradient_is_exactly_zero() -> None:
    p = problem("optim.linreg_gradient", X=[[1, 1], [1, -1]], w=[0.1, 0.2], y=[0.3, -0.1])
    assert p.answers[0].value == [0, 0]
    assert accepts(p.answers[0], [0, 0])


def test_roofline_second_part_is_a_word() -> None:
    p = problem("gpu.roofline")
    part = p.answers[1]
    assert part.choices == ("compute-bound", "memory-bound") and part.value in part.choices


def test_show_json_states_precision_for_every_answer() -> None:
    res = run_cli("show", "gpu.occupancy", "--seed", "3", "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert all(a["precision"] for a in d["answers"])
    assert "significant figures" in d["question"] or "exact" in d["question"]


def test_exact_integers_beyond_2_53_are_compared_exactly() -> None:
    from quizgen.drill.parse import parse_value
    from quizgen.model import EXACT

    a = Answer("N", 2**53 + 1, None, EXACT)
    assert accepts(a, parse_value("9007199254740993"))
    assert not accepts(a, parse_value("9007199254740992")) and not accepts(a, 2.0**53)
    assert not accepts(Answer("N", 2**53, None, EXACT), 2**53 - 1)
