"""An exam as ``quizgen grade`` sees it: the versions recorded in ``manifest.json``, and the answer
columns of the responses CSV (``Q1``, ``Q6a``, ``Q6b``, ...).

``quizgen print`` writes ``responses-template.csv`` (:func:`template_csv`) and the distractors of
every question into the manifest (:func:`add_grading_data`), so grading needs neither the generators
nor the deck. Example::

    quizgen print midterm.toml --versions 30 -o exam/   # exam/responses-template.csv
    quizgen grade exam/ responses.csv -o report/
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.errors import UserError
from quizgen.export.exam import ExamQuestion, ExamVersion
from quizgen.model import Answer, Distractor, Problem

MANIFEST_NAME = "manifest.json"
TEMPLATE_NAME = "responses-template.csv"
MANIFEST_FORMATS = ("quizgen-print/1",)
ID_COLUMNS = ("student", "version")


@dataclass(frozen=True)
class ExamRecord:
    """Everything grading needs from ``manifest.json``."""

    title: str
    seed: int
    versions: tuple[ExamVersion, ...]
    has_distractors: bool

    def columns(self) -> list[str]:
        return answer_columns(self.part_counts())

    def part_counts(self) -> list[int]:
        """Parts of question 1, 2, ... (the most any version has, for shuffled exams)."""
        n = max((len(v.questions) for v in self.versions), default=0)
        return [max((len(v.questions[i].problem.answers) for v in self.versions if i < len(v.questions)),
                    default=1) for i in range(n)]

    def find_version(self, text: str) -> tuple[ExamVersion | None, str]:
        """The version a typed code names, or ``None`` and why not. ``V07-3FA2`` (any case), or
        just its number (``V07``, ``7``) since the number alone is unambiguous within one exam."""
        t = text.strip().upper()
        if not t:
            return None, "no version code"
        by_code = {v.code.upper(): v for v in self.versions}
        if t in by_code:
            return by_code[t], ""
        by_number = {v.number: v for v in self.versions}
        m = re.fullmatch(r"V?0*(\d+)", t)
        if m and int(m.group(1)) in by_number:
            return by_number[int(m.group(1))], ""
        m = re.fullmatch(r"V?0*(\d+)-\w+", t)
        if m and int(m.group(1)) in by_number:
            real = by_number[int(m.group(1))].code
            return None, (f"unknown version code {text.strip()!r}: version {int(m.group(1))} of this exam "
                          f"is {real} (a typo, or a sheet from another exam?)")
        return None, (f"unknown version code {text.strip()!r}: this exam has "
                      f"{self.versions[0].code} … {self.versions[-1].code}" if self.versions else "no versions")


def part_letter(i: int) -> str:
    """``a``, ``b``, ..., ``z``, ``aa``, ``ab``, ..."""
    letters = string.ascii_lowercase
    return letters[i] if i < 26 else part_letter(i // 26 - 1) + letters[i % 26]


def part_column(number: int, part: int, n_parts: int) -> str:
    """``Q3`` for a one-part question, ``Q6a``, ``Q6b`` for the parts of a multi-part one."""
    return f"Q{number}" if n_parts == 1 else f"Q{number}{part_letter(part)}"


def answer_columns(part_counts: Iterable[int]) -> list[str]:
    return [part_column(i + 1, j, k) for i, k in enumerate(part_counts) for j in range(k)]


def template_csv(manifest: dict[str, Any]) -> str:
    """``responses-template.csv``: the header ``student,version,Q1,...`` a teacher fills in."""
    record = exam_record(manifest, where=MANIFEST_NAME)
    return ",".join([*ID_COLUMNS, *record.columns()]) + "\r\n"


def add_grading_data(manifest: dict[str, Any], distractors: Iterable[Iterable[list[Distractor]]]) -> None:
    """Record each question's distractors (the misconceptions ``grade`` names) in ``manifest``;
    ``distractors`` holds, per version, per question, the problem's distractors."""
    for v, per_question in zip(manifest["versions"], distractors, strict=True):
        for q, ds in zip(v["questions"], per_question, strict=True):
            q["distractors"] = [d.to_json() for d in ds]


def exam_record(data: Any, where: str) -> ExamRecord:
    """The manifest object as an :class:`ExamRecord`; a malformed one is a :class:`UserError`."""
    try:
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        fmt = data.get("format")
        if fmt not in MANIFEST_FORMATS:
            raise UserError(f"{where} is not a quizgen print manifest (format {fmt!r}); "
                            "give the folder `quizgen print -o DIR` wrote")
        versions = []
        has_distractors = True
        for v in data["versions"]:
            qs = []
            for q in v["questions"]:
                answers = [Answer.from_json({k: x for k, x in a.items() if k != "text"}) for a in q["answers"]]
                if "distractors" not in q:
                    has_distractors = False
                dist = [Distractor.from_json(d) for d in q.get("distractors", [])]
                prob = Problem(id=q["id"], version=int(q.get("generator_version", 1)), seed=int(q["seed"]),
                               params=q.get("params", {}), question="", solution="", answers=answers,
                               distractors=dist)
                if not answers:
                    raise ValueError(f"question {q['number']} has no answers")
                qs.append(ExamQuestion(int(q["number"]), prob, float(q["points"]),
                                       item_index=int(q.get("item", q["number"])), copy=int(q.get("copy", 0)),
                                       options=dict(q.get("options", {}))))
            versions.append(ExamVersion(int(v["version"]), str(v["code"]), tuple(qs)))
        if not versions:
            raise ValueError("it lists no versions")
        return ExamRecord(str(data.get("title", "")), int(data.get("seed", 0)), tuple(versions), has_distractors)
    except UserError:
        raise
    except (KeyError, TypeError, ValueError) as e:
        what = f"missing {e}" if isinstance(e, KeyError) else str(e)
        raise UserError(f"{where} is damaged ({what}); print the exam again with `quizgen print`") from None


def load_exam(exam_dir: Path) -> ExamRecord:
    """The exam that ``quizgen print`` wrote into ``exam_dir``."""
    d = Path(exam_dir)
    if not d.is_dir():
        what = "is a file, not a folder" if d.exists() else "does not exist"
        raise UserError(f"exam folder {str(d)!r} {what}; give the folder `quizgen print -o DIR` wrote")
    path = d / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{str(d)!r} has no {MANIFEST_NAME}; give the folder `quizgen print -o DIR` wrote") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read {str(path)!r}: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"{str(path)!r} is not valid JSON (line {e.lineno}): print the exam again") from None
    return exam_record(data, str(path))
