"""The drill's answer parser: what people type, read safely (never eval), in the answer's unit."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from quizgen.drill.parse import GARBAGE, parse_for, parse_value, parse_vector, split_list
from quizgen.errors import AnswerParseError
from quizgen.grading import accepts
from quizgen.model import EXACT, SIG3, Answer, Tolerance
from quizgen.render.numbers import plain, typeable

ACCEPTED: list[tuple[str, str | None, float | int]] = [
    # the list
    ("1.5e9", None, 1_500_000_000),
    ("1.5 × 10^9", None, 1_500_000_000),
    ("1,500,000,000", None, 1_500_000_000),
    ("3/4", None, 0.75),
    ("2^30", None, 2**30),
    ("12%", None, 0.12),
    ("-0.5", None, -0.5),
    ("1.2 GB", "B", 1_200_000_000),
    ("3 ms", "s", 0.003),
    ("5.9e22 FLOP", "FLOP", 59 * 10**21),
    ("16 GiB", "B", 16 * 2**30),
    # more spellings of numbers
    ("1.5E+9", None, 1_500_000_000),
    (".5", None, 0.5),
    ("5.", None, 5),
    ("−0.5", None, -0.5),  # unicode minus
    ("–2", None, -2),  # en dash
    ("+7", None, 7),
    ("1_000_000", None, 10**6),
    ("1\u202f000\u202f000", None, 10**6),  # narrow no-break spaces as thousands separators
    ("1,234.5", None, 1234.5),
    ("1.5x10^9", None, 1_500_000_000),
    ("1.5 X 10^9", None, 1_500_000_000),
    ("1.5*10**9", None, 1_500_000_000),
    ("1.5·10⁹", None, 1_500_000_000),
    ("2³⁰", None, 2**30),
    ("10⁻³", None, 0.001),
    ("2^-3", None, 0.125),
    ("2^(−3)", None, 0.125),
    ("-2^2", None, -4),
    ("2^3^2", None, 512),
    ("2**64", None, 2**64),
    ("(2 × 3)", None, 6),
    ("6/8", None, 0.75),
    ("1/3", None, 1 / 3),
    ("3 ÷ 4", None, 0.75),
    ("2 * 3 / 4", None, 1.5),
    ("≈ 3e9", None, 3_000_000_000),
    ("~3e9", None, 3_000_000_000),
    ("0", None, 0),
    ("12 %", None, 0.12),
    ("50 percent", None, 0.5),
    ("1.5M", None, 1_500_000),
    ("2 billion", None, 2_000_000_000),
    ("10^9.5", None, 10**9.5),
    # units, converted to the answer's unit
    ("16 GiB", "GB", 17.179869184),
    ("1.2gb", "B", 1_200_000_000),
    ("2 KiB", "B", 2048),
    ("1 kB", "B", 1000),
    ("1 KB", "B", 1000),
    ("512 MiB", "GiB", 0.5),
    ("64 bits", "B", 8),
    ("1 byte", "bits", 8),
    ("1 nat", "bits", 1 / math.log(2)),
    ("1 bit", "nats", math.log(2)),
    ("3 us", "s", 3e-6),
    ("3 µs", "ms", 0.003),
    ("3 μs", "ms", 0.003),  # Greek mu
    ("250 ns", "s", 2.5e-7),
    ("1.5 h", "s", 5400),
    ("90 min", "h", 1.5),
    ("2 days", "h", 48),
    ("500 h", "days", 500 / 24),
    ("1 year", "days", 365.25),
    ("1 week", "days", 7),
    ("4.79", "ms", 4.79),
    ("0.00479 s", "ms", 4.79),
    ("6.4 GFLOP", "FLOP", 6_400_000_000),
    ("6.4 gflop", "FLOP", 6_400_000_000),
    ("2 TF", "FLOP", 2 * 10**12),
    ("989 TFLOP/s", "TFLOP/s", 989),
    ("989 TFLOPS", "TFLOP/s", 989),  # FLOPS as a rate ...
    ("5.9e22 FLOPS", "FLOP", 59 * 10**21),  # ... or a count, whichever the answer needs
    ("0.989 PFLOP/s", "TFLOP/s", 989),
    ("1.5 TB/s", "GB/s", 1500),
    ("3350 GB/s", "TB/s", 3.35),
    ("2 GB per s", "GB/s", 2),
    ("300 FLOP/B", "FLOP/byte", 300),
    ("3.15e23 FLOP", "PF/s-days", 3.15e23 / 8.64e19),
    ("70B params", "params", 70 * 10**9),
    ("70B", "params", 70 * 10**9),  # B is billion when the answer is not in bytes ...
    ("70B", "B", 70),  # ... and bytes when it is
    ("1.4T tokens", "tokens", 1_400_000_000_000),
    ("3 token", "tokens", 3),
    ("20 tokens per second", "tokens/s", 20),
    ("20 tok/s", "tokens/s", 20),
    ("1.5M", "FLOP", 1_500_000),  # a bare multiplier, in the answer's unit
    ("12%", "%", 12),
    ("12", "%", 12),
    ("4 passes", "passes", 4),
    ("4 pass", "passes", 4),
    ("7 multiplications", "multiplications", 7),
]

REJECTED: list[tuple[str, str | None, str]] = [
    ("", None, GARBAGE),
    ("abc", None, GARBAGE),
    ("one million", None, GARBAGE),
    ("1 2", None, GARBAGE),
    ("1e9/s", None, GARBAGE),
    ("__import__('os').system('true')", None, GARBAGE),
    ("2**", None, GARBAGE),
    ("(1.5", None, GARBAGE),
    ("1.5)", None, GARBAGE),
    ("1,50,000", None, "groups of three digits"),
    ("1,5", None, "use a dot for decimals (1.5)"),
    ("1/0", None, "division by zero"),
    ("0^-1", None, "division by zero"),
    ("(-8)^(1/3)", None, "negative number to a fractional power"),
    ("1e5000", None, "out of range"),
    ("10^10^10", None, "too large"),
    ("1e308 * 10", None, "too large"),
    ("3 GB", "s", "you typed GB but the answer is in s"),
    ("3 ms", "B", "you typed ms but the answer is in B"),
    ("5 TFLOP/s", "FLOP", "you typed TFLOP/s but the answer is in FLOP"),
    ("3 GB", None, "you typed GB but the answer has no unit"),
    ("3 furlongs", "s", "unknown unit 'furlongs'"),
    ("2 Gb", "B", "'Gb' is ambiguous: type GB for bytes or Gbit for bits"),
    ("3 GB/", "B", "couldn't read the unit"),
    ("3 GB//s", "GB/s", "couldn't read the unit"),
    ("70 params", "tokens", "unknown unit 'params'"),
]


def _same(got: float | int, want: float | int) -> bool:
    if isinstance(want, int) and not isinstance(want, bool):
        return got == want and isinstance(got, int)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=0)


@pytest.mark.parametrize(("text", "unit", "want"), ACCEPTED, ids=[f"{t!r}->{u}" for t, u, _ in ACCEPTED])
def test_accepted(text: str, unit: str | None, want: float | int) -> None:
    got = parse_value(text, unit)
    assert _same(got, want), (text, unit, got, want)


@pytest.mark.parametrize(("text", "unit", "message"), REJECTED, ids=[f"{t!r}->{u}" for t, u, _ in REJECTED])
def test_rejected(text: str, unit: str | None, message: str) -> None:
    with pytest.raises(AnswerParseError) as e:
        parse_value(text, unit)
    assert message in str(e.value)


def test_garbage_message_is_the_documented_one() -> None:
    assert GARBAGE == "couldn't read that as a number — try 1.5e9 or 3/4"


def test_exact_ints_stay_exact() -> None:
    assert parse_value("2^64") == 18446744073709551616
    assert parse_value("58,800,000,000,000,000,000,000 FLOP", "FLOP") == 588 * 10**20
    assert parse_value("0.1") == 0.1
    assert parse_value("1/10") == 0.1  # exact rational, rounded once at the end
    assert parse_value("3 × 0.1") == 0.3  # not 0.30000000000000004


def test_lists() -> None:
    assert split_list("[1,500, 2; 3]") == ["1,500", "2", "3"]
    assert split_list("1,2,3") == ["1", "2", "3"]
    assert split_list("0.5,0.25") == ["0.5", "0.25"]
    assert parse_vector("[0.7; 0.6667; 0.64286]", None, 3) == [0.7, 0.6667, 0.64286]
    assert parse_vector("1 GB, 2 GB", "B", 2) == [10**9, 2 * 10**9]
    assert parse_vector("(8,589,934,592, 268,435,456)", "FLOP", 2) == [8589934592, 268435456]
    with pytest.raises(AnswerParseError, match="expected 3 numbers separated by ';' or ', ' but read 2"):
        parse_vector("1; 2", None, 3)
    with pytest.raises(AnswerParseError, match="1,500 reads as one thousand five hundred"):
        parse_vector("1,500", None, 2)
    with pytest.raises(AnswerParseError, match="expected one number but read 2"):
        parse_for(Answer("x", 1.0), "1, 2")


def test_never_evaluates_code() -> None:
    for text in ("__import__('os')", "open('x')", "lambda: 1", "1 if 1 else 2", "[x for x in ()]", "1e9.real"):
        with pytest.raises(AnswerParseError):
            parse_value(text)


# -- round trips: formatting a number any accepted way parses back to it ------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300).filter(
    lambda x: x == 0 or abs(x) > 1e-300)


def _sci(x: float, sep: str, power: str) -> str:
    mant, exp = f"{x:.17e}".split("e")
    return f"{mant}{sep}10{power}{int(exp)}"


def _sup(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


@given(finite)
@example(5.88e22)
@example(-0.5)
@example(1e-7)
def test_float_formats_round_trip(x: float) -> None:
    forms = [repr(x), f"{x:.17e}", f"{x:.17E}", _sci(x, " × ", "^"), _sci(x, "x", "^"), _sci(x, "*", "**"),
             _sci(x, " · ", "^"), plain(x, 17), typeable(x, 17), repr(x).replace("-", "−")]
    mant, exp = f"{x:.17e}".split("e")
    forms.append(f"{mant}·10{_sup(int(exp))}")
    for s in forms:
        assert float(parse_value(s)) == x, s  # the exact decimal, rounded once


@given(st.integers(-(10**30), 10**30))
@example(0)
@example(-1234567)
def test_int_formats_round_trip(n: int) -> None:
    for s in (str(n), f"{n:,}", f"{n:_}", str(n).replace("-", "−"), f"{n:,}".replace(",", "\u202f"),
              f"{n} FLOP"):
        got = parse_value(s, "FLOP")
        assert got == n and isinstance(got, int), s
    if abs(n) < 10**15:
        assert parse_value(plain(n)) == n


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**12))
def test_fractions_round_trip(p: int, q: int) -> None:
    assert parse_value(f"{p}/{q}") == float(Fraction(p, q))  # exact, rounded once


@given(st.integers(-(10**6), 10**6))
def test_percent_round_trip(k: int) -> None:
    assert parse_value(f"{k}%") == float(Fraction(k, 100))


@given(st.integers(0, 10**6), st.sampled_from([("KiB", 2**10), ("MiB", 2**20), ("GiB", 2**30), ("kB", 10**3),
                                                 ("MB", 10**6), ("GB", 10**9), ("TB", 10**12)]))
def test_byte_units_round_trip(n: int, unit: tuple[str, int]) -> None:
    assert parse_value(f"{n} {unit[0]}", "B") == n * unit[1]
    assert parse_value(f"{n}{unit[0]}", "B") == n * unit[1]


@given(st.lists(finite, min_size=1, max_size=6))
def test_vectors_round_trip(xs: list[float]) -> None:
    for text in ("; ".join(repr(x) for x in xs), "[" + ", ".join(repr(x) for x in xs) + "]"):
        assert [float(v) for v in parse_vector(text, None, len(xs))] == xs


@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_says_why(s: str) -> None:
    try:
        v = parse_value(s, "s")
    except AnswerParseError as e:
        assert str(e)
    else:
        assert isinstance(v, (int, float)) and math.isfinite(v)


# -- grading at the tolerance edges -------------------------------------------------------------------

def _ok(answer: Answer, typed: str) -> bool:
    return accepts(answer, parse_for(answer, typed))


def test_grading_rtol_edges() -> None:
    a = Answer("t", 1000.0, "ms", Tolerance(rtol=1e-3))
    assert _ok(a, "1001") and _ok(a, "999") and _ok(a, "1.001 s") and _ok(a, "1 s")
    assert not _ok(a, "1001.01") and not _ok(a, "998.99") and not _ok(a, "1.0011 s")


def test_grading_exact_edges() -> None:
    a = Answer("FLOPs", 524288, "FLOP", EXACT)
    assert _ok(a, "524288") and _ok(a, "524,288") and _ok(a, "2^19") and _ok(a, "524.288 kFLOP")
    assert not _ok(a, "524289") and not _ok(a, "524287") and not _ok(a, "5.243e5")


def test_grading_exact_big_ints_are_exact_and_sig_figures_are_half_a_unit() -> None:
    a = Answer("C", 588 * 10**20, "FLOP", EXACT)  # exact means exact, however big
    assert _ok(a, "5.88e22") and _ok(a, "5.88e10 TFLOP") and not _ok(a, "5.8805e22")
    b = Answer("C", 58_812_345 * 10**15, "FLOP", SIG3)  # 5.88e22 to 3 s.f.: ±0.005e22
    assert _ok(b, "5.88e22") and _ok(b, "5.8812e22") and _ok(b, "5.886e22") and _ok(b, "5.8763e22")
    assert not _ok(b, "5.887e22") and not _ok(b, "5.876e22") and not _ok(b, "5.9e22")


def test_grading_factor_edges() -> None:
    a = Answer("time", 1e-3, "s", Tolerance(factor=2))
    assert _ok(a, "2 ms") and _ok(a, "0.5 ms") and _ok(a, "1.9e-3")
    assert not _ok(a, "2.001 ms") and not _ok(a, "0.499 ms") and not _ok(a, "-1 ms") and not _ok(a, "0")


def test_grading_vectors_elementwise() -> None:
    a = Answer("[a, b]", [8589934592, 268435456], "FLOP", SIG3)
    assert _ok(a, "8,589,934,592; 268,435,456") and _ok(a, "[2^33, 2^28]") and _ok(a, "8.59e9, 2.68e8")
    assert not _ok(a, "8.59e9, 2.69e8")  # each element to its own 3 figures
    assert not _ok(a, "268,435,456; 8,589,934,592")
    b = Answer("p", [0.7, 0.66667], None, Tolerance(rtol=1e-3))
    assert _ok(b, "0.7; 0.6667") and _ok(b, "70%, 2/3") and not _ok(b, "0.7; 0.6")


@pytest.mark.parametrize("text", ["(" * 3000 + "2" + ")" * 3000, "-" * 5000 + "1", "2^" * 3000 + "2", "9" * 5000])
def test_hostile_input_is_a_parse_error_not_a_crash(text: str) -> None:
    with pytest.raises(AnswerParseError, match="too long"):
        parse_for(Answer("x", 1.0), text)
