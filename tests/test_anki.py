"""Anki export: every package we write is imported into a fresh collection with the official
``anki`` package (a real client), rendered, reviewed and reimported; the variant-picking card
script runs in headless Chromium the way Anki's reviewer runs it."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from quizgen.deck import DeckSpec, parse_deck
from quizgen.errors import OutputError
from quizgen.export.anki import (
    FIELDS,
    MODEL_ID,
    MODEL_NAME,
    RECALL_MODEL_ID,
    RECALL_MODEL_NAME,
    area_tag,
    work_units,
    write_apkg,
)
from quizgen.generator import Generator, Params
from quizgen.model import Answer, Problem, Tolerance
from quizgen.registry import Registry, area_title
from quizgen.render.numbers import tex, typeable

from .conftest import generator_formulas, run_cli

pytest.importorskip("anki.collection")  # before anki.cards (FORMATS.md §1)
from anki.collection import (  # noqa: E402
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

T0 = 1_700_000_000.0
TEMPLATE_ERRORS = ("template has a problem", "front of this card is blank", "templates/errors.html",
                   "no field called")


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture()
def col(tmp_path: Path) -> Iterator[Any]:
    c = Collection(str(tmp_path / "collection.anki2"))
    yield c
    c.close()


def import_apkg(col: Any, path: Path) -> Any:
    req = ImportAnkiPackageRequest(package_path=str(path),
                                   options=ImportAnkiPackageOptions(with_scheduling=False))
    return col.import_anki_package(req).log


def spec_of(registry: Registry, body: str, name: str = "Test deck", **deck: Any) -> DeckSpec:
    head = "\n".join(f"{k} = {json.dumps(v)}" for k, v in {"name": name, **deck}.items())
    return parse_deck(f"[deck]\n{head}\n{body}", registry)


def items(*entries: tuple[str, int]) -> str:
    return "".join(f'[[items]]\ngenerator = "{g}"\ncount = {n}\n' for g, n in entries)


def notes_table(apkg: Path, tmp: Path) -> list[tuple[Any, ...]]:
    db = tmp / f"raw-{apkg.stem}.anki2"
    db.write_bytes(zipfile.ZipFile(apkg).read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        return conn.execute("select guid, mid, tags, flds from notes order by guid").fetchall()


class _TagBalance(HTMLParser):
    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def assert_renders(q: str, a: str) -> None:
    for side in (q, a):
        balance = _TagBalance()
        balance.feed(side)
        balance.close()
        assert not balance.stack, f"unclosed {balance.stack}: {side[:300]}"
        low = side.lower()
        assert not any(e in low for e in TEMPLATE_ERRORS), side[:500]
        text = re.sub(r"<script>.*?</script>|<style>.*?</style>|\\\(.*?\\\)|\\\[.*?\\\]", "", side, flags=re.S)
        assert not re.search(r"\{\{[^{}]*\}\}", text), side[:500]  # no template left unexpanded
    assert "\\(" in a or "\\[" in a  # MathJax markup reaches the card (the answer value is math)


def matmul_cls(registry: Registry) -> type[Generator]:
    return type(registry.get("flops.matmul"))


def registry_with(*gens: Generator) -> Registry:
    return Registry({g.id: g for g in gens}, {})


def reworded(registry: Registry) -> Generator:
    base = matmul_cls(registry)

    class Reworded(base):  # type: ignore[valid-type,misc]
        def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
            q, s = super().render(p, answers)
            return q.replace("How many FLOPs", "Count the FLOPs: how many"), s + " (reworded)"

    return Reworded()


# -- a real import of every generator ---------------------------------------------------------------------
def test_every_generator_imports_and_renders(registry: Registry, col: Any, tmp_path: Path) -> None:
    """Every registered generator (new ones included automatically), with 2 variants and type-in cards."""
    body = ""
    for gen in registry:
        body += f'[[items]]\ngenerator = "{gen.id}"\ncount = 1\n'
        if gen.measured:
            body += "variants = 1\n"
    spec = spec_of(registry, body, name="All generators", variants=2, type_in=True, seed=11)
    out = tmp_path / "all.apkg"
    res = write_apkg(spec, registry, out, seed=11, timestamp=T0)
    assert res.notes == len(registry) and res.cards == 2 * len(registry)

    log = import_apkg(col, out)
    assert len(log.new) == len(registry) and not log.updated and not log.duplicate and not log.conflicting
    assert col.note_count() == len(registry) and col.card_count() == 2 * len(registry)
    areas = {g.area for g in registry}
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {f"All generators::{area_title(a)}" for a in areas} <= names
    model = col.models.by_name(MODEL_NAME)
    assert model["id"] == MODEL_ID and [f["name"] for f in model["flds"]] == list(FIELDS)

    for gen in registry:
        key_glob = gen.id.replace("_", "\\_")  # "_" is a wildcard in Anki's search
        nids = col.find_notes(f'"Key:{key_glob}/*"')
        assert len(nids) == 1, gen.id
        note = col.get_note(nids[0])
        short = gen.id.split(".", 1)[1]
        tag = area_tag(gen.area)  # named like the subdeck
        assert set(note.tags) >= {"quizgen", tag, f"{tag}::{short}"}
        assert tag.replace("_", " ") == area_title(gen.area)
        deck_names = {col.decks.name(c.did) for c in note.cards()}
        assert deck_names == {f"All generators::{area_title(gen.area)}"}
        cards = sorted(note.cards(), key=lambda c: c.ord)
        assert [c.ord for c in cards] == [0, 1], gen.id  # recall + type-in
        for card in cards:
            q, a = card.question(), card.answer()
            assert_renders(q, a)
        assert "<script>" in cards[0].question()
        assert "[[type:AnswerPlain]]" in cards[1].question()
        assert note["AnswerPlain"] and "<" not in note["AnswerPlain"]
    assert col.find_notes("tag:FLOPs::*") and col.find_notes('"deck:All generators::FLOPs"')


def test_escaping_math_and_markdown(registry: Registry, col: Any, tmp_path: Path) -> None:
    base = matmul_cls(registry)

    class Hostile(base):  # type: ignore[valid-type,misc]
        def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
            q = ("Is a<b c>d & <script>alert(1)</script> **bold**? Inline \\(x < y\\) and\n\n"
                 "display \\[a >\n b\\]")
            return q, "Because \\(1 < 2\\)."

    out = tmp_path / "esc.apkg"
    write_apkg(spec_of(registry_with(Hostile()), items(("flops.matmul", 1))), registry_with(Hostile()),
               out, seed=1, timestamp=T0)
    import_apkg(col, out)
    card = col.get_card(col.find_cards("")[0])
    q = card.question()
    assert "a&lt;b c&gt;d &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in q
    assert "<strong>bold</strong>" in q
    assert "\\(x &lt; y\\)" in q
    assert "\\[a &gt; b\\]" in q  # no newline inside a formula (it breaks MathJax)
    assert q.count("<script>") == 1  # only our picker
    assert "\\(1 &lt; 2\\)" in card.answer()


def test_answer_fields_measured_and_units(registry: Registry, col: Any, tmp_path: Path) -> None:
    base = matmul_cls(registry)

    class Measured(base):  # type: ignore[valid-type,misc]
        def solve(self, p: Params) -> list[Answer]:
            return [Answer("time", 0.00123, "s", Tolerance(factor=2), measured_on="Test CPU <x86> (2 threads)"),
                    Answer("rates", [1.5, 2 * 10**22], "FLOP/s", Tolerance(rtol=1e-3))]

    reg = registry_with(Measured())
    out = tmp_path / "m.apkg"
    write_apkg(spec_of(reg, items(("flops.matmul", 1)), type_in=True), reg, out, seed=1, timestamp=T0)
    import_apkg(col, out)
    note = col.get_note(col.find_notes("")[0])
    assert note["Measured"] == "on Test CPU &lt;x86&gt; (2 threads) (deck built 2023-11-14)"
    assert "time: within a factor of 2" in note["Tolerance"] and "rates: within 0.1%" in note["Tolerance"]
    assert "\\(0.00123\\)" in note["Answer"] and ">s<" in note["Answer"]
    assert "[\\(1.5\\),<wbr> \\(2 \\times 10^{22}\\)]" in note["Answer"]  # a vector wraps between items
    assert note["AnswerPlain"] == "0.00123; 1.5, 2e22"  # every part the question asks
    assert "Type time in s (within a factor of 2" in note["TypeIn"] and "then rates in FLOP/s" in note["TypeIn"]
    for card in note.cards():
        assert_renders(card.question(), card.answer())
    assert "Measured" in note.cards()[0].answer()


def test_no_type_in_card_unless_the_spec_asks(registry: Registry, col: Any, tmp_path: Path) -> None:
    out = tmp_path / "plain.apkg"
    res = write_apkg(spec_of(registry, items(("flops.matmul", 3))), registry, out, seed=5, timestamp=T0)
    assert (res.notes, res.cards) == (3, 3)
    import_apkg(col, out)
    assert col.card_count() == 3 and all(col.get_card(c).ord == 0 for c in col.find_cards(""))
    model = col.models.by_name(RECALL_MODEL_NAME)  # no unused "Type answer" template
    assert model["id"] == RECALL_MODEL_ID and [t["name"] for t in model["tmpls"]] == ["Recall"]
    assert model["sortf"] == FIELDS.index("Key")  # the browser's sort column: plain text, no raw TeX
    note = col.get_note(col.find_notes("")[0])
    assert col.db.scalar("select sfld from notes where id = ?", note.id) == note["Key"]


# -- identity, updates, review history ----------------------------------------------------------------
def _review_all(col: Any) -> int:
    from anki.scheduler_pb2 import CardAnswer

    col.decks.select(col.decks.id_for_name("Test deck"))
    n = 0
    while True:
        queued = col.sched.get_queued_cards()
        if not queued.cards:
            return n
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.EASY))
        n += 1


def test_rebuild_updates_in_place_and_keeps_review_history(registry: Registry, col: Any, tmp_path: Path) -> None:
    spec = spec_of(registry, items(("flops.matmul", 3)), variants=2)
    v1, v2, v2_same_ts = tmp_path / "v1.apkg", tmp_path / "v2.apkg", tmp_path / "v2same.apkg"
    write_apkg(spec, registry, v1, seed=9, timestamp=T0)
    assert len(import_apkg(col, v1).new) == 3
    assert _review_all(col) >= 3
    revlog = col.db.scalar("select count() from revlog")
    sched = sorted(col.db.all("select id, type, queue, ivl, due, reps from cards"))
    assert revlog >= 3 and all(row[3] > 0 for row in sched)  # graduated: real history

    new_reg = registry_with(reworded(registry))
    # The same timestamp: Anki's "newer wins" rule leaves the notes alone (why builds default to now).
    write_apkg(spec, new_reg, v2_same_ts, seed=9, timestamp=T0)
    log = import_apkg(col, v2_same_ts)
    assert not log.new and not log.updated and len(log.duplicate) == 3
    # A later timestamp: updated in place, no duplicates, history intact.
    write_apkg(spec, new_reg, v2, seed=9, timestamp=T0 + 100)
    log = import_apkg(col, v2)
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (0, 3, 0, 0)
    assert col.note_count() == 3 and col.card_count() == 3
    assert col.db.scalar("select count() from revlog") == revlog
    assert sorted(col.db.all("select id, type, queue, ivl, due, reps from cards")) == sched
    for cid in col.find_cards(""):
        q = col.get_card(cid).question()
        assert "Count the FLOPs: how many" in q and "How many FLOPs" not in q


def test_same_spec_gives_identical_notes_and_bytes(registry: Registry, tmp_path: Path) -> None:
    spec = spec_of(registry, items(("flops.matmul", 4)), variants=3, type_in=True)
    a, b, c = tmp_path / "a.apkg", tmp_path / "b.apkg", tmp_path / "c.apkg"
    write_apkg(spec, registry, a, seed=3, timestamp=T0)
    write_apkg(spec, registry, b, seed=3, timestamp=T0)
    write_apkg(spec, registry, c, seed=3, timestamp=T0 + 3600)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert notes_table(a, tmp_path) == notes_table(c, tmp_path)
    assert a.read_bytes() != c.read_bytes()
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(a).infolist())


def test_guid_depends_on_identity_not_wording_or_variant_count(registry: Registry, tmp_path: Path) -> None:
    one, three, other = tmp_path / "k1.apkg", tmp_path / "k3.apkg", tmp_path / "o.apkg"
    body = items(("flops.matmul", 2))
    write_apkg(spec_of(registry, body), registry, one, seed=4, timestamp=T0)
    write_apkg(spec_of(registry, body, variants=3), registry, three, seed=4, timestamp=T0)
    guids = [r[0] for r in notes_table(one, tmp_path)]
    assert guids == [r[0] for r in notes_table(three, tmp_path)]  # raising K updates the same notes
    reg2 = registry_with(reworded(registry))
    write_apkg(spec_of(reg2, body), reg2, other, seed=4, timestamp=T0)
    assert guids == [r[0] for r in notes_table(other, tmp_path)]
    with_opts = tmp_path / "opts.apkg"
    opts = body.replace("count = 2\n", "count = 2\noptions = { m = 64 }\n")
    write_apkg(spec_of(registry, opts), registry, with_opts, seed=4, timestamp=T0)
    assert not set(guids) & {r[0] for r in notes_table(with_opts, tmp_path)}


def test_guid_for_gives_genankis_guids() -> None:
    """Our guid_for makes the strings genanki's does (the notes of decks built before keep theirs)."""
    import random

    from genanki.util import guid_for as genanki_guid_for

    from quizgen.export.anki import guid_for

    rng = random.Random(5)
    for _ in range(3000):
        values = [rng.choice(["quizgen/note/v2", "ML math", "é∑", "", rng.random(), rng.randint(0, 10**6)])
                  for _ in range(rng.randint(1, 6))]
        assert guid_for(*values) == genanki_guid_for(*values), values


