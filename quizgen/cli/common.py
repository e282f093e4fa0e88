"""Options and helpers shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def seed_option(help_: str = "Seed (default: drawn from the OS and printed).") -> Callable[[F], F]:
    return click.option("--seed", type=click.IntRange(min=0), default=None, help=help_)


MAX_TIMESTAMP = 253_402_300_799
"""9999-12-31T23:59:59Z: later stamps overflow Anki's millisecond ids and Python's dates."""


class UnixTime(click.ParamType[float]):
    """Seconds since 1970: a finite number from 0 to :data:`MAX_TIMESTAMP` (not nan, inf, 1e20)."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        import math

        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds since 1970, e.g. 1767225600", param, ctx)
        if not math.isfinite(x) or not 0 <= x <= MAX_TIMESTAMP:
            self.fail(f"{value!r} must be a finite number of seconds from 0 to {MAX_TIMESTAMP} "
                      "(the year 9999), e.g. 1767225600", param, ctx)
        return x
