"""Deck specs: TOML files that say which generators, how many, and with which options.

A spec has ``[deck]`` (name, seed, description, variants, type_in), ``[[items]]`` (generator, count,
options, tags, points, variants) and an optional ``[quiz]`` table (title, course, instructions,
points) for printed sheets. Bundled decks live in ``decks/``; ``DECK`` on the command line is a
bundled name or a path. Example::

    quizgen build ml-math -o ml-math.apkg
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.errors import DeckError, ParamError, UserError
from quizgen.params import control_char, validate_overrides
from quizgen.registry import Registry, bundled_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DECK_KEYS = {"name", "seed", "description", "variants", "type_in"}
ITEM_KEYS = {"generator", "count", "options", "tags", "points", "variants", "space"}
QUIZ_KEYS = {"title", "course", "instructions", "points"}
TOP_KEYS = {"deck", "items", "quiz"}
MAX_COUNT = 10_000
MAX_VARIANTS = 50
MAX_TOTAL = 100_000
"""Most problems one run may draw (items × count × variants, or a ``--count`` override): a
hundred thousand problems take minutes; more is a typo (``--count 1000000000``)."""
MAX_POINTS = 1_000_000
MAX_SPEC_BYTES = 1_000_000
MAX_TEXT = 20_000
"""Longest string in a spec (instructions); names and tags are far shorter in practice."""


def total_problems(spec: DeckSpec, count: int | None = None, variants: int | None = None) -> int:
    """How many problems building ``spec`` draws, with the command line's overrides."""
    return sum((count if count is not None else it.count) * (variants if variants is not None
               else (it.variants or spec.variants)) for it in spec.items)


def check_total(spec: DeckSpec, count: int | None = None, variants: int | None = None) -> None:
    """Refuse, before any work, a run that would draw more than :data:`MAX_TOTAL` problems."""
    n = total_problems(spec, count, variants)
    if n > MAX_TOTAL:
        raise DeckError(f"{spec.source}: this would draw {n:,} problems (items × count × variants); "
                        f"at most {MAX_TOTAL:,} are allowed in one run. Lower --count or --variants")


@dataclass(frozen=True)
class DeckItem:
    generator: str
    count: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    points: float | None = None
    variants: int | None = None
    space_cm: float | None = None
    """Room to work under the question on a printed sheet (``space = "5cm"``); None: from its points."""


_SPACE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|pt)\s*")
_SPACE_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72.27}
MAX_SPACE_CM = 25.0


def parse_space(text: str) -> float:
    """``"5cm"``, ``"40 mm"``, ``"2in"`` → centimetres (0 to 25); ValueError says the fix."""
    m = _SPACE.fullmatch(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"space must be a length such as \"5cm\", \"40mm\" or \"2in\" (got {text!r})")
    cm = float(m.group(1)) * _SPACE_CM[m.group(2)]
    if cm > MAX_SPACE_CM:
        raise ValueError(f"space {text!r} is more than a page; give at most {MAX_SPACE_CM:g}cm")
    return round(cm, 3)


@dataclass(frozen=True)
class QuizInfo:
    title: str | None = None
    course: str | None = None
    instructions: str | None = None
    points: float = 1


@dataclass(frozen=True)
class DeckSpec:
    name: str
    items: tuple[DeckItem, ...]
    seed: int | None = None
    description: str = ""
    variants: int = 1
    type_in: bool = False
    quiz: QuizInfo = QuizInfo()
    source: str = "<spec>"


def bundled_decks() -> dict[str, Path]:
    """Bundled deck names → paths."""
    return {p.stem: p for p in sorted(bundled_dir("decks").glob("*.toml"))}


