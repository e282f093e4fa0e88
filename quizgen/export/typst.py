"""Exam PDFs with Typst: one sheet per version, an answer key with every version, practice sheets.

The template (``templates/exam.typ``) receives all text as JSON through ``sys_inputs`` and
``eval``\\ s only math: every formula passed the allowlist of :mod:`quizgen.export.safetex`, was
converted and checked one at a time by :mod:`quizgen.render.typst_math`, and holds no Typst code
(:func:`has_code`). Documents compile in worker processes (:class:`TypstPool`, one per core) with a
memory bound, a time limit and an empty file root; a student's sheet carries no answers, not even
as unused data. Example::

    quizgen print ml-math --versions 30 --seed 2026 -o exam/
"""

from __future__ import annotations

import functools
import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from quizgen.errors import FormulaError, UserError
from quizgen.export.exam import Exam, ExamQuestion, ExamVersion, fmt_points, part_names, value_text
from quizgen.export.safetex import check_math
from quizgen.model import Answer
from quizgen.precision import answer_short
from quizgen.render.markup import Block, Span, parse
from quizgen.render.numbers import fmt_answer
from quizgen.render.typst_math import Formula, TypstMath

TEMPLATE = Path(__file__).with_name("templates") / "exam.typ"
TYPST_PAPER = {"a4": "a4", "letter": "us-letter"}


@dataclass(frozen=True)
class PdfSet:
    """The compiled PDFs (sheets in version order) and any Typst warnings."""

    sheets: list[bytes]
    key: bytes
    warnings: list[str]


@functools.lru_cache(maxsize=4096)
def _parsed(md: str) -> tuple[Block, ...]:
    """:func:`parse`, once per text: a sheet's formulas and its blocks come from the same parse."""
    return tuple(parse(md))


def exam_formulas(exam: Exam) -> Iterator[Formula]:
    """Every formula the sheets and key print, with the generator id and seed it comes from."""
    for md in (exam.instructions or "",):
        for b in parse(md):
            yield from (Formula(t, "[quiz] instructions") for t in _block_tex(b))
    for v in exam.versions:
        for q in v.questions:
            p = q.problem
            for md in (p.question, p.solution):
                for b in _parsed(md):
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
    for b in _parsed(md):
        if b.kind == "display":
            out.append({"d": math[b.tex]})
        else:
            out.append({"p" if b.kind == "par" else "li": [_span(s, math) for s in b.spans]})
    return out


def _answer_json(a: Answer, with_value: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "label": a.label,
        "unit": a.unit,
        "short": answer_short(a),
        "choices": list(a.choices) if a.choices else None,
        "wide": isinstance(a.value, list),
    }
    if with_value:  # a student's sheet never carries its answers, not even as unused data
        d["text"] = value_text(a)
        d["tol"] = a.precision
    return d


def _question_json(q: ExamQuestion, math: dict[str, str], mode: str, full: bool) -> dict[str, Any]:
    p = q.problem
    d: dict[str, Any] = {
        "n": q.number,
        "pts": fmt_points(q.points),
        "answers": [_answer_json(a, mode != "sheet") for a in p.answers],
        "space": q.space_cm,
    }
    if mode != "key" or full:
        d["q"] = blocks_json(p.question, math)
    if mode == "practice" or (mode == "key" and full):
        d["s"] = blocks_json(p.solution, math)
    if mode == "key":
        d["id"] = p.id
        d["seed"] = p.seed
    return d


def _version_json(v: ExamVersion, math: dict[str, str], mode: str, full: bool) -> dict[str, Any]:
    n = len(v.questions)
    return {
        "code": v.code,
        "n_questions": f"{n} question{'s' if n != 1 else ''}",
        "total": fmt_points(v.total_points),
        "total_num": f"{v.total_points:g}",
        "questions": [_question_json(q, math, mode, full) for q in v.questions],
    }


GRID_COLUMNS = 10
"""Questions per key grid page (30 versions × 10 questions fit one landscape page)."""