def test_variant_fields(registry: Registry, tmp_path: Path) -> None:
    from quizgen.build import build_problems

    spec = spec_of(registry, items(("flops.matmul", 1)), variants=3, type_in=True)
    out = tmp_path / "v.apkg"
    write_apkg(spec, registry, out, seed=8, timestamp=T0)
    (_, _, _, flds), = notes_table(out, tmp_path)
    f = dict(zip(FIELDS, flds.split("\x1f"), strict=True))
    probs: tuple[Problem, ...] = build_problems(spec, registry, seed=8)[0].variants
    for name in ("Question", "Answer", "Solution", "Source"):
        assert [int(i) for i in re.findall(r'class="qz-v" data-v="(\d+)"', f[name])] == [0, 1, 2], name
    for i, p in enumerate(probs):
        assert tex(p.answer.value) in f["Answer"].split('data-v="')[i + 1]
        assert f"seed {p.seed}" in f["Source"]
    # type-in asks variant 1, rounded to the 3 figures the precision policy grades
    assert f["AnswerPlain"] == typeable(float(probs[0].answer.value), 3)
    assert f["Measured"] == ""
    for i, p in enumerate(probs):  # the common mistakes of each variant, value and why
        part = f["Extra"].split('data-v="')[i + 1]
        assert "Common mistakes" in part and all(html.escape(d.why, quote=False) in part for d in p.distractors)


