"""Placeholder until this command lands."""

from __future__ import annotations

import click

from quizgen.errors import UserError


@click.command("bench", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1)
def bench(args: tuple[str, ...]) -> None:
    """Not implemented yet."""
    raise UserError("this command is not implemented yet")
