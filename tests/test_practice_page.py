"""The HTML practice page reads answers exactly as the drill does: a table of typed strings is
parsed by Python's :func:`quizgen.drill.parse.parse_for` and by the page's JavaScript port in
headless Chromium, and both must agree (value, list, word, or an error)."""

from __future__ import annotations

import html as html_mod
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from quizgen.drill.parse import parse_for, unit_table_json
from quizgen.errors import AnswerParseError
from quizgen.model import Answer
from tests.conftest import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHOICES = ("compute-bound", "memory-bound")

# (typed, answer unit); a number in the answer's unit, or an error
SCALARS: list[tuple[str, str | None]] = [
    ("16 TiB", "B"), ("240 GB", "B"), ("240 GB", "GB"), ("5 s", "ms"), ("3 ms", "s"), ("3/4", None),
    ("2^30", None), ("12%", None), ("12 %", "B"), ("0.3 percent", None), ("1.5 × 10^9", None),
    ("1.5x10^9", None), ("1.5 X 10^9 FLOP", "FLOP"), ("70B params", "params"), ("70B", "params"),
    ("70 billion", "params"), ("1.2 GB", "GiB"), ("16 GiB", "B"), ("5.9e22 FLOP", "FLOP"),
    ("5.9e22 FLOPs", "FLOP"), ("312 TFLOPS", "TFLOP/s"), ("312 TFLOPS", "FLOP"), ("312 TFLOP/s", "FLOP/s"),
    ("3.2 TB/s", "GB/s"), ("100 GB per s", "GB/s"), ("2 PF/s-days", "FLOP"), ("2 days", "h"), ("48 h", "days"),
    ("1 year", "s"), ("0.5 nat", "nats"), ("1 nat", "bits"), ("8 bits", "B"), ("16 Gb", "B"), ("16gb", "B"),
    ("1.5M", "tokens"), ("1.5M tokens", "tokens"), ("300 tok", "tokens"), ("2 meters", "s"), ("3 GB", "s"),
    ("3 GB", None), ("5 µs", "s"), ("5 us", "ms"), ("2 kB", "B"), ("2 KiB", "B"), ("2 kib", "B"), ("4 GIB", "B"),
    ("1 TFLOP", "GFLOP"), ("1.5e9 FLOP/s", "TFLOP/s"), ("2 × 3 GB", "B"), ("1 GB/s", "B/s"), ("3 s^2", "s"),
    ("3 s²", "s²"), ("1 h 30 min", "s"), ("6.4 TB", "TB"), ("524288 FLOP", "FLOP"), ("0.5 nat", "nat"),
    ("-0.5", None), ("\u22120.5", None), ("\u2248 3e9", None), ("=42", None), ("~ 7", None), ("1,500,000", None),
    ("1,5", None), ("1,50", None), ("1,5000", None), ("1 500", None), ("6 425 935 872", None),
    ("1\u2009500\u2009000", None), ("2\u00b3\u2070", None), ("10\u207b\u00b3", None), ("2**10", None),
    ("2^-3", None), ("-2^2", None), ("(1/3)", None), ("(1", None), ("1/0", None), ("0^-1", None),
    ("2^1024", None), ("2^1000", None), ("1e400", None), ("1e-5", None), (".5", None), ("5.", None),
    ("1_000", None), ("abc", None), ("", None), ("   ", None), ("alert(1)", None), ("1e", None),
    ("2+3", None), ("(2+3)", None), ("3 x 4", None), ("3x", None), ("1 2", None), ("1, 2", None),
    ("4 ÷ 8", None), ("3·4", None), ("(-8)^(1/3)", None), ("2^0.5", None), ("1e1001", None),
    ("(" * 99 + "2" + ")" * 99, None), ("(" * 3000 + "2" + ")" * 3000, None), ("-" * 5000 + "1", None),
    ("9" * 5000, None), ("1" + "e9" * 10, None),
]
VECTORS: list[tuple[str, str | None, int]] = [
    ("[0.7, 0.67]", None, 2), ("0.7; 0.67", None, 2), ("1,500, 2", None, 2), ("1,500; 2", None, 2),
    ("1.5 GB, 2", "B", 2), ("1, 2, 3", None, 2),
    ("(1; 2)", None, 2), ("1 GB; 2 GB", "B", 2), ("[1,2]", None, 2), ("1;", None, 2), ("3/4, 2^3", None, 2),
]
WORDS = ["memory", "Compute bound", "c", "bound", "MEMORY-BOUND", "", "m", "compute-bound!", "x" * 201]


def cases() -> list[tuple[dict[str, Any], Answer, str]]:
    """(the page's answer data, the Python answer, typed text)."""
    out = []
    for text, unit in SCALARS:
        out.append(({"value": [1.0], "vector": False, "unit": unit}, Answer("x", 1.0, unit), text))
    for text, unit, n in VECTORS:
        out.append(({"value": [1.0] * n, "vector": True, "unit": unit}, Answer("x", [1.0] * n, unit), text))
    for text in WORDS:
        data = {"value": [], "vector": False, "unit": None, "choices": list(CHOICES), "word": "memory-bound"}
        out.append((data, Answer("x", "memory-bound", choices=CHOICES), text))
    return out


