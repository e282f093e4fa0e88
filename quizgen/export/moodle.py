"""Moodle XML: one category per area; ``numerical`` questions with absolute tolerance, the worked
solution as general feedback, math in ``\\( \\)`` for Moodle's MathJax filter; multi-part answers as
one ``cloze`` question with a field per part; categorical parts as multiple choice; integers beyond
2^53 as short answers with the exact digits; distractors as ``multichoice`` (``--multichoice``).
docs/lms.md says which rule of Moodle's importer and grader each choice follows. Example::

    quizgen export ml-math --format moodle -o quiz.xml --variants 5 --multichoice
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from quizgen.build import Built
from quizgen.deck import DeckSpec
from quizgen.export.lms import (
    NumericRange,
    Part,
    Scale,
    choose_scale,
    dec,
    dec_text,
    numeric_range,
    part_label,
    parts,
    problem_points,
)
from quizgen.model import Answer, Problem
from quizgen.registry import AREA_ORDER, area_title
from quizgen.render.html import inline_html, md_to_html
from quizgen.render.numbers import plain, sig_figures

# Moodle's numerical grader widens every interval by ±1e-14·max(|tolerance|, |answer|, 1e-14)
# absolute (qtype_numerical, "nominal" tolerance): keep answers and bounds >= 1e-6 in the unit
# asked, so that widening is relative (1e-14) and 0 is never accepted for a non-zero answer.
MIN_MAGNITUDE = 1e-6
MAX_MAGNITUDE = 1e15  # PHP keeps ~15 significant digits; bigger numbers are asked in a bigger unit
MOODLE_EPS = 1e-14


def moodle_accepts(answer: float, tolerance: float, response: float) -> bool:
    """Moodle's numerical grading of ``response`` against one answer (nominal tolerance)."""
    slack = tolerance + MOODLE_EPS * max(abs(tolerance), abs(answer), MOODLE_EPS)
    return answer - slack <= response <= answer + slack


def _scale(a: Answer, label: str) -> tuple[Scale, list[NumericRange]]:
    ranges = [numeric_range(a, v) for v in a.values]
    return choose_scale(ranges, a.unit, label, min_mag=MIN_MAGNITUDE, max_mag=MAX_MAGNITUDE), ranges


def _as_text(part: Part) -> bool:
    """A part Moodle cannot grade as a number, asked as a short answer with the exact decimal
    digits instead: an integer beyond 2^53; an integer whose neighbours Moodle's
    1e-14·|answer| widening would accept (2^53 ± 0.5 accepts 2^53 ± 90); a float that is exact
    to its last digit (0.30000000000000004 would accept 0.3) or graded finer than 1e-12."""
    if part.kind == "text":
        return True
    if part.kind != "number" or isinstance(part.value, str) or part.value == 0:
        return False
    r = numeric_range(part.answer, part.value)
    if r.factor is not None:
        return False
    if not _scale(part.answer, part.label)[0].ok:
        return True
    v, m = r.value, r.margin
    slack = Decimal(repr(MOODLE_EPS)) * max(m, abs(v))
    if v == v.to_integral_value():
        return m < 1 and m + slack >= 1
    fine = m < Decimal("1e-12") * abs(v)
    return fine and (m > 0 or len(v.as_tuple().digits) >= 15)


def _digits(part: Part) -> str:
    return dec_text(dec(part.value)) if not isinstance(part.value, str) else part.value


def _range_note(r: NumericRange, unit: str | None, measured: bool) -> str:
    if r.factor is None:
        return ""
    u = f" {unit}" if unit else ""
    what = "Measured value" if measured else "Exact value"
    return (f"<p>{what}: {plain(float(r.value))}{u}. Any answer within a factor of {r.factor:g} "
            f"({plain(float(r.low))}–{plain(float(r.high))}{u}) is accepted.</p>")


def _text(parent: Any, tag: str, text: str, cdata: bool = False, **attrs: str) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, tag, **attrs)
    t = etree.SubElement(el, "text")
    t.text = etree.CDATA(text) if cdata else text
    return el


def _sub(parent: Any, tag: str, text: str) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, tag)
    el.text = text
    return el


def _common(q: Any, p: Problem, name: str, question_html: str, grade: float) -> None:
    _text(q, "name", name)
    _text(q, "questiontext", question_html, cdata=True, format="html")
    _text(q, "generalfeedback", md_to_html(p.solution), cdata=True, format="html")
    _sub(q, "defaultgrade", _grade_text(grade))
    _sub(q, "penalty", "0.3333333")
    _sub(q, "hidden", "0")
    _sub(q, "idnumber", f"{p.id}/{p.version}/{p.seed}")


def _grade_text(g: float) -> str:
    return str(int(g)) if float(g).is_integer() else repr(float(g))


def _para(sentence: str) -> str:
    return f"<p><em>{inline_html(sentence)}</em></p>" if sentence else ""


