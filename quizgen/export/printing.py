"""``quizgen print`` as a library call: build the versions, compile, write every file into a folder.

The folder is expected to be a fresh temp folder (:class:`quizgen.export.outdir.OutputDir` moves
it into place), so an error anywhere leaves no partial exam behind. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from quizgen.deck import DeckSpec
from quizgen.export.exam import exam_head, iter_versions, manifest
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
    key_full: bool = False,
    space_cm: float | None = None,
    jobs: int | None = None,
) -> PrintResult:
    """Write sheets, key and manifest (plus ``.tex`` sources) into ``folder``; with ``html``, only the
    HTML practice page and the manifest (a page with every answer never lies beside an exam)."""
    t0 = time.perf_counter()
    exporter = None
    if not html:
        from quizgen.export.typst import TypstExporter, default_jobs, memory_for

        per_version = sum(count if count is not None else it.count for it in spec.items)
        exporter = TypstExporter(jobs or min(default_jobs(), versions + 1), memory_for(versions * per_version))
        exporter.start()  # the workers start while the problems are drawn
    try:
        head = exam_head(spec, seed=seed, paper=paper, shuffle=shuffle)
        drawn = iter_versions(spec, registry, seed=seed, versions=versions, shuffle=shuffle, count=count,
                              points=points, space_cm=space_cm)
        files: dict[str, bytes] = {}
        listing: dict[str, object] = {}
        warnings: list[str] = []
        if exporter is not None:  # each sheet compiles while the next version is drawn
            pdfs, exam = exporter.render_stream(head, drawn, solutions=solutions, key_full=key_full)
            warnings = pdfs.warnings
            for v, pdf in zip(exam.versions, pdfs.sheets, strict=True):
                files[f"{exam.file_stem(v)}.pdf"] = pdf
            files[f"{KEY_STEM}.pdf"] = pdfs.key
            listing = {"sheets": [f"{exam.file_stem(v)}.pdf" for v in exam.versions], "key": f"{KEY_STEM}.pdf"}
        else:
            exam = replace(head, versions=tuple(drawn))
    finally:
        if exporter is not None:
            exporter.close()
    if tex:
        from quizgen.export.latex import render_tex

        sheets, key = render_tex(exam, solutions=solutions, key_full=key_full)
        for v, src in zip(exam.versions, sheets, strict=True):
            files[f"{exam.file_stem(v)}.tex"] = src.encode()
        files[f"{KEY_STEM}.tex"] = key.encode()
        listing["tex"] = [f"{exam.file_stem(v)}.tex" for v in exam.versions] + [f"{KEY_STEM}.tex"]
    if html:
        from quizgen.export.html import render_html

        files[HTML_NAME] = render_html(exam).encode()
        listing["html"] = HTML_NAME
    from quizgen.grade.manifest import TEMPLATE_NAME, add_grading_data, template_csv

    if not html:  # an exam to grade (a practice page is not handed in)
        listing["responses_template"] = TEMPLATE_NAME
    data = manifest(exam, listing, solutions)
    # `quizgen grade` needs the distractors (misconceptions) and a CSV header to fill in.
    add_grading_data(data, ([q.problem.distractors for q in v.questions] for v in exam.versions))
    if not html:
        files[TEMPLATE_NAME] = template_csv(data).encode()
    files[MANIFEST_NAME] = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    n_questions = len(exam.versions[0].questions) if exam.versions else 0
    return PrintResult(sorted(files), warnings, n_questions, time.perf_counter() - t0)
