"""``quizgen print``: per-student exam PDFs, an answer key and a manifest (Typst)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from quizgen.cli import get_registry
from quizgen.cli.common import Points, seed_option
from quizgen.deck import MAX_COUNT

MAX_VERSIONS = 999
OWNED = re.compile(r"version-\d+\.(?:pdf|tex)|answer-key\.(?:pdf|tex)|manifest\.json|practice\.html"
                   r"|responses-template\.csv")
"""Files ``print`` writes: the only ones it replaces or removes in an existing folder."""


@click.command("print")
@click.argument("deck")
@click.option("--versions", "n_versions", type=click.IntRange(1, MAX_VERSIONS), default=1, show_default=True,
              help="Number of student versions (different numbers in each).")
@seed_option("Seed of the whole exam (default: drawn from the OS and printed; recorded in manifest.json "
             "and on the key, never on a student's sheet).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), metavar="DIR",
              help="Folder to write (created; an existing one may only hold files quizgen wrote).")
@click.option("--shuffle", is_flag=True, help="Shuffle the question order in each version.")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=None,
              help="Questions per deck item (overrides each item's count).")
@click.option("--points", type=Points(), default=None,
              help="Default points per question (instead of [quiz] points; an item's own points still win).")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4",
              show_default=True, help="Paper size.")
@click.option("--solutions", is_flag=True,
              help="Practice sheets: print each answer and worked solution under its question.")
@click.option("--format", "formats", type=click.Choice(["pdf", "tex", "html"], case_sensitive=False),
              multiple=True, help="pdf (default): sheets, key and manifest; tex: also LaTeX sources; "
              "html: ONLY an HTML practice page with answers (never beside an exam). Repeatable.")
@click.option("--key", "key_kind", type=click.Choice(["compact", "full"], case_sensitive=False),
              default="compact", show_default=True,
              help="Answer key: compact (a grid of all answers, then per version answers, points and "
              "precision) or full (plus worked solutions).")
@click.option("--space", "space", default=None, metavar="LENGTH",
              help="Work space under every question, e.g. 5cm or 40mm (default: from its points; an "
              "item's own space = \"…\" still wins).")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files too.")
@click.pass_context
def print_cmd(ctx: click.Context, deck: str, n_versions: int, seed: int | None, output: Path, shuffle: bool,
              count: int | None, points: float | None, paper: str, solutions: bool,
              formats: tuple[str, ...], key_kind: str, space: str | None, force: bool) -> None:
    """Write one PDF exam sheet per student version of DECK, an answer key (a
    grid of every version's answers, then per version answers, points and
    precision; worked solutions with --key full), and manifest.json (seed,
    generator ids, params and answers per version) to grade by script.

    DECK is a bundled deck name (ml-math) or a path to a .toml spec; its
    [quiz] table gives the title, course, instructions and points.

    \b
    Examples:
      quizgen print ml-math --versions 30 --seed 2026 -o exam/
      quizgen print my-quiz.toml --versions 5 --shuffle --paper letter -o exam/
      quizgen print my-quiz.toml --count 2 --points 5 --format tex -o exam/
      quizgen print ml-math --versions 30 --key full --space 5cm -o exam/
      quizgen print ml-math --format html -o practice/

    \b
    Writes DIR/version-01.pdf ... DIR/version-NN.pdf, DIR/answer-key.pdf and
    DIR/manifest.json; --format tex adds version-NN.tex and answer-key.tex.
    --format html writes only DIR/practice.html (answers checked in the
    browser) and the manifest, never next to an exam. A re-print into DIR
    replaces the whole exam at once: a killed run leaves the old one.
    """
    from quizgen.deck import load_deck, parse_space
    from quizgen.errors import UserError
    from quizgen.export.outdir import OutputDir
    from quizgen.export.printing import write_exam
    from quizgen.rng import fresh_seed

    fmts = {f.lower() for f in formats} or {"pdf"}
    if "html" in fmts and len(fmts) > 1:
        raise UserError("--format html writes only a practice page with every answer in it; print the "
                        "exam (pdf/tex) and the page into two different folders")
    space_cm = None
    if space is not None:
        try:
            space_cm = parse_space(space)
        except ValueError as e:
            raise UserError(f"--space: {e}") from None
    # "-o out.pdf" expects a file: -o names a folder, so say so instead of making a folder "out.pdf".
    if output.suffix.lower() in {".pdf", ".tex", ".typ", ".html", ".json", ".zip", ".xml"} and not output.is_dir():
        from quizgen.errors import OutputError

        raise OutputError(f"-o {str(output)!r}: -o is a folder (it gets version-01.pdf … and answer-key.pdf), "
                          f"not a {output.suffix} file; give a folder, e.g. -o {output.with_suffix('')}/")
    registry = get_registry(ctx)
    spec = load_deck(deck, registry)
    out = OutputDir(output, OWNED, force=force)
    out.check()  # before any work
    if seed is None:
        seed = fresh_seed()
        click.echo(f"seed {seed} (rerun with --seed {seed} to get this exam again)", err=True)
    with out as tmp:
        result = write_exam(spec, registry, tmp, seed=seed, versions=n_versions, shuffle=shuffle, count=count,
                            points=points, paper=paper.lower(), solutions=solutions, tex="tex" in fmts,
                            html="html" in fmts, key_full=key_kind.lower() == "full", space_cm=space_cm)
    for w in result.warnings:
        click.echo(f"warning: typst: {w}", err=True)
    names = set(result.files)
    pdfs = sorted(n for n in names if n.startswith("version-") and n.endswith(".pdf"))
    n_versions_written = len(pdfs) or n_versions
    parts = []
    if pdfs:
        parts += [pdfs[0] if len(pdfs) == 1 else f"{pdfs[0]} … {pdfs[-1]}", "answer-key.pdf"]
    parts.append("manifest.json")
    if "answer-key.tex" in names:
        parts.append("LaTeX sources (.tex)")
    if "practice.html" in names:
        parts.append("practice.html")
    n = result.n_questions
    click.echo(f"wrote {output}: {', '.join(parts)} ({n_versions_written} "
               f"version{'s' if n_versions_written != 1 else ''}, "
               f"{n} question{'s' if n != 1 else ''} each, seed {seed}, {result.seconds:.2f} s)")
