"""The fast exact paths give the values of the plain computations they replaced (issue 16, speed):
sums in integers over a common denominator, a fraction-free rank, cached helpers and the math
tokenizer, each against the straightforward formula on random inputs."""

from __future__ import annotations

import random
import re
import sys
from fractions import Fraction
from types import ModuleType
from typing import Any

import pytest

from quizgen.gentools import exact_decimal, memo
from quizgen.registry import load_registry
from quizgen.render import mathlayout

from .conftest import generator_formulas

REG = load_registry()


def module_of(gen_id: str) -> ModuleType:
    return sys.modules[type(REG.get(gen_id)).__module__]


def mean(v: list[Fraction]) -> Fraction:
    return sum(v, Fraction(0)) / len(v)


def sample_var(v: list[Fraction]) -> Fraction:
    m = mean(v)
    return sum(((a - m) ** 2 for a in v), Fraction(0)) / (len(v) - 1)


def draw_values(rng: random.Random, n: int) -> list[Any]:
    kind = rng.choice(["score", "wide", "int"])
    if kind == "score":
        return [round(rng.random(), 2) for _ in range(n)]
    if kind == "wide":
        return [rng.uniform(-1, 1) * 10.0 ** rng.randint(-40, 40) for _ in range(n)]
    return [rng.randint(-5, 5) for _ in range(n)]


def test_paired_t_statistics_equal_the_fraction_formulas() -> None:
    paired_exact = module_of("stats.paired_vs_unpaired")._paired_exact
    rng = random.Random(16)
    for _ in range(300):
        n = rng.randint(2, 15)
        x, y = draw_values(rng, n), draw_values(rng, n)
        xs, ys = [exact_decimal(v) for v in x], [exact_decimal(v) for v in y]
        d = [a - b for a, b in zip(xs, ys, strict=True)]
        if len(set(d)) < 2:
            continue
        vx, vy = sample_var(xs), sample_var(ys)
        expected = (mean(d) ** 2 * n / sample_var(d), (mean(xs) - mean(ys)) ** 2 * n / (vx + vy),
                    mean(d), sample_var(d), mean(xs), mean(ys), vx, vy)
        assert paired_exact(tuple(x), tuple(y)) == expected


def test_regression_sums_equal_the_fraction_formulas() -> None:
    regression_sums = module_of("stats.regression")._regression_sums
    rng = random.Random(17)
    for _ in range(300):
        n = rng.randint(1, 12)
        x, y = draw_values(rng, n), draw_values(rng, n)
        xs, ys = [exact_decimal(v) for v in x], [exact_decimal(v) for v in y]
        mx, my = mean(xs), mean(ys)
        expected = (mx, my, sum(((a - mx) ** 2 for a in xs), Fraction(0)),
                    sum(((b - my) ** 2 for b in ys), Fraction(0)),
                    sum(((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)), Fraction(0)))
        assert regression_sums(tuple(x), tuple(y)) == expected


def test_rank_equals_the_pivots_of_rref() -> None:
    linalg = module_of("linalg.condition_number")
    rng = random.Random(18)
    for _ in range(2000):
        rows, cols = rng.randint(1, 6), rng.randint(1, 6)
        a = [[rng.choice([0, 0, rng.randint(-9, 9), round(rng.uniform(-5, 5), 2)]) for _ in range(cols)]
             for _ in range(rows)]
        if rows > 1 and rng.random() < 0.4:  # a dependent row
            k = rng.randint(-3, 3)
            a[-1] = [k * u + v for u, v in zip(a[0], a[1], strict=True)]
        m = linalg.fmat(a)
        assert linalg.rank(m) == len(linalg.rref(m)[1]), a


