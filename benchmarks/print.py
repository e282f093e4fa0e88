"""Time ``quizgen print``: 30 versions + answer key (budget: under 3 s on 2 cores).

Runs the library call the command makes, phase by phase, for the bundled ``ml-math`` deck and for a
10-question exam (the size of a real quiz), and the whole command once as a user would. Prints a
table; median of ``--repeat`` runs. Example::

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


def phases(spec_text: str, source: str, versions: int, cache: Path) -> dict[str, float]:
    """One run in this process; ``cache`` is the tex2typst shape cache folder (empty = cold)."""
    from quizgen.deck import parse_deck
    from quizgen.export.exam import build_exam
    from quizgen.export.typst import TypstExporter, exam_formulas
    from quizgen.registry import load_registry

    os.environ["QUIZGEN_CACHE_DIR"] = str(cache)
    reg = load_registry()
    spec = parse_deck(spec_text, reg, source)
    c0 = time.process_time()
    t0 = time.perf_counter()
    exam = build_exam(spec, reg, seed=2026, versions=versions)
    t1 = time.perf_counter()
    exporter = TypstExporter()
    formulas = list(exam_formulas(exam))
    exporter.math.convert(formulas)
    t2 = time.perf_counter()
    out = exporter.render(exam)
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    pages = sum(_pages(p) for p in out.sheets) + _pages(out.key)
    return {"build": t1 - t0, "formulas": t2 - t1, "compile": t3 - t2, "total": t3 - t0, "cpu": cpu,
            "questions": float(len(exam.versions[0].questions)),
            "distinct": float(len({f.tex for f in formulas})), "pages": float(pages)}


def _pages(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def cli_seconds(deck: str, versions: int, cache: Path) -> float:
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "quizgen", "print", deck, "--versions", str(versions),
                        "--seed", "2026", "-o", str(Path(d) / "exam")], check=True, cwd=ROOT,
                       capture_output=True, env={**os.environ, "QUIZGEN_CACHE_DIR": str(cache)})
        return time.perf_counter() - t


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
    head = (f"{'deck':<24}{'q/ver':>6}{'formulas':>9}{'pages':>7}{'build':>8}{'math':>8}{'typst':>8}"
            f"{'total':>8}{'cpu':>8}")
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
                print(f"{name + ' (' + state + ')':<24}{med['questions']:>6.0f}{med['distinct']:>9.0f}"
                      f"{med['pages']:>7.0f}{med['build']:>7.2f}s{med['formulas']:>7.2f}s{med['compile']:>7.2f}s"
                      f"{med['total']:>7.2f}s{med['cpu']:>7.2f}s")
        print()
        for name, deck in (("ml-math", "ml-math"), ("10-question exam", str(Path(tmp) / "ten.toml"))):
            if deck.endswith(".toml"):
                Path(deck).write_text(cases[1][1], encoding="utf-8")
            cold = statistics.median(cli_seconds(deck, args.versions, Path(tmp) / f"cli-{name}-{i}")
                                     for i in range(args.repeat))
            warm = statistics.median(cli_seconds(deck, args.versions, Path(tmp) / f"cli-{name}-0")
                                     for _ in range(args.repeat))
            print(f"quizgen print {name} --versions {args.versions} (whole command, wall): "
                  f"{cold:.2f} s cold, {warm:.2f} s warm  [budget 3 s on 2 cores]")
    print("build = drawing the problems (generators); math = LaTeX→Typst + per-formula check; "
          "typst = compiling sheets and key; cold/warm = without/with the tex2typst shape cache;\n"
          "cpu = CPU seconds of all threads (wall on an idle 2-core machine is at least cpu/2).")


if __name__ == "__main__":
    main()
