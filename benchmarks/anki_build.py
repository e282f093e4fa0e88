"""How much slower quizgen's Anki build is than genanki alone (issue 16: at most 5x).

Measured in one run, on the same machine and notes:

- **quizgen**: ``write_apkg`` of a 10,000-note deck (K = 1 variant): drawing every problem (in a
  process pool over the cores), rendering the fields, writing the package;
- **bare genanki**: ``genanki.Package.write_to_file`` of 10,000 notes with the very same fields,
  tags and note type, built directly (the floor: what writing a package costs at all).

The deck mixes every computed generator in the registry (measured ``bench.*`` ones are left out:
their answers run a benchmark), with counts spread evenly to reach ``--notes``. Each figure is the
median of ``--repeats`` runs (wall clock); builds and bare writes alternate. Every build forks
fresh workers from a parent that has drawn nothing (the serial build, which draws in this
process, comes last), so no build starts with another's caches. ``--serial`` also times the serial build, ``--import``
the official ``anki`` importer and renderer, ``--profile N`` prints the N generators that take
longest to draw (time per problem). Run: python benchmarks/anki_build.py [--notes 10000]
"""

from __future__ import annotations

import argparse
import functools
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quizgen.deck import DeckSpec, parse_deck
from quizgen.export.anki import _model, write_apkg
from quizgen.registry import Registry, load_registry

TARGET_RATIO = 5.0
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


def notes_of(apkg: Path, tmp: Path) -> list[tuple[str, list[str], list[str]]]:
    db = tmp / "read.anki2"
    db.write_bytes(zipfile.ZipFile(apkg).read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select guid, tags, flds from notes").fetchall()
    return [(g, t.split(), f.split("\x1f")) for g, t, f in rows]


def bare_genanki(notes: list[tuple[str, list[str], list[str]]], out: Path) -> None:
    """10,000 notes written by genanki alone: same note type, fields and tags, one deck."""
    import genanki

    model = _model(False)
    deck = genanki.Deck(1 << 30, "Benchmark")
    for guid, tags, fields in notes:
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="genanki")
        genanki.Package(deck).write_to_file(str(out), timestamp=T0)


def profile(registry: Registry, top: int, per: int = 40) -> None:
    rows = []
    for g in registry:
        if g.measured:
            continue
        t = time.perf_counter()
        for s in range(per):
            g.problem(s)
        rows.append(((time.perf_counter() - t) / per, g.id))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"\nslowest generators to draw ({per} problems each; share of one draw of every generator):")
    for dt, gid in rows[:top]:
        print(f"  {gid:<36} {dt * 1000:8.2f} ms/problem  {dt / total:6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--variants", type=int, nargs="+", default=[1],
                    help="also time builds with these K (the ratio is for K = 1)")
    ap.add_argument("--serial", action="store_true", help="also time the build without a process pool")
    ap.add_argument("--import", dest="do_import", action="store_true", help="also time anki's import")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="the N slowest generators")
    args = ap.parse_args()
    registry = load_registry()
    computed = sum(1 for g in registry if not g.measured)
    print(f"{args.notes:,} notes (K = 1) over {computed} computed generators; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; median of {args.repeats} runs, wall clock")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        spec: DeckSpec = parse_deck(spec_text(registry, args.notes, 1), registry, "benchmark.toml")
        out = tmp / "quizgen.apkg"

        def build(workers: int | None = None) -> Any:
            out.unlink(missing_ok=True)  # no previous file: every note is written afresh
            return write_apkg(spec, registry, out, seed=1, timestamp=T0, workers=workers)

        # Builds and bare writes alternate, so that a machine that speeds up or slows down during
        # the run (a busy neighbour, a CPU clock) moves both medians alike.
        builds, bares = [], []
        notes: list[tuple[str, list[str], list[str]]] = []
        for i in range(args.repeats):
            t, res = timed(build, 1)
            builds.append(t)
            if i == 0:
                assert res.notes + res.duplicates == args.notes
                notes = notes_of(out, tmp)
            bares.append(timed(functools.partial(bare_genanki, notes, tmp / "bare.apkg"), 1)[0])
        t_build, t_bare = statistics.median(builds), statistics.median(bares)
        t_rebuild, _ = timed(lambda: write_apkg(spec, registry, out, seed=1, timestamp=T0 + 1), args.repeats)
        print(f"quizgen build (draw + write)   {t_build:7.2f} s")
        print(f"  rebuild over the same file   {t_rebuild:7.2f} s  (reads the previous stamps)")
        if args.serial:
            t_serial, _ = timed(lambda: build(1), args.repeats)
            print(f"  serial (workers = 1)         {t_serial:7.2f} s")
        print(f"bare genanki write             {t_bare:7.2f} s")
        ratio = t_build / t_bare
        verdict = "ok" if ratio <= TARGET_RATIO else f"OVER {TARGET_RATIO:g}x"
        print(f"ratio                          {ratio:7.2f} x  (target <= {TARGET_RATIO:g}x)  {verdict}")
        for k in (k for k in args.variants if k != 1):
            spec_k = parse_deck(spec_text(registry, args.notes, k), registry, "benchmark.toml")
            t_k, _ = timed(lambda spec_k=spec_k, k=k: write_apkg(spec_k, registry, tmp / f"k{k}.apkg", seed=1,
                                                             timestamp=T0), args.repeats)
            print(f"quizgen build, K = {k}          {t_k:7.2f} s")
        if args.do_import:
            import anki.collection  # noqa: F401  (before anki.cards)
            from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

            col = Collection(str(tmp / "col.anki2"))
            try:
                t = time.perf_counter()
                col.import_anki_package(ImportAnkiPackageRequest(
                    package_path=str(out), options=ImportAnkiPackageOptions(with_scheduling=False)))
                print(f"anki import                    {time.perf_counter() - t:7.2f} s")
            finally:
                col.close()
    if args.profile:
        profile(registry, args.profile)


if __name__ == "__main__":
    main()
