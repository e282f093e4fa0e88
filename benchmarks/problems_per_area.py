"""Problems per second per area: drawing + solving + rendering (what builds and drills pay), and
with the independent self-check too (what `quizgen check` and the tests pay).

Run: python benchmarks/problems_per_area.py [--seeds 200]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from quizgen.registry import load_registry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=200, help="seeds per generator")
    args = ap.parse_args()
    reg = load_registry()
    gens = [g for g in reg if not g.measured]
    for g in gens:  # warm imports (torch, scipy, sympy) outside the timings
        g.check(*(lambda p: (p.params, p.answers))(g.problem(0)))
    make: dict[str, float] = defaultdict(float)
    chk: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    n_gens: dict[str, int] = defaultdict(int)
    for g in gens:
        n_gens[g.area] += 1
        t0 = time.perf_counter()
        probs = [g.problem(s) for s in range(args.seeds)]
        t1 = time.perf_counter()
        for p in probs:
            g.check(p.params, p.answers)
        t2 = time.perf_counter()
        make[g.area] += t1 - t0
        chk[g.area] += t2 - t1
        count[g.area] += len(probs)
    print(f"{'area':<10} {'generators':>10} {'problems':>9} {'problems/s':>11} {'with check/s':>13}")
    for area in make:
        n = count[area]
        print(f"{area:<10} {n_gens[area]:>10} {n:>9} {n / make[area]:>11.0f} {n / (make[area] + chk[area]):>13.0f}")
    total, tm, tc = sum(count.values()), sum(make.values()), sum(chk.values())
    print(f"{'all':<10} {len(gens):>10} {total:>9} {total / tm:>11.0f} {total / (tm + tc):>13.0f}")


if __name__ == "__main__":
    main()
