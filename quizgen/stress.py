"""The stress test behind ``quizgen check`` and the registry-wide tests: for each generator and
seed, draw, self-check, and verify the invariants every problem must keep. Example::

    quizgen check --seeds 200 --jobs 2
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from quizgen.checking import missing_optional
from quizgen.errors import ParamError
from quizgen.generator import Generator
from quizgen.grading import accepts
from quizgen.model import Problem


@dataclass
class GenResult:
    id: str
    seeds: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: int = 0
    """Seeds whose cross-check was skipped: it needs an optional package that is not installed."""
    skipped_problems: int = 0
    """Seeds not drawn at all: drawing them needs such a package (measured generators)."""
    missing: list[str] = field(default_factory=list)
    """Those packages (``["torch"]``)."""

    @property
    def ok(self) -> bool:
        return not self.failures


def invariants(gen: Generator, problem: Problem) -> list[str]:
    """What must hold for every problem (beyond the generator's own ``check``)."""
    bad: list[str] = []
    declared = {p.name: p for p in gen.params}
    for name, value in problem.params.items():
        if not declared[name].in_draw_range(value):
            bad.append(f"param {name}={json.dumps(value)} outside its declared draw range")
    try:
        gen.validate(problem.params)  # (a build trusts its draws: see Generator._resolve)
    except ParamError as e:
        bad.append(f"the drawn params fail validate(): {e}")
    if not problem.question.strip() or not problem.solution.strip():
        bad.append("empty question or solution")
    if not problem.answers:
        bad.append("no answers")
    text = problem.dumps()
    if Problem.from_json(json.loads(text)).dumps() != text:
        bad.append("JSON round trip changed the problem")
    bad += precision_violations(gen, problem)
    bad += [f"implausible draw: {why}" for why in gen.plausible(problem.params)]
    head = problem.answers[0] if problem.answers else None
    for d in problem.distractors:
        if head is not None and accepts(head, d.value):
            bad.append(f"distractor {d.value!r} ({d.why}) is accepted as correct")
        if not d.why.strip():
            bad.append(f"distractor {d.value!r} has no reason")
    return bad


def precision_violations(gen: Generator, problem: Problem) -> list[str]:
    """The precision policy (quizgen/precision.py), checked on one problem: a non-default
    precision says why, none asks for more than 4 figures, the exact value rounded to the stated
    figures is accepted, and the question states the precision."""
    from quizgen.model import SIG3
    from quizgen.precision import sentence

    bad: list[str] = []
    for a in problem.answers:
        tol = a.tolerance
        if a.choices:
            continue
        if tol != SIG3 and not (tol.factor is not None and gen.measured) and not tol.why:
            bad.append(f"answer {a.label!r}: precision {a.precision!r} is not the default 3 "
                       "significant figures but declares no reason (why=...)")
        if tol.sig is not None:
            if tol.sig > 4:
                bad.append(f"answer {a.label!r} asks for {tol.sig} significant figures (at most 4)")
            for v in a.values:
                shown = float(f"{float(v):.{tol.sig - 1}e}")
                if not tol.accepts(shown, float(v)):
                    bad.append(f"answer {a.label!r}: {v!r} rounded to {tol.sig} figures ({shown!r}) "
                               "is not accepted by its own tolerance")
    closing = sentence(problem.answers)
    if closing and closing not in problem.question:
        bad.append("the question does not state its precision")
    return bad


def check_generator(gen: Generator, seeds: Iterable[int]) -> GenResult:
    """Draw every seed, run the self-check and the invariants; collect failures (never raise).
    What needs an optional package that is not installed (torch) is skipped and counted: a
    cross-check alone, or the whole problem when even drawing it needs torch (measured ones)."""
    res = GenResult(gen.id)
    t0 = time.perf_counter()
    for seed in seeds:
        res.seeds += 1
        try:
            problem = gen.problem(seed)
            again = gen.problem(seed)
            if again.dumps() != problem.dumps():
                res.failures.append(f"seed {seed}: not deterministic")
            try:
                gen.check(problem.params, problem.answers)
            except Exception as e:  # torch not installed: skip this cross-check, say so
                if (pkg := missing_optional(e)) is None:
                    raise
                res.skipped += 1
                res.missing += [pkg] if pkg not in res.missing else []
            res.failures += [f"seed {seed}: {b}" for b in invariants(gen, problem)]
        except Exception as e:  # a failure report, not a crash: keep going
            if (pkg := missing_optional(e)) is not None:
                res.skipped_problems += 1
                res.missing += [pkg] if pkg not in res.missing else []
                continue
            tb = traceback.format_exception_only(type(e), e)[-1].strip()
            res.failures.append(f"seed {seed}: {tb}")
    res.seconds = time.perf_counter() - t0
    return res


def _worker(args: tuple[str, tuple[str, ...], int, int]) -> GenResult:
    from quizgen.registry import load_registry

    gen_id, dirs, start, n = args
    return check_generator(load_registry(dirs).get(gen_id), range(start, start + n))


def run_checks(ids: list[str], dirs: tuple[str, ...], seeds: int, start: int = 0, jobs: int = 1) -> list[GenResult]:
    """Check each generator over ``seeds`` seeds, in ``jobs`` processes."""
    tasks = [(i, dirs, start, seeds) for i in ids]
    if jobs <= 1:
        return [_worker(t) for t in tasks]
    import multiprocessing as mp
    import os

    # One BLAS/OpenMP thread per worker: J workers × N threads on N cores only thrash.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    with mp.get_context("spawn").Pool(jobs) as pool:
        return pool.map(_worker, tasks, chunksize=1)