def key_grid(exam: Exam) -> tuple[list[dict[str, Any]], float]:
    """The key's first page(s): for each block of questions, a header and one row per version;
    and the font size that fits every version on one page."""
    if not exam.versions:
        return [], 8.0
    n_q = len(exam.versions[0].questions)
    chunks: list[dict[str, Any]] = []
    lines = 1
    for lo in range(0, n_q, GRID_COLUMNS):
        hi = min(n_q, lo + GRID_COLUMNS)
        heads = [f"Q{n}" for n in range(lo + 1, hi + 1)]
        rows = []
        for v in exam.versions:
            cells = []
            for q in v.questions[lo:hi]:
                names = part_names(q)
                cell = [
                    (f"{name[len(f'Q{q.number}'):]}) " if len(names) > 1 else "") + fmt_answer(a)
                    for name, a in zip(names, q.problem.answers, strict=True)]
                lines = max(lines, len(cell))
                cells.append(cell)
            rows.append({"code": v.code, "cells": cells})
        chunks.append({"range": f"{lo + 1}–{hi}", "heads": heads, "rows": rows})
    # Height per row ≈ lines × 1.25 × size + 4.4 pt padding; a landscape A4 page has ~480 pt.
    rows_n = len(exam.versions) + 1
    size = (470 / rows_n - 4.4) / (1.25 * lines)
    return chunks, round(max(5.0, min(9.0, size)), 2)


DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048


