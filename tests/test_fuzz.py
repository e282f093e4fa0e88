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
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.params import Param
from quizgen.registry import load_registry

SEED = os.environ.get("QUIZGEN_FUZZ_SEED", "1")
"""The seed of every case (``QUIZGEN_FUZZ_SEED=7 python tests/test_fuzz.py`` tries another)."""
HANG_S = 120
"""A child running one generator's cases is killed after this long: only a hang takes so long."""

_NUMBERS = ["0", "-1", "1", "2", "3", "7", "1000", "1000000", "16384", "1e30", "-1e30", "1e200", "1e-200",
            "1e300", "-1e300", "1e308", "-1e308", "5e-324", "1e-300", "1" + "0" * 400, "-" + "1" + "0" * 400,
            "9223372036854775808",
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
            yield ["show", gen_id, "--seed", SEED, "--json", "--param", f"{p.name}={raw}"]
    yield ["show", gen_id, "--seed", SEED, "--json", "--param", "nosuchparam=1"]


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


def _no_timing() -> None:
    """In the forked child only: measured generators time nothing (the fuzz is about their
    parameter checks, which run before any measurement) and cache into a private folder."""
    from quizgen.bench import harness, measure

    # Inside the session's private cache folder (conftest), so nothing is left in /tmp.
    child = Path(os.environ.get("QUIZGEN_CACHE_DIR", "/tmp/quizgen-fuzz-cache")) / f"fuzz-{os.getpid()}"
    child.mkdir(parents=True, exist_ok=True)
    os.environ["QUIZGEN_CACHE_DIR"] = str(child)
    try:
        import torch

        # A forked child must not wait on the parent's OpenMP thread team (libgomp is not fork-safe).
        torch.set_num_threads(1)
    except ImportError:
        pass

    def fake(*args: Any, **kwargs: Any) -> harness.Timing:
        return harness.Timing(1e-3, 1e-3, 0.0, 15)

    harness.time_call = fake  # type: ignore[assignment]
    measure.time_call = fake  # type: ignore[assignment]


SLOWEST: list[tuple[float, str]] = []
"""Filled only in the counting mode (``python tests/test_fuzz.py``): the slowest cases."""


def _run_generator(gen_id: str, conn: Any, timed: bool = False) -> None:
    import time

    if gen_id.startswith("bench."):
        _no_timing()
    bad: list[str] = []
    n = 0
    slow: list[tuple[float, str]] = []
    for args in _cases(gen_id):
        n += 1
        t0 = time.perf_counter()
        v = _verdict(args)
        if timed:
            slow.append((time.perf_counter() - t0, " ".join(args)[:120]))
        if v:
            bad.append(v)
    conn.send((n, bad, sorted(slow, reverse=True)[:5]))
    conn.close()


def fuzz_generator(gen_id: str, timed: bool = False) -> tuple[int, list[str]]:
    """(cases run, failures) for one generator, in a forked child that is killed if it hangs."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_generator, args=(gen_id, child, timed))
    proc.start()
    child.close()
    if not parent.poll(HANG_S):
        proc.kill()
        proc.join()
        return 0, [f"{gen_id}: hung (no result after {HANG_S} s)"]
    n, bad, slow = parent.recv()
    proc.join()
    SLOWEST.extend(slow)
    return int(n), list(bad)


GEN_IDS = load_registry().ids()


@pytest.mark.parametrize("gen_id", GEN_IDS)
def test_hostile_params_end_cleanly(gen_id: str) -> None:
    n, bad = fuzz_generator(gen_id)
    assert n > 0 or bad
    assert not bad, "\n".join(bad[:20])


# The cases issue 17 names: each must be one error line (exit 2), quickly.
NAMED = [
    ["linalg.lowrank_error", "k=7"],
    ["stats.auroc_scores", "scores_a=[1000,1000,1000]"],
    ["numerics.ode_step", "lam=1e30"],
    ["llm.mfu", "peak_tflops=1e308"],
    ["stats.softmax_temperature", "index=1000000"],
    ["info.mmd", "x=[" + ",".join(str(i % 7) for i in range(1000)) + "]"],
    ["bench.matmul_time", "m=16384", "k=16384", "n=16384", "device=cpu"],
    ["bench.matmul_time", "m=65536", "k=65536", "n=65536", "device=cpu"],
    ["bench.mlp_forward_time", "tokens=65536", "d_model=16384", "device=cpu"],
    ["bench.memory_bandwidth", f"n_elements={2**31}", "device=cpu"],
    ["numerics.float_round", "value=1" + "0" * 400],
    ["flops.matmul", "m=1e308"],
    ["flops.matmul_chain", "dims=" + "[" * 1000 + "]" * 1000],
]


@pytest.mark.parametrize("case", NAMED, ids=[c[0] + " " + c[1][:20] for c in NAMED])
def test_named_cases_are_one_error_line(case: list[str]) -> None:
    args = ["show", case[0], "--seed", "1", "--json"] + [a for p in case[1:] for a in ("--param", p)]
    res = CliRunner().invoke(cli, args)
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), res.output[-500:]


# -- deck specs -------------------------------------------------------------------------------------

_HEAD = '[deck]\nname = "x"\nseed = 1\n'
_ITEM = '[[items]]\ngenerator = "flops.matmul"\n'
SPECS = {
    "toml nested 500 deep": _HEAD + _ITEM + "options = { m = " + "[" * 500 + "1" + "]" * 500 + " }\n",
    "option nested 50 deep": _HEAD + _ITEM + "options = { m = " + "[" * 50 + "1" + "]" * 50 + " }\n",
    "a TOML date in options": _HEAD + _ITEM + "options = { m = 1979-05-27 }\n",
    "a TOML datetime as a name": '[deck]\nname = 1979-05-27T07:32:00Z\n' + _ITEM,
    "NUL in the deck name": '[deck]\nname = "a\\u0000b"\n' + _ITEM,
    "U+0001 in the title": _HEAD + '[quiz]\ntitle = "x\\u0001"\n' + _ITEM,
    "U+FFFE in the description": '[deck]\nname = "x"\ndescription = "\\uFFFE"\n' + _ITEM,
    "U+0001 in a tag": _HEAD + _ITEM + 'tags = ["a\\u0001"]\n',
    "NUL in an option string": _HEAD + '[[items]]\ngenerator = "flops.einsum"\noptions = { spec = "ij\\u0000" }\n',
    "nan points": _HEAD + _ITEM + "points = nan\n",
    "inf quiz points": _HEAD + "[quiz]\npoints = inf\n" + _ITEM,
    "a huge count": _HEAD + _ITEM + "count = 1000000000\n",
    "too many problems in all": _HEAD + _ITEM + "count = 10000\nvariants = 50\n",
    "a 10**400 option": _HEAD + _ITEM + "options = { m = 1" + "0" * 400 + " }\n",
    "a 100000-element list": _HEAD + '[[items]]\ngenerator = "stats.regression"\noptions = { x = ['
                             + ",".join(["1"] * 100000) + "] }\n",
    "an instructions string of 1 MB": _HEAD + '[quiz]\ninstructions = "' + "x" * 1_000_001 + '"\n' + _ITEM,
}


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("fmt", ["moodle", "qti", "json"])
def test_hostile_specs_end_cleanly(name: str, fmt: str, tmp_path: Any) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPECS[name], encoding="utf-8")
    out = tmp_path / "out"
    v = _verdict(["export", str(spec), "--format", fmt, "-o", str(out)])
    assert v is None, v
    assert not out.exists()  # each of these specs is refused


def test_huge_export_count_is_refused_fast(tmp_path: Any) -> None:
    res = CliRunner().invoke(cli, ["export", "ml-math", "--format", "json", "-o", str(tmp_path / "o.json"),
                                   "--count", "1000000000", "--seed", "1"])
    assert res.exit_code == 2 and ("at most" in res.output or "<=10000" in res.output)


# -- typed drill answers ----------------------------------------------------------------------------

ANSWERS = ["1 GB^99999999", "1 B^-99999999", "(" * 300 + "1" + ")" * 300, "1" * 5000, "9" * 101,
           "2^2^2^2^2^2", "1e99999999999", "10^(10^(10^10))", "1 GB⁹⁹⁹⁹⁹⁹⁹", "-" * 3000 + "1",
           "1/0", "0^-1", "(-8)^(1/3)", "\x00", "\ufffe", "1 " + "GB/" * 1000 + "s", "x" * 10**6, "", " ",
           "[" + ",".join(["1"] * 5000) + "]", "1e-99999", "nan", "inf", "1,5", "1,50,000"]


@pytest.mark.parametrize("text", ANSWERS, ids=range(len(ANSWERS)))
def test_hostile_answers_are_parse_errors(text: str) -> None:
    """Every one of these is read, or refused with AnswerParseError, at once (a hang would be
    caught by the child's timeout below)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def run() -> None:
        from quizgen.drill.parse import parse_for
        from quizgen.errors import AnswerParseError
        from quizgen.model import Answer

        out = []
        for ans in (Answer("bytes", 1024, "B"), Answer("x", 1.5, None), Answer("v", [1.0, 2.0], "s")):
            try:
                parse_for(ans, text)
                out.append("ok")
            except AnswerParseError as e:
                out.append(f"error: {e}")
            except Exception as e:  # noqa: BLE001 - what the test is looking for
                out.append(f"BUG {type(e).__name__}: {e}")
        child.send(out)

    proc = ctx.Process(target=run)
    proc.start()
    child.close()
    if not parent.poll(HANG_S):
        proc.kill()
        pytest.fail(f"hung on {text[:40]!r}")
    out = parent.recv()
    proc.join()
    assert not [o for o in out if o.startswith("BUG")], out


if __name__ == "__main__":  # pragma: no cover - the counting mode for reports
    os.environ.setdefault("QUIZGEN_CACHE_DIR", "/tmp/quizgen-fuzz-cache")
    ids = sys.argv[1:] or GEN_IDS
    total = fails = 0
    for g in ids:
        n, bad = fuzz_generator(g, timed=True)
        total += n
        fails += len(bad)
        for b in bad:
            print(b, flush=True)
    print(f"cases run: {total}, failures: {fails}")
    for t, case in sorted(SLOWEST, reverse=True)[:15]:
        print(f"{t:7.2f} s  {case}")
