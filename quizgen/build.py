"""From a deck spec to problems: per-item seeds derived with SHA-256, so adding an item to a deck
does not change the others. Example::

    quizgen build ml-math -o ml-math.apkg --seed 7
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from quizgen.deck import DeckItem, DeckSpec, check_total
from quizgen.model import Problem
from quizgen.registry import Registry
from quizgen.rng import derive_seed


def item_seed(deck_seed: int, gen_id: str, item_index: int, copy: int, variant: int = 0) -> int:
    """The seed of copy ``copy`` (variant ``variant``) of item ``item_index`` of a deck."""
    return derive_seed("item", deck_seed, gen_id, item_index, copy, variant)


def options_key(options: dict[str, Any]) -> str:
    """Canonical JSON of an item's options (part of a problem's identity)."""
    return json.dumps(options, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Built:
    """One deck entry: item ``item_index``, copy ``copy``, with its variants (``variants[0]`` is
    the one shown where only one can be)."""

    item: DeckItem
    item_index: int
    copy: int
    variants: tuple[Problem, ...]

    @property
    def problem(self) -> Problem:
        return self.variants[0]


T = TypeVar("T")

PARALLEL_MIN = 400
"""Decks with at least this many problems to draw are drawn in a process pool (when ``fork`` exists)."""
CHUNK = 64
"""The fewest draws per task sent to a worker (tasks start bigger: see :func:`_chunks`)."""

# The build in progress (spec, registry, seed, variant offset, render), inherited by forked workers
# and never pickled: a registry may hold generators defined in a test or loaded from the user's
# --generators dir, and ``render`` may be a closure.
_JOB: tuple[DeckSpec, Registry, int, int, Callable[[Built], Any]] | None = None


def _tasks(spec: DeckSpec, count: int | None, variants: int | None) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for idx, item in enumerate(spec.items):
        n = count if count is not None else item.count
        k = variants if variants is not None else (item.variants or spec.variants)
        out.extend((idx, c, k) for c in range(n))
    return out


def _one(spec: DeckSpec, registry: Registry, seed: int, offset: int, render: Callable[[Built], Any],
         task: tuple[int, int, int]) -> Any:
    idx, c, k = task
    item = spec.items[idx]
    gen = registry.get(item.generator)
    first = gen.problem(item_seed(seed, gen.id, idx, c, offset), item.options)
    # Later variants share the first one's form (same branch and parts, new numbers); the spec's
    # own options still win.
    fixed = {**gen.form_of(first.params), **item.options}
    rest = tuple(gen.problem(item_seed(seed, gen.id, idx, c, offset + v), fixed) for v in range(1, k))
    return render(Built(item, idx, c, (first, *rest)))


def _chunk(chunk: list[tuple[int, int, int]]) -> list[Any]:
    assert _JOB is not None
    return [_one(*_JOB, t) for t in chunk]


def _chunks(tasks: list[T], workers: int) -> list[list[T]]:
    """``tasks`` in consecutive chunks, each a quarter of what is left per worker (at least
    :data:`CHUNK`): big chunks first, since every result message costs the parent time (10,000
    Anki notes in 64-draw chunks: 0.25 s of the parent's CPU, against 0.05 s in these), small ones
    last, so the workers finish together."""
    out, i = [], 0
    while i < len(tasks):
        size = max(CHUNK, (len(tasks) - i) // (4 * workers))
        out.append(tasks[i:i + size])
        i += size
    return out


def default_workers(n_tasks: int) -> int:
    """One process per core for big decks (where ``fork`` exists), else 1."""
    if n_tasks < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 32))


def iter_rendered(
    spec: DeckSpec,
    registry: Registry,
    render: Callable[[Built], T],
    *,
    seed: int,
    count: int | None = None,
    variants: int | None = None,
    variant_offset: int = 0,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[list[T]]:
    """``render(entry)`` for every entry of ``spec``, in order, in batches as they are done (so the
    caller can use each while the rest are drawn), computed in the worker that drew the entry
    (rendering costs as much as drawing, and a small result is cheaper to send back than the
    problems). ``workers``: processes (default :func:`default_workers`); every problem depends
    only on its own seed, and results come back in order, so the result is the same however many
    there are. ``meanwhile()`` runs in this process once the workers have started (before any
    entry when there are none): other work of the caller's that then overlaps the drawing."""
    global _JOB
    check_total(spec, count, variants)
    tasks = _tasks(spec, count, variants)
    n = default_workers(len(tasks)) if workers is None else max(1, workers)
    if n > 1 and "fork" not in multiprocessing.get_all_start_methods():
        n = 1
    if n == 1:
        if meanwhile is not None:
            meanwhile()
        for i in range(0, len(tasks), CHUNK):
            done = []
            for t in tasks[i:i + CHUNK]:
                done.append(_one(spec, registry, seed, variant_offset, render, t))
                if progress is not None:
                    progress(1)
            yield done
        return
    _JOB = (spec, registry, seed, variant_offset, render)
    # The parent's objects out of the collector's reach while the workers run: a collection in a
    # worker would otherwise touch (and so copy) every page it inherited.
    gc.freeze()
    try:
        chunks = _chunks(tasks, n)
        with multiprocessing.get_context("fork").Pool(min(n, len(chunks))) as pool:
            results = pool.imap(_chunk, chunks)
            if meanwhile is not None:
                meanwhile()
            for done in results:
                if progress is not None:
                    progress(len(done))
                yield done
    finally:
        _JOB = None
        gc.unfreeze()


def build_problems(
    spec: DeckSpec,
    registry: Registry,
    *,
    seed: int,
    count: int | None = None,
    variants: int | None = None,
    variant_offset: int = 0,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> list[Built]:
    """Every entry of ``spec``. ``count``/``variants`` override the spec; ``variant_offset`` picks
    another block of variants (printed versions use one offset per version); ``workers`` as in
    :func:`iter_rendered`."""
    return [b for batch in iter_rendered(spec, registry, _itself, seed=seed, count=count, variants=variants,
                                         variant_offset=variant_offset, progress=progress, workers=workers)
            for b in batch]


def _itself(b: Built) -> Built:
    return b
