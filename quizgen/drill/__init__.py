"""The terminal drill: spaced repetition (FSRS) per generator, fresh numbers at every review.

Modules: :mod:`~quizgen.drill.parse` reads typed answers (never ``eval``),
:mod:`~quizgen.drill.scheduler` wraps FSRS and the injectable clock, :mod:`~quizgen.drill.store`
keeps cards and reviews in SQLite, :mod:`~quizgen.drill.session` is the loop,
:mod:`~quizgen.drill.ui` the rich terminal and the plain pipe, :mod:`~quizgen.drill.stats` the
report. Example::

    quizgen drill ml-math --new 5
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING

from quizgen.registry import Registry

if TYPE_CHECKING:
    from quizgen.drill.store import Store


def open_db(db: Path | None, *, readonly: bool = False) -> Store:
    """The drill database at ``db``, or the default one in the user data directory."""
    from quizgen.drill.store import default_db_path, open_store

    if db is None:
        return open_store(default_db_path(), readonly=readonly, create_parent=True)
    return open_store(db, readonly=readonly)


def run_drill(registry: Registry, deck: str, *, db: Path | None, new: int, limit: int, seed: int | None,
              rate: bool | None, now: str | None = None, stdin: IO[str] | None = None,
              stdout: IO[str] | None = None) -> int:
    """Run one session; the exit status (0, or 130 if interrupted). A pipe on stdin means plain mode."""
    from quizgen.deck import load_deck
    from quizgen.drill.scheduler import Clock
    from quizgen.drill.session import Session, Stop, deck_cards
    from quizgen.drill.ui import PipeUI, TerminalUI
    from quizgen.rng import fresh_seed

    spec = load_deck(deck, registry)
    cards = deck_cards(spec, registry)
    clock = Clock.from_env(now)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    ui = TerminalUI() if interactive else PipeUI(stdin, stdout)
    with open_db(db) as store:
        session = Session(
            cards=cards, store=store, ui=ui, clock=clock,
            seed=seed if seed is not None else fresh_seed(), seed_given=seed is not None,
            new_limit=new, limit=limit, rate=interactive if rate is None else rate,
            deck_name=spec.name, session_id=uuid.uuid4().hex[:12],
        )
        result = session.run()
    return 130 if result.stop is Stop.INTERRUPTED else 0


def run_stats(registry: Registry, deck: str, *, db: Path | None, as_json: bool, now: str | None = None) -> None:
    """Print what is due and retention per area."""
    import json

    import click

    from quizgen.deck import load_deck
    from quizgen.drill.scheduler import Clock
    from quizgen.drill.session import deck_cards
    from quizgen.drill.stats import compute_stats, print_stats

    spec = load_deck(deck, registry)
    cards = deck_cards(spec, registry)
    with open_db(db, readonly=True) as store:
        stats = compute_stats(store, cards, Clock.from_env(now).now())
    if as_json:
        click.echo(json.dumps(stats.to_json(), ensure_ascii=False))
    else:
        print_stats(stats)
