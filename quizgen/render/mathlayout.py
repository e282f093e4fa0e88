"""Fit TeX formulas to narrow screens (phones) for renderers without line breaking (MathJax 3).

MathJax 3 never breaks a formula across lines, so a long derivation runs off a 360 px screen. This
module estimates a formula's width (in em, from the TeX source alone) and

- :func:`break_display` turns a long display formula ``a = b = c`` into ``\\begin{aligned} a &= b
  \\\\ &= c \\end{aligned}`` steps, filling each line greedily up to the width and breaking only at
  top-level relations (``=``, ``\\approx``, ``\\le``, ...), never inside braces or ``\\left...\\right``;
- :func:`split_inline` cuts a long inline formula at top-level relations, commas and ``+``/``×``
  into pieces that are each a valid formula, so the browser can wrap between them like words.

The estimate is deliberately rough (glyph classes, scripts at 70%, fractions as their wider part);
callers add a scroll box (CSS ``overflow-x: auto``) for whatever still does not fit. Used by the Anki
export; usable by any HTML output. Example::

    >>> break_display("x = 1 + 2 = 3", max_em=4)
    '\\\\begin{aligned} x &= 1 + 2 \\\\\\\\ &= 3 \\\\end{aligned}'
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re

RELATIONS = frozenset({"=", "<", ">", "\\approx", "\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq",
                       "\\equiv", "\\sim", "\\simeq", "\\propto", "\\to", "\\Rightarrow", "\\implies"})
BINARY = frozenset({"+", "-", "\\times", "\\cdot", "\\pm", "\\mp", "*", "−", "×", "·"})
_OPERATORS = RELATIONS | BINARY
_ZERO = frozenset({"\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\displaystyle",
                   "\\textstyle", "\\limits", "\\nolimits", "\\hat", "\\bar", "\\tilde", "\\vec", "\\dot",
                   "\\ddot", "\\overline", "\\underline", "\\widehat", "\\widetilde", "&", "\\\\", "\\!"})
_SPACE = {"\\,": 0.17, "\\:": 0.22, "\\;": 0.28, "\\ ": 0.25, "~": 0.25, "\\quad": 1.0, "\\qquad": 2.0,
          "\\enspace": 0.5, "\\thinspace": 0.17}
_TEXTLIKE = frozenset({"\\text", "\\mathrm", "\\textrm", "\\operatorname", "\\textbf", "\\mathbf", "\\mathit",
                       "\\texttt", "\\mathtt", "\\textit", "\\mathsf"})
_BIGOPS = frozenset({"\\sum", "\\prod", "\\int", "\\oint", "\\bigcup", "\\bigcap", "\\coprod"})
_FUNCS = frozenset({"\\log", "\\ln", "\\exp", "\\det", "\\max", "\\min", "\\sin", "\\cos", "\\tan", "\\arg",
                    "\\lim", "\\sup", "\\inf", "\\Pr", "\\dim", "\\ker", "\\tanh", "\\sinh", "\\cosh", "\\deg"})


_SOLID = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}]|[0-9a-z]+|\S", re.S)
"""The tokens: control words, control symbols, braces, runs of digits or lower-case letters, other
single characters; whitespace between them is skipped (a token never starts with whitespace:
``\\ `` starts with the backslash)."""
_SPLIT = re.compile(f"({_SOLID.pattern})", re.S)


Plan = tuple[str | tuple[int, int], ...]
"""A laid-out formula as literal TeX and ``(start, end)`` ranges of the source it was made from."""

_DIGITS = str.maketrans("123456789", "000000000")


def width_bound(src: str) -> float:
    """An upper bound of :func:`tex_width` (inline or display) from character counts alone: no
    token is wider than 0.75 em per character of its source, except relations (=, <, >: 1.35 em)
    and binary operators (+, -, *, ×, −, ·: 1.25 em); a command with arguments is no wider than
    its arguments plus less than its own name's characters allow. A formula under the limit
    this way fits without being measured."""
    return (0.75 * len(src) + 0.6 * (src.count("=") + src.count("<") + src.count(">"))
            + 0.5 * (src.count("+") + src.count("-") + src.count("*") + src.count("×") + src.count("−")
                     + src.count("·")))


def shape(src: str) -> str:
    """``src`` with every digit 0: the same tokens (digits and lower-case letters run together),
    the same widths (0.52 em per character of a run, whatever the digits) and the same places, so
    the same layout. The layouts are cached by shape: a generator's formulas differ mostly in
    their digits (10,000 Anki notes: 12,300 display formulas, 5,400 shapes)."""
    return src.translate(_DIGITS)


def fill(plan: Plan, src: str) -> str:
    """The text of ``plan`` for ``src`` (a formula of the shape the plan was made for)."""
    return "".join(p if isinstance(p, str) else src[p[0]:p[1]] for p in plan)


def _scan(src: str) -> tuple[list[str], list[int]]:
    """The tokens of ``src`` (control words, control symbols, braces, runs of digits or lower-case
    letters, other single characters; whitespace skipped) and where they lie: token k is
    ``src[e[2k]:e[2k+1]]`` for the returned ``e``. One regex pass, counted in C: splitting at the
    tokens gives [space, token, space, token, ..., space], so the tokens are every second piece
    and ``e`` the running sum of the pieces' lengths."""
    parts = _SPLIT.split(src)
    return parts[1::2], list(itertools.accumulate(map(len, parts)))


