"""LMS exports read back as the LMSs read them (tests/lms_rules.py: Moodle's numerical grader and
cloze weights, Canvas's numeric importer and grader, the IMS QTI 1.2.1 DTD) and compared, answer
by answer and bound by bound, with ``show --json``. Every generator is covered through ml-math."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from quizgen.build import Built, build_problems
from quizgen.deck import load_deck, parse_deck
from quizgen.export.lms import choose_scale, numeric_range
from quizgen.export.moodle import marks_factor, moodle_xml
from quizgen.export.qti import MIN_MAGNITUDE, MIN_MARGIN, qti_zip
from quizgen.model import Answer, Distractor, Tolerance
from quizgen.registry import Registry

from .conftest import run_cli
from .lms_check import check_moodle, check_qti, problem_tables, qti_files
from .lms_rules import Q, canvas_grades, canvas_numeric_answers, dtd_errors, moodle_accepts, qti_dtd


@pytest.fixture(scope="module")
def dtd() -> Path:
    return qti_dtd()


def _run_both(tmp_path: Path, *extra: str) -> tuple[bytes, bytes]:
    out = []
    for fmt, name in (("moodle", "q.xml"), ("qti", "q.zip")):
        args = ["export", "ml-math", "--format", fmt, "-o", str(tmp_path / name), *extra]
        if fmt == "moodle":
            args.append("--multichoice")
        res = run_cli(*args)
        assert res.returncode == 0, res.stderr
        out.append((tmp_path / name).read_bytes())
    return out[0], out[1]


def test_cli_exports_match_show_json(tmp_path: Path, registry: Registry, dtd: Path) -> None:
    """The real CLI, with variants and multichoice: every answer and bound equals the JSON
    export's (which is `show --json`, see test_json_export_is_show_json)."""
    xml, zbytes = _run_both(tmp_path, "--seed", "11", "--count", "1", "--variants", "2")
    res = run_cli("export", "ml-math", "--format", "json", "-o", str(tmp_path / "q.json"), "--seed", "11",
                  "--count", "1", "--variants", "2")
    assert res.returncode == 0, res.stderr
    problems = json.loads((tmp_path / "q.json").read_text())
    spec = load_deck("ml-math", registry)
    built = build_problems(spec, registry, seed=11, count=1, variants=2)
    mine, points, groups = problem_tables(built, spec)
    assert mine == problems
    check_moodle(xml, problems, points, groups)
    check_qti(zbytes, problems, points, groups, dtd)


def _extra_problems(registry: Registry) -> list[Built]:
    """Cases ml-math may not draw: a categorical part, 2^53 + 1, a tiny answer with a close
    distractor, a huge one, exact zero-margin answers, a vector."""
    spec = load_deck("ml-math", registry)
    item = spec.items[0]
    base = registry.get("flops.matmul").problem(1)
    big = registry.get("numerics.max_exact_integer").problem(2, {"dtype": "float64"})
    assert big.answers[1].value == 2**53 + 1
    cases = [
        dataclasses.replace(base, seed=101, answers=[base.answers[0], Answer(
            "regime", "memory-bound", None, choices=("compute-bound", "memory-bound"))]),
        dataclasses.replace(base, seed=102, answers=[Answer(
            "regime", "compute-bound", None, choices=("compute-bound", "memory-bound"))], distractors=[]),
        big,
        dataclasses.replace(base, seed=103, answers=[Answer("p", 2.9e-39, "s")],
                            distractors=[Distractor(2.85e-39, "rounding"), Distractor(2.9e-36, "units")]),
        dataclasses.replace(base, seed=104, answers=[Answer("C", 7.7e19, "FLOP")],
                            distractors=[Distractor(7.7e16, "k"), Distractor(7.6e19, "close")]),
        dataclasses.replace(base, seed=105, answers=[Answer("n", 524288, "FLOP", Tolerance(why="count")),
                                                     Answer("AUROC", 0.0123, None)],
                            distractors=[Distractor(524287, "off by one"), Distractor(262144, "macs")]),
        dataclasses.replace(base, seed=106, answers=[Answer("g", [1.5e-5, -2.25e-7, 0.0], "nats")],
                            distractors=[Distractor([1.6e-5, -2.25e-7, 0.0], "sign")]),
    ]
    return [Built(item, 1000 + n, 0, (p,)) for n, p in enumerate(cases)]


