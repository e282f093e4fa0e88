"""Hostile input through the real CLI: every generator × hostile values for each parameter, deck
specs, drill answers. Each must end with exit 0, or exit 2 and one ``error:`` line — never a
traceback, never "internal error", never a hang.

The per-generator cases run in a forked child with a generous timeout that exists only to catch
hangs (a case that takes minutes), never to measure speed. Run ``python tests/test_fuzz.py`` for
the totals (cases run, failures)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.params import Param
from quizgen.registry import load_registry

HANG_S = 120
"""A child running one generator's cases is killed after this long: only a hang takes so long."""

_NUMBERS = ["0", "-1", "1", "2", "3", "7", "1000", "1000000", "16384", "1e30", "-1e30", "1e308",
            "-1e308", "5e-324", "1e-300", "1" + "0" * 400, "-" + "1" + "0" * 400, "9223372036854775808",
            "NaN", "Infinity", "-Infinity", "nan", "inf", "0.5", "-0.5"]
_WRONG = ["true", '"abc"', "{}", '{"a": 1}', "null", "[]", "abc", "", '"\\u0000"', "x" * 5000]
_LISTS = ["[]", "[0]", "[-1, -1, -1]", "[1000, 1000, 1000]", "[1e308, 1e308, 1e308]", "[1e30, 1, 1]",
          "[0, 0, 0]", "[5e-324, 5e-324]", "[" + ",".join(["1"] * 1000) + "]",
          "[" + ",".join(["0.5"] * 100000) + "]", "[" * 1000 + "]" * 1000, "[" * 100 + "1" + "]" * 100,
          '["a", "b"]', "[[1, 2], [3, 4]]", "[[1], [2, 3]]", "[[1e308, 1e308], [1e308, 1e308]]",
          "[[" + ",".join(["1"] * 300) + "]]", "[1" + "0" * 400 + ", 1]", "[true, false]", "[null]"]
_DICTS = ['{"i": 1000000, "j": 1000000, "k": 1000000}', '{"i": -1}', '{"": 3}', '{"i": 1e308}',
          "{" + ",".join(f'"k{i}": 2' for i in range(1000)) + "}", '{"i": [1]}']


def hostile_values(p: Param) -> list[str]:
    """Raw ``--param`` texts worth throwing at ``p``: extremes of its kind, and every other kind."""
    vals = _NUMBERS + _WRONG + _LISTS + _DICTS
    if p.choices is not None:
        vals = vals + [json.dumps(c) for c in p.choices]
    return vals


def _cases(gen_id: str) -> Iterator[list[str]]:
    gen = load_registry().get(gen_id)
    for p in gen.params:
        for raw in hostile_values(p):
            yield ["show", gen_id, "--seed", "1", "--json", "--param", f"{p.name}={raw}"]
    yield ["show", gen_id, "--seed", "1", "--json", "--param", "nosuchparam=1"]


def _verdict(args: list[str]) -> str | None:
    """None if the CLI ended well (exit 0, or exit 2 with one error line), else what went wrong."""
    res = CliRunner().invoke(cli, args, catch_exceptions=True)
    shown = " ".join(a if len(a) < 60 else a[:57] + "..." for a in args)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(res.exception)).strip().splitlines()
        return f"{shown}: traceback: {tb[-1]}"
    out = res.output
    if res.exit_code == 0:
        return None
    if res.exit_code == 2:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        if len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out:
            return None
        return f"{shown}: exit 2 but not one error line: {out[-300:]!r}"
    return f"{shown}: exit {res.exit_code}: {out[-300:]!r}"


def _run_generator(gen_id: str, conn: Any) -> None:
    bad: list[str] = []
    n = 0
    for args in _cases(gen_id):
        n += 1
        v = _verdict(args)
        if v:
            bad.append(v)
    conn.send((n, bad))
    conn.close()


def fuzz_generator(gen_id: str) -> tuple[int, list[str]]:
    """(cases run, failures) for one generator, in a forked child that is killed if it hangs."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_generator, args=(gen_id, child))
    proc.start()
    child.close()
    if not parent.poll(HANG_S):
        proc.kill()
        proc.join()
        return 0, [f"{gen_id}: hung (no result after {HANG_S} s)"]
    n, bad = parent.recv()
    proc.join()
    return int(n), list(bad)


GEN_IDS = load_registry().ids()


@pytest.mark.parametrize("gen_id", GEN_IDS)
def test_hostile_params_end_cleanly(gen_id: str) -> None:
    n, bad = fuzz_generator(gen_id)
    assert n > 0 or bad
    assert not bad, "\n".join(bad[:20])


if __name__ == "__main__":  # pragma: no cover - the counting mode for reports
    os.environ.setdefault("QUIZGEN_CACHE_DIR", "/tmp/quizgen-fuzz-cache")
    ids = sys.argv[1:] or GEN_IDS
    total = fails = 0
    for g in ids:
        n, bad = fuzz_generator(g)
        total += n
        fails += len(bad)
        for b in bad:
            print(b, flush=True)
    print(f"cases run: {total}, failures: {fails}")