def test_progress_is_called_per_note(registry: Registry, tmp_path: Path) -> None:
    seen: list[int] = []
    write_apkg(spec_of(registry, items(("flops.matmul", 5))), registry, tmp_path / "p.apkg", seed=1,
               timestamp=T0, progress=seen.append)
    assert sum(seen) == 10 == work_units(parse_deck('[deck]\nname="x"\n' + items(("flops.matmul", 5)), registry))


def test_failed_write_leaves_nothing(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"previous build")

    def boom(*a: Any, **k: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", boom)
    with pytest.raises(OutputError, match="cannot write .*deck.apkg.*disk full"):
        write_apkg(spec_of(registry, items(("flops.matmul", 2))), registry, out, seed=1, timestamp=T0)
    assert out.read_bytes() == b"previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]


# -- the command line -----------------------------------------------------------------------------------
def test_cli_build_bundled_deck(tmp_path: Path, col: Any) -> None:
    out = tmp_path / "ml.apkg"
    r = run_cli("build", "ml-math", "-o", str(out), "--count", "2", "--timestamp", str(T0))
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "seed 2026" in r.stdout
    log = import_apkg(col, out)
    assert len(log.new) == col.note_count() > 0
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        assert_renders(card.question(), card.answer())
    # SOURCE_DATE_EPOCH gives the same bytes as --timestamp
    out2 = tmp_path / "ml2.apkg"
    r = run_cli("build", "ml-math", "-o", str(out2), "--count", "2", env={"SOURCE_DATE_EPOCH": str(int(T0))})
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == out2.read_bytes()


def test_cli_build_spec_path_seed_and_fresh_seed(tmp_path: Path) -> None:
    spec = tmp_path / "mine.toml"
    spec.write_text('[deck]\nname = "Mine"\n[[items]]\ngenerator = "flops.matmul"\ncount = 2\n')
    r = run_cli("build", str(spec), "-o", str(tmp_path / "a.apkg"))
    assert r.returncode == 0, r.stderr
    drawn = re.search(r"seed (\d+)", r.stderr)
    assert drawn and f"--seed {drawn.group(1)}" in r.stderr
    r2 = run_cli("build", str(spec), "-o", str(tmp_path / "b.apkg"), "--seed", drawn.group(1))
    assert r2.returncode == 0 and not r2.stderr
    assert notes_table(tmp_path / "a.apkg", tmp_path) == notes_table(tmp_path / "b.apkg", tmp_path)


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-deck"], "unknown deck 'no-such-deck'"),
    (["{spec}"], "unknown key 'cuont'"),
    (["ml-math", "--count", "0"], "'--count': 0 is not in the range"),
    (["ml-math", "-o", "{tmp}/missing/x.apkg"], "does not exist"),
    (["ml-math", "-o", "{tmp}"], "directory"),
    (["ml-math", "-o", "{tmp}/deck.zip"], ".apkg"),
])
def test_cli_bad_input_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('[deck]\nname = "Bad"\n[[items]]\ngenerator = "flops.matmul"\ncuont = 2\n')
    out = tmp_path / "deck.apkg"
    out.write_bytes(b"keep me")
    argv = [a.format(spec=spec, tmp=tmp_path) for a in args]
    if "-o" not in argv:
        argv += ["-o", str(out)]
    r = run_cli("build", *argv)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") or "--count" in argv  # click reports its own range errors
    assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "deck.apkg"]


