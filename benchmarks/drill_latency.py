"""Drill answer latency: the time from the answer line to the graded output, and what it is made of.

Stages, over every registered (non-measured) generator, each answered right:
  parse            parse_for() on the typed line
  grade+render     from the line returned by the input to the graded text written (PipeUI)
  + save           ... to the review committed in SQLite (one transaction, synchronous=FULL)
  pty round trip   a real `quizgen drill` in a pseudo-terminal: from sending the line to the
                   rich result panel on screen
  pty startup      from spawning `quizgen drill` to its first prompt

Run: python benchmarks/drill_latency.py [--rounds N] [--no-pty]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizgen.drill.parse import parse_for
from quizgen.drill.scheduler import Clock, Memory, Rating
from quizgen.drill.session import DrillCard, Graded, Session
from quizgen.drill.store import open_store
from quizgen.drill.ui import PipeUI
from quizgen.model import Answer, Problem
from quizgen.registry import load_registry

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def typed(a: Answer) -> str:
    def fmt(v: float | int) -> str:
        return f"{v:,}" if isinstance(v, int) else repr(v)

    unit = f" {a.unit}" if a.unit else ""
    if isinstance(a.value, list):
        return "; ".join(fmt(v) for v in a.value)
    return fmt(a.value) + unit


class TimedUI(PipeUI):
    """A pipe that answers right and notes when each stage ends."""

    def __init__(self) -> None:
        super().__init__(io.StringIO(), io.StringIO())
        self.problem: Problem | None = None
        self.parts: list[str] = []
        self.t_line = 0.0
        self.grade_s: list[float] = []
        self.save_s: list[float] = []

    def question(self, progress: Any, card: DrillCard, problem: Problem, *rest: Any) -> None:
        super().question(progress, card, problem, *rest)
        self.problem = problem
        self.parts = [typed(a) for a in problem.answers]

    def read(self, prompt: str) -> str | None:
        if not self.parts:
            return None
        line = self.parts.pop(0)
        self.t_line = time.perf_counter()
        return line

    def graded(self, problem: Problem, graded: Graded) -> None:
        super().graded(problem, graded)
        self.grade_s.append(time.perf_counter() - self.t_line)

    def scheduled(self, rating: Rating, memory: Memory, now: datetime) -> None:
        super().scheduled(rating, memory, now)
        self.save_s.append(time.perf_counter() - self.t_line)
        self.out.seek(0)
        self.out.truncate()


def in_process(rounds: int, tmp: Path) -> tuple[list[float], list[float], list[float], int]:
    reg = load_registry()
    gens = [g for g in reg if not g.measured]
    parse_s: list[float] = []
    ui = TimedUI()
    for r in range(rounds):
        cards = [DrillCard(g.id, g, {}) for g in gens]
        with open_store(tmp / f"bench-{r}.sqlite3") as store:
            Session(cards=cards, store=store, ui=ui, clock=Clock(NOW), seed=r, new_limit=len(cards),
                    limit=len(cards)).run()
        for g in gens:
            p = g.problem(r)
            for a in p.answers:
                line = typed(a)
                t0 = time.perf_counter()
                parse_for(a, line)
                parse_s.append(time.perf_counter() - t0)
    return parse_s, ui.grade_s, ui.save_s, len(gens)


QUESTION = re.compile(r"(?:card \d+ of \d+|repeat \([^)]*\))[^·]*· "
                      r"(?:\x1b\[[0-9;]*m)*([\w.]+)(?:\x1b\[[0-9;]*m)* · .*?seed (\d+)", re.S)


def pty(rounds: int, tmp: Path) -> tuple[list[float], list[float]]:
    import pexpect

    reg = load_registry()
    gens = [g for g in reg if not g.measured]
    deck = tmp / "all.toml"
    deck.write_text('[deck]\nname = "all"\n' + "".join(f'[[items]]\ngenerator = "{g.id}"\n' for g in gens))
    round_trip: list[float] = []
    startup: list[float] = []
    env = {"QUIZGEN_NOW": "2026-11-23T10:00:00Z", "TERM": "xterm", "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[1]
    n = str(len(gens))
    for r in range(rounds):
        t0 = time.perf_counter()
        child = pexpect.spawn(sys.executable, ["-m", "quizgen", "drill", str(deck), "--db", str(tmp / f"pty-{r}.db"),
                                               "--seed", str(r), "--new", n, "--limit", n, "--no-rate"],
                              env=env, cwd=str(root), encoding="utf-8", timeout=60, dimensions=(50, 160))
        child.expect(QUESTION)
        first = True
        while True:
            problem = reg.get(child.match.group(1)).problem(int(child.match.group(2)))
            for a in problem.answers:
                child.expect("›")
                if first:
                    startup.append(time.perf_counter() - t0)
                    first = False
                child.sendline(typed(a))
                t1 = time.perf_counter()  # after the last part's line: the one that triggers grading
            child.expect("✓ right")
            round_trip.append(time.perf_counter() - t1)
            if child.expect([QUESTION, r"score \d+/\d+"]) != 0:
                break
        child.expect(pexpect.EOF)
        child.close()
    return round_trip, startup


def row(name: str, xs: Sequence[float]) -> str:
    if not xs:
        return f"{name:<18} {'—':>6}"
    ms = sorted(x * 1000 for x in xs)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"{name:<18} {len(ms):>6} {statistics.median(ms):>10.3f} {p90:>10.3f} {ms[-1]:>10.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="sessions per measurement (default 3)")
    ap.add_argument("--no-pty", action="store_true", help="skip the pseudo-terminal measurements")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        parse_s, grade_s, save_s, n = in_process(args.rounds, tmp)
        rt, start = ([], []) if args.no_pty else pty(args.rounds, tmp)
    print(f"drill answer latency: {n} generators × {args.rounds} rounds (ms)")
    print(f"{'stage':<18} {'n':>6} {'median':>10} {'p90':>10} {'max':>10}")
    print(row("parse", parse_s))
    print(row("grade+render", grade_s))
    print(row("+ save (SQLite)", save_s))
    if not args.no_pty:
        print(row("pty round trip", rt))
        print(row("pty startup", start))


if __name__ == "__main__":
    main()
