"""Read a Moodle XML file and a Canvas QTI zip back the way the LMSs do (tests/lms_rules.py) and
compare every answer and bound with the problems' ``show --json`` objects. Shared by the small
CLI tests and the 5,000-problem run."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from decimal import Decimal
from typing import Any

from lxml import etree

from .lms_rules import (
    QTI_NS,
    Q,
    canvas_grades,
    canvas_numeric_answers,
    cloze_fields,
    dtd_errors,
    json_bounds,
    moodle_accepts,
    nested_p,
    stated_exp,
)


def _numbers(ans: dict[str, Any]) -> list[tuple[int | None, Any]]:
    if "choices" in ans:
        return []
    v = ans["value"]
    return list(enumerate(v)) if isinstance(v, list) else [(None, v)]


def _label(ans: dict[str, Any], index: int | None) -> str:
    from quizgen.render.labels import label_text

    t = label_text(ans["label"])
    return t if index is None else f"{t}[{index + 1}]"


def _wrong_values(j: dict[str, Any], k: int, index: int | None) -> list[float]:
    """Numbers a student must not get credit for in part (k, index): 0 and the distractors of
    the headline answer."""
    v = j["answers"][k]["value"]
    v = v if index is None else v[index]
    out = [0.0] if v != 0 else []
    if k == 0 and index is None:
        out += [d["value"] for d in j["distractors"] if isinstance(d["value"], (int, float))]
    return out


def check_vector_distractors(j: dict[str, Any], graders: dict[int, Any]) -> None:
    """A vector distractor must fail at least one element (``graders``: index → accepts(x))."""
    v = j["answers"][0]["value"]
    if not isinstance(v, list) or len(graders) != len(v):
        return
    for d in j["distractors"]:
        dv = d["value"]
        if isinstance(dv, list) and len(dv) == len(v):
            assert not all(graders[i](x) for i, x in enumerate(dv)), (j["id"], j["seed"], dv)


def _is_digits_part(ans: dict[str, Any], index: int | None) -> bool:
    v = ans["value"] if index is None else ans["value"][index]
    tol = ans["tolerance"]
    return isinstance(v, int) and abs(v) > 2**53 and "factor" not in tol and not tol.get("sig")


def check_number(text_center: str, text_margin: str, exp: int, ans: dict[str, Any], index: int | None,
                 wrong: list[float], accepts: Any) -> Any:
    """Our center ± margin, in a unit 10^-exp times the answer's, is exactly the show --json
    range; the LMS rule ``accepts(center, margin, x)`` takes the value and rejects ``wrong``."""
    value, lo, hi = json_bounds(ans, index)
    center, margin = Decimal(text_center), Decimal(text_margin)
    assert center - margin == lo.scaleb(exp) and center + margin == hi.scaleb(exp), (ans, index, exp)
    if "factor" not in ans["tolerance"]:
        assert center == value.scaleb(exp)
    c, m = float(center), float(margin)
    assert accepts(c, m, float(value.scaleb(exp))), (ans, index)

    def grade(w: float) -> bool:
        return bool(accepts(c, m, float(Decimal(repr(float(w))).scaleb(exp))))

    for w in wrong:
        assert not grade(w), (ans, index, w)
    return grade


def check_moodle(raw: bytes, problems: list[dict[str, Any]], points: dict[str, float],
                 variant_groups: list[list[str]]) -> dict[str, int]:
    """``points``: problem key → its points; ``variant_groups``: keys of the variants of each entry."""
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(raw)
    assert root.tag == "quiz"
    by_name: dict[str, Any] = {}
    category_of: dict[str, str] = {}
    current = ""
    mc = 0
    for q in root.findall("question"):
        if q.get("type") == "category":
            current = q.findtext("category/text")
            assert current.startswith("$course$/top/quizgen/")
            continue
        name = q.findtext("name/text")
        if name.endswith(" (multiple choice)"):
            mc += 1
            answers = q.findall("answer")
            assert sum(a.get("fraction") == "100" for a in answers) == 1 and len(answers) >= 2
            assert len({a.findtext("text") for a in answers}) == len(answers)
            continue
        assert name not in by_name, name
        by_name[name] = q
        category_of[name] = current
    marks: set[Decimal] = set()
    counts: dict[str, int] = defaultdict(int)
    for j in problems:
        key = f"{j['id']} v{j['version']} seed {j['seed']}"
        q = by_name.pop(key)
        counts[q.get("type")] += 1
        text = q.findtext("questiontext/text")
        assert "Give your answer in units" not in text and " in × 10^" not in text
        if j["id"].startswith("units.") and all(a["measured_on"] is None for a in j["answers"]):
            assert "measured value" not in text + (q.findtext("answer/feedback/text") or "")
        blanks = [(k, i) for k, a in enumerate(j["answers"]) for i in ([None] if "choices" in a else
                                                                       [i for i, _ in _numbers(a)])]
        pts = Decimal(repr(float(points[key])))
        if q.get("type") == "cloze":
            fields = cloze_fields(text)
            assert len(fields) == len(blanks) > 1, (key, fields)
            total = sum(w for w, _, _ in fields)
            assert max(w for w, _, _ in fields) - min(w for w, _, _ in fields) <= 1
            marks.add(Decimal(total) / pts)
            graders: dict[int, Any] = {}
            for (k, i), (_, kind, body) in zip(blanks, fields, strict=True):
                ans = j["answers"][k]
                if "choices" in ans:
                    assert kind == "MULTICHOICE"
                    opts = [o.split("#")[0] for o in body.split("~")]
                    assert sorted(o.lstrip("=") for o in opts) == sorted(ans["choices"])
                    assert [o[1:] for o in opts if o.startswith("=")] == [ans["value"]]
                elif kind == "SHORTANSWER" or _is_digits_part(ans, i):
                    assert kind == "SHORTANSWER"
                    _check_digits(body.split("#")[0].lstrip("="), ans, i)
                else:
                    assert kind == "NUMERICAL"
                    center, margin = body.split("#")[0].lstrip("=").split(":")
                    exp = stated_exp(text, ans["unit"], _label(ans, None))
                    g = check_number(center, margin, exp, ans, i, _wrong_values(j, k, i), moodle_accepts)
                    if k == 0 and i is not None:
                        graders[i] = g
                    _min_mag(center, margin, 1e-6)
            check_vector_distractors(j, graders)
            continue
        marks.add(Decimal(q.findtext("defaultgrade")) / pts)
        assert len(blanks) == 1
        k, i = blanks[0]
        ans = j["answers"][k]
        if q.get("type") == "multichoice":
            right = [a.findtext("text") for a in q.findall("answer") if a.get("fraction") == "100"]
            assert right == [ans["value"]] and "choices" in ans
        elif q.get("type") == "shortanswer" or _is_digits_part(ans, i):
            assert q.get("type") == "shortanswer"
            _check_digits(q.findtext("answer/text"), ans, i)
        else:
            assert q.get("type") == "numerical" and q.findtext("showunits") == "3"
            a = q.find("answer")
            assert a.get("fraction") == "100"
            exp = stated_exp(text, ans["unit"], _label(ans, i), _label(ans, None))
            check_number(a.findtext("text"), a.findtext("tolerance"), exp, ans, i, _wrong_values(j, k, i),
                         moodle_accepts)
            _min_mag(a.findtext("text"), a.findtext("tolerance"), 1e-6)
    assert not by_name, f"questions for no problem: {list(by_name)[:3]}"
    assert len(marks) == 1 and all(m == m.to_integral_value() for m in marks), marks
    for keys in variant_groups:
        if len(keys) > 1:
            cats = {category_of[k] for k in keys}
            assert len(cats) == 1, "variants of one entry share one category (a random slot picks one)"
    counts["multichoice (distractors)"] = mc
    counts["marks factor"] = int(marks.pop())
    return dict(counts)


def _check_digits(text: str, ans: dict[str, Any], index: int | None) -> None:
    v = ans["value"] if index is None else ans["value"][index]
    assert Decimal(text) == (Decimal(v) if isinstance(v, int) else Decimal(repr(float(v)))), (text, v)
    assert re.fullmatch(r"-?\d+(\.\d+)?", text), text


def _min_mag(center: str, margin: str, floor: float) -> None:
    c, m = Decimal(center), Decimal(margin)
    for x in (c, c - m, c + m):
        assert x == 0 or abs(x) >= Decimal(repr(floor)), (center, margin)


def qti_files(zbytes: bytes) -> tuple[bytes, bytes]:
    z = zipfile.ZipFile(io.BytesIO(zbytes))
    for info in z.infolist():
        if not info.filename.endswith("/"):
            assert info.compress_type == zipfile.ZIP_DEFLATED, info.filename
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter("{*}file")]
    assert hrefs and all(h in z.namelist() for h in hrefs)
    assert "non_cc_assessments/" in z.namelist()
    xml_name = next(h for h in hrefs if not h.endswith("assessment_meta.xml"))
    meta_name = next(h for h in hrefs if h.endswith("assessment_meta.xml"))
    return z.read(xml_name), z.read(meta_name)


def check_qti(zbytes: bytes, problems: list[dict[str, Any]], points: dict[str, float],
              variant_groups: list[list[str]], dtd: Any) -> dict[str, int]:
    xml, meta = qti_files(zbytes)
    assert dtd_errors(xml, dtd) == []
    tree = etree.ElementTree(etree.fromstring(xml))
    root = tree.getroot()
    assert root.tag == Q + "questestinterop"
    # the document declares only Canvas's group-points element and the namespace attribute
    internal = etree.fromstring(xml).getroottree().docinfo.internalDTD
    assert internal is not None and [e.name for e in internal.iterelements()] == ["points_per_item"]
    items: dict[str, list[Any]] = defaultdict(list)
    for it in root.iter(Q + "item"):
        title = it.get("title")
        items[title.split(" — ")[0]].append(it)
    key_of = {f"{j['id']} v{j['version']} seed {j['seed']}": j for j in problems}
    counts: dict[str, int] = defaultdict(int)
    total = Decimal(0)
    for keys in variant_groups:
        slot_points: dict[str, Decimal] = {}
        for key in keys:
            j = key_of[key]
            its = items.pop(f"{j['id']} seed {j['seed']}")
            blanks = [(k, i) for k, a in enumerate(j["answers"]) for i in ([None] if "choices" in a else
                                                                           [i for i, _ in _numbers(a)])]
            assert len(its) == len(blanks), key
            item_points = []
            vgraders: dict[int, Any] = {}
            for it, (k, i) in zip(its, blanks, strict=True):
                ans = j["answers"][k]
                if len(keys) > 1:
                    sec = it.getparent()
                    assert sec.get("ident") != "root_section", "with variants every item is in a group"
                    assert sec.findtext(f"{Q}selection_ordering/{Q}selection/{Q}selection_number") == "1"
                    ppi = sec.findtext(f"{Q}selection_ordering/{Q}selection/{Q}selection_extension/{Q}points_per_item")
                fields = {f.findtext(Q + "fieldlabel"): f.findtext(Q + "fieldentry")
                          for f in it.iter(Q + "qtimetadatafield")}
                item_points.append(Decimal(fields["points_possible"]))
                slot_points[it.getparent().get("ident") if len(keys) > 1 else it.get("ident")] = item_points[-1]
                if len(keys) > 1:
                    assert ppi == fields["points_possible"]
                text = it.findtext(f"{Q}presentation/{Q}material/{Q}mattext")
                assert not nested_p(text), key
                assert "Give your answer in units" not in text and " in × 10^" not in text
                assert sum(text.count(f"Give {lab} in ") for lab in {_label(ans, i), _label(ans, None)}) <= 1
                if j["id"].startswith("units.") and ans["measured_on"] is None:
                    assert "measured value" not in text
                qtype = fields["question_type"]
                counts[qtype] += 1
                if "choices" in ans:
                    assert qtype == "multiple_choice_question"
                    labels = {lab.get("ident"): lab.findtext(f"{Q}material/{Q}mattext")
                              for lab in it.iter(Q + "response_label")}
                    assert sorted(labels.values()) == sorted(ans["choices"])
                    right = [c.findtext(f"{Q}conditionvar/{Q}varequal") for c in it.iter(Q + "respcondition")
                             if c.findtext(Q + "setvar") == "100"]
                    assert [labels[r] for r in right] == [ans["value"]]
                elif qtype == "short_answer_question" or _is_digits_part(ans, i):
                    assert qtype == "short_answer_question"
                    right = [c.findtext(f"{Q}conditionvar/{Q}varequal") for c in it.iter(Q + "respcondition")
                             if c.findtext(Q + "setvar") == "100"]
                    assert len(right) == 1
                    _check_digits(right[0], ans, i)
                else:
                    assert qtype == "numerical_question"
                    assert it.find(f".//{Q}vargt") is None
                    answers = canvas_numeric_answers(it)
                    assert len(answers) == 1, "Canvas's importer must find the answer"
                    cv = [c for c in it.iter(Q + "respcondition") if c.findtext(Q + "setvar") == "100"][0]
                    orr = cv.find(f"{Q}conditionvar/{Q}or")
                    lo, hi = orr.findtext(f"{Q}and/{Q}vargte"), orr.findtext(f"{Q}and/{Q}varlte")
                    center = orr.findtext(Q + "varequal")
                    for t in (lo, hi, center):
                        assert re.fullmatch(r"-?\d+(\.\d+)?", t), t
                    exp = stated_exp(text, ans["unit"], _label(ans, i), _label(ans, None))
                    value, jlo, jhi = json_bounds(ans, i)
                    assert Decimal(lo) == jlo.scaleb(exp) and Decimal(hi) == jhi.scaleb(exp), (key, lo, hi)
                    if "factor" not in ans["tolerance"]:
                        assert Decimal(center) == value.scaleb(exp)
                    x = float(value.scaleb(exp))
                    assert canvas_grades(answers, x)

                    def grade(w: float, answers: Any = answers, exp: int = exp) -> bool:
                        return canvas_grades(answers, float(Decimal(repr(float(w))).scaleb(exp)))

                    for w in _wrong_values(j, k, i):
                        assert not grade(w), (key, w)
                    if k == 0 and i is not None:
                        vgraders[i] = grade
                    for t in (lo, hi, center):
                        assert Decimal(t) == 0 or Decimal("1e-4") <= abs(Decimal(t)) <= Decimal("1e15"), (key, t)
                    margin = (Decimal(hi) - Decimal(lo)) / 2
                    assert margin == 0 or margin >= Decimal("1e-3")
                    if exp and abs(value) > Decimal("1e15") and re.search(r"\(1 \S+ = 10\^", text):
                        assert 1 <= abs(value.scaleb(exp)) < 1000, "pick the SI prefix that gives 1-1000"
            check_vector_distractors(j, vgraders)
        # one item (or group) per part: what a student gets adds up to the problem's points
        assert abs(sum(slot_points.values()) - Decimal(repr(float(points[keys[0]])))) < Decimal("1e-12"), keys
        total += Decimal(repr(float(points[keys[0]])))
    assert not items, f"items for no problem: {list(items)[:3]}"
    m = etree.fromstring(meta)
    assert abs(Decimal(m.findtext("{*}points_possible")) - total) < Decimal("0.05")
    return dict(counts)


def problem_tables(built: Any, spec: Any) -> tuple[list[dict[str, Any]], dict[str, float], list[list[str]]]:
    """show --json objects of every problem, their points, and the keys of each entry's variants."""
    problems, points, groups = [], {}, []
    for b in built:
        keys = []
        for p in b.variants:
            j = p.to_json()
            key = f"{j['id']} v{j['version']} seed {j['seed']}"
            problems.append(j)
            points[key] = b.item.points if b.item.points is not None else spec.quiz.points
            keys.append(key)
        groups.append(keys)
    return problems, points, groups


__all__ = ["QTI_NS", "check_moodle", "check_qti", "problem_tables", "qti_files"]
