"""Anki packages (.apkg) with stable identity: one note per deck entry, K variants per note.

Identity. A note's GUID comes from (deck name, generator id, item slot, copy, options): not the
generator version, not the seed, not the wording. Rebuilding a deck (also after an upgrade that
bumps a generator, or with another seed) updates the learner's notes in place with their review
history; two bundled decks never share a note. Deck and note-type ids come from fixed names.

Modification times. Anki's importer updates a note only when the package's note is *newer* than
the collection's copy, and an update replaces the note's tags (``marked``, ``leech``, the learner's
own). So a note is stamped with the build time only when its content changed: if the output file
already exists and holds a note with the same GUID, note type, fields and tags, that note's fields
and stamp are reused (a "(deck built DATE)" note on measured answers does not count as a change).
Nothing else is kept anywhere: the previous ``-o`` file is the only memory, so build to the same
path to keep stamps (a fresh path stamps every note with the build time, as before).

Note types. The field list is fixed for good (``Extra``, the spare, now holds the common mistakes):
adding a field would make every note "conflicting" on reimport. Decks with ``type_in`` use
"quizgen numeric" (Recall + Type answer cards); others use "quizgen numeric (recall)", which has
only the Recall template, so no unused template shows in Anki. Example::

    quizgen build ml-math -o ml-math.apkg --seed 7
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shlex
import sqlite3
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen import __version__
from quizgen.build import Built, iter_rendered, options_key
from quizgen.deck import DeckSpec
from quizgen.errors import OutputError
from quizgen.fileio import atomic_path, check_writable_file, scratch_dir
from quizgen.model import Answer, Distractor, Problem
from quizgen.registry import Registry, area_title
from quizgen.render.html import md_to_html
from quizgen.render.mathlayout import break_display, split_inline, tex_width, width_bound
from quizgen.render.numbers import sig_figures, tex, typeable

MODEL_NAME = "quizgen numeric"
FIELDS = ("Key", "Question", "Answer", "AnswerPlain", "Tolerance", "Solution", "Source", "Measured",
          "TypeIn", "Extra")
"""Fixed for good (``Extra`` is the spare). Changing it needs a new model id *and* name."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 1
"""Zip member times are fixed so that two builds with the same timestamp are byte-identical."""


def stable_id(name: str) -> int:
    """A deck or note-type id from a fixed name, in genanki's recommended range [2**30, 2**31)."""
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + h % (1 << 30)


MODEL_ID = stable_id("quizgen/model/numeric/v1")
RECALL_MODEL_NAME = "quizgen numeric (recall)"
RECALL_MODEL_ID = stable_id("quizgen/model/numeric-recall/v1")

ROLLOVER_HOUR = 4
"""Variants switch at 4 am local time, Anki's default start of the next day."""

INLINE_EM = 12.0
"""Inline formulas estimated wider than this (math em) are cut into pieces that wrap like words."""
DISPLAY_EM = 12.5
"""Display formulas wider than this break into aligned lines at ``=`` (a 360 px phone holds ~13.5 em of Anki's math)."""

