"""LaTeX math → Typst math (``tex2typst``), with the rewrites FORMATS.md lists and a compile check.

Every distinct formula is converted and checked on its own before any page is built, so a formula
Typst cannot take is reported as ``flops.einsum seed 12: formula "…" does not compile: …`` and
never as a broken page. Example::

    conv = TypstMath()
    conv.convert([Formula(r"A \\in \\mathbb{R}^{64 \\times 128}", "flops.matmul", 7)])
    # {'A \\\\in \\\\mathbb{R}^{64 \\\\times 128}': 'A in RR^(64 times 128)'}

Speed: tex2typst costs ~0.8 ms per call, so formulas that differ only in their numbers (the common
case: the same question with fresh numbers) share one conversion. Each number is swapped for a
private-use character, the *shape* is converted once, and the numbers are put back; a shape whose
placeholders do not come back exactly once each is converted directly instead.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.errors import DependencyError, FormulaError

# Ordered: the \left/\right forms must be rewritten before the bare ones.
REWRITES: tuple[tuple[str, str], ...] = (
    (r"\left\lVert", r"\left\|"), (r"\right\rVert", r"\right\|"),
    (r"\lVert", r"\left\|"), (r"\rVert", r"\right\|"),
    (r"\left\lvert", r"\left|"), (r"\right\rvert", r"\right|"),
    (r"\lvert", r"\left|"), (r"\rvert", r"\right|"),
    (r"\odot", "⊙"), (r"\otimes", "⊗"),
    (r"\textbf{", r"\mathbf{"), (r"\textit{", r"\mathit{"), (r"\texttt{", r"\mathtt{"),
    (r"\textrm{", r"\text{"), (r"\bm{", r"\boldsymbol{"), (r"\stackrel{", r"\overset{"),
)
_OPNAME = re.compile(r"(\\operatorname\*?\{)([^{}]*)\}")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])")
_CASES = re.compile(r"(\\begin\{cases\})(.*?)(\\end\{cases\})", re.S)
# A number that stands alone: not part of a macro or a name (\frac12, A100) and not a bare
# one-digit script (x^2, whose TeX meaning depends on the single character).
_NUMBER = re.compile(r"(?<![A-Za-z\\^_])\d+(?:\.\d+)?")
_PUA = 0xE000
_MAX_PLACEHOLDERS = 0x1000
_TYPST_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def rewrite(tex: str) -> str:
    """The ordered rewrites that make tex2typst's output compile and print right."""
    for old, new in REWRITES:
        tex = tex.replace(old, new)
    tex = _OPNAME.sub(lambda m: m.group(1) + _SPACING.sub("", m.group(2)) + "}", tex)
    tex = _abs_bars(tex)
    # In cases, "&" only aligns in Typst: add the gap LaTeX puts between the columns.
    return _CASES.sub(lambda m: m.group(1) + m.group(2).replace("&", r"& \quad ") + m.group(3), tex)


_BAR = re.compile(r"(?<!\\)\|")
_DBAR = re.compile(r"(?<!\\)\\\|")
_SIZED = re.compile(r"\\(?:left|right|middle|[bB]igg?[lr]?)\s*$")
_OPEN, _CLOSE = "([{", ")]}"


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _abs_bars(tex: str) -> str:
    """``|x|`` → ``\\left|x\\right|`` and ``\\|x\\|`` → ``\\left\\|x\\right\\|``: tex2typst
    turns bare bars into loosely spaced ``| x |``.

    Only when the bars pair up with balanced brackets inside, so ``P(A|B) = P(B|A)`` (a
    conditional bar) is left alone.
    """
    for bar, width in ((_BAR, 1), (_DBAR, 2)):
        bars = [m.start() for m in bar.finditer(tex) if not _SIZED.search(tex[:m.start()])]
        if not bars or len(bars) % 2:
            continue
        pairs = list(zip(bars[::2], bars[1::2], strict=True))
        if not all(_balanced(tex[a + width:b]) and tex[a + width:b].strip() for a, b in pairs):
            continue
        out, pos = [], 0
        sym = tex[bars[0]:bars[0] + width]
        for a, b in pairs:
            out += [tex[pos:a], r"\left" + sym, tex[a + width:b], r"\right" + sym]
            pos = b + width
        out.append(tex[pos:])
        tex = "".join(out)
    return tex


