"""``quizgen drill`` and ``quizgen stats``: spaced repetition in the terminal, fresh numbers each time."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from quizgen.cli import get_registry
from quizgen.cli.common import seed_option

_DB_HELP = "SQLite file holding the schedule (default: drill.sqlite3 in the user data directory)."


@click.command()
@click.argument("deck", required=False, default="ml-math")
@click.option("--new", "new", type=click.IntRange(min=0), default=5, show_default=True, metavar="N",
              help="At most N cards never seen before (after the due ones).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, metavar="M",
              help="At most M questions in this session.")
@click.option("--db", type=click.Path(path_type=Path), default=None, metavar="PATH", help=_DB_HELP)
@seed_option("Session seed: replays the same numbers from the same schedule (default: drawn from the OS).")
@click.option("--rate/--no-rate", default=None,
              help="Ask for a rating (again/hard/good/easy) after each answer; default: yes in a terminal, "
                   "no from a pipe (the rating suggested by correctness is kept).")
@click.option("--stats", "show_stats", is_flag=True, help="Show what is due and retention per area, then exit.")
@click.option("--now", hidden=True, help="Pretend it is this UTC instant (tests; also QUIZGEN_NOW).")
@click.pass_context
def drill(ctx: click.Context, deck: str, new: int, limit: int, db: Path | None, seed: int | None,
          rate: bool | None, show_stats: bool, now: str | None) -> None:
    """A spaced-repetition session: the cards due today (FSRS, one card per generator), then up to N
    new ones, each drawn with fresh numbers. Type an answer (1.5e9, 1.5 × 10^9, 3/4, 2^30, 12%,
    16 GiB, 3 ms); it is graded with the answer's tolerance, then you see the right answer, the
    worked solution and, if your number is a known mistake, which misconception gives it.

    \b
    At the prompt: idk shows the answer (counts as wrong) · s skips · q quits · ? helps.
    From a pipe, questions go to stdout and answers are read one line each (a vector answer:
    elements separated by ';'); end of input ends the session, keeping what was answered.

    \b
    Examples:
      quizgen drill
      quizgen drill ml-math --new 10 --limit 20
      quizgen drill my-deck.toml --db ~/drill.sqlite3
      printf '524288\\nq\\n' | quizgen drill --seed 7
      quizgen drill --stats
    """
    from quizgen.drill import run_drill, run_stats

    reg = get_registry(ctx)
    if show_stats:
        _must_exist(db)
        run_stats(reg, deck, db=db, as_json=False, now=now)
        return
    code = run_drill(reg, deck, db=db, new=new, limit=limit, seed=seed, rate=rate, now=now)
    if code:
        sys.exit(code)


@click.command()
@click.argument("deck", required=False, default="ml-math")
@click.option("--db", type=click.Path(path_type=Path), default=None, metavar="PATH", help=_DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--now", hidden=True, help="Pretend it is this UTC instant (tests; also QUIZGEN_NOW).")
@click.pass_context
def stats(ctx: click.Context, deck: str, db: Path | None, as_json: bool, now: str | None) -> None:
    """What is due in the drill, and retention per area (cards of DECK never seen count as new).

    \b
    Examples:
      quizgen stats
      quizgen stats --json
      quizgen stats my-deck.toml --db ~/drill.sqlite3
    """
    from quizgen.drill import run_stats

    _must_exist(db)
    run_stats(get_registry(ctx), deck, db=db, as_json=as_json, now=now)


def _must_exist(db: Path | None) -> None:
    """Stats read a database, never create one: a --db that is not there is a typo or a wrong
    folder, not an empty history (the default database, not yet made, reads as empty)."""
    from quizgen.errors import DrillDatabaseError

    if db is not None and not db.expanduser().exists():
        raise DrillDatabaseError(f"--db {str(db)!r} does not exist; give the file your drill sessions use "
                                 "(quizgen drill --db PATH creates it), or leave out --db for the default one")
