"""Declared generator parameters: their type, draw range and hard limits, and validation.

A generator declares its parameters once; the same declaration validates ``--param`` values,
deck ``options``, and (in tests) that every draw stays inside the declared draw range. Example::

    quizgen show flops.matmul --param m=64 --param k=128 --param n=32
"""

from __future__ import annotations

import json
import math
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


def _fmt(x: float) -> str:
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return f"{x:g}"


@dataclass(frozen=True)
class Param:
    """One parameter. ``lo``/``hi``: draw range (numbers or list elements); ``min``/``max``: hard
    limits for user values (``None`` = unbounded); ``len_*``: the same for list lengths."""

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
        shown = json.dumps(value) if not isinstance(value, str) else value
        return ParamError(f"{self.name} must be {need} (got {shown})")

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
        if self.max_len is not None and n > self.max_len:
            raise self._fail(whole, f"a list of at most {self.max_len} values")

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
            return [[self._element(f"{self.name}[{i}][{j}]", x, False) for j, x in enumerate(row)]
                    for i, row in enumerate(value)]
        if k == "dict":
            # Names → integers (e.g. einsum index sizes); lo/hi/min/max apply to the values.
            if not isinstance(value, dict) or not all(isinstance(key, str) and key for key in value):
                raise self._fail(value, _KIND_TEXT[k])
            self._length(list(value), value)
            # Each value is checked as an int param named e.g. sizes["i"], so errors point at it.
            return {key: replace(self, name=f"{self.name}[{json.dumps(key)}]", kind="int").validate(x)
                    for key, x in value.items()}
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


def parse_cli_value(raw: str) -> Any:
    """A ``--param`` value: JSON, or a bare word taken as a string (``dtype=float32``)."""
    try:
        return json.loads(raw)
    except ValueError:  # not JSON (or an int too long for Python's parser): keep the text
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
        out[name] = parse_cli_value(raw.strip())
    return out


def validate_overrides(params: Sequence[Param], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Validate user-fixed values against the declarations; unknown names are an error."""
    by_name = {p.name: p for p in params}
    out: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise ParamError(f"{name}: unknown parameter (this generator takes: {known})")
        out[name] = by_name[name].validate(value)
    return out
