"""A normal (wheel) install finds the bundled generators and decks, not only an editable one."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(out), str(ROOT)], capture_output=True, text=True)
    if res.returncode != 0 and "hatchling" in res.stderr:
        res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                             capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return next(out.glob("quizgen-*.whl"))


def test_wheel_ships_generators_and_decks(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    gens = {Path(n).name for n in names if n.startswith("quizgen/generators/") and n.endswith(".py")}
    decks = {Path(n).name for n in names if n.startswith("quizgen/decks/") and n.endswith(".toml")}
    assert {p.name for p in (ROOT / "generators").glob("*.py")} <= gens
    assert {p.name for p in (ROOT / "decks").glob("*.toml")} == decks


def test_installed_wheel_discovers_everything(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import quizgen.registry as r, quizgen.deck as d; reg = r.load_registry(); "
            "print(r.bundled_dir('generators')); print(len(reg)); print(sorted(d.bundled_decks()))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, count, decks = out.stdout.splitlines()
    assert where.startswith(str(site)), "the wheel's own generators folder must be used"
    from quizgen.registry import load_registry

    assert int(count) == len(load_registry())
    assert "ml-math" in decks
