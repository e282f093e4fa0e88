"""Time to generate and write 10,000 Anki notes, and to import and render them with the official
``anki`` package. Target (issue 5): 10,000 notes written in under 10 s on 2 cores.

The deck mixes every computed generator in the registry (measured ``bench.*`` ones are left out:
their answers run a benchmark), with counts spread evenly to reach ``--notes``. Each figure is the
median of ``--repeats`` runs. Run: python benchmarks/anki_build.py [--notes 10000] [--variants 1 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quizgen.build import build_problems
from quizgen.deck import DeckSpec, parse_deck
from quizgen.export.anki import write_apkg
from quizgen.registry import Registry, load_registry

TARGET_S = 10.0
T0 = 1_767_225_600


def spec_text(registry: Registry, notes: int, variants: int) -> str:
    ids = [g.id for g in registry if not g.measured]
    per, extra = divmod(notes, len(ids))
    out = f'[deck]\nname = "Benchmark"\nseed = 1\nvariants = {variants}\n'
    for i, gen_id in enumerate(ids):
        n = per + (1 if i < extra else 0)
        if n:
            out += f'[[items]]\ngenerator = "{gen_id}"\ncount = {n}\n'
    return out


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def import_and_render(apkg: Path, tmp: Path) -> tuple[float, float, int]:
    import anki.collection  # noqa: F401  (before anki.cards)
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    path = tmp / f"col-{time.perf_counter_ns()}.anki2"
    col = Collection(str(path))
    try:
        t = time.perf_counter()
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(apkg), options=ImportAnkiPackageOptions(with_scheduling=False)))
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        cids = col.find_cards("")
        for cid in cids:
            card = col.get_card(cid)
            card.question()
            card.answer()
        return t_import, time.perf_counter() - t, len(cids)
    finally:
        col.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--variants", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    registry = load_registry()
    computed = sum(1 for g in registry if not g.measured)
    print(f"{args.notes:,} notes over {computed} computed generators; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; median of {args.repeats} runs")
    header = (f"{'variants':>8} {'generate':>9} {'write .apkg':>12} {'CLI build':>10} {'size MB':>8} "
              f"{'anki import':>12} {'render all':>11} {'cards':>7}  verdict")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for k in args.variants:
            text = spec_text(registry, args.notes, k)
            spec: DeckSpec = parse_deck(text, registry, "benchmark.toml")
            (tmp / "benchmark.toml").write_text(text)
            out = tmp / f"bench-{k}.apkg"
            t_gen, _ = timed(lambda spec=spec: build_problems(spec, registry, seed=1), args.repeats)
            t_write, res = timed(lambda spec=spec, out=out: write_apkg(spec, registry, out, seed=1, timestamp=T0),
                                 args.repeats)
            assert res.notes + res.duplicates == args.notes
            cli = [sys.executable, "-m", "quizgen", "build", str(tmp / "benchmark.toml"), "-o",
                   str(tmp / "cli.apkg"), "--timestamp", str(T0)]
            t_cli, _ = timed(lambda cli=cli: subprocess.run(cli, check=True, capture_output=True), args.repeats)
            t_imp, t_render, cards = import_and_render(out, tmp)
            size = out.stat().st_size / 1e6
            ok = "ok" if t_write < TARGET_S else f"OVER {TARGET_S:g} s"
            print(f"{k:>8} {t_gen:>8.2f}s {t_write:>11.2f}s {t_cli:>9.2f}s {size:>8.1f} "
                  f"{t_imp:>11.2f}s {t_render:>10.2f}s {cards:>7,}  {ok}")
    print(f"target: {args.notes:,} notes written in under {TARGET_S:g} s ('write .apkg' includes generating them)")


if __name__ == "__main__":
    main()
