"""Moodle XML: one category per area; ``numerical`` questions with absolute tolerance, the worked
solution as general feedback, math in ``\\( \\)`` for Moodle's MathJax filter; multi-part answers as
one ``cloze`` question with a NUMERICAL field per part; distractors as ``multichoice``. Example::

    quizgen export ml-math --format moodle -o quiz.xml --variants 5 --multichoice
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quizgen.build import Built
from quizgen.deck import DeckSpec
from quizgen.export.lms import NumericRange, answer_parts, num_text, numeric_range, part_label
from quizgen.model import Problem
from quizgen.registry import AREA_ORDER, area_title
from quizgen.render.html import inline_html, md_to_html
from quizgen.render.numbers import plain, sig_figures


def _range_note(r: NumericRange, unit: str | None) -> str:
    if r.factor is None:
        return ""
    u = f" {unit}" if unit else ""
    return (f"<p>Measured value: {plain(r.value)}{u}. Any answer within a factor of {r.factor:g} "
            f"({plain(r.low)}–{plain(r.high)}{u}) is accepted.</p>")


def _unit_hint(problem: Problem) -> str:
    if len(problem.answers) == 1:
        unit = problem.answers[0].unit
        return f"<p><em>Answer in {unit}.</em></p>" if unit else ""
    parts = [f"{a.label} in {a.unit}" for a in problem.answers if a.unit]
    return f"<p><em>Give {'; '.join(parts)}.</em></p>" if parts else ""


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


def _common(q: Any, p: Problem, name: str, question_html: str) -> None:
    _text(q, "name", name)
    _text(q, "questiontext", question_html, cdata=True, format="html")
    _text(q, "generalfeedback", md_to_html(p.solution), cdata=True, format="html")
    _sub(q, "defaultgrade", "1")
    _sub(q, "penalty", "0.3333333")
    _sub(q, "hidden", "0")
    _sub(q, "idnumber", f"{p.id}/{p.version}/{p.seed}")


def _numerical(quiz: Any, p: Problem, name: str) -> None:
    from lxml import etree

    a, _, value = answer_parts(p)[0]  # the only graded number (a vector of length 1 too)
    r = numeric_range(a, value)
    q = etree.SubElement(quiz, "question", type="numerical")
    _common(q, p, name, md_to_html(p.question) + _unit_hint(p))
    ans = etree.SubElement(q, "answer", fraction="100", format="moodle_auto_format")
    _sub(ans, "text", num_text(r.center if r.factor else value))
    _sub(ans, "tolerance", repr(float(r.margin)))
    _text(ans, "feedback", "<p>Correct.</p>" + _range_note(r, a.unit), cdata=True, format="html")
    units = etree.SubElement(q, "units")
    if a.unit:
        u = etree.SubElement(units, "unit")
        _sub(u, "multiplier", "1")
        _sub(u, "unit_name", a.unit)
    _sub(q, "unitgradingtype", "0")
    _sub(q, "unitpenalty", "0.1")
    _sub(q, "showunits", "3")
    _sub(q, "unitsleft", "0")


def _cloze_escape(s: str) -> str:
    return "".join("\\" + c if c in "}#~/\"\\" else c for c in s)


def _cloze(quiz: Any, p: Problem, name: str) -> None:
    """Several graded numbers: one Cloze (multianswer) question, a NUMERICAL field per part."""
    from lxml import etree

    rows = []
    for a, i, v in answer_parts(p):
        r = numeric_range(a, v)
        center = num_text(r.center if r.factor else r.value)
        field = f"{{1:NUMERICAL:={center}:{repr(float(r.margin))}#{_cloze_escape('Correct')}}}"
        unit = f" {a.unit}" if a.unit else ""
        rows.append(f"<p>{part_label(a, i)}: {field}{unit}</p>")
    q = etree.SubElement(quiz, "question", type="cloze")
    _common(q, p, name, md_to_html(p.question) + "".join(rows))


def _choice_labels(p: Problem) -> list[tuple[str, str | None]]:
    """(text, why) for the right answer (why None) and each distinct distractor, with enough
    significant figures that no two choices print alike; empty if none can be told apart."""
    a = p.answers[0]

    def text(v: Any, extra: int) -> str:
        vals = v if isinstance(v, list) else [v]
        body = ", ".join(plain(x, min(17, sig_figures(a, x) + extra)) for x in vals)
        return f"[{body}]" if isinstance(v, list) else body

    for extra in range(0, 12):
        choices: list[tuple[str, str | None]] = [(text(a.value, extra), None)]
        choices += [(text(d.value, extra), d.why) for d in p.distractors]
        if len({c for c, _ in choices}) == len(choices):
            return choices
    return []


def _multichoice(quiz: Any, p: Problem, name: str) -> None:
    from lxml import etree

    choices = _choice_labels(p)
    if len(choices) < 2:
        return
    a = p.answers[0]
    q = etree.SubElement(quiz, "question", type="multichoice")
    _common(q, p, name + " (multiple choice)", md_to_html(p.question))
    _sub(q, "single", "true")
    _sub(q, "shuffleanswers", "true")
    _sub(q, "answernumbering", "abc")
    unit = f" {a.unit}" if a.unit else ""
    for label, why in choices:
        ans = etree.SubElement(q, "answer", fraction="0" if why else "100", format="html")
        _sub(ans, "text", label + unit)
        _text(ans, "feedback", f"<p>{inline_html(why)}</p>" if why else "<p>Correct.</p>", cdata=True, format="html")


def _category(quiz: Any, path: str) -> None:
    from lxml import etree

    q = etree.SubElement(quiz, "question", type="category")
    cat = etree.SubElement(q, "category")
    t = etree.SubElement(cat, "text")
    t.text = path


def moodle_xml(spec: DeckSpec, built: Sequence[Built], multichoice: bool = False) -> bytes:
    """The whole quiz as Moodle XML bytes (UTF-8, declaration on line 1)."""
    from lxml import etree

    quiz = etree.Element("quiz")
    ordered = sorted(built, key=lambda b: (AREA_ORDER.get(b.problem.area, 99), b.item_index, b.copy))
    kinds = ["numeric", "multichoice"] if multichoice else ["numeric"]
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
                _category(quiz, path)
                current = path
            for p in b.variants:
                name = f"{p.id} v{p.version} seed {p.seed}"
                if kind == "multichoice":
                    _multichoice(quiz, p, name)
                elif len(answer_parts(p)) == 1:
                    _numerical(quiz, p, name)
                else:
                    _cloze(quiz, p, name)
    return bytes(etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _cat_name(s: str) -> str:
    return s.replace("/", "-")
