"""Anki packages (.apkg) with stable identity: one note per deck entry, K variants per note.

Note GUIDs come from (generator id, version, seed, options) and deck/note-type ids from fixed
names, so a rebuilt deck updates the learner's notes in place and keeps their review history
(FORMATS.md §1). The note type's field list is fixed once (with a spare field): adding a field
later would make every note "conflicting" on reimport. Example::

    quizgen build ml-math -o ml-math.apkg --seed 7
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shlex
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen import __version__
from quizgen.build import Built, build_problems, options_key
from quizgen.deck import DeckSpec
from quizgen.errors import OutputError
from quizgen.fileio import atomic_path, check_writable_file
from quizgen.model import Answer, Problem
from quizgen.registry import Registry, area_title
from quizgen.render.html import md_to_html
from quizgen.render.numbers import sig_figures, tex, typeable

MODEL_NAME = "quizgen numeric"
FIELDS = ("Key", "Question", "Answer", "AnswerPlain", "Tolerance", "Solution", "Source", "Measured",
          "TypeIn", "Extra")
"""Fixed for good (``Extra`` is the spare). Changing it needs a new model id *and* name."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Zip member times are fixed so that two builds with the same timestamp are byte-identical."""


def stable_id(name: str) -> int:
    """A deck or note-type id from a fixed name, in genanki's recommended range [2**30, 2**31)."""
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + h % (1 << 30)


MODEL_ID = stable_id("quizgen/model/numeric/v1")

# -- card templates ---------------------------------------------------------------------------------
# Picks one variant per ".qz-vs" set from the local day and the note key, so front and back agree
# without any state (the back runs it again: idempotent). Plain ES5 for old Android web views.
PICK = (
    "<script>(function(){var d=new Date(),day=Math.floor((d.getTime()-d.getTimezoneOffset()*6e4)/864e5);"
    "var sets=document.querySelectorAll('.qz-vs');"
    "for(var i=0;i<sets.length;i++){var b=sets[i],c=b.children,v=[];"
    "for(var j=0;j<c.length;j++){if((' '+c[j].className+' ').indexOf(' qz-v ')>=0)v.push(c[j]);}"
    "if(v.length<2)continue;var s=b.getAttribute('data-key')||'',h=0;"
    "for(var n=0;n<s.length;n++)h=(h*31+s.charCodeAt(n))|0;"
    "var k=((day+h)%v.length+v.length)%v.length;"
    "for(var m=0;m<v.length;m++){if(m!==k)b.removeChild(v[m]);}}})();</script>"
)


def _set(cls: str, fld: str) -> str:
    return f'<div class="{cls} qz-vs" data-key="{{{{Key}}}}">{{{{{fld}}}}}</div>'


_BACK_BODY = (
    _set("qz-answer", "Answer") + "\n"
    + '<div class="qz-meta">Tolerance: ' + _set("qz-tol qz-inline", "Tolerance") + "</div>\n"
    + "{{#Measured}}" + '<div class="qz-meta">Measured ' + _set("qz-measured qz-inline", "Measured")
    + "</div>{{/Measured}}\n"
    + _set("qz-solution", "Solution") + "\n"
    + _set("qz-meta qz-source", "Source")
)

RECALL_FRONT = _set("qz-q", "Question") + "\n" + PICK
RECALL_BACK = "{{FrontSide}}\n<hr id=\"answer\">\n" + _BACK_BODY + "\n" + PICK

# Type-in card: only for notes whose TypeIn field is set (the spec's type_in). No script: it
# always asks variant 1, because {{type:}} compares with the whole AnswerPlain field.
TYPEIN_FRONT = (
    "{{#TypeIn}}" + _set("qz-q", "Question") + '\n<div class="qz-meta qz-prompt">{{TypeIn}}</div>\n'
    "{{type:AnswerPlain}}{{/TypeIn}}"
)
TYPEIN_BACK = (
    _set("qz-q", "Question") + '\n<div class="qz-meta qz-prompt">{{TypeIn}}</div>\n'
    "{{type:AnswerPlain}}\n<hr id=\"answer\">\n" + _BACK_BODY
)

CSS = """\
.card { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 19px; line-height: 1.45; text-align: left; max-width: 44em; margin: 0 auto; padding: 0 .6em; }
.qz-inline, .qz-inline > .qz-v { display: inline; }
.qz-vs > .qz-v + .qz-v { display: none; }
.qz-ans { margin: .2em 0; }
.qz-value { font-weight: 700; }
.qz-label { opacity: .8; }
.qz-meta { font-size: .82em; opacity: .75; margin: .2em 0; }
.qz-solution { margin-top: .8em; }
.qz-source { margin-top: 1.2em; }
.qz-prompt { margin: .6em 0 .3em; }
"""


def _model() -> Any:
    import genanki

    return genanki.Model(
        MODEL_ID, MODEL_NAME,
        fields=[{"name": n} for n in FIELDS],
        templates=[
            {"name": "Recall", "qfmt": RECALL_FRONT, "afmt": RECALL_BACK},
            {"name": "Type answer", "qfmt": TYPEIN_FRONT, "afmt": TYPEIN_BACK},
        ],
        css=CSS,
        sort_field_index=FIELDS.index("Question"),
    )


