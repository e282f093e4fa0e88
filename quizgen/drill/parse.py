"""Reading typed answers: numbers, a little arithmetic and units, never ``eval``.

A small tokenizer and recursive-descent parser reads what people type for a quantity and returns
it in the answer's unit: ``1.5e9``, ``1.5 × 10^9``, ``1,500,000,000``, ``3/4``, ``2^30``, ``2³⁰``,
``12%``, ``−0.5``, ``70B params``, ``1.2 GB``, ``3 ms``, ``5.9e22 FLOP``, ``16 GiB``. Arithmetic is
exact (:class:`fractions.Fraction`) until the end, so ``2^64`` stays an exact int. Example::

    >>> parse_value("16 GiB", "B")
    17179869184
    >>> parse_value("3 ms", "s")
    0.003

Units: SI decimal prefixes (``k M G T P E``; ``m µ u n p`` for seconds), binary prefixes (``Ki Mi Gi
Ti``), bytes and bits, FLOP (``GFLOP``, ``TF``; ``TFLOPS`` means TFLOP/s or TFLOP, whichever the
answer needs), seconds to years, nats, and products and quotients of them (``GB/s``, ``TFLOP/s``,
``PF/s-days``). A bare multiplier (``1.5M``, ``70B``, ``2 billion``) scales a number that is then
read in the answer's unit. A word quizgen does not know (``tokens``) is a unit of its own, so
``70B params`` reads for an answer in params. Nothing here evaluates code.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache

from quizgen.errors import AnswerParseError
from quizgen.model import Answer, Number

Scalar = Fraction | float
Dims = tuple[tuple[str, int], ...]
Cand = tuple[Dims, Scalar]

GARBAGE = "couldn't read that as a number — try 1.5e9 or 3/4"
MAX_LITERAL_EXPONENT = 1000
MAX_EXACT_BITS = 100_000
MAX_COMBOS = 64
MAX_TEXT = 200
"""Longest number-and-unit text read (per element of a list): deeper nesting would exhaust the stack."""
MAX_INPUT = 2000
"""Longest typed answer read (a vector of fifty numbers with units fits)."""
MAX_DIGITS = 100
"""Most digits in one number literal (Python refuses to convert more than 4300)."""
MAX_NESTING = 20
"""Deepest parentheses (the parser recurses per level)."""
MAX_UNIT_EXPONENT = 12
"""Largest power of a unit (``m^3`` is used; ``GB^99999999`` would take hours of exact arithmetic)."""

# -- units ------------------------------------------------------------------------------------------

_FLOP: Dims = (("FLOP", 1),)
_FLOP_S: Dims = (("FLOP", 1), ("s", -1))
_BIT: Dims = (("bit", 1),)
_SEC: Dims = (("s", 1),)
_NONE: Dims = ()
_AMBIGUOUS: Dims = (("?ambiguous", 1),)

_DEC = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BIN = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_SMALL = {"m": Fraction(1, 10**3), "u": Fraction(1, 10**6), "µ": Fraction(1, 10**6),
          "μ": Fraction(1, 10**6), "n": Fraction(1, 10**9), "p": Fraction(1, 10**12)}
_DEC_WORDS = {"kilo": 10**3, "mega": 10**6, "giga": 10**9, "tera": 10**12, "peta": 10**15, "exa": 10**18}
_BIN_WORDS = {"kibi": 2**10, "mebi": 2**20, "gibi": 2**30, "tebi": 2**40, "pebi": 2**50}


def _build_table() -> dict[str, list[Cand]]:
    t: dict[str, list[Cand]] = {}

    def add(name: str, dims: Dims, scale: Scalar) -> None:
        t.setdefault(name, []).append((dims, scale))

    # FLOP counts; "FLOPS" is a rate or a count, whichever the answer needs (rate first).
    for base in ("FLOP", "FLOPs", "flop", "flops", "Flop", "Flops"):
        add(base, _FLOP, Fraction(1))
        for p, v in _DEC.items():
            add(p + base, _FLOP, Fraction(v))
    for p, v in [("", 1), *_DEC.items()]:
        add(p + "FLOPS", _FLOP_S, Fraction(v))
        add(p + "FLOPS", _FLOP, Fraction(v))
        if p:
            add(p + "F", _FLOP, Fraction(v))  # TF, PF: the usual shorthand in "PF/s-days"
    # Bytes and bits (one dimension: information, in bits; nats too).
    for base in ("B", "byte", "bytes", "Byte", "Bytes"):
        add(base, _BIT, Fraction(8))
        for p, v in _DEC.items():
            add(p + base, _BIT, Fraction(8 * v))
        for p, v in _BIN.items():
            add(p + base, _BIT, Fraction(8 * v))
    for p, v in _DEC_WORDS.items():
        for s in ("byte", "bytes"):
            add(p + s, _BIT, Fraction(8 * v))
        for s in ("bit", "bits"):
            add(p + s, _BIT, Fraction(v))
    for p, v in _BIN_WORDS.items():
        for s in ("byte", "bytes"):
            add(p + s, _BIT, Fraction(8 * v))
    for p, v in {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15, "e": 10**18}.items():
        add(p + "b", _BIT, Fraction(8 * v))  # "16gb": lower case means bytes here
    for p, v in {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}.items():
        add(p + "ib", _BIT, Fraction(8 * v))
    for p in ("K", "M", "G", "T", "P", "E"):
        add(p + "b", _AMBIGUOUS, Fraction(1))  # Gb: gigabits or gigabytes? ask
    for base in ("bit", "bits"):
        add(base, _BIT, Fraction(1))
        for p, v in _DEC.items():
            add(p + base, _BIT, Fraction(v))
        for p, v in _BIN.items():
            add(p + base, _BIT, Fraction(v))
    for base in ("nat", "nats"):
        add(base, _BIT, 1 / math.log(2))
    # Time.
    for base in ("s", "sec", "secs", "second", "seconds"):
        add(base, _SEC, Fraction(1))
    for pre, frac in _SMALL.items():
        add(pre + "s", _SEC, frac)
    for pre, frac in {"milli": Fraction(1, 10**3), "micro": Fraction(1, 10**6), "nano": Fraction(1, 10**9)}.items():
        add(pre + "second", _SEC, frac)
        add(pre + "seconds", _SEC, frac)
    add("msec", _SEC, Fraction(1, 1000))
    add("usec", _SEC, Fraction(1, 10**6))
    for names, secs in ((("min", "mins", "minute", "minutes"), 60),
                        (("h", "hr", "hrs", "hour", "hours"), 3600),
                        (("d", "day", "days"), 86400),
                        (("wk", "wks", "week", "weeks"), 7 * 86400),
                        (("y", "yr", "yrs", "year", "years"), 31_557_600)):  # Julian year, 365.25 d
        for n in names:
            add(n, _SEC, Fraction(secs))
    # Plain multipliers ("70B params", "1.5M", "12%").
    multipliers: tuple[tuple[tuple[str, ...], Fraction], ...] = (
        (("k", "K", "thousand"), Fraction(10**3)),
        (("M", "million", "millions"), Fraction(10**6)),
        (("B", "G", "bn", "billion", "billions"), Fraction(10**9)),
        (("T", "trillion", "trillions"), Fraction(10**12)),
        (("%", "percent"), Fraction(1, 100)),
    )
    for words, mult in multipliers:
        for w in words:
            add(w, _NONE, mult)
    return t


_TABLE = _build_table()
_LOWER: dict[str, list[Cand]] = {}
for _k, _v in _TABLE.items():
    # Case-insensitive fallback ("tflops", "GIB"); single letters (B, M, T, s, h) are too ambiguous.
    if len(_k) > 1 and _k.lower() not in _TABLE and all(d != _AMBIGUOUS for d, _ in _v):
        _merged = _LOWER.setdefault(_k.lower(), [])
        _merged.extend(c for c in _v if c not in _merged)
_ALIASES = {"tok": "token", "toks": "token", "parameter": "param", "parameters": "param"}


def _opaque_name(word: str) -> str:
    """A unit quizgen does not know is its own dimension: ``tokens`` and ``token`` are the same."""
    w = word.lower()
    w = _ALIASES.get(w, w)
    if len(w) > 3 and w.endswith("es") and w[:-2].endswith(("s", "x", "ch", "sh")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def _word_cands(word: str) -> tuple[list[Cand], bool]:
    """Candidates for one unit word, and whether the word is known."""
    if word in _TABLE:
        return _TABLE[word], True
    low = word.lower()
    if len(word) > 1 and low in _TABLE:
        return _TABLE[low], True
    if low in _LOWER:
        return _LOWER[low], True
    return [(((_opaque_name(word), 1),), Fraction(1))], False


def _combine(a: Dims, b: Dims, sign: int) -> Dims:
    d = dict(a)
    for k, e in b:
        d[k] = d.get(k, 0) + sign * e
    return tuple(sorted((k, e) for k, e in d.items() if e))


_UNIT_TOKEN = re.compile(
    r"\s*(?:(?P<word>[A-Za-zµμ%]+)(?:\s*(?:\^|\*\*)\s*(?P<exp>[+-]?\d+)|(?P<sup>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?"
    r"|(?P<op>/|\*|·|⋅|∙|×|-))")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")


@lru_cache(maxsize=512)
def unit_candidates(text: str) -> tuple[tuple[Cand, ...], tuple[str, ...]]:
    """Every reading of a unit text as (dims, scale), most likely first, and its unknown words.

    Raises :class:`AnswerParseError` if ``text`` is not a unit expression at all.
    """
    combos: list[Cand] = [(_NONE, Fraction(1))]
    unknown: list[str] = []
    pos = 0
    sign = 1
    expect_word = True
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _UNIT_TOKEN.match(text, pos)
        if m is None:
            raise AnswerParseError(f"couldn't read the unit {text.strip()!r} — try e.g. GB, ms, TFLOP/s")
        pos = m.end()
        if m.group("op"):
            if expect_word:
                raise AnswerParseError(f"couldn't read the unit {text.strip()!r} — try e.g. GB, ms, TFLOP/s")
            sign = -1 if m.group("op") == "/" else 1
            expect_word = True
            continue
        word = m.group("word")
        if word.lower() == "per" and not expect_word:
            sign, expect_word = -1, True
            continue
        power = 1
        raw_power = m.group("exp") or (m.group("sup") or "").translate(_SUPERSCRIPTS)
        if raw_power:
            if len(raw_power.lstrip("+-⁺⁻").lstrip("0")) > 3:
                raise AnswerParseError(f"the power of {word!r} is too large — units go up to ^{MAX_UNIT_EXPONENT}")
            power = int(raw_power.replace("⁺", "+").replace("⁻", "-"))
            if abs(power) > MAX_UNIT_EXPONENT:
                raise AnswerParseError(f"the power of {word!r} is too large — units go up to ^{MAX_UNIT_EXPONENT}")
        cands, known = _word_cands(word)
        if not known:
            unknown.append(word)
        if any(d == _AMBIGUOUS for d, _ in cands):
            raise AnswerParseError(f"{word!r} is ambiguous: type {word[0]}B for bytes or {word[0]}bit for bits")
        nxt: list[Cand] = []
        for dims, scale in combos:
            for wd, ws in cands:
                wd_p = tuple((k, e * power) for k, e in wd)
                f: Scalar = ws ** (sign * power) if isinstance(ws, Fraction) else ws ** float(sign * power)
                cand = (_combine(dims, wd_p, sign), scale * f)
                if cand not in nxt:
                    nxt.append(cand)
        combos = nxt[:MAX_COMBOS]
        sign = 1
        expect_word = False
    if expect_word:
        raise AnswerParseError(f"couldn't read the unit {text.strip()!r} — try e.g. GB, ms, TFLOP/s")
    return tuple(combos), tuple(unknown)


@lru_cache(maxsize=512)
def answer_unit(unit: str | None) -> Cand:
    """The (dims, scale) of an answer's unit; a unit quizgen cannot read is a dimension of its own."""
    if not unit or not unit.strip():
        return _NONE, Fraction(1)
    try:
        cands, _ = unit_candidates(unit)
    except AnswerParseError:
        return ((unit.strip().lower(), 1),), Fraction(1)
    return cands[0]


