"""Anki's own reviewer assets (MathJax, its config, reviewer CSS) in headless Chromium.

The ``aqt`` wheel on PyPI (Anki's desktop GUI) ships the files the reviewer uses as
``_aqt/data/web/...``. ``aqt`` itself needs PyQt6 + QtWebEngine (hundreds of MB), so the tests do not
install it: they take the wheel's web files from, in this order,

1. ``$QUIZGEN_AQT_WEB`` (a folder holding ``js/`` and ``css/``, e.g. an unpacked ``_aqt/data/web``);
2. an installed ``_aqt`` package (if someone has Anki's GUI installed);
3. a cache, ``$XDG_CACHE_HOME/quizgen-tests/aqt-VERSION/web`` (default ``~/.cache``), filled once by
   ``pip download --no-deps aqt==VERSION`` (no install: the wheel is only unzipped), where VERSION is
   the installed ``anki`` package's version, so the MathJax build matches the Anki under test.

A page reproduces the reviewer: ``webview.css`` + ``reviewer.css``, ``<body class="card card1">``,
the card HTML set into ``#qa`` the way ``setInnerHTML`` does (scripts re-created so that they run),
``[[type:…]]`` replaced as ``aqt.reviewer`` does, then ``MathJax.typesetPromise``. Every side of a
batch is rendered in one Chromium run per width, one after another, and the page writes its
measurements into the DOM once the last side is typeset; ``--dump-dom`` after a virtual-time budget
reads them. A page that did not finish says so (``done: false``) instead of returning partial data.
Headless Chromium's window is at least 500 px wide, so each width gets its own ``<iframe>`` that
wide (its viewport). ``QUIZGEN_LAYOUT_DEBUG=1`` also lists elements inside formulas that stick out.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

WANTED = ("js/mathjax.js", "js/vendor/mathjax/", "css/reviewer.css", "css/webview.css")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _complete(web: Path) -> bool:
    return (web / "js/vendor/mathjax/tex-chtml-full.js").is_file() and (web / "css/reviewer.css").is_file()


def aqt_web_dir() -> tuple[Path | None, str]:
    """The folder with Anki's reviewer web files, or None and why not."""
    env = os.environ.get("QUIZGEN_AQT_WEB")
    if env:
        return (Path(env), "") if _complete(Path(env)) else (None, f"QUIZGEN_AQT_WEB={env} lacks the files")
    try:
        import _aqt  # type: ignore[import-not-found]

        web = Path(_aqt.__file__).parent / "data" / "web"
        if _complete(web):
            return web, ""
    except ImportError:
        pass
    version = metadata.version("anki")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quizgen-tests" / f"aqt-{version}"
    web = cache / "web"
    if _complete(web):
        return web, ""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                               f"aqt=={version}", "-d", tmp], capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("aqt-*.whl"))
        if proc.returncode != 0 or not wheels:
            return None, f"pip download aqt=={version} failed: {proc.stderr.strip()[-300:]}"
        staging = cache / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(wheels[0]) as z:
            for name in z.namelist():
                rel = name.removeprefix("_aqt/data/web/")
                if rel != name and rel.startswith(WANTED):
                    z.extract(name, staging)
        shutil.rmtree(web, ignore_errors=True)
        (staging / "_aqt/data/web").rename(web)
        shutil.rmtree(staging, ignore_errors=True)
    return (web, "") if _complete(web) else (None, "the aqt wheel lacks _aqt/data/web files")


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>@WEBVIEW_CSS@</style><style>@REVIEWER_CSS@</style>
<script>
var NOW = 0, RealDate = Date, errors = [];
window.onerror = function (m) { errors.push(String(m)); };
function FakeDate() { return arguments.length ? new (Function.prototype.bind.apply(RealDate,
  [null].concat([].slice.call(arguments))))() : new RealDate(NOW); }
