"""``quizgen print``: exam PDFs read back with pypdf, the manifest, LaTeX sources, the HTML practice
page in headless Chromium, formula errors and the output-folder rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quizgen.deck import load_deck, parse_deck
from quizgen.errors import FormulaError
from quizgen.export.exam import build_exam
from quizgen.grading import accepts
from quizgen.model import Answer, Problem
from quizgen.precision import answer_short
from quizgen.registry import Registry
from quizgen.render.markup import Block, formulas, parse
from quizgen.render.numbers import fmt_answer, typeable
from quizgen.render.typst_math import Formula, TypstMath, rewrite
from tests.conftest import run_cli

pypdf = pytest.importorskip("pypdf")

SEED = 2026
VERSIONS = 2
SMALL_SPEC = """
[deck]
name = "Small"
[quiz]
title = "Quiz #3 & 50% off_ $5 <b> *stars*"
course = "CS 101 -- {x} ~ ^ C:\\\\temp"
instructions = "Give each answer with its unit. **Show your work**, e.g. \\\\(2mkn\\\\) FLOP."
points = 2
[[items]]
generator = "flops.matmul"
count = 3
[[items]]
generator = "flops.matmul"
count = 1
points = 5
options = { m = 64 }
"""


# -- helpers ---------------------------------------------------------------------------------------

def norm(s: str) -> str:
    """PDF text and expected text alike: NFKC, ASCII minus and quotes, no whitespace at all."""
    s = unicodedata.normalize("NFKC", s).replace("\u2212", "-").replace("\u2016", "\u2225")  # ‖ as \Vert
    s = s.replace("\u2206", "\u0394").replace("\u2044", "")  # pdflatex: \Delta is U+2206, \tfrac12 "1 2"
    s = s.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", "", s)


def pdf_pages(path: Path) -> list[str]:
    return [norm(p.extract_text()) for p in pypdf.PdfReader(path).pages]


def prose_tokens(md: str) -> list[str]:
    """The prose runs of ``md`` (text and code), each whitespace-free, in reading order."""
    return [t for b in parse(md) for s in b.spans if s.kind != "math" for t in [norm(s.text)] if t]


def math_numbers(md: str) -> list[str]:
    """The numbers written in ``md``'s formulas (``8\\,171`` → ``8171``)."""
    out = []
    for tex, _ in formulas(md):
        t = re.sub(r"\\[,;:! ]|\{,\}", "", tex)
        out += re.findall(r"\d+(?:\.\d+)?", t)
    return out


def find_in_order(text: str, tokens: list[str], start: int) -> tuple[int, int]:
    """Positions of the first token and just past the last, each found after the previous one."""
    pos, first = start, -1
    for tok in tokens:
        i = text.find(tok, pos)
        assert i >= 0, f"{tok!r} not found after position {pos} in …{text[pos:pos + 300]!r}"
        first = i if first < 0 else first
        pos = i + len(tok)
    return (first if first >= 0 else start), pos


def check_questions(text: str, problems: list[Problem], with_solutions: bool = False) -> None:
    """Every question's prose appears in order, and its formulas' numbers within its own stretch."""
    cursor = 0
    spans = []
    for p in problems:
        first, end = find_in_order(text, prose_tokens(p.question), cursor)
        spans.append((cursor, first, end))
        cursor = end
        if with_solutions:
            cursor = find_in_order(text, prose_tokens(p.solution), cursor)[1]
    for i, p in enumerate(problems):
        lo = spans[i][0]
        hi = spans[i + 1][1] if i + 1 < len(spans) else len(text)
        for num in math_numbers(p.question):
            assert num in text[lo:hi], f"question {i + 1} ({p.id} seed {p.seed}): number {num} missing"


def answer_line(a: Answer) -> str:
    return norm(f"{a.label}: {fmt_answer(a)}")


def problem_of(reg: Registry, q: dict[str, Any]) -> Problem:
    return reg.get(q["id"]).problem(q["seed"], q["options"])


# -- the main run: ml-math, 3 versions, every format -----------------------------------------------