def resolve_deck_path(deck: str) -> Path:
    """A bundled name (``ml-math``) or a path to a ``.toml`` file."""
    p = Path(deck)
    if p.suffix == ".toml" or p.exists() or "/" in deck or "\\" in deck:
        if not p.is_file():
            raise DeckError(f"deck file {deck!r} does not exist")
        return p
    known = bundled_decks()
    if deck in known:
        return known[deck]
    close = difflib.get_close_matches(deck, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise DeckError(f"unknown deck {deck!r}{hint}; bundled decks: {', '.join(known)}; "
                    "or give a path to a .toml spec")


def _line_of(text: str, key: str, occurrence: int = 0) -> int | None:
    pat = re.compile(rf"^\s*(\[\[?\s*)?{re.escape(key)}\s*(=|\]\]?)", re.M)
    hits = [text.count("\n", 0, m.start()) + 1 for m in pat.finditer(text)]
    return hits[occurrence] if len(hits) > occurrence else (hits[0] if hits else None)


class _Ctx:
    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text

    def err(self, msg: str, key: str | None = None, occurrence: int = 0) -> DeckError:
        line = _line_of(self.text, key, occurrence) if key else None
        where = f"{self.source}:{line}" if line else self.source
        return DeckError(f"{where}: {msg}")

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for k in table:
            if k not in allowed:
                close = difflib.get_close_matches(k, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(sorted(allowed))})"
                raise self.err(f"unknown key {k!r} in {where}{hint}", k)


def _int(ctx: _Ctx, v: Any, what: str, key: str, lo: int, hi: int, occ: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ctx.err(f"{what} must be an integer from {lo} to {hi} (got {v!r})", key, occ)
    return v


def _num(ctx: _Ctx, v: Any, what: str, key: str, occ: int = 0) -> float:
    # "not 0 <= v" also refuses nan; inf is caught by the upper limit.
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= MAX_POINTS:
        raise ctx.err(f"{what} must be a number from 0 to {MAX_POINTS:,} (got {_short(v)})", key, occ)
    return v


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:60] + f"… ({len(text):,} characters)"


def _str(ctx: _Ctx, v: Any, what: str, key: str, most: int = MAX_TEXT) -> str:
    if not isinstance(v, str):
        raise ctx.err(f"{what} must be a string (got {_short(v)})", key)
    if len(v) > most:
        raise ctx.err(f"{what} is {len(v):,} characters long; at most {most:,} are allowed", key)
    bad = control_char(v)
    if bad:
        # NUL, U+0001, U+FFFE... cannot be written to XML (Moodle, QTI) nor shown on a terminal.
        raise ctx.err(f"{what} contains the control character {bad}; remove it", key)
    return v


