"""Options and helpers shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def seed_option(help_: str = "Seed (default: drawn from the OS and printed).") -> Callable[[F], F]:
    return click.option("--seed", type=click.IntRange(min=0), default=None, help=help_)