def convert(value: Scalar, typed_unit: str | None, unit: str | None) -> Scalar:
    """``value`` given in ``typed_unit`` (``None``: already in the answer's unit) in ``unit``."""
    if typed_unit is None:
        return value
    target_dims, target_scale = answer_unit(unit)
    cands, unknown = unit_candidates(typed_unit)
    for dims, scale in cands:
        if dims == target_dims:
            return value * scale / target_scale
    for dims, scale in cands:
        if dims == _NONE:  # a bare multiplier: "1.5M" is 1.5e6 in the answer's unit
            return value * scale
    shown = typed_unit.strip()
    if unknown:
        where = f"in {unit}" if unit else "a plain number"
        raise AnswerParseError(f"unknown unit {unknown[0]!r} — the answer is {where}; "
                               "type just the number, or a unit like GB, ms, TFLOP/s")
    if not unit:
        raise AnswerParseError(f"you typed {shown} but the answer has no unit — type just the number")
    raise AnswerParseError(f"you typed {shown} but the answer is in {unit}")


# -- numbers --------------------------------------------------------------------------------------

_NUM = re.compile(
    r"(?:\d{1,3}(?:[,\u2009\u202f]\d{3})+(?!\d)|\d+(?:_\d+)*)(?:\.\d*)?(?:[eE][+-]?\d+)?"
    r"|\.\d+(?:[eE][+-]?\d+)?"
)
_SUP_RUN = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SPACES = " \t\u00a0\u2009\u202f"
_MUL_OPS = ("**", "×", "*", "·", "⋅", "∙", "/", "÷", "^")
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\u2010": "-", "\ufe63": "-",
                         "\uff0d": "-", "\uff0b": "+"})


