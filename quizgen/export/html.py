"""A self-contained HTML practice page: every version, math as MathML, answers checked in the page.

No network and no external files: CSS and JavaScript are inline and math is MathML (latex2mathml),
which browsers render natively. The JavaScript reads answers with a port of the drill's parser
(:mod:`quizgen.drill.parse`: ``16 TiB``, ``5 s``, ``1.5 × 10^9``, ``3/4``, ``70B params``, lists,
words for a choice), whose unit table is emitted into the page as JSON (one source of units), and
grades with exactly the JSON tolerance of ``show --json`` (:mod:`quizgen.grading`), never ``eval``.
Example::

    quizgen print ml-math --versions 3 --format html -o practice/
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from quizgen import __version__
from quizgen.errors import FormulaError
from quizgen.export.exam import Exam, ExamQuestion, ExamVersion, fmt_points, value_text
from quizgen.model import Answer
from quizgen.render.markup import Span, parse

TEMPLATE_DIR = Path(__file__).with_name("templates")


class MathML:
    """LaTeX → MathML with a cache; a formula latex2mathml cannot take is a :class:`FormulaError`."""

    def __init__(self) -> None:
        from latex2mathml.converter import convert

        self._convert = convert
        self._cache: dict[tuple[str, bool], str] = {}

    def __call__(self, tex: str, display: bool, where: str) -> str:
        key = (tex, display)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        try:
            out: str = self._convert(tex, display="block" if display else "inline")
            ET.fromstring(out)  # well-formed, or the page would break around it
        except Exception as e:  # latex2mathml raises many types for unknown or broken TeX
            raise FormulaError(f'{where}: formula "{tex}" cannot be converted to MathML: '
                               f"{type(e).__name__}: {e}") from None
        self._cache[key] = out
        return out


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def rich_html(md: str, mathml: MathML, where: str) -> str:
    """Markdown with math → HTML (paragraphs, lists, display math)."""
    def span(s: Span) -> str:
        if s.kind == "math":
            return mathml(s.text, False, where)
        if s.kind == "code":
            return f"<code>{_esc(s.text)}</code>"
        out = _esc(s.text)
        if s.italic:
            out = f"<em>{out}</em>"
        if s.bold:
            out = f"<strong>{out}</strong>"
        return out

    parts: list[str] = []
    items: list[str] = []
    for b in parse(md):
        if b.kind == "item":
            items.append("<li>" + "".join(span(s) for s in b.spans) + "</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if b.kind == "display":
            parts.append(f'<div class="qz-display">{mathml(b.tex, True, where)}</div>')
        else:
            parts.append("<p>" + "".join(span(s) for s in b.spans) + "</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join(parts)


def _answer(a: Answer) -> dict[str, Any]:
    vals = a.values
    data: dict[str, Any] = {"value": vals, "vector": isinstance(a.value, list),
                            "tolerance": a.tolerance.to_json(vals), "unit": a.unit}
    if a.choices:
        data.update(choices=list(a.choices), word=a.value)
        placeholder = " / ".join(a.choices)
    else:
        placeholder = "; ".join(f"x{i}" for i in range(1, min(len(vals), 4) + 1)) + ("; …" if len(vals) > 4 else "")
    return {
        "label": a.label,
        "unit": a.unit or "",
        "text": value_text(a),
        "tol_text": a.precision,
        "n": len(vals),
        "choice": bool(a.choices),
        "placeholder": placeholder,
        # Grading data for the page's script: exactly the tolerance of ``show --json``.
        "data": json.dumps(data),
    }


def _question(q: ExamQuestion, mathml: MathML) -> dict[str, Any]:
    p = q.problem
    where = f"{p.id} seed {p.seed}"
    return {
        "n": q.number, "pts": fmt_points(q.points), "id": p.id, "seed": p.seed,
        "question": rich_html(p.question, mathml, where),
        "solution": rich_html(p.solution, mathml, where),
        "answers": [_answer(a) for a in p.answers],
    }


def _version(v: ExamVersion, mathml: MathML) -> dict[str, Any]:
    return {"number": v.number, "code": v.code, "total": fmt_points(v.total_points),
            "questions": [_question(q, mathml) for q in v.questions]}


def render_html(exam: Exam) -> str:
    """The practice page (one file) for every version of ``exam``."""
    import jinja2
    from markupsafe import Markup

    mathml = MathML()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    versions = [_version(v, mathml) for v in exam.versions]
    for v in versions:
        for q in v["questions"]:
            q["question"] = Markup(q["question"])
            q["solution"] = Markup(q["solution"])
    instructions = Markup(rich_html(exam.instructions, mathml, "[quiz] instructions")) if exam.instructions else ""
    script = (TEMPLATE_DIR / "practice.js").read_text(encoding="utf-8")
    from quizgen.drill.parse import unit_table_json

    units = json.dumps(unit_table_json(), ensure_ascii=False, separators=(",", ":"))
    style = (TEMPLATE_DIR / "practice.css").read_text(encoding="utf-8")
    return env.get_template("practice.html.j2").render(
        title=exam.title, course=exam.course, instructions=instructions, seed=exam.seed,
        versions=versions, quizgen_version=__version__,
        # Inline <script>/<style>: "</" would end the element early.
        script=Markup(script.replace("</", "<\\/")), style=Markup(style.replace("</", "")),
        units=Markup(units.replace("</", "<\\/")),
    )
