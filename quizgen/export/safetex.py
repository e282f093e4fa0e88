"""Math that may reach LaTeX and Typst: an allowlist of TeX commands, nothing else.

Every formula a printed exam holds (from a generator, from a ``--param`` string, or from the spec's
``[quiz] instructions``) passes :func:`check_math` before it is written into a ``.tex`` file or
converted for Typst. Prose never needs this: LaTeX prose is escaped and Typst prose is data.
Without the check, ``\\(\\operatorname{\\input /etc/passwd }\\)`` put a file into the PDF and
``\\(\\text{x" #read("exam.typ") "y}\\)`` ran Typst code. Example::

    check_math(r"\\frac{a}{b} \\times 10^{3}", "[quiz] instructions")     # fine
    check_math(r"\\input{/etc/passwd}", "[quiz] instructions")            # FormulaError
"""

from __future__ import annotations

import re

from quizgen.errors import FormulaError

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
         "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
         "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split()
ALLOWED_COMMANDS = frozenset(GREEK + """
    frac dfrac tfrac binom sqrt cdot times div pm mp ast star circ bullet odot otimes oplus
    le leq ge geq ne neq lt gt approx sim simeq cong equiv propto ll gg
    infty sum prod int oint partial nabla log ln exp sin cos tan sinh cosh tanh arcsin arccos arctan
    min max sup inf arg argmax argmin det lim limits nolimits operatorname
    mathrm mathbf mathit mathsf mathtt mathbb mathcal mathfrak boldsymbol bm text textrm textbf textit
    texttt hat widehat bar overline underline tilde widetilde vec dot ddot check breve acute grave
    left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr
    lceil rceil lfloor rfloor langle rangle lVert rVert lvert rvert vert Vert mid parallel
    to rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow iff implies mapsto
    uparrow downarrow
    in notin ni subset subseteq supset supseteq cup cap setminus emptyset varnothing forall exists neg
    land lor wedge vee top bot perp intercal dagger prime ell hbar Re Im aleph
    ldots cdots vdots ddots dots quad qquad
    begin end underbrace overbrace stackrel overset underset not displaystyle textstyle
""".split())
"""Commands a formula may use. Spacing and escapes (``\\,`` ``\\;`` ``\\{`` ``\\%`` ``\\\\``) are allowed too."""

ALLOWED_ENVIRONMENTS = frozenset({"pmatrix", "bmatrix", "vmatrix", "Bmatrix", "matrix", "cases", "aligned",
                                  "array", "smallmatrix"})

_COMMAND = re.compile(r"\\([A-Za-z]+)")
_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
_FORBIDDEN = {
    "#": "a '#' (Typst code and TeX parameters)",
    '"': 'a \'"\' (it would end a Typst string)',
    "%": "a bare '%' (a TeX comment; write \\% for a percent sign)",
    "$": "a '$' (math is already open)",
    "^^": "'^^' (a TeX character code)",
    "@": "an '@' (TeX internals)",
}


def check_math(tex: str, where: str) -> None:
    """Raise :class:`FormulaError` (exit 2) unless ``tex`` uses only allowed commands and characters."""
    escaped = re.sub(r"\\[^A-Za-z]", "", tex)  # \% \# \{ \, \\ are symbols, not commands
    for bad, what in _FORBIDDEN.items():
        if bad in escaped:
            raise FormulaError(f'{where}: formula "{tex}" contains {what}; formulas may hold only math')
    for m in _COMMAND.finditer(tex):
        if m.group(1) in ALLOWED_COMMANDS or _escaped_backslash(tex, m.start()):
            continue
        raise FormulaError(f'{where}: formula "{tex}" uses \\{m.group(1)}, which printed exams do not '
                           "allow; use plain math (\\frac, \\times, Greek letters, \\text{...})")
    for m in _ENV.finditer(tex):
        if m.group(2).strip() not in ALLOWED_ENVIRONMENTS:
            raise FormulaError(f'{where}: formula "{tex}" uses the environment {m.group(2)!r}; allowed: '
                               + ", ".join(sorted(ALLOWED_ENVIRONMENTS)))


def _escaped_backslash(tex: str, pos: int) -> bool:
    """Whether the backslash at ``pos`` is the second half of ``\\\\`` (a line break), so the letters
    after it are plain letters."""
    n = 0
    while pos - 1 - n >= 0 and tex[pos - 1 - n] == "\\":
        n += 1
    return n % 2 == 1