def _literal(text: str) -> Fraction:
    clean = re.sub(r"[,_\u2009\u202f]", "", text)
    mant, _, exp = clean.lower().partition("e")
    if sum(ch.isdigit() for ch in mant) > MAX_DIGITS:
        raise AnswerParseError(f"that number has more than {MAX_DIGITS} digits — use an exponent, e.g. 1.5e120")
    if exp and (len(exp.lstrip("+-").lstrip("0")) > 6 or abs(int(exp)) > MAX_LITERAL_EXPONENT):
        raise AnswerParseError(f"{text} is out of range — exponents up to ±{MAX_LITERAL_EXPONENT}")
    if mant.endswith("."):
        mant = mant[:-1]
    return Fraction(mant) * Fraction(10) ** int(exp or 0)


def _power(base: Scalar, exp: Scalar) -> Scalar:
    try:
        if isinstance(exp, Fraction) and exp.denominator == 1 and isinstance(base, Fraction):
            bits = base.numerator.bit_length() + base.denominator.bit_length()
            if abs(exp.numerator) * bits <= MAX_EXACT_BITS:
                return base ** exp.numerator
        b, e = float(base), float(exp)
        if b < 0 and not e.is_integer():
            raise AnswerParseError("can't raise a negative number to a fractional power")
        out: float = math.pow(b, e)
    except ZeroDivisionError:
        raise AnswerParseError("division by zero") from None
    except OverflowError:
        raise AnswerParseError("that number is too large") from None
    return out