def _shape(tex: str) -> tuple[str, list[str]] | None:
    """``tex`` with each standalone number replaced by a distinct placeholder, and the numbers."""
    if any(_PUA <= ord(ch) < _PUA + _MAX_PLACEHOLDERS for ch in tex):
        return None
    numbers: list[str] = []

    def sub(m: re.Match[str]) -> str:
        numbers.append(m.group())
        return chr(_PUA + len(numbers) - 1)

    shaped = _NUMBER.sub(sub, tex)
    if len(numbers) > _MAX_PLACEHOLDERS:
        return None
    return shaped, numbers


def _unshape(typ: str, numbers: list[str]) -> str | None:
    for i, num in enumerate(numbers):
        ch = chr(_PUA + i)
        if typ.count(ch) != 1:
            return None
        typ = typ.replace(ch, num)
    return typ


@dataclass(frozen=True)
class Formula:
    """A formula to convert, and where it comes from (for the error message)."""

    tex: str
    gen_id: str
    seed: int | None = None

    def where(self) -> str:
        return self.gen_id if self.seed is None else f"{self.gen_id} seed {self.seed}"


def _import_typst() -> tuple[Any, Any]:
    try:
        import tex2typst
        import typst
    except ImportError as e:  # e.g. glibc aarch64: tex2typst has no wheel there
        raise DependencyError(
            f"printing needs the 'typst' and 'tex2typst' packages ({e}); install them with "
            "'pip install typst tex2typst' (tex2typst has wheels for x86_64, macOS arm64, Windows "
            "and musl aarch64 only)") from None
    return typst, tex2typst


SANDBOX = Path(__file__).resolve().parent.parent / "export" / "templates"
"""Typst's file root: math is eval'ed, so keep ``read()``/``image()`` away from the user's files."""
_CHECK_SRC = b'#let fs = json(bytes(sys.inputs.f))\n#let _ = fs.map(f => eval(f, mode: "math"))\n'
_LAYOUT_SRC = b'#math.equation(eval(sys.inputs.f, mode: "math"))\n'


def cache_file(tex2typst_version: str) -> Path:
    """Converted shapes are kept between runs (``QUIZGEN_CACHE_DIR`` or the user cache folder)."""
    env = os.environ.get("QUIZGEN_CACHE_DIR")
    if env:
        folder = Path(env)
    else:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("quizgen"))
    return folder / f"tex2typst-{tex2typst_version}.json"


MAX_CACHED_SHAPES = 50_000


