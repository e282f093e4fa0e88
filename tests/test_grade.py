"""``quizgen grade``: a printed midterm (10 questions, six areas), a responses CSV typed as people
type, scores and the report read back (CSV, HTML, PDF with pypdf), and every bad input reported."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from quizgen.grade.manifest import answer_columns, part_column, part_letter
from tests.conftest import run_cli

pypdf = pytest.importorskip("pypdf")

MIDTERM = Path(__file__).with_name("fixtures") / "midterm.toml"
SEED = 2026
VERSIONS = 30


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("midterm") / "exam"
    r = run_cli("print", str(MIDTERM), "--versions", str(VERSIONS), "--seed", str(SEED), "-o", str(out))
    assert r.returncode == 0, r.stderr
    return {"dir": out, "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}


# -- how people type answers -------------------------------------------------------------------------

def typed_right(a: dict[str, Any], style: int) -> str:
    """The answer as a student writes it: rounded to the stated precision, sometimes with a unit,
    a multiplier word or a binary prefix. ``style`` varies the form between rows."""
    v, unit, tol = a["value"], a["unit"], a["tolerance"]
    if "choices" in a:
        return str(v).split("-")[0].upper() if style % 2 else str(v)  # "COMPUTE" or "compute-bound"
    if "sig" in tol:
        n = tol["sig"]
        if unit == "params" and style % 2:
            return f"{v / 1e9:.{n}g}B params"
        text = f"{v:.{n}g}"
        return f"{text} {unit}" if unit and style % 2 else text
    assert isinstance(v, int), a  # the midterm's other answers are exact counts
    if unit == "B" and v % 2**30 == 0 and style % 2:
        return f"{v // 2**30} GiB"
    if unit == "B" and (v * 4) % 2**30 == 0 and style % 2:
        return f"{v / 2**30:g} GiB"
    text = f"{v:,}" if style % 2 else str(v)
    return f"{text} {unit}" if unit and style % 3 == 0 else text


def typed_wrong(a: dict[str, Any]) -> str:
    if "choices" in a:
        return next(c for c in a["choices"] if c != a["value"])
    v = a["value"]
    return str(v * 3 + 1) if isinstance(v, int) else f"{v * 3 + 1:.6g}"


def typed_distractor(d: dict[str, Any], a: dict[str, Any]) -> str:
    """A distractor's value as typed by a student who holds that misconception."""
    v = d["value"]
    if isinstance(v, str):
        return v
    if "sig" in a["tolerance"]:
        return f"{v:.{a['tolerance']['sig']}g}"
    return str(v) if isinstance(v, int) else repr(v)


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def responses(exam: dict[str, Any]) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    """A class: ada (all right), bob (misconceptions), and rows with problems."""
    m = exam["manifest"]
    header = (exam["dir"] / "responses-template.csv").read_text(encoding="utf-8").strip().split(",")
    v1, v2, v3 = m["versions"][0], m["versions"][1], m["versions"][2]

    def row(student: str, v: dict[str, Any], cell: Any) -> list[str]:
        cells = {part_column(q["number"], j, len(q["answers"])): cell(q, j, a)
                 for q in v["questions"] for j, a in enumerate(q["answers"])}
        return [student, v["code"], *[cells[c] for c in header[2:]]]

    def misconceived(q: dict[str, Any], j: int, a: dict[str, Any]) -> str:
        if j == 0 and q["distractors"]:
            return typed_distractor(q["distractors"][0], a)
        return typed_wrong(a)

    rows = [
        row("ada", v1, lambda q, j, a: typed_right(a, q["number"] + j)),
        row("bob", v2, misconceived),
        row("cy", v3, lambda q, j, a: typed_right(a, q["number"] + j + 1)),
        ["dee", "V99-ABCD", *["1"] * (len(header) - 2)],                     # unknown version
        row("eve", v1, lambda q, j, a: "twelve apples" if q["number"] == 3 else typed_right(a, 0)),
        row("fay", v3, lambda q, j, a: typed_right(a, 1))[:-2],              # short row: 2 cells missing
        ["gus", v1["code"].lower(), *[""] * (len(header) - 2)],               # all blank, code in lower case
    ]
    return header, rows, m