# -- field contents ---------------------------------------------------------------------------------
def _math(tex_src: str) -> str:
    # A newline inside a formula breaks MathJax in Anki; everything is escaped (MathJax reads text).
    if "\n" in tex_src:
        tex_src = re.sub(r"\s*\n\s*", " ", tex_src)
    return html.escape(tex_src, quote=False)


def rich_html(text: str) -> str:
    """Question/solution Markdown to Anki field HTML: escaped, math kept for MathJax."""
    return md_to_html(text, math=_math)


def _tex_value(a: Answer) -> str:
    texts = [tex(v, sig_figures(a, v)) for v in a.values]
    return "[" + ",\\ ".join(texts) + "]" if isinstance(a.value, list) else texts[0]


def answer_html(a: Answer) -> str:
    """``FLOPs: \\(524\\,288\\) FLOP`` as HTML (the exact digits too, for huge exact ints)."""
    label = f'<span class="qz-label">{html.escape(a.label)}:</span> ' if a.label else ""
    value = f'<span class="qz-value">\\({html.escape(_tex_value(a), quote=False)}\\)</span>'
    unit = f' <span class="qz-unit">{html.escape(a.unit)}</span>' if a.unit else ""
    exact = ""
    if a.tolerance.exact and any(isinstance(x, int) and abs(x) >= 10**15 for x in a.values):
        digits = ", ".join(f"{x:,}" for x in a.values)
        exact = f' <span class="qz-exact">(exactly {html.escape(digits)})</span>'
    return f'<div class="qz-ans">{label}{value}{unit}{exact}</div>'


def tolerance_text(a: Answer) -> str:
    """What counts as right: ``3 significant figures``, ``exact``, ``within a factor of 2``."""
    return a.precision


def _plain_typed(a: Answer) -> str:
    return ", ".join(typeable(v, sig_figures(a, v)) for v in a.values)


def type_in_prompt(a: Answer) -> str:
    """What to type on the type-in card: Anki compares characters, so say exactly which."""
    unit = f" in {a.unit}" if a.unit else ""
    many = " (comma-separated)" if isinstance(a.value, list) else ""
    if all(isinstance(v, int) and abs(v) < 10**15 for v in a.values):
        how = "every digit, no separators"
    else:
        sig = max(sig_figures(a, v) for v in a.values)
        how = f"{sig} significant figures without trailing zeros, like 0.4431 or 5.88e22"
    return f"Type {a.label}{unit}{many}: {how}, no unit. Anki compares characters, not values."


def _cli_param(name: str, value: Any) -> str:
    return "--param " + shlex.quote(f"{name}={json.dumps(value, separators=(',', ':'))}")


def source_html(p: Problem, options: dict[str, Any]) -> str:
    """Where the problem comes from, and the command that shows it again."""
    cmd = f"quizgen show {p.id} --seed {p.seed}"
    if options:
        cmd += " " + " ".join(_cli_param(k, v) for k, v in sorted(options.items()))
    return (f"{html.escape(p.id)} v{p.version} · seed {p.seed} · "
            f"<code>{html.escape(cmd, quote=False)}</code>")


def measured_html(p: Problem, built_on: str) -> str:
    """The device (and date) behind measured answers; the build date when the device text has none."""
    devices = list(dict.fromkeys(a.measured_on for a in p.answers if a.measured_on))
    if not devices:
        return ""
    text = "on " + "; ".join(devices)
    if not any(_DATE.search(d) for d in devices):
        text += f" (deck built {built_on})"
    return html.escape(text, quote=False)


_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _variants(htmls: Sequence[str]) -> str:
    """One field holding K variants, or the single value when they are all the same."""
    if len(set(htmls)) <= 1:
        return htmls[0] if htmls else ""
    return "".join(f'<div class="qz-v" data-v="{i}">{h}</div>' for i, h in enumerate(htmls))


def note_key(p: Problem, options: dict[str, Any]) -> str:
    """Readable unique key (first field): ``flops.matmul/v1/123`` (+ an options hash)."""
    key = f"{p.id}/v{p.version}/{p.seed}"
    if options:
        key += "/" + hashlib.sha256(options_key(options).encode()).hexdigest()[:8]
    return key


def note_guid(p: Problem, options: dict[str, Any]) -> str:
    """Identity from (generator id, version, seed, options): never from the rendered text."""
    from genanki.util import guid_for

    guid: str = guid_for("quizgen", p.id, p.version, p.seed, options_key(options))
    return guid


def _tag(s: str) -> str:
    return "_".join(s.split())


def note_tags(b: Built) -> list[str]:
    p = b.problem
    short = p.id.split(".", 1)[1] if "." in p.id else p.id
    tags = ["quizgen", _tag(p.area), _tag(f"{p.area}::{short}"), *(_tag(t) for t in b.item.tags)]
    return list(dict.fromkeys(tags))


