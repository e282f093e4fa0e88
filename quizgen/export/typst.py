"""Exam PDFs with Typst: one sheet per version, an answer key with every version, practice sheets.

The template (``templates/exam.typ``) receives all text as JSON through ``sys_inputs`` and
``eval``\\ s only math, which :mod:`quizgen.render.typst_math` has converted and checked one formula
at a time beforehand. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.export.exam import Exam, ExamQuestion, ExamVersion, fmt_points, value_text
from quizgen.model import Answer
from quizgen.render.markup import Block, Span, parse
from quizgen.render.typst_math import Formula, TypstMath

TEMPLATE = Path(__file__).with_name("templates") / "exam.typ"
PAPER_NOTE = {"a4": "A4", "letter": "US Letter"}
TYPST_PAPER = {"a4": "a4", "letter": "us-letter"}


@dataclass(frozen=True)
class PdfSet:
    """The compiled PDFs (sheets in version order) and any Typst warnings."""

    sheets: list[bytes]
    key: bytes
    warnings: list[str]


def exam_formulas(exam: Exam) -> Iterator[Formula]:
    """Every formula the sheets and key print, with the generator id and seed it comes from."""
    for md in (exam.instructions or "",):
        for b in parse(md):
            yield from (Formula(t, "[quiz] instructions") for t in _block_tex(b))
    for v in exam.versions:
        for q in v.questions:
            p = q.problem
            for md in (p.question, p.solution):
                for b in parse(md):
                    yield from (Formula(t, p.id, p.seed) for t in _block_tex(b))


def _block_tex(b: Block) -> Iterator[str]:
    if b.kind == "display":
        yield b.tex
    yield from (s.text for s in b.spans if s.kind == "math")


def _span(s: Span, math: dict[str, str]) -> dict[str, Any]:
    if s.kind == "math":
        return {"m": math[s.text]}
    if s.kind == "code":
        return {"c": s.text}
    d: dict[str, Any] = {"t": s.text}
    if s.bold:
        d["b"] = True
    if s.italic:
        d["i"] = True
    return d


def blocks_json(md: str, math: dict[str, str]) -> list[dict[str, Any]]:
    """Markdown with math as the template's blocks: ``{"p": spans}``, ``{"li": spans}``, ``{"d": math}``."""
    out: list[dict[str, Any]] = []
    for b in parse(md):
        if b.kind == "display":
            out.append({"d": math[b.tex]})
        else:
            out.append({"p" if b.kind == "par" else "li": [_span(s, math) for s in b.spans]})
    return out


def _answer_json(a: Answer) -> dict[str, Any]:
    return {
        "label": a.label,
        "text": value_text(a),
        "unit": a.unit,
        "tol": a.precision,
        "wide": isinstance(a.value, list),
    }


def _space_cm(q: ExamQuestion) -> float:
    """Room to work: more for multi-part answers and long worked solutions."""
    steps = sum(1 for b in parse(q.problem.solution) if b.kind == "display")
    return round(2.6 + 0.6 * (len(q.problem.answers) - 1) + 0.5 * min(steps, 4), 2)


def _question_json(q: ExamQuestion, math: dict[str, str], with_solution: bool) -> dict[str, Any]:
    p = q.problem
    d: dict[str, Any] = {
        "n": q.number,
        "pts": fmt_points(q.points),
        "id": p.id,
        "seed": p.seed,
        "q": blocks_json(p.question, math),
        "answers": [_answer_json(a) for a in p.answers],
        "space": _space_cm(q),
    }
    if with_solution:
        d["s"] = blocks_json(p.solution, math)
    return d


def _version_json(v: ExamVersion, math: dict[str, str], with_solution: bool) -> dict[str, Any]:
    n = len(v.questions)
    return {
        "code": v.code,
        "number": v.number,
        "n_questions": f"{n} question{'s' if n != 1 else ''}",
        "total": fmt_points(v.total_points),
        "total_num": f"{v.total_points:g}",
        "questions": [_question_json(q, math, with_solution) for q in v.questions],
    }


class TypstExporter:
    """Compiles sheets and key; one instance keeps its formula cache across calls."""

    def __init__(self) -> None:
        self.math = TypstMath()
        self._typst = self.math.typst
        self._src = TEMPLATE.read_bytes()
        self._local = threading.local()

    def render(self, exam: Exam, *, solutions: bool = False, key: bool = True, jobs: int = 2) -> PdfSet:
        """Sheets (``solutions``: practice sheets with answers and solutions inline) and the key
        (``key=False``: none, ``PdfSet.key`` is empty)."""
        math = self.math.convert(exam_formulas(exam))
        common = {
            "paper": TYPST_PAPER.get(exam.paper, exam.paper),
            "paper_note": PAPER_NOTE.get(exam.paper, exam.paper),
            "title": exam.title,
            "course": exam.course,
            "instructions": blocks_json(exam.instructions or "", math),
            "seed": str(exam.seed),
        }
        mode = "practice" if solutions else "sheet"
        jobs_in: list[tuple[str, list[ExamVersion]]] = [(mode, [v]) for v in exam.versions]
        if key:
            jobs_in.append(("key", list(exam.versions)))

        def one(job: tuple[str, list[ExamVersion]]) -> tuple[bytes, list[str]]:
            kind, vs = job
            data = {
                **common,
                "mode": kind,
                "kind_label": "answer key" if kind == "key" else ("practice" if kind == "practice" else ""),
                "doc_title": f"{exam.title} – " + ("answer key" if kind == "key" else vs[0].code),
                "versions": [_version_json(v, math, kind != "sheet") for v in vs],
            }
            return self._compile(data, vs, math)

        # The key (the biggest document) first, so two workers finish together. Typst releases
        # the GIL while it compiles, so threads run in parallel.
        order = [len(jobs_in) - 1, *range(len(jobs_in) - 1)] if key else list(range(len(jobs_in)))
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = dict(zip(order, pool.map(lambda i: one(jobs_in[i]), order), strict=True))
        warnings = sorted({w for _, ws in results.values() for w in ws})
        pdfs = [results[i][0] for i in range(len(jobs_in))]
        n = len(exam.versions)
        return PdfSet(sheets=pdfs[:n], key=pdfs[n] if key else b"", warnings=warnings)

    def _compile(self, data: dict[str, Any], versions: list[ExamVersion],
                 math: dict[str, str]) -> tuple[bytes, list[str]]:
        compiler = getattr(self._local, "compiler", None)
        if compiler is None:  # one per thread: reusing one saves ~20% (fonts, memoized layout)
            compiler = self._local.compiler = self._typst.Compiler(ignore_system_fonts=True,
                                                                   root=str(TEMPLATE.parent))
        try:
            pdf, warns = compiler.compile_with_warnings(
                self._src, sys_inputs={"data": json.dumps(data, ensure_ascii=False)}, timestamp=0)
        except self._typst.TypstError as e:
            # Name the formula if one is to blame (layout-time errors pass the eval-only check).
            for v in versions:
                for q in v.questions:
                    p = q.problem
                    for md in (p.question, p.solution):
                        for b in parse(md):
                            for tex in _block_tex(b):
                                self.math.check_one(math[tex], Formula(tex, p.id, p.seed))
            raise RuntimeError(f"the exam template failed to compile: {getattr(e, 'message', e)}") from e
        assert isinstance(pdf, bytes)
        return pdf, [_warning_text(w) for w in warns]


def _warning_text(w: Any) -> str:
    return str(getattr(w, "message", w))
