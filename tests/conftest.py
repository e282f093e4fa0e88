"""Shared fixtures: the registry, a CLI runner, and the seeds the registry-wide tests use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_SEEDS = range(5)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real installed CLI in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "quizgen", *args], capture_output=True, text=True,
                          input=input, env=full_env, cwd=cwd, timeout=600)
