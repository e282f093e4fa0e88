"""The ``quizgen`` command line: a thin click layer over the library.

Subcommands are imported only when run, so ``quizgen --help`` and ``quizgen list`` stay fast and
never import torch, sympy or typst. Library errors (:class:`~quizgen.errors.UserError`) become one
line on stderr and exit status 2 here, at the edge, and nowhere else. So do click's usage errors
and the operating system's (a full disk, a missing permission). Anything else is a bug: one line
saying "internal error", exit status 70, and the traceback in a log file in the user cache folder
(``QUIZGEN_TRACEBACK=1`` prints it instead).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path
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


EXIT_USER = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h
MAX_MESSAGE = 2000
"""An error line longer than this is cut (a message may quote a user value of any length)."""


def one_line(message: str) -> str:
    """``message`` as one terminal line: newlines folded, cut to :data:`MAX_MESSAGE` characters."""
    text = " ".join(message.split("\n"))
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 30] + f"… ({len(text):,} characters)"


class UserFacingError(click.ClickException):
    """Printed as ``error: message``, exit status 2."""

    exit_code = EXIT_USER

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {one_line(self.format_message())}", err=True)


def _log_dir() -> Path:
    env = os.environ.get("QUIZGEN_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen"))


def report_internal_error(exc: BaseException) -> int:
    """Write ``exc``'s traceback to a log file, print one line pointing at it; the exit status."""
    if os.environ.get("QUIZGEN_TRACEBACK"):
        traceback.print_exception(exc)
        return EXIT_INTERNAL
    what = one_line(f"{type(exc).__name__}: {exc}")[:300]
    text = (f"quizgen {__version__}, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
            f"argv: {sys.argv!r}\n\n" + "".join(traceback.format_exception(exc)))
    try:
        folder = _log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / f"internal-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        log.write_text(text, encoding="utf-8")
        where = f"the traceback is in {log}"
    except OSError as e:
        where = f"could not write a log ({e.strerror or e}); rerun with QUIZGEN_TRACEBACK=1 to see it"
    click.echo(f"error: internal error ({what}); this is a bug in quizgen, please report it: {where}", err=True)
    return EXIT_INTERNAL


class _NeverRaised(click.UsageError):
    pass


_NO_ARGS: type[click.UsageError] = getattr(click.exceptions, "NoArgsIsHelpError", _NeverRaised)
"""Raised by click ≥ 8.2 for a group run without a command (older clicks print help themselves)."""


def _os_error_text(e: OSError) -> str:
    name = e.filename if e.filename is not None else None
    reason = e.strerror or str(e)
    return f"{name}: {reason}" if name else reason


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
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except BrokenPipeError:  # quizgen list | head: the reader is gone, nothing left to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except MemoryError:
            raise UserFacingError("out of memory; use smaller sizes or counts") from None
        except OSError as e:  # a full disk, a permission, a vanished folder: the system's, not ours
            raise UserFacingError(f"cannot continue: {_os_error_text(e)}") from None
        except Exception as e:  # a bug: one line here, the traceback in a log
            sys.exit(report_internal_error(e))

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Like click's, but a usage error is one ``error:`` line (click prints three)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS as e:  # bare "quizgen": the help text is the answer
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            hint = ""
            if e.ctx is not None:
                hint = f" (see '{e.ctx.command_path} --help')"
            click.echo(f"error: {one_line(e.format_message())}{hint}", err=True)
            sys.exit(EXIT_USER)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


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
