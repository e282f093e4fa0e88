// Injected into a copy of practice.html by tests/test_print.py: types answers, presses Check,
// and writes what the page did into a pre element (#qz-test-result) for --dump-dom to show.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("qz-test-data").textContent);
  var out = { parse: [], fill: [], grades: [], math: {} };
  data.parse.forEach(function (c) {
    var r;
    try { r = window.quizgen.parse(c[0], c[1]); } catch (e) { r = "ERR:" + (e && e.message); }
    out.parse.push(r);
  });
  data.fill.forEach(function (f) {
    var li = document.getElementById(f.li);
    var inputs = li.querySelectorAll(".qz-input");
    f.values.forEach(function (v, i) { inputs[i].value = v; });
    li.querySelector(".qz-check").click();
    out.fill.push(Array.prototype.map.call(li.querySelectorAll(".qz-part"), function (p) {
      return p.getAttribute("data-result");
    }));
  });
  data.grades.forEach(function (g) {
    out.grades.push(g.guesses.map(function (guess) { return window.quizgen.grade(g.answer, guess); }));
  });
  var maths = document.querySelectorAll(".qz-version:not([hidden]) math");
  out.math.count = maths.length;
  out.math.zeroWidth = Array.prototype.filter.call(maths, function (m) {
    return m.getBoundingClientRect().width === 0;
  }).length;
  var sup = document.querySelector(".qz-version:not([hidden]) msup");
  if (sup) {
    var base = sup.children[0].getBoundingClientRect(), script = sup.children[1].getBoundingClientRect();
    out.math.supRaised = script.bottom < base.bottom - 1;
  }
  window.quizgen.showVersion(2);
  var v2 = document.querySelector('.qz-version[data-version="2"]');
  out.version2Visible = !!v2 && !v2.hidden && document.querySelector('.qz-version[data-version="1"]').hidden;
  var pre = document.createElement("pre");
  pre.id = "qz-test-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
