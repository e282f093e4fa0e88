"""Declared generator parameters: their type, draw range and hard limits, and validation.

A generator declares its parameters once; the same declaration validates ``--param`` values,
deck ``options``, and (in tests) that every draw stays inside the declared draw range. Example::

    quizgen show flops.matmul --param m=64 --param k=128 --param n=32
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from quizgen.errors import ParamError

Kind = Literal["int", "float", "bool", "str", "ints", "floats", "matrix", "dict"]

_KIND_TEXT = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "ints": "a list of integers",
    "floats": "a list of numbers",
    "matrix": "a matrix (list of equal-length lists of numbers)",
    "dict": 'an object mapping names to integers, e.g. {"i": 64, "j": 32}',
}


MAX_LIST = 64
"""Hard limit on list, matrix-row and dict lengths where a parameter declares no ``max_len``:
keeps one problem well under a second (several generators are quadratic in the length)."""
MAX_MAGNITUDE = 1e300
"""Hard limit on |value| where a parameter declares no ``max``/``min``: beyond it a sum or a
square already overflows a double (``10**400`` does not even convert). Checked by
:func:`check_magnitudes` *after* the generator's own ``validate()``, whose messages are more
specific; generators whose formulas overflow sooner declare a ``max`` or check in ``validate()``."""
MAX_RAW_CHARS = 20_000
"""Longest ``--param`` text accepted (a list of a few thousand numbers)."""
MAX_STR = 200
"""Longest string parameter (einsum specs, names)."""
MAX_DEPTH = 4
"""Deepest nesting of lists/objects in a ``--param`` value (a matrix needs 2)."""


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def control_char(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 and terminals cannot carry (NUL, U+0001,
    U+FFFE, a lone surrogate, ...), as ``U+0000``; None if there is none. Tab and newlines pass."""
    m = _CONTROL.search(text)
    return f"U+{ord(m.group(0)):04X}" if m else None


