"""Printed exams: per-student versions of a deck, their points and answers, and the manifest.

Version ``v`` (1-based) draws its problems with ``variant_offset = v - 1``, so each version is fixed
by (deck seed, version) alone and can be regenerated on its own. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from quizgen import __version__
from quizgen.build import build_problems
from quizgen.deck import DeckSpec
from quizgen.model import Answer, Problem
from quizgen.registry import Registry
from quizgen.render.numbers import fmt_answer
from quizgen.rng import Rng, derive_seed

MANIFEST_FORMAT = "quizgen-print/1"
PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class ExamQuestion:
    """Question ``number`` of one version: a problem, its points and where it comes from."""

    number: int
    problem: Problem
    points: float
    item_index: int
    copy: int
    options: dict[str, Any]


@dataclass(frozen=True)
class ExamVersion:
    """One student version: ``number`` (1-based), a printed ``code`` such as ``V07-3FA2``."""

    number: int
    code: str
    questions: tuple[ExamQuestion, ...]

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class Exam:
    """Everything the sheet, key, manifest and practice page are built from."""

    title: str
    course: str | None
    instructions: str | None
    deck_name: str
    source: str
    seed: int
    paper: str
    shuffle: bool
    versions: tuple[ExamVersion, ...]

    @property
    def width(self) -> int:
        """Digits in file names: ``version-01.pdf`` up to 99 versions, then 3."""
        return max(2, len(str(len(self.versions))))

    def file_stem(self, v: ExamVersion) -> str:
        return f"version-{v.number:0{self.width}d}"


def value_text(a: Answer) -> str:
    """The answer's value as the key prints it (``fmt_answer`` without the unit)."""
    return fmt_answer(replace(a, unit=None))


def fmt_points(p: float) -> str:
    """``1 pt``, ``2 pts``, ``0.5 pts``."""
    text = f"{p:g}"
    return f"{text} pt" if p == 1 else f"{text} pts"


def version_code(number: int, seed: int, questions: tuple[ExamQuestion, ...]) -> str:
    """``V07-3FA2``: the number, and a short hash of the seed and problems (a typo check)."""
    blob = json.dumps([seed, number, [(q.problem.id, q.problem.seed) for q in questions]])
    return f"V{number:02d}-{hashlib.sha256(blob.encode()).hexdigest()[:4].upper()}"


def build_exam(
    spec: DeckSpec,
    registry: Registry,
    *,
    seed: int,
    versions: int,
    shuffle: bool = False,
    count: int | None = None,
    points: float | None = None,
    paper: str = "a4",
) -> Exam:
    """The versions of ``spec``. Points: the item's ``points``, else ``points``, else [quiz] points."""
    default_points = points if points is not None else spec.quiz.points
    out: list[ExamVersion] = []
    for v in range(1, versions + 1):
        built = build_problems(spec, registry, seed=seed, count=count, variants=1, variant_offset=v - 1)
        if shuffle:
            built = Rng(derive_seed("print-shuffle", seed, v)).shuffled(built)
        qs = tuple(
            ExamQuestion(
                number=i + 1,
                problem=b.problem,
                points=b.item.points if b.item.points is not None else default_points,
                item_index=b.item_index,
                copy=b.copy,
                options=dict(b.item.options),
            )
            for i, b in enumerate(built)
        )
        out.append(ExamVersion(v, version_code(v, seed, qs), qs))
    return Exam(
        title=spec.quiz.title or spec.name,
        course=spec.quiz.course,
        instructions=spec.quiz.instructions,
        deck_name=spec.name,
        source=spec.source,
        seed=seed,
        paper=paper,
        shuffle=shuffle,
        versions=tuple(out),
    )


def manifest(exam: Exam, files: dict[str, Any], solutions: bool = False) -> dict[str, Any]:
    """The ``manifest.json`` object: enough to regenerate any sheet and grade it by script."""
    return {
        "format": MANIFEST_FORMAT,
        "quizgen": __version__,
        "deck": {"name": exam.deck_name, "source": exam.source},
        "title": exam.title,
        "seed": exam.seed,
        "paper": exam.paper,
        "shuffle": exam.shuffle,
        "solutions": solutions,
        "files": files,
        "versions": [
            {
                "version": v.number,
                "code": v.code,
                "file": f"{exam.file_stem(v)}.pdf",
                "total_points": v.total_points,
                "questions": [
                    {
                        "number": q.number,
                        "id": q.problem.id,
                        "generator_version": q.problem.version,
                        "seed": q.problem.seed,
                        "item": q.item_index,
                        "copy": q.copy,
                        "options": q.options,
                        "params": q.problem.params,
                        "points": q.points,
                        "answers": [{**a.to_json(), "text": fmt_answer(a)} for a in q.problem.answers],
                    }
                    for q in v.questions
                ],
            }
            for v in exam.versions
        ],
    }