def test_importer_rules_on_edge_cases(registry: Registry, dtd: Path) -> None:
    spec = load_deck("ml-math", registry)
    built = _extra_problems(registry)
    problems, points, groups = problem_tables(built, spec)
    xml = moodle_xml(spec, built, multichoice=True)
    zbytes = qti_zip(spec, built, seed=1)
    mc = check_moodle(xml, problems, points, groups)
    qc = check_qti(zbytes, problems, points, groups, dtd)
    assert mc["cloze"] >= 3 and mc["multichoice"] == 1 and mc["numerical"] >= 2
    assert qc["multiple_choice_question"] == 2 and qc["short_answer_question"] == 2  # 2^53 and 2^53 + 1
    # 2^53 + 1 survives, digit for digit, in both files
    assert b"9007199254740993" in xml
    assert b"9007199254740993" in qti_files(zbytes)[0]
    # the tiny answer is asked in a unit that keeps it >= 1e-6 (Moodle) and says so
    root = etree.fromstring(xml)
    tiny = next(q for q in root.iter("question") if q.findtext("name/text") == "flops.matmul v2 seed 103"
                or q.findtext("name/text", "").endswith("seed 103"))
    assert "Give p in units of 10^-39 s." in tiny.findtext("questiontext/text")
    # 7.7e19 FLOP: 77 EFLOP, not 7.7e13 MFLOP
    qti_xml = qti_files(zbytes)[0].decode()
    assert "Give C in EFLOP (1 EFLOP = 10^18 FLOP)." in qti_xml
    assert "MFLOP" not in qti_xml


def test_moodle_slack_needs_rescaling() -> None:
    """Why the rescaling: in seconds Moodle's absolute slack accepts 0 and the distractor."""
    assert moodle_accepts(2.9e-39, 5e-42, 0.0) and moodle_accepts(2.9e-39, 5e-42, 2.85e-39)
    assert not moodle_accepts(2.9, 0.005, 0.0) and not moodle_accepts(2.9, 0.005, 2.85)


def test_canvas_reads_only_or_blocks() -> None:
    """The emulated importer finds no answer in a bare <varequal> (what we used to write for
    exact answers) and finds lo = hi = value in the <or> shape we write now."""
    bare = etree.fromstring(f'<item xmlns="{Q[1:-1]}"><resprocessing><respcondition><conditionvar>'
                            '<varequal respident="r">5</varequal></conditionvar>'
                            '<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>')
    assert canvas_numeric_answers(bare) == []
    spec_item = _single(Answer("n", 524288, "FLOP", Tolerance(why="count")))
    its = list(etree.fromstring(qti_files(qti_zip(*spec_item, seed=1))[0]).iter(Q + "item"))
    answers = canvas_numeric_answers(its[0])
    assert answers == [(524288.0, 0.0)]
    assert canvas_grades(answers, 524288) and not canvas_grades(answers, 524287)


def _single(a: Answer) -> tuple[Any, list[Built]]:
    from quizgen.registry import load_registry

    reg = load_registry()
    spec = load_deck("ml-math", reg)
    p = dataclasses.replace(reg.get("flops.matmul").problem(1), answers=[a], distractors=[])
    return spec, [Built(spec.items[0], 0, 0, (p,))]


def test_cloze_weights_total_the_points(registry: Registry) -> None:
    """Moodle's cloze mark is the sum of its field weights (defaultgrade is ignored): with
    6 points per question the weights add up to 6 exactly; with the default 1 point every
    question's mark is the same multiple of its points."""
    text = ('[deck]\nname = "W"\nseed = 1\n[quiz]\npoints = 6\n'
            '[[items]]\ngenerator = "optim.linreg_gradient"\ncount = 3\n'
            '[[items]]\ngenerator = "numerics.max_exact_integer"\ncount = 3\n'
            '[[items]]\ngenerator = "flops.matmul"\ncount = 2\n')
    spec = parse_deck(text, registry)
    built = build_problems(spec, registry, seed=3, variants=2)
    assert marks_factor(spec, built) == 1
    problems, points, groups = problem_tables(built, spec)
    counts = check_moodle(moodle_xml(spec, built), problems, points, groups)
    assert counts["marks factor"] == 1 and counts["cloze"] > 0
    one = parse_deck(text.replace("points = 6", "points = 1"), registry)
    built1 = build_problems(one, registry, seed=3, variants=2)
    assert check_moodle(moodle_xml(one, built1), *problem_tables(built1, one)[:3])["marks factor"] >= 2


def test_variants_share_the_first_form(registry: Registry) -> None:
    spec = load_deck("ml-math", registry)
    for b in build_problems(spec, registry, seed=4, count=1, variants=3):
        gen = registry.get(b.problem.id)
        forms = [gen.form_of(p.params) for p in b.variants]
        assert all(f == forms[0] for f in forms), b.problem.id
        assert len({p.seed for p in b.variants}) == len(b.variants)


def test_qti_zip_is_deflated_and_reproducible(registry: Registry) -> None:
    spec = load_deck("ml-math", registry)
    built = build_problems(spec, registry, seed=11, count=1)
    data = qti_zip(spec, built, seed=11)
    assert data == qti_zip(spec, built, seed=11), "QTI zip must be byte-identical for the same inputs"
    z = zipfile.ZipFile(io.BytesIO(data))
    big = max(z.infolist(), key=lambda i: i.file_size)
    assert big.compress_type == zipfile.ZIP_DEFLATED and big.compress_size < big.file_size / 5
    assert z.testzip() is None