def _shown(value: Any) -> str:
    """A value for an error message, cut to one short line."""
    try:
        text = value if isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError, RecursionError):  # a TOML date, a 1000-deep list
        text = repr(value)
    text = text.replace("\n", " ")
    return text if len(text) <= 80 else text[:60] + f"… ({len(text):,} characters)"


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists/dicts in ``value``, counting no further than ``limit + 1``."""
    if not isinstance(value, (list, dict)):
        return 0
    if limit < 0:
        return 1
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(x, limit - 1) for x in items), default=0)


def _fmt(x: float) -> str:
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return f"{x:g}"


@dataclass(frozen=True)
class Param:
    """One parameter. ``lo``/``hi``: draw range (numbers or list elements); ``min``/``max``: hard
    limits for user values; ``len_*``: the same for list lengths. Undeclared limits are not
    unbounded: lengths ≤ :data:`MAX_LIST`, strings ≤ :data:`MAX_STR` without control characters,
    nesting ≤ :data:`MAX_DEPTH`, and |value| ≤ :data:`MAX_MAGNITUDE` (see
    :func:`check_magnitudes`) (issue 17)."""

    name: str
    kind: Kind
    help: str
    lo: float | None = None
    hi: float | None = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    choices: tuple[Any, ...] | None = None
    len_lo: int | None = None
    len_hi: int | None = None
    min_len: int | None = None
    max_len: int | None = None
    optional: bool = False

    # -- description --------------------------------------------------------------------------
    def describe(self) -> str:
        """One line for ``quizgen list``: type, draw range, meaning."""
        bits: list[str] = [self.kind]
        if self.choices is not None:
            bits.append("one of " + "|".join(str(c) for c in self.choices))
        elif self.lo is not None and self.hi is not None:
            bits.append(f"{_fmt(self.lo)}–{_fmt(self.hi)}")
        if self.len_lo is not None and self.len_hi is not None:
            bits.append(f"length {self.len_lo}–{self.len_hi}")
        return f"{self.help} ({', '.join(bits)})"

    # -- validation ---------------------------------------------------------------------------
    def _fail(self, value: Any, need: str) -> ParamError:
        return ParamError(f"{self.name} must be {need} (got {_shown(value)})")

    def _limits_text(self) -> str:
        lo = self.min
        hi = self.max
        if lo is not None and hi is not None:
            op = "<" if self.min_open else "≤"
            return f"{_fmt(lo)} {op} {self.name} ≤ {_fmt(hi)}"
        if lo is not None:
            return f"{self.name} {'>' if self.min_open else '≥'} {_fmt(lo)}"
        if hi is not None:
            return f"{self.name} ≤ {_fmt(hi)}"
        return ""

    def _number(self, v: Any, integer: bool, whole: Any) -> int | float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self._fail(whole, _KIND_TEXT["int" if integer else "float"])
        if isinstance(v, float) and not math.isfinite(v):
            raise self._fail(whole, "a finite number")
        if integer:
            if isinstance(v, float):
                if not v.is_integer():
                    raise self._fail(whole, "an integer")
                v = int(v)
        out: int | float = v
        if self.min is not None and (v < self.min or (self.min_open and v == self.min)):
            raise self._fail(whole, self._need_text(integer))
        if self.max is not None and v > self.max:
            raise self._fail(whole, self._need_text(integer))
        if self.choices is not None and v not in self.choices:
            raise self._fail(whole, "one of " + ", ".join(str(c) for c in self.choices))
        return out

    def _need_text(self, integer: bool) -> str:
        base = "an integer" if integer else "a number"
        if self.min == 1 and self.max is None and integer and not self.min_open:
            return "a positive integer"
        if self.min == 0 and self.min_open and self.max is None:
            return f"a positive {'integer' if integer else 'number'}"
        lim = self._limits_text()
        return f"{base} with {lim}" if lim else base

    def _element(self, name: str, x: Any, integer: bool) -> int | float:
        """One list/matrix entry, validated under its own name (``dims[3] must be …``)."""
        try:
            return self._number(x, integer, x)  # the same checks; the renamed copy only words the error
        except ParamError:
            pass
        return replace(self, name=name, kind="int" if integer else "float", len_lo=None, len_hi=None)._number(
            x, integer, x)

    def _length(self, v: Sequence[Any], whole: Any) -> None:
        n = len(v)
        if self.min_len is not None and n < self.min_len:
            raise self._fail(whole, f"a list of at least {self.min_len} values")
        most = self.max_len if self.max_len is not None else MAX_LIST
        if n > most:
            raise self._fail(whole, f"a list of at most {most} values")

    def validate(self, value: Any) -> Any:
        """The normalized value, or :class:`ParamError` naming it and the fix."""
        k = self.kind
        if k in ("int", "float"):
            return self._number(value, k == "int", value)
        if k == "bool":
            if not isinstance(value, bool):
                raise self._fail(value, "true or false")
            return value
        if k == "str":
            if not isinstance(value, str):
                raise self._fail(value, "a string")
            if self.choices is not None and value not in self.choices:
                raise self._fail(value, "one of " + ", ".join(str(c) for c in self.choices))
            if len(value) > MAX_STR:
                raise self._fail(value, f"a string of at most {MAX_STR} characters")
            bad = control_char(value)
            if bad:
                raise self._fail(value, f"text without control characters (found {bad})")
            return value
        if k in ("ints", "floats"):
            if not isinstance(value, list):
                raise self._fail(value, _KIND_TEXT[k])
            self._length(value, value)
            return [self._element(f"{self.name}[{i}]", x, k == "ints") for i, x in enumerate(value)]
        if k == "matrix":
            if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
                raise self._fail(value, _KIND_TEXT[k])
            self._length(value, value)
            width = len(value[0])
            if width == 0 or any(len(r) != width for r in value):
                raise self._fail(value, "a rectangular matrix (every row the same length)")
            most = max(self.max_len or 0, MAX_LIST)
            if width > most:
                raise self._fail(value, f"a matrix with at most {most} columns")
            return [[self._element(f"{self.name}[{i}][{j}]", x, False) for j, x in enumerate(row)]
                    for i, row in enumerate(value)]
        if k == "dict":
            # Names → integers (e.g. einsum index sizes); lo/hi/min/max apply to the values.
            if not isinstance(value, dict) or not all(isinstance(key, str) and key for key in value):
                raise self._fail(value, _KIND_TEXT[k])
            if any(len(key) > MAX_STR or control_char(key) for key in value):
                raise self._fail(value, f"names of at most {MAX_STR} characters without control characters")
            self._length(list(value), value)
            # Each value is checked as an int param named e.g. sizes["i"], so errors point at it.
            out = {}
            for key, x in value.items():
                try:
                    out[key] = self._number(x, True, x)  # the same checks; the named copy only words the error
                except ParamError:
                    out[key] = replace(self, name=f"{self.name}[{json.dumps(key)}]", kind="int").validate(x)
            return out
        raise AssertionError(f"unknown param kind {k}")

    def in_draw_range(self, value: Any) -> bool:
        """Whether a drawn value lies in the declared draw range (tests use this)."""
        def num_ok(x: Any) -> bool:
            if self.choices is not None:
                return x in self.choices
            if self.lo is not None and x < self.lo - 1e-12 * abs(self.lo):
                return False
            if self.hi is not None and x > self.hi + 1e-12 * abs(self.hi):
                return False
            return True

        if self.kind in ("int", "float"):
            return num_ok(value)
        if self.kind == "str":
            return self.choices is None or value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "dict":
            items: list[Any] = list(value.values())
        elif self.kind == "matrix":
            items = [x for r in value for x in r]
        else:
            items = value
        n = len(value)
        if self.len_lo is not None and n < self.len_lo:
            return False
        if self.len_hi is not None and n > self.len_hi:
            return False
        return all(num_ok(x) for x in items)


def check_magnitudes(params: Sequence[Param], values: Mapping[str, Any]) -> None:
    """Refuse a user value (or list entry) beyond ±:data:`MAX_MAGNITUDE` on a side its parameter
    leaves open. Run after the generator's own checks, so that their messages win."""
    by_name = {p.name: p for p in params}

    def walk(prm: Param, name: str, v: Any) -> None:
        if isinstance(v, list):
            for i, x in enumerate(v):
                walk(prm, f"{name}[{i}]", x)
        elif isinstance(v, dict):
            for key, x in v.items():
                walk(prm, f"{name}[{json.dumps(key)}]", x)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if (prm.max is None and v > MAX_MAGNITUDE) or (prm.min is None and v < -MAX_MAGNITUDE):
                raise ParamError(f"{name} must be a number with |{name}| ≤ 1e300 (got {_shown(v)})")

    for name, v in values.items():
        if name in by_name:
            walk(by_name[name], name, v)


