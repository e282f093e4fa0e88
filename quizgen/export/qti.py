"""Canvas QTI 1.2 (.zip): the layout text2qti writes for Canvas (FORMATS.md §5). Each graded number
is a ``numerical_question`` with an exact answer and a margin; K variants of an item form a question
group that gives each student one; math is Canvas's ``equation_image``; values are rescaled into a
unit that Canvas stores precisely (nothing below 1e-4, nothing above 1e15). Example::

    quizgen export ml-math --format qti -o quiz.zip --variants 3
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from quizgen.build import Built
from quizgen.deck import DeckSpec
from quizgen.export.lms import NumericRange, answer_parts, numeric_range, part_label
from quizgen.model import Answer, Number, Problem
from quizgen.render.html import md_to_html
from quizgen.render.numbers import plain

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
MIN_MAGNITUDE = 1e-4  # classic Canvas quizzes turn smaller typed answers into 0 (text2qti #51)
MIN_MARGIN = 1e-3     # the iOS app cuts typed numbers to 4 decimals: keep the margin well above that
MAX_MAGNITUDE = 1e15  # integers above 2^53 are not exact as floats
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_PREFIX = {-24: "y", -21: "z", -18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "",
           3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E", 21: "Z", 24: "Y"}
_BASE_UNITS = ("FLOP/s", "FLOP", "B/s", "B", "s")


@dataclass(frozen=True)
class Scaled:
    """An answer rescaled for Canvas: multiply values by ``factor``; ``unit`` is the new unit text."""

    exp: int
    unit: str | None
    note: str

    @property
    def factor(self) -> float:
        return 10.0**self.exp


def _split_prefix(unit: str) -> tuple[int, str] | None:
    for base in _BASE_UNITS:
        if unit == base:
            return 0, base
        if unit.endswith(base) and len(unit) == len(base) + 1:
            for e, p in _PREFIX.items():
                if p and unit[0] == p:
                    return e, base
    return None


def _ok(r: NumericRange, exp: int) -> bool:
    f = 10.0**exp
    vals = [abs(r.low * f), abs(r.high * f), abs(float(r.value) * f)]
    if any(v != 0 and (v < MIN_MAGNITUDE or v > MAX_MAGNITUDE) for v in vals):
        return False
    return r.margin == 0 or r.margin * f >= MIN_MARGIN


def choose_scale(r: NumericRange, unit: str | None) -> Scaled:
    """The power of 1000 closest to 1 that keeps the answer inside Canvas's precision."""
    for exp in sorted(range(-300, 301, 3), key=abs):
        if _ok(r, exp):
            break
    else:
        exp = 0
    if exp == 0:
        return Scaled(0, unit, "")
    parsed = _split_prefix(unit) if unit else None
    if parsed is not None and (parsed[0] - exp) in _PREFIX:
        new_unit = _PREFIX[parsed[0] - exp] + parsed[1]
        note = f"Give your answer in {new_unit} (1 {new_unit} = 10^{-exp} {parsed[1]})."
        return Scaled(exp, new_unit, note)
    what = f"10^{-exp} {unit}" if unit else f"10^{-exp}"
    return Scaled(exp, f"× 10^{-exp} {unit or ''}".strip(), f"Give your answer in units of {what}.")


def _dec(x: float) -> str:
    """Plain decimal text (no exponent), as Canvas expects."""
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 2**53:
        return str(int(x))
    digits = max(0, 15 - int(math.floor(math.log10(abs(x)))))
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return s


def _equation(tex: str, display: bool) -> str:
    src = "/equation_images/" + quote(quote(tex, safe=""), safe="")
    esc = html.escape(tex, quote=True)
    img = (f'<img class="equation_image" title="{esc}" src="{src}" alt="LaTeX: {esc}" '
           f'data-equation-content="{esc}">')
    return f'<p style="text-align:center">{img}</p>' if display else img


def canvas_html(markdown: str) -> str:
    def math_(m: str) -> str:
        return _equation(m[2:-2].strip(), m.startswith("\\["))

    return md_to_html(markdown, math=math_)


def _ident(*parts: object) -> str:
    return "qg_" + hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    from lxml import etree

    e = etree.SubElement(parent, f"{{{QTI_NS}}}{tag}", **attrs)
    if text is not None:
        e.text = text
    return e


def _meta(parent: Any, fields: dict[str, str]) -> None:
    md = _el(_el(parent, "itemmetadata"), "qtimetadata")
    for k, v in fields.items():
        f = _el(md, "qtimetadatafield")
        _el(f, "fieldlabel", k)
        _el(f, "fieldentry", v)


def _material(parent: Any, html_text: str) -> None:
    _el(_el(parent, "material"), "mattext", html_text, texttype="text/html")