def test_cli_bad_source_date_epoch(tmp_path: Path) -> None:
    r = run_cli("build", "ml-math", "-o", str(tmp_path / "x.apkg"), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert r.returncode == 2 and "SOURCE_DATE_EPOCH='yesterday'" in r.stderr
    assert not (tmp_path / "x.apkg").exists()


# -- the variant picker in a real browser engine ------------------------------------------------------
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# Reproduces how Anki's reviewer shows a card (ts/reviewer: setInnerHTML = innerHTML, then each
# <script> re-created so that it runs), with Date faked to a chosen day.
HARNESS = """<!doctype html><html><head><meta charset="utf-8"><script>
var NOW = 0, RealDate = Date, errors = [];
window.onerror = function (m) { errors.push(String(m)); };
function FakeDate() { return arguments.length ? new (Function.prototype.bind.apply(RealDate,
  [null].concat([].slice.call(arguments))))() : new RealDate(NOW); }
FakeDate.prototype = RealDate.prototype; FakeDate.now = function () { return NOW; };
window.Date = FakeDate;
</script></head><body class="card"><div id="qa"></div><pre id="out"></pre><script>
var CARDS = @CARDS@, DAYS = @DAYS@, qa = document.getElementById("qa");
function setInnerHTML(el, html) {
  el.innerHTML = html;
  var scripts = el.getElementsByTagName("script");
  for (var i = 0; i < scripts.length; i++) {
    var old = scripts[i], s = document.createElement("script");
    for (var j = 0; j < old.attributes.length; j++) s.setAttribute(old.attributes[j].name, old.attributes[j].value);
    s.appendChild(document.createTextNode(old.innerHTML));
    old.parentNode.replaceChild(s, old);
  }
}
function state(js) {
  var sets = qa.querySelectorAll(".qz-vs"), out = [];
  for (var i = 0; i < sets.length; i++) {
    var v = [], shown = [];
    for (var j = 0; j < sets[i].children.length; j++) {
      var c = sets[i].children[j];
      if (c.className.split(" ").indexOf("qz-v") < 0) continue;
      v.push(c.getAttribute("data-v"));
      if (getComputedStyle(c).display !== "none") shown.push(c.getAttribute("data-v"));
    }
    out.push({cls: sets[i].className, variants: v, shown: shown, text: sets[i].textContent});
  }
  return out;
}
var results = [];
for (var c = 0; c < CARDS.length; c++) {
  for (var d = 0; d < DAYS.length; d++) {
    NOW = DAYS[d];
    setInnerHTML(qa, CARDS[c].q); var front = state();
    setInnerHTML(qa, CARDS[c].a); var back = state();
    results.push({card: c, day: d, front: front, back: back});
  }
  qa.innerHTML = CARDS[c].a;  // a client without JavaScript: scripts never run
  results.push({card: c, day: -1, back: state()});
}
document.getElementById("out").textContent = JSON.stringify({results: results, errors: errors});
</script></body></html>"""


def _js_literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True).replace("</", "<\\/").replace("<!--", "<\\!--")


