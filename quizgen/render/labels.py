"""Answer labels for people: plain words stay, and symbol-like labels ("y_N", "θ_T") read as math.

``label_text("y_N")`` is ``"y_N"`` in plain text; ``label_tex("θ_T") == "\\theta_{T}"``. Generators
should put the concrete symbol in the label (``θ_3`` when the question asks for θ₃).
"""

from __future__ import annotations

import re

_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "Δ": "Delta", "ε": "epsilon",
          "η": "eta", "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "σ": "sigma",
          "ρ": "rho", "τ": "tau", "ϕ": "phi", "φ": "phi", "ψ": "psi", "ω": "omega", "π": "pi",
          "Σ": "Sigma", "∇": "nabla"}
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SYMBOL = re.compile(r"^([A-Za-zα-ωΑ-Ω∇Δ])_\{?([A-Za-z0-9,]+)\}?$")


def is_symbol(label: str) -> bool:
    """'y_N', 'θ_3', 'h_max' are symbols; 'blocks per SM' is words."""
    return bool(_SYMBOL.match(label.translate(_SUB)))


def label_text(label: str) -> str:
    """Plain text of a label: subscripts as Unicode where they exist (θ_3 → θ₃), else as written."""
    m = _SYMBOL.match(label)
    if m and m.group(2).isdigit():
        return m.group(1) + m.group(2).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    return label


def label_tex(label: str) -> str | None:
    """LaTeX for a symbol-like label (``θ_T`` → ``\\theta_{T}``), or ``None`` for words."""
    m = _SYMBOL.match(label.translate(_SUB))
    if not m:
        return None
    base, sub = m.groups()
    base = "\\" + _GREEK[base] if base in _GREEK else base
    sub = f"\\text{{{sub}}}" if len(sub) > 1 and sub.isalpha() else sub
    return f"{base}_{{{sub}}}"
