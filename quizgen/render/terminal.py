"""LaTeX-in-Markdown to readable terminal text: ``\\(2mkn\\)`` → ``2mkn``, ``\\times`` → ``×``.

Only for the terminal (``show``, ``drill``); cards and sheets keep real math. Unknown macros are
left as they are, so nothing is silently dropped.
"""

from __future__ import annotations

import re

_SYMBOLS = {
    r"\times": "×", r"\cdot": "·", r"\cdots": "⋯", r"\ldots": "…", r"\dots": "…", r"\le": "≤",
    r"\leq": "≤", r"\ge": "≥", r"\geq": "≥", r"\ne": "≠", r"\neq": "≠", r"\approx": "≈",
    r"\sim": "~", r"\infty": "∞", r"\to": "→", r"\rightarrow": "→", r"\leftarrow": "←",
    r"\Rightarrow": "⇒", r"\in": "∈", r"\sum": "Σ", r"\prod": "∏", r"\int": "∫", r"\partial": "∂",
    r"\nabla": "∇", r"\pm": "±", r"\mp": "∓", r"\log": "log", r"\ln": "ln", r"\exp": "exp",
    r"\min": "min", r"\max": "max", r"\lceil": "⌈", r"\rceil": "⌉", r"\lfloor": "⌊",
    r"\rfloor": "⌋", r"\langle": "⟨", r"\rangle": "⟩", r"\lVert": "‖", r"\rVert": "‖", r"\|": "‖",
    r"\top": "ᵀ", r"\quad": "  ", r"\qquad": "    ", r"\,": " ", r"\;": " ", r"\!": "",
    r"\ ": " ", r"\left": "", r"\right": "", r"\big": "", r"\Big": "", r"\mid": "|",
    r"\odot": "⊙", r"\otimes": "⊗", r"\circ": "∘", r"\propto": "∝", r"\equiv": "≡",
    r"\mathbb{R}": "ℝ", r"\mathbb{E}": "𝔼", r"\ell": "ℓ", r"\%": "%", r"\{": "{", r"\}": "}",
    r"\#": "#", r"\iff": "⇔", r"\implies": "⇒",
    r"\lt": "<", r"\gt": ">", r"\checkmark": "✓", r"\Phi": "Φ", r"\varepsilon": "ε", r"\epsilon": "ε",
}
_GREEK = ("alpha beta gamma delta zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
          "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Psi Omega")
_GREEK_CHARS = "αβγδζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΨΩ"
for _name, _ch in zip(_GREEK.split(), _GREEK_CHARS, strict=False):
    _SYMBOLS["\\" + _name] = _ch
_SUP = str.maketrans("0123456789+-=()n−ixT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ⁻ⁱˣᵀ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")

_BRACE = r"\{((?:[^{}]|\{[^{}]*\})*)\}"


def _script(body: str, table: dict[int, int], mark: str) -> str:
    if all(ord(c) in table for c in body):
        return body.translate(table)
    return f"{mark}({body})" if len(body) > 1 else f"{mark}{body}"


def tex_to_text(s: str) -> str:
    """Math in ``\\( \\)``/``\\[ \\]`` becomes plain Unicode text; prose is left alone.

    A display formula becomes a paragraph of its own, indented by two spaces, with exactly one
    blank line before and after it, however the source spaced it. (Not four spaces: Markdown
    would make that a code block, which rich pads with a second blank line on each side.)"""
    def display(m: re.Match[str]) -> str:
        return f"\n\n  {math_to_text(m.group(1))}\n\n"

    s = re.sub(r"\s*\\\[(.*?)\\\]\s*", display, s, flags=re.S)
    s = re.sub(r"\\\((.*?)\\\)", lambda m: math_to_text(m.group(1)), s, flags=re.S)
    return s.strip("\n")


_MATRIX = re.compile(r"\\begin\{([pbvB]?matrix)\}(.*?)\\end\{\1\}", re.S)


def _matrix_text(m: re.Match[str]) -> str:
    """``\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}`` → ``[1, 2; 3, 4]``."""
    rows = [r for r in m.group(2).split("\\\\") if r.strip()]
    return "[" + "; ".join(", ".join(c.strip() for c in r.split("&")) for r in rows) + "]"


def math_to_text(t: str) -> str:
    t = _MATRIX.sub(_matrix_text, t)
    for _ in range(4):  # nested constructs
        t = re.sub(r"\\[dt]?frac" + _BRACE + _BRACE, lambda m: f"({m.group(1)})/({m.group(2)})", t)
        t = re.sub(r"\\sqrt" + _BRACE, lambda m: f"√({m.group(1)})", t)
        t = re.sub(r"\\(?:text|mathrm|operatorname|mathbf|mathit|textbf|boldsymbol|mathsf|mathcal|mathtt)" + _BRACE,
                   lambda m: m.group(1), t)
        for accent, mark in (("hat", "\u0302"), ("bar", "\u0304"), ("tilde", "\u0303"), ("vec", "\u20d7")):
            t = re.sub(r"\\" + accent + _BRACE, r"\1" + mark, t)
    t = re.sub(r"\^\{?\\top\}?", "ᵀ", t)
    t = re.sub(r"\^" + _BRACE, lambda m: _script(m.group(1), _SUP, "^"), t)
    t = re.sub(r"_" + _BRACE, lambda m: _script(m.group(1), _SUB, "_"), t)
    t = re.sub(r"\^([0-9a-zA-Z])", lambda m: _script(m.group(1), _SUP, "^"), t)
    t = re.sub(r"_([0-9])", lambda m: _script(m.group(1), _SUB, "_"), t)
    for k in sorted(_SYMBOLS, key=len, reverse=True):
        guard = r"(?![A-Za-z])" if k[-1].isalpha() else ""
        t = re.sub(re.escape(k) + guard, _SYMBOLS[k].replace("\\", "\\\\"), t)
    t = t.replace("{", "").replace("}", "")
    return re.sub(r" {2,}", " ", t).strip()