class _Parser:
    """Recursive descent: expr := unary (('×'|'*'|'/'|...) unary)*; unary := '-' unary | power;
    power := atom (('^'|'**') unary | superscript)?; atom := number | '(' expr ')'."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.depth = 0

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in _SPACES:
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def mul_op(self) -> str | None:
        self.ws()
        rest = self.s[self.i:]
        for op in _MUL_OPS:
            if op != "^" and rest.startswith(op):
                return op
        if rest[:1] in ("x", "X"):
            after = rest[1:].lstrip(_SPACES)
            if after[:1] and (after[0].isdigit() or after[0] in ".(-+"):
                return "x"
        return None

    def expr(self) -> Scalar:
        v = self.unary()
        while (op := self.mul_op()) is not None:
            self.i += len(op)
            rhs = self.unary()
            if op in ("/", "÷"):
                if rhs == 0:
                    raise AnswerParseError("division by zero")
                v = v / rhs
            else:
                v = v * rhs
        return v

    def unary(self) -> Scalar:
        c = self.peek()
        if c in ("-", "+"):
            self.i += 1
            v = self.unary()
            return -v if c == "-" else v
        return self.power()

    def power(self) -> Scalar:
        base = self.atom()
        self.ws()
        rest = self.s[self.i:]
        if rest.startswith("**") or rest.startswith("^"):
            self.i += 2 if rest.startswith("**") else 1
            return _power(base, self.unary())
        m = _SUP_RUN.match(self.s, self.i)
        if m:
            self.i = m.end()
            return _power(base, Fraction(int(m.group().translate(_SUPERSCRIPTS))))
        return base

    def atom(self) -> Scalar:
        c = self.peek()
        if c == "(":
            self.i += 1
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise AnswerParseError(f"too many nested parentheses (at most {MAX_NESTING})")
            v = self.expr()
            self.depth -= 1
            if self.peek() != ")":
                raise AnswerParseError(GARBAGE)
            self.i += 1
            return v
        m = _NUM.match(self.s, self.i)
        if m is None:
            raise AnswerParseError(GARBAGE)
        self.i = m.end()
        nxt = self.s[self.i:self.i + 2]
        if nxt[:1] == "," and nxt[1:2].isdigit():
            whole = re.match(r"[\d,.]+", self.s[m.start():])
            shown = whole.group() if whole else m.group()
            if re.fullmatch(r"\d+,\d{1,2}", shown):
                raise AnswerParseError(f"couldn't read {shown!r} — use a dot for decimals ({shown.replace(',', '.')})")
            raise AnswerParseError(f"couldn't read {shown!r} — commas must separate groups of three digits "
                                   "(1,500,000)")
        return _literal(m.group())


def _finish(v: Scalar) -> Number:
    if isinstance(v, Fraction):
        if abs(v) > sys.float_info.max:
            raise AnswerParseError("that number is too large")
        if v.denominator == 1:
            return int(v.numerator)
        return float(v)
    if not math.isfinite(v):
        raise AnswerParseError("that number is too large")
    return v


def _normalize(text: str) -> str:
    s = text.translate(_DASHES).strip()
    s = s.lstrip("≈~=").strip()
    return s


def _check_length(text: str) -> None:
    if len(text) > MAX_INPUT:
        raise AnswerParseError(f"that answer is too long ({len(text):,} characters); type at most {MAX_INPUT}")


def parse_quantity(text: str) -> tuple[Scalar, str | None]:
    """The number typed and the unit text after it (``None`` if there is none)."""
    s = _normalize(text)
    if not s:
        raise AnswerParseError(GARBAGE)
    if len(s) > MAX_TEXT:
        raise AnswerParseError(f"that answer is too long ({len(s)} characters): type one number, e.g. 1.5e9")
    _check_length(s)
    p = _Parser(s)
    v = p.expr()
    p.ws()
    rest = s[p.i:].strip()
    if not rest:
        return v, None
    if not (rest[0].isalpha() or rest[0] in "%µμ"):
        raise AnswerParseError(GARBAGE)
    unit_candidates(rest)  # a malformed unit is an error here, whatever the answer's unit
    return v, rest


def parse_value(text: str, unit: str | None = None) -> Number:
    """One number, converted to ``unit`` (the answer's unit). Raises :class:`AnswerParseError`."""
    value, typed_unit = parse_quantity(text)
    return _finish(convert(value, typed_unit, unit))


_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?!\d)")