# -- card templates ---------------------------------------------------------------------------------
# Picks one variant per ".qz-vs" set from the local day and the note key, so front and back agree
# without any state (the back runs it again: idempotent). The day starts at 4 am local time, like
# Anki's (default) scheduling day, so a card due "today" keeps one variant all day. ES5 for old
# Android web views.
PICK = (
    "<script>(function(){var d=new Date(),day=Math.floor((d.getTime()-d.getTimezoneOffset()*6e4"
    f"-{ROLLOVER_HOUR * 3600000})/864e5);"
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
    + "{{#Extra}}" + _set("qz-mistakes", "Extra") + "{{/Extra}}\n"
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
# Anki compares typed characters; this accepts the typed answer when it differs only in spacing
# (or a Unicode minus): "-0.63,-0.16" for "-0.63, -0.16". Without JavaScript, Anki's diff stays.
SPACING = (
    "<script>(function(){var t=document.getElementById('typeans');if(!t)return;"
    "var arrow=t.querySelector('#typearrow');if(!arrow)return;var typed='',exp='',after=false;"
    "for(var i=0;i<t.childNodes.length;i++){var n=t.childNodes[i];if(n===arrow){after=true;continue;}"
    "if(n.nodeName==='BR')continue;var c=n.className||'';"
    "if(after)exp+=n.textContent;else if(c!=='typeMissed')typed+=n.textContent;}"
    "function norm(s){return s.replace(/\\u2212/g,'-').replace(/\\s+/g,'').toLowerCase();}"
    "if(typed&&norm(typed)===norm(exp)){t.innerHTML='';var s=document.createElement('span');"
    "s.className='typeGood';s.textContent=typed;t.appendChild(s);}})();</script>"
)
TYPEIN_BACK = (
    _set("qz-q", "Question") + '\n<div class="qz-meta qz-prompt">{{TypeIn}}</div>\n'
    "{{type:AnswerPlain}}\n<hr id=\"answer\">\n" + _BACK_BODY + "\n" + SPACING
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
.qz-mistakes { margin-top: .8em; font-size: .92em; }
.qz-mistakes ul { margin: .2em 0; padding-left: 1.2em; }
.qz-mh { font-weight: 600; }
mjx-container[display="true"] { overflow-x: auto; overflow-y: hidden; max-width: 100%; }
mjx-assistive-mml { right: 0; }
"""


def _model(type_in: bool = True) -> Any:
    """The note type: with the Type answer template only for type-in decks. The sort field (the
    browser's "Sort Field" column) is ``Key``: plain text, where Question would show raw TeX."""
    import genanki

    class Model(genanki.Model):  # type: ignore[misc]
        stamp: float | None = None

        def to_json(self, timestamp: float, deck_id: int) -> Any:
            return super().to_json(self.stamp if self.stamp is not None else timestamp, deck_id)

    templates = [{"name": "Recall", "qfmt": RECALL_FRONT, "afmt": RECALL_BACK}]
    if type_in:
        templates.append({"name": "Type answer", "qfmt": TYPEIN_FRONT, "afmt": TYPEIN_BACK})
    return Model(
        MODEL_ID if type_in else RECALL_MODEL_ID, MODEL_NAME if type_in else RECALL_MODEL_NAME,
        fields=[{"name": n} for n in FIELDS],
        templates=templates,
        css=CSS,
        sort_field_index=FIELDS.index("Key"),
    )


# -- field contents ---------------------------------------------------------------------------------
def _esc(s: str) -> str:
    return html.escape(s, quote=False)


@functools.lru_cache(maxsize=8192)
def _math(tex_src: str) -> str:
    """One formula (with its delimiters) as field HTML that fits a phone: a long display formula
    breaks into aligned lines, a long inline one into pieces that wrap (``<wbr>`` between them),
    and one that cannot be cut becomes a display formula (which scrolls in its own box)."""
    # A newline inside a formula breaks MathJax in Anki; everything is escaped (MathJax reads text).
    if "\n" in tex_src:
        tex_src = re.sub(r"\s*\n\s*", " ", tex_src)
    inner = tex_src[2:-2]
    if tex_src.startswith("\\["):
        return _esc("\\[" + break_display(inner, DISPLAY_EM) + "\\]")
    # (a short formula fits unmeasured: width_bound is an upper bound of tex_width)
    if not tex_src.startswith("\\(") or width_bound(inner) <= INLINE_EM or tex_width(inner) <= INLINE_EM:
        return _esc(tex_src)
    pieces = split_inline(inner, INLINE_EM)
    if pieces:
        return "<wbr>".join(_esc("\\(" + p + "\\)") for p in pieces)
    return _esc("\\[" + break_display(inner, DISPLAY_EM) + "\\]")


def rich_html(text: str) -> str:
    """Question/solution Markdown to Anki field HTML: escaped, math kept for MathJax."""
    return md_to_html(text, math=_math)


def _value_html(a: Answer | Distractor, values: list[Any], sigs: Callable[[Any], int]) -> str:
    """A value as math: a list as one formula per component, so a long vector wraps like words."""
    if isinstance(a.value, str):
        return html.escape(a.value)
    texts = [f"\\({html.escape(tex(v, sigs(v)), quote=False)}\\)" for v in values]
    if isinstance(a.value, list):
        return "[" + ",<wbr> ".join(texts) + "]"
    return texts[0]


def unit_in_label(label: str, unit: str | None) -> bool:
    """True when the label already names the unit ("FLOPs" / "FLOP", "passes" / "passes")."""
    if not unit or not label:
        return False
    last = label.split()[-1] if label.split() else ""
    return last.lower().rstrip("s") == unit.lower().rstrip("s")


def answer_html(a: Answer) -> str:
    """``FLOPs: \\(524\\,288\\)`` as HTML (the exact digits too, for huge exact ints); the unit
    only when the label does not already say it; a categorical part shows its word."""
    label = f'<span class="qz-label">{html.escape(a.label)}:</span> ' if a.label else ""
    value = f'<span class="qz-value">{_value_html(a, a.values, lambda v: sig_figures(a, v))}</span>'
    unit = (f' <span class="qz-unit">{html.escape(a.unit)}</span>'
            if a.unit and not unit_in_label(a.label, a.unit) else "")
    exact = ""
    if a.tolerance.exact and any(isinstance(x, int) and abs(x) >= 10**15 for x in a.values):
        digits = ", ".join(f"{x:,}" for x in a.values)
        exact = f' <span class="qz-exact">(exactly {html.escape(digits)})</span>'
    return f'<div class="qz-ans">{label}{value}{unit}{exact}</div>'


def tolerance_text(a: Answer) -> str:
    """What counts as right: ``3 significant figures``, ``exact``, ``within a factor of 2``."""
    return a.precision


def _every_digit(a: Answer) -> bool:
    """An exact integer answer is typed with every digit; anything else to its stated figures."""
    return a.tolerance.exact and all(isinstance(v, int) and abs(v) < 10**15 for v in a.values)


def _plain_part(a: Answer) -> str:
    if a.categorical:
        return str(a.value)
    if _every_digit(a):
        return ", ".join(str(v) for v in a.values)
    # Rounded to the figures the precision policy grades (1.51e11 for 151,359,848,448 at 3 s.f.).
    return ", ".join(typeable(float(v) if isinstance(v, int) and abs(v) >= 10**6 else v, sig_figures(a, v))
                     for v in a.values)


def plain_typed(answers: Sequence[Answer]) -> str:
    """What the type-in card expects: every part, ``; `` between parts, ``, `` inside a list."""
    return "; ".join(_plain_part(a) for a in answers)


def _prompt_part(a: Answer) -> str:
    if a.categorical:
        return " or ".join(a.choices)
    unit = f" in {a.unit}" if a.unit and not unit_in_label(a.label, a.unit) else ""
    many = ", comma-separated" if isinstance(a.value, list) else ""
    if _every_digit(a):
        how = "every digit, no separators"
    else:
        how = a.precision
    return f"{a.label}{unit} ({how}{many})"


def type_in_prompt(answers: Answer | Sequence[Answer]) -> str:
    """What to type on the type-in card, for every part the question asks; the precision is the
    answer's own (the precision policy). Anki compares characters, so say exactly which."""
    parts = [answers] if isinstance(answers, Answer) else list(answers)
    texts = [_prompt_part(a) for a in parts]
    what = texts[0] if len(texts) == 1 else "; then ".join(texts) + ", separated by semicolons"
    floats = any(not a.categorical and not _every_digit(a) for a in parts)
    like = " Write numbers like 0.443 or 5.88e22, without trailing zeros." if floats else ""
    return (f"Type {what}, no unit.{like} Anki compares characters, not values; "
            "spacing does not matter.")


def _cli_param(name: str, value: Any) -> str:
    return "--param " + shlex.quote(f"{name}={json.dumps(value, separators=(',', ':'))}")


def source_html(p: Problem, options: dict[str, Any]) -> str:
    """Where the problem comes from, and the command that shows it again."""
    cmd = f"quizgen show {p.id} --seed {p.seed}"
    if options:
        cmd += " " + " ".join(_cli_param(k, v) for k, v in sorted(options.items()))
    return (f"{html.escape(p.id)} v{p.version} · seed {p.seed} · "
            f"<code>{html.escape(cmd, quote=False)}</code>")


def mistakes_html(p: Problem) -> str:
    """The common mistakes, each wrong value with why (the back's "Common mistakes")."""
    if not p.distractors:
        return ""
    head = p.answer
    unit = head.unit if len(p.answers) == 1 and head.unit and not unit_in_label(head.label, head.unit) else ""
    after = f" {html.escape(unit)}" if unit else ""
    items = []
    for d in p.distractors:
        values: list[Any] = d.value if isinstance(d.value, list) else [d.value]
        if isinstance(d.value, str):
            shown = html.escape(d.value)
        else:
            shown = _value_html(d, values, lambda v: sig_figures(head, v) if not head.categorical else 3)
        items.append(f"<li><b>{shown}{after}</b>: {_inline(d.why)}</li>")
    return '<div class="qz-mh">Common mistakes</div><ul>' + "".join(items) + "</ul>"


@functools.lru_cache(maxsize=4096)
def _inline(md: str) -> str:
    """One short Markdown text (a mistake's reason) as inline HTML; cached, since most reasons are
    the same sentence on every problem of a generator."""
    out = rich_html(md)
    return out[3:-4] if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1 else out


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
    if len(htmls) <= 1 or len(set(htmls)) == 1:
        return htmls[0] if htmls else ""
    return "".join(f'<div class="qz-v" data-v="{i}">{h}</div>' for i, h in enumerate(htmls))


def note_key(p: Problem, options: dict[str, Any]) -> str:
    """Readable unique key (first field): ``flops.matmul/v1/123`` (+ an options hash)."""
    key = f"{p.id}/v{p.version}/{p.seed}"
    if options:
        key += "/" + hashlib.sha256(options_key(options).encode()).hexdigest()[:8]
    return key


def note_guid(deck: str, b: Built, options: str | None = None) -> str:
    """Identity from (deck name, generator id, item slot, copy, options): never from the version,
    the seed or the rendered text, so upgrades and rewordings update the note in place.
    ``options``: the item's :func:`options_key`, if already known."""
    return guid_for("quizgen/note/v2", deck, b.item.generator, b.item_index, b.copy,
                    options if options is not None else options_key(b.item.options))


_BASE91 = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~")


def guid_for(*values: object) -> str:
    """``genanki.util.guid_for``: the first 8 bytes of the SHA-256 of the values joined by ``__``,
    in Anki's base 91 (the same strings, computed with one int conversion instead of a loop over
    the bytes)."""
    n = int.from_bytes(hashlib.sha256("__".join(map(str, values)).encode()).digest()[:8], "big")
    out = []
    while n:
        n, r = divmod(n, 91)
        out.append(_BASE91[r])
    return "".join(reversed(out))


def _tag(s: str) -> str:
    return "_".join(s.split())


def area_tag(area: str) -> str:
    """The tag of an area, named like its subdeck: ``FLOPs``, ``Linear_algebra``."""
    return _tag(area_title(area))


def note_tags(b: Built) -> list[str]:
    """``quizgen``, the area as its subdeck is named, ``Area::generator``, and the item's tags."""
    p = b.problem
    short = p.id.split(".", 1)[1] if "." in p.id else p.id
    area = area_tag(p.area)
    tags = ["quizgen", area, f"{area}::{_tag(short)}", *(_tag(t) for t in b.item.tags)]
    return list(dict.fromkeys(tags))


def note_fields(b: Built, type_in: bool, built_on: str) -> list[str]:
    """The note's fields, in :data:`FIELDS` order."""
    vs = b.variants
    first = vs[0]
    options = b.item.options
    prompt = html.escape(type_in_prompt(first.answers), quote=False) if type_in else ""
    values = {
        "Key": html.escape(note_key(first, options)),
        "Question": _variants([rich_html(p.question) for p in vs]),
        "Answer": _variants(["".join(answer_html(a) for a in p.answers) for p in vs]),
        "AnswerPlain": html.escape(plain_typed(first.answers), quote=False),
        "Tolerance": _variants([html.escape("; ".join(
            (f"{a.label}: " if len(p.answers) > 1 else "") + tolerance_text(a) for a in p.answers), quote=False)
            for p in vs]),
        "Solution": _variants([rich_html(p.solution) for p in vs]),
        "Source": _variants([source_html(p, options) for p in vs]),
        "Measured": _variants([measured_html(p, built_on) for p in vs]),
        "TypeIn": prompt,
        "Extra": _variants([mistakes_html(p) for p in vs]) if any(p.distractors for p in vs) else "",
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
    """Entries skipped because an earlier one drew the same problem (same generator, seed, options)."""


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
    workers: int | None = None,
) -> AnkiBuild:
    """Build every entry of ``spec`` and write one ``.apkg`` atomically (temp file + rename).

    ``progress`` is called with units of work done (:func:`work_units` in all).
    ``timestamp`` (seconds since the epoch, default now) stamps the notes whose content changed
    since the package already at ``out_path`` (all of them if there is none); unchanged notes keep
    that package's stamp and fields, so Anki's "newer wins" importer leaves them (and the learner's
    tags on them) alone. A fixed ``timestamp`` gives a byte-identical file. ``workers``: processes
    drawing the problems (default: one per core for big decks; the bytes are the same).
    """
    import genanki
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    out_path = Path(out_path)
    check_writable_file(out_path)
    ts = time.time() if timestamp is None else float(timestamp)
    built_on = time.strftime("%Y-%m-%d", time.gmtime(ts))
    type_in = spec.type_in

    opts = [options_key(it.options) for it in spec.items]
    model = _model(spec.type_in)
    # Which templates make a card, as genanki's Note.cards decides (the model's "req" list).
    reqs = [(ord_, any if how == "any" else all, fields_) for ord_, how, fields_ in model._req]
    sort_index = model.sort_field_index

    def cards_of(fields: list[str]) -> tuple[int, ...]:
        return tuple(o for o, op, need in reqs if op(fields[i] for i in need))

    def render(b: Built) -> tuple[str, str, list[str], tuple[int, ...], str, tuple[str, int, str], str]:
        """A note as the collection stores it (fields joined, sort field, tags, card ords),
        assembled in the worker that drew it."""
        p = b.problem
        fields = note_fields(b, type_in, built_on)
        tags = note_tags(b)
        if any(" " in t for t in tags):
            raise ValueError(f"tag with a space in {tags!r}")
        return ("\x1f".join(fields), fields[sort_index], tags, cards_of(fields),
                note_guid(spec.name, b, opts[b.item_index]), (p.id, p.seed, opts[b.item_index]), p.area)

    read: list[Previous] = []  # the previous package is read while the workers draw
    batches = iter_rendered(spec, registry, render, seed=seed, count=count, progress=progress, workers=workers,
                            meanwhile=lambda: read.append(previous_notes(out_path)))
    parent = genanki.Deck(stable_id(f"quizgen/deck/{spec.name}"), spec.name,
                          description=_deck_description(spec, seed))
    decks: dict[str, Any] = {}  # subdeck name → genanki.Deck, in the order the areas come
    deck_ids: dict[str, int] = {}  # area → its subdeck's id
    mid = model.model_id
    n_entries = n_cards = 0
    guids: set[str] = set()
    drawn: set[tuple[str, int, str]] = set()
    # Built in memory and serialized: no scratch file written and read back. The notes go in as
    # the workers send them (the inserts overlap the drawing), in entry order; then the decks.
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        ids = _ids(ts)
        for batch in batches:
            previous = read[0]
            notes: list[tuple[Any, ...]] = []
            cards: list[tuple[Any, ...]] = []
            for flds, sfld, tags, ords, guid, same, area in batch:
                n_entries += 1
                if progress is not None:
                    progress(1)
                if same in drawn:  # 32-bit seeds: two entries of a big deck can draw the same problem
                    continue
                drawn.add(same)
                guids.add(guid)
                did = deck_ids.get(area)
                if did is None:
                    name = subdeck_name(spec, area)
                    decks[name] = genanki.Deck(stable_id(f"quizgen/deck/{name}"), name)
                    decks[name].add_model(model)
                    did = deck_ids[area] = decks[name].deck_id
                stamp = ts
                old = previous.notes.get(guid)
                if (old is not None and old.mid == mid and old.tags == tags
                        and _same(old.fields, flds.split("\x1f"))):
                    # unchanged: keep Anki from touching the learner's note
                    flds, sfld, stamp = "\x1f".join(old.fields), old.fields[sort_index], old.mod
                    ords = cards_of(old.fields)
                nid, mod = next(ids), int(stamp)
                notes.append((nid, guid, mid, mod, -1, " " + " ".join(tags) + " ", flds, sfld, 0, 0, ""))
                for o in ords:
                    cards.append((next(ids), nid, did, o, mod, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""))
                n_cards += len(ords)
            cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", notes)
            cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);", cards)
        previous = read[0]
        model_json = _model_key(model)
        if previous.models.get(model.model_id, (None, 0))[0] == model_json:
            model.stamp = previous.models[model.model_id][1]
        for deck in (parent, *decks.values()):
            deck.write_to_db(cursor, ts, ids)  # the deck and its note type (it holds no genanki notes)
        conn.commit()
        collection = _image(conn)
    finally:
        conn.close()
    try:
        with atomic_path(out_path) as tmp_out, zipfile.ZipFile(tmp_out, "w") as z:
            _add(z, "collection.anki2", collection)
            _add(z, "media", b"{}")
    except OSError as e:
        raise OutputError(f"cannot write {str(out_path)!r}: {e.strerror or e}") from e
    return AnkiBuild(out_path, len(guids), n_cards, [spec.name, *decks], seed, ts, n_entries - len(guids))


_BUILT_ON = re.compile(r" \(deck built \d{4}-\d{2}-\d{2}\)")


def _same(old: list[str], new: list[str]) -> bool:
    """Equal content; the build date on measured answers does not count as a change."""
    return old == new or [_BUILT_ON.sub("", f) for f in old] == [_BUILT_ON.sub("", f) for f in new]


def _model_key(model: Any) -> str:
    j = model.to_json(0, 0)
    return json.dumps({k: v for k, v in j.items() if k not in ("mod", "did", "usn")}, sort_keys=True)


def _image(conn: sqlite3.Connection) -> bytes:
    """The database file's bytes (``serialize`` where Python >= 3.11 has it, else via a file)."""
    if hasattr(conn, "serialize"):
        return bytes(conn.serialize())
    with scratch_dir() as tmp:
        path = Path(tmp) / "collection.anki2"
        file = sqlite3.connect(path)
        try:
            conn.backup(file)
        finally:
            file.close()
        return path.read_bytes()


@dataclass(frozen=True)
class OldNote:
    mid: int
    mod: int
    tags: list[str]
    fields: list[str]


@dataclass(frozen=True)
class Previous:
    """What an earlier build at the same path holds: notes by GUID, note types by id (key, mod)."""

    notes: dict[str, OldNote] = field(default_factory=dict)
    models: dict[int, tuple[str, int]] = field(default_factory=dict)


def previous_notes(path: Path) -> Previous:
    """The notes of the package already at ``path`` (empty if none, or not a readable package)."""
    if not path.is_file():
        return Previous()
    try:
        with zipfile.ZipFile(path) as z, scratch_dir() as tmp:
            db = Path(tmp) / "prev.anki2"
            db.write_bytes(z.read("collection.anki2"))
            conn = sqlite3.connect(db)
            try:
                rows = conn.execute("select guid, mid, mod, tags, flds from notes").fetchall()
                (models_json,) = conn.execute("select models from col").fetchone()
            finally:
                conn.close()
    except (OSError, zipfile.BadZipFile, KeyError, sqlite3.Error, TypeError, ValueError):
        return Previous()
    notes = {g: OldNote(int(mid), int(mod), tags.split(), flds.split("\x1f")) for g, mid, mod, tags, flds in rows}
    models: dict[int, tuple[str, int]] = {}
    try:
        for mid, m in json.loads(models_json).items():
            models[int(mid)] = (json.dumps({k: v for k, v in m.items() if k not in ("mod", "did", "usn")},
                                           sort_keys=True), int(m.get("mod", 0)))
    except (ValueError, AttributeError, TypeError):
        models = {}
    return Previous(notes, models)


def _ids(ts: float) -> Any:
    import itertools

    return itertools.count(int(ts * 1000))


def _add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # zlib level 1: a third of the default level's time (0.05 s vs 0.12 s for a 10,000-note, 21 MB
    # collection) for a package about a fifth bigger (2.1 MB vs 1.7 MB); any level reads the same.
    z.writestr(info, data, compresslevel=ZIP_LEVEL)


def _deck_description(spec: DeckSpec, seed: int) -> str:
    desc = html.escape(spec.description.strip())
    made = (f"Built by quizgen {__version__} from {html.escape(os.path.basename(spec.source))}, "
            f"seed {seed}. A rebuild updates these notes in place.")
    return f"{desc}<br><br><small>{made}</small>" if desc else f"<small>{made}</small>"