def _group(toks: list[str], i: int) -> tuple[list[str], int]:
    """The argument starting at ``toks[i]``: a braced group's inside or one token; and the next index."""
    if i >= len(toks):
        return [], i
    if toks[i] != "{":
        return [toks[i]], i + 1
    depth, j = 0, i
    while j < len(toks):
        if toks[j] == "{":
            depth += 1
        elif toks[j] == "}":
            depth -= 1
            if depth == 0:
                return toks[i + 1:j], j + 1
        j += 1
    return toks[i + 1:], len(toks)


def _plain(t: str, display: bool) -> float:
    if t in _SPACE:
        return _SPACE[t]
    if t in RELATIONS:
        return 1.35
    if t in BINARY:
        return 1.25
    if t == ",":
        return 0.45
    if t in _BIGOPS:
        return 1.45 if display else 1.05
    if t in _FUNCS:
        return 0.5 * (len(t) - 1) + 0.17
    if t.startswith("\\"):
        return 0.8 if len(t) > 2 else 0.5
    if t in "()[]|.;:!'":
        return 0.39
    if t.isupper() or not t.isascii():
        return 0.75
    return 0.52 * len(t)


_SPECIAL = frozenset({"{", "}", "^", "_", "\\frac", "\\dfrac", "\\tfrac", "\\binom", "\\sqrt", "\\mathbb",
                      "\\mathcal", "\\mathfrak", "\\boldsymbol", "\\bm", "\\begin", "\\end"}) | _ZERO | _TEXTLIKE
_ZERO_WIDTH = frozenset({"{", "}"}) | _ZERO
"""The special tokens that take no argument and have no width of their own."""
_PLAIN_T: dict[str, float] = dict.fromkeys(_ZERO_WIDTH, 0.0)
_PLAIN_D: dict[str, float] = dict.fromkeys(_ZERO_WIDTH, 0.0)
"""Widths of tokens that stand for themselves (inline, display), filled as they are met; the
zero-width specials are in from the start."""


