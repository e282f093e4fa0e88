"""LMS exports parsed back: Moodle XML as Moodle's importer reads it, Canvas QTI as Canvas does,
JSON as other tools do. Every registered generator is covered through the ml-math deck."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from quizgen.build import build_problems
from quizgen.deck import load_deck
from quizgen.export.lms import answer_parts, numeric_range
from quizgen.export.qti import MIN_MAGNITUDE, QTI_NS, choose_scale, qti_zip
from quizgen.grading import accepts
from quizgen.model import Answer, Tolerance
from quizgen.registry import Registry

from .conftest import run_cli

Q = f"{{{QTI_NS}}}"


@pytest.fixture(scope="module")
def built(registry: Registry) -> tuple[object, list]:  # type: ignore[type-arg]
    spec = load_deck("ml-math", registry)
    return spec, build_problems(spec, registry, seed=11, count=3, variants=2)


def test_moodle_round_trip(tmp_path: Path, built: tuple) -> None:  # type: ignore[type-arg]
    spec, items = built
    out = tmp_path / "quiz.xml"
    res = run_cli("export", "ml-math", "--format", "moodle", "-o", str(out), "--seed", "11", "--count", "3",
                  "--variants", "2", "--multichoice")
    assert res.returncode == 0, res.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(raw)
    assert root.tag == "quiz"
    by_id = {p.id + "/" + str(p.version) + "/" + str(p.seed): p for b in items for p in b.variants}
    cats = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert all(c.startswith("$course$/top/quizgen/ML math/") for c in cats)
    numeric = root.findall("question[@type='numerical']") + root.findall("question[@type='cloze']")
    assert len(numeric) == len(by_id)
    for q in root.findall("question[@type='numerical']"):
        p = by_id[q.findtext("idnumber")]
        assert q.find("questiontext").get("format") == "html"
        assert q.findtext("name/text") and q.findtext("generalfeedback/text")
        ans = q.find("answer")
        assert ans.get("fraction") == "100"
        value, tol = float(ans.findtext("text")), float(ans.findtext("tolerance"))
        a0, _, v0 = answer_parts(p)[0]
        r = numeric_range(a0, v0)
        assert math.isclose(value, r.center if r.factor else float(v0), rel_tol=1e-12)
        assert math.isclose(tol, r.margin, rel_tol=1e-12, abs_tol=1e-300)
        # Moodle accepts exactly what we accept (a hair inside the edges)
        for edge in (value - tol * 0.999, value + tol * 0.999):
            assert accepts(a0, [edge] if isinstance(a0.value, list) else edge) or r.factor
        assert q.findtext("showunits") == "3"
    for q in root.findall("question[@type='cloze']"):
        p = by_id[q.findtext("idnumber")]
        text = q.findtext("questiontext/text")
        assert text.count("{1:NUMERICAL:=") == len(answer_parts(p))
    for q in root.findall("question[@type='multichoice']"):
        answers = q.findall("answer")
        assert sum(a.get("fraction") == "100" for a in answers) == 1
        assert len(answers) >= 2
        assert len({a.findtext("text") for a in answers}) == len(answers)


def _items(zbytes: bytes) -> list:  # type: ignore[type-arg]
    z = zipfile.ZipFile(io.BytesIO(zbytes))
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter("{*}file")]
    assert hrefs and all(h in z.namelist() for h in hrefs)
    assert "non_cc_assessments/" in z.namelist()
    xml_name = next(h for h in hrefs if not h.endswith("assessment_meta.xml"))
    root = etree.fromstring(z.read(xml_name))
    assert root.tag == Q + "questestinterop"
    return list(root.iter(Q + "item"))


def test_qti_structure_and_ranges(built: tuple) -> None:  # type: ignore[type-arg]
    spec, items = built
    data = qti_zip(spec, items, seed=11)
    assert data == qti_zip(spec, items, seed=11), "QTI zip must be byte-identical for the same inputs"
    its = _items(data)
    assert len(its) == sum(len(answer_parts(p)) for b in items for p in b.variants)
    assert len({it.get("ident") for it in its}) == len(its)
    for it in its:
        fields = {f.findtext(Q + "fieldlabel"): f.findtext(Q + "fieldentry") for f in it.iter(Q + "qtimetadatafield")}
        assert fields["question_type"] == "numerical_question"
        assert it.find(f".//{Q}render_fib").get("fibtype") == "Decimal"
        eq = float(it.find(f".//{Q}varequal").text)
        gte, lte = it.find(f".//{Q}vargte"), it.find(f".//{Q}varlte")
        assert it.find(f".//{Q}vargt") is None, "vargt/varlte bounds trigger Canvas's precision quirk"
        if gte is not None:
            lo, hi = float(gte.text), float(lte.text)
            assert lo <= eq <= hi
            for v in (lo, hi):
                assert v == 0 or abs(v) >= MIN_MAGNITUDE
            assert "e" not in gte.text.lower() and "e" not in lte.text.lower()
        assert eq == 0 or abs(eq) >= MIN_MAGNITUDE


def test_qti_groups_for_variants(built: tuple) -> None:  # type: ignore[type-arg]
    spec, items = built
    root_items = _items(qti_zip(spec, items, seed=11))
    groups = {it.getparent() for it in root_items} - {it.getparent() for it in root_items
                                                       if it.getparent().get("ident") == "root_section"}
    assert groups, "variants must form question groups"
    assert all(g.find(f"{Q}selection_ordering/{Q}selection/{Q}selection_number").text == "1" for g in groups)


def test_qti_matches_text2qti_structure(tmp_path: Path, built: tuple) -> None:  # type: ignore[type-arg]
    """text2qti (the tool FORMATS.md learned the layout from) builds a numerical item; ours has the
    same element paths."""
    from text2qti.config import Config
    from text2qti.qti import QTI
    from text2qti.quiz import Quiz

    src = "Quiz title: T\n\n1.  What is 2+2?\n=   4 +- 0.5\n"
    ref = QTI(Quiz(src, config=Config())).zip_bytes()

    def paths(zb: bytes) -> set[str]:
        out = set()
        for it in _items(zb)[:1]:
            for el in it.iter():
                tags = []
                e = el
                while e is not None and e is not it:
                    tags.append(etree.QName(e).localname)
                    e = e.getparent()
                out.add("/".join(reversed(tags)))
        return out

    spec, items = built
    single = [b for b in items if len(answer_parts(b.problem)) == 1
              and numeric_range(*answer_parts(b.problem)[0][::2]).margin > 0][:1]
    ours = paths(qti_zip(spec, [type(single[0])(single[0].item, 0, 0, single[0].variants[:1])], seed=1))
    theirs = paths(ref)
    assert theirs <= ours | {"itemfeedback/flow_mat/material/mattext", "itemfeedback/flow_mat/material",
                             "itemfeedback/flow_mat", "itemfeedback"}, theirs - ours


@pytest.mark.parametrize("value, tol, unit, exp_unit", [
    (4.79e-3, Tolerance(rtol=1e-3), "s", "ms"),
    (2.5e-7, Tolerance(rtol=1e-3), "s", "ns"),
    (4e-5, Tolerance(factor=2), "s", "ms"),
    (5.88e22, Tolerance(rtol=1e-3), "FLOP", None),
    (3.5e-7, Tolerance(rtol=1e-3), "nats", None),
    (524288, Tolerance(), "FLOP", "FLOP"),
    (1365.3, Tolerance(rtol=1e-3), "FLOP/byte", "FLOP/byte"),
])
def test_canvas_rescaling(value: float, tol: Tolerance, unit: str, exp_unit: str | None) -> None:
    a = Answer("x", value, unit, tol)
    r = numeric_range(a, value)
    sc = choose_scale(r, unit)
    f = sc.factor
    assert abs(r.low * f) >= MIN_MAGNITUDE and abs(r.high * f) <= 1e15
    assert r.margin == 0 or r.margin * f >= 1e-3
    if exp_unit:
        assert sc.unit == exp_unit
    if sc.exp:
        assert sc.note


def test_json_export_is_show_json(tmp_path: Path) -> None:
    res = run_cli("export", "ml-math", "--format", "json", "-o", "-", "--seed", "3", "--count", "1")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    first = data[0]
    show = run_cli("show", first["id"], "--seed", str(first["seed"]), "--json")
    assert json.loads(show.stdout) == first


@pytest.mark.parametrize("args, expect", [
    (["export", "ml-math", "--format", "qti", "-o", "/nonexistent/dir/q.zip"], "does not exist"),
    (["export", "no-such-deck", "--format", "moodle", "-o", "q.xml"], "unknown deck 'no-such-deck'"),
    (["export", "ml-math", "--format", "moodle", "-o", "-"], "only --format json"),
    (["export", "ml-math", "--format", "qti", "-o", "q.zip", "--multichoice"], "--multichoice is for"),
])
def test_export_errors(tmp_path: Path, args: list[str], expect: str) -> None:
    res = run_cli(*args, cwd=tmp_path)
    assert res.returncode == 2 and expect in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []
