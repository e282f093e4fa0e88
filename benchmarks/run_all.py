"""Run every benchmark script and write benchmarks/RESULTS.md with the machine described.

Run: python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, arguments, arguments with --quick, what it measures and its budget)
SCRIPTS = [
    ("cli_startup.py", [], ["--repeats", "5"], "cold start of `quizgen --help` / `list` (budget < 0.3 s)"),
    ("problems_per_area.py", [], ["--seeds", "50"], "problems/s per area, without and with the self-check"),
    ("anki_build.py", [], ["--variants", "1", "--repeats", "1"], "10,000-note .apkg: write (budget < 10 s), import"),
    ("print.py", [], ["--repeat", "1"], "30 PDF versions + answer key (budget < 3 s)"),
    ("export_lms.py", [], ["--repeats", "1"], "Moodle XML / Canvas QTI export of 1,000 questions"),
    ("drill_latency.py", [], ["--rounds", "1"], "drill: answer line → graded output"),
    ("bench_quality.py", [], ["--sizes", "256", "512", "1024", "--rounds", "2"],
     "our matmul figure vs plain torch/numpy loops (within 10%)"),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        import torch

        tv = f", torch {torch.__version__}"
    except ImportError:
        tv = ""
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}{tv}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for a smoke run)")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    parts = [f"# Benchmark results\n\nWritten by `python benchmarks/run_all.py{' --quick' if args.quick else ''}` "
             f"on {datetime.date.today().isoformat()}.\n\n**Machine:** {machine()}.\n"]
    failed = 0
    for script, full, quick, what in SCRIPTS:
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"== {script}", flush=True)
        t0 = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - t0
        out = res.stdout.strip() or "(no output)"
        print(out, flush=True)
        status = "" if res.returncode == 0 else f" — **failed (exit {res.returncode})**"
        if res.returncode:
            failed += 1
            out += "\n" + res.stderr.strip()[-2000:]
        parts.append(f"\n## {script}: {what}{status}\n\n`{' '.join(['python', 'benchmarks/' + script, *cmd[2:]])}` "
                     f"({took:.0f} s)\n\n```\n{out}\n```\n")
    args.out.write_text("".join(parts), encoding="utf-8")
    print(f"wrote {args.out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
