// quizgen practice page: reads typed numbers with a small parser (no eval) and grades them with
// the rules of quizgen/grading.py. window.quizgen exposes parse/parseAnswer/accepts for tests.
(function () {
  "use strict";

  function ParseError(msg) { this.message = msg; }

  // ---- tokens -------------------------------------------------------------------------------
  var NUM = /^(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

  var SUP = { "\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4", "\u2075": "5",
              "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9", "\u207b": "-", "\u207a": "+" };

  function normalize(s) {
    s = String(s).trim()
      .replace(/^(?:\u2248|~)\s*/, "")  // "≈ 3e9"
      .replace(/[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u207a\u207b]+/g, function (m) {
        return "^(" + m.split("").map(function (c) { return SUP[c]; }).join("") + ")";
      })
      .replace(/(\d)_(?=\d)/g, "$1")  // 1_000_000
      .replace(/[\u2212\u2012\u2013\u2014]/g, "-")
      .replace(/[\u00d7\u22c5\u00b7\u2219]/g, "*")
      .replace(/\u00f7/g, "/")
      .replace(/[\u00a0\u2009\u202f]/g, " ");
    // "6 425 935 872": spaces between groups of three digits are thousands separators.
    var prev;
    do { prev = s; s = s.replace(/(\d) (\d{3})(?!\d)/, "$1$2"); } while (s !== prev);
    return s;
  }

  function tokenize(s) {
    var out = [], i = 0;
    while (i < s.length) {
      var c = s[i];
      if (c === " ") { i++; continue; }
      var m = NUM.exec(s.slice(i));
      if (m) {
        var text = m[0];
        if (s[i + text.length] === ",") throw new ParseError("use a point for decimals and commas only between groups of three digits");
        out.push({ t: "num", v: parseFloat(text.replace(/,/g, "")) });
        i += text.length;
        continue;
      }
      if (s.slice(i, i + 2) === "**") { out.push({ t: "^" }); i += 2; continue; }
      if ("+-*/^()%".indexOf(c) >= 0) { out.push({ t: c }); i++; continue; }
      if ((c === "x" || c === "X") && out.length && (out[out.length - 1].t === "num" || out[out.length - 1].t === ")")) {
        out.push({ t: "*" }); i++; continue;  // 1.5x10^9
      }
      throw new ParseError("unexpected \u201c" + c + "\u201d");
    }
    return out;
  }

  // ---- recursive descent: expr := term (+|- term)*; term := unary (*|/ unary)*;
  //      unary := (+|-) unary | power; power := postfix (^ unary)?; postfix := atom %?
  function parseExpr(tokens) {
    var pos = 0;
    function peek() { return tokens[pos] ? tokens[pos].t : null; }
    function expr() {
      var v = term();
      while (peek() === "+" || peek() === "-") { var op = tokens[pos++].t; var r = term(); v = op === "+" ? v + r : v - r; }
      return v;
    }
    function term() {
      var v = unary();
      while (peek() === "*" || peek() === "/") {
        var op = tokens[pos++].t; var r = unary();
        if (op === "/" && r === 0) throw new ParseError("division by zero");
        v = op === "*" ? v * r : v / r;
      }
      return v;
    }
    function unary() {
      if (peek() === "-") { pos++; return -unary(); }
      if (peek() === "+") { pos++; return unary(); }
      return power();
    }
    function power() {
      var base = postfix();
      if (peek() === "^") { pos++; return Math.pow(base, unary()); }
      return base;
    }
    function postfix() {
      var v = atom();
      if (peek() === "%") { pos++; v = v / 100; }
      return v;
    }
    function atom() {
      var tok = tokens[pos];
      if (!tok) throw new ParseError("the number ends too early");
      if (tok.t === "num") { pos++; return tok.v; }
      if (tok.t === "(") {
        pos++;
        var v = expr();
        if (peek() !== ")") throw new ParseError("a \u201c(\u201d is not closed");
        pos++;
        return v;
      }
      throw new ParseError("unexpected \u201c" + tok.t + "\u201d");
    }
    var v = expr();
    if (pos !== tokens.length) throw new ParseError("unexpected \u201c" + tokens[pos].t + "\u201d");
    return v;
  }

  function stripUnit(s, unit) {
    if (!unit) return s;
    var u = unit.toLowerCase(), low = s.toLowerCase();
    var forms = [u, u + "s"];  // "FLOP" / "FLOPs"; "nats" / "nat"
    if (u.length > 2 && u.slice(-1) === "s") forms.push(u.slice(0, -1));
    for (var i = 0; i < forms.length; i++) {
      if (low.length > forms[i].length && low.slice(-forms[i].length) === forms[i]) {
        return s.slice(0, s.length - forms[i].length).trim();
      }
    }
    return s;
  }

  // One number: "1.5e9", "3/4", "2^30", "1,500,000", "1.5 × 10^9", "12%", with an optional unit.
  function parse(text, unit) {
    var s = stripUnit(normalize(text), unit);
    if (!s) throw new ParseError("type a number");
    var v = parseExpr(tokenize(s));
    if (!isFinite(v)) throw new ParseError("not a finite number");
    return v;
  }

  // n numbers for a vector answer: "[0.7, 0.67]", "0.7; 0.67" or "0.7 0.67".
  function parseAnswer(text, n, unit) {
    var s = normalize(text);
    if (n === 1) return [parse(s, unit)];
    s = stripUnit(s, unit).replace(/^\[|\]$/g, "").trim();
    var tries = [s.split(";"), s.split(/,\s+/), s.split(/\s+/), s.split(",")];
    for (var i = 0; i < tries.length; i++) {
      var parts = tries[i].map(function (p) { return p.trim(); }).filter(function (p) { return p !== ""; });
      if (parts.length !== n) continue;
      try { return parts.map(function (p) { return parse(p, null); }); } catch (e) { /* next split */ }
    }
    throw new ParseError("give " + n + " numbers separated by ;");
  }

  // The tolerance rules of quizgen/model.py Tolerance.accepts: the JSON tolerance is the whole
  // rule; for significant figures "atol" holds the half unit of each value (a list for vectors).
  function effective(tol, i) {
    if (Array.isArray(tol.atol)) return { rtol: tol.rtol || 0, atol: tol.atol[i] };
    return tol;
  }
  function accepts(tol, guess, value) {
    if (!isFinite(guess)) return false;
    if (tol.factor != null) {
      if (value === 0) return guess === 0;
      if (guess === 0 || (guess > 0) !== (value > 0)) return false;
      var ratio = guess / value;
      return Math.max(ratio, 1 / ratio) <= tol.factor * (1 + 1e-12);
    }
    var rtol = tol.rtol || 0, atol = tol.atol || 0;
    return Math.abs(guess - value) <= atol + rtol * Math.abs(value) + 1e-12 * Math.abs(value);
  }
  function grade(answer, guesses) {
    if (guesses.length !== answer.value.length) return false;
    for (var i = 0; i < guesses.length; i++) {
      if (!accepts(effective(answer.tolerance, i), guesses[i], answer.value[i])) return false;
    }
    return true;
  }

  // ---- page wiring ----------------------------------------------------------------------------
  function checkQuestion(li) {
    var parts = li.querySelectorAll(".qz-part"), allRight = true;
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i], answer = JSON.parse(part.getAttribute("data-answer"));
      var input = part.querySelector(".qz-input"), mark = part.querySelector(".qz-mark");
      part.classList.remove("qz-correct", "qz-incorrect", "qz-invalid");
      var result;
      try {
        result = grade(answer, parseAnswer(input.value, answer.value.length, answer.unit)) ? "correct" : "incorrect";
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        result = "invalid";
        mark.textContent = e.message;
      }
      part.classList.add("qz-" + result);
      part.setAttribute("data-result", result);
      if (result === "correct") mark.textContent = "\u2713 correct";
      if (result === "incorrect") mark.textContent = "\u2717 incorrect";
      if (result !== "correct") allRight = false;
      if (result !== "invalid") part.querySelector(".qz-expected").hidden = false;
    }
    li.setAttribute("data-result", allRight ? "correct" : "incorrect");
    if (li.querySelector(".qz-part:not(.qz-invalid)")) li.querySelector(".qz-solution").open = true;
    updateScore();
  }

  function updateScore() {
    var sec = document.querySelector(".qz-version:not([hidden])");
    if (!sec) return;
    var qs = sec.querySelectorAll(".qz-q"), right = 0, tried = 0;
    for (var i = 0; i < qs.length; i++) {
      var r = qs[i].getAttribute("data-result");
      if (r) { tried++; if (r === "correct") right++; }
    }
    var out = document.querySelector(".qz-score");
    if (out) out.textContent = tried ? right + " of " + qs.length + " right" : "";
  }

  var forms = document.querySelectorAll(".qz-form");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("submit", function (ev) {
      ev.preventDefault();
      checkQuestion(ev.currentTarget.closest(".qz-q"));
    });
  }
  var select = document.getElementById("qz-version");
  function showVersion(n) {
    var secs = document.querySelectorAll(".qz-version");
    for (var j = 0; j < secs.length; j++) secs[j].hidden = secs[j].getAttribute("data-version") !== String(n);
    updateScore();
  }
  if (select) {
    select.addEventListener("change", function () { showVersion(select.value); });
    var m = /[#&]v=(\d+)/.exec(location.hash);
    if (m && document.querySelector('.qz-version[data-version="' + m[1] + '"]')) { select.value = m[1]; showVersion(m[1]); }
  }

  window.quizgen = { parse: parse, parseAnswer: parseAnswer, accepts: accepts, effective: effective,
                     grade: grade, check: checkQuestion, showVersion: showVersion, ParseError: ParseError };
})();