def parse_deck(text: str, registry: Registry, source: str = "<spec>") -> DeckSpec:
    """Parse and validate a spec; every problem is a :class:`DeckError` naming line and key."""
    ctx = _Ctx(source, text)
    if len(text) > MAX_SPEC_BYTES:
        raise DeckError(f"{source}: the spec is {len(text):,} characters long; at most {MAX_SPEC_BYTES:,}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DeckError(f"{source}: not valid TOML: {e}") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise DeckError(f"{source}: not valid TOML: arrays or tables nested too deeply") from None
    ctx.unknown_keys(data, TOP_KEYS, "the top level")
    deck = data.get("deck")
    if not isinstance(deck, dict):
        raise ctx.err("missing [deck] table with at least name = \"...\"")
    ctx.unknown_keys(deck, DECK_KEYS, "[deck]")
    if "name" not in deck:
        raise ctx.err("[deck] needs a name, e.g. name = \"ML math\"", "deck")
    name = _str(ctx, deck["name"], "[deck] name", "name", 200).strip()
    if not name:
        raise ctx.err("[deck] name must not be empty", "name")
    seed = deck.get("seed")
    if seed is not None:
        seed = _int(ctx, seed, "[deck] seed", "seed", 0, 2**63 - 1)
    variants = _int(ctx, deck.get("variants", 1), "[deck] variants", "variants", 1, MAX_VARIANTS)
    type_in = deck.get("type_in", False)
    if not isinstance(type_in, bool):
        raise ctx.err(f"[deck] type_in must be true or false (got {type_in!r})", "type_in")
    quiz_t = data.get("quiz", {})
    if not isinstance(quiz_t, dict):
        raise ctx.err("[quiz] must be a table", "quiz")
    ctx.unknown_keys(quiz_t, QUIZ_KEYS, "[quiz]")
    quiz = QuizInfo(
        title=_str(ctx, quiz_t["title"], "[quiz] title", "title") if "title" in quiz_t else None,
        course=_str(ctx, quiz_t["course"], "[quiz] course", "course") if "course" in quiz_t else None,
        instructions=(_str(ctx, quiz_t["instructions"], "[quiz] instructions", "instructions")
                      if "instructions" in quiz_t else None),
        points=_num(ctx, quiz_t.get("points", 1), "[quiz] points", "points"),
    )
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ctx.err("the spec has no [[items]]; add at least one, e.g.\n"
                      "  [[items]]\n  generator = \"flops.matmul\"\n  count = 3")
    items = []
    for i, it in enumerate(raw_items):
        where = f"[[items]] #{i + 1}"
        if not isinstance(it, dict):
            raise ctx.err(f"{where} must be a table")
        ctx.unknown_keys(it, ITEM_KEYS, where)
        if "generator" not in it:
            raise ctx.err(f"{where} has no generator = \"...\"", "items", i)
        gen_id = _str(ctx, it["generator"], f"{where} generator", "generator", 200)
        try:
            gen = registry.get(gen_id)
        except UserError as e:
            raise ctx.err(f"{where}: {e}", "generator", i) from None
        count = _int(ctx, it.get("count", 1), f"{where} count", "count", 1, MAX_COUNT, i)
        options = it.get("options", {})
        if not isinstance(options, dict):
            raise ctx.err(f"{where} options must be a table, e.g. options = {{ m = 64 }}", "options")
        try:
            options = validate_overrides(gen.params, options)
        except ParamError as e:
            raise ctx.err(f"{where} ({gen_id}) options: {e}", "options") from None
        tags = it.get("tags", [])
        if (not isinstance(tags, list) or len(tags) > 100
                or not all(isinstance(t, str) and t and " " not in t and len(t) <= 200 and not control_char(t)
                           for t in tags)):
            raise ctx.err(f"{where} tags must be a list of strings without spaces or control characters "
                          f"(got {_short(tags)})", "tags")
        points = it.get("points")
        if points is not None:
            points = _num(ctx, points, f"{where} points", "points")
        iv = it.get("variants")
        if iv is not None:
            iv = _int(ctx, iv, f"{where} variants", "variants", 1, MAX_VARIANTS)
        space = None
        if "space" in it:
            try:
                space = parse_space(it["space"])
            except ValueError as e:
                raise ctx.err(f"{where} {e}", "space", i) from None
        items.append(DeckItem(gen_id, count, options, tuple(tags), points, iv, space))
    if len(items) > MAX_TOTAL:
        raise ctx.err(f"the spec has {len(items):,} [[items]]; at most {MAX_TOTAL:,}")
    spec = DeckSpec(
        name=name, items=tuple(items), seed=seed,
        description=_str(ctx, deck.get("description", ""), "[deck] description", "description"),
        variants=variants, type_in=type_in, quiz=quiz, source=source,
    )
    check_total(spec)
    return spec


def load_deck(deck: str, registry: Registry) -> DeckSpec:
    """Load a bundled deck by name or a spec file by path."""
    path = resolve_deck_path(deck)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise DeckError(f"deck file {str(path)!r} is larger than {MAX_SPEC_BYTES:,} bytes; is it a deck spec?")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DeckError(f"cannot read deck file {str(path)!r}: {e}") from None
    shown = f"decks/{path.name}" if path.parent == bundled_dir("decks") else str(path)
    return parse_deck(text, registry, shown)