def test_memo_keys_tell_numbers_apart_and_keep_no_errors() -> None:
    store: dict[str, Any] = {}
    assert memo(store, repr([1]), lambda: "int") == "int"
    assert memo(store, repr([1.0]), lambda: "float") == "float"
    assert memo(store, repr([True]), lambda: "bool") == "bool"
    assert memo(store, repr([1]), lambda: "again") == "int"

    def fail() -> str:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        memo(store, "bad", fail)
    assert "bad" not in store


def test_math_tokens_are_the_non_whitespace_tokens() -> None:
    pattern = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}]|[0-9a-z]+|\s+|.", re.S)
    pieces = list("ab Z09{}\\^_,.=+") + ["\u2009", "\xa0", "\x1c", "\t", "\n", "é", "×", "\\ ", "\\frac", "\\text"]
    rng = random.Random(19)
    for _ in range(5000):
        src = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        toks, ends = mathlayout._scan(src)
        assert toks == [t for t in pattern.findall(src) if not t.isspace()], repr(src)
        # and the ends place each of them where it is in src (the old loop over every token)
        pos, places = 0, []
        for t in pattern.findall(src):
            if not t.isspace():
                places.append((pos, pos + len(t)))
            pos += len(t)
        assert [(ends[2 * k], ends[2 * k + 1]) for k in range(len(toks))] == places, repr(src)
        assert [src[a:b] for a, b in places] == toks


def test_pool_chunks_cover_every_task_in_order_big_first() -> None:
    from quizgen.build import CHUNK, _chunks

    for n_tasks, workers in ((10_000, 2), (401, 2), (5_000, 7), (63, 4)):
        tasks = list(range(n_tasks))
        chunks = _chunks(tasks, workers)
        assert [t for c in chunks for t in c] == tasks
        sizes = [len(c) for c in chunks]
        assert sizes == sorted(sizes, reverse=True) or sizes[-1] < CHUNK  # only the tail may be short
        assert all(s >= CHUNK for s in sizes[:-1])
    assert len(_chunks(list(range(10_000)), 2)) < 10_000 // CHUNK // 3  # far fewer result messages


def _formulas() -> list[tuple[str, bool]]:
    """Every formula of 3 draws of each computed generator, and random formulas of digits, letters,
    relations, operators, braces, scripts, fractions and spaces."""
    out = [(src, display) for _, src, display in generator_formulas(REG)]
    rng = random.Random(20)
    pieces = ["1", "23", "0.5", "x", "ab", "Z", "=", " = ", "+", " - ", "\\times", "\\approx", ",", " ", "\\ ",
              "{", "}", "^{2}", "_1", "^23", "\\frac{7}{12}", "\\sqrt{2}", "\\text{ tokens}", "\\,", "é", "\\le"]
    for _ in range(3000):
        out.append(("".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))), rng.random() < 0.5))
    return out


def test_layouts_cached_by_shape_equal_the_layout_of_the_formula_itself() -> None:
    """break_display, split_inline and tex_width look a formula's layout up by its shape (digits as
    0); the layout computed on the formula itself is the same, for every formula the generators
    write and for random ones."""
    for src, display in _formulas():
        direct = mathlayout._display_plan.__wrapped__(src, 12.5)
        assert mathlayout.break_display(src, 12.5) == (
            src if direct is None or len(src) * 1.45 <= 12.5 else mathlayout.fill(direct, src)), repr(src)
        pieces = mathlayout._inline_plans.__wrapped__(src, 12.0)
        assert mathlayout.split_inline(src, 12.0) == (
            None if pieces is None else [mathlayout.fill(p, src) for p in pieces]), repr(src)
        toks, _ = mathlayout._scan(src)
        assert mathlayout.tex_width(src, display) == sum(mathlayout._widths(toks, display)), repr(src)


