"""Moodle XML and Canvas QTI export of 1,000 questions (every computed generator, cycled), timed
end to end through the library, plus the CLI run for Moodle, and the ml-math deck at 5,032
problems (34 copies × 2 variants of its 74 items, Moodle with --multichoice): sizes and times.

Run: python benchmarks/export_lms.py [--questions 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quizgen.build import build_problems
from quizgen.deck import load_deck, parse_deck
from quizgen.export.moodle import moodle_xml
from quizgen.export.qti import qti_zip
from quizgen.registry import load_registry


def spec_text(n: int) -> str:
    gens = [g.id for g in load_registry() if not g.measured]
    per, extra = divmod(n, len(gens))
    items = "".join(f'[[items]]\ngenerator = "{g}"\ncount = {per + (i < extra)}\n\n'
                    for i, g in enumerate(gens) if per + (i < extra) > 0)
    return f'[deck]\nname = "Bench"\nseed = 1\n\n{items}'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    reg = load_registry()
    text = spec_text(args.questions)
    spec = parse_deck(text, reg)
    rows = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        built = build_problems(spec, reg, seed=1)
        t1 = time.perf_counter()
        xml = moodle_xml(spec, built, multichoice=True)
        t2 = time.perf_counter()
        z = qti_zip(spec, built, seed=1)
        t3 = time.perf_counter()
        rows.append((t1 - t0, t2 - t1, t3 - t2, len(xml), len(z)))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "spec.toml"
        path.write_text(text)
        cli = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "quizgen", "export", str(path), "--format", "moodle", "-o",
                            str(Path(d) / "q.xml")], check=True, capture_output=True)
            cli.append(time.perf_counter() - t)
    med = [statistics.median(r[i] for r in rows) for i in range(3)]
    print(f"{len(built)} questions ({len(spec.items)} generators), median of {args.repeats}")
    print(f"{'step':<34} {'seconds':>8}")
    print(f"{'generate problems':<34} {med[0]:>8.2f}")
    print(f"{'Moodle XML (+multichoice)':<34} {med[1]:>8.2f}   {rows[0][3] / 1e6:.1f} MB")
    print(f"{'Canvas QTI zip':<34} {med[2]:>8.2f}   {rows[0][4] / 1e6:.2f} MB")
    print(f"{'CLI: quizgen export --format moodle':<34} {statistics.median(cli):>8.2f}")
    ml = load_deck("ml-math", reg)
    t0 = time.perf_counter()
    big = build_problems(ml, reg, seed=2026, count=34, variants=2)
    t1 = time.perf_counter()
    xml = moodle_xml(ml, big, multichoice=True)
    t2 = time.perf_counter()
    z = qti_zip(ml, big, seed=2026)
    t3 = time.perf_counter()
    n = sum(len(b.variants) for b in big)
    print(f"\nml-math, {n} problems (34 copies x 2 variants), one run")
    print(f"{'generate problems':<34} {t1 - t0:>8.2f}")
    print(f"{'Moodle XML (+multichoice)':<34} {t2 - t1:>8.2f}   {len(xml) / 1e6:.1f} MB")
    print(f"{'Canvas QTI zip (deflated)':<34} {t3 - t2:>8.2f}   {len(z) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