@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("print") / "exam"
    r = run_cli("print", "ml-math", "--versions", str(VERSIONS), "--seed", str(SEED), "-o", str(out),
                "--format", "pdf", "--format", "tex")
    assert r.returncode == 0, r.stderr
    page = out.parent / "practice"  # the HTML page (every answer in it) is never beside an exam
    r2 = run_cli("print", "ml-math", "--versions", str(VERSIONS), "--seed", str(SEED), "-o", str(page),
                 "--format", "html")
    assert r2.returncode == 0, r2.stderr
    assert sorted(p.name for p in page.iterdir()) == ["manifest.json", "practice.html"]
    return {"dir": out, "html_dir": page, "stdout": r.stdout, "stderr": r.stderr,
            "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}


def test_files_and_manifest(exam: dict[str, Any], registry: Registry) -> None:
    d: Path = exam["dir"]
    names = sorted(p.name for p in d.iterdir())
    sheets = [f"version-{i:02d}" for i in range(1, VERSIONS + 1)]
    assert names == sorted([*(s + ".pdf" for s in sheets), *(s + ".tex" for s in sheets), "answer-key.pdf",
                            "answer-key.tex", "manifest.json", "responses-template.csv"])
    assert "warning" not in exam["stderr"], exam["stderr"]  # typst warnings (fonts, deprecations) fail
    assert "wrote" in exam["stdout"]
    m = exam["manifest"]
    assert m["seed"] == SEED and m["format"] == "quizgen-print/1" and m["paper"] == "a4"
    assert [v["version"] for v in m["versions"]] == list(range(1, VERSIONS + 1))
    assert [v["file"] for v in m["versions"]] == [s + ".pdf" for s in sheets]
    assert len({v["code"] for v in m["versions"]}) == VERSIONS
    spec = load_deck("ml-math", registry)
    for v in m["versions"]:
        assert len(v["questions"]) == sum(it.count for it in spec.items)
        for q in v["questions"]:
            p = problem_of(registry, q)  # regenerating from the manifest gives the same problem
            assert q["params"] == p.params and q["generator_version"] == p.version
            assert [{k: a[k] for k in a if k != "text"} for a in q["answers"]] == [a.to_json() for a in p.answers]
    # versions differ from each other
    keys = [tuple((q["id"], q["seed"]) for q in v["questions"]) for v in m["versions"]]
    assert len(set(keys)) == VERSIONS


def test_sheets_read_back_match_manifest_and_show(exam: dict[str, Any], registry: Registry) -> None:
    m = exam["manifest"]
    texts = []
    for v in m["versions"]:
        pages = pdf_pages(exam["dir"] / v["file"])
        for n, page in enumerate(pages, 1):  # version code and "page N of M" on every page, never the seed
            assert v["code"] in page and f"page{n}of{len(pages)}" in page
            assert "seed" not in page and str(SEED) not in page
        text = "".join(pages)
        texts.append(text)
        assert norm(m["title"]) in text and "Name" in text and "ID" in text
        check_questions(text, [problem_of(registry, q) for q in v["questions"]])
        for q in v["questions"]:  # no answers on a student sheet (a choice's words are all its boxes)
            assert not any(norm(f"{a['label']}: {a['text']}") in text for a in q["answers"] if "choices" not in a), q
    assert len(set(texts)) == VERSIONS
    # `quizgen show` for the manifest's seed prints the same problem as the sheet
    q = m["versions"][1]["questions"][0]
    r = run_cli("show", q["id"], "--seed", str(q["seed"]), "--json",
                *[f"--param={k}={json.dumps(v)}" for k, v in q["options"].items()])
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["params"] == q["params"]
    find_in_order(texts[1], prose_tokens(shown["question"]), 0)


def test_key_lists_every_version_with_answers(exam: dict[str, Any], registry: Registry) -> None:
    pages = pdf_pages(exam["dir"] / "answer-key.pdf")
    assert all("answerkey" in p and f"of{len(pages)}" in p for p in pages)
    assert all(f"seed{SEED}" in p for p in pages[:1])
    text = "".join(pages[1:])  # after the grid (tested with the midterm below)
    starts = [text.find(norm(f"Version {v['code']}")) for v in exam["manifest"]["versions"]]
    assert all(s >= 0 for s in starts) and starts == sorted(starts), starts
    for i, v in enumerate(exam["manifest"]["versions"]):
        section = text[starts[i]:starts[i + 1] if i + 1 < len(starts) else len(text)]
        problems = [problem_of(registry, q) for q in v["questions"]]
        lines = [answer_line(a) for p in problems for a in p.answers]
        assert lines == [norm(f"{a['label']}: {a['text']}") for q in v["questions"] for a in q["answers"]]
        find_in_order(section, lines, 0)  # the table to grade from
        assert "Workedsolutions" not in section  # --key compact (the default)


def pdflatex(tex: Path, folder: Path) -> Path:
    """Compile ``tex`` twice (page N of M) in ``folder`` without shell escape; no error, no missing
    character."""
    shutil.copy(tex, folder / tex.name)
    for _ in range(2):
        r = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                           cwd=folder, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout[-3000:]
    log = (folder / tex.with_suffix(".log").name).read_text(encoding="latin-1")
    assert "Missing character" not in log and "undefined" not in log.lower().replace("undefined references", "")
    return folder / tex.with_suffix(".pdf").name


def assert_no_question_splits(pages: list[str], problems: list[Problem]) -> None:
    """Each question's prose and its answer labels lie on one page."""
    for i, p in enumerate(problems):
        toks = [*prose_tokens(p.question), *(norm(a.label) for a in p.answers)]
        hits = []
        for page in pages:
            try:
                find_in_order(page, toks, 0)
                hits.append(page)
            except AssertionError:
                pass
        assert hits, f"question {i + 1} ({p.id} seed {p.seed}) is split across pages"


def test_latex_sources(exam: dict[str, Any], tmp_path: Path, registry: Registry) -> None:
    reg = registry
    src = (exam["dir"] / "version-01.tex").read_text(encoding="utf-8")
    key = (exam["dir"] / "answer-key.tex").read_text(encoding="utf-8")
    m = exam["manifest"]
    assert src.startswith("% Generated by quizgen") and r"\begin{document}" in src and r"\end{document}" in src
    assert m["versions"][0]["code"] in src and str(SEED) not in src  # the seed only on the key
    assert all(v["code"] in key for v in m["versions"]) and f"seed {SEED}" in key
    assert "[U+" not in src + key  # every character of our texts has a LaTeX form (½ was [U+00BD])
    assert "\\VAR{" not in src + key and "\\BLOCK{" not in src + key
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended lmodern)")
    for name in ("version-01.tex", "answer-key.tex"):  # the whole ml-math deck
        pdflatex(exam["dir"] / name, tmp_path)
    pages = pdf_pages(tmp_path / "version-01.pdf")
    assert all(m["versions"][0]["code"] in p and f"of{len(pages)}" in p for p in pages)
    problems = [problem_of(reg, q) for q in m["versions"][0]["questions"]]
    assert_no_question_splits(pages, problems)
    key = pdf_pages(tmp_path / "answer-key.pdf")
    assert all(v["code"] in key[0] for v in m["versions"])


# -- a small spec: special characters, points, options, paper, shuffle, solutions ------------------

@pytest.fixture()
def small(tmp_path: Path) -> Path:
    spec = tmp_path / "small.toml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    return spec


def test_options_points_paper_solutions(small: Path, tmp_path: Path, registry: Registry) -> None:
    out = tmp_path / "practice"
    r = run_cli("print", str(small), "--versions", "2", "--seed", "5", "--paper", "letter", "--solutions",
                "--points", "3", "--count", "2", "--shuffle", "-o", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["solutions"] is True and m["shuffle"] is True and m["paper"] == "letter"
    v1 = m["versions"][0]
    assert len(v1["questions"]) == 4  # --count 2 for each of the two items
    assert sorted(q["points"] for q in v1["questions"]) == [3, 3, 5, 5]  # item points win over --points
    assert v1["total_points"] == 16
    assert all(q["params"]["m"] == 64 for q in v1["questions"] if q["item"] == 1)
    reader = pypdf.PdfReader(out / "version-01.pdf")
    assert [round(float(x)) for x in reader.pages[0].mediabox[2:]] == [612, 792]
    text = "".join(norm(p.extract_text()) for p in reader.pages)
    assert norm("Quiz #3 & 50% off_ $5 <b> *stars*") in text and norm("CS 101 -- {x} ~ ^ C:\\temp") in text
    assert "Showyourwork" in text and "**" not in text
    problems = [problem_of(registry, q) for q in v1["questions"]]
    check_questions(text, problems, with_solutions=True)
    for p in problems:  # practice sheet: answers printed inline
        assert answer_line(p.answer) in text
    # shuffle permutes the same problems; without it the order follows the spec
    r2 = run_cli("print", str(small), "--versions", "2", "--seed", "5", "--count", "2", "-o", str(tmp_path / "b"))
    assert r2.returncode == 0, r2.stderr
    plain = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))["versions"][0]
    ids = [(q["item"], q["copy"], q["seed"]) for q in plain["questions"]]
    assert ids == sorted(ids, key=lambda t: (t[0], t[1]))
    assert sorted(ids) == sorted((q["item"], q["copy"], q["seed"]) for q in v1["questions"])


