"""Canvas QTI 1.2 (.zip): the layout text2qti writes for Canvas (FORMATS.md §5, docs/lms.md). Each
graded number is a ``numerical_question`` written in the one shape Canvas's importer reads
(``<or><varequal/><and><vargte/><varlte/></and></or>``, exact answers too); an integer beyond 2^53
is a ``short_answer_question`` with its exact digits; a categorical part is a
``multiple_choice_question``. K variants of an item form question groups that give each student
one; math is Canvas's ``equation_image``; values are rescaled into a unit that Canvas stores
precisely (nothing below 1e-4, nothing above 1e15). Example::

    quizgen export ml-math --format qti -o quiz.zip --variants 3
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import zipfile
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from quizgen.build import Built
from quizgen.deck import DeckSpec
from quizgen.export.lms import (
    NumericRange,
    Part,
    Scale,
    choose_scale,
    dec_text,
    num_text,
    numeric_range,
    part_label,
    parts,
    problem_points,
)
from quizgen.model import Answer, Problem
from quizgen.render.html import md_to_html
from quizgen.render.numbers import plain

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
MIN_MAGNITUDE = 1e-4  # classic Canvas quizzes turn smaller typed answers into 0 (text2qti #51)
MIN_MARGIN = 1e-3     # the iOS app cuts typed numbers to 4 decimals: keep the margin well above that
MAX_MAGNITUDE = 1e15  # integers above 2^53 are not exact as floats
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DTD_SYSTEM = "ims_qtiasiv1p2p1.dtd"
# The IMS DTD declares <selection_extension> as ANY: any element the document declares. Canvas's
# group points (<points_per_item>) is such a vendor element, so the document declares it (and the
# namespace attribute) in its internal subset and stays valid against the IMS QTI 1.2.1 DTD.
DOCTYPE = (f'<!DOCTYPE questestinterop SYSTEM "{DTD_SYSTEM}" [\n'
           f'<!ATTLIST questestinterop xmlns CDATA #FIXED "{QTI_NS}">\n'
           "<!ELEMENT points_per_item (#PCDATA)>\n]>")


def canvas_scale(a: Answer, label: str) -> tuple[Scale, list[NumericRange]]:
    """The unit Canvas asks part ``a`` in, and its exact ranges (one per element)."""
    ranges = [numeric_range(a, v) for v in a.values]
    sc = choose_scale(ranges, a.unit, label, min_mag=MIN_MAGNITUDE, max_mag=MAX_MAGNITUDE, min_margin=MIN_MARGIN)
    return sc, ranges


@functools.lru_cache(maxsize=8192)
def _equation(tex: str, display: bool) -> str:
    src = "/equation_images/" + quote(quote(tex, safe=""), safe="")
    esc = html.escape(tex, quote=True)
    img = (f'<img class="equation_image" title="{esc}" src="{src}" alt="LaTeX: {esc}" '
           f'data-equation-content="{esc}">')
    # A block-level <p> cannot sit inside the paragraph the formula is in: a block span can.
    return f'<span style="display:block;text-align:center">{img}</span>' if display else img


@functools.lru_cache(maxsize=1024)
def canvas_html(markdown: str) -> str:
    def math_(m: str) -> str:
        return _equation(m[2:-2].strip(), m.startswith("\\["))

    return md_to_html(markdown, math=math_)


def _ident(*parts_: object) -> str:
    return "qg_" + hashlib.sha256(repr(parts_).encode()).hexdigest()[:20]


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


def points_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _item(section: Any, p: Problem, part: Part, n_parts: int, points: float) -> None:
    a = part.answer
    label = part.label
    ident = _ident(p.id, p.version, p.seed, label)
    title = f"{p.id} seed {p.seed}" + (f" — {label}" if n_parts > 1 else "")
    item = _el(section, "item", ident=ident, title=title)
    kind = part.kind
    if kind == "number":
        sc, ranges = canvas_scale(a, part_label(a, None) if part.index is None else label)
        if not sc.ok:
            kind = "text"   # no unit keeps it inside what Canvas stores: ask for the exact digits
    qtype = {"number": "numerical_question", "text": "short_answer_question",
             "choice": "multiple_choice_question"}[kind]
    choice_ids = [f"{ident}_c{i}" for i in range(len(a.choices))]
    _meta(item, {"question_type": qtype, "points_possible": points_text(points),
                 "original_answer_ids": ",".join(choice_ids) if kind == "choice" else f"{ident}_answer",
                 "assessment_question_identifierref": f"{ident}_ref"})
    pres = _el(item, "presentation")
    feedback = canvas_html(p.solution)
    if kind == "choice":
        _material(pres, canvas_html(p.question) + f"<p><em>{html.escape(f'Choose {label}.')}</em></p>")
        lid = _el(pres, "response_lid", ident="response1", rcardinality="Single")
        rc = _el(lid, "render_choice")
        for cid, c in zip(choice_ids, a.choices, strict=True):
            _material(_el(rc, "response_label", ident=cid), html.escape(c))
        right = choice_ids[a.choices.index(str(a.value))]
    else:
        if kind == "text":
            unit = f" in {a.unit}" if a.unit else ""
            ask = f"Give {label}{unit} exactly, every digit, as a plain decimal with no separators."
        else:
            r = ranges[part.index or 0].scaled(sc.exp)
            ask = sc.sentence
            if r.factor is not None:
                what = "Measured value" if a.measured_on is not None else "Exact value"
                feedback += f"<p>{what}: {html.escape(plain(float(r.value)))} {html.escape(sc.unit or '')}</p>"
        _material(pres, canvas_html(p.question) + (f"<p><em>{html.escape(ask)}</em></p>" if ask else ""))
        resp = _el(pres, "response_str", ident="response1", rcardinality="Single")
        fib = _el(resp, "render_fib", fibtype="Decimal") if kind == "number" else _el(resp, "render_fib")
        _el(fib, "response_label", ident="answer1")
    proc = _el(item, "resprocessing")
    _el(_el(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    fb = _el(proc, "respcondition", **{"continue": "Yes"})
    _el(_el(fb, "conditionvar"), "other")
    _el(fb, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    cond = _el(proc, "respcondition", **{"continue": "No"})
    cv = _el(cond, "conditionvar")
    if kind == "choice":
        _el(cv, "varequal", right, respident="response1")
    elif kind == "text":
        _el(cv, "varequal", num_text(part.value) if not isinstance(part.value, str) else part.value,
            respident="response1")
    else:
        # Canvas's importer reads a numeric answer only from this <or>/<and> shape; a bare
        # <varequal> imports as no answer at all. Exact answers too (lo = hi = value).
        orr = _el(cv, "or")
        _el(orr, "varequal", dec_text(r.center), respident="response1")
        andd = _el(orr, "and")
        _el(andd, "vargte", dec_text(r.low), respident="response1")
        _el(andd, "varlte", dec_text(r.high), respident="response1")
    _el(cond, "setvar", "100", action="Set", varname="SCORE")
    fbi = _el(item, "itemfeedback", ident="general_fb")
    _material(_el(fbi, "flow_mat"), feedback)


def _points(spec: DeckSpec, b: Built) -> float:
    return problem_points(b.item.points, spec.quiz.points)


def _slots(b: Built) -> dict[str, list[tuple[Problem, Part, int]]]:
    """Items of one deck entry by part label: each label is one question of the quiz."""
    slots: dict[str, list[tuple[Problem, Part, int]]] = {}
    for p in b.variants:
        ps = parts(p)
        for part in ps:
            slots.setdefault(part.label, []).append((p, part, len(ps)))
    return slots


def _assessment(spec: DeckSpec, built: Sequence[Built], ident: str) -> bytes:
    from lxml import etree

    root = etree.Element(f"{{{QTI_NS}}}questestinterop", nsmap={None: QTI_NS})
    asmt = _el(root, "assessment", ident=ident, title=spec.quiz.title or spec.name)
    md = _el(asmt, "qtimetadata")
    f = _el(md, "qtimetadatafield")
    _el(f, "fieldlabel", "cc_maxattempts")
    _el(f, "fieldentry", "1")
    rootsec = _el(asmt, "section", ident="root_section")
    for b in built:
        # One item per graded part, worth the problem's points over its parts. With variants,
        # every part is a question group that picks one variant of that part (every item
        # restates the whole question, so each stands on its own); variants share the first
        # one's form, so they have the same parts.
        slots = _slots(b)
        pts = _points(spec, b) / len(slots)
        for label, entries in slots.items():
            target = rootsec
            if len(b.variants) > 1:
                target = _el(rootsec, "section", ident=_ident("group", b.item_index, b.copy, label),
                             title=f"{b.problem.id} #{b.item_index + 1}.{b.copy + 1} {label}")
                sel = _el(_el(target, "selection_ordering"), "selection")
                _el(sel, "selection_number", "1")
                _el(_el(sel, "selection_extension"), "points_per_item", points_text(pts))
            for p, part, n_parts in entries:
                _item(target, p, part, n_parts, pts)
    text = etree.tostring(root, encoding="unicode", pretty_print=True)
    return f"<?xml version='1.0' encoding='UTF-8'?>\n{DOCTYPE}\n{text}".encode()


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
    """The Canvas import package as bytes (byte-identical for the same inputs, deflated)."""
    ident = _ident("assessment", spec.name, seed)
    dep = ident + "_meta"
    total = sum(_points(spec, b) for b in built)
    files = [
        ("imsmanifest.xml", _manifest(ident, dep)),
        ("non_cc_assessments/", b""),
        (f"{ident}/assessment_meta.xml", _assessment_meta(spec, ident, total)),
        (f"{ident}/{ident}.xml", _assessment(spec, built, ident)),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            # A ZipInfo passed to writestr carries its own compress_type (default: stored),
            # which overrides the ZipFile's compression: set it on each entry.
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            if name.endswith("/"):
                info.external_attr = 0o40755 << 16 | 0x10
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
            zf.writestr(info, data, compress_type=None if name.endswith("/") else zipfile.ZIP_DEFLATED)
    return buf.getvalue()