def split_list(text: str) -> list[str]:
    """Elements of a typed list: ``[1, 2, 3]``, ``1; 2; 3``, ``0.5,0.25``. A comma followed by
    exactly three digits inside a number (``1,500``) is a thousands separator, not a separator."""
    s = _normalize(text)
    if len(s) >= 2 and (s[0], s[-1]) in (("[", "]"), ("(", ")")) and s.count(s[0]) == 1:
        s = s[1:-1]
    masked = list(s)
    for m in _THOUSANDS.finditer(s):
        for j in range(m.start(), m.end()):
            if masked[j] == ",":
                masked[j] = "\0"
    parts = re.split(r"[;,]", "".join(masked))
    return [p.replace("\0", ",").strip() for p in parts]


def parse_vector(text: str, unit: str | None, n: int) -> list[Number]:
    """``n`` numbers separated by ``;`` or ``,`` (optionally in brackets), each in ``unit``."""
    parts = split_list(text)
    if len(parts) != n or any(not p for p in parts):
        got = len([p for p in parts if p])
        hint = " (1,500 reads as one thousand five hundred)" if _THOUSANDS.search(text) else ""
        raise AnswerParseError(f"expected {n} numbers separated by ';' or ', ' but read {got}{hint}")
    return [parse_value(p, unit) for p in parts]