def test_exact_caches_tell_an_int_from_an_equal_float() -> None:
    """2**60 and 2.0**60 are equal and hash alike, but are read as different decimals
    (1152921504606846976 and 1152921504606847000): the exact caches keyed by the user's numbers
    must not hand one the other's result."""
    big_int, big_float = 2**60, 2.0**60
    assert big_int == big_float and exact_decimal(big_int) != exact_decimal(big_float)
    paired = module_of("stats.paired_vs_unpaired")._paired_exact
    a = paired((big_int, 1, 2), (1, 2, 4))
    b = paired((big_float, 1, 2), (1, 2, 4))
    assert a[4] == mean([exact_decimal(big_int), Fraction(1), Fraction(2)])
    assert b[4] == mean([exact_decimal(big_float), Fraction(1), Fraction(2)]) != a[4]
    regression = module_of("stats.regression")._regression_sums
    assert regression((big_int, 1.0), (1, 2))[0] != regression((big_float, 1.0), (1, 2))[0]


def test_exact_decimal_reads_the_repr_like_fractions_parser() -> None:
    """exact_decimal(x) of a float is Fraction(repr(x)), read from the repr's digits directly; inf
    and nan still raise what the parser raises."""
    from quizgen.gentools import _decimal_of

    rng = random.Random(21)
    xs = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-320, 308) for _ in range(3000)]
    xs += [round(rng.random(), rng.randint(0, 6)) for _ in range(1000)]
    xs += [0.0, -0.0, 1.0, -1.0, 0.1, 5e-324, -5e-324, 1.7976931348623157e308, 1e16, 1e22, 123456789.0, 2.0**60]
    for x in xs:
        _decimal_of.cache_clear()
        assert exact_decimal(x) == Fraction(repr(x)), x
    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises((ValueError, OverflowError)):
            Fraction(repr(bad))
        with pytest.raises((ValueError, OverflowError)):
            exact_decimal(bad)


def _plain_widths(toks: list[str], display: bool) -> list[float]:
    """The token widths by the straightforward loop over every token (mathlayout._widths before it
    looked the plain tokens up in one pass)."""
    m = mathlayout
    w = [0.0] * len(toks)
    i, n = 0, len(toks)
    while i < n:
        t, at = toks[i], i
        i += 1
        if t not in m._SPECIAL:
            w[at] = m._plain(t, display)
        elif t in ("{", "}") or t in m._ZERO:
            continue
        elif t in ("^", "_"):
            if i < n and len(toks[i]) > 1 and toks[i][0].isalnum():
                w[at] = 0.71 * 0.52 + 0.52 * (len(toks[i]) - 1)
                i += 1
            else:
                arg, i = m._group(toks, i)
                w[at] = 0.71 * sum(_plain_widths(arg, False))
        elif t in ("\\frac", "\\dfrac", "\\tfrac", "\\binom"):
            num, i = m._group(toks, i)
            den, i = m._group(toks, i)
            scale = 1.0 if (display or t == "\\dfrac") and t != "\\tfrac" else 0.71
            w[at] = scale * max(sum(_plain_widths(num, display)), sum(_plain_widths(den, display))) + 0.25
        elif t == "\\sqrt":
            if i < n and toks[i] == "[":
                while i < n and toks[i] != "]":
                    i += 1
                i += 1
            arg, i = m._group(toks, i)
            w[at] = sum(_plain_widths(arg, display)) + 0.85
        elif t in m._TEXTLIKE:
            arg, i = m._group(toks, i)
            w[at] = 0.5 * sum(len(a) if not a.startswith("\\") else 1 for a in arg)
        elif t in ("\\mathbb", "\\mathcal", "\\mathfrak", "\\boldsymbol", "\\bm"):
            arg, i = m._group(toks, i)
            w[at] = 0.75 * max(1, sum(len(a) for a in arg))
        elif t in ("\\begin", "\\end"):
            _, i = m._group(toks, i)
    return w