def note_fields(b: Built, type_in: bool, built_on: str) -> list[str]:
    """The note's fields, in :data:`FIELDS` order."""
    vs = b.variants
    first = vs[0]
    options = b.item.options
    a0 = first.answer
    prompt = html.escape(type_in_prompt(a0), quote=False) if type_in else ""
    values = {
        "Key": html.escape(note_key(first, options)),
        "Question": _variants([rich_html(p.question) for p in vs]),
        "Answer": _variants(["".join(answer_html(a) for a in p.answers) for p in vs]),
        "AnswerPlain": html.escape(_plain_typed(a0), quote=False),
        "Tolerance": _variants([html.escape("; ".join(
            (f"{a.label}: " if len(p.answers) > 1 else "") + tolerance_text(a) for a in p.answers), quote=False)
            for p in vs]),
        "Solution": _variants([rich_html(p.solution) for p in vs]),
        "Source": _variants([source_html(p, options) for p in vs]),
        "Measured": _variants([measured_html(p, built_on) for p in vs]),
        "TypeIn": prompt,
        "Extra": "",
    }
    return [values[f] for f in FIELDS]


# -- the package ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnkiBuild:
    """What :func:`write_apkg` wrote."""

    path: Path
    notes: int
    cards: int
    decks: list[str] = field(default_factory=list)
    seed: int = 0
    timestamp: float = 0.0
    duplicates: int = 0
    """Entries skipped because an earlier one is the same problem (same generator, seed, options)."""


def subdeck_name(spec: DeckSpec, area: str) -> str:
    return f"{spec.name}::{area_title(area)}"


def entries_total(spec: DeckSpec, count: int | None = None) -> int:
    """How many notes a build of ``spec`` writes."""
    return sum(count if count is not None else it.count for it in spec.items)


def work_units(spec: DeckSpec, count: int | None = None) -> int:
    """What :func:`write_apkg` reports to ``progress`` in all: two units per note (draw, then write)."""
    return 2 * entries_total(spec, count)


def write_apkg(
    spec: DeckSpec,
    registry: Registry,
    out_path: Path,
    *,
    seed: int,
    count: int | None = None,
    timestamp: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> AnkiBuild:
    """Build every entry of ``spec`` and write one ``.apkg`` atomically (temp file + rename).

    ``progress`` is called with units of work done (:func:`work_units` in all).
    ``timestamp`` (seconds since the epoch) stamps notes, cards and the note type; the default,
    the current time, makes a reimport update every note (Anki's "newer wins" rule). A fixed
    ``timestamp`` gives a byte-identical file.
    """
    import warnings

    import genanki

    out_path = Path(out_path)
    check_writable_file(out_path)
    ts = time.time() if timestamp is None else float(timestamp)
    built_on = time.strftime("%Y-%m-%d", time.gmtime(ts))
    entries = build_problems(spec, registry, seed=seed, count=count, progress=progress)

    model = _model()
    parent = genanki.Deck(stable_id(f"quizgen/deck/{spec.name}"), spec.name,
                          description=_deck_description(spec, seed))
    decks: dict[str, Any] = {}
    n_cards = 0
    guids: set[str] = set()
    for b in entries:
        if progress is not None:
            progress(1)
        guid = note_guid(b.problem, b.item.options)
        if guid in guids:  # 32-bit seeds: two entries of a big deck can draw the same problem
            continue
        guids.add(guid)
        name = subdeck_name(spec, b.problem.area)
        if name not in decks:
            decks[name] = genanki.Deck(stable_id(f"quizgen/deck/{name}"), name)
        note = genanki.Note(model=model, fields=note_fields(b, spec.type_in, built_on), tags=note_tags(b),
                            guid=guid)
        decks[name].add_note(note)
        n_cards += len(note.cards)

    package = genanki.Package([parent, *decks.values()])
    with tempfile.TemporaryDirectory(prefix="quizgen-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        try:
            with warnings.catch_warnings():
                # Fields are escaped by construction; genanki's tag heuristic would only add noise.
                warnings.filterwarnings("ignore", module="genanki")
                package.write_to_db(conn.cursor(), ts, _ids(ts))
            conn.commit()
        finally:
            conn.close()
        try:
            with atomic_path(out_path) as tmp_out, zipfile.ZipFile(tmp_out, "w") as z:
                _add(z, "collection.anki2", db_path.read_bytes())
                _add(z, "media", b"{}")
        except OSError as e:
            raise OutputError(f"cannot write {str(out_path)!r}: {e.strerror or e}") from e
    return AnkiBuild(out_path, len(guids), n_cards, [spec.name, *decks], seed, ts, len(entries) - len(guids))


def _ids(ts: float) -> Any:
    import itertools

    return itertools.count(int(ts * 1000))


def _add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def _deck_description(spec: DeckSpec, seed: int) -> str:
    desc = html.escape(spec.description.strip())
    made = (f"Built by quizgen {__version__} from {html.escape(os.path.basename(spec.source))}, "
            f"seed {seed}. Rebuild with the same seed to update these notes in place.")
    return f"{desc}<br><br><small>{made}</small>" if desc else f"<small>{made}</small>"