def _item(section: Any, p: Problem, a: Answer, index: int | None, value: Number, n_parts: int,
          points: float) -> None:
    r = numeric_range(a, value)
    sc = choose_scale(r, a.unit)
    f = sc.factor
    label = part_label(a, index)
    ident = _ident(p.id, p.version, p.seed, label)
    title = f"{p.id} seed {p.seed}" + (f" — {label}" if n_parts > 1 else "")
    item = _el(section, "item", ident=ident, title=title)
    _meta(item, {"question_type": "numerical_question", "points_possible": f"{points:g}",
                 "original_answer_ids": f"{ident}_answer", "assessment_question_identifierref": f"{ident}_ref"})
    unit = sc.unit or a.unit
    ask = f"Give {label}" + (f" in {unit}" if unit else "") + "."
    if sc.note:
        ask += f" {sc.note}"
    if r.factor is not None:
        ask += f" Answers within a factor of {r.factor:g} of the measured value are accepted."
    pres = _el(item, "presentation")
    _material(pres, canvas_html(p.question) + f"<p><em>{html.escape(ask)}</em></p>")
    resp = _el(pres, "response_str", ident="response1", rcardinality="Single")
    _el(_el(resp, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    proc = _el(item, "resprocessing")
    _el(_el(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    fb = _el(proc, "respcondition", **{"continue": "Yes"})
    _el(_el(fb, "conditionvar"), "other")
    _el(fb, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    cond = _el(proc, "respcondition", **{"continue": "No"})
    cv = _el(cond, "conditionvar")
    center = r.center * f if r.factor is not None else float(value) * f
    if r.margin == 0:
        _el(cv, "varequal", _dec(center), respident="response1")
    else:
        orr = _el(cv, "or")
        _el(orr, "varequal", _dec(center), respident="response1")
        andd = _el(orr, "and")
        _el(andd, "vargte", _dec(r.low * f), respident="response1")
        _el(andd, "varlte", _dec(r.high * f), respident="response1")
    _el(cond, "setvar", "100", action="Set", varname="SCORE")
    feedback = canvas_html(p.solution)
    if r.factor is not None:
        feedback += f"<p>Measured value: {plain(float(value) * f)} {unit or ''}.</p>"
    fbi = _el(item, "itemfeedback", ident="general_fb")
    _material(_el(fbi, "flow_mat"), feedback)


def _assessment(spec: DeckSpec, built: Sequence[Built], ident: str, points: float) -> bytes:
    from lxml import etree

    root = etree.Element(f"{{{QTI_NS}}}questestinterop", nsmap={None: QTI_NS})
    asmt = _el(root, "assessment", ident=ident, title=spec.quiz.title or spec.name)
    md = _el(asmt, "qtimetadata")
    f = _el(md, "qtimetadatafield")
    _el(f, "fieldlabel", "cc_maxattempts")
    _el(f, "fieldentry", "1")
    rootsec = _el(asmt, "section", ident="root_section")
    for b in built:
        # One numerical item per graded number. Variants can differ in their parts (a vector's
        # length), so items are grouped by part label: each group picks one variant of that part,
        # and every item restates the whole question, so each stands on its own.
        slots: dict[str, list[tuple[Problem, Answer, int | None, Number, int]]] = {}
        for p in b.variants:
            parts = answer_parts(p)
            for a, idx, v in parts:
                slots.setdefault(part_label(a, idx), []).append((p, a, idx, v, len(parts)))
        for label, entries in slots.items():
            target = rootsec
            if len(entries) > 1:
                target = _el(rootsec, "section", ident=_ident("group", b.item_index, b.copy, label),
                             title=f"{b.problem.id} #{b.item_index + 1}.{b.copy + 1} {label}")
                sel = _el(_el(target, "selection_ordering"), "selection")
                _el(sel, "selection_number", "1")
                _el(_el(sel, "selection_extension"), "points_per_item", f"{points:g}")
            for p, a, idx, v, n_parts in entries:
                _item(target, p, a, idx, v, n_parts, points)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _manifest(ident: str, dep: str) -> bytes:
    from lxml import etree

    m = etree.Element(f"{{{CP_NS}}}manifest", nsmap={None: CP_NS}, identifier=f"{ident}_manifest")
    etree.SubElement(m, f"{{{CP_NS}}}metadata")
    etree.SubElement(m, f"{{{CP_NS}}}organizations")
    res = etree.SubElement(m, f"{{{CP_NS}}}resources")
    r1 = etree.SubElement(res, f"{{{CP_NS}}}resource", identifier=ident, type="imsqti_xmlv1p2")
    etree.SubElement(r1, f"{{{CP_NS}}}file", href=f"{ident}/{ident}.xml")
    etree.SubElement(r1, f"{{{CP_NS}}}dependency", identifierref=dep)
    r2 = etree.SubElement(res, f"{{{CP_NS}}}resource", identifier=dep,
                          type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                          href=f"{ident}/assessment_meta.xml")
    etree.SubElement(r2, f"{{{CP_NS}}}file", href=f"{ident}/assessment_meta.xml")
    return bytes(etree.tostring(m, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _assessment_meta(spec: DeckSpec, ident: str, points_total: float) -> bytes:
    from lxml import etree

    q = etree.Element(f"{{{CANVAS_NS}}}quiz", nsmap={None: CANVAS_NS}, identifier=ident)

    def sub(tag: str, text: str) -> None:
        etree.SubElement(q, f"{{{CANVAS_NS}}}{tag}").text = text

    sub("title", spec.quiz.title or spec.name)
    sub("description", html.escape(spec.quiz.instructions or spec.description))
    sub("shuffle_answers", "false")
    sub("scoring_policy", "keep_highest")
    sub("hide_results", "")
    sub("quiz_type", "assignment")
    sub("points_possible", f"{points_total:.1f}")
    sub("show_correct_answers", "true")
    sub("allowed_attempts", "1")
    sub("one_question_at_a_time", "false")
    sub("cant_go_back", "false")
    sub("available", "false")
    return bytes(etree.tostring(q, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def qti_zip(spec: DeckSpec, built: Sequence[Built], seed: int) -> bytes:
    """The Canvas import package as bytes (byte-identical for the same inputs)."""
    ident = _ident("assessment", spec.name, seed)
    dep = ident + "_meta"
    points = float(spec.quiz.points)
    n_slots = sum(len({part_label(a, i) for p in b.variants for a, i, _ in answer_parts(p)}) for b in built)
    files = [
        ("imsmanifest.xml", _manifest(ident, dep)),
        ("non_cc_assessments/", b""),
        (f"{ident}/assessment_meta.xml", _assessment_meta(spec, ident, points * n_slots)),
        (f"{ident}/{ident}.xml", _assessment(spec, built, ident, points)),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data)
    return buf.getvalue()
