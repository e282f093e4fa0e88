"""What the LMSs' own code does with our files, written down independently of quizgen's exporters
(docs/lms.md names the source of each rule), plus the IMS QTI 1.2.1 DTD for validation.

- Moodle ``qtype_numerical`` (nominal tolerance): an answer accepts ``x`` iff
  ``|x - answer| <= tol + 1e-14·max(|tol|, |answer|, 1e-14)``, all in PHP floats.
- Moodle cloze (``multianswer``): ``{w:TYPE:...}``; the question's mark is the sum of the ``w``
  (empty = 1); ``<defaultgrade>`` and ``<idnumber>`` are ignored.
- Canvas ``Qti::NumericInteraction``: in the scoring ``respcondition`` only an ``<or>`` block
  (``varequal`` = exact, ``and/vargte`` = lower bound → margin) or an ``<and>`` block (a range) gives
  an answer, as floats (``to_f``); a bare ``varequal`` gives none. ``NumericalQuestion`` grades
  ``exact - margin <= x <= exact + margin``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
Q = f"{{{QTI_NS}}}"
MOODLE_EPS = 1e-14

# The IMS QTI 1.2.1 ASI DTD (final release, 2003), as shipped in the pyslet 0.7.20170805 sdist on
# PyPI (BSD-licensed code; the DTD itself carries no licence text, so it is not copied into this
# repository but fetched once with pip and cached).
DTD_NAME = "ims_qtiasiv1p2p1.dtd"
DTD_SHA256 = "c991ca648247cde8f228500a4ffb7e3578505c451f54150f43258b7f1ab445bd"
DTD_SDIST = "pyslet==0.7.20170805"
DTD_MEMBER = "pyslet-0.7.20170805/unittests/data_imsqtiv1p2p1/ims_qtiasiv1p2p1.dtd"


def qti_dtd() -> Path:
    """Path of the IMS QTI 1.2.1 DTD: $QUIZGEN_QTI_DTD, else a cached copy, else fetched with
    ``pip download`` (skips outside CI when PyPI cannot be reached; fails in CI)."""
    env = os.environ.get("QUIZGEN_QTI_DTD")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "quizgen-tests" / DTD_NAME
    if cache.exists() and hashlib.sha256(cache.read_bytes()).hexdigest() == DTD_SHA256:
        return cache
    with tempfile.TemporaryDirectory() as d:
        res = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                              ":all:", DTD_SDIST, "-d", d],
                             capture_output=True, text=True, timeout=600)
        sdists = list(Path(d).glob("pyslet-*.tar.gz"))
        if not sdists:
            msg = f"cannot fetch the IMS QTI DTD ({DTD_SDIST} from PyPI): {res.stderr.strip()[-300:]}"
            if os.environ.get("CI"):
                pytest.fail(msg)
            pytest.skip(msg)
        with tarfile.open(sdists[0]) as tf:
            f = tf.extractfile(DTD_MEMBER)
            assert f is not None
            data = f.read()
    assert hashlib.sha256(data).hexdigest() == DTD_SHA256, "the DTD in the pyslet sdist changed"
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(cache)
    return cache


def dtd_errors(xml: bytes, dtd: Path) -> list[str]:
    """Validate ``xml`` against its DOCTYPE, with the SYSTEM id resolved to the IMS DTD file
    (external subset) plus whatever the document's internal subset declares."""
    from lxml import etree

    class Resolver(etree.Resolver):  # type: ignore[misc]
        def resolve(self, url: str, pubid: str, context: Any) -> Any:
            if url.endswith(DTD_NAME):
                return self.resolve_filename(str(dtd), context)
            raise AssertionError(f"unexpected external entity {url}")

    parser = etree.XMLParser(dtd_validation=True, load_dtd=True, no_network=True, resolve_entities=True)
    parser.resolvers.add(Resolver())
    try:
        etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return [str(e) for e in parser.error_log]
    return [str(e) for e in parser.error_log if e.level_name == "ERROR"]


# -- Moodle ---------------------------------------------------------------------------------------

def moodle_accepts(answer: float, tol: float, x: float) -> bool:
    slack = tol + MOODLE_EPS * max(abs(tol), abs(answer), MOODLE_EPS)
    return answer - slack <= x <= answer + slack


CLOZE = re.compile(r"\{(\d*):(NUMERICAL|NM|SHORTANSWER|SA|MULTICHOICE|MC):((?:\\.|[^}\\])*)\}")