RUNNER = """(function () {
  var data = JSON.parse(document.getElementById("qz-test-data").textContent), out = [];
  data.cases.forEach(function (c) {
    try { out.push({ok: window.quizgen.parseFor(c[0], c[1])}); }
    catch (e) { if (!(e instanceof window.quizgen.ParseError)) throw e; out.push({err: e.message}); }
  });
  var res = {parsed: out, fills: []};
  data.fills.forEach(function (f) {
    var li = document.getElementById(f.li), inputs = li.querySelectorAll(".qz-input");
    f.values.forEach(function (v, i) { inputs[i].value = v; });
    li.querySelector(".qz-check").click();
    res.fills.push(Array.prototype.map.call(li.querySelectorAll(".qz-part"), function (p) {
      return p.getAttribute("data-result"); }));
  });
  var pre = document.createElement("pre");
  pre.id = "qz-test-result";
  pre.textContent = JSON.stringify(res);
  document.body.appendChild(pre);
})();"""

SPEC = """
[deck]
name = "Units"
[[items]]
generator = "llm.kv_cache_bytes"
[[items]]
generator = "llm.training_days"
[[items]]
generator = "gpu.roofline"
[[items]]
generator = "llm.param_count"
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("practice")
    spec = base / "units.toml"
    spec.write_text(SPEC, encoding="utf-8")
    r = run_cli("print", str(spec), "--seed", "3", "--format", "html", "-o", str(base / "out"))
    assert r.returncode == 0, r.stderr
    manifest = json.loads((base / "out" / "manifest.json").read_text(encoding="utf-8"))
    return {"path": base / "out" / "practice.html", "manifest": manifest}


def run_page(page: Path, tmp_path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    assert CHROMIUM
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    test_page = tmp_path / "page.html"
    test_page.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", f'<script id="qz-test-data" type="application/json">{data}</script>'
                   f"<script>{RUNNER}</script></body>"), encoding="utf-8")
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", test_page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="qz-test-result">(.*?)</pre>', r.stdout, re.S)
    assert m, f"no result in the page: {r.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(html_mod.unescape(m.group(1)))
    return result


def python_reads(a: Answer, text: str) -> Any:
    try:
        return {"ok": parse_for(a, text)}
    except AnswerParseError as e:
        return {"err": str(e)}


def same(py: dict[str, Any], js: dict[str, Any]) -> bool:
    if ("err" in py) != ("err" in js):
        return False
    if "err" in py:
        return True
    a, b = py["ok"], js["ok"]
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list) != isinstance(b, list):
        return False
    return bool(pytest.approx(a, rel=1e-12, abs=0) == b)


def test_the_page_holds_the_drills_unit_table(page: dict[str, Any]) -> None:
    text = page["path"].read_text(encoding="utf-8")
    m = re.search(r'<script id="qz-units" type="application/json">(.*?)</script>', text, re.S)
    assert m
    assert json.loads(m.group(1).replace("<\\/", "</")) == json.loads(json.dumps(unit_table_json()))


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_page_parses_like_the_drill(page: dict[str, Any], tmp_path: Path) -> None:
    table = cases()
    v1 = page["manifest"]["versions"][0]["questions"]
    kv, days = v1[0]["answers"][0], v1[1]["answers"][0]
    assert kv["unit"] == "B" and days["unit"] == "days"
    gib = kv["value"] / 2**30
    fills = [  # typed in other units than the answer's, as the example
        {"li": "v1-q1", "values": [f"{gib:.10g} GiB"], "expect": ["correct"]},
        {"li": "v1-q1", "values": [f"{kv['value'] / 1e9:.10g} GB"], "expect": ["correct"]},
        {"li": "v1-q1", "values": [f"{gib * 2:.10g} GiB"], "expect": ["incorrect"]},
        {"li": "v1-q1", "values": ["5 s"], "expect": ["invalid"]},
        {"li": "v1-q2", "values": [f"{days['value'] * 24:.4g} h"], "expect": ["correct"]},
    ]
    res = run_page(page["path"], tmp_path, {"cases": [[data, text] for data, _, text in table], "fills": fills})
    disagree = []
    for (data, a, text), js in zip(table, res["parsed"], strict=True):
        py = python_reads(a, text)
        if not same(py, js):
            disagree.append((text, data.get("unit"), py, js))
    assert not disagree, "\n".join(map(repr, disagree))
    # the table is not vacuous: most cases read, many fail, units convert
    oks = [js for js in res["parsed"] if "ok" in js]
    assert 60 <= len(oks) and len(res["parsed"]) - len(oks) >= 30
    assert res["parsed"][0] == {"ok": 16 * 2**40}
    for f, got in zip(fills, res["fills"], strict=True):
        assert got == f["expect"], (f, got)
