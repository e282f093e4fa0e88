"""LaTeX sources of the exam sheets and key, for teachers who edit in LaTeX (jinja2 templates).

quizgen writes the ``.tex`` files; teachers compile them (``pdflatex version-01.tex``) with the
``article`` class and packages in Debian's ``texlive-latex-base``/``-recommended`` and ``lmodern``.
Math goes in as the generators wrote it; prose is escaped in one pass. Example::

    quizgen print ml-math --versions 3 --seed 7 --format tex -o exam/
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from quizgen import __version__
from quizgen.export.exam import Exam, ExamQuestion, ExamVersion, fmt_points, value_text
from quizgen.export.safetex import check_math
from quizgen.model import Answer
from quizgen.precision import answer_short
from quizgen.render.markup import Span, parse

TEMPLATE_DIR = Path(__file__).with_name("templates")

SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
           "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
           "<": r"\textless{}", ">": r"\textgreater{}"}
_SPECIAL_RE = re.compile("|".join(map(re.escape, SPECIAL)))

# Characters generators use that pdflatex (T1 + utf8) does not know, or knows only in text mode;
# \DeclareUnicodeCharacter makes them work in text and math alike. See unicode_declarations().
UNICODE = {
    "\u00d7": r"\ensuremath{\times}", "\u00f7": r"\ensuremath{\div}", "\u00b1": r"\ensuremath{\pm}",
    "\u00b7": r"\ensuremath{\cdot}", "\u00b5": r"\ensuremath{\mu}", "\u00ac": r"\ensuremath{\neg}",
    "\u2248": r"\ensuremath{\approx}", "\u2264": r"\ensuremath{\le}", "\u2265": r"\ensuremath{\ge}",
    "\u2260": r"\ensuremath{\ne}", "\u2192": r"\ensuremath{\to}", "\u2190": r"\ensuremath{\leftarrow}",
    "\u21d2": r"\ensuremath{\Rightarrow}", "\u21d4": r"\ensuremath{\Leftrightarrow}",
    "\u2194": r"\ensuremath{\leftrightarrow}", "\u2212": r"\ensuremath{-}", "\u221e": r"\ensuremath{\infty}",
    "\u221a": r"\ensuremath{\surd}", "\u2211": r"\ensuremath{\sum}", "\u220f": r"\ensuremath{\prod}",
    "\u222b": r"\ensuremath{\int}", "\u2202": r"\ensuremath{\partial}", "\u2207": r"\ensuremath{\nabla}",
    "\u2208": r"\ensuremath{\in}", "\u2209": r"\ensuremath{\notin}", "\u22c5": r"\ensuremath{\cdot}",
    "\u2218": r"\ensuremath{\circ}", "\u2299": r"\ensuremath{\odot}", "\u2297": r"\ensuremath{\otimes}",
    "\u2295": r"\ensuremath{\oplus}", "\u2016": r"\ensuremath{\Vert}", "\u2223": r"\ensuremath{\mid}",
    "\u223c": r"\ensuremath{\sim}", "\u226a": r"\ensuremath{\ll}", "\u226b": r"\ensuremath{\gg}",
    "\u221d": r"\ensuremath{\propto}", "\u2261": r"\ensuremath{\equiv}", "\u2200": r"\ensuremath{\forall}",
    "\u2203": r"\ensuremath{\exists}", "\u2205": r"\ensuremath{\emptyset}", "\u2229": r"\ensuremath{\cap}",
    "\u222a": r"\ensuremath{\cup}", "\u2282": r"\ensuremath{\subset}", "\u2286": r"\ensuremath{\subseteq}",
    "\u2308": r"\ensuremath{\lceil}", "\u2309": r"\ensuremath{\rceil}", "\u230a": r"\ensuremath{\lfloor}",
    "\u230b": r"\ensuremath{\rfloor}", "\u27e8": r"\ensuremath{\langle}", "\u27e9": r"\ensuremath{\rangle}",
    "\u2113": r"\ensuremath{\ell}", "\u2713": r"\ensuremath{\checkmark}", "\u2717": r"\ensuremath{\times}",
    "\u2026": r"\ldots{}", "\u22ef": r"\ensuremath{\cdots}", "\u2009": r"\,", "\u202f": r"\,",
    "\u200b": "", "\u2032": r"\ensuremath{'}", "\u03f5": r"\ensuremath{\epsilon}",
    "\u03b5": r"\ensuremath{\varepsilon}", "\u03d5": r"\ensuremath{\phi}", "\u03c6": r"\ensuremath{\varphi}",
}
_GREEK_CAPS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_FONTS = {"DOUBLE-STRUCK": "mathbb", "SCRIPT": "mathcal", "BOLD": "mathbf", "FRAKTUR": "mathfrak"}


def latex_for_char(ch: str) -> str | None:
    """What pdflatex should print for ``ch``, or None if it handles ``ch`` itself."""
    import unicodedata

    if ch in UNICODE:
        return UNICODE[ch]
    code = ord(ch)
    if code < 0x80 or (0xA0 <= code < 0x180 and unicodedata.category(ch)[0] == "L") or ch in "–—‘’“”°§£€":
        return None  # T1 + utf8 already know these
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK SMALL LETTER "):
        letter = name.removeprefix("GREEK SMALL LETTER ").lower()
        return rf"\ensuremath{{\{letter}}}" if letter.isalpha() else None
    if name.startswith("GREEK CAPITAL LETTER "):
        letter = name.removeprefix("GREEK CAPITAL LETTER ").capitalize()
        if letter in _GREEK_CAPS:
            return rf"\ensuremath{{\{letter}}}"
        return rf"\ensuremath{{\mathrm{{{unicodedata.lookup('LATIN CAPITAL LETTER ' + letter[0])}}}}}"
    deco = unicodedata.decomposition(ch).split()
    if deco and deco[0] == "<fraction>":  # ½ ¾ ⅓: \tfrac{1}{2}
        num, _, den = "".join(chr(int(c, 16)) for c in deco[1:]).partition("\u2044")
        if num.isdigit() and den.isdigit():
            return rf"\ensuremath{{\tfrac{{{num}}}{{{den}}}}}"
    if len(deco) == 2 and deco[0] in ("<sub>", "<super>"):
        base = chr(int(deco[1], 16)).replace("\u2212", "-")
        if base.isascii() and base.isalnum() or base in "+-=()":
            cmd = "textsubscript" if deco[0] == "<sub>" else "textsuperscript"
            return rf"\{cmd}{{{base}}}"
    if len(deco) == 2 and deco[0] == "<font>":
        base = chr(int(deco[1], 16))
        for key, cmd in _FONTS.items():
            if key in name and base.isascii() and base.isalpha():
                return rf"\ensuremath{{\{cmd}{{{base}}}}}"
    base = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in base if not unicodedata.combining(c))
    if base and base != ch and all(latex_for_char(c) is None for c in base):
        return base  # e.g. a ligature or a letter with an accent T1 lacks: its plain letters
    return rf"\texttt{{[U+{code:04X}]}}"  # visible, never silently dropped


def unicode_declarations(text: str) -> list[tuple[str, str]]:
    """``(hex code, LaTeX)`` for every character of ``text`` that pdflatex needs told about."""
    out = []
    for ch in sorted(set(text)):
        rep = latex_for_char(ch)
        if rep is not None:
            out.append((f"{ord(ch):04X}", rep))
    return out


def tex_escape(s: str | None) -> str:
    """Prose → LaTeX, one pass (no double escaping)."""
    if s is None:
        return ""
    return _SPECIAL_RE.sub(lambda m: SPECIAL[m.group()], s)


def _span(s: Span, where: str) -> str:
    if s.kind == "math":
        check_math(s.text, where)
        return f"\\({s.text}\\)"
    if s.kind == "code":
        return f"\\texttt{{{tex_escape(s.text)}}}"
    out = tex_escape(s.text)
    if s.italic:
        out = f"\\emph{{{out}}}"
    if s.bold:
        out = f"\\textbf{{{out}}}"
    return out


def rich(md: str, where: str = "text") -> str:
    """Markdown with math → LaTeX: math kept as written (after :func:`check_math`), prose escaped,
    lists as itemize."""
    parts: list[str] = []
    items: list[str] = []
    for b in parse(md):
        if b.kind == "item":
            items.append("\\item " + "".join(_span(s, where) for s in b.spans))
            continue
        if items:
            parts.append("\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}")
            items = []
        if b.kind == "display":
            check_math(b.tex, where)
            parts.append(f"\\[{b.tex}\\]")
        else:
            parts.append("".join(_span(s, where) for s in b.spans))
    if items:
        parts.append("\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}")
    return "\n\n".join(parts)


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix="%%", line_comment_prefix="%#",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )
    env.filters["tex"] = tex_escape
    return env


def _answer(a: Answer) -> dict[str, Any]:
    label, unit = tex_escape(a.label), tex_escape(a.unit or "")
    short = tex_escape(answer_short(a))
    if a.choices:
        line = f"{label}: " + r"\quad ".join(rf"\qzbox~{tex_escape(c)}" for c in a.choices)
    else:
        width = "7cm" if isinstance(a.value, list) else "4.2cm"
        line = rf"{label}: \answerline{{{width}}}~{unit}"
    return {"label": a.label, "text": value_text(a), "unit": a.unit or "", "tol": a.precision,
            "line": line + rf"\quad\makebox[5em][l]{{\small({short})}}"}


def _question(q: ExamQuestion, mode: str, full: bool) -> dict[str, Any]:
    p = q.problem
    where = f"{p.id} seed {p.seed}"
    answers = [_answer(a) for a in p.answers]
    inline = r"\newline ".join(
        f"{tex_escape(a['label'])}: \\textbf{{{tex_escape(a['text'])}}}~{tex_escape(a['unit'])}" for a in answers)
    tols = r"\newline ".join(tex_escape(a["tol"]) for a in answers)
    d: dict[str, Any] = {
        "n": q.number, "pts": fmt_points(q.points), "id": p.id, "seed": p.seed,
        "answers": answers, "answers_inline": inline, "tols_inline": tols, "space": f"{q.space_cm:g}",
        "question": "", "solution": "",
    }
    if mode != "key" or full:
        d["question"] = rich(p.question, where)
    if mode == "practice" or full:
        d["solution"] = rich(p.solution, where)
    return d


def _version(v: ExamVersion, mode: str, full: bool) -> dict[str, Any]:
    n = len(v.questions)
    return {"code": v.code, "n_questions": f"{n} question{'s' if n != 1 else ''}",
            "total": tex_escape(fmt_points(v.total_points)), "total_num": f"{v.total_points:g}",
            "questions": [_question(q, mode, full) for q in v.questions]}


def _grid(exam: Exam) -> tuple[list[dict[str, Any]], str]:
    from quizgen.export.typst import key_grid

    chunks, size = key_grid(exam)
    out = []
    for ch in chunks:
        rows = [{"code": r["code"], "cells": ["; ".join(tex_escape(x) for x in c) for c in r["cells"]]}
                for r in ch["rows"]]
        width = f"{(23.5 if len(ch['heads']) > 4 else 15.5) / max(1, len(ch['heads'])):.2f}cm"
        out.append({"heads": ch["heads"], "rows": rows,
                    "colspec": "|".join(rf">{{\raggedright\arraybackslash}}p{{{width}}}" for _ in ch["heads"])})
    return out, (r"\scriptsize" if len(exam.versions) <= 20 else r"\tiny")


def _all_text(exam: Exam) -> str:
    parts = [exam.title, exam.course or "", exam.instructions or ""]
    for v in exam.versions:
        for q in v.questions:
            p = q.problem
            parts += [p.question, p.solution]
            parts += [a.label + " " + (a.unit or "") + " " + a.precision + " " + " ".join(a.choices)
                      for a in p.answers]
    return "".join(parts)


def render_tex(exam: Exam, *, solutions: bool = False, key_full: bool = False) -> tuple[list[str], str]:
    """LaTeX sources: one per version (practice sheets with ``solutions``) and the key (a grid of
    every version's answers, then per version the answers; ``key_full`` adds worked solutions)."""
    template = _env().get_template("exam.tex.j2")
    one_line = " ".join(exam.title.split())
    common = {
        "version_str": __version__, "title": one_line, "course": exam.course,
        "title_comment": tex_escape(one_line),
        "instructions": rich(exam.instructions, "[quiz] instructions") if exam.instructions else "",
        "seed": exam.seed, "paper": exam.paper,
        "unicode": unicode_declarations(_all_text(exam)),
    }
    mode = "practice" if solutions else "sheet"
    sheets = [template.render(**common, mode=mode, kind_label="practice" if solutions else "", full=False,
                              grid=[], grid_size="", landscape=False,
                              versions=[_version(v, mode, False)]).lstrip() for v in exam.versions]
    grid, size = _grid(exam)
    key = template.render(**common, mode="key", kind_label="answer key", full=key_full, grid=grid,
                          grid_size=size, landscape=bool(grid) and len(grid[0]["heads"]) > 4,
                          versions=[_version(v, "key", key_full) for v in exam.versions]).lstrip()
    return sheets, key