def _widths(toks: list[str], display: bool) -> list[float]:
    """Each token's share of the width: a command taking arguments carries their width, and the
    argument tokens count 0, so a top-level range's width is the sum over it.

    Every token is looked up at once (one ``map`` in C); the loop visits only the rest: tokens not
    met before, and commands that take arguments (scripts, fractions, roots, text, fonts)."""
    cache = _PLAIN_D if display else _PLAIN_T
    w: list[float | None] = list(map(cache.get, toks))
    n = len(toks)
    i = 0
    while True:
        try:
            i = w.index(None, i)
        except ValueError:
            return w  # type: ignore[return-value]  # (no None left)
        t = toks[i]
        at = i
        i += 1
        if t not in _SPECIAL:
            w[at] = cache[t] = _plain(t, display)
            continue
        width = 0.0
        if t in ("^", "_"):
            if i < n and len(toks[i]) > 1 and toks[i][0].isalnum():  # x^23: only "2" is raised
                width = 0.71 * 0.52 + 0.52 * (len(toks[i]) - 1)
                i += 1
            else:
                arg, i = _group(toks, i)
                width = 0.71 * _width(arg, False)
        elif t in ("\\frac", "\\dfrac", "\\tfrac", "\\binom"):
            num, i = _group(toks, i)
            den, i = _group(toks, i)
            scale = 1.0 if (display or t == "\\dfrac") and t != "\\tfrac" else 0.71
            width = scale * max(_width(num, display), _width(den, display)) + 0.25
        elif t == "\\sqrt":
            if i < n and toks[i] == "[":
                while i < n and toks[i] != "]":
                    i += 1
                i += 1
            arg, i = _group(toks, i)
            width = _width(arg, display) + 0.85
        elif t in _TEXTLIKE:
            arg, i = _group(toks, i)
            width = 0.5 * sum(len(a) if not a.startswith("\\") else 1 for a in arg)
        elif t in ("\\mathbb", "\\mathcal", "\\mathfrak", "\\boldsymbol", "\\bm"):
            arg, i = _group(toks, i)
            width = 0.75 * max(1, sum(len(a) for a in arg))
        elif t in ("\\begin", "\\end"):
            _, i = _group(toks, i)
        w[at] = width
        end = min(i, n)
        w[at + 1:end] = [0.0] * (end - at - 1)  # the arguments: carried by the command


def _width(toks: list[str], display: bool) -> float:
    return sum(_widths(toks, display))


@functools.lru_cache(maxsize=64)
def _measured(src: str, display: bool) -> tuple[list[str], list[int], list[float]]:
    """The tokens of ``src``, where they lie (:func:`_scan`) and their widths (:func:`_widths`).
    Cached for the next call on the same formula: a caller asks :func:`tex_width` first, then
    :func:`split_inline` or :func:`break_display`. (The lists are shared: never changed.)"""
    toks, spans = _scan(src)
    return toks, spans, _widths(toks, display)


class _Ranges:
    """Widths of top-level token ranges in O(1), from prefix sums."""

    def __init__(self, widths: list[float]) -> None:
        self.prefix = list(itertools.accumulate(widths, initial=0.0))

    def __call__(self, a: int, b: int) -> float:
        return self.prefix[b] - self.prefix[a]


def tex_width(src: str, display: bool = False) -> float:
    """Estimated rendered width of TeX ``src`` in em of the math font."""
    return _shape_width(shape(src), display)


@functools.lru_cache(maxsize=8192)
def _shape_width(src: str, display: bool) -> float:
    return sum(_measured(src, display)[2])


def _split_top(toks: list[str], at: frozenset[str]) -> list[list[str]]:
    """``toks`` cut after each top-level token in ``at`` (the cut token ends its piece)."""
    pieces: list[list[str]] = [[]]
    depth = 0
    for t in toks:
        if t in ("{", "\\left", "\\begin"):
            depth += 1
        elif t in ("}", "\\right", "\\end"):
            depth -= 1
        pieces[-1].append(t)
        if depth == 0 and t in at:
            pieces.append([])
    return [p for p in pieces if p]


def _slice(src: str, spans: list[int], a: int, b: int) -> tuple[int, int]:
    """Where the source text of tokens ``a..b-1`` lies in ``src``, stripped (exactly as written:
    spaces in ``\\text{}`` kept)."""
    s, e = spans[2 * a], spans[2 * b - 1]
    text = src[s:e]
    return s + len(text) - len(text.lstrip()), e - len(text) + len(text.rstrip())


