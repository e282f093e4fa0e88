// quizgen practice page: reads typed answers with a port of the drill's parser
// (quizgen/drill/parse.py: same grammar, same unit table, emitted into the page as JSON in
// #qz-units) and grades them with the tolerance of quizgen/grading.py. Never eval.
// window.quizgen exposes parse/parseFor/accepts/grade for tests.
(function () {
  "use strict";

  function ParseError(msg) { this.message = msg; }
  ParseError.prototype.toString = function () { return this.message; };

  var unitsEl = document.getElementById("qz-units");
  var U = unitsEl ? JSON.parse(unitsEl.textContent) : { table: {}, lower: {}, aliases: {}, ambiguous: "?ambiguous",
    garbage: "couldn't read that as a number", maxLiteralExponent: 1000, maxCombos: 64, maxText: 200 };
  var GARBAGE = U.garbage;
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  // ---- units (parse.py: unit_candidates, answer_unit, convert) --------------------------------
  // A candidate is [dims, scale]; dims is a sorted list of [name, exponent].
  function dimsKey(d) { return d.map(function (x) { return x[0] + "^" + x[1]; }).join(" "); }
  function combine(a, b, sign) {
    var m = {}, keys = [];
    a.concat(b.map(function (x) { return [x[0], sign * x[1]]; })).forEach(function (x) {
      if (!has(m, x[0])) { m[x[0]] = 0; keys.push(x[0]); }
      m[x[0]] += x[1];
    });
    keys.sort(function (p, q) { return p < q ? -1 : p > q ? 1 : 0; });
    return keys.filter(function (k) { return m[k] !== 0; }).map(function (k) { return [k, m[k]]; });
  }
  function isAmbiguous(cs) { return cs.some(function (c) { return c[0].length === 1 && c[0][0][0] === U.ambiguous; }); }
  function opaqueName(word) {
    var w = word.toLowerCase();
    if (has(U.aliases, w)) w = U.aliases[w];
    if (w.length > 3 && /es$/.test(w) && /(?:s|x|ch|sh)$/.test(w.slice(0, -2))) return w.slice(0, -2);
    if (w.length > 3 && /s$/.test(w) && !/ss$/.test(w)) return w.slice(0, -1);
    return w;
  }
  function wordCands(word) {
    if (has(U.table, word)) return { cands: U.table[word], known: true };
    var low = word.toLowerCase();
    if (word.length > 1 && has(U.table, low)) return { cands: U.table[low], known: true };
    if (has(U.lower, low)) return { cands: U.lower[low], known: true };
    return { cands: [[[[opaqueName(word), 1]], 1]], known: false };
  }
  var SUPS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079";
  function supToInt(s) {
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s[i];
      out += c === "\u207a" ? "+" : c === "\u207b" ? "-" : String(SUPS.indexOf(c));
    }
    return parseInt(out, 10);
  }
  var UNIT_TOKEN = /\s*(?:([A-Za-z\u00b5\u03bc%]+)(?:\s*(?:\^|\*\*)\s*([+-]?\d+)|([\u207a\u207b]?[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+))?|(\/|\*|\u00b7|\u22c5|\u2219|\u00d7|-))/y;
  var unitCache = {};
  function unitCandidates(text) {
    if (has(unitCache, text)) return unitCache[text];
    var bad = "couldn\u2019t read the unit \u2018" + text.trim() + "\u2019 \u2014 try e.g. GB, ms, TFLOP/s";
    var combos = [[[], 1]], unknown = [], pos = 0, sign = 1, expectWord = true;
    while (pos < text.length) {
      if (text.slice(pos).trim() === "") break;
      UNIT_TOKEN.lastIndex = pos;
      var m = UNIT_TOKEN.exec(text);
      if (!m) throw new ParseError(bad);
      pos = UNIT_TOKEN.lastIndex;
      if (m[4]) {
        if (expectWord) throw new ParseError(bad);
        sign = m[4] === "/" ? -1 : 1;
        expectWord = true;
        continue;
      }
      var word = m[1];
      if (word.toLowerCase() === "per" && !expectWord) { sign = -1; expectWord = true; continue; }
      var power = 1, rawPower = m[2] || m[3] || "";
      var tooBig = "the power of \u2018" + word + "\u2019 is too large \u2014 units go up to ^" + U.maxUnitExponent;
      if (rawPower.replace(/^[+\-\u207a\u207b]+/, "").replace(/^[0\u2070]+/, "").length > 3) throw new ParseError(tooBig);
      if (m[2]) power = parseInt(m[2], 10);
      else if (m[3]) power = supToInt(m[3]);
      if (Math.abs(power) > U.maxUnitExponent) throw new ParseError(tooBig);
      var wc = wordCands(word);
      if (!wc.known) unknown.push(word);
      if (isAmbiguous(wc.cands)) {
        throw new ParseError("\u2018" + word + "\u2019 is ambiguous: type " + word[0] + "B for bytes or " + word[0] + "bit for bits");
      }
      var nxt = [], seen = {};
      for (var i = 0; i < combos.length; i++) {
        for (var j = 0; j < wc.cands.length; j++) {
          var wd = wc.cands[j][0].map(function (x) { return [x[0], x[1] * power]; });
          var dims = combine(combos[i][0], wd, sign);
          var scale = combos[i][1] * Math.pow(wc.cands[j][1], sign * power);
          var key = dimsKey(dims) + "|" + scale;
          if (!has(seen, key)) { seen[key] = true; nxt.push([dims, scale]); }
        }
      }
      combos = nxt.slice(0, U.maxCombos);
      sign = 1;
      expectWord = false;
    }
    if (expectWord) throw new ParseError(bad);
    var out = { cands: combos, unknown: unknown };
    unitCache[text] = out;
    return out;
  }
  function answerUnit(unit) {
    if (!unit || !unit.trim()) return [[], 1];
    try { return unitCandidates(unit).cands[0]; } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      return [[[unit.trim().toLowerCase(), 1]], 1];
    }
  }
  function convert(value, typedUnit, unit) {
    if (typedUnit === null) return value;
    var target = answerUnit(unit), tk = dimsKey(target[0]);
    var uc = unitCandidates(typedUnit), i;
    for (i = 0; i < uc.cands.length; i++) {
      if (dimsKey(uc.cands[i][0]) === tk) return value * uc.cands[i][1] / target[1];
    }
    for (i = 0; i < uc.cands.length; i++) {
      if (uc.cands[i][0].length === 0) return value * uc.cands[i][1];  // a bare multiplier: "1.5M"
    }
    var shown = typedUnit.trim();
    if (uc.unknown.length) {
      throw new ParseError("unknown unit \u2018" + uc.unknown[0] + "\u2019 \u2014 the answer is " +
        (unit ? "in " + unit : "a plain number") + "; type just the number, or a unit like GB, ms, TFLOP/s");
    }
    if (!unit) throw new ParseError("you typed " + shown + " but the answer has no unit \u2014 type just the number");
    throw new ParseError("you typed " + shown + " but the answer is in " + unit);
  }

  // ---- numbers (parse.py: _Parser) -----------------------------------------------------------
  var NUM = /(?:\d{1,3}(?:[,\u2009\u202f]\d{3})+(?!\d)|\d+(?:_\d+)*)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
  var SUP_RUN = /[\u207a\u207b]?[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+/y;
  var SPACES = " \t\u00a0\u2009\u202f";
  var MUL_OPS = ["**", "\u00d7", "*", "\u00b7", "\u22c5", "\u2219", "/", "\u00f7"];
  var DASHES = /[\u2212\u2013\u2012\u2010\ufe63\uff0d]/g;

  function literal(text) {
    var clean = text.replace(/[,_\u2009\u202f]/g, "").toLowerCase();
    var e = clean.indexOf("e");
    var mant = e >= 0 ? clean.slice(0, e) : clean;
    if (mant.replace(/\D/g, "").length > U.maxDigits) {
      throw new ParseError("that number has more than " + U.maxDigits + " digits \u2014 use an exponent, e.g. 1.5e120");
    }
    if (e >= 0 && Math.abs(parseInt(clean.slice(e + 1), 10)) > U.maxLiteralExponent) {
      throw new ParseError(text + " is out of range \u2014 exponents up to \u00b1" + U.maxLiteralExponent);
    }
    return parseFloat(clean);
  }
  function power(base, exp) {
    if (base < 0 && !Number.isInteger(exp)) throw new ParseError("can't raise a negative number to a fractional power");
    if (base === 0 && exp < 0) throw new ParseError("division by zero");
    var out = Math.pow(base, exp);
    if (!isFinite(out)) throw new ParseError("that number is too large");
    return out;
  }

  // Recursive descent: expr := unary (('×'|'*'|'/'|...) unary)*; unary := '-' unary | power;
  // power := atom (('^'|'**') unary | superscript)?; atom := number | '(' expr ')'.
  function Parser(text) { this.s = text; this.i = 0; }
  Parser.prototype.ws = function () {
    while (this.i < this.s.length && SPACES.indexOf(this.s[this.i]) >= 0) this.i++;
  };
  Parser.prototype.peek = function () { this.ws(); return this.i < this.s.length ? this.s[this.i] : ""; };
  Parser.prototype.mulOp = function () {
    this.ws();
    var rest = this.s.slice(this.i);
    for (var k = 0; k < MUL_OPS.length; k++) if (rest.indexOf(MUL_OPS[k]) === 0) return MUL_OPS[k];
    if (rest[0] === "x" || rest[0] === "X") {
      var j = 1;
      while (j < rest.length && SPACES.indexOf(rest[j]) >= 0) j++;
      if (j < rest.length && /[0-9.(\-+]/.test(rest[j])) return "x";
    }
    return null;
  };
  Parser.prototype.expr = function () {
    var v = this.unary(), op;
    while ((op = this.mulOp()) !== null) {
      this.i += op.length;
      var rhs = this.unary();
      if (op === "/" || op === "\u00f7") {
        if (rhs === 0) throw new ParseError("division by zero");
        v = v / rhs;
      } else {
        v = v * rhs;
      }
    }
    return v;
  };
  Parser.prototype.unary = function () {
    var c = this.peek();
    if (c === "-" || c === "+") { this.i++; var v = this.unary(); return c === "-" ? -v : v; }
    return this.power();
  };
  Parser.prototype.power = function () {
    var base = this.atom();
    this.ws();
    var rest = this.s.slice(this.i);
    if (rest.indexOf("**") === 0 || rest[0] === "^") {
      this.i += rest.indexOf("**") === 0 ? 2 : 1;
      return power(base, this.unary());
    }
    SUP_RUN.lastIndex = this.i;
    var m = SUP_RUN.exec(this.s);
    if (m) { this.i = SUP_RUN.lastIndex; return power(base, supToInt(m[0])); }
    return base;
  };
  Parser.prototype.atom = function () {
    var c = this.peek();
    if (c === "(") {
      this.i++;
      this.depth = (this.depth || 0) + 1;
      if (this.depth > U.maxNesting) throw new ParseError("too many nested parentheses (at most " + U.maxNesting + ")");
      var v = this.expr();
      this.depth--;
      if (this.peek() !== ")") throw new ParseError(GARBAGE);
      this.i++;
      return v;
    }
    NUM.lastIndex = this.i;
    var m = NUM.exec(this.s);
    if (!m) throw new ParseError(GARBAGE);
    var start = this.i;
    this.i = NUM.lastIndex;
    if (this.s[this.i] === "," && /\d/.test(this.s[this.i + 1] || "")) {
      var whole = /^[\d,.]+/.exec(this.s.slice(start)), shown = whole ? whole[0] : m[0];
      if (/^\d+,\d{1,2}$/.test(shown)) {
        throw new ParseError("couldn\u2019t read \u2018" + shown + "\u2019 \u2014 use a dot for decimals (" + shown.replace(",", ".") + ")");
      }
      throw new ParseError("couldn\u2019t read \u2018" + shown + "\u2019 \u2014 commas must separate groups of three digits (1,500,000)");
    }
    return literal(m[0]);
  };

  function normalize(text) {
    return String(text).replace(DASHES, "-").replace(/\uff0b/g, "+").trim().replace(/^[\u2248~=]+/, "").trim();
  }
  function finish(v) {
    if (!isFinite(v)) throw new ParseError("that number is too large");
    return v;
  }

  // The number typed and the unit text after it (null if none): parse.py parse_quantity.
  function parseQuantity(text) {
    var s = normalize(text);
    if (!s) throw new ParseError(GARBAGE);
    if (s.length > U.maxText) throw new ParseError("that answer is too long (" + s.length + " characters): type one number, e.g. 1.5e9");
    var p = new Parser(s);
    var v = p.expr();
    p.ws();
    var rest = s.slice(p.i).trim();
    if (!rest) return [v, null];
    if (!(/^\p{L}/u.test(rest) || "%\u00b5\u03bc".indexOf(rest[0]) >= 0)) throw new ParseError(GARBAGE);
    unitCandidates(rest);
    return [v, rest];
  }
  // One number in the answer's unit: "16 TiB", "240 GB", "5 s", "3/4", "2^30", "12%", "70B params".
  function parse(text, unit) {
    var q = parseQuantity(text);
    return finish(convert(q[0], q[1], unit || null));
  }

  var THOUSANDS = /(?<![\d.])\d{1,3}(?:,\d{3})+(?!\d)/g;
  function splitList(text) {
    var s = normalize(text);
    if (s.length >= 2 && ((s[0] === "[" && s[s.length - 1] === "]") || (s[0] === "(" && s[s.length - 1] === ")")) &&
        s.split(s[0]).length === 2) s = s.slice(1, -1);
    var masked = s.replace(THOUSANDS, function (m) { return m.replace(/,/g, "\u0000"); });
    return masked.split(/[;,]/).map(function (p) { return p.replace(/\u0000/g, ",").trim(); });
  }
  function parseVector(text, unit, n) {
    var parts = splitList(text);
    if (parts.length !== n || parts.some(function (p) { return !p; })) {
      var got = parts.filter(function (p) { return p; }).length;
      THOUSANDS.lastIndex = 0;
      var hint = THOUSANDS.test(text) ? " (1,500 reads as one thousand five hundred)" : "";
      throw new ParseError("expected " + n + " numbers separated by \u2018;\u2019 or \u2018, \u2019 but read " + got + hint);
    }
    return parts.map(function (p) { return parse(p, unit); });
  }
  // precision.py match_choice: the word or an unambiguous prefix, ignoring case, spaces, hyphens.
  function matchChoice(text, choices) {
    function norm(s) { return String(s).toLowerCase().replace(/[^\p{L}\p{N}]/gu, ""); }
    var t = norm(text);
    if (!t) return null;
    var exact = choices.filter(function (c) { return norm(c) === t; });
    if (exact.length) return exact[0];
    var hits = choices.filter(function (c) { return norm(c).indexOf(t) === 0; });
    return hits.length === 1 ? hits[0] : null;
  }
  // parse.py parse_for: a number, a list for a vector answer, or a word for a categorical part.
  // answer: {value: [numbers], vector: bool, unit, choices?}.
  function parseFor(answer, text) {
    if (answer.choices && answer.choices.length) {
      if (text.length > 200) throw new ParseError("that answer is too long: type one of " + answer.choices.join(", "));
      var word = matchChoice(text, answer.choices);
      if (word === null) throw new ParseError("type one of: " + answer.choices.join(", ") + " (or the start of one)");
      return word;
    }
    if (text.length > U.maxInput) {
      throw new ParseError("that answer is too long (" + text.length.toLocaleString("en-US") + " characters); type at most " + U.maxInput);
    }
    if (answer.vector) return parseVector(text, answer.unit, answer.value.length);
    try {
      return parse(text, answer.unit);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      var parts = splitList(text);
      if (e.message === GARBAGE && parts.length > 1 && parts.every(function (p) { return p; })) {
        throw new ParseError("expected one number but read " + parts.length + "; write thousands as 1,500,000 or 1500000");
      }
      throw e;
    }
  }
  // Kept for callers of the first page: n numbers as a list.
  function parseAnswer(text, n, unit) {
    return n === 1 ? [parse(text, unit)] : parseVector(text, unit, n);
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
  // answer: {value, tolerance, choices?}; guesses: a list of numbers, or a word for a choice.
  function grade(answer, guesses) {
    if (answer.choices && answer.choices.length) return guesses === answer.word;
    if (!Array.isArray(guesses)) guesses = [guesses];
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
        result = grade(answer, parseFor(answer, input.value)) ? "correct" : "incorrect";
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

  window.quizgen = { parse: parse, parseFor: parseFor, parseAnswer: parseAnswer, matchChoice: matchChoice,
                     accepts: accepts, effective: effective,
                     grade: grade, check: checkQuestion, showVersion: showVersion, ParseError: ParseError };
})();
