"""The ml-math deck at scale (74 items × 34 copies × 2 variants = 5,032 problems, with the
multichoice distractor questions): every Moodle question and every Canvas item read back as the
LMSs read them, every answer and bound compared with ``show --json``, the QTI validated against the
IMS QTI 1.2.1 DTD, and the zip size checked."""

from __future__ import annotations

from pathlib import Path

from quizgen.build import build_problems
from quizgen.deck import load_deck
from quizgen.export.moodle import moodle_xml
from quizgen.export.qti import qti_zip
from quizgen.registry import Registry

from .lms_check import check_moodle, check_qti, problem_tables
from .lms_rules import qti_dtd


def test_ml_math_at_scale(registry: Registry) -> None:
    dtd: Path = qti_dtd()
    spec = load_deck("ml-math", registry)
    built = build_problems(spec, registry, seed=2026, count=34, variants=2)
    problems, points, groups = problem_tables(built, spec)
    assert len(problems) >= 5000
    xml = moodle_xml(spec, built, multichoice=True)
    zbytes = qti_zip(spec, built, seed=2026)
    assert len(zbytes) < 10_000_000, f"QTI zip {len(zbytes) / 1e6:.1f} MB"
    mc = check_moodle(xml, problems, points, groups)
    qc = check_qti(zbytes, problems, points, groups, dtd)
    assert mc["multichoice (distractors)"] > 1000 and mc["cloze"] > 500 and b":SHORTANSWER:=" in xml
    assert qc["numerical_question"] > 5000 and qc["short_answer_question"] > 0