def _top_level(toks: list[str]) -> tuple[list[int], list[int]]:
    """The relations and the commas at depth 0 of the whole formula. Every range that
    :func:`_equations` and :func:`_rows` look at starts at depth 0 (at 0 or after such a comma),
    so its top-level relations are the ones of these inside it (:func:`_within`): no range is
    rescanned."""
    rels, commas, depth = [], [], 0
    for k, t in enumerate(toks):
        if t in ("{", "\\left", "\\begin"):
            depth += 1
        elif t in ("}", "\\right", "\\end"):
            depth -= 1
        elif depth == 0:
            if t in RELATIONS:
                rels.append(k)
            elif t == ",":
                commas.append(k)
    return rels, commas


def _within(rels: list[int], a: int, b: int) -> list[int]:
    """The positions in sorted ``rels`` strictly between a and b."""
    return rels[bisect.bisect_right(rels, a):bisect.bisect_left(rels, b)]


def _equations(toks: list[str], rels: list[int], commas: list[int]) -> list[tuple[int, int]]:
    """``a = b, c = d`` as two token ranges (cut after top-level commas that end one equation
    and start another); one range when the formula is a single equation. ``rels``, ``commas``:
    from :func:`_top_level`."""
    out, start = [], 0
    for c in commas:
        if _within(rels, start, c) and _within(rels, c + 1, len(toks)):
            out.append((start, c + 1))
            start = c + 1
    out.append((start, len(toks)))
    return [r for r in out if _within(rels, *r)] if len(out) > 1 and all(
        _within(rels, *r) for r in out) else [(0, len(toks))]


