"""``quizgen export``: Moodle XML, Canvas QTI or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from quizgen.cli import get_registry
from quizgen.cli.common import seed_option
from quizgen.deck import MAX_COUNT

EXTENSION = {"moodle": ".xml", "qti": ".zip", "json": ".json"}
WHAT = {"moodle": "Moodle XML", "qti": "a Canvas QTI zip", "json": "JSON"}


@click.command()
@click.argument("deck")
@click.option("--format", "fmt", type=click.Choice(["moodle", "qti", "json"]), required=True,
              help="moodle: Moodle XML; qti: Canvas QTI 1.2 zip; json: a list of `show --json` objects.")
@click.option("-o", "--output", "output", required=True, metavar="OUT",
              help="Output file ('-' for stdout with --format json).")
@seed_option("Deck seed (default: the spec's [deck] seed, else drawn and printed).")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=None, metavar="N",
              help=f"Problems per item (overrides the spec; at most {MAX_COUNT:,}).")
@click.option("--variants", type=click.IntRange(1, 50), default=None,
              help="Variants per item: Moodle puts them in one category (a random question picks one), "
                   "Canvas in a question group that picks one.")
@click.option("--multichoice", is_flag=True, help="Moodle: also export misconception distractors as multichoice.")
@click.pass_context
def export(ctx: click.Context, deck: str, fmt: str, output: str, seed: int | None, count: int | None,
           variants: int | None, multichoice: bool) -> None:
    """Export DECK (a bundled deck name or a .toml path) for an LMS or another tool.

    \b
    Examples:
      quizgen export ml-math --format moodle -o quiz.xml --variants 5
      quizgen export ml-math --format moodle -o quiz.xml --multichoice
      quizgen export ml-math --format qti -o quiz.zip
      quizgen export ml-math --format json -o - | jq '.[0].answers'
    """
    from quizgen.build import build_problems
    from quizgen.deck import load_deck
    from quizgen.errors import OutputError, UserError
    from quizgen.fileio import atomic_write_bytes, check_writable_file
    from quizgen.rng import fresh_seed

    reg = get_registry(ctx)
    spec = load_deck(deck, reg)
    if output == "-" and fmt != "json":
        raise UserError(f"-o -: only --format json can go to stdout; give a file for {fmt}")
    if multichoice and fmt != "moodle":
        raise UserError("--multichoice is for --format moodle")
    if output != "-":
        want = EXTENSION[fmt]
        if Path(output).suffix.lower() != want:
            raise OutputError(f"-o {output!r}: --format {fmt} writes {WHAT[fmt]}, which needs a {want} file name; "
                              f"use e.g. -o {str(Path(output).with_suffix(want))!r}")
        check_writable_file(Path(output))
    if seed is None:
        seed = spec.seed if spec.seed is not None else fresh_seed()
        if spec.seed is None:
            click.echo(f"seed {seed} (rerun with --seed {seed} to get the same quiz)", err=True)
    built = build_problems(spec, reg, seed=seed, count=count, variants=variants)
    if fmt == "json":
        data = (json.dumps([p.to_json() for b in built for p in b.variants], indent=1, ensure_ascii=False)
                + "\n").encode()
        if output == "-":
            sys.stdout.write(data.decode())
            return
    elif fmt == "moodle":
        from quizgen.export.moodle import marks_factor, moodle_xml

        data = moodle_xml(spec, built, multichoice=multichoice)
        factor = marks_factor(spec, built)
    else:
        from quizgen.export.qti import qti_zip

        data = qti_zip(spec, built, seed)
    atomic_write_bytes(Path(output), data)
    if fmt == "moodle" and factor != 1:
        click.echo(f"note: Moodle marks are {factor} × the points (cloze weights are whole numbers); "
                   "a Moodle quiz scales its total to its maximum grade", err=True)
    n = sum(len(b.variants) for b in built)
    click.echo(f"wrote {output}: {n} problems from {len(spec.items)} items ({fmt}, seed {seed})", err=True)