def test_token_widths_equal_the_loop_over_every_token() -> None:
    """mathlayout._widths (plain tokens looked up at once, the loop only over the rest) gives the
    widths of the plain loop, token for token, on the generators' formulas and on random ones full
    of scripts, fractions, roots, fonts, environments and unclosed groups."""
    rng = random.Random(22)
    pieces = ["1", "23", "x", "ab", "Z", "=", "+", "\\times", ",", "{", "}", "^", "_", "^{2}", "_1", "^23",
              "\\frac{7}{12}", "\\frac", "\\dfrac{a}{b}", "\\tfrac{1}{2}", "\\binom{n}{k}", "\\sqrt{2}",
              "\\sqrt[3]{x}", "\\sqrt[", "\\text{ tokens}", "\\mathrm{d}", "\\mathbb{R}", "\\bm{v}",
              "\\begin{aligned}", "\\end{aligned}", "&", "\\\\", "\\left(", "\\right)", "\\,", "\\quad",
              "\\sum", "\\log", "é", "\\alpha", "\\!", "(", ")"]
    srcs = [src for src, _ in _formulas()]
    srcs += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(4000)]
    for src in srcs:
        toks, _ = mathlayout._scan(src)
        for display in (False, True):
            assert mathlayout._widths(toks, display) == _plain_widths(toks, display), (src, display)


def test_width_bound_is_an_upper_bound_of_the_width() -> None:
    """width_bound (character counts) is never below tex_width, inline or display, so a formula
    under a limit by the bound fits without being measured; on the generators' formulas and on
    random ones built from the widest tokens per character."""
    rng = random.Random(23)
    pieces = ["=", "<", ">", "+", "-", "*", "×", "−", "·", "W", "é", "1", "x", "\\le", "\\sum", "\\int",
              "\\qquad", "\\quad", "\\times", "\\sqrt{W}", "\\frac{=}{W}", "\\dfrac{W}{+}", "^{=}", "_{W}", "^23",
              "\\mathbb{WW}", "\\text{WW}", "\\log", "\\Pr", "\\ln", "\\alpha", "\\,", "~", ",", "(", "/", " "]
    srcs = [src for src, _ in _formulas()]
    srcs += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(4000)]
    for src in srcs:
        for display in (False, True):
            toks, _ = mathlayout._scan(src)
            assert sum(mathlayout._widths(toks, display)) <= mathlayout.width_bound(src) + 1e-9, (src, display)


def test_seed_json_written_directly_is_the_json_encoders() -> None:
    """derive_seed writes the JSON of ints and plain ASCII strings itself: the same text as the
    encoder, so the same seeds; anything else still goes to the encoder."""
    from quizgen import rng as rng_mod

    r = random.Random(24)
    words = ["problem", "item", "flops.matmul", "", " ", "a b", "x\"y", "back\\slash", "tab\tx", "é", "\x7f",
             "print-redraw", "~!@#$%^&*()"]
    for _ in range(5000):
        parts = tuple(r.choice([r.randint(-10**20, 10**20), r.choice(words), r.randint(0, 9), True, 1.5, None])
                      for _ in range(r.randint(0, 7)))
        fast = rng_mod._plain_json(parts)
        assert fast is None or fast == rng_mod._SEED_JSON.encode(parts), parts
        if all(type(p) is int for p in parts):
            assert fast is not None


def test_scaled_decimals_are_the_exact_decimals_over_one_denominator() -> None:
    """scaled_decimals(v) = (den, ints) with ints[k] / den the exact decimal of v[k], den their
    least common denominator (the integer-sum fast paths of stats, info, linalg and optim)."""
    from math import lcm

    from quizgen.gentools import over_common_denominator, scaled_decimals

    rng = random.Random(25)
    for _ in range(2000):
        v = draw_values(rng, rng.randint(0, 8))
        den, ints = scaled_decimals(v)
        fs = [exact_decimal(x) for x in v]
        assert [Fraction(i, den) for i in ints] == fs
        assert den == lcm(*(f.denominator for f in fs))
        assert over_common_denominator(fs) == (den, ints)