def parse_for(answer: Answer, text: str) -> Number | list[Number] | str:
    """A typed answer for ``answer``: a number, a list if ``answer.value`` is a list, or one of the
    answer's ``choices`` (the word or an unambiguous prefix) for a categorical part."""
    if answer.choices:
        from quizgen.precision import match_choice

        if len(text) > 200:
            raise AnswerParseError("that answer is too long: type one of " + ", ".join(answer.choices))
        word = match_choice(text, answer.choices)
        if word is None:
            raise AnswerParseError(f"type one of: {', '.join(answer.choices)} (or the start of one)")
        return word
    _check_length(text)
    if isinstance(answer.value, list):
        return parse_vector(text, answer.unit, len(answer.value))
    try:
        return parse_value(text, answer.unit)
    except AnswerParseError as e:
        parts = split_list(text)
        if str(e) == GARBAGE and len(parts) > 1 and all(parts):
            raise AnswerParseError(f"expected one number but read {len(parts)}; "
                                   "write thousands as 1,500,000 or 1500000") from None
        raise


def known_units() -> Iterable[str]:
    """Every unit word the parser knows (for help text and tests)."""
    return (k for k, v in _TABLE.items() if all(d != _AMBIGUOUS for d, _ in v))


def unit_table_json() -> dict[str, object]:
    """The unit tables above as JSON, for the HTML practice page's port of this parser
    (``templates/practice.js``): one source of units for the drill and the page."""
    def cands(cs: Iterable[Cand]) -> list[list[object]]:
        return [[[[k, e] for k, e in dims], float(scale)] for dims, scale in cs]

    return {"table": {k: cands(v) for k, v in _TABLE.items()},
            "lower": {k: cands(v) for k, v in _LOWER.items()},
            "aliases": dict(_ALIASES), "ambiguous": _AMBIGUOUS[0][0], "garbage": GARBAGE,
            "maxLiteralExponent": MAX_LITERAL_EXPONENT, "maxCombos": MAX_COMBOS, "maxText": MAX_TEXT,
            "maxInput": MAX_INPUT, "maxDigits": MAX_DIGITS, "maxNesting": MAX_NESTING,
            "maxUnitExponent": MAX_UNIT_EXPONENT}