@pytest.fixture(scope="module")
def graded(exam: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    header, rows, m = responses(exam)
    base = tmp_path_factory.mktemp("graded")
    src = base / "responses.csv"
    src.write_text(csv_text([header, *rows]), encoding="utf-8")
    out = base / "report"
    r = run_cli("grade", str(exam["dir"]), str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    scores = list(csv.DictReader(io.StringIO((out / "scores.csv").read_text(encoding="utf-8"))))
    return {"out": out, "run": r, "scores": {s["student"]: s for s in scores}, "rows": rows, "manifest": m,
            "html": (out / "report.html").read_text(encoding="utf-8")}


# -- the template --------------------------------------------------------------------------------------

def test_template_columns(exam: dict[str, Any]) -> None:
    text = (exam["dir"] / "responses-template.csv").read_bytes()
    assert text == b"student,version,Q1,Q2,Q3,Q4,Q5a,Q5b,Q6a,Q6b,Q7,Q8,Q9,Q10\r\n"
    m = exam["manifest"]
    assert m["files"]["responses_template"] == "responses-template.csv"
    assert all("distractors" in q for v in m["versions"] for q in v["questions"])


def test_column_names() -> None:
    assert answer_columns([1, 2, 1]) == ["Q1", "Q2a", "Q2b", "Q3"]
    assert [part_letter(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]


# -- the scores --------------------------------------------------------------------------------------

def test_all_right_gets_full_marks_and_misconceptions_zero(graded: dict[str, Any]) -> None:
    s = graded["scores"]
    m = graded["manifest"]
    total = m["versions"][0]["total_points"]
    assert float(s["ada"]["points"]) == float(s["ada"]["max"]) == total == 22
    assert float(s["cy"]["points"]) == float(s["cy"]["max"])
    assert float(s["bob"]["points"]) == 0 and float(s["bob"]["max"]) == m["versions"][1]["total_points"]
    assert all(float(s["ada"][f"Q{i}"]) == q["points"] for i, q in enumerate(m["versions"][0]["questions"], 1))
    assert float(s["gus"]["points"]) == 0  # blank sheet: graded, zero, no complaint
    assert s["dee"]["points"] == "" and s["dee"]["version"] == "V99-ABCD"  # listed, not graded


def test_partial_credit_splits_points_over_parts(graded: dict[str, Any]) -> None:
    s = graded["scores"]["fay"]  # the short row lost Q10 and Q9: 2 + 2 points
    assert float(s["points"]) == float(s["max"]) - 4
    eve = graded["scores"]["eve"]
    assert float(eve["Q3"]) == 0 and float(eve["points"]) == float(eve["max"]) - 2


def test_one_part_of_two_earns_half(exam: dict[str, Any], tmp_path: Path) -> None:
    m = exam["manifest"]
    v = m["versions"][4]
    q6 = v["questions"][5]
    assert len(q6["answers"]) == 2
    src = tmp_path / "r.csv"
    src.write_text(csv_text([["student", "version", "Q6a", "Q6b"],
                             ["hal", v["code"], typed_right(q6["answers"][0], 0), typed_wrong(q6["answers"][1])]]))
    r = run_cli("grade", str(exam["dir"]), str(src), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    row = next(csv.DictReader((tmp_path / "out" / "scores.csv").open(encoding="utf-8")))
    assert float(row["Q6"]) == q6["points"] / 2 == 1.5
    assert float(row["points"]) == 1.5
    # the other columns are missing from the header: said once, on stderr and in the report
    assert "warning: columns Q1, Q2, Q3, Q4, Q5a, Q5b, Q7, Q8, Q9, Q10 are missing from the header" in r.stderr
    assert r.stderr.count("warning") == 1


# -- the report ---------------------------------------------------------------------------------------

def test_report_names_the_misconceptions(graded: dict[str, Any]) -> None:
    m = graded["manifest"]
    bob = m["versions"][1]
    whys = [q["distractors"][0]["why"] for q in bob["questions"] if q["distractors"]]
    assert len(whys) >= 9
    html = graded["html"]
    table = html[html.index('id="misconceptions"'):]
    import html as h

    for why in whys:
        assert h.escape(why) in table, why
    text = "".join(p.extract_text() for p in pypdf.PdfReader(graded["out"] / "report.pdf").pages)
    flat = re.sub(r"\s+", "", text)
    for why in whys:
        assert re.sub(r"\s+", "", why)[:40] in flat, why
    assert "bob" in table


def test_report_per_question_percent(graded: dict[str, Any]) -> None:
    html = graded["html"]
    q = html[html.index('id="questions"'):html.index('id="misconceptions"')]
    rows = re.findall(r"<tr><td>(Q\d+)</td>.*?</td><td class=\"num\">[^<]*</td><td class=\"num\">(\d+)%</td>", q)
    assert [r[0] for r in rows] == [f"Q{i}" for i in range(1, 11)]
    # graded: ada, bob, cy, eve, fay, gus (6); Q1 fully right for ada, cy, eve, fay = 67%
    assert dict(rows)["Q1"] == "67"
    assert dict(rows)["Q3"] == "50"  # eve's garbage answer
    assert '<img id="histogram"' in html and "data:image/png;base64," in html
    png = graded["out"] / "histogram.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_problems_are_reported_per_row(graded: dict[str, Any]) -> None:
    err = graded["run"].stderr
    assert "unknown version code 'V99-ABCD'" in err
    assert "(eve): Q3: couldn't read 'twelve apples'" in err
    assert "(fay): Q9: missing cell" in err and "(fay): Q10: missing cell" in err
    assert "4 problems in 3 rows" in err
    assert "Traceback" not in err
    html = graded["html"]
    issues = html[html.index('id="issues"'):]
    for who in ("dee", "eve", "fay"):
        assert f"<td>{who}</td>" in issues
    assert "wrote" in graded["run"].stdout and "6 of 7 students graded" in graded["run"].stdout


# -- bad input --------------------------------------------------------------------------------------

def one_error(r: Any, *words: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_bad_paths(exam: dict[str, Any], tmp_path: Path) -> None:
    good = tmp_path / "r.csv"
    good.write_text("student,version,Q1\nada,V01,1\n", encoding="utf-8")
    out = tmp_path / "out"
    one_error(run_cli("grade", str(tmp_path / "nope"), str(good), "-o", str(out)), "nope", "does not exist")
    one_error(run_cli("grade", str(tmp_path), str(good), "-o", str(out)), "manifest.json")
    one_error(run_cli("grade", str(exam["dir"]), str(tmp_path / "none.csv"), "-o", str(out)), "none.csv")
    one_error(run_cli("grade", str(exam["dir"]), str(good), "-o", str(tmp_path / "no" / "dir")), "does not exist")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,Q1\nada,1\n", encoding="utf-8")
    one_error(run_cli("grade", str(exam["dir"]), str(bad), "-o", str(out)), "'student'", "responses-template.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("student,version\nJosé,V01\n".encode("latin-1"))
    one_error(run_cli("grade", str(exam["dir"]), str(latin), "-o", str(out)), "UTF-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    one_error(run_cli("grade", str(broken), str(good), "-o", str(out)), "not valid JSON")
    assert not out.exists()  # nothing written by a failed run


def test_help_has_an_example() -> None:
    r = run_cli("grade", "--help")
    assert r.returncode == 0 and "Examples:" in r.stdout and "quizgen grade exam/ responses.csv" in r.stdout
    assert "grade" in run_cli("--help").stdout


# -- categorical parts and version codes, on a hand-made manifest --------------------------------------

def small_manifest() -> dict[str, Any]:
    tol = {"sig": 3, "rtol": 0, "atol": 0.05}
    q1 = {"number": 1, "id": "gpu.roofline", "seed": 1, "item": 0, "copy": 0, "points": 4, "params": {},
          "answers": [{"label": "attainable", "value": 43.3, "unit": "TFLOP/s", "tolerance": tol},
                      {"label": "regime", "value": "memory-bound", "unit": None, "tolerance": {"rtol": 0, "atol": 0},
                       "choices": ["compute-bound", "memory-bound"]}],
          "distractors": [{"value": 121.7, "why": "uses the peak, not the roofline"}]}
    q2 = {"number": 2, "id": "units.bytes", "seed": 2, "item": 1, "copy": 0, "points": 1, "params": {},
          "answers": [{"label": "size", "value": 17179869184, "unit": "B", "tolerance": {"rtol": 0, "atol": 0}}],
          "distractors": [{"value": 16000000000, "why": "reads GiB as GB"}]}
    return {"format": "quizgen-print/1", "title": "Small", "seed": 5,
            "versions": [{"version": 1, "code": "V01-AB12", "total_points": 5, "questions": [q1, q2]}]}


def test_categorical_words_units_and_codes(tmp_path: Path) -> None:
    from quizgen.grade.manifest import exam_record, template_csv
    from quizgen.grade.score import grade_responses

    m = small_manifest()
    exam = exam_record(m, "manifest.json")
    assert template_csv(m) == "student,version,Q1a,Q1b,Q2\r\n"
    src = tmp_path / "r.csv"
    src.write_text(csv_text([
        ["student", "version", "Q1a", "Q1b", "Q2"],
        ["a", "v01-ab12", "43.3 TFLOP/s", "Memory", "16 GiB"],       # code in lower case, a word's start
        ["b", "1", "43300 GFLOP/s", "compute", "16e9"],               # number only; wrong word; GB for GiB
        ["c", "V01", "121.7", "mem", "2^34"],                          # the peak; right; 2^34 B = 16 GiB
        ["d", "V01-AB13", "43.3", "memory", "16 GiB"],                # a typo in the code's hash
        ["e", "V01", "43.3", "bound", "16 GiB"],                      # ambiguous word
    ]), encoding="utf-8")
    g = grade_responses(exam, src)
    pts = {r.student: r.points for r in g.results}
    assert pts == {"a": 5, "b": 2, "c": 3, "d": 0, "e": 3}
    mis = {(r.student, q.misconception.why) for r in g.results for q in r.questions if q.misconception}
    assert mis == {("b", "reads GiB as GB"), ("c", "uses the peak, not the roofline")}
    msgs = {(i.student, i.message) for i in g.issues}
    assert ("e", "Q1b: 'bound': type one of: compute-bound, memory-bound (or the start of one)") in msgs
    assert any(s == "d" and "version 1 of this exam is V01-AB12" in msg for s, msg in msgs)


def test_damaged_manifest_is_one_error(tmp_path: Path) -> None:
    m = small_manifest()
    del m["versions"][0]["questions"][0]["answers"][0]["value"]
    (tmp_path / "exam").mkdir()
    (tmp_path / "exam" / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    src = tmp_path / "r.csv"
    src.write_text("student,version\n", encoding="utf-8")
    one_error(run_cli("grade", str(tmp_path / "exam"), str(src), "-o", str(tmp_path / "out")), "damaged")