def test_seed_drawn_printed_in_manifest_and_key_never_on_sheets(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "exam"
    r = run_cli("print", str(small), "-o", str(out))
    assert r.returncode == 0, r.stderr
    seed = int(re.search(r"seed (\d+) \(rerun with --seed \1", r.stderr).group(1))  # type: ignore[union-attr]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == seed
    assert f"seed{seed}" in pdf_pages(out / "answer-key.pdf")[0]
    assert not any(str(seed) in p for p in pdf_pages(out / "version-01.pdf"))


def test_versions_are_deterministic_per_version(small: Path, registry: Registry, tmp_path: Path) -> None:
    spec = load_deck(str(small), registry)
    five = build_exam(spec, registry, seed=9, versions=5)
    three = build_exam(spec, registry, seed=9, versions=3)
    for a, b in zip(five.versions[:3], three.versions, strict=True):
        assert a.code == b.code and [q.problem for q in a.questions] == [q.problem for q in b.questions]
    from quizgen.export.printing import write_exam

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_exam(spec, registry, tmp_path / "a", seed=9, versions=2)
    write_exam(spec, registry, tmp_path / "b", seed=9, versions=2)
    for name in ("version-01.pdf", "version-02.pdf", "answer-key.pdf", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# -- formulas: conversion, the check, and every generator ------------------------------------------

def test_rewrites() -> None:
    assert rewrite(r"\lVert x \rVert_2") == r"\left\| x \right\|_2"
    assert rewrite(r"\left\lVert W \right\rVert") == r"\left\| W \right\|"
    assert rewrite(r"a \odot b") == "a ⊙ b"
    assert rewrite(r"\operatorname*{arg\,max}_x") == r"\operatorname*{argmax}_x"
    assert rewrite(r"\frac{2}{|\lambda|}") == r"\frac{2}{\left|\lambda\right|}"
    assert rewrite("P(A|B) = P(B|A)") == "P(A|B) = P(B|A)"  # a conditional bar stays
    assert rewrite(r"\begin{cases}x & x>0\end{cases}") == r"\begin{cases}x & \quad  x>0\end{cases}"


def test_number_shapes_give_the_same_typst_as_direct_conversion() -> None:
    import tex2typst

    texs = [r"x^{12}_{3}", r"A \in \mathbb{R}^{64 \times 128}", r"2mkn = 2 \times 8\,171 = 16\,342\ \text{FLOP}",
            r"\frac{12}{25} = 0.48", r"\sqrt[3]{27} = 3", r"10^{-3} \approx 0.001", r"x^2 + 3x_1",
            r"\text{A100 has 40 GB}", r"\frac12", r"e^{-1.5}"]
    conv = TypstMath(persist=False)
    got = conv.convert([Formula(t, "test") for t in texs])
    for t in texs:
        assert got[t] == tex2typst.tex2typst(rewrite(t)), t


@pytest.mark.parametrize(("tex", "msg"), [
    (r"\foo x", 'test.bad seed 12: formula "\\foo x" does not compile: unknown variable: foo'),
    (r"\frac{1}{", 'test.bad seed 12: formula "\\frac{1}{" does not compile:'),
    (r"\color{red}x", 'test.bad seed 12: formula "\\color{red}x" does not compile: unknown variable: color'),
])
def test_bad_formula_is_named(tex: str, msg: str) -> None:
    conv = TypstMath(persist=False)
    with pytest.raises(FormulaError) as e:
        conv.convert([Formula("x^2", "test.ok", 1), Formula(tex, "test.bad", 12), Formula("y", "test.ok", 2)])
    assert str(e.value).startswith(msg), str(e.value)


def _every_problem(registry: Registry, seeds: range) -> Iterator[Problem]:
    for gen in registry:
        for s in seeds:
            yield gen.problem(s)


def test_every_generator_typesets(registry: Registry, tmp_path: Path) -> None:
    """All formulas of every registered generator convert, check and compile (PDF and MathML), so
    new generators are covered without a test of their own."""
    from quizgen.export.exam import Exam, ExamQuestion, ExamVersion
    from quizgen.export.html import render_html
    from quizgen.export.typst import TypstExporter

    problems = list(_every_problem(registry, range(1)))
    qs = tuple(ExamQuestion(i + 1, p, 1, 0, 0, {}) for i, p in enumerate(problems))
    ex = Exam("All generators", None, None, "all", "<test>", 1, "a4", False, (ExamVersion(1, "V01-TEST", qs),))
    out = TypstExporter().render(ex, solutions=True, key=False)
    assert out.warnings == []
    text = "".join(norm(p.extract_text()) for p in pypdf.PdfReader(_write(tmp_path / "all.pdf", out.sheets[0])).pages)
    check_questions(text, problems, with_solutions=True)
    html = render_html(ex)
    assert html.count('class="qz-q"') == len(problems)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_markup() -> None:
    blocks = parse("Count **FLOPs** for `x@y` and \\(AB\\): *fast*.\n\n- one \\(x\\)\n- two\n\\[2mkn\\] after")
    assert [b.kind for b in blocks] == ["par", "item", "item", "display", "par"]
    spans = blocks[0].spans
    assert [(s.kind, s.text, s.bold, s.italic) for s in spans] == [
        ("text", "Count ", False, False), ("text", "FLOPs", True, False), ("text", " for ", False, False),
        ("code", "x@y", False, False), ("text", " and ", False, False), ("math", "AB", False, False),
        ("text", ": ", False, False), ("text", "fast", False, True), ("text", ".", False, False)]
    assert blocks[3] == Block("display", tex="2mkn")
    assert [s.text for s in parse("2 * 3 = 6 and a*b")[0].spans] == ["2 * 3 = 6 and a*b"]
    assert [s.text for s in parse("**unclosed")[0].spans] == ["**unclosed"]


# -- errors and the output folder ------------------------------------------------------------------

BAD_GEN = '''
from quizgen.generator import Generator
from quizgen.model import Answer


class Bad(Generator):
    id = "test.bad"
    title = "A generator with a formula Typst cannot take"

    def draw(self, rng, fixed):
        return {}

    def solve(self, p):
        return [Answer("x", 1)]

    def render(self, p, answers):
        return "Fine \\\\(x^2\\\\) then \\\\(\\\\foo x\\\\)?", "No."

    def check(self, p, answers):
        pass
'''


def test_formula_error_leaves_nothing(tmp_path: Path) -> None:
    gens = tmp_path / "gens"
    gens.mkdir()
    (gens / "bad.py").write_text(BAD_GEN, encoding="utf-8")
    spec = tmp_path / "bad.toml"
    spec.write_text('[deck]\nname = "Bad"\n[[items]]\ngenerator = "flops.matmul"\n[[items]]\ngenerator = "test.bad"\n',
                    encoding="utf-8")
    out = tmp_path / "exam"
    r = run_cli("--generators", str(gens), "print", str(spec), "--seed", "1", "-o", str(out))
    assert r.returncode == 2
    assert re.fullmatch(r'error: test\.bad seed \d+: formula "\\foo x" uses \\foo, which printed exams do not '
                        r'allow; .*\n', r.stderr), r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "gens"]  # no exam/, no temp folder
    out.mkdir()
    (out / "version-01.pdf").write_bytes(b"old")
    r = run_cli("--generators", str(gens), "print", str(spec), "--seed", "1", "-o", str(out))
    assert r.returncode == 2 and (out / "version-01.pdf").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "exam", "gens"]


