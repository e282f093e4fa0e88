"""Placeholder until this command lands."""

from __future__ import annotations

import click

from quizgen.errors import UserError


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1)
def drill(args: tuple[str, ...]) -> None:
    """Not implemented yet."""
    raise UserError("this command is not implemented yet")


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1)
def stats(args: tuple[str, ...]) -> None:
    """Not implemented yet."""
    raise UserError("this command is not implemented yet")