def cloze_fields(text: str) -> list[tuple[int, str, str]]:
    """(weight, type, body) of each field, as Moodle's multianswer parser reads them."""
    return [(int(w) if w else 1, t, body) for w, t, body in CLOZE.findall(text)]


# -- Canvas ---------------------------------------------------------------------------------------

def canvas_numeric_answers(item: Any) -> list[tuple[float, float]]:
    """(exact, margin) or (low-high as midpoint, half-width) answers Canvas's importer stores."""
    out: list[tuple[float, float]] = []
    for cond in item.iter(Q + "respcondition"):
        setvar = cond.find(Q + "setvar")
        if setvar is None or float(setvar.text) != 100:
            continue
        cv = cond.find(Q + "conditionvar")
        for child in cv:
            if child.tag == Q + "or":
                eq = child.find(Q + "varequal")
                andd = child.find(Q + "and")
                exact = float(eq.text)
                margin = 0.0
                if andd is not None and andd.find(Q + "vargte") is not None:
                    margin = abs(exact - float(andd.find(Q + "vargte").text))
                out.append((exact, margin))
            elif child.tag == Q + "and":
                lo, hi = float(child.find(Q + "vargte").text), float(child.find(Q + "varlte").text)
                out.append(((lo + hi) / 2, (hi - lo) / 2))
            # a bare <varequal> is read as a string match: no numeric answer
    return out


def canvas_grades(answers: list[tuple[float, float]], x: float) -> bool:
    return any(e - m <= x <= e + m for e, m in answers)


# -- show --json ----------------------------------------------------------------------------------

def json_bounds(ans: dict[str, Any], index: int | None) -> tuple[Decimal, Decimal, Decimal]:
    """(value, low, high) that ``show --json`` states for one number of one answer, exactly."""
    v = ans["value"] if index is None else ans["value"][index]
    dv = Decimal(v) if isinstance(v, int) else Decimal(repr(float(v)))
    tol = ans["tolerance"]
    with localcontext() as ctx:
        ctx.prec = 80
        if "factor" in tol:
            k = Decimal(repr(float(tol["factor"]))) if isinstance(tol["factor"], float) else Decimal(tol["factor"])
            lo, hi = sorted((dv / k, dv * k))
            return dv, _sig(lo, ROUND_FLOOR), _sig(hi, ROUND_CEILING)
        atol = tol.get("atol", 0)
        if isinstance(atol, list):
            atol = atol[index or 0]
        half = Decimal(repr(float(atol))) + Decimal(repr(float(tol.get("rtol", 0)))) * abs(dv)
        return dv, dv - half, dv + half


def _sig(x: Decimal, rounding: str) -> Decimal:
    return x if x == 0 else x.quantize(Decimal(1).scaleb(x.adjusted() - 14), rounding=rounding)


PREFIX = {"y": -24, "z": -21, "a": -18, "f": -15, "p": -12, "n": -9, "µ": -6, "m": -3,
          "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18, "Z": 21, "Y": 24}


def stated_exp(text: str, unit: str | None, *labels: str) -> int:
    """The power of ten the question text says a part is asked in, relative to ``unit``, from its
    sentence 'Give LABEL in …': 'in units of 10^-3 …' → 3; 'in ms (1 ms = 10^-3 s)' with unit 's'
    → 3; 'in s.' or no sentence → 0."""
    import html

    for label in labels:
        head = f"Give {html.escape(label, quote=False)} in "
        i = text.rfind(head)
        if i < 0:
            continue
        seg = text[i + len(head) - 3:].split("<")[0]
        m = re.match(r"in units of 10\^(-?\d+)", seg)
        if m:
            return -int(m.group(1))
        m = re.match(r"in (\S+) \(1 \S+ = 10\^(-?\d+) (\S+)\)", seg)
        if m:
            base = m.group(3)
            if base == unit:
                return -int(m.group(2))
            old = 0
            if unit and unit != base:
                assert unit.endswith(base) and unit[0] in PREFIX, (unit, base)
                old = PREFIX[unit[0]]
            return old - int(m.group(2))
        return 0
    return 0


def nested_p(html_text: str) -> bool:
    """Whether a <p> opens while another <p> is open (invalid HTML: the browser closes the first)."""
    depth = 0
    for m in re.finditer(r"<(/?)p[\s>]", html_text, flags=re.IGNORECASE):
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            if depth:
                return True
            depth += 1
    return False