def test_dtd_check_catches_undeclared_extension(registry: Registry, dtd: Path) -> None:
    """The validator is real: Canvas's <points_per_item> without its declaration is an error."""
    spec = load_deck("ml-math", registry)
    xml = qti_files(qti_zip(spec, build_problems(spec, registry, seed=1, count=1, variants=2), seed=1))[0]
    assert dtd_errors(xml, dtd) == []
    stripped = re.sub(rb"<!ELEMENT points_per_item \(#PCDATA\)>", b"", xml)
    errors = dtd_errors(stripped, dtd)
    assert errors and all("points_per_item" in e for e in errors)


def test_qti_matches_text2qti_structure(registry: Registry) -> None:
    """text2qti (the tool FORMATS.md learned the layout from) builds a numerical item; ours has the
    same element paths."""
    from text2qti.config import Config
    from text2qti.qti import QTI
    from text2qti.quiz import Quiz

    src = "Quiz title: T\n\n1.  What is 2+2?\n=   4 +- 0.5\n"
    ref = QTI(Quiz(src, config=Config())).zip_bytes()

    def paths(zb: bytes) -> set[str]:
        out = set()
        it = next(etree.fromstring(qti_files(zb)[0] if b"non_cc" in zb else zb).iter(Q + "item"))
        for el in it.iter():
            tags = []
            e = el
            while e is not None and e is not it:
                tags.append(etree.QName(e).localname)
                e = e.getparent()
            out.add("/".join(reversed(tags)))
        return out

    ours = paths(qti_zip(*_single(Answer("x", 4.2, "s")), seed=1))
    theirs = paths(ref)
    assert theirs <= ours, theirs - ours


@pytest.mark.parametrize("value, tol, unit, exp_unit", [
    (4.79e-3, Tolerance(sig=3), "s", "ms"),
    (2.5e-7, Tolerance(sig=3), "s", "ns"),
    (4e-5, Tolerance(factor=2), "s", "µs"),
    (5.88e22, Tolerance(sig=3), "FLOP", "ZFLOP"),
    (7.7e19, Tolerance(sig=3), "FLOP", "EFLOP"),
    (3.5e-7, Tolerance(sig=3), "nats", "× 10^-9 nats"),
    (524288, Tolerance(), "FLOP", "FLOP"),
    (1365.3, Tolerance(sig=3), "FLOP/byte", "FLOP/byte"),
])
def test_canvas_rescaling(value: float, tol: Tolerance, unit: str, exp_unit: str) -> None:
    a = Answer("x", value, unit, tol)
    r = numeric_range(a, value)
    sc = choose_scale([r], unit, "x", min_mag=MIN_MAGNITUDE, max_mag=1e15, min_margin=MIN_MARGIN)
    s = r.scaled(sc.exp)
    assert abs(s.low) >= Decimal("1e-4") and abs(s.high) <= Decimal("1e15")
    assert s.margin == 0 or s.margin >= Decimal("1e-3")
    assert sc.unit == exp_unit
    assert sc.sentence.count("Give") == 1


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
    (["export", "ml-math", "--format", "qti", "-o", "q.xml"], "-o 'q.xml': --format qti writes a Canvas QTI zip, "
                                                              "which needs a .zip file name"),
    (["export", "ml-math", "--format", "moodle", "-o", "q.zip"], "needs a .xml file name"),
    (["export", "ml-math", "--format", "json", "-o", "q.txt"], "needs a .json file name"),
    (["export", "ml-math", "--format", "qti", "-o", "q.zip", "--count", "10001"], "1<=x<=10000"),
])
def test_export_errors(tmp_path: Path, args: list[str], expect: str) -> None:
    res = run_cli(*args, cwd=tmp_path)
    assert res.returncode == 2 and expect in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == []
    if "file name" in expect:
        assert [ln for ln in res.stderr.splitlines() if ln.strip()] == [res.stderr.strip()]
        assert res.stderr.startswith("error: ")


def test_qti_part_of_one_variant_is_still_grouped(registry: Registry, dtd: Path) -> None:
    """A vector answer can be longer in one variant (a form param not yet declared by the
    generator): its extra element is a group of one, never an item outside any group."""
    spec = parse_deck('[deck]\nname = "V"\nseed = 1\n[[items]]\ngenerator = "optim.linreg_gradient"\ncount = 12\n',
                      registry)
    built = build_problems(spec, registry, seed=5, variants=2)
    uneven = [b for b in built if len({len(p.answers[0].values) for p in b.variants}) > 1]
    problems, points, groups = problem_tables(built, spec)
    check_qti(qti_zip(spec, built, seed=5), problems, points, groups, dtd)
    root = etree.fromstring(qti_files(qti_zip(spec, uneven or built, seed=5))[0])
    assert all(it.getparent().get("ident") != "root_section" for it in root.iter(Q + "item"))
