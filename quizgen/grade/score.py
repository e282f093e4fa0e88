"""Reading a responses CSV and grading every row against its version, part by part.

Answers are read with the drill's parser (:func:`quizgen.drill.parse.parse_for`: units, ``1.5e9``,
``3/4``, words for a categorical part) and graded with each answer's own tolerance
(:func:`quizgen.grading.accepts`, the rule ``show --json`` states). A question's points are split
evenly over its parts. A wrong headline answer that matches a distractor is recorded as that
misconception, as the drill does. Nothing in a row stops the others: unknown version codes, missing
columns and unreadable answers become :class:`RowIssue` notes. Example::

    quizgen grade exam/ responses.csv -o report/
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from quizgen.drill.parse import GARBAGE, parse_for
from quizgen.drill.session import find_misconception
from quizgen.errors import AnswerParseError, UserError
from quizgen.export.exam import ExamQuestion, ExamVersion
from quizgen.grade.manifest import ID_COLUMNS, ExamRecord, part_column, part_letter
from quizgen.grading import accepts
from quizgen.model import Distractor, Number

MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowIssue:
    """Something wrong in one row (``row`` is the CSV line number), shown in the report."""

    row: int
    student: str
    message: str
    kind: str = "other"  # "unknown version", "unreadable answer", "missing cell", "extra cells"


@dataclass(frozen=True)
class PartMark:
    column: str
    typed: str
    correct: bool
    status: str  # "correct", "wrong", "blank", "unreadable", "missing"
    value: Number | list[Number] | str | None = None


@dataclass(frozen=True)
class QuestionMark:
    question: ExamQuestion
    parts: tuple[PartMark, ...]
    points: float
    misconception: Distractor | None


@dataclass(frozen=True)
class StudentResult:
    row: int
    student: str
    version_text: str
    version: ExamVersion | None
    questions: tuple[QuestionMark, ...] = ()

    @property
    def graded(self) -> bool:
        return self.version is not None

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> float:
        return self.version.total_points if self.version else 0.0


@dataclass
class Grading:
    """Every row's result, the issues found, and the columns the CSV lacked."""

    exam: ExamRecord
    results: list[StudentResult] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def graded(self) -> list[StudentResult]:
        return [r for r in self.results if r.graded]