def _run_variant_script(chromium: str, cards: list[Any], days_ms: list[int], tmp_path: Path) -> Any:
    """Every card's front and back through the variant script in headless Chromium (TZ
    Asia/Kolkata), once per faked clock in ``days_ms``: the harness's results, no script errors."""
    page = (HARNESS.replace("@CARDS@", _js_literal([{"q": c.question(), "a": c.answer()} for c in cards]))
            .replace("@DAYS@", _js_literal(days_ms)))
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--user-data-dir=" + str(tmp_path / "profile"), "--dump-dom",
         (tmp_path / "page.html").as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "TZ": "Asia/Kolkata"})
    m = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"no result from chromium: {proc.stderr[-2000:]}"
    data = json.loads(html.unescape(m.group(1)))
    assert data["errors"] == []
    return data


@pytest.mark.browser
def test_variant_picker_in_headless_chromium(registry: Registry, col: Any, tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("headless Chromium not installed (apt-get install -y chromium)")
    k = 4
    out = tmp_path / "v.apkg"
    spec = spec_of(registry, items(("flops.matmul", 3)), variants=k)
    write_apkg(spec, registry, out, seed=21, timestamp=T0)
    import_apkg(col, out)
    cards = [col.get_card(cid) for cid in sorted(col.find_cards(""))]
    from quizgen.build import build_problems

    by_key = {f"{b.problem.id}/v{b.problem.version}/{b.problem.seed}": b.variants
              for b in build_problems(spec, registry, seed=21)}
    data = _run_variant_script(chromium, cards, [int(T0 * 1000) + 43_200_000 + d * 86_400_000 for d in range(8)],
                               tmp_path)

    for c, card in enumerate(cards):
        variants = by_key[card.note()["Key"]]
        runs = [r for r in data["results"] if r["card"] == c]
        picked = []
        for r in (r for r in runs if r["day"] >= 0):
            assert r["front"] and r["back"]
            chosen = set()
            for side in ("front", "back"):
                for s in r[side]:
                    if s["variants"]:
                        assert len(s["variants"]) == 1 and s["shown"] == s["variants"], (side, s)
                        chosen.add(s["variants"][0])
            assert len(chosen) == 1, chosen  # one variant, the same in every set, front and back
            v = int(chosen.pop())
            picked.append(v)
            front_q = next(s for s in r["front"] if "qz-q" in s["cls"])["text"]
            answer = next(s for s in r["back"] if "qz-answer" in s["cls"])["text"]
            source = next(s for s in r["back"] if "qz-source" in s["cls"])["text"]
            assert front_q.strip() and f"seed {variants[v].seed}" in source
            assert tex(variants[v].answer.value) in answer  # the answer belongs to the question shown
        assert len(set(picked)) == k  # every variant comes up over the days...
        assert all(a != b for a, b in zip(picked, picked[1:], strict=False))  # ...and the next day differs
        no_js = next(r for r in runs if r["day"] == -1)
        for s in no_js["back"]:
            if s["variants"]:
                assert len(s["variants"]) == k and s["shown"] == ["0"], s  # without JS: variant 1


def test_same_problem_twice_is_one_note(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import quizgen.build

    def same_seed_for_every_copy(deck_seed: int, gen_id: str, idx: int, copy: int, variant: int = 0) -> int:
        return 42 + variant

    monkeypatch.setattr(quizgen.build, "item_seed", same_seed_for_every_copy)
    res = write_apkg(spec_of(registry, items(("flops.matmul", 4))), registry, tmp_path / "d.apkg", seed=1,
                     timestamp=T0)
    assert (res.notes, res.duplicates, res.cards) == (1, 3, 1)
    assert len(notes_table(tmp_path / "d.apkg", tmp_path)) == 1


# -- identity across decks and versions; rebuilds that leave unchanged notes alone --------------------
def bumped(registry: Registry) -> Generator:
    base = type(reworded(registry))

    class Bumped(base):  # type: ignore[valid-type,misc]
        version = base.version + 1

    return Bumped()


def test_version_bump_updates_notes_in_place(registry: Registry, col: Any, tmp_path: Path) -> None:
    spec = spec_of(registry, items(("flops.matmul", 3)))
    write_apkg(spec, registry, tmp_path / "a.apkg", seed=9, timestamp=T0)
    assert len(import_apkg(col, tmp_path / "a.apkg").new) == 3
    reviewed = _review_all(col)
    reg2 = registry_with(bumped(registry))
    write_apkg(spec, reg2, tmp_path / "b.apkg", seed=9, timestamp=T0 + 100)
    log = import_apkg(col, tmp_path / "b.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 3, 0)
    assert col.note_count() == 3 and col.db.scalar("select count() from revlog") == reviewed
    assert all(f"/v{matmul_cls(registry).version + 1}/" in col.get_note(n)["Key"] for n in col.find_notes(""))


def test_bundled_decks_share_no_note(registry: Registry, col: Any, tmp_path: Path) -> None:
    from quizgen.deck import load_deck

    total = 0
    for name in ("ml-math", "llm-scaling"):
        spec = load_deck(name, registry)
        out = tmp_path / f"{name}.apkg"
        res = write_apkg(spec, registry, out, seed=2026, count=1, timestamp=T0)  # the same seed on purpose
        log = import_apkg(col, out)
        assert len(log.new) == res.notes and not log.updated and not log.duplicate and not log.conflicting
        total += res.notes
    assert col.note_count() == total


def _tag_notes(col: Any, tags: list[str]) -> None:
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        note.tags = [*note.tags, *tags]
        col.update_note(note)


def test_unchanged_rebuild_updates_nothing_and_keeps_tags(registry: Registry, col: Any, tmp_path: Path) -> None:
    """The default timestamp (now): only notes whose content changed are stamped newer."""
    spec = spec_of(registry, items(("flops.matmul", 2), ("stats.regression", 2)), variants=2)
    out = tmp_path / "deck.apkg"
    write_apkg(spec, registry, out, seed=5, timestamp=T0)
    assert len(import_apkg(col, out).new) == 4
    reviewed = _review_all(col)
    _tag_notes(col, ["marked", "leech", "my_tag"])
    before = {n: col.get_note(n).mod for n in col.find_notes("")}

    write_apkg(spec, registry, out, seed=5)  # default timestamp: now
    log = import_apkg(col, out)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    for nid in col.find_notes(""):
        assert {"marked", "leech", "my_tag"} <= set(col.get_note(nid).tags)
        assert col.get_note(nid).mod == before[nid]
    stamps = {r[0]: r for r in notes_table(out, tmp_path)}

    # One generator reworded: its notes (only) get a new stamp and update, history kept.
    reg2 = Registry({g.id: (reworded(registry) if g.id == "flops.matmul" else g) for g in registry}, {})
    write_apkg(spec, reg2, out, seed=5, timestamp=time.time() + 10)  # newer than the tagging, surely
    log = import_apkg(col, out)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 2, 0)
    assert col.db.scalar("select count() from revlog") == reviewed
    assert len(col.find_notes("tag:leech")) == 2  # the unchanged stats notes kept theirs
    assert all("Count the FLOPs" in col.get_note(n)["Question"] for n in col.find_notes('"Key:flops.matmul/*"'))
    after = {r[0]: r for r in notes_table(out, tmp_path)}
    assert sum(stamps[g] != after[g] for g in after) == 2


def test_parallel_draws_give_the_same_bytes(registry: Registry, tmp_path: Path) -> None:
    spec = spec_of(registry, items(("flops.matmul", 40), ("stats.regression", 30), ("llm.chinchilla", 30)),
                   variants=2, type_in=True)
    serial, parallel = tmp_path / "s.apkg", tmp_path / "p.apkg"
    write_apkg(spec, registry, serial, seed=3, timestamp=T0, workers=1)
    write_apkg(spec, registry, parallel, seed=3, timestamp=T0, workers=2)
    assert serial.read_bytes() == parallel.read_bytes()


def test_parallel_rebuild_reads_the_previous_stamps_while_drawing(registry: Registry, tmp_path: Path) -> None:
    """The previous package is read in the parent after the workers fork (iter_rendered's
    ``meanwhile``): an unchanged parallel rebuild at a later time keeps every note's stamp, and
    equals a serial rebuild byte for byte."""
    spec = spec_of(registry, items(("flops.matmul", 40), ("stats.regression", 30)), variants=2)
    out, serial = tmp_path / "p.apkg", tmp_path / "s.apkg"
    write_apkg(spec, registry, out, seed=3, timestamp=T0, workers=2)

    def stamped(apkg: Path) -> list[tuple[Any, ...]]:
        db = tmp_path / "stamps.anki2"
        db.write_bytes(zipfile.ZipFile(apkg).read("collection.anki2"))
        with sqlite3.connect(db) as conn:
            return conn.execute("select guid, mod, tags, flds from notes order by guid").fetchall()

    before = stamped(out)
    assert {row[1] for row in before} == {T0}
    shutil.copy(out, serial)
    write_apkg(spec, registry, out, seed=3, timestamp=T0 + 86_400, workers=2)
    write_apkg(spec, registry, serial, seed=3, timestamp=T0 + 86_400, workers=1)
    assert stamped(out) == before
    assert out.read_bytes() == serial.read_bytes()


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_output_honours_the_umask(registry: Registry, tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        write_apkg(spec_of(registry, items(("flops.matmul", 1))), registry, tmp_path / "u.apkg", seed=1,
                   timestamp=T0)
    finally:
        os.umask(old)
    assert (tmp_path / "u.apkg").stat().st_mode & 0o777 == mode


def test_type_in_asks_every_part_with_its_precision(registry: Registry, col: Any, tmp_path: Path) -> None:
    out = tmp_path / "t.apkg"
    write_apkg(spec_of(registry, items(("gpu.roofline", 1), ("stats.regression", 1), ("flops.matmul", 1)),
                       type_in=True), registry, out, seed=2, timestamp=T0)
    import_apkg(col, out)
    from quizgen.build import build_problems

    spec = spec_of(registry, items(("gpu.roofline", 1), ("stats.regression", 1), ("flops.matmul", 1)), type_in=True)
    for b in build_problems(spec, registry, seed=2):
        p = b.problem
        glob = p.id.replace("_", "\\_")
        note = col.get_note(col.find_notes(f'"Key:{glob}/*"')[0])
        prompt = html.unescape(note["TypeIn"])
        parts = note["AnswerPlain"].split("; ")
        assert len(parts) == len(p.answers)  # every part the question asks (roofline: both)
        for a, typed in zip(p.answers, parts, strict=True):
            assert a.label in prompt
            if a.categorical:
                assert typed == a.value and " or ".join(a.choices) in prompt
            elif not a.tolerance.exact:
                assert a.precision in prompt  # the precision policy's words, not a digit count of its own
            if isinstance(a.value, list):
                assert typed.count(", ") == len(a.value) - 1
        assert "spacing does not matter" in prompt


# -- phone layout with Anki's own MathJax and reviewer CSS -------------------------------------------
def _browser_or_skip() -> str:
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("headless Chromium not installed (apt-get install -y chromium)")
    return chromium


def _sides(col: Any, days: list[int], typed: str | None = None) -> list[dict[str, Any]]:
    """Every card side as the reviewer shows it, once per day (each day may pick another variant)."""
    from .anki_web import reviewer_html

    out = []
    for cid in sorted(col.find_cards("")):
        card = col.get_card(cid)
        expected = card.note()["AnswerPlain"]
        for now in days:
            answer = typed if typed is not None else expected.replace(" ", "")  # spacing differs on purpose
            out.append({"html": reviewer_html(card.question()), "now": now, "key": f"{card.note()['Key']}#{card.ord}q"})
            out.append({"html": reviewer_html(card.answer(), answer, expected, col), "now": now,
                        "key": f"{card.note()['Key']}#{card.ord}a", "typed": answer, "expected": expected})
    return out


@pytest.mark.browser
def test_every_card_side_fits_a_phone(registry: Registry, tmp_path: Path) -> None:
    """ml-math (one variant) and llm-scaling with variants = 3 and type-in cards, every side on
    every variant, at 360 px (a phone) and 1100 px: nothing scrolls the page sideways; a formula
    that cannot fit scrolls in its own box. One Chromium run renders all of them."""
    from quizgen.deck import load_deck

    from .anki_web import aqt_web_dir, measure

    chromium = _browser_or_skip()
    web, why = aqt_web_dir()
    if web is None:
        if os.environ.get("CI"):
            pytest.fail(f"Anki's reviewer assets are required in CI: {why}")
        pytest.skip(why)
    sides: list[dict[str, Any]] = []
    noon = int(T0 * 1000) - int(T0 * 1000) % 86_400_000 + 12 * 3_600_000
    for name, variants, type_in in (("ml-math", 1, False), ("llm-scaling", 3, True)):
        spec = dataclasses.replace(load_deck(name, registry), variants=variants, type_in=type_in)
        out = tmp_path / f"{name}.apkg"
        write_apkg(spec, registry, out, seed=2026, timestamp=T0)
        c = Collection(str(tmp_path / f"{name}.anki2"))
        try:
            import_apkg(c, out)
            sides += _sides(c, [noon + d * 86_400_000 for d in range(variants)])
        finally:
            c.close()
    data = measure(chromium, web, sides, [360, 1100], tmp_path, env={"TZ": "UTC"})
    for width, d in data.items():
        assert d["done"] and not d["errors"], (width, d["errors"][:3])
        assert len(d["results"]) == len(sides)
        over = [(sides[r["i"]]["key"], r["scrollWidth"], r["wide"][:2]) for r in d["results"]
                if r["scrollWidth"] > r["clientWidth"]]
        assert not over, f"{len(over)} sides overflow at {width} px: {over[:5]}"
        assert not [r for r in d["results"] if r["errors"]], "MathJax reported TeX errors"
        if width == 360:  # what cannot be broken (a 40-digit float) scrolls inside its own box
            assert any(r["scrolls"] for r in d["results"])
        typed = [r for r in d["results"] if sides[r["i"]].get("typed") is not None and r["typeans"]]
        assert any(sides[r["i"]]["typed"] != sides[r["i"]]["expected"] for r in typed), "no spacing differs"
        for r in typed:  # typed without spaces after commas: accepted all the same
            assert "typeBad" not in r["typeans"] and "typeMissed" not in r["typeans"], r["typeans"]


@pytest.mark.browser
def test_variants_switch_at_4am_local_time(registry: Registry, col: Any, tmp_path: Path) -> None:
    """Anki's day starts at 4 am: 23:59 and 03:59 show the variant of the day before, 04:01 the next."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    chromium = _browser_or_skip()
    out = tmp_path / "v.apkg"
    write_apkg(spec_of(registry, items(("flops.matmul", 3)), variants=3), registry, out, seed=21, timestamp=T0)
    import_apkg(col, out)
    cards = [col.get_card(cid) for cid in sorted(col.find_cards(""))]
    tz = ZoneInfo("Asia/Kolkata")
    day0 = datetime(2026, 3, 10, tzinfo=tz)
    clock = [(day0 + timedelta(days=d, hours=h, minutes=m)) for d in range(3)
             for h, m in ((4, 1), (12, 0), (23, 59), (24, 1), (27, 59))]  # 27:59 = 03:59 next morning
    data = _run_variant_script(chromium, cards, [int(t.timestamp() * 1000) for t in clock], tmp_path)
    for c in range(len(cards)):
        picked = []
        for r in (r for r in data["results"] if r["card"] == c and r["day"] >= 0):
            chosen = {s["variants"][0] for side in ("front", "back") for s in r[side] if s["variants"]}
            assert len(chosen) == 1  # front and back agree at any time of day
            picked.append(chosen.pop())
        for d in range(3):  # one Anki day: 04:01 .. 03:59 the next morning
            assert len(set(picked[5 * d:5 * d + 5])) == 1, picked
        assert picked[0] != picked[5] != picked[10]  # and the next Anki day shows the next variant


def test_categorical_parts_show_the_word(registry: Registry, col: Any, tmp_path: Path) -> None:
    base = matmul_cls(registry)

    class Bound(base):  # type: ignore[valid-type,misc]
        def solve(self, p: Params) -> list[Answer]:
            return [Answer("attainable", 43.3, "TFLOP/s"),
                    Answer("bound", "memory-bound", choices=("compute-bound", "memory-bound"))]

    reg = registry_with(Bound())
    out = tmp_path / "c.apkg"
    write_apkg(spec_of(reg, items(("flops.matmul", 1)), type_in=True), reg, out, seed=1, timestamp=T0)
    import_apkg(col, out)
    note = col.get_note(col.find_notes("")[0])
    assert '<span class="qz-label">bound:</span> <span class="qz-value">memory-bound</span>' in note["Answer"]
    assert note["AnswerPlain"] == "43.3; memory-bound"
    assert "compute-bound or memory-bound" in html.unescape(note["TypeIn"])
    assert "one of: compute-bound, memory-bound" in note["Tolerance"]
    for card in note.cards():
        assert_renders(card.question(), card.answer())


def test_unit_is_not_repeated_when_the_label_names_it(registry: Registry, col: Any, tmp_path: Path) -> None:
    out = tmp_path / "u.apkg"
    write_apkg(spec_of(registry, items(("flops.matmul", 1)), type_in=True), registry, out, seed=1, timestamp=T0)
    import_apkg(col, out)
    note = col.get_note(col.find_notes("")[0])
    # flops.matmul's label is the product "AB", so the unit is shown and asked for
    assert "AB:</span>" in note["Answer"] and '<span class="qz-unit">FLOP</span>' in note["Answer"]
    assert "Type AB in FLOP (" in html.unescape(note["TypeIn"])
    from quizgen.export.anki import answer_html
    from quizgen.model import Answer

    named = answer_html(Answer("FLOPs", 524288, "FLOP"))  # not "FLOPs: 524 288 FLOP"
    assert "FLOPs:</span>" in named and "qz-unit" not in named


# -- the math layout helper (quizgen/render/mathlayout.py) --------------------------------------------
def _bare(tex_src: str) -> str:
    """TeX without the layout markup break_display/split_inline add, and without spaces."""
    t = re.sub(r"\\begin\{aligned\}|\\end\{aligned\}|\\\\|&|\\quad \{\}|\{\}", "", tex_src)
    return re.sub(r"\s+", "", t)


def test_long_derivations_break_at_relations_and_keep_every_symbol() -> None:
    from quizgen.render.mathlayout import break_display, split_inline, tex_width

    src = (r"12Ld^2 + Vd = 12 \times 32 \times 512^2 + 128\,256 \times 512 = 100\,663\,296 + 65\,667\,072"
           r" = 166\,330\,368")
    out = break_display(src, 12.5)
    rows = out.removeprefix("\\begin{aligned} ").removesuffix(" \\end{aligned}").split(" \\\\ ")
    assert rows[0] == "& 12Ld^2 + Vd"  # a wide left side gets its own row
    assert [r.split(" ", 1)[0] for r in rows[1:]] == ["&=", "&\\quad", "&=", "&="]
    assert _bare(out) == _bare(src)
    assert break_display("x = 1", 12.5) == "x = 1"  # short: unchanged
    # never inside braces or \left ... \right
    braced = r"f\left(a = b = c = d = e = f = g = h = i = j = k = l\right) = 2"
    assert _bare(break_display(braced, 5)) == _bare(braced) and "\\left(a = b" in break_display(braced, 5)
    # two equations in one display: one block of rows each
    two = r"N = \sqrt{C/120} = 1.225 \times 10^{10}\ \text{params}, D = 20N = 2.449 \times 10^{11}\ \text{tokens}"
    assert "\\\\ D &= 20N" in break_display(two, 12.5)
    vec = r"w=(0.12,\ 2.8,\ 0.023,\ 0.017,\ 2.4,\ 2.7,\ 8.6,\ 1.3,\ 0.81,\ 4)"
    pieces = split_inline(vec, 12)
    assert pieces and len(pieces) > 1 and all(tex_width(p) <= 12 for p in pieces)
    assert _bare("".join(pieces)) == _bare(vec)
    assert split_inline("a + b", 12) is None


def test_layout_keeps_every_formula_of_every_generator(registry: Registry) -> None:
    """Every formula the generators write (3 seeds each), laid out for a phone, still holds the same
    symbols in the same order, and inline pieces each fit."""
    from quizgen.render.mathlayout import break_display, split_inline, tex_width

    formulas = generator_formulas(registry)
    for gen_id, src, display in formulas:
        if display:
            assert _bare(break_display(src, 12.5)) == _bare(src), (gen_id, src)
        else:
            pieces = split_inline(src, 12)
            if pieces is not None:
                assert _bare("".join(pieces)) == _bare(src), (gen_id, src)
                assert all(tex_width(x) <= 12 for x in pieces)
    assert len(formulas) > 500


def test_measured_notes_keep_their_stamp_across_days(registry: Registry, tmp_path: Path) -> None:
    """The "(deck built DATE)" note on a measured answer is not a content change."""
    base = matmul_cls(registry)

    class Measured(base):  # type: ignore[valid-type,misc]
        def solve(self, p: Params) -> list[Answer]:
            return [Answer("time", 0.00123, "s", Tolerance(factor=2), measured_on="Test CPU")]

    reg = registry_with(Measured())
    spec = spec_of(reg, items(("flops.matmul", 2)))
    out = tmp_path / "m.apkg"
    write_apkg(spec, reg, out, seed=1, timestamp=T0)
    first = notes_table(out, tmp_path)
    write_apkg(spec, reg, out, seed=1, timestamp=T0 + 3 * 86_400)
    assert notes_table(out, tmp_path) == first  # same fields (the old date), same stamp below
    db = tmp_path / "raw.anki2"
    db.write_bytes(zipfile.ZipFile(out).read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        assert {m for (m,) in conn.execute("select mod from notes")} == {int(T0)}
        assert {m for (m,) in conn.execute("select mod from cards")} == {int(T0)}
        (models,) = conn.execute("select models from col").fetchone()
        assert [m["mod"] for m in json.loads(models).values()] == [int(T0)]  # the note type is unchanged too