def _numerical(quiz: Any, p: Problem, part: Part, name: str, grade: float) -> None:
    from lxml import etree

    a = part.answer
    sc, ranges = _scale(a, part.label)
    r = ranges[part.index or 0].scaled(sc.exp)
    q = etree.SubElement(quiz, "question", type="numerical")
    _common(q, p, name, md_to_html(p.question) + _para(sc.sentence), grade)
    ans = etree.SubElement(q, "answer", fraction="100", format="moodle_auto_format")
    _sub(ans, "text", dec_text(r.center))
    _sub(ans, "tolerance", dec_text(r.margin))
    note = _range_note(r, sc.unit, a.measured_on is not None)
    _text(ans, "feedback", "<p>Correct.</p>" + note, cdata=True, format="html")
    units = etree.SubElement(q, "units")
    if sc.unit:
        u = etree.SubElement(units, "unit")
        _sub(u, "multiplier", "1")
        _sub(u, "unit_name", sc.unit)
    _sub(q, "unitgradingtype", "0")
    _sub(q, "unitpenalty", "0.1")
    _sub(q, "showunits", "3")
    _sub(q, "unitsleft", "0")


def _shortanswer(quiz: Any, p: Problem, part: Part, name: str, grade: float) -> None:
    from lxml import etree

    a = part.answer
    unit = f" in {a.unit}" if a.unit else ""
    ask = f"Give {part.label}{unit} exactly, every digit, as a plain decimal with no separators."
    q = etree.SubElement(quiz, "question", type="shortanswer")
    _common(q, p, name, md_to_html(p.question) + _para(ask), grade)
    _sub(q, "usecase", "0")
    ans = etree.SubElement(q, "answer", fraction="100", format="moodle_auto_format")
    _sub(ans, "text", _digits(part))
    _text(ans, "feedback", "<p>Correct.</p>", cdata=True, format="html")


def _choice_question(quiz: Any, p: Problem, part: Part, name: str, grade: float) -> None:
    """A categorical part: multiple choice over its declared words."""
    from lxml import etree

    a = part.answer
    q = etree.SubElement(quiz, "question", type="multichoice")
    _common(q, p, name, md_to_html(p.question) + _para(f"Choose {part.label}."), grade)
    _sub(q, "single", "true")
    _sub(q, "shuffleanswers", "false")
    _sub(q, "answernumbering", "abc")
    for c in a.choices:
        ans = etree.SubElement(q, "answer", fraction="100" if c == a.value else "0", format="html")
        _sub(ans, "text", c)
        _text(ans, "feedback", "<p>Correct.</p>" if c == a.value else f"<p>No: {a.value}.</p>",
              cdata=True, format="html")


def _cloze_escape(s: str) -> str:
    return "".join("\\" + c if c in "}#~/\"\\" else c for c in s)


def cloze_weights(points: float, n: int, factor: int) -> list[int]:
    """Whole-number weights of ``n`` cloze fields that add up to ``points × factor``."""
    total = round(points * factor)
    base, extra = divmod(total, n)
    return [base + (i < extra) for i in range(n)]


def _cloze(quiz: Any, p: Problem, ps: list[Part], name: str, points: float, factor: int) -> None:
    """Several graded parts: one Cloze (multianswer) question, a field per part. Moodle's cloze
    import ignores ``defaultgrade``: the question's mark is the sum of the field weights."""
    from lxml import etree

    weights = cloze_weights(points, len(ps), factor)
    rows = []
    notes: list[str] = []
    scales: dict[int, tuple[Scale, list[NumericRange]]] = {}
    for part, w in zip(ps, weights, strict=True):
        a = part.answer
        unit = a.unit
        if part.kind == "choice":
            opts = "~".join(("=" if c == a.value else "") + _cloze_escape(c) + ("#Correct" if c == a.value else "")
                            for c in a.choices)
            field = f"{{{w}:MULTICHOICE:{opts}}}"
            unit = None
        elif _as_text(part):
            field = f"{{{w}:SHORTANSWER:={_cloze_escape(_digits(part))}#Correct}}"
            notes.append(f"Give {part.label} exactly, every digit, as a plain decimal with no separators.")
        else:
            if id(a) not in scales:
                scales[id(a)] = _scale(a, part_label(a, None))
                if scales[id(a)][0].exp:
                    notes.append(scales[id(a)][0].sentence)
            sc, ranges = scales[id(a)]
            r = ranges[part.index or 0].scaled(sc.exp)
            field = f"{{{w}:NUMERICAL:={dec_text(r.center)}:{dec_text(r.margin)}#Correct}}"
            unit = sc.unit
        u = f" {inline_html(unit)}" if unit else ""
        rows.append(f"<p>{inline_html(part.label)}: {field}{u}</p>")
    q = etree.SubElement(quiz, "question", type="cloze")
    body = md_to_html(p.question) + "".join(_para(n) for n in notes) + "".join(rows)
    _common(q, p, name, body, sum(weights))