def check_shape(name: str, value: Any) -> None:
    """Refuse values nested deeper than :data:`MAX_DEPTH` (deck options and ``--param`` alike)."""
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ParamError(f"{name}: value nested more than {MAX_DEPTH} levels deep (got {_shown(value)}); "
                         "parameters are numbers, lists of numbers or matrices")


def parse_cli_value(raw: str, name: str = "value") -> Any:
    """A ``--param`` value: JSON, or a bare word taken as a string (``dtype=float32``)."""
    if len(raw) > MAX_RAW_CHARS:
        raise ParamError(f"{name}: value is {len(raw):,} characters long; at most {MAX_RAW_CHARS:,} are accepted")
    # Count brackets before parsing: json.loads recurses, and 1000 nested "[" exhaust the stack.
    depth = deepest = 0
    for ch in raw:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ParamError(f"{name}: value nested more than {MAX_DEPTH} levels deep (got {_shown(raw)}); "
                         "parameters are numbers, lists of numbers or matrices")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON (or an int too long to parse): keep the text
        return raw


def parse_param_args(args: Sequence[str]) -> dict[str, Any]:
    """``["m=64", "dims=[1,2,3]"]`` → ``{"m": 64, "dims": [1, 2, 3]}``."""
    out: dict[str, Any] = {}
    for a in args:
        name, sep, raw = a.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParamError(f"--param {a}: expected name=value, e.g. --param m=64")
        if name in out:
            raise ParamError(f"--param {a}: {name} is given twice")
        out[name] = parse_cli_value(raw.strip(), f"--param {name}")
    return out


def validate_overrides(params: Sequence[Param], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Validate user-fixed values against the declarations; unknown names are an error."""
    by_name = {p.name: p for p in params}
    out: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise ParamError(f"{_shown(name)}: unknown parameter (this generator takes: {known})")
        check_shape(name, value)
        out[name] = by_name[name].validate(value)
    return out