def _rows(src: str, toks: list[str], spans: list[int], width: _Ranges, a0: int, b0: int,
          max_em: float, rels: list[int]) -> list[Plan] | None:
    """Aligned rows (with ``&``) for the equation in tokens a0..b0, or None if it has no relation."""
    cuts = _within(rels, a0, b0)
    if not cuts or cuts[-1] == b0 - 1:
        return None
    bounds = [a0, *cuts, b0]
    rel = cuts[0]
    lhs = width(a0, rel)
    # A wide left side gets a row of its own, so every step has the whole width; a narrow one
    # stays on the first row and the steps line up after it (their width is what is left).
    own_row = lhs > 0.35 * max_em
    step_em = max_em if own_row else max_em - lhs
    lines: list[tuple[int, int]] = [(rel, bounds[2])]
    for k in range(2, len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if width(lines[-1][0], b) <= step_em:
            lines[-1] = (lines[-1][0], b)
        else:
            lines.append((a, b))
    # a single step still too wide: continue it on further lines before top-level + - ×
    wrapped: list[tuple[int, int, bool]] = []
    for a, b in lines:
        for k, (x, y) in enumerate(_wrap(toks, width, a, b, step_em, step_em - 1.0)):
            wrapped.append((x, y, k > 0))
    left = _slice(src, spans, a0, rel)
    body: list[Plan] = [("& ", left)] if own_row else [(left, " &")]
    for k, (a, b, cont) in enumerate(wrapped):
        step: Plan = ("\\quad {}", _slice(src, spans, a, b)) if cont else (_slice(src, spans, a, b),)
        if k == 0 and not own_row:
            body[0] += step
        else:
            body.append(("&", *step))
    return body


def break_display(src: str, max_em: float) -> str:
    """``src`` unchanged if it fits in ``max_em`` (or cannot be broken), else aligned lines broken
    before top-level relations, each line filled as far as it fits; ``a = b, c = d`` gives one
    block of rows per equation."""
    if width_bound(src) <= max_em:
        return src
    plan = _display_plan(shape(src), max_em)
    return src if plan is None else fill(plan, src)


@functools.lru_cache(maxsize=8192)
def _display_plan(src: str, max_em: float) -> Plan | None:
    """:func:`break_display` of ``src`` as a :data:`Plan` (None: unchanged)."""
    if re.search(r"\\begin|\\\\|&|\\tag", src):
        return None
    toks, spans, widths = _measured(src, True)
    width = _Ranges(widths)
    if width(0, len(toks)) <= max_em:
        return None
    body: list[Plan] = []
    rels, commas = _top_level(toks)
    for a, b in _equations(toks, rels, commas):
        rows = _rows(src, toks, spans, width, a, b, max_em, rels)
        if rows is None:
            return None
        body += rows
    if len(body) == 1:
        return None
    out: Plan = ("\\begin{aligned} ",)
    for k, row in enumerate(body):
        out += (*((" \\\\ ",) if k else ()), *row)
    return (*out, " \\end{aligned}")


def _wrap(toks: list[str], width: _Ranges, a: int, b: int, max_em: float,
          more_em: float) -> list[tuple[int, int]]:
    """Token range a..b cut before top-level binary operators (or after commas), greedily, into parts that fit
    (the first in ``max_em``, the continuation lines in ``more_em``)."""
    ops, depth = [], 0
    for k in range(a, b):
        t = toks[k]
        if t in ("{", "\\left", "\\begin"):
            depth += 1
        elif t in ("}", "\\right", "\\end"):
            depth -= 1
        elif depth == 0 and t in BINARY and k > a + 1 and toks[k - 1] not in _OPERATORS:
            ops.append(k)
        elif depth == 0 and t == "," and a < k < b - 1:
            ops.append(k + 1)  # after a comma: lists wrap between their items
    parts: list[tuple[int, int]] = []
    start = a
    while width(start, b) > (more_em if parts else max_em):
        room = more_em if parts else max_em
        first = j = bisect.bisect_right(ops, start)  # the cuts after start
        if first == len(ops):
            break
        while j < len(ops) and width(start, ops[j]) <= room:  # widths only grow with the end
            j += 1
        cut = ops[j - 1] if j > first else ops[first]  # the last cut that fits, else the first
        parts.append((start, cut))
        start = cut
    parts.append((start, b))
    return parts


_INLINE_CUTS = (RELATIONS, frozenset({","}), frozenset({"+", "-", "\\times", "\\cdot", "−", "×"}))


def split_inline(src: str, max_em: float) -> list[str] | None:
    """Pieces of a long inline formula that each fit ``max_em`` (binary operators and relations keep
    their spacing with a trailing ``{}``); None if it fits already or cannot be cut small enough."""
    plans = _inline_plans(shape(src), max_em)
    return None if plans is None else [fill(p, src) for p in plans]


@functools.lru_cache(maxsize=8192)
def _inline_plans(src: str, max_em: float) -> tuple[Plan, ...] | None:
    """:func:`split_inline` of ``src``, each piece as a :data:`Plan`."""
    toks, spans, widths = _measured(src, False)
    if sum(widths) <= max_em or re.search(r"\\begin|\\\\|&", src):
        return None
    width = _Ranges(widths)
    pieces: list[tuple[int, int]] = [(0, len(toks))]
    for cuts in _INLINE_CUTS:
        nxt: list[tuple[int, int]] = []
        for a, b in pieces:
            if width(a, b) <= max_em:
                nxt.append((a, b))
                continue
            start = a
            for part in _split_top(toks[a:b], cuts):
                nxt.append((start, start + len(part)))
                start += len(part)
        pieces = nxt
        if all(width(a, b) <= max_em for a, b in pieces):
            break
    else:
        return None
    if len(pieces) < 2:
        return None
    merged: list[tuple[int, int]] = [pieces[0]]
    for a, b in pieces[1:]:
        if width(merged[-1][0], b) <= max_em:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    out: list[Plan] = []
    for k, (a, b) in enumerate(merged):
        piece: Plan = (_slice(src, spans, a, b),)
        if k < len(merged) - 1 and (toks[b - 1] in RELATIONS or toks[b - 1] in BINARY):
            piece += (" {}",)  # keeps the operator's spacing at the end of a piece
        out.append(piece)
    return tuple(out)
