"""``quizgen build``: an Anki package (.apkg) from a deck spec."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from quizgen.cli import get_registry
from quizgen.cli.common import MAX_TIMESTAMP, UnixTime, seed_option
from quizgen.deck import MAX_COUNT, load_deck
from quizgen.errors import OutputError, UserError
from quizgen.export.anki import entries_total, work_units, write_apkg

PROGRESS_MIN = 200
"""Decks with more notes than this get a progress bar (on a terminal)."""


def _timestamp(option: float | None) -> float | None:
    if option is not None:
        return option
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is None or env.strip() == "":
        return None
    try:
        value = int(env.strip())
    except ValueError:
        raise UserError(f"SOURCE_DATE_EPOCH={env!r} is not a whole number of seconds since 1970; "
                        "set e.g. SOURCE_DATE_EPOCH=1767225600, or unset it") from None
    if not 0 <= value <= MAX_TIMESTAMP:
        raise UserError(f"SOURCE_DATE_EPOCH={env[:40]!r} must be from 0 to {MAX_TIMESTAMP} (the year 9999)")
    return float(value)


@contextmanager
def _progress(notes: int, units: int) -> Iterator[Callable[[int], None] | None]:
    if notes <= PROGRESS_MIN or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(f"building {notes:,} notes"), BarColumn(), TaskProgressColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("notes", total=units)
        yield lambda n: bar.advance(task, n)


@click.command()
@click.argument("deck")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              metavar="OUT.apkg", help="The Anki package to write (replaced atomically).")
@seed_option("Deck seed (default: the spec's [deck] seed, else drawn and printed): it picks the numbers. "
             "Note identity does not depend on it: another seed updates the same notes with new numbers.")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=None, metavar="N",
              help="Notes per item, overriding every item's count.")
@click.option("--timestamp", type=UnixTime(), default=None, metavar="SECONDS",
              help="Stamp changed notes with this Unix time (default: SOURCE_DATE_EPOCH, else now). The "
                   "same value gives a byte-identical file; Anki only updates notes stamped newer than its copy.")
@click.pass_context
def build(ctx: click.Context, deck: str, output: Path, seed: int | None, count: int | None,
          timestamp: float | None) -> None:
    """Write an Anki package (.apkg) from DECK: a bundled deck name or a path to a .toml spec.

    One note per problem, in subdecks per area ("ML math::FLOPs") with tags named alike
    ("FLOPs", "FLOPs::matmul"). Note ids come from (deck, generator, item, copy, options), not
    from the generator's version or the wording, so importing a rebuilt deck updates your notes in
    place and keeps their review history. Only notes whose content changed get a new stamp: if
    OUT.apkg already exists, its unchanged notes are copied with their old stamp, so Anki leaves
    them (and your tags on them, marked and leech included) alone; build to the same path each
    time. With "variants = K" in the spec, each note carries K versions and shows another one each
    day (from 4 am, Anki's day); "type_in = true" adds a type-the-answer card. The backs list the
    common mistakes. Big decks are drawn in a process pool over the cores (same bytes).

    \b
    Examples:
      quizgen build ml-math -o ml-math.apkg
      quizgen build ml-math -o ml-math.apkg --seed 7 --count 5
      quizgen build my-deck.toml -o my-deck.apkg
      SOURCE_DATE_EPOCH=1767225600 quizgen build ml-math -o ml-math.apkg   # reproducible bytes
    """
    from quizgen.fileio import check_writable_file
    from quizgen.rng import fresh_seed

    check_writable_file(output)
    if output.suffix.lower() != ".apkg":
        raise OutputError(f"-o {str(output)!r}: Anki imports only .apkg files; "
                          f"use e.g. -o {str(output.with_suffix('.apkg'))!r}")
    registry = get_registry(ctx)
    spec = load_deck(deck, registry)
    ts = _timestamp(timestamp)
    if seed is None:
        seed = spec.seed
    if seed is None:
        seed = fresh_seed()
        click.echo(f"seed {seed}: {spec.source} has no [deck] seed. Rebuild with --seed {seed} (or add "
                   f"seed = {seed} to [deck]) to get the same numbers again.", err=True)
    with _progress(entries_total(spec, count), work_units(spec, count)) as progress:
        result = write_apkg(spec, registry, output, seed=seed, count=count, timestamp=ts, progress=progress)
    if result.duplicates:
        click.echo(f"note: skipped {_n(result.duplicates, 'entry')} that drew the same problem (generator, seed "
                   "and options) as an earlier one", err=True)
    click.echo(f"wrote {output}: {_n(result.notes, 'note')}, {_n(result.cards, 'card')} in deck {spec.name!r} "
               f"({_n(len(result.decks) - 1, 'subdeck')}), seed {seed}")


def _n(k: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{k:,} {word if k == 1 else plural}"
