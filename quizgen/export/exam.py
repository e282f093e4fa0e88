"""Printed exams: per-student versions of a deck, their points and answers, and the manifest.

Version ``v`` (1-based) draws its problems with ``variant_offset = v - 1``, so each version is fixed
by (deck seed, version) alone and can be regenerated on its own. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from quizgen import __version__
from quizgen.build import item_seed
from quizgen.deck import DeckSpec
from quizgen.model import Answer, Problem
from quizgen.registry import Registry
from quizgen.render.numbers import fmt_answer
from quizgen.rng import Rng, derive_seed

MANIFEST_FORMAT = "quizgen-print/1"
PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class ExamQuestion:
    """Question ``number`` of one version: a problem, its points and where it comes from.
    ``options`` are the fixed params it was drawn with (the item's options and its form);
    ``space_cm`` is the room left to work under it on the sheet."""

    number: int
    problem: Problem
    points: float
    item_index: int
    copy: int
    options: dict[str, Any]
    space_cm: float = 0.0

    @property
    def slot(self) -> tuple[int, int]:
        """(deck item, copy): the same question in every version, whatever the shuffle."""
        return self.item_index, self.copy


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


def part_names(q: ExamQuestion) -> list[str]:
    """``Q6`` for a one-part question, ``Q6a``, ``Q6b`` … for its parts (the key grid's and the
    responses CSV's names)."""
    from quizgen.grade.manifest import part_column

    n = len(q.problem.answers)
    return [part_column(q.number, i, n) for i in range(n)]


def fmt_points(p: float) -> str:
    """``1 pt``, ``2 pts``, ``0.5 pts``."""
    text = f"{p:g}"
    return f"{text} pt" if p == 1 else f"{text} pts"


def version_code(number: int, seed: int, questions: tuple[ExamQuestion, ...]) -> str:
    """``V07-3FA2``: the number, and a short hash of the seed and problems (a typo check)."""
    blob = json.dumps([seed, number, [(q.problem.id, q.problem.seed) for q in questions]])
    return f"V{number:02d}-{hashlib.sha256(blob.encode()).hexdigest()[:4].upper()}"


MAX_REDRAWS = 40
"""Tries to find a draw whose answers differ from the neighbouring version's (then the last one stays)."""
SPACE_BASE_CM, SPACE_PER_POINT_CM, SPACE_MAX_CM = 1.5, 1.3, 16.0


def space_for(points: float) -> float:
    """Default room to work, from a question's points: 1 pt → 2.8 cm, 2 → 4.1 cm, 4 → 6.7 cm."""
    return round(min(SPACE_MAX_CM, SPACE_BASE_CM + SPACE_PER_POINT_CM * points), 2)


def answer_signature(p: Problem) -> tuple[str, ...]:
    """What a student would copy: each answer part as the key prints it."""
    return tuple(fmt_answer(a) for a in p.answers)


def shares_answer(a: Problem, b: Problem) -> bool:
    """Two versions of one question share an answer: all parts equal, or any numeric part equal
    (a categorical part alone may repeat: it has only a few words to choose from)."""
    sa, sb = answer_signature(a), answer_signature(b)
    if sa == sb:
        return True
    return any(x == y for x, y, ans in zip(sa, sb, a.answers, strict=False) if not ans.categorical)


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
    space_cm: float | None = None,
) -> Exam:
    """The versions of ``spec`` (see :func:`iter_versions`) as one :class:`Exam`."""
    head = exam_head(spec, seed=seed, paper=paper, shuffle=shuffle)
    vs = iter_versions(spec, registry, seed=seed, versions=versions, shuffle=shuffle, count=count,
                       points=points, space_cm=space_cm)
    return replace(head, versions=tuple(vs))


def exam_head(spec: DeckSpec, *, seed: int, paper: str = "a4", shuffle: bool = False) -> Exam:
    """The exam's title, texts and settings, without versions yet (checks the instructions)."""
    check_instructions(spec.quiz.instructions)
    return Exam(
        title=spec.quiz.title or spec.name,
        course=spec.quiz.course,
        instructions=spec.quiz.instructions,
        deck_name=spec.name,
        source=spec.source,
        seed=seed,
        paper=paper,
        shuffle=shuffle,
        versions=(),
    )


def iter_versions(
    spec: DeckSpec,
    registry: Registry,
    *,
    seed: int,
    versions: int,
    shuffle: bool = False,
    count: int | None = None,
    points: float | None = None,
    space_cm: float | None = None,
) -> Iterator[ExamVersion]:
    """Version 1, 2, … of ``spec``, each as soon as it is drawn (so its sheet can be compiled while
    the next is drawn). Points: the item's ``points``, else ``points``, else [quiz] points.
    Space: the item's ``space``, else ``space_cm``, else from the points (:func:`space_for`).

    Fair versions: all versions of an item share version 1's *form* (``gen.form_of``; the item's
    own options win); a question whose answers would equal the previous version's is re-drawn
    with a derived seed; no two versions are identical.
    """
    check_instructions(spec.quiz.instructions)
    default_points = points if points is not None else spec.quiz.points
    slots = [(idx, item, c) for idx, item in enumerate(spec.items)
             for c in range(count if count is not None else item.count)]
    firsts: dict[tuple[int, int], Problem] = {}
    prev: dict[tuple[int, int], Problem] = {}
    seen: set[str] = set()
    for v in range(1, versions + 1):
        drawn: list[tuple[int, Any, int, Problem, dict[str, Any]]] = []
        for idx, item, c in slots:
            gen = registry.get(item.generator)
            first = firsts.get((idx, c))
            fixed = dict(item.options) if first is None else {**gen.form_of(first.params), **item.options}
            p = gen.problem(item_seed(seed, gen.id, idx, c, v - 1), fixed)
            before = prev.get((idx, c))
            tries = 0
            while before is not None and shares_answer(p, before) and tries < MAX_REDRAWS:
                tries += 1
                p = gen.problem(derive_seed("print-redraw", seed, idx, c, v, tries), fixed)
            drawn.append((idx, item, c, p, fixed))
        tries = 0
        while _params_key(drawn) in seen and tries < MAX_REDRAWS:  # identical to an earlier version
            tries += 1
            idx, item, c, _, fixed = drawn[-1]
            p = registry.get(item.generator).problem(derive_seed("print-distinct", seed, idx, c, v, tries), fixed)
            before = prev.get((idx, c))
            if before is None or not shares_answer(p, before):
                drawn[-1] = (idx, item, c, p, fixed)
        seen.add(_params_key(drawn))
        for idx, _, c, p, _ in drawn:
            firsts.setdefault((idx, c), p)
            prev[(idx, c)] = p
        if shuffle:
            drawn = Rng(derive_seed("print-shuffle", seed, v)).shuffled(drawn)
        qs = []
        for i, (idx, item, c, p, fixed) in enumerate(drawn):
            pts = item.points if item.points is not None else default_points
            space = item.space_cm if item.space_cm is not None else (
                space_cm if space_cm is not None else space_for(pts))
            qs.append(ExamQuestion(number=i + 1, problem=p, points=pts, item_index=idx, copy=c,
                                   options=fixed, space_cm=space))
        qt = tuple(qs)
        yield ExamVersion(v, version_code(v, seed, qt), qt)


def _params_key(drawn: list[tuple[int, Any, int, Problem, dict[str, Any]]]) -> str:
    return json.dumps([(p.id, p.params) for *_, p, _ in drawn], sort_keys=True, default=str)


def check_instructions(md: str | None) -> None:
    """Spec text reaches LaTeX and Typst as text; its formulas only through the math allowlist."""
    from quizgen.export.safetex import check_math
    from quizgen.render.markup import formulas

    for tex, _ in formulas(md or ""):
        check_math(tex, "[quiz] instructions")


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
