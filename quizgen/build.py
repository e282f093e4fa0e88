"""From a deck spec to problems: per-item seeds derived with SHA-256, so adding an item to a deck
does not change the others. Example::

    quizgen build ml-math -o ml-math.apkg --seed 7
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def build_problems(
    spec: DeckSpec,
    registry: Registry,
    *,
    seed: int,
    count: int | None = None,
    variants: int | None = None,
    variant_offset: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[Built]:
    """Every entry of ``spec``. ``count``/``variants`` override the spec; ``variant_offset`` picks
    another block of variants (printed versions use one offset per version)."""
    check_total(spec, count, variants)
    out: list[Built] = []
    for idx, item in enumerate(spec.items):
        gen = registry.get(item.generator)
        n = count if count is not None else item.count
        k = variants if variants is not None else (item.variants or spec.variants)
        for c in range(n):
            probs = tuple(
                gen.problem(item_seed(seed, gen.id, idx, c, variant_offset + v), item.options)
                for v in range(k)
            )
            out.append(Built(item, idx, c, probs))
            if progress is not None:
                progress(1)
    return out
