"""A newcomer's first hour (issue 19): `quizgen new` → show → check → build with the real CLI,
`check` without torch, the generator reference kept fresh, and the small slips users met."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from quizgen.cli.list_cmd import REGENERATE
from quizgen.cli.new import check_id, class_name
from quizgen.errors import UserError
from quizgen.render.terminal import tex_to_text

from .conftest import ROOT, run_cli

GEN_ID = "mycourse.bandwidth_time"


def _one_error_line(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


def _notes_in(apkg: Path) -> int:
    with zipfile.ZipFile(apkg) as z:
        name = next(n for n in ("collection.anki21", "collection.anki2") if n in z.namelist())
        data = z.read(name)
    db = apkg.with_suffix(".sqlite3")
    db.write_bytes(data)
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        conn.close()


def test_new_then_show_check_and_build_with_the_real_cli(tmp_path: Path) -> None:
    """The issue's "done when": new → show → check --seeds 30 → a 3-note build, all with --generators."""
    res = run_cli("new", GEN_ID, "--dir", "mygens", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    path = tmp_path / "mygens" / "mycourse_bandwidth_time.py"
    assert path.is_file() and f"wrote mygens{os.sep}mycourse_bandwidth_time.py" in res.stdout
    assert "quizgen --generators mygens check mycourse.bandwidth_time --seeds 30" in res.stdout
    text = path.read_text()
    assert "example." not in text and "class BandwidthTime(Generator)" in text
    for part in ("def draw", "def plausible", "def solve", "def render", "def distractors", "def check", "form = "):
        assert part in text, part

    res = run_cli("--generators", "mygens", "show", GEN_ID, "--seed", "3", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "GB/s" in res.stdout and "Give your answer to 3 significant figures." in res.stdout
    assert "common mistakes" in res.stdout

    res = run_cli("--generators", "mygens", "check", GEN_ID, "--seeds", "30", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all 1 generators passed (30 problems)" in res.stdout

    spec = tmp_path / "mine.toml"
    spec.write_text(textwrap.dedent(f"""\
        [deck]
        name = "My course"
        seed = 1
        [[items]]
        generator = "{GEN_ID}"
        count = 3
    """))
    res = run_cli("--generators", "mygens", "build", str(spec), "-o", "mine.apkg", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert _notes_in(tmp_path / "mine.apkg") == 3


def test_new_refuses_bad_ids_existing_ids_and_existing_files(tmp_path: Path) -> None:
    for bad in ("BandwidthTime", "my-course.x", "mycourse", "a.b.c", "1a.b", "a._b", "Mycourse.bandwidth"):
        _one_error_line(run_cli("new", bad, "--dir", "g", cwd=tmp_path), repr(bad), "AREA.NAME")
    assert not (tmp_path / "g").exists()  # nothing made on a refused id
    _one_error_line(run_cli("new", "flops.matmul", "--dir", "g", cwd=tmp_path), "'flops.matmul' already exists",
                    "flops.py")

    assert run_cli("new", "a.b", "--dir", "g", cwd=tmp_path).returncode == 0
    before = (tmp_path / "g" / "a_b.py").read_bytes()
    _one_error_line(run_cli("new", "a.b", "--dir", "g", cwd=tmp_path), "'a.b' already exists")
    # The same file name from an id defined elsewhere: the file is never overwritten.
    (tmp_path / "g" / "a_b.py").write_text("# my own notes\n")
    _one_error_line(run_cli("new", "a.b", "--dir", "g", cwd=tmp_path), "a_b.py", "never overwrites")
    assert (tmp_path / "g" / "a_b.py").read_text() == "# my own notes\n"
    (tmp_path / "g" / "a_b.py").write_bytes(before)

    (tmp_path / "afile").write_text("x")
    _one_error_line(run_cli("new", "c.d", "--dir", "afile", cwd=tmp_path), "'afile' is a file")


def test_two_new_generators_live_side_by_side_and_pass_check(tmp_path: Path) -> None:
    """Every generated module has its own constants; two in one folder load and pass together."""
    for gen_id in ("phys.none", "phys.copy_time"):
        assert run_cli("new", gen_id, "--dir", "g", cwd=tmp_path).returncode == 0
    assert "class NoneQuestion(Generator)" in (tmp_path / "g" / "phys_none.py").read_text()
    res = run_cli("--generators", "g", "check", "phys.none", "phys.copy_time", "--seeds", "10", cwd=tmp_path)
    assert res.returncode == 0 and "all 2 generators passed" in res.stdout, res.stdout + res.stderr


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff not installed")
def test_generated_file_is_lint_clean(tmp_path: Path) -> None:
    assert run_cli("new", "mycourse.lint_me", "--dir", "g", cwd=tmp_path).returncode == 0
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    res = subprocess.run([ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"),
                          str(tmp_path / "g" / "mycourse_lint_me.py")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_ids_and_class_names() -> None:
    assert check_id("mycourse.bandwidth_time") == ("mycourse", "bandwidth_time")
    with pytest.raises(UserError, match="e.g. my_course.x"):
        check_id("My-Course.x")
    assert class_name("bandwidth_time") == "BandwidthTime"
    assert class_name("none") == "NoneQuestion" and class_name("x2") == "X2"


# -- check on user generators: the same property checks as ours --------------------------------------

BROKEN = '''\
from quizgen.model import Distractor
from quizgen.templates.bandwidth_time import BandwidthTime

_calls = [0]


class AcceptedDistractor(BandwidthTime):
    id = "bad.accepted_distractor"

    def distractors(self, p, answers):
        return [Distractor(answers[0].value, "the right answer, listed as a mistake")]


class OutOfRange(BandwidthTime):
    id = "bad.out_of_range"

    def draw(self, rng, fixed):
        return {**super().draw(rng, fixed), "size_gb": 5000.0}


class NotDeterministic(BandwidthTime):
    id = "bad.not_deterministic"

    def draw(self, rng, fixed):
        _calls[0] += 1
        return {**super().draw(rng, fixed), "size_gb": 1.0 + _calls[0] % 7}


class WrongCheck(BandwidthTime):
    id = "bad.wrong_answer"

    def solve(self, p):
        a = super().solve(p)[0]
        return [type(a)(a.label, a.value * 1.01, a.unit)]
'''


def test_check_runs_the_property_checks_on_user_generators(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BROKEN)
    res = run_cli("--generators", str(tmp_path), "check", "bad.accepted_distractor", "bad.out_of_range",
                  "bad.not_deterministic", "bad.wrong_answer", "--seeds", "3")
    assert res.returncode == 1, res.stdout + res.stderr
    out = " ".join(res.stdout.split())
    assert "bad.accepted_distractor seed 0: distractor" in out and "is accepted as correct" in out
    assert "bad.out_of_range seed 0: param size_gb=5000.0 outside its declared draw range" in out
    assert "bad.not_deterministic seed 0: not deterministic" in out
    assert "bad.wrong_answer seed 0: quizgen.errors.CheckError: decimal bytes ÷ bytes/s: answer" in out
    assert "4 of 4 generators failed" in out


# -- check without torch -------------------------------------------------------------------------------

NO_TORCH = textwrap.dedent('''\
    import sys

    class _NoTorch:
        """`import torch` fails as it does where torch is not installed."""

        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.modules.pop("torch", None)
    sys.meta_path.insert(0, _NoTorch())
    from quizgen.cli import main

    sys.argv = ["quizgen", *sys.argv[1:]]
    main()
''')

NEEDS_TORCH = '''\
from quizgen.templates.bandwidth_time import BandwidthTime


class TorchChecked(BandwidthTime):
    id = "t.torch_checked"

    def check(self, p, answers):
        import torch  # the cross-check needs torch

        super().check(p, answers)
        assert torch.tensor([1.0]).sum().item() == 1.0


class OtherModule(BandwidthTime):
    id = "t.other_module"

    def check(self, p, answers):
        import quizgen_no_such_module  # noqa: F401  (not optional: a real failure)
'''


def _without_torch(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide terminal, so that the one skipped line stays one line.
    env = {**os.environ, "COLUMNS": "300", "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, timeout=600,
                          env=env)


def test_check_without_torch_skips_those_cross_checks_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(NEEDS_TORCH)
    gens = str(tmp_path)
    # torch really is blocked in that process
    probe = subprocess.run([sys.executable, "-c", NO_TORCH.replace("from quizgen.cli import main", "import torch")],
                           capture_output=True, text=True)
    assert "ModuleNotFoundError: No module named 'torch'" in probe.stderr

    res = _without_torch("--generators", gens, "check", "t.torch_checked", "units.time", "--seeds", "4")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "Traceback" not in out and "ModuleNotFoundError" not in out
    skipped = [line for line in out.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1, out
    assert "torch" in skipped[0] and 'pip install "quizgen[bench]"' in skipped[0] and "1 generator " in skipped[0]
    assert "all 2 generators passed" in out

    # A measured generator cannot even be drawn without torch: skipped, said in the same one line.
    res = _without_torch("check", "bench.matmul_time", "--seeds", "2")
    out = res.stdout + res.stderr
    assert res.returncode == 0 and "Traceback" not in out, out
    assert "all 2 problems of 1 generator that need torch to draw" in out and "quizgen[bench]" in out

    # Any other missing module is a failure, named, not skipped.
    res = _without_torch("--generators", gens, "check", "t.other_module", "--seeds", "2")
    out = " ".join(res.stdout.split())
    assert res.returncode == 1 and "No module named 'quizgen_no_such_module'" in out
    assert "skipped" not in out


def test_check_with_torch_runs_the_torch_cross_checks(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    (tmp_path / "mine.py").write_text(NEEDS_TORCH)
    res = run_cli("--generators", str(tmp_path), "check", "t.torch_checked", "--seeds", "3")
    assert res.returncode == 0 and "skipped" not in res.stdout, res.stdout + res.stderr


# -- the generator reference ---------------------------------------------------------------------------

def test_docs_generators_md_is_fresh() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QUIZGEN_PATH"}
    res = subprocess.run([sys.executable, "-m", "quizgen", "list", "--markdown"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr
    committed = (ROOT / "docs" / "generators.md").read_text(encoding="utf-8")
    assert res.stdout == committed, (
        f"docs/generators.md is out of date with the generators: regenerate it with `{REGENERATE}` "
        "(from the repository root, without --generators/QUIZGEN_PATH) and commit it")


def test_markdown_reference_lists_every_generator_with_its_params() -> None:
    text = (ROOT / "docs" / "generators.md").read_text(encoding="utf-8")
    res = run_cli("list", "--json")
    import json

    for g in json.loads(res.stdout):
        assert f"### `{g['id']}`" in text, g["id"]
        for name in g["params"]:
            assert f"| `{name}` |" in text, (g["id"], name)


# -- slips ---------------------------------------------------------------------------------------------

def test_print_o_with_a_file_name_is_an_error_not_a_folder(tmp_path: Path) -> None:
    _one_error_line(run_cli("print", "ml-math", "-o", "out.pdf", cwd=tmp_path), "-o 'out.pdf'", "-o is a folder",
                    "-o out/")
    assert not (tmp_path / "out.pdf").exists()


def test_list_help_promises_only_what_the_table_shows(tmp_path: Path) -> None:
    res = run_cli("list", "--help")
    assert res.returncode == 0 and "--markdown" in res.stdout
    table = run_cli("list").stdout
    head = next(line for line in table.splitlines() if " id " in line)
    # The help names the columns the table has; the area is the part of the id before the dot.
    assert "area" not in head and "the area is the part before the dot" in " ".join(res.stdout.split())


def test_display_math_has_one_blank_line_around_it() -> None:
    text = tex_to_text("Every layer:\n\n\\[2 L d\\]\n\nthat is \\(x^2\\) more. \\[a = b\\] end")
    assert text == "Every layer:\n\n  2 L d\n\nthat is x² more.\n\n  a = b\n\nend"
    assert tex_to_text("\\[a\\]") == "  a"
    res = run_cli("show", "llm.kv_cache_bytes", "--seed", "2")
    rows = [line.strip("│ ") for line in res.stdout.splitlines()]
    assert not any(a == b == "" for a, b in zip(rows, rows[1:], strict=False)), res.stdout


# -- the docs ------------------------------------------------------------------------------------------

DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(md: str) -> set[str]:
    """GitHub's heading anchors (lowercase, punctuation dropped, spaces to -) and explicit ids."""
    out = {m.group(1) for m in re.finditer(r'<a id="([^"]+)"', md)}
    for line in md.splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return out


@pytest.mark.parametrize("doc", ["guide.md", "authoring.md", "generators.md", "commands.md", "lms.md",
                                 "../README.md"])
def test_doc_links_point_at_files_and_headings_in_the_repo(doc: str) -> None:
    path = (DOCS / doc).resolve()
    base = path.parent
    text = path.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        assert "shared/" not in target and (base / target.partition("#")[0]).resolve().is_relative_to(ROOT), \
            (doc, target)  # nothing outside the repository
        file, _, anchor = target.partition("#")
        dest = (base / file) if file else path
        assert dest.is_file(), (doc, target)
        if anchor:
            assert anchor in _anchors(dest.read_text(encoding="utf-8")), (doc, target)


def test_readme_is_short_and_honest_about_torch() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 12 * 1024
    block = re.compile(r"<!-- test-command -->\n```bash\n(.*?)\n```\n<!-- /test-command -->", re.S)
    m = block.search(readme)
    assert m is not None and "pip install torch==2.13.0" in m.group(1) and "pytest" in m.group(1)
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in readme
    assert 'pip install "quizgen[bench]"' in readme
    assert "../shared" not in readme and "DESIGN.md" not in readme


def test_authoring_guide_example_passes_check(tmp_path: Path) -> None:
    text = (DOCS / "authoring.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- authoring-example -->\n```python\n(.*?)```\n<!-- /authoring-example -->", text, re.S)
    assert m is not None
    (tmp_path / "mygens").mkdir()
    (tmp_path / "mygens" / "mycourse_load_time.py").write_text(m.group(1))
    res = run_cli("--generators", "mygens", "check", "mycourse.load_time", "--seeds", "40", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_cli("--generators", "mygens", "show", "mycourse.load_time", "--seed", "1", cwd=tmp_path)
    assert "Llama-3-70B has 7.06 × 10¹⁰ parameters" in res.stdout and "time: 8.97 s" in res.stdout


def test_template_draws_stay_plausible_when_the_form_or_a_link_is_fixed() -> None:
    """Printed versions pass the first version's form (the unit) as fixed; decks may fix a link."""
    from quizgen.templates.bandwidth_time import LINKS, UNITS, BandwidthTime

    gen = BandwidthTime()
    fixes: list[dict[str, str]] = [{"unit": u} for u in UNITS] + [{"link": k} for k in LINKS]
    for fixed in fixes:
        for seed in range(40):
            p = gen.problem(seed, fixed)
            assert gen.plausible(p.params) == [], (fixed, seed, p.params)
            assert all(prm.in_draw_range(p.params[prm.name]) for prm in gen.params), (fixed, p.params)
            assert 1 <= float(p.answers[0].values[0]) <= 1000, (fixed, p.params)
            gen.check(p.params, p.answers)