def memory_for(n_questions: int) -> int:
    """A worker's memory bound for an exam of ``n_questions`` in all (versions × questions): the key
    holds them all (the 30-version ml-math key, 2,220 questions, needs ~700 MB of address space).
    ``QUIZGEN_TYPST_MEMORY_MB`` wins."""
    return int(_limit("QUIZGEN_TYPST_MEMORY_MB", max(DEFAULT_MEMORY_MB, 1024 + n_questions // 4)))


def _limit(name: str, default: float) -> float:
    try:
        v = float(os.environ.get(name, default))
    except ValueError:
        return default
    return v if v > 0 else default


class TypstLimitError(UserError):
    """A document broke the time or memory bound of a Typst compile."""


class TypstPool:
    """Typst compilers in worker processes: one per core, each bounded in memory (``RLIMIT_AS``)
    and killed when one document takes longer than ``timeout_s`` (both settable with
    ``QUIZGEN_TYPST_MEMORY_MB`` / ``QUIZGEN_TYPST_TIMEOUT``). Workers start at once, so they
    warm up while the caller draws the problems. Example::

        with TypstPool(2) as pool:
            pdf, warnings = pool.compile_many([(src, data_json)])[0]
    """

    def __init__(self, workers: int, *, timeout_s: float | None = None, memory_mb: int | None = None) -> None:
        self.timeout_s = timeout_s or _limit("QUIZGEN_TYPST_TIMEOUT", DEFAULT_TIMEOUT_S)
        self.memory_mb = memory_mb or int(_limit("QUIZGEN_TYPST_MEMORY_MB", DEFAULT_MEMORY_MB))
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        self._procs = [
            subprocess.Popen([sys.executable, "-m", "quizgen.export.typst_worker", str(self.memory_mb)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
            for _ in range(max(1, workers))]

    def __enter__(self) -> TypstPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for p in self._procs:
            if p.poll() is None:
                try:
                    assert p.stdin is not None
                    p.stdin.close()
                except OSError:
                    pass
        for p in self._procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self._procs = []

    def begin(self) -> None:
        """Start taking jobs (:meth:`submit`), compiled in the order they come as workers free up."""
        from quizgen.export.typst_worker import read_msg, write_msg

        jobs: queue.Queue[tuple[int, str, str] | None] = queue.Queue()
        results: dict[int, tuple[bytes, list[str]]] = {}
        lock = threading.Lock()
        errors: list[BaseException] = []

        def serve(proc: subprocess.Popen[bytes]) -> None:
            assert proc.stdin is not None and proc.stdout is not None
            while True:
                job = jobs.get()
                if job is None:
                    return
                if errors:
                    continue  # drain: one failure ends the run
                i, src, data = job
                killed = threading.Event()

                def kill(p: subprocess.Popen[bytes] = proc, flag: threading.Event = killed) -> None:
                    flag.set()
                    p.kill()

                timer = threading.Timer(self.timeout_s, kill)
                timer.start()
                try:
                    write_msg(proc.stdin, json.dumps({"src": src, "data": data}).encode())
                    reply = read_msg(proc.stdout)
                    warns = read_msg(proc.stdout) if reply is not None and reply[:1] == b"P" else b"W[]"
                except OSError:
                    reply = warns = None
                finally:
                    timer.cancel()
                if reply is None or warns is None:
                    try:
                        code = proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        code = None
                    why = (f"took longer than {self.timeout_s:g} s" if killed.is_set()
                           else f"needed more than {self.memory_mb} MB or crashed (exit status {code})")
                    err: BaseException = TypstLimitError(
                        f"a Typst document {why}; nothing was written (set QUIZGEN_TYPST_TIMEOUT / "
                        "QUIZGEN_TYPST_MEMORY_MB to allow more)")
                elif reply[:1] == b"E":
                    err = RuntimeError(reply[1:].decode(errors="replace"))
                else:
                    with lock:
                        results[i] = (reply[1:], json.loads(warns[1:]))
                    continue
                with lock:
                    errors.append(err)
                return  # this worker is done for (killed, or its state unknown)

        self._jobs, self._results, self._errors = jobs, results, errors
        self._threads = [threading.Thread(target=serve, args=(p,), daemon=True) for p in self._procs]
        for t in self._threads:
            t.start()

    def submit(self, i: int, src: str, data: str) -> None:
        """Queue document ``i`` (``src`` with ``sys.inputs.data = data``)."""
        self._jobs.put((i, src, data))

    def wait(self) -> dict[int, tuple[bytes, list[str]]]:
        """Every submitted document's ``(pdf, warnings)`` by number; raises the first failure."""
        for _ in self._threads:
            self._jobs.put(None)
        for t in self._threads:
            t.join()
        if self._errors:
            self.close()  # a killed or failed worker: start clean next time
            raise self._errors[0]
        return self._results

    def abort(self) -> None:
        """Stop taking jobs and kill the workers (after a failure while jobs were being queued)."""
        for _ in getattr(self, "_threads", []):
            self._jobs.put(None)
        for p in self._procs:
            p.kill()
        for t in getattr(self, "_threads", []):
            t.join(timeout=10)
        self.close()

    def compile_many(self, jobs: list[tuple[str, str]]) -> list[tuple[bytes, list[str]]]:
        """Compile ``(source, data JSON)`` jobs in the order of the list (give the biggest first);
        results in the same order. Raises :class:`TypstLimitError` or ``RuntimeError``."""
        self.begin()
        for i, (src, data) in enumerate(jobs):
            self.submit(i, src, data)
        results = self.wait()
        return [results[i] for i in range(len(jobs))]


def default_jobs() -> int:
    """Worker processes: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


class TypstExporter:
    """Compiles sheets and key in a :class:`TypstPool`; one instance keeps its formula cache."""

    def __init__(self, jobs: int | None = None, memory_mb: int | None = None) -> None:
        self.math = TypstMath()
        self._src = TEMPLATE.read_text(encoding="utf-8")
        self._jobs = jobs or default_jobs()
        self._memory_mb = memory_mb
        self._pool: TypstPool | None = None

    def start(self) -> None:
        """Start the workers now (they warm up while the caller draws problems)."""
        if self._pool is None:
            self._pool = TypstPool(self._jobs, memory_mb=self._memory_mb)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def convert_math(self, exam: Exam) -> dict[str, str]:
        """Every formula checked against the allowlist, converted, and checked to hold no Typst code."""
        return self._convert(list(exam_formulas(exam)))

    def _convert(self, fs: list[Formula]) -> dict[str, str]:
        for f in {f.tex: f for f in fs}.values():
            check_math(f.tex, f.where())
        math = self.math.convert(fs)
        for f in fs:
            if has_code(math[f.tex]):
                raise FormulaError(f'{f.where()}: formula "{f.tex}" would run Typst code: {math[f.tex]}')
        return math

    def render(self, exam: Exam, *, solutions: bool = False, key: bool = True, key_full: bool = False,
               jobs: int | None = None) -> PdfSet:
        """Sheets (``solutions``: practice sheets with answers and solutions inline) and the key
        (grid of all answers, then per version the answers; ``key_full`` adds worked solutions;
        ``key=False``: none, ``PdfSet.key`` is empty)."""
        head = replace(exam, versions=())
        pdfs, _ = self.render_stream(head, exam.versions, solutions=solutions, key=key, key_full=key_full,
                                     jobs=jobs or min(self._jobs, len(exam.versions) + 1))
        return pdfs

    def render_stream(self, head: Exam, versions: Iterable[ExamVersion], *, solutions: bool = False,
                      key: bool = True, key_full: bool = False, jobs: int | None = None) -> tuple[PdfSet, Exam]:
        """Like :meth:`render`, for versions that are still being drawn: each sheet is queued for a
        worker as soon as its version arrives, and the key once all have. Returns the PDFs and the
        whole exam (``head`` with the versions)."""
        math = self._convert([Formula(t, "[quiz] instructions") for b in parse(head.instructions or "")
                              for t in _block_tex(b)])
        common = {
            "paper": TYPST_PAPER.get(head.paper, head.paper),
            "title": head.title,
            "course": head.course,
            "instructions": blocks_json(head.instructions or "", math),
        }
        mode = "practice" if solutions else "sheet"
        own = self._pool is None
        if own:
            self._pool = TypstPool(jobs or self._jobs, memory_mb=self._memory_mb)
        pool = self._pool
        assert pool is not None
        got: list[ExamVersion] = []
        pool.begin()
        try:
            for v in versions:
                got.append(v)
                math = self._convert(list(exam_formulas(replace(head, instructions=None, versions=(v,)))))
                pool.submit(len(got) - 1, self._src, json.dumps({
                    **common, "mode": mode, "kind_label": "practice" if solutions else "",
                    "doc_title": f"{head.title} – {v.code}", "full": False,
                    "versions": [_version_json(v, math, mode, False)]}, ensure_ascii=False))
            exam = replace(head, versions=tuple(got))
            if key:
                grid, size = key_grid(exam)
                pool.submit(len(got), self._src, json.dumps({
                    **common, "mode": "key", "kind_label": "answer key", "seed": str(exam.seed),
                    "doc_title": f"{exam.title} – answer key", "full": key_full, "grid": grid,
                    "grid_size": size, "landscape": len(grid) > 0 and len(grid[0]["heads"]) > 4,
                    "versions": [_version_json(v, math, "key", key_full) for v in exam.versions]},
                    ensure_ascii=False))
        except BaseException:
            pool.abort()  # the workers stop; nothing is written
            self._pool = None
            raise
        try:
            results = pool.wait()
        except RuntimeError as e:
            self._blame(exam, math)
            raise RuntimeError(f"the exam template failed to compile: {e}") from e
        finally:
            if own:
                self.close()
        warnings = sorted({w for _, ws in results.values() for w in ws})
        n = len(got)
        return PdfSet(sheets=[results[i][0] for i in range(n)], key=results[n][0] if key else b"",
                      warnings=warnings), exam

    def _blame(self, exam: Exam, math: dict[str, str]) -> None:
        """Name the formula if one is to blame (layout-time errors pass the eval-only check)."""
        for v in exam.versions:
            for q in v.questions:
                p = q.problem
                for md in (p.question, p.solution):
                    for b in parse(md):
                        for tex in _block_tex(b):
                            self.math.check_one(math[tex], Formula(tex, p.id, p.seed))


_TYPST_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\\.|#h\(-math\.thin\.amount\)|#')
"""Strings, escapes, the one piece of code tex2typst writes itself (``\\!``), and any other ``#``."""


def has_code(typ: str) -> bool:
    """Whether Typst math ``typ`` holds a ``#`` outside strings and escapes (code mode), other than
    the negative thin space tex2typst writes for ``\\!``."""
    return any(m.group() == "#" for m in _TYPST_TOKEN.finditer(typ))
