"""The units area against published reference numbers (CATALOGUE.md), through the public API, plus
validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import ParamError
from quizgen.grading import accepts
from quizgen.model import Problem
from quizgen.registry import load_registry

from .conftest import same_form_versions

REG = load_registry()


def solved(gen_id: str, **params: Any) -> Problem:
    """The problem for fixed params, after its own independent cross-check passed."""
    gen = REG.get(gen_id)
    p = gen.problem(0, params)
    gen.check(p.params, p.answers)
    return p


@pytest.mark.parametrize(("qty", "src", "dst", "want"), [
    (1, "year", "s", 31_557_600),  # Julian year: 365.25 × 86,400
    (1, "day", "s", 86_400),
    (1, "h", "s", 3600),
    (1, "week", "h", 168),
    (1e9, "s", "year", 31.68808781),  # a gigasecond
    (90, "min", "h", 1.5),
])
def test_time(qty: float, src: str, dst: str, want: float) -> None:
    p = solved("units.time", quantity=qty, **{"from": src, "to": dst})
    assert p.answer.value == pytest.approx(want, rel=1e-9)
    assert p.answer.unit == dst


def test_time_rough_day_is_a_distractor() -> None:
    p = solved("units.time", quantity=1, **{"from": "day", "to": "s"})
    assert 100_000 in [d.value for d in p.distractors]
    assert not accepts(p.answer, 100_000)


@pytest.mark.parametrize(("a", "b", "want"), [
    (3, 3, 10),  # 9 ≈ 10
    (1e3, 3e4, 3e7),
    (3e9, 3e-2, 1e8),
    (1e-3, 1e15, 1e12),
    (3e15, 3e15, 1e31),
])
def test_powers_of_ten(a: float, b: float, want: float) -> None:
    p = solved("units.powers_of_ten", a=a, b=b)
    assert p.answer.value == pytest.approx(want, rel=1e-12)
    assert accepts(p.answer, a * b)  # the exact product is within the half-power tolerance
    assert not accepts(p.answer, want * 10)


def test_pflops_days_gpt3() -> None:
    # GPT-3: 3.14e23 FLOP; the paper's table says 3,640 PF/s-days (3.14e23 / 8.64e19 = 3,634).
    p = solved("units.pflops_days", flops=3.14e23)
    assert p.answer.value == pytest.approx(3634.26, rel=1e-5)
    assert accepts(p.answer, 3634)


@pytest.mark.parametrize(("value", "src", "dst", "want"), [
    (80, "GB", "GiB", 74.50580596923828),  # an "80 GB" GPU
    (1, "TiB", "GB", 1099.511627776),
    (1, "GiB", "MiB", 1024),
    (2048, "MB", "GB", 2.048),
])
def test_bytes(value: float, src: str, dst: str, want: float) -> None:
    p = solved("units.bytes", value=value, **{"from": src, "to": dst})
    assert p.answer.value == pytest.approx(want, rel=1e-12)


def test_bytes_four_significant_figures_pass() -> None:
    # 1.2 TiB = 1228.8 GiB: the 4 significant figures that `show` and answer keys print (1229) must be
    # graded right; rtol 1e-4 rejected them.
    p = solved("units.bytes", value=1.2, **{"from": "TiB", "to": "GiB"})
    assert accepts(p.answer, 1229)
    assert not any(accepts(p.answer, d.value) for d in p.distractors)
    # The closest misconception, MiB taken as MB (4.9%), stays wrong.
    q = solved("units.bytes", value=230, **{"from": "MiB", "to": "MB"})
    assert accepts(q.answer, 241.2) and not accepts(q.answer, 230)


@pytest.mark.parametrize(("gen_id", "values"), [
    ("units.time", ("s", "min", "h", "day", "week", "year")),
    ("units.bytes", ("MB", "MiB", "GB", "GiB", "TB", "TiB")),
])
def test_fixing_to_never_draws_the_same_unit(gen_id: str, values: tuple[str, ...]) -> None:
    gen = REG.get(gen_id)
    for unit in values:
        for seed in range(40):
            p = gen.problem(seed, {"to": unit}).params
            assert p["from"] != unit, (seed, p)


def test_smallest_allowed_values_do_not_underflow() -> None:
    assert solved("units.time", quantity=1e-100, **{"from": "s", "to": "year"}).answer.value > 0
    assert solved("units.powers_of_ten", a=1e-150, b=1e-150).answer.value == pytest.approx(1e-300)
    assert solved("units.bytes", value=1e-100, **{"from": "MB", "to": "TiB"}).answer.value > 0
    assert solved("units.pflops_days", flops=1).answer.value == pytest.approx(1 / 8.64e19)


def test_bytes_gb_is_not_gib() -> None:
    p = solved("units.bytes", value=80, **{"from": "GB", "to": "GiB"})
    assert 80 in [d.value for d in p.distractors]  # GiB taken as GB: 7% off, not accepted


@pytest.mark.parametrize(("gen_id", "params", "message"), [
    ("units.time", {"quantity": -1}, "quantity must be a number with 1e-100 ≤ quantity ≤ 1e+100 (got -1)"),
    # Tiny values used to underflow: the answer (or a distractor) came out as 0.
    ("units.time", {"quantity": 5e-324, "from": "s", "to": "year"}, "(got 5e-324)"),
    ("units.powers_of_ten", {"a": 1e-300, "b": 1e-300}, "a must be a number with 1e-150 ≤ a"),
    ("units.pflops_days", {"flops": 1e-300}, "flops must be a number with 1 ≤ flops"),
    ("units.bytes", {"value": 5e-324}, "value must be a number with 1e-100 ≤ value"),
    ("units.time", {"from": "fortnight"}, "from must be one of s, min, h, day, week, year"),
    ("units.powers_of_ten", {"a": 2}, "a must be 1 or 3 times a power of ten"),
    ("units.powers_of_ten", {"b": 0}, "b must be a number with 1e-150 ≤ b"),
    ("units.time", {"quantity": 1e300}, "(got 1e+300)"),  # would overflow to inf
    ("units.pflops_days", {"flops": 0}, "flops must be a number with 1 ≤ flops"),
    ("units.bytes", {"to": "KB"}, "to must be one of MB, MiB, GB, GiB, TB, TiB"),
    ("units.bytes", {"value": -5}, "value must be a number with 1e-100 ≤ value"),
])
def test_bad_params(gen_id: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError) as err:
        REG.get(gen_id).problem(0, params)
    assert message in str(err.value)


def test_cli_bad_unit_is_a_user_error() -> None:
    result = CliRunner().invoke(cli, ["show", "units.time", "--param", "from=fortnight"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "fortnight" in lines[0]


def test_powers_of_ten_within_a_factor_of_2() -> None:
    # 3 × 3 = 9 counts as 10; the neighbouring half powers (3e5 next to 1e6) are a factor 3 away.
    a = load_registry().get("units.powers_of_ten").problem(0, {"a": 3e2, "b": 3e3}).answers[0]
    assert a.value == 1e6 and a.precision == "within a factor of 2" and a.tolerance.why
    assert accepts(a, 9e5) and not accepts(a, 3e5) and not accepts(a, 3e6)


def test_labels_do_not_repeat_the_unit() -> None:
    reg = load_registry()
    for gen_id in ("units.time", "units.powers_of_ten", "units.pflops_days", "units.bytes"):
        for seed in range(10):
            for a in reg.get(gen_id).problem(seed).answers:
                assert a.unit is None or a.unit.casefold() not in a.label.casefold()


@pytest.mark.parametrize("gen_id", ["units.time", "units.bytes"])
def test_a_fixed_form_gives_the_same_answer_parts(gen_id: str) -> None:
    for first_seed in range(4):
        _, _, form, versions = same_form_versions(gen_id, first_seed)
        assert set(form) == {"from", "to"}
        assert len({v.params["value" if gen_id == "units.bytes" else "quantity"] for v in versions}) > 5
