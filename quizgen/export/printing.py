"""``quizgen print`` as a library call: build the versions, compile, write every file into a folder.

The folder is expected to be a fresh temp folder (:class:`quizgen.export.outdir.OutputDir` moves
it into place), so an error anywhere leaves no partial exam behind. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from quizgen.deck import DeckSpec
from quizgen.export.exam import build_exam, manifest
from quizgen.registry import Registry

KEY_STEM = "answer-key"
HTML_NAME = "practice.html"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class PrintResult:
    files: list[str]
    warnings: list[str]
    n_questions: int
    seconds: float


def write_exam(
    spec: DeckSpec,
    registry: Registry,
    folder: Path,
    *,
    seed: int,
    versions: int,
    shuffle: bool = False,
    count: int | None = None,
    points: float | None = None,
    paper: str = "a4",
    solutions: bool = False,
    tex: bool = False,
    html: bool = False,
    jobs: int = 2,
) -> PrintResult:
    """Write sheets, key and manifest (plus ``.tex`` sources / the HTML page) into ``folder``."""
    from quizgen.export.typst import TypstExporter

    t0 = time.perf_counter()
    exam = build_exam(spec, registry, seed=seed, versions=versions, shuffle=shuffle, count=count,
                      points=points, paper=paper)
    pdfs = TypstExporter().render(exam, solutions=solutions, jobs=jobs)
    files: dict[str, bytes] = {}
    for v, pdf in zip(exam.versions, pdfs.sheets, strict=True):
        files[f"{exam.file_stem(v)}.pdf"] = pdf
    files[f"{KEY_STEM}.pdf"] = pdfs.key
    listing: dict[str, object] = {"sheets": [f"{exam.file_stem(v)}.pdf" for v in exam.versions],
                                  "key": f"{KEY_STEM}.pdf"}
    if tex:
        from quizgen.export.latex import render_tex

        sheets, key = render_tex(exam, solutions=solutions)
        for v, src in zip(exam.versions, sheets, strict=True):
            files[f"{exam.file_stem(v)}.tex"] = src.encode()
        files[f"{KEY_STEM}.tex"] = key.encode()
        listing["tex"] = [f"{exam.file_stem(v)}.tex" for v in exam.versions] + [f"{KEY_STEM}.tex"]
    if html:
        from quizgen.export.html import render_html

        files[HTML_NAME] = render_html(exam).encode()
        listing["html"] = HTML_NAME
    from quizgen.grade.manifest import TEMPLATE_NAME, add_grading_data, template_csv

    listing["responses_template"] = TEMPLATE_NAME
    data = manifest(exam, listing, solutions)
    # `quizgen grade` needs the distractors (misconceptions) and a CSV header to fill in.
    add_grading_data(data, ([q.problem.distractors for q in v.questions] for v in exam.versions))
    files[TEMPLATE_NAME] = template_csv(data).encode()
    files[MANIFEST_NAME] = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    n_questions = len(exam.versions[0].questions) if exam.versions else 0
    return PrintResult(sorted(files), pdfs.warnings, n_questions, time.perf_counter() - t0)