def test_output_folder_rules(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "exam"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = run_cli("print", str(small), "--seed", "1", "-o", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "already holds other files (notes.txt)" in r.stderr and "--force" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    r = run_cli("print", str(small), "--seed", "1", "--versions", "3", "--force", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "notes.txt").read_text() == "mine" and (out / "version-03.pdf").exists()
    # a smaller rerun removes our stale files, and only ours
    r = run_cli("print", str(small), "--seed", "1", "--versions", "1", "--force", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["answer-key.pdf", "manifest.json", "notes.txt",
                                                     "responses-template.csv", "version-01.pdf"]
    # a folder holding only our files is rewritten without --force
    (out / "notes.txt").unlink()
    assert run_cli("print", str(small), "--seed", "2", "-o", str(out)).returncode == 0
    assert not [p for p in [*tmp_path.iterdir(), *out.iterdir()] if p.name.startswith(".")]  # no temp folders


@pytest.mark.parametrize(("args", "message"), [
    (["nope-deck"], "unknown deck 'nope-deck'"),
    (["{small}", "-o", "{tmp}/missing/exam"], "does not exist; create it first"),
    (["{small}", "-o", "{small}"], "is a file, not a folder"),
    (["{small}", "--paper", "a3"], "Invalid value for '--paper'"),
    (["{small}", "--versions", "0"], "Invalid value for '--versions'"),
    (["{small}", "--format", "docx"], "Invalid value for '--format'"),
    (["{small}", "--format", "html", "--format", "pdf"], "--format html writes only a practice page"),
    (["{small}", "--space", "5 furlongs"], "--space: space must be a length such as"),
    (["{small}", "--space", "90cm"], "more than a page"),
    (["{small}", "--key", "huge"], "Invalid value for '--key'"),
])
def test_bad_input(small: Path, tmp_path: Path, args: list[str], message: str) -> None:
    full = [a.format(small=small, tmp=tmp_path) for a in args]
    if "-o" not in full:
        full += ["-o", str(tmp_path / "exam")]
    r = run_cli("print", *full)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "exam").exists()


def test_help_has_examples() -> None:
    r = run_cli("print", "--help")
    assert r.returncode == 0
    for flag in ("--versions", "--seed", "--shuffle", "--count", "--points", "--paper", "--solutions",
                 "--format", "--force", "--key", "--space", "Examples:"):
        assert flag in r.stdout


# -- the HTML practice page in headless Chromium ---------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PARSE_CASES: list[tuple[str, str | None, float | None]] = [
    ("1.5e9", None, 1.5e9), ("3/4", None, 0.75), ("2^30", None, 2.0**30), ("1,500,000", None, 1.5e6),
    ("\u22123", None, -3), ("1.5 \u00d7 10^9", None, 1.5e9), ("1.5x10^9", None, 1.5e9), ("12%", None, 0.12),
    ("524288 FLOP", "FLOP", 524288), ("5e9 FLOPs", "FLOP", 5e9), ("0.5 nat", "nats", 0.5),
    ("6\u2009425\u2009935\u2009872", None, 6425935872), ("(1/3)", None, 1 / 3),
    ("2**10", None, 1024), ("2\u00b3\u2070", None, 2.0**30), ("10\u207b\u00b3", None, 1e-3),
    ("\u2248 3e9", None, 3e9), ("1_000", None, 1000), ("-2^2", None, -4), ("2^-3", None, 0.125),
    ("abc", None, None), ("1,5", None, None), ("", None, None), ("alert(1)", None, None), ("2^", None, None),
    ("1/0", None, None), ("(1", None, None), ("1e", None, None), ("3 GB", "s", None),
    ("6 425 935 872", None, None),  # plain spaces: the drill rejects them, and the page reads as it does
]


def _guesses(a: Answer) -> list[list[float]]:
    """Typed values around the answer, right and wrong under every tolerance kind."""
    vals = [float(v) for v in a.values]
    out = []
    for f in (1.0, 1 + 3e-5, 1 + 4e-4, 1 + 2e-3, 1.5, 1.99, 2.01, 3.0, -1.0, 0.0):
        out.append([v * f for v in vals])
    out.append([v + 1 for v in vals])
    return out


def _run_page(page: Path, tmp_path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    assert CHROMIUM
    html = page.read_text(encoding="utf-8")
    script = (Path(__file__).with_name("print_page_test.js")).read_text(encoding="utf-8")
    data = json.dumps(payload).replace("</", "<\\/")
    test_page = tmp_path / "page.html"
    test_page.write_text(html.replace("</body>", f'<script id="qz-test-data" type="application/json">{data}</script>'
                                                 f"<script>{script}</script></body>"), encoding="utf-8")
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", test_page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="qz-test-result">(.*?)</pre>', r.stdout, re.S)
    assert m, f"no result in the page: {r.stderr[-2000:]}"
    import html as html_mod

    result: dict[str, Any] = json.loads(html_mod.unescape(m.group(1)))
    return result


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_html_page_in_chromium(exam: dict[str, Any], registry: Registry, tmp_path: Path) -> None:
    page = exam["html_dir"] / "practice.html"
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/1998/Math/MathML", "") and "https://" not in html
    assert "eval(" not in html and "new Function" not in html
    v1 = exam["manifest"]["versions"][0]
    fills = []
    for q in v1["questions"]:
        right = [a["text"].removesuffix(f" {a['unit']}") if a["unit"] else a["text"]  # as the key prints it
                 for a in q["answers"]]
        wrong = [next(c for c in a["choices"] if c != a["value"]) if "choices" in a
                 else "; ".join(typeable(x * 100 + 7) for x in a["value"]) if isinstance(a["value"], list)
                 else typeable(a["value"] * 100 + 7) for a in q["answers"]]
        fills.append({"li": f"v1-q{q['number']}", "values": right, "expect": "correct"})
        fills.append({"li": f"v1-q{q['number']}", "values": wrong, "expect": "incorrect"})
    # the first answer with its unit and thousands separators, as a person would type it
    a0 = problem_of(registry, v1["questions"][0]).answer
    if not isinstance(a0.value, list):
        fills.append({"li": "v1-q1", "values": [fmt_answer(a0)],
                      "expect": "correct"})
    answers = [Answer.from_json({k: v for k, v in a.items() if k != "text"})
               for q in v1["questions"] for a in q["answers"] if "choices" not in a]  # words: test_practice_page
    grades: list[dict[str, Any]] = [
        {"answer": {"value": a.values, "tolerance": a.tolerance.to_json(a.values)}, "guesses": _guesses(a)}
        for a in answers]
    res = _run_page(page, tmp_path, {"parse": PARSE_CASES, "fill": fills, "grades": grades})

    assert res["math"]["count"] > 0 and res["math"]["zeroWidth"] == 0  # MathML laid out
    assert res["math"]["supRaised"] is True  # superscripts really sit above the baseline
    for f, got in zip(fills, res["fill"], strict=True):
        assert got == [f["expect"]] * len(f["values"]), (f, got)
    for (text, _unit, want), got in zip(PARSE_CASES, res["parse"], strict=True):
        if want is None:
            assert isinstance(got, str) and got.startswith("ERR:"), (text, got)
        else:
            assert got == pytest.approx(want, rel=1e-12), (text, got)
    for g, a, got in zip(grades, answers, res["grades"], strict=True):  # JS grading == quizgen.grading
        wanted = [accepts(a, guess if isinstance(a.value, list) else guess[0]) for guess in g["guesses"]]
        assert got == wanted, (a, g["guesses"], got, wanted)
    assert res["version2Visible"] is True


def test_html_page_structure(exam: dict[str, Any]) -> None:
    html = (exam["html_dir"] / "practice.html").read_text(encoding="utf-8")
    m = exam["manifest"]
    assert html.count('class="qz-version"') == VERSIONS
    assert all(v["code"] in html for v in m["versions"])
    assert html.count("<math") >= VERSIONS and "\\(" not in html
    assert "<script src" not in html and "<link" not in html  # self-contained


def test_small_spec_parses(registry: Registry) -> None:
    spec = parse_deck(SMALL_SPEC, registry)
    assert spec.quiz.title == "Quiz #3 & 50% off_ $5 <b> *stars*"


def test_missing_tex2typst_is_a_clear_error(tmp_path: Path) -> None:
    """On glibc aarch64 there is no tex2typst wheel: print must say so, not crash."""
    import sys

    code = ("import sys; sys.modules['tex2typst'] = None; from quizgen.cli import main; "
            f"sys.argv = ['quizgen', 'print', 'ml-math', '--seed', '1', '-o', {str(tmp_path / 'exam')!r}]; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: printing needs the 'typst' and 'tex2typst' packages")
    assert "pip install typst tex2typst" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "exam").exists() and list(tmp_path.iterdir()) == []


# -- the midterm of issue 13: 10 questions, 30 versions --------------------------------------------

MIDTERM = """
[deck]
name = "Midterm"
[quiz]
title = "Midterm: ML arithmetic"
course = "CS 229x — Spring 2027"
instructions = "Give each answer with its unit. Show your work, e.g. \\\\(C \\\\approx 6ND\\\\) or ½ of it."
points = 2
[[items]]
generator = "flops.matmul"
[[items]]
generator = "flops.attention"
points = 3
[[items]]
generator = "llm.training_flops"
[[items]]
generator = "llm.kv_cache_bytes"
points = 3
space = "5cm"
[[items]]
generator = "gpu.roofline"
[[items]]
generator = "gpu.occupancy"
points = 4
[[items]]
generator = "stats.standard_error"
[[items]]
generator = "info.entropy"
[[items]]
generator = "numerics.float_round"
[[items]]
generator = "numerics.logsumexp"
"""
MID_VERSIONS = 30


@pytest.fixture(scope="module")
def midterm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("midterm")
    spec = d / "midterm.toml"
    spec.write_text(MIDTERM, encoding="utf-8")
    out = d / "exam"
    r = run_cli("print", str(spec), "--versions", str(MID_VERSIONS), "--seed", str(SEED), "-o", str(out),
                "--format", "pdf", "--format", "tex")
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr, r.stderr
    return {"dir": out, "spec": spec,
            "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}


def test_midterm_sheets(midterm: dict[str, Any], registry: Registry) -> None:
    m = midterm["manifest"]
    assert len(m["versions"]) == MID_VERSIONS
    for v in m["versions"]:
        reader = pypdf.PdfReader(midterm["dir"] / v["file"])
        pages = [norm(p.extract_text()) for p in reader.pages]
        text = "".join(pages)
        for n, page in enumerate(pages, 1):
            assert v["code"] in page and f"page{n}of{len(pages)}" in page
            assert "seed" not in page and str(SEED) not in page
        assert "A4" not in text and norm("10 questions · 24 pts") in text
        problems = [problem_of(registry, q) for q in v["questions"]]
        check_questions(text, problems)
        assert_no_question_splits(pages, problems)
        for q, p in zip(v["questions"], problems, strict=True):
            assert norm(f"{q['number']}.({fmt_pts(q['points'])})") in text
            for a in p.answers:  # an answer line with its precision, and never the answer
                assert norm(f"{a.label}:") in text
                assert norm(f"({answer_short(a)})") in text
                if a.categorical:
                    assert all(norm(c) in text for c in a.choices)
            assert not any(norm(f"{a['label']}: {a['text']}") in text for a in q["answers"] if "choices" not in a)
        # points in black at body size (11 pt): the "(2 pts)" runs are set like the question text
        sizes: dict[str, float] = {}

        def visit(t: str, cm: Any, tm: Any, font: Any, size: float, sizes: dict[str, float] = sizes) -> None:
            if re.fullmatch(r"\s*\(\d+ pts?\)\s*", t):
                sizes[t.strip()] = size

        reader.pages[0].extract_text(visitor_text=visit)
        assert sizes and all(sz == 11 for sz in sizes.values()), sizes


def fmt_pts(p: float) -> str:
    return f"{p:g} pt" if p == 1 else f"{p:g} pts"


def test_midterm_versions_are_fair(midterm: dict[str, Any]) -> None:
    vs = midterm["manifest"]["versions"]
    params = [json.dumps([q["params"] for q in v["questions"]], sort_keys=True) for v in vs]
    assert len(set(params)) == len(vs)  # no two versions identical
    for a, b in zip(vs, vs[1:], strict=False):  # neighbours never share the answer to a question
        for qa, qb in zip(a["questions"], b["questions"], strict=True):
            for x, y in zip(qa["answers"], qb["answers"], strict=True):
                if "choices" not in x:
                    assert x["text"] != y["text"], (a["code"], b["code"], qa["number"], x["text"])
    # every version of an item keeps version 1's form params
    from quizgen.registry import load_registry

    reg = load_registry()
    for i in range(len(vs[0]["questions"])):
        gen = reg.get(vs[0]["questions"][i]["id"])
        forms = {json.dumps(gen.form_of(v["questions"][i]["params"]), sort_keys=True) for v in vs}
        assert len(forms) == 1, (gen.id, forms)
        assert len({len(v["questions"][i]["answers"]) for v in vs}) == 1


def test_midterm_key(midterm: dict[str, Any]) -> None:
    m = midterm["manifest"]
    reader = pypdf.PdfReader(midterm["dir"] / "answer-key.pdf")
    first = reader.pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # the grid page is landscape
    grid = norm(first.extract_text())
    assert f"seed{SEED}" in grid
    for v in m["versions"]:  # page 1: every version's every answer, with its unit
        assert v["code"] in grid
        start = grid.index(v["code"])
        find_in_order(grid, [norm(a["text"]) for q in v["questions"] for a in q["answers"]], start)
    pages = [norm(p.extract_text()) for p in reader.pages]
    assert len(pages) == 1 + MID_VERSIONS  # then one page per version: compact
    for v, page in zip(m["versions"], pages[1:], strict=True):
        assert norm(f"Version {v['code']}") in page and "Precision" in page and "Points" in page
        for q in v["questions"]:
            for a in q["answers"]:
                assert norm(a["text"].removesuffix(f" {a['unit']}") if a["unit"] else a["text"]) in page
                assert norm(a["precision"]) in page
            assert norm(fmt_pts(q["points"])) in page
        assert "Workedsolutions" not in page


def test_midterm_latex(midterm: dict[str, Any], tmp_path: Path, registry: Registry) -> None:
    m = midterm["manifest"]
    src = (midterm["dir"] / "version-01.tex").read_text(encoding="utf-8")
    assert "[U+" not in src and r"\tfrac{1}{2}" in src  # ½ in the instructions
    assert r"\begin{minipage}" in src  # one box per question: it never splits
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended lmodern)")
    pages = pdf_pages(pdflatex(midterm["dir"] / "version-01.tex", tmp_path))
    v = m["versions"][0]
    for n, page in enumerate(pages, 1):
        assert v["code"] in page and f"page{n}of{len(pages)}" in page and str(SEED) not in page
    assert_no_question_splits(pages, [problem_of(registry, q) for q in v["questions"]])
    key = pdf_pages(pdflatex(midterm["dir"] / "answer-key.tex", tmp_path))
    assert all(x["code"] in key[0] for x in m["versions"])  # the grid on page 1


def test_full_key_has_solutions_and_space_options(small: Path, tmp_path: Path, registry: Registry) -> None:
    out = tmp_path / "exam"
    r = run_cli("print", str(small), "--seed", "3", "--versions", "2", "--key", "full", "--space", "2cm",
                "-o", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    text = "".join(pdf_pages(out / "answer-key.pdf"))
    assert "Workedsolutions" in text
    for v in m["versions"]:
        for q in v["questions"]:
            find_in_order(text, prose_tokens(problem_of(registry, q).solution), 0)
    # space: the item's own wins, then --space, then from the points
    from quizgen.deck import parse_space
    from quizgen.export.exam import space_for

    spec = parse_deck(SMALL_SPEC.replace("points = 5", 'points = 5\nspace = "40mm"'), registry)
    assert spec.items[1].space_cm == 4.0 and parse_space("2in") == 5.08
    ex = build_exam(spec, registry, seed=1, versions=1)
    assert [q.space_cm for q in ex.versions[0].questions] == [space_for(2)] * 3 + [4.0]
    assert space_for(4) > space_for(2) > space_for(1)
    ex = build_exam(spec, registry, seed=1, versions=1, space_cm=2.5)
    assert [q.space_cm for q in ex.versions[0].questions] == [2.5] * 3 + [4.0]
    with pytest.raises(Exception, match=r"small.toml:\d+: \[\[items\]\] #1 space must be a length"):
        parse_deck(SMALL_SPEC.replace("count = 3", 'count = 3\nspace = "lots"'), registry, "small.toml")


FORM_GEN = """
from quizgen.generator import Generator
from quizgen.model import Answer
from quizgen.params import Param


class Kinds(Generator):
    id = "test.kinds"
    title = "A generator with a form and a categorical part"
    params = (Param("kind", "str", "which quantity", choices=("sum", "product")),
              Param("x", "int", "a number", lo=1, hi=10**6))
    form = ("kind",)

    def draw(self, rng, fixed):
        return {"kind": rng.choice(["sum", "product"]), "x": rng.integer(2, 10**6)}

    def solve(self, p):
        v = p["x"] + 1 if p["kind"] == "sum" else p["x"] * 2
        return [Answer("value", v), Answer("bound", "compute-bound" if v % 2 else "memory-bound",
                                           choices=("compute-bound", "memory-bound"))]

    def render(self, p, answers):
        return f"Take {p['x']} ({p['kind']}).", "Done."

    def check(self, p, answers):
        pass
"""


def test_one_form_per_question_and_check_boxes(tmp_path: Path) -> None:
    gens = tmp_path / "gens"
    gens.mkdir()
    (gens / "kinds.py").write_text(FORM_GEN, encoding="utf-8")
    spec = tmp_path / "k.toml"
    spec.write_text('[deck]\nname = "K"\n[[items]]\ngenerator = "test.kinds"\n[[items]]\ngenerator = "test.kinds"\n'
                    'options = { kind = "product" }\n', encoding="utf-8")
    out = tmp_path / "exam"
    r = run_cli("--generators", str(gens), "print", str(spec), "--seed", "4", "--versions", "12",
                "--format", "pdf", "--format", "tex", "-o", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kinds1 = {v["questions"][0]["params"]["kind"] for v in m["versions"]}
    assert len(kinds1) == 1  # version 1's form for every version
    assert {v["questions"][1]["params"]["kind"] for v in m["versions"]} == {"product"}  # the spec wins
    for v in m["versions"][1:]:  # later versions record the form they were drawn with
        assert all(q["options"]["kind"] in ("sum", "product") for q in v["questions"])
    text = "".join(pdf_pages(out / "version-01.pdf"))
    assert norm("bound: compute-bound memory-bound (choose one)") in text
    assert r"\qzbox~compute-bound" in (out / "version-01.tex").read_text(encoding="utf-8")


# -- hostile spec text (issue 17): LaTeX and Typst get text, or math through the allowlist ---------

INJECT_ERRORS = [  # the instructions text itself (written into the TOML with json.dumps)
    r"\(\operatorname{\input /etc/passwd }\)",
    r'\(\text{x" #read("exam.typ") "y}\)',
    r"\(#range(100000000).len()\)",
    r"\(\read 5 to \x\)",
    r"\(\csname input\endcsname{/etc/passwd}\)",
    r"\(^^5cinput{/etc/passwd}\)",
    r"\(\catcode`\^^M=12\)",
    r"\[\include{/etc/passwd}\]",
    r"\(\openin 1=/etc/passwd\)",
    r"\(x % \)\input{/etc/passwd}\)",
    r"\(\begin{filecontents}{x}\end{filecontents}\)",
    r"\(\eval(1)\)",
]


@pytest.mark.parametrize("instructions", INJECT_ERRORS)
def test_injection_in_instructions_is_refused(instructions: str, tmp_path: Path) -> None:
    spec = tmp_path / "evil.toml"
    spec.write_text(f'[deck]\nname = "E"\n[quiz]\ninstructions = {json.dumps(instructions)}\n'
                    '[[items]]\ngenerator = "flops.matmul"\n', encoding="utf-8")
    r = run_cli("print", str(spec), "--seed", "1", "--format", "pdf", "--format", "tex", "-o", str(tmp_path / "x"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("error: [quiz] instructions: formula") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x").exists()


def test_hostile_prose_prints_literally(tmp_path: Path) -> None:
    """Outside math, spec text is text: Typst gets it as data, LaTeX escaped; nothing runs or leaks."""
    title = r'T #read("exam.typ") \input{/etc/passwd} #range(100000000).len()'
    instr = r'Do #eval("1+1") and #import "x.typ" \catcode ^^5c $x$ %comment'
    spec = tmp_path / "evil.toml"
    spec.write_text(f'[deck]\nname = "E"\n[quiz]\ntitle = {json.dumps(title)}\ncourse = {json.dumps(title)}\n'
                    f'instructions = {json.dumps(instr)}\n[[items]]\ngenerator = "flops.matmul"\n', encoding="utf-8")
    out = tmp_path / "x"
    r = run_cli("print", str(spec), "--seed", "1", "--format", "pdf", "--format", "tex", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = "".join(pdf_pages(out / "version-01.pdf"))
    assert norm('T #read("exam.typ") \\input{/etc/passwd} #range(100000000).len()') in text
    assert norm('Do #eval("1+1") and #import "x.typ" \\catcode ^^5c $x$ %comment') in text
    assert "root:" not in text and "inp.doc_title" not in text
    if shutil.which("pdflatex") is None:
        return
    tex_text = "".join(pdf_pages(pdflatex(out / "version-01.tex", tmp_path)))
    assert "root:" not in tex_text and norm("\\input{/etc/passwd}") in tex_text


def test_typst_compiles_are_bounded() -> None:
    """A document that would run long, eat memory or read files is stopped with one clear error."""
    from quizgen.export.typst import TypstLimitError, TypstPool

    with TypstPool(1, timeout_s=2, memory_mb=1024) as pool, pytest.raises(TypstLimitError, match="longer than 2 s"):
        pool.compile_many([("#{ let n = 0; for i in range(20000) { for j in range(20000) { n += 1 } }; n }", "{}")])
    with TypstPool(1, timeout_s=60, memory_mb=400) as pool, pytest.raises(TypstLimitError, match="more than 400 MB"):
        pool.compile_many([("#range(100000000).len()", "{}")])
    with TypstPool(1) as pool, pytest.raises(RuntimeError, match="(?i)file not found|access denied|failed to load"):
        pool.compile_many([('#read("/etc/passwd")', "{}")])
    with TypstPool(1) as pool:
        with pytest.raises(RuntimeError):
            pool.compile_many([('#read("exam.typ")', "{}")])  # the root is an empty folder
        # a worker that failed is replaced by a fresh pool; a good document still compiles
    with TypstPool(1) as pool:
        pdf, warns = pool.compile_many([("Hello", "{}")])[0]
        assert pdf.startswith(b"%PDF") and warns == []


def test_typst_code_in_converted_math_is_refused() -> None:
    from quizgen.export.typst import has_code

    assert has_code('"x" #read("exam.typ") "y"') and has_code("#range(10)")
    assert not has_code('a #h(-math.thin.amount) b') and not has_code('"a#b"') and not has_code(r"upright(\#)")


# -- atomic re-print (issue 17 group 4) -----------------------------------------------------------

KILL_SCRIPT = """
import os, re, sys
from pathlib import Path
import quizgen.export.outdir as od
target, at, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode == "renames":
    od._exchange = lambda a, b: False
def step(name):
    if name == at:
        os._exit(9)  # killed: no cleanup of any kind runs
od._step = step
owned = re.compile(r"version-\\d+\\.pdf|answer-key\\.pdf|manifest\\.json")
with od.OutputDir(target, owned, force=True) as tmp:
    for i in range(1, 4):
        (tmp / f"version-{i:02d}.pdf").write_text("new")
    (tmp / "answer-key.pdf").write_text("new")
    (tmp / "manifest.json").write_text("new")
"""
OLD = {"version-01.pdf": "old", "version-02.pdf": "old", "answer-key.pdf": "old", "manifest.json": "old",
       "notes.txt": "mine", "drafts/a.txt": "mine"}
NEW = {"version-01.pdf": "new", "version-02.pdf": "new", "version-03.pdf": "new", "answer-key.pdf": "new",
       "manifest.json": "new", "notes.txt": "mine", "drafts/a.txt": "mine"}


def _tree(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): p.read_text() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("mode", ["exchange", "renames"])
@pytest.mark.parametrize("at", ["carry-file", "swap", "between-renames", "carry-folders", "clean", "never"])
def test_reprint_killed_at_each_step_leaves_old_or_new(tmp_path: Path, mode: str, at: str) -> None:
    import sys

    from quizgen.export.outdir import OutputDir

    target = tmp_path / "exam"
    for name, text in OLD.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    r = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(target), at, mode], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == (0 if at == "never" else 9) or (at == "between-renames" and mode == "exchange"), r.stderr
    owned = re.compile(r"version-\d+\.pdf|answer-key\.pdf|manifest\.json")
    if target.exists():  # right after the kill: the whole old exam or the whole new one, never a mix
        got = _tree(target)  # (the user's sub-folder may still wait beside it: carried over below)
        assert got in (OLD, NEW, {k: v for k, v in NEW.items() if not k.startswith("drafts")}), got
    else:
        assert mode == "renames" and at == "between-renames"  # the old one is set aside; recovered below
    OutputDir(target, owned, force=True).recover()  # what the next run does first
    assert _tree(target) in (OLD, NEW), _tree(target)
    assert [p.name for p in tmp_path.iterdir()] == ["exam"]  # no leftovers beside it
    with OutputDir(target, owned, force=True) as tmp:  # and the next run completes
        (tmp / "manifest.json").write_text("newer")
    assert _tree(target) == {"manifest.json": "newer", "notes.txt": "mine", "drafts/a.txt": "mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["exam"]


def test_reprint_swaps_the_whole_exam(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "exam"
    assert run_cli("print", str(small), "--seed", "1", "--versions", "3", "-o", str(out)).returncode == 0
    (tmp_path / ".quizgen-tmp-exam.abcdefgh.tmp").mkdir()  # a killed run's leftover
    (tmp_path / ".quizgen-tmp-exam-2.abcdefgh.tmp").mkdir()  # another target's: not ours to clean
    r = run_cli("print", str(small), "--seed", "2", "--versions", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["seed"] == 2 and sorted(p.name for p in out.iterdir()) == [
        "answer-key.pdf", "manifest.json", "responses-template.csv", "version-01.pdf", "version-02.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".quizgen-tmp-exam-2.abcdefgh.tmp", "exam", "small.toml"]


def test_every_character_of_our_texts_has_a_latex_form(registry: Registry) -> None:
    """pdflatex prints "[U+00BD]" for a character it has no form for; none of ours may get that."""
    from quizgen.export.latex import latex_for_char

    chars: dict[str, str] = {}
    for gen in registry:
        if getattr(gen, "measured", False):  # bench.*: their texts are fixed, drawing them measures
            continue
        for s in range(10):
            p = gen.problem(s)
            text = p.question + p.solution + "".join(a.label + (a.unit or "") + a.precision for a in p.answers)
            for ch in set(text):
                chars.setdefault(ch, f"{gen.id} seed {s}")
    bad = {ch: where for ch, where in chars.items() if "[U+" in (latex_for_char(ch) or "")}
    assert not bad, bad
    assert latex_for_char("½") == r"\ensuremath{\tfrac{1}{2}}" and latex_for_char("ﬁ") == "fi"


def test_one_form_per_item_issue_14(registry: Registry) -> None:
    """20 versions of float_round + roofline + kv_cache: each question keeps version 1's form and the
    same answer parts in every version (for generators that declare a form)."""
    spec = parse_deck('[deck]\nname = "F"\n[[items]]\ngenerator = "numerics.float_round"\n'
                      '[[items]]\ngenerator = "gpu.roofline"\n[[items]]\ngenerator = "llm.kv_cache_bytes"\n',
                      registry)
    ex = build_exam(spec, registry, seed=SEED, versions=20)
    for i, item in enumerate(spec.items):
        gen = registry.get(item.generator)
        qs = [v.questions[i] for v in ex.versions]
        assert len({json.dumps(gen.form_of(q.problem.params), sort_keys=True) for q in qs}) == 1
        if gen.form:  # declared: then the parts are the same too
            assert len({tuple(a.label for a in q.problem.answers) for q in qs}) == 1, gen.id
        for a, b in zip(qs, qs[1:], strict=False):
            assert a.problem.params != b.problem.params


def test_symlink_output_is_refused(small: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    r = run_cli("print", str(small), "--seed", "1", "-o", str(tmp_path / "link"))
    assert r.returncode == 2 and "is a symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert list(real.iterdir()) == []


def test_failure_while_drawing_ends_the_workers(registry: Registry) -> None:
    """An error in the middle of the stream (a draw, a formula) stops every worker process."""
    import os

    from quizgen.export.exam import exam_head, iter_versions
    from quizgen.export.typst import TypstExporter

    spec = parse_deck(SMALL_SPEC, registry)
    ex = TypstExporter(jobs=2)
    ex.start()
    assert ex._pool is not None
    procs = list(ex._pool._procs)

    def versions() -> Iterator[Any]:
        it = iter_versions(spec, registry, seed=1, versions=3)
        yield next(it)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        ex.render_stream(exam_head(spec, seed=1), versions())
    assert all(p.poll() is not None for p in procs) and ex._pool is None
    assert all(not os.path.exists(f"/proc/{p.pid}") for p in procs) or os.name != "posix"