def _choice_labels(p: Problem) -> list[tuple[str, str | None]]:
    """(text, why) for the right answer (why None) and each distinct distractor, with enough
    significant figures that no two choices print alike; empty if none can be told apart."""
    a = p.answers[0]
    if a.categorical:
        return []

    def text(v: Any, extra: int) -> str:
        vals = v if isinstance(v, list) else [v]
        body = ", ".join(plain(x, min(17, sig_figures(a, x) + extra)) for x in vals)
        return f"[{body}]" if isinstance(v, list) else body

    for extra in range(0, 12):
        choices: list[tuple[str, str | None]] = [(text(a.value, extra), None)]
        choices += [(text(d.value, extra), d.why) for d in p.distractors if not isinstance(d.value, str)]
        if len({c for c, _ in choices}) == len(choices):
            return choices
    return []


def _multichoice(quiz: Any, p: Problem, name: str, grade: float) -> None:
    from lxml import etree

    choices = _choice_labels(p)
    if len(choices) < 2:
        return
    a = p.answers[0]
    q = etree.SubElement(quiz, "question", type="multichoice")
    _common(q, p, name + " (multiple choice)", md_to_html(p.question), grade)
    _sub(q, "single", "true")
    _sub(q, "shuffleanswers", "true")
    _sub(q, "answernumbering", "abc")
    unit = f" {a.unit}" if a.unit else ""
    for label, why in choices:
        ans = etree.SubElement(q, "answer", fraction="0" if why else "100", format="html")
        _sub(ans, "text", label + unit)
        _text(ans, "feedback", f"<p>{inline_html(why)}</p>" if why else "<p>Correct.</p>", cdata=True, format="html")


def _category(quiz: Any, path: str, info: str = "") -> None:
    from lxml import etree

    q = etree.SubElement(quiz, "question", type="category")
    cat = etree.SubElement(q, "category")
    t = etree.SubElement(cat, "text")
    t.text = path
    if info:
        _text(q, "info", info, cdata=True, format="html")


def _points(spec: DeckSpec, b: Built) -> float:
    return problem_points(b.item.points, spec.quiz.points)


def marks_factor(spec: DeckSpec, built: Sequence[Built]) -> int:
    """The smallest whole number F such that every cloze question can total F × its points with
    equal whole-number field weights (Moodle's cloze weights are integers). 1 when the points
    allow it (e.g. 2 points over 2 parts); with the default 1 point and 2- and 3-part questions
    it is 6. Every question's mark is F × its points, so their ratios — and the grade of a Moodle
    quiz, which scales the total to the quiz's maximum grade — stay right."""
    need = {(_points(spec, b), len(parts(p))) for b in built for p in b.variants if len(parts(p)) > 1}
    for f in range(1, 10_001):
        if all(abs(pts * f / n - round(pts * f / n)) < 1e-9 and round(pts * f / n) >= 1 for pts, n in need):
            return f
    return max((n for _, n in need), default=1)


def moodle_xml(spec: DeckSpec, built: Sequence[Built], multichoice: bool = False) -> bytes:
    """The whole quiz as Moodle XML bytes (UTF-8, declaration on line 1)."""
    from lxml import etree

    quiz = etree.Element("quiz")
    factor = marks_factor(spec, built)
    info = ("" if factor == 1 else
            f"<p>Question marks are {factor} × the deck's points: Moodle's cloze weights are whole "
            f"numbers. A quiz scales its total to its maximum grade, so grades are unchanged.</p>")
    ordered = sorted(built, key=lambda b: (AREA_ORDER.get(b.problem.area, 99), b.item_index, b.copy))
    kinds = ["numeric", "multichoice"] if multichoice else ["numeric"]
    first = True
    for kind in kinds:
        current = None
        for b in ordered:
            p0 = b.problem
            if kind == "multichoice" and len(_choice_labels(p0)) < 2:
                continue
            area = area_title(p0.area) + (" (multiple choice)" if kind == "multichoice" else "")
            base = f"$course$/top/quizgen/{_cat_name(spec.name)}/{_cat_name(area)}"
            # K variants of one item share a category, so that a random-question slot picks one.
            path = base if len(b.variants) == 1 else f"{base}/{p0.id} #{b.item_index + 1}.{b.copy + 1}"
            if path != current:
                _category(quiz, path, info if first else "")
                first = False
                current = path
            grade = _points(spec, b) * factor
            for p in b.variants:
                name = f"{p.id} v{p.version} seed {p.seed}"
                ps = parts(p)
                if kind == "multichoice":
                    _multichoice(quiz, p, name, grade)
                elif len(ps) > 1:
                    _cloze(quiz, p, ps, name, _points(spec, b), factor)
                elif ps[0].kind == "choice":
                    _choice_question(quiz, p, ps[0], name, grade)
                elif _as_text(ps[0]):
                    _shortanswer(quiz, p, ps[0], name, grade)
                else:
                    _numerical(quiz, p, ps[0], name, grade)
    return bytes(etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _cat_name(s: str) -> str:
    return s.replace("/", "-")

