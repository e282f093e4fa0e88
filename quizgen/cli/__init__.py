"""The ``quizgen`` command line: a thin click layer over the library.

Subcommands are imported only when run, so ``quizgen --help`` and ``quizgen list`` stay fast and
never import torch, sympy or typst. Library errors (:class:`~quizgen.errors.UserError`) become one
line on stderr and exit status 2 here, at the edge, and nowhere else.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from quizgen import __version__
from quizgen.errors import RegistryError, UserError

# name -> (module, attribute, one-line help). The help is here so that --help needs no import.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "list": ("quizgen.cli.list_cmd", "list_cmd", "List every generator with its parameters."),
    "show": ("quizgen.cli.show", "show", "Draw one problem and print it (or its JSON)."),
    "build": ("quizgen.cli.build", "build", "Write an Anki package (.apkg) from a deck."),
    "print": ("quizgen.cli.print_cmd", "print_cmd", "Write per-student exam PDFs and an answer key."),
    "export": ("quizgen.cli.export", "export", "Export a deck as Moodle XML, Canvas QTI or JSON."),
    "drill": ("quizgen.cli.drill", "drill", "A spaced-repetition session with fresh numbers."),
    "stats": ("quizgen.cli.drill", "stats", "What is due, and retention per area."),
    "bench": ("quizgen.cli.bench", "bench", "Run the microbenchmarks and cache this machine's profile."),
    "check": ("quizgen.cli.check", "check", "Stress-test generators: draw seeds, run self-checks."),
    "grade": ("quizgen.cli.grade", "grade", "Grade students' answers to a printed exam: scores and a report."),
    "new": ("quizgen.cli.new", "new", "Write a working generator file to edit into your own question."),
}


class UserFacingError(click.ClickException):
    """Printed as ``error: message``, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        mod_name, attr, _ = COMMANDS[cmd_name]
        mod = importlib.import_module(mod_name)
        cmd = getattr(mod, attr)
        assert isinstance(cmd, click.Command)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UserError, RegistryError) as e:
            raise UserFacingError(str(e)) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quizgen")
@click.option("--generators", "generator_dirs", multiple=True, type=click.Path(file_okay=False),
              metavar="DIR", help="Also load generators from DIR (repeatable; also QUIZGEN_PATH).")
@click.pass_context
def cli(ctx: click.Context, generator_dirs: tuple[str, ...]) -> None:
    """quizgen: fresh-number drills on the quantitative facts of machine learning.

    \b
    Examples:
      quizgen list
      quizgen show flops.matmul --seed 7
      quizgen build ml-math -o ml-math.apkg
      quizgen print ml-math --versions 30 -o exam/
      quizgen drill
    """
    ctx.obj = {"generator_dirs": generator_dirs}


def get_registry(ctx: click.Context) -> Any:
    """The registry for this invocation (bundled + --generators + QUIZGEN_PATH)."""
    from quizgen.registry import load_registry

    root = ctx.find_root()
    dirs = (root.obj or {}).get("generator_dirs", ())
    return load_registry(dirs)


def main() -> None:
    """Console-script entry point."""
    cli()
