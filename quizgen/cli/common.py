"""Options and helpers shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


MAX_SEED = 2**63 - 1
"""The largest seed (as in a deck's ``[deck] seed``); seeds travel through SQLite and JSON as int64."""


def seed_option(help_: str = "Seed (default: drawn from the OS and printed).") -> Callable[[F], F]:
    return click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None, help=help_)


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


class Points(click.ParamType[float]):
    """Points per question: a finite number from 0 to 1,000,000 (nan or inf would print "nan pts")."""

    name = "points"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        import math

        from quizgen.deck import MAX_POINTS

        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number, e.g. 2 or 0.5", param, ctx)
        if not math.isfinite(x) or not 0 <= x <= MAX_POINTS:
            self.fail(f"{value!r} must be a number from 0 to {MAX_POINTS:,}", param, ctx)
        return x
