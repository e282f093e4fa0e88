"""The command line as users and other tools call it: help, JSON contracts, errors, laziness."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import COMMANDS, cli

from .conftest import run_cli


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    res = runner.invoke(cli, [name, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output and f"quizgen {name}" in res.output, f"{name} --help lacks an example"


def test_top_level_help_lists_every_command(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["--help"])
    assert res.exit_code == 0
    for name in COMMANDS:
        assert name in res.output


def test_list_json_contract(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["list", "--json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data and all(set(d) == {"id", "version", "area", "title", "params"} for d in data)
    assert any(d["id"] == "flops.matmul" for d in data)
    mm = next(d for d in data if d["id"] == "flops.matmul")
    assert set(mm["params"]) == {"m", "k", "n"} and mm["area"] == "flops"


def test_show_json_contract(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["show", "flops.matmul", "--seed", "7", "--param", "m=64",
                              "--param", "k=128", "--param", "n=32", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert list(d) == ["id", "version", "seed", "params", "question", "solution", "answers", "distractors", "tags"]
    assert d["params"] == {"m": 64, "k": 128, "n": 32}
    a = d["answers"][0]
    assert list(a) == ["label", "value", "unit", "tolerance", "precision", "measured_on"]
    assert a["tolerance"] == {"sig": 3, "rtol": 0, "atol": 500.0} and a["precision"] == "3 significant figures"
    assert a["unit"] == "FLOP" and isinstance(a["value"], int)
    assert all(set(x) == {"value", "why"} for x in d["distractors"])


def test_show_human_output(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["show", "flops.matmul", "--seed", "1"])
    assert res.exit_code == 0
    assert "answer" in res.output and "solution" in res.output and "FLOP" in res.output


def test_show_without_seed_prints_the_seed(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["show", "flops.matmul"])
    assert res.exit_code == 0 and "--seed" in res.output


@pytest.mark.parametrize("args, expect", [
    (["show", "nope.gen"], "unknown generator 'nope.gen'"),
    (["show", "flops.matmu"], "did you mean 'flops.matmul'"),
    (["show", "flops.matmul", "--param", "m=-3"], "--param m=-3: m must be a positive integer (got -3)"),
    (["show", "flops.matmul", "--param", "q=3"], "q: unknown parameter"),
    (["show", "flops.matmul", "--param", "m=abc"], "m must be an integer (got abc)"),
    (["show", "flops.matmul", "--param", "oops"], "expected name=value"),
    (["check", "nope.gen"], "unknown generator"),
])
def test_user_errors_exit_2_with_one_line(args: list[str], expect: str) -> None:
    res = run_cli(*args)
    assert res.returncode == 2, res.stderr
    assert expect in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().startswith("error:") or res.stderr.strip().startswith("Usage:")


def test_help_and_list_do_not_import_heavy_modules() -> None:
    code = textwrap.dedent("""
        import sys
        from click.testing import CliRunner
        from quizgen.cli import cli
        for args in (["--help"], ["list"], ["list", "--json"]):
            r = CliRunner().invoke(cli, args)
            assert r.exit_code == 0, r.output
        heavy = [m for m in ("torch", "sympy", "numpy", "scipy", "typst", "genanki", "fsrs", "jinja2", "lxml")
                 if m in sys.modules]
        print(",".join(heavy))
    """)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at startup: {out.stdout}"


def test_check_command_passes_and_fails(tmp_path: Path) -> None:
    ok = run_cli("check", "flops.matmul", "--seeds", "3")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "passed" in ok.stdout
    (tmp_path / "broken.py").write_text(BROKEN_GENERATOR)
    bad = run_cli("--generators", str(tmp_path), "check", "user.broken", "--seeds", "2")
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout and "user.broken" in bad.stdout


BROKEN_GENERATOR = '''
from quizgen.generator import Generator
from quizgen.model import Answer, Distractor
from quizgen.params import Param
from quizgen.checking import assert_equal


class Broken(Generator):
    """A user generator whose answer is off by one. Example: quizgen show user.broken"""

    id = "user.broken"
    title = "What is x + 1?"
    params = (Param("x", "int", "a number", lo=1, hi=9, min=1),)

    def draw(self, rng, fixed):
        return {"x": rng.integer(1, 9)}

    def solve(self, p):
        return [Answer("sum", p["x"] + 2)]

    def render(self, p, answers):
        return f"What is \\\\({p['x']} + 1\\\\)?", "Add one."

    def distractors(self, p, answers):
        return [Distractor(p["x"], "forgot to add")]

    def check(self, p, answers):
        assert_equal("x+1", answers[0].value, sum([p["x"], 1]))
'''


def test_user_generators_from_dir_and_env(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(BROKEN_GENERATOR)
    res = run_cli("--generators", str(tmp_path), "show", "user.broken", "--seed", "1", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["id"] == "user.broken"
    res = run_cli("show", "user.broken", "--seed", "1", "--json", env={"QUIZGEN_PATH": str(tmp_path)})
    assert res.returncode == 0, res.stderr


def test_duplicate_generator_id_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "dup.py").write_text(BROKEN_GENERATOR.replace("user.broken", "flops.matmul"))
    res = run_cli("--generators", str(tmp_path), "list")
    assert res.returncode == 2
    assert "duplicate generator id 'flops.matmul'" in res.stderr and "Traceback" not in res.stderr


def test_missing_generator_dir_is_an_error() -> None:
    res = run_cli("--generators", "/nonexistent/dir", "list")
    assert res.returncode == 2 and "does not exist" in res.stderr