def read_responses(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str | None], int]]]:
    """The header and the rows (line number, cells by column, number of extra cells) of ``path``."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"responses {str(p)!r} is a folder; give the CSV file (start from responses-template.csv)")
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"responses file {str(p)!r} does not exist; "
                        "fill in the exam's responses-template.csv and give its path") from None
    except OSError as e:
        raise UserError(f"cannot read {str(p)!r}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{str(p)!r} is not UTF-8 text; save it as 'CSV UTF-8' and try again") from None
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","  # spreadsheets in comma-decimal locales
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise UserError(f"{str(p)!r} is empty; start from the exam's responses-template.csv")
        names = [h.strip() for h in header]
        rows: list[tuple[int, dict[str, str | None], int]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise UserError(f"{str(p)!r} has more than {MAX_ROWS} rows")
            d: dict[str, str | None] = {n: (cells[i] if i < len(cells) else None) for i, n in enumerate(names) if n}
            rows.append((reader.line_num, d, max(0, len(cells) - len(names))))
    except csv.Error as e:
        raise UserError(f"{str(p)!r} is not a readable CSV file (line {reader.line_num}: {e})") from None
    return names, rows


def _lookup(cells: dict[str, str | None], number: int, part: int, n_parts: int) -> tuple[str | None, str]:
    """The cell of one part and the column it came from; ``Q6`` and ``Q6a`` stand for each other
    (a question with one part in this version but several in another, after a shuffle)."""
    names = [part_column(number, part, n_parts)]
    if part == 0:
        names += [f"Q{number}", f"Q{number}a"]
    folded = {k.casefold(): k for k in cells}
    for n in names:
        if n.casefold() in folded:
            return cells[folded[n.casefold()]], folded[n.casefold()]
    return None, names[0]


def _unreadable(col: str, typed: str, e: Exception) -> str:
    msg, shown = str(e), typed if len(typed) <= 60 else typed[:57] + "..."
    if msg == GARBAGE:
        return f"{col}: couldn't read {shown!r} as a number — try 1.5e9, 3/4 or 16 GiB"
    return f"{col}: {msg}" if repr(typed) in msg else f"{col}: {shown!r}: {msg}"


def grade_question(q: ExamQuestion, cells: dict[str, str | None]) -> tuple[QuestionMark, list[tuple[str, str]]]:
    """Marks for one question and the problems found reading it, as (kind, message)."""
    answers = q.problem.answers
    share = q.points / len(answers)
    marks: list[PartMark] = []
    notes: list[tuple[str, str]] = []
    for j, a in enumerate(answers):
        raw, col = _lookup(cells, q.number, j, len(answers))
        if raw is None:
            present = any(k.casefold() == col.casefold() for k in cells)
            if present:
                notes.append(("missing cell", f"{col}: missing cell (the row is short)"))
            marks.append(PartMark(col, "", False, "missing"))
            continue
        typed = raw.strip()
        if not typed:
            marks.append(PartMark(col, "", False, "blank"))
            continue
        try:
            value = parse_for(a, typed)
        except (AnswerParseError, ArithmeticError, ValueError, RecursionError) as e:
            # the parser raises AnswerParseError; anything else from a hostile cell is unreadable too
            notes.append(("unreadable answer", _unreadable(col, typed, e)))
            marks.append(PartMark(col, typed, False, "unreadable"))
            continue
        ok = accepts(a, value)
        marks.append(PartMark(col, typed, ok, "correct" if ok else "wrong", value))
    head = marks[0]
    mis = None
    if head.status == "wrong" and head.value is not None:
        # a word for a categorical headline is matched the same way (accepts() takes words)
        mis = find_misconception(q.problem, cast(Any, head.value))
    points = share * sum(1 for m in marks if m.correct)
    return QuestionMark(q, tuple(marks), round(points, 9), mis), notes


def grade_responses(exam: ExamRecord, path: Path) -> Grading:
    """Grade every row of the responses CSV at ``path`` against ``exam``."""
    header, rows = read_responses(path)
    folded = {h.casefold() for h in header if h}
    for col in ID_COLUMNS:
        if col not in folded:
            raise UserError(f"{str(path)!r} has no {col!r} column (its header is {','.join(header)[:80]!r}); "
                            "start from the exam's responses-template.csv")
    out = Grading(exam)
    expected = exam.columns()
    known = {c.casefold() for c in expected} | {c.casefold() for c in ID_COLUMNS}
    # a single-part column may also be written Q6a, a first part Q6 (see _lookup)
    known |= {c.casefold()[:-1] for c in expected if c.endswith("a")} | {c.casefold() + "a" for c in expected}
    out.missing_columns = [c for c in expected if c.casefold() not in folded
                           and not (c.endswith("a") and c[:-1].casefold() in folded)
                           and not (c[-1].isdigit() and (c + "a").casefold() in folded)]
    out.extra_columns = [h for h in header if h and h.casefold() not in known]
    for line, cells, extra in rows:
        lower = {k.casefold(): v for k, v in cells.items()}
        student = (lower.get("student") or "").strip() or f"(row {line})"
        vtext = (lower.get("version") or "").strip()
        version, why = exam.find_version(vtext)
        if extra:
            out.issues.append(RowIssue(line, student, f"{extra} cell{'s' if extra != 1 else ''} beyond the "
                                                      "header ignored", "extra cells"))
        if version is None:
            out.issues.append(RowIssue(line, student, why + " — row not graded", "unknown version"))
            out.results.append(StudentResult(line, student, vtext, None))
            continue
        marks = []
        for q in version.questions:
            mark, notes = grade_question(q, cells)
            marks.append(mark)
            # a column the whole file lacks is reported once (Grading.missing_columns), not per row
            out.issues.extend(RowIssue(line, student, msg, kind) for kind, msg in notes)
        out.results.append(StudentResult(line, student, vtext, version, tuple(marks)))
    return out


__all__ = ["Grading", "PartMark", "QuestionMark", "RowIssue", "StudentResult", "grade_question",
           "grade_responses", "part_letter", "read_responses"]