FakeDate.prototype = RealDate.prototype; FakeDate.now = function () { return NOW; };
FakeDate.UTC = RealDate.UTC; FakeDate.parse = RealDate.parse;
window.Date = FakeDate;
</script>
<script>@MATHJAX_CONFIG@</script>
<script>window.MathJax.loader.paths.mathjax = @MATHJAX_URL@;</script>
<script src="@MATHJAX_JS@"></script>
</head><body class="card card1"><div id="qa" dir="auto"></div><pre id="out"></pre><script>
var SIDES = @SIDES@, ONLY = @ONLY@, DEBUG = @DEBUG@, qa = document.getElementById("qa");
function setInnerHTML(el, h) {
  el.innerHTML = h;
  var scripts = el.getElementsByTagName("script");
  for (var i = 0; i < scripts.length; i++) {
    var old = scripts[i], s = document.createElement("script");
    s.appendChild(document.createTextNode(old.innerHTML));
    old.parentNode.replaceChild(s, old);
  }
}
function wide() {
  var cw = document.documentElement.clientWidth, out = [], els = qa.querySelectorAll("*");
  for (var i = 0; i < els.length && out.length < 4; i++) {
    var r = els[i].getBoundingClientRect();
    if (r.right > cw + 0.5 && !(els[i].parentElement.closest("mjx-container") && !DEBUG)) {
      out.push({tag: els[i].tagName.toLowerCase(), right: Math.round(r.right),
                text: (els[i].textContent || "").slice(0, 120)});
    }
  }
  return out;
}
function scrolls() {  // display formulas that still need their own scroll bar
  var out = [], c = qa.querySelectorAll('mjx-container[display="true"]');
  for (var i = 0; i < c.length; i++) {
    if (c[i].scrollWidth > c[i].clientWidth + 1) out.push((c[i].textContent || "").slice(0, 80));
  }
  return out;
}
var results = [];
function one(i) {
  var side = SIDES[i];
  NOW = side.now;
  setInnerHTML(qa, side.html);
  return MathJax.startup.promise.then(function () {
    MathJax.typesetClear(); return MathJax.typesetPromise([qa]);
  }).then(function () {
    var de = document.documentElement;
    results.push({i: i, scrollWidth: de.scrollWidth, clientWidth: de.clientWidth,
                  bodyScroll: document.body.scrollWidth, wide: wide(),
                  errors: qa.querySelectorAll("mjx-merror").length, scrolls: scrolls(),
                  typeans: (qa.querySelector("#typeans") || {}).innerHTML || null,
                  text: qa.textContent.slice(0, 200)});
  });
}
var chain = Promise.resolve();
var order = ONLY >= 0 ? [ONLY] : SIDES.map(function (_, i) { return i; });
order.forEach(function (i) { chain = chain.then(function () { return one(i); }); });
chain.then(function () {
  if (ONLY < 0) { qa.innerHTML = ""; }
  report({done: true, results: results, errors: errors});
}, function (e) {
  report({done: false, results: results, errors: errors.concat([String(e)])});
});
function report(data) {
  var target = window.parent !== window ? parent.document.getElementById("out-" + @WIDTH@) : null;
  (target || document.getElementById("out")).textContent = JSON.stringify(data);
}
</script></body></html>"""

_TYPE = re.compile(r"\[\[type:(.+?)\]\]")


def reviewer_html(side: str, typed: str | None = None, expected: str = "", col: Any = None) -> str:
    """A rendered side as ``aqt.reviewer`` puts it in ``#qa``: the type-answer box on the front, the
    comparison (from ``col.compare_answer``) on the back."""
    if not _TYPE.search(side):
        return side
    if typed is None:
        box = ('<center><input type=text id=typeans onkeypress="_typeAnsPress();" '
               "style=\"font-family: 'Arial'; font-size: 20px;\"></center>")
        return _TYPE.sub(lambda m: box, side)
    out = col.compare_answer(expected, typed, True) if col is not None else html.escape(typed)
    return _TYPE.sub(lambda m: f"<div style=\"font-family: 'Arial'; font-size: 20px\">{out}</div>", side)


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True).replace("</", "<\\/").replace("<!--", "<\\!--")


def page(web: Path, sides: list[dict[str, Any]], only: int = -1, width: int = 0) -> str:
    config = (web / "js/mathjax.js").read_text(encoding="utf-8")
    mj = web / "js/vendor/mathjax"
    return (PAGE.replace("@WEBVIEW_CSS@", (web / "css/webview.css").read_text(encoding="utf-8"))
            .replace("@REVIEWER_CSS@", (web / "css/reviewer.css").read_text(encoding="utf-8"))
            .replace("@MATHJAX_CONFIG@", config)
            .replace("@MATHJAX_URL@", _js(mj.as_uri()))
            .replace("@MATHJAX_JS@", (mj / "tex-chtml-full.js").as_uri())
            .replace("@SIDES@", _js(sides)).replace("@ONLY@", str(only)).replace("@WIDTH@", str(width))
            .replace("@DEBUG@", "true" if os.environ.get("QUIZGEN_LAYOUT_DEBUG") else "false"))


def frames(web: Path, sides: list[dict[str, Any]], widths: list[int], only: int = -1, height: int = 900) -> str:
    """One outer page with a reviewer page per width, each in an iframe that wide: headless
    Chromium has a minimum window width (500 px), an iframe sets the viewport to any width."""
    body = "".join(
        f'<iframe style="width:{w}px;height:{height}px;border:0;display:block" '
        f'srcdoc="{html.escape(page(web, sides, only, w), quote=True)}"></iframe><pre id="out-{w}"></pre>'
        for w in widths)
    return f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">{body}</body></html>'


def _run(browser: str, args: list[str], url: str, tmp: Path, env: dict[str, str] | None) -> str:
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", "--allow-file-access-from-files", "--user-data-dir=" + str(tmp / "profile"),
         "--virtual-time-budget=600000", "--run-all-compositor-stages-before-draw", *args, url],
        capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})
    return proc.stdout + "\n<!--stderr-->" + proc.stderr[-3000:]


def measure(browser: str, web: Path, sides: list[dict[str, Any]], widths: list[int], tmp: Path,
           env: dict[str, str] | None = None) -> dict[int, dict[str, Any]]:
    """Render every side at each width (CSS px) in one Chromium run: per width, one result per
    side and ``done``."""
    f = tmp / "sides.html"
    f.write_text(frames(web, sides, widths), encoding="utf-8")
    out = _run(browser, ["--dump-dom", "--window-size=1200,900"], f.as_uri(), tmp, env)
    data: dict[int, dict[str, Any]] = {}
    for w in widths:
        m = re.search(rf'<pre id="out-{w}">(.*?)</pre>', out, re.S)
        if not m or not m.group(1).strip():
            data[w] = {"done": False, "results": [], "errors": [out[-3000:]]}
        else:
            data[w] = json.loads(html.unescape(m.group(1)))
    return data


def screenshot(browser: str, web: Path, sides: list[dict[str, Any]], index: int, width: int, png: Path,
               height: int = 1400) -> None:
    f = png.with_suffix(".html")
    f.write_text(frames(web, sides, [width], only=index, height=height), encoding="utf-8")
    _run(browser, [f"--screenshot={png}", f"--window-size={max(width, 500)},{height}"], f.as_uri(),
         png.parent, None)
