"""Time ``quizgen print``: 30 versions + answer key (budgets on 2 cores: a 10-question exam < 1.5 s,
the whole ml-math deck < 5 s).

Runs the library call the command makes, phase by phase, for the bundled ``ml-math`` deck and for a
10-question exam (the size of a real quiz), and the whole command once as a user would. Prints a
table with wall and CPU seconds (CPU counts the Typst worker processes too: on a busy machine
wall time says little, and an idle 2-core machine needs at least about cpu/2); median of
``--repeat`` runs. Example::

    python benchmarks/print.py --versions 30 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAM_10 = """
[deck]
name = "Ten questions"
[quiz]
title = "Midterm: ML arithmetic"
course = "CS 000"
instructions = "Give each answer with its unit."
points = 2
{items}
"""


def ten_question_spec(registry: object) -> str:
    """Ten different generators (non-measured), so the benchmark does not depend on a machine profile."""
    ids = [g.id for g in registry if not getattr(g, "measured", False)]  # type: ignore[attr-defined]
    step = max(1, len(ids) // 10)
    chosen = ids[::step][:10]
    items = "\n".join(f'[[items]]\ngenerator = "{i}"\n' for i in chosen)
    return EXAM_10.format(items=items)


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the Typst workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def phases(spec_text: str, source: str, versions: int, cache: Path) -> dict[str, float]:
    """One run in this process; ``cache`` is the tex2typst shape cache folder (empty = cold)."""
    from quizgen.deck import parse_deck
    from quizgen.export.exam import build_exam
    from quizgen.export.typst import TypstExporter
    from quizgen.registry import load_registry

    os.environ["QUIZGEN_CACHE_DIR"] = str(cache)
    reg = load_registry()
    spec = parse_deck(spec_text, reg, source)
    c0 = _cpu()
    t0 = time.perf_counter()
    exporter = TypstExporter()
    exporter.start()
    exam = build_exam(spec, reg, seed=2026, versions=versions)
    t1 = time.perf_counter()
    c1 = _cpu()
    exporter.convert_math(exam)
    t2 = time.perf_counter()
    c2 = _cpu()
    out = exporter.render(exam)
    exporter.close()
    t3 = time.perf_counter()
    c3 = _cpu()
    pages = sum(_pages(p) for p in out.sheets) + _pages(out.key)
    return {"build": t1 - t0, "formulas": t2 - t1, "compile": t3 - t2, "total": t3 - t0, "cpu": c3 - c0,
            "cpu_build": c1 - c0, "cpu_math": c2 - c1, "cpu_typst": c3 - c2,
            "questions": float(len(exam.versions[0].questions)), "pages": float(pages),
            "pages_per_s": pages / (t3 - t0)}


def _pages(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def cli_seconds(deck: str, versions: int, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds (all processes) of the whole command."""
    with tempfile.TemporaryDirectory() as d:
        t, c = time.perf_counter(), _cpu()
        subprocess.run([sys.executable, "-m", "quizgen", "print", deck, "--versions", str(versions),
                        "--seed", "2026", "-o", str(Path(d) / "exam")], check=True, cwd=ROOT,
                       capture_output=True, env={**os.environ, "QUIZGEN_CACHE_DIR": str(cache)})
        return time.perf_counter() - t, _cpu() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--versions", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from quizgen.deck import bundled_decks
    from quizgen.registry import load_registry

    reg = load_registry()
    cases = [("ml-math", bundled_decks()["ml-math"].read_text(encoding="utf-8"), "ml-math"),
             ("10-question exam", ten_question_spec(reg), "<bench>")]
    print(f"quizgen print benchmark: {args.versions} versions + key, median of {args.repeat} "
          f"(cpus: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f})")
    head = (f"{'deck':<24}{'q/ver':>6}{'pages':>7}{'build':>8}{'math':>8}{'typst':>8}{'total':>8}"
            f"{'pages/s':>9}{'cpu':>8}{'(build':>8}{'math':>7}{'typst)':>8}")
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, source in cases:
            for state in ("cold", "warm"):
                runs = []
                for i in range(args.repeat):
                    # cold: a new, empty tex2typst shape cache each run; warm: one primed by the cold runs
                    cache = Path(tmp) / (f"{name}-cold-{i}" if state == "cold" else f"{name}-cold-0")
                    runs.append(phases(text, source, args.versions, cache))
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                print(f"{name + ' (' + state + ')':<24}{med['questions']:>6.0f}{med['pages']:>7.0f}"
                      f"{med['build']:>7.2f}s{med['formulas']:>7.2f}s{med['compile']:>7.2f}s{med['total']:>7.2f}s"
                      f"{med['pages_per_s']:>9.0f}{med['cpu']:>7.2f}s{med['cpu_build']:>7.2f}s"
                      f"{med['cpu_math']:>6.2f}s{med['cpu_typst']:>7.2f}s")
        print()
        for name, deck in (("ml-math", "ml-math"), ("10-question exam", str(Path(tmp) / "ten.toml"))):
            if deck.endswith(".toml"):
                Path(deck).write_text(cases[1][1], encoding="utf-8")
            cold = [cli_seconds(deck, args.versions, Path(tmp) / f"cli-{name}-{i}") for i in range(args.repeat)]
            warm = [cli_seconds(deck, args.versions, Path(tmp) / f"cli-{name}-0") for _ in range(args.repeat)]
            budget = 5 if name == "ml-math" else 1.5
            print(f"quizgen print {name} --versions {args.versions} (whole command): "
                  f"wall {statistics.median(w for w, _ in cold):.2f} s cold, "
                  f"{statistics.median(w for w, _ in warm):.2f} s warm; "
                  f"cpu {statistics.median(c for _, c in cold):.2f} s cold, "
                  f"{statistics.median(c for _, c in warm):.2f} s warm  [budget {budget} s wall on 2 cores]")
    print("build = drawing the problems (generators; the Typst workers start meanwhile); math = "
          "allowlist + LaTeX→Typst + per-formula check; typst = compiling sheets and key in worker "
          "processes;\ncold/warm = without/with the tex2typst shape cache; cpu = CPU seconds of this "
          "process and the workers (wall on an idle 2-core machine is at least cpu/2).")


if __name__ == "__main__":
    main()