class TypstMath:
    """Converts and checks formulas; keeps a cache, so one instance serves a whole print run.

    With ``persist``, converted shapes are also kept on disk (keyed by the tex2typst version):
    a shape costs ~1 ms to convert and a deck's shapes repeat from run to run. Every formula is
    still checked by Typst on every run, so a bad cache entry shows up as an error, never a page.
    """

    def __init__(self, persist: bool = True) -> None:
        self._typst, self._tex2typst = _import_typst()
        self._checker = self._typst.Compiler(ignore_system_fonts=True, root=str(SANDBOX))
        self._lock = threading.Lock()  # check_one may be called from the PDF worker threads
        self._done: dict[str, str] = {}
        self._cache = cache_file(str(getattr(self._tex2typst, "__version__", "0"))) if persist else None
        self._shapes: dict[str, str | None] = dict(self._load())
        self._new_shapes = 0

    @property
    def typst(self) -> Any:
        """The imported ``typst`` module (so that callers need not import it again)."""
        return self._typst

    def _load(self) -> dict[str, str]:
        if self._cache is None:
            return {}
        try:
            data = json.loads(self._cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _save(self) -> None:
        """Write the shape cache (temp file + rename); a cache that cannot be written is skipped."""
        if self._cache is None or not self._new_shapes:
            return
        shapes = {k: v for k, v in self._shapes.items() if v is not None}
        if len(shapes) > MAX_CACHED_SHAPES:
            return
        tmp = None
        try:
            self._cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tex2typst.", suffix=".tmp", dir=self._cache.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(shapes, f, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self._cache)
            self._new_shapes = 0
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def convert(self, formulas: Iterable[Formula]) -> dict[str, str]:
        """TeX → Typst for every formula (distinct ones once); raises :class:`FormulaError`."""
        first: dict[str, Formula] = {}
        for f in formulas:
            if f.tex not in self._done and f.tex not in first:
                first[f.tex] = f
        if not first:
            return self._done
        prepared = {tex: rewrite(tex) for tex in first}
        shaped = {tex: _shape(rw) for tex, rw in prepared.items()}
        self._convert_shapes([s[0] for s in shaped.values() if s is not None], first, shaped)
        new: dict[str, str] = {}
        direct: list[str] = []
        for tex, sh in shaped.items():
            typ = None
            if sh is not None:
                shape_typ = self._shapes.get(sh[0])
                typ = _unshape(shape_typ, sh[1]) if shape_typ is not None else None
            if typ is None:
                direct.append(tex)
            else:
                new[tex] = typ
        for tex in direct:
            new[tex] = self._tex2typst_one(prepared[tex], first[tex])
        for tex, typ in new.items():
            if any("\\" in s for s in _TYPST_STRING.findall(typ)):
                raise FormulaError(f'{first[tex].where()}: formula "{tex}" would print literally: {typ}')
        self._check(new, first)
        self._done.update(new)
        self._save()
        return self._done

    def _convert_shapes(self, shapes: Sequence[str], first: dict[str, Formula],
                        shaped: dict[str, tuple[str, list[str]] | None]) -> None:
        todo = list(dict.fromkeys(s for s in shapes if s not in self._shapes))
        if not todo:
            return
        self._new_shapes += len(todo)
        try:
            out = self._tex2typst.tex2typst(todo)
            self._shapes.update(zip(todo, out, strict=True))
        except ValueError:
            # One bad shape fails the batch; convert one by one, and let the direct conversion
            # of the formula itself report the error.
            for s in todo:
                try:
                    self._shapes[s] = self._tex2typst.tex2typst(s)
                except ValueError:
                    self._shapes[s] = None

    def _tex2typst_one(self, tex: str, f: Formula) -> str:
        try:
            out: str = self._tex2typst.tex2typst(tex)
        except ValueError as e:
            raise FormulaError(f'{f.where()}: formula "{f.tex}" does not compile: '
                               f"{_first_line(str(e))}") from None
        return out

    def _check(self, new: dict[str, str], first: dict[str, Formula]) -> None:
        """Evaluate all new formulas in one document; on failure, find the first bad one."""
        items = list(new.items())
        if self._eval_ok([typ for _, typ in items]):
            return
        for lo in range(0, len(items), 64):
            chunk = items[lo:lo + 64]
            if self._eval_ok([typ for _, typ in chunk]):
                continue
            for tex, typ in chunk:
                self.check_one(typ, first[tex])
        raise AssertionError("a formula batch failed to compile, yet each formula compiles alone")

    def _eval_ok(self, typs: list[str]) -> bool:
        try:
            with self._lock:
                self._checker.compile(_CHECK_SRC, sys_inputs={"f": json.dumps(typs)}, format="svg")
        except self._typst.TypstError:
            return False
        return True

    def check_one(self, typ: str, f: Formula) -> None:
        """Compile one formula on its own (laid out); raise :class:`FormulaError` naming it."""
        try:
            with self._lock:
                self._checker.compile(_LAYOUT_SRC, sys_inputs={"f": typ}, format="svg")
        except self._typst.TypstError as e:
            msg = getattr(e, "message", "") or _first_line(str(e))
            raise FormulaError(f'{f.where()}: formula "{f.tex}" does not compile: {msg}') from None


def _first_line(s: str) -> str:
    s = s.strip()
    line = s.splitlines()[0] if s else "unknown error"
    return line.removeprefix("Conversion failed: ")
