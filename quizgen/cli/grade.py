"""``quizgen grade``: score students' typed answers against a printed exam's manifest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import click

OWNED = re.compile(r"scores\.csv|report\.(?:html|pdf)|histogram\.png")
"""Files ``grade`` writes: the only ones it replaces in an existing folder."""
SHOWN_ISSUES = 8


@click.command("grade")
@click.argument("exam_dir", type=click.Path(path_type=Path), metavar="EXAM_DIR")
@click.argument("responses", type=click.Path(path_type=Path), metavar="RESPONSES.csv")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), metavar="REPORT_DIR",
              help="Folder to write scores.csv, report.html, report.pdf and histogram.png into.")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files too.")
def grade(exam_dir: Path, responses: Path, output: Path, force: bool) -> None:
    """Grade the answers in RESPONSES.csv against the exam that `quizgen print`
    wrote to EXAM_DIR, and write a report.

    RESPONSES.csv has the columns of EXAM_DIR/responses-template.csv:
    student, version (the code printed on the sheet, e.g. V07-3FA2), then one
    column per answer part (Q1, Q2, Q6a, Q6b, ...). Answers are read as the
    drill reads them (1.5e9, 3/4, 2^30, 12%, units such as 16 GiB or 3 ms, a
    word for a choice) and graded with each answer's stated precision; a
    question's points are split evenly over its parts.

    \b
    Examples:
      quizgen print midterm.toml --versions 30 --seed 2026 -o exam/
      quizgen grade exam/ responses.csv -o report/

    \b
    Writes REPORT_DIR/scores.csv (student,version,points,max,Q1,...),
    report.html and report.pdf (per-question % correct, the misconceptions
    students fell for with counts, a histogram of the scores) and
    histogram.png. Rows with an unknown version code, missing columns or
    unreadable answers are listed in the report and summarized here.
    """
    from quizgen.export.outdir import OutputDir
    from quizgen.grade.manifest import load_exam
    from quizgen.grade.report import write_report
    from quizgen.grade.score import grade_responses

    exam = load_exam(exam_dir)
    out = OutputDir(output, OWNED, force=force)
    out.check()
    grading = grade_responses(exam, responses)
    with out as tmp:
        summary, files = write_report(grading, tmp)
    notes = summary.file_notes + ([summary.histogram_note] if summary.histogram_note else [])
    for n in notes:
        click.echo(f"warning: {n}", err=True)
    if summary.issues:
        rows = len({r for r, _, _, _ in summary.issues})
        kinds = Counter(kind for _, _, _, kind in summary.issues)
        click.echo(f"{len(summary.issues)} problem{'s' if len(summary.issues) != 1 else ''} in {rows} "
                   f"row{'s' if rows != 1 else ''} ({', '.join(f'{n} {k}' for k, n in kinds.most_common())}); "
                   f"see {output / 'report.html'}:", err=True)
        for r, student, msg, _ in summary.issues[:SHOWN_ISSUES]:
            click.echo(f"  line {r} ({student}): {msg}", err=True)
        if len(summary.issues) > SHOWN_ISSUES:
            click.echo(f"  … and {len(summary.issues) - SHOWN_ISSUES} more", err=True)
    mean = f", mean {summary.mean_percent:.0f}%" if summary.mean_percent is not None else ""
    mis = len(summary.misconceptions)
    click.echo(f"wrote {output}: {', '.join(files)} ({summary.n_graded} of {summary.n_rows} students graded{mean}, "
               f"{mis} misconception{'s' if mis != 1 else ''} named)")
