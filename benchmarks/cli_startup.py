"""Cold-start time of `quizgen --help` and `quizgen list` next to `python -c pass`.

Budget (DESIGN.md): under 0.3 s. Run: python benchmarks/cli_startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "quizgen --help": [sys.executable, "-m", "quizgen", "--help"],
    "quizgen list": [sys.executable, "-m", "quizgen", "list"],
    "quizgen list --json": [sys.executable, "-m", "quizgen", "list", "--json"],
    "quizgen show flops.matmul --json": [sys.executable, "-m", "quizgen", "show", "flops.matmul", "--seed", "1",
                                         "--json"],
}
BUDGET_S = 0.3


def measure(cmd: list[str], repeats: int) -> list[float]:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the OS file cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> list[tuple[str, float, float]]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    rows = []
    print(f"{'command':<36} {'median s':>9} {'min s':>7}  budget")
    for name, cmd in CASES.items():
        t = measure(cmd, args.repeats)
        med, best = statistics.median(t), min(t)
        budget = "" if name.startswith("python") or "show" in name else ("ok" if med < BUDGET_S else "OVER")
        print(f"{name:<36} {med:>9.3f} {best:>7.3f}  {budget}")
        rows.append((name, med, best))
    return rows


if __name__ == "__main__":
    main()
