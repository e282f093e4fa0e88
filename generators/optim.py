"""Optimization: Adam/AdamW steps by hand, natural gradients, and the batched gradient of a linear
regression loss. Example::

    quizgen show optim.adam_step --param theta0=1 --param grads=[5] --param lr=1e-3
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from quizgen.checking import assert_close
from quizgen.errors import DrawError, ParamError
from quizgen.generator import Generator, Params
from quizgen.gentools import as_number, memo, scaled_decimals
from quizgen.gentools import exact_decimal as _dec
from quizgen.gentools import keep_wrong as _keep_wrong
from quizgen.model import Answer, Distractor, Value, sig_half_unit
from quizgen.params import Param
from quizgen.precision import absolute
from quizgen.render.numbers import plain, tex
from quizgen.rng import Rng


def _num(x: float | Fraction, sig: int = 4) -> str:
    """A number for display inside math: integral values without a decimal point."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return tex(int(x))
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return tex(int(x))
    return tex(x, sig)


def _factor(x: float | Fraction, sig: int = 4) -> str:
    """``_num`` in parentheses when negative, for use as a factor in a product."""
    text = _num(x, sig)
    return f"\\left({text}\\right)" if x < 0 else text


def _vec(xs: Sequence[float | Fraction], sig: int = 4) -> str:
    """A vector as a tuple (reads the same on cards and in the terminal)."""
    return "(" + ", ".join(_num(x, sig) for x in xs) + ")"


# -- Adam -----------------------------------------------------------------------------------------
_ADAM: dict[str, Any] = {}
_ADAM_ANSWERS: dict[str, Any] = {}
"""AdamStep.solve by params."""
_ADAM_DISTRACTORS: dict[str, Any] = {}
"""AdamStep.distractors by params, with the answer they were made for."""


def _adam(p: Params, *, bias_correction: bool = True,
          decoupled: bool | None = None) -> tuple[Decimal, list[dict[str, Decimal]]]:
    """Δθ after the steps (to 40 digits) and a per-step trace; the increments are summed
    separately from θ so that a small Δθ keeps its digits. Once per params and options (draw,
    solve, render and distractors all ask); the caller gets its own trace."""
    dec = p["decoupled"] if decoupled is None else decoupled
    key = repr((p["theta0"], p["lr"], p["beta1"], p["beta2"], p["eps"], p["weight_decay"], p["grads"], dec,
                bias_correction))
    delta, trace = memo(_ADAM, key, lambda: _adam_steps(p, bias_correction, dec))
    return delta, [dict(step) for step in trace]


def _adam_delta(p: Params, *, bias_correction: bool = True, decoupled: bool | None = None) -> Decimal:
    """Δθ of _adam, without copying its trace."""
    dec = p["decoupled"] if decoupled is None else decoupled
    key = repr((p["theta0"], p["lr"], p["beta1"], p["beta2"], p["eps"], p["weight_decay"], p["grads"], dec,
                bias_correction))
    delta: Decimal = memo(_ADAM, key, lambda: _adam_steps(p, bias_correction, dec))[0]
    return delta


def _adam_steps(p: Params, bias_correction: bool, dec: bool) -> tuple[Decimal, list[dict[str, Decimal]]]:
    with localcontext() as ctx:
        ctx.prec = 40
        theta0 = Decimal(p["theta0"])
        lr, b1, b2 = Decimal(p["lr"]), Decimal(p["beta1"]), Decimal(p["beta2"])
        eps, wd = Decimal(p["eps"]), Decimal(p["weight_decay"])
        # The constant subexpressions once (each rounds to 40 digits the same way every time), the
        # rest in the order written: -lr * wd * theta is (-lr · wd) · theta, (1 - b2) * g * g is
        # ((1 - b2) · g) · g, -lr * m_hat / (…) is ((-lr) · m_hat) / (…).
        neg_lr = -lr
        neg_lr_wd = neg_lr * wd
        one_b1, one_b2 = 1 - b1, 1 - b2
        zero = Decimal(0)
        m = v = delta = zero
        trace = []
        for t, g_raw in enumerate(p["grads"], start=1):
            theta = theta0 + delta
            g = Decimal(g_raw)
            decay = zero
            if dec:
                decay = neg_lr_wd * theta
            else:
                g = g + wd * theta
            m = b1 * m + one_b1 * g
            v = b2 * v + one_b2 * g * g
            m_hat = m / (1 - b1**t) if bias_correction else m
            v_hat = v / (1 - b2**t) if bias_correction else v
            change = decay + neg_lr * m_hat / (v_hat.sqrt() + eps)
            delta += change
            trace.append({"g": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "step": change})
        return +delta, trace


class AdamStep(Generator):
    """θ after a few Adam or AdamW steps on a scalar, with bias correction and weight decay.

    Example: ``quizgen show optim.adam_step --param theta0=1 --param grads=[5] --param lr=1e-3``
    """

    id = "optim.adam_step"
    version = 3
    title = "What is θ after these Adam/AdamW steps?"
    tags = ("adam", "optimizer")
    params = (
        Param("theta0", "float", "starting value θ₀", lo=-2, hi=2),
        Param("grads", "floats", "gradients g₁…g_T, one per step", lo=-5, hi=5, len_lo=1, len_hi=5, min_len=1,
              max_len=50),
        Param("lr", "float", "learning rate", lo=1e-4, hi=0.1, min=0, min_open=True),
        Param("beta1", "float", "first-moment decay β₁", lo=0.9, hi=0.9, min=0, max=1),
        Param("beta2", "float", "second-moment decay β₂ (drawn from 0.999, 0.95)", lo=0.95, hi=0.999, min=0, max=1),
        Param("eps", "float", "ε added to √v̂", lo=1e-8, hi=1e-8, min=0, min_open=True),
        Param("weight_decay", "float", "weight decay λ", lo=0, hi=0.1, min=0),
        Param("decoupled", "bool", "true: AdamW (decoupled decay); false: Adam with L2 added to the gradient"),
        Param("steps", "int", "the number of steps T (follows from grads when grads is given)", lo=1, hi=5, min=1,
              max=50, optional=True),
    )
    # Versions of one exam question keep the optimizer and the number of steps (the answer asks for θ_T).
    form = ("decoupled", "steps")

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        if "grads" in fixed:
            fixed = {**fixed, "steps": len(fixed["grads"])}
        for _ in range(200):
            n = rng.integer(1, 5)
            n = fixed.get("steps", n)
            grads = [self._grad(rng) for _ in range(n)]
            p = {"theta0": rng.nice_uniform(-2, 2, 1), "grads": grads,
                 "lr": rng.choice([1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1]) if rng.bernoulli(0.7)
                 else rng.nice(1e-4, 0.1, 1),
                 "beta1": 0.9, "beta2": rng.choice([0.999, 0.95]), "eps": 1e-8,
                 "weight_decay": 0.0 if rng.bernoulli(0.4) else rng.choice([0.01, 0.05, 0.1]),
                 "decoupled": rng.bernoulli(0.5), "steps": n}
            p.update(fixed)
            try:
                # no near-cancelling steps, and every misconception visibly wrong at 3 s.f. (|g| = 1 makes SGD's
                # −η·g equal to Adam's step)
                if abs(_adam_delta(p)) >= Decimal("0.05") * Decimal(p["lr"]) and \
                        len(self.distractors(p, self.solve(p))) == (3 if p["weight_decay"] else 2):
                    return p
            except ArithmeticError:  # the user's β = 1 and the like: validate() explains
                return p
        if set(fixed) - set(self.form):
            return p  # the user's numbers: validate() judges them
        raise DrawError(f"{self.id}: no draw with a clear net step")

    @staticmethod
    def _grad(rng: Rng) -> float:
        g = 0.0
        while abs(g) < 0.1:
            g = rng.nice_uniform(-5, 5, 1)
        return g

    def validate(self, p: Params) -> None:
        if p.get("steps", len(p["grads"])) != len(p["grads"]):
            raise ParamError(f"steps must be the number of grads, {len(p['grads'])} (got steps={p['steps']}); "
                             "drop steps or give that many grads")
        for name in ("beta1", "beta2"):
            if not 0 <= p[name] < 1:
                raise ParamError(f"{name} must be in [0, 1) (got {p[name]}); e.g. {name}=0.9")
        delta, trace = _adam(p)
        shown = [abs(v) for r in trace for v in r.values()]  # every number the worked solution prints
        if not abs(delta) < Decimal("1e300") or not abs(Decimal(p["theta0"]) + delta) < Decimal("1e300") \
                or not max(shown) < Decimal("1e300"):
            raise ParamError("theta0, grads and weight_decay give numbers beyond 1e300 (θ, or the moments m, v); "
                             "use smaller values")

    @staticmethod
    def _key(p: Params) -> str:
        return repr((p["theta0"], p["lr"], p["beta1"], p["beta2"], p["eps"], p["weight_decay"], p["grads"],
                     p["decoupled"]))

    def solve(self, p: Params) -> list[Answer]:
        """Once per params: the draw asks to test a candidate, then the problem asks again."""
        return list(memo(_ADAM_ANSWERS, self._key(p), lambda: tuple(self._solve(p))))

    def _solve(self, p: Params) -> list[Answer]:
        delta = _adam_delta(p)
        theta_t = Decimal(p["theta0"]) + delta
        # θ_T is graded as precisely as Δθ (half a unit of Δθ's 3rd significant figure), not to 3 figures of
        # θ_T: a step of 1e-3 from θ₀ = 1 vanishes in θ_T's 3rd figure, so that would accept "no step at all".
        theta_tol = absolute(sig_half_unit(float(delta), 3), why="as precise as the step Δθ (3 significant "
                             "figures of Δθ): 3 figures of θ_T would accept θ₀ itself, no step at all")
        t = len(p["grads"])
        return [Answer("Δθ", float(delta)), Answer(f"θ_{t}", float(theta_t), None, theta_tol)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        grads, wd, dec = p["grads"], p["weight_decay"], p["decoupled"]
        name = "AdamW" if dec else "Adam"
        if wd == 0:
            decay_q = "no weight decay"
        elif dec:
            decay_q = (f"decoupled weight decay \\(\\lambda = {_num(wd)}\\) (AdamW: "
                       "\\(\\theta \\leftarrow \\theta - \\eta\\lambda\\theta\\) before each Adam step)")
        else:
            decay_q = (f"L2 weight decay \\(\\lambda = {_num(wd)}\\) added to the gradient "
                       "(\\(g \\leftarrow g + \\lambda\\theta\\), as in torch.optim.Adam)")
        gs = ", ".join(_num(g) for g in grads)
        big_t = len(grads)
        q = (f"A scalar parameter starts at \\(\\theta_0 = {_num(p['theta0'])}\\). {name} with learning rate "
             f"\\(\\eta = {_num(p['lr'])}\\), \\(\\beta_1 = {_num(p['beta1'])}\\), "
             f"\\(\\beta_2 = {_num(p['beta2'])}\\), "
             f"\\(\\epsilon = {_num(p['eps'])}\\) and {decay_q} takes {big_t} step{'s' if big_t > 1 else ''} with "
             f"gradient{'s' if big_t > 1 else ''} \\(g = {gs}\\) (moments start at 0, bias correction on). "
             f"What is \\(\\Delta\\theta = \\theta_{{{big_t}}} - \\theta_0\\)? Part 2: \\(\\theta_{{{big_t}}}\\).")
        _, trace = _adam(p)
        rows = []
        for t, r in enumerate(trace, start=1):
            rows.append(f"- \\(t = {t}\\): \\(g = {_num(float(r['g']), 6)}\\), \\(m = {_num(float(r['m']))}\\), "
                        f"\\(v = {_num(float(r['v']))}\\), \\(\\hat{{m}} = {_num(float(r['m_hat']))}\\), "
                        f"\\(\\hat{{v}} = {_num(float(r['v_hat']))}\\), step \\({_num(float(r['step']), 6)}\\)")
        l2 = " (with \\(g_t\\) including \\(\\lambda\\theta_{t-1}\\))" if wd and not dec else ""
        wd_s = " plus the decay \\(-\\eta\\lambda\\theta_{t-1}\\)" if wd and dec else ""
        s = ("Adam keeps running averages of the gradient and its square, "
             "\\(m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t\\) and \\(v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2\\)"
             f"{l2}, corrects their bias toward the zero start, \\(\\hat{{m}}_t = m_t/(1-\\beta_1^t)\\), "
             "\\(\\hat{v}_t = v_t/(1-\\beta_2^t)\\), and steps by "
             f"\\(-\\eta\\,\\hat{{m}}_t/(\\sqrt{{\\hat{{v}}_t}} + \\epsilon)\\){wd_s}.\n\n" + "\n".join(rows) +
             f"\n\nSumming the steps: \\[\\Delta\\theta = {tex(answers[0].value, 6)}, \\quad "
             f"\\theta_{{{big_t}}} = {tex(answers[1].value, 12)}\\] "
             "Intuition: the step size is about \\(\\eta\\) whatever the gradient's scale, because "
             "\\(\\hat{m}/\\sqrt{\\hat{v}}\\) is scale-free (the first step is exactly \\(\\pm\\eta\\) up to "
             "\\(\\epsilon\\)); only a gradient near \\(\\epsilon\\) gets a smaller step.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        """Once per params and answers (the draw tests a candidate's, then the problem asks again)."""
        head, ds = memo(_ADAM_DISTRACTORS, self._key(p), lambda: (answers[0], tuple(self._distractors(p, answers))))
        return list(ds) if head == answers[0] else self._distractors(p, answers)

    def _distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        first = (1 - p["beta1"]) / math.sqrt(1 - p["beta2"]) if p["beta2"] < 1 else math.inf
        ds = [Distractor(float(_adam_delta(p, bias_correction=False)),
                         "skips the bias correction: the zero-started moments are biased toward 0 (the first step "
                         f"becomes (1−β₁)/√(1−β₂)·η ≈ {plain(first, 3)}η)"),
              Distractor(-p["lr"] * math.fsum(p["grads"]), "takes SGD steps −η·g instead of Adam's normalized steps")]
        if p["weight_decay"]:
            why = ("treats AdamW's decoupled decay as L2 added to the gradient" if p["decoupled"]
                   else "treats the L2 penalty as decoupled (AdamW) weight decay")
            ds.append(Distractor(float(_adam_delta(p, decoupled=not p["decoupled"])), why))
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        theta = torch.tensor(float(p["theta0"]), dtype=torch.float64, requires_grad=True)
        cls = torch.optim.AdamW if p["decoupled"] else torch.optim.Adam
        opt = cls([theta], lr=p["lr"], betas=(p["beta1"], p["beta2"]), eps=p["eps"],
                  weight_decay=p["weight_decay"], foreach=False)
        for g in p["grads"]:
            theta.grad = torch.tensor(float(g), dtype=torch.float64)
            opt.step()
        theta_t = theta.item()
        slack = 1e-15 * (abs(p["theta0"]) + abs(theta_t)) * len(p["grads"])
        assert_close(f"torch.optim.{cls.__name__} Δθ", answers[0].value, theta_t - p["theta0"], rtol=1e-8,
                     atol=4 * slack)
        assert_close(f"torch.optim.{cls.__name__} θ_T", answers[1].value, theta_t, rtol=1e-12, atol=4 * slack)


# -- natural gradient -----------------------------------------------------------------------------
FAMILIES = {"bernoulli_p": ("p",), "bernoulli_logit": ("logit",), "gaussian_mu_sigma": ("mu", "sigma")}
_FAMILY_PARAMS = ("p", "logit", "mu", "sigma")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class NaturalGradient(Generator):
    """The natural gradient F⁻¹g for a Bernoulli (probability or logit) or a Gaussian (μ, σ).

    Example: ``quizgen show optim.natural_gradient --param family=bernoulli_p --param p=0.2 --param grad=[1]``
    """

    id = "optim.natural_gradient"
    version = 2
    form = ("family",)
    title = "What is the natural gradient F⁻¹g?"
    tags = ("natural-gradient", "fisher")
    params = (
        Param("family", "str", "the model and its parameterization", choices=tuple(FAMILIES)),
        Param("p", "float", "Bernoulli probability (bernoulli_p)", lo=0.05, hi=0.95, min=0, max=1, min_open=True,
              optional=True),
        Param("logit", "float", "Bernoulli logit η, p = σ(η) (bernoulli_logit)", lo=-3, hi=3, min=-700, max=700,
              optional=True),
        Param("mu", "float", "Gaussian mean (gaussian_mu_sigma)", lo=-3, hi=3, optional=True),
        Param("sigma", "float", "Gaussian standard deviation (gaussian_mu_sigma)", lo=0.2, hi=3, min=0,
              min_open=True, optional=True),
        Param("grad", "floats", "gradient of the loss w.r.t. the parameters (1 value; 2 for the Gaussian: μ, σ)",
              lo=-2, hi=2, len_lo=1, len_hi=2, min_len=1, max_len=2),
    )

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        family = fixed.get("family")
        if family is None:
            given = [f for f, names in FAMILIES.items() if any(n in fixed for n in names)]
            if not given and "grad" in fixed:
                given = ["gaussian_mu_sigma"] if len(fixed["grad"]) == 2 else ["bernoulli_p", "bernoulli_logit"]
            family = rng.choice(given or list(FAMILIES))
        out: Params = {"family": family}
        if family == "bernoulli_p":
            out["p"] = rng.nice_uniform(0.05, 0.95, 2)
        elif family == "bernoulli_logit":
            out["logit"] = rng.nice_uniform(-3, 3, 1)
        else:
            out["mu"] = rng.nice_uniform(-3, 3, 1)
            out["sigma"] = rng.nice_uniform(0.2, 3, 1)
        out["grad"] = [self._grad(rng) for _ in FAMILIES[family]]
        return out

    @staticmethod
    def _grad(rng: Rng) -> float:
        g = 0.0
        while abs(g) < 0.1:
            g = rng.nice_uniform(-2, 2, 1)
        return g

    def validate(self, p: Params) -> None:
        family = p["family"]
        names = FAMILIES[family]
        extra = [n for n in _FAMILY_PARAMS if n in p and n not in names]
        if extra:
            owner = next(f for f, ns in FAMILIES.items() if extra[0] in ns)
            raise ParamError(f"family={family} takes {', '.join(names)}, not {', '.join(extra)}; drop "
                             f"{', '.join(extra)} or set family={owner}")
        if len(p["grad"]) != len(names):
            raise ParamError(f"grad must have {len(names)} value{'s' if len(names) > 1 else ''} for family={family} "
                             f"(one per parameter: {', '.join(names)}) (got {p['grad']})")
        if family == "bernoulli_p" and not 0 < p["p"] < 1:
            raise ParamError(f"p must be in (0, 1) (got {p['p']}); the Fisher information 1/(p(1−p)) is infinite "
                             "at 0 and 1")
        if not all(v == 0 or 1e-300 < abs(v) < 1e300 for v in self._natural(p)):
            raise ParamError("the natural gradient comes out beyond the range 1e-300 to 1e300 for these values; "
                             "use a less extreme grad, p, logit or sigma")

    def _fisher(self, p: Params) -> list[Fraction] | list[float]:
        """The diagonal of F (closed forms)."""
        family = p["family"]
        if family == "bernoulli_p":
            q = _dec(p["p"])
            return [1 / (q * (1 - q))]
        if family == "bernoulli_logit":
            e = math.exp(-abs(p["logit"]))  # σ(η)(1−σ(η)) without cancellation for large |η|
            return [e / (1 + e) ** 2]
        var = _dec(p["sigma"]) ** 2
        return [1 / var, 2 / var]

    def _natural(self, p: Params) -> list[Fraction] | list[float]:
        fisher = self._fisher(p)
        if isinstance(fisher[0], Fraction):
            return [_dec(g) / f for g, f in zip(p["grad"], fisher, strict=True)]
        return [g / f if f else math.inf for g, f in zip(p["grad"], fisher, strict=True)]

    def solve(self, p: Params) -> list[Answer]:
        nat = [float(v) for v in self._natural(p)]
        value: Value = nat[0] if len(nat) == 1 else nat
        return [Answer("natural gradient", value)]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        family, g = p["family"], p["grad"]
        v = answers[0].value
        if family == "bernoulli_p":
            q = p["p"]
            f = self._fisher(p)[0]
            model = f"\\(x \\sim \\text{{Bernoulli}}(p)\\) with \\(p = {_num(q)}\\)"
            grad_q = f"\\(\\partial L/\\partial p = {_num(g[0])}\\)"
            s = ("The score is \\(\\partial_p \\log P(x) = x/p - (1-x)/(1-p)\\), so "
                 "\\[F = p \\cdot \\frac{1}{p^2} + (1-p) \\cdot \\frac{1}{(1-p)^2} = \\frac{1}{p(1-p)} = "
                 f"\\frac{{1}}{{{_num(q)} \\times {_num(1 - Fraction(q))}}} = {_num(f)}\\] "
                 f"\\[F^{{-1}} g = p(1-p)\\, g = {_num(Fraction(q) * (1 - Fraction(q)))} \\times {_factor(g[0])} = "
                 f"{tex(v)}\\] Intuition: near \\(p = 0\\) or \\(1\\) a small change of \\(p\\) changes the "
                 "distribution a lot (F is large), so the natural gradient takes a smaller step there.")
        elif family == "bernoulli_logit":
            eta = p["logit"]
            sg, fl = _sigmoid(eta), float(self._fisher(p)[0])
            model = f"\\(x \\sim \\text{{Bernoulli}}(\\sigma(\\eta))\\) with logit \\(\\eta = {_num(eta)}\\)"
            grad_q = f"\\(\\partial L/\\partial \\eta = {_num(g[0])}\\)"
            s = ("The score is \\(\\partial_\\eta \\log P(x) = x - \\sigma(\\eta)\\), so "
                 "\\[F = \\operatorname{Var}(x) = \\sigma(\\eta)(1-\\sigma(\\eta)) = "
                 f"{_num(sg)} \\times {_num(1 - sg)} = {_num(fl)}\\] "
                 f"\\[F^{{-1}} g = \\frac{{{_num(g[0])}}}{{{_num(fl)}}} = {tex(v)}\\] "
                 "Intuition: this is the same step in distribution space as in the \\(p\\) parameterization: "
                 "the natural gradient does not depend on how the model is parameterized, while plain "
                 "gradient descent does.")
        else:
            mu, sd = p["mu"], p["sigma"]
            model = (f"\\(x \\sim \\text{{Normal}}(\\mu, \\sigma^2)\\) with \\(\\mu = {_num(mu)}\\), "
                     f"\\(\\sigma = {_num(sd)}\\)")
            grad_q = (f"\\((\\partial L/\\partial \\mu, \\partial L/\\partial \\sigma) = ({_num(g[0])}, "
                      f"{_num(g[1])})\\)")
            var = Fraction(sd) ** 2
            s = ("The scores are \\(\\partial_\\mu \\log p = (x-\\mu)/\\sigma^2\\) and "
                 "\\(\\partial_\\sigma \\log p = ((x-\\mu)^2 - \\sigma^2)/\\sigma^3\\); their expected products give "
                 "\\(F = \\operatorname{diag}(1/\\sigma^2, 2/\\sigma^2)\\) (the cross term has odd moments, so 0). "
                 f"With \\(\\sigma^2 = {_num(var)}\\): \\[F^{{-1}} g = "
                 f"\\left(\\sigma^2 g_\\mu, \\frac{{\\sigma^2}}{{2}} g_\\sigma\\right) = "
                 f"({_num(var)} \\times {_factor(g[0])}, {_num(var / 2)} \\times {_factor(g[1])}) = "
                 f"({tex(answers[0].values[0])}, {tex(answers[0].values[1])})\\] "
                 "Intuition: a wide Gaussian barely changes when \\(\\mu\\) moves, so the natural gradient "
                 "moves \\(\\mu\\) further (scaled by \\(\\sigma^2\\)).")
        q = (f"The model is {model}. The loss has gradient {grad_q} with respect to the "
             f"parameter{'s' if family.startswith('gauss') else ''}. What is the natural gradient \\(F^{{-1}} g\\), "
             "with \\(F\\) the Fisher information of the model in this parameterization"
             f"{' (give both components, μ first)' if family.startswith('gauss') else ''}?")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        fisher = self._fisher(p)
        try:
            fg = [float(_dec(g) * f) if isinstance(f, Fraction) else g * f for g, f in zip(p["grad"], fisher,
                                                                                               strict=True)]
        except OverflowError:  # F·g beyond float range (a tiny σ): no such distractor
            fg = [math.inf]
        plain_g = [float(g) for g in p["grad"]]

        def shape(xs: list[float]) -> Value:
            return xs[0] if len(xs) == 1 else xs

        ds = [Distractor(shape(plain_g), "returns the plain gradient g, ignoring the geometry")]
        if all(math.isfinite(v) and abs(v) < 1e300 for v in fg):
            ds.insert(0, Distractor(shape(fg), "multiplies by F instead of solving with it (F·g, not F⁻¹g)"))
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import numpy as np
        import torch
        from torch.distributions import Bernoulli, Normal

        family = p["family"]
        if family.startswith("bernoulli"):
            theta = torch.tensor(float(p["p"] if family == "bernoulli_p" else p["logit"]), dtype=torch.float64,
                                 requires_grad=True)
            fisher = 0.0
            for x in (0.0, 1.0):  # enumerate the outcomes
                dist = Bernoulli(probs=theta) if family == "bernoulli_p" else Bernoulli(logits=theta)
                logp = dist.log_prob(torch.tensor(x, dtype=torch.float64))
                (score,) = torch.autograd.grad(logp, theta)
                fisher += math.exp(logp.item()) * score.item() ** 2
            want: list[float] = [p["grad"][0] / fisher]
        else:
            # Gauss–Hermite quadrature is exact here: the score products are polynomials of degree 4.
            z, w = np.polynomial.hermite_e.hermegauss(8)
            x = torch.tensor(p["mu"] + p["sigma"] * z, dtype=torch.float64)
            theta = torch.tensor([p["mu"], p["sigma"]], dtype=torch.float64)
            scores = torch.autograd.functional.jacobian(lambda t: Normal(t[0], t[1]).log_prob(x), theta).numpy()
            fisher_m = (scores.T * (w / w.sum())) @ scores
            want = [float(v) for v in np.linalg.solve(fisher_m, np.array(p["grad"], dtype=float))]
        assert_close("F⁻¹g with F from autograd scores", answers[0].value, want, rtol=1e-9, atol=1e-12)


# -- linear regression gradient -------------------------------------------------------------------
_XTR: dict[str, Any] = {}
"""LinregGradient._parts by params."""


def _residual_xtr(x: Sequence[Sequence[int | float]], w: Sequence[int | float],
                  y: Sequence[int | float]) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """r = Xw − y and Xᵀr in the exact decimals of the entries, by integer arithmetic over common
    denominators: with X = A/dx, w = b/dw, y = c/dy (A, b, c integers), r = R/(dx·dw·dy) for
    R = dy·Ab − dx·dw·c, and Xᵀr = AᵀR/(dx²·dw·dy). A Fraction is reduced on construction, so these
    are the Fractions that the sums of Fraction products give."""
    n, d = len(x), len(x[0])
    dx, flat = scaled_decimals([v for row in x for v in row])
    entries = iter(flat)
    a = [[next(entries) for _ in row] for row in x]
    dw, b = scaled_decimals(w)
    dy, c = scaled_decimals(y)
    big_r = [dy * sum(aij * bj for aij, bj in zip(row, b, strict=True)) - dx * dw * ci
             for row, ci in zip(a, c, strict=True)]
    den_r = dx * dw * dy
    r = tuple(Fraction(ri, den_r) for ri in big_r)
    xtr = tuple(Fraction(sum(a[i][j] * big_r[i] for i in range(n)), dx * den_r) for j in range(d))
    return r, xtr


class LinregGradient(Generator):
    """The gradient of the mean squared error of a linear model over a batch: (2/n)Xᵀ(Xw − y).

    Example: ``quizgen show optim.linreg_gradient --param X=[[1,2],[3,4]] --param w=[1,-1] --param y=[0,1]``
    """

    id = "optim.linreg_gradient"
    version = 2
    title = "What is ∇w of the MSE (chain rule, batched)?"
    tags = ("gradient", "chain-rule", "regression")
    params = (
        Param("X", "matrix", "inputs, one row per example (n×d)", lo=-3, hi=3, len_lo=1, len_hi=5, min_len=1,
              max_len=20),
        Param("w", "floats", "weights (length d)", lo=-2, hi=2, len_lo=1, len_hi=3, min_len=1, max_len=20),
        Param("y", "floats", "targets (length n)", lo=-5, hi=5, len_lo=1, len_hi=5, min_len=1, max_len=20),
        Param("d", "int", "the number of weights, the length of ∇w (follows from X or w when given)", lo=1, hi=3,
              min=1, max=20, optional=True),
    )
    form = ("d",)  # versions of one question ask for a gradient of the same length

    def draw(self, rng: Rng, fixed: Mapping[str, Any]) -> Params:
        for _ in range(200):
            x = fixed.get("X")
            if x is None:
                n = len(fixed["y"]) if "y" in fixed else rng.integer(1, 5)
                d = len(fixed["w"]) if "w" in fixed else fixed.get("d") or rng.integer(1, 3)
                x = [[rng.integer(-3, 3) for _ in range(d)] for _ in range(n)]
            n, d = len(x), len(x[0])
            p = {"X": x, "w": [rng.nice_uniform(-2, 2, 1) for _ in range(d)],
                 "y": [rng.integer(-5, 5) for _ in range(n)]}
            p.update(fixed)
            p["d"] = fixed.get("d", d)
            if len(p["w"]) != d or len(p["y"]) != n:
                return p  # validate() explains
            zero_col = any(all(r[j] == 0 for r in p["X"]) for j in range(d))
            if not zero_col and any(s != 0 for s in self._parts(p)[1]):  # the gradient is (2/n)·Xᵀr
                return p
        if fixed:
            return p  # the user's numbers: validate() judges them
        raise DrawError(f"{self.id}: no draw with a non-zero gradient")

    def validate(self, p: Params) -> None:
        n, d = len(p["X"]), len(p["X"][0])
        if p.get("d", d) != d:
            raise ParamError(f"d must be the number of columns of X, {d} (got d={p['d']}); drop d or give X "
                             "that many columns")
        if len(p["w"]) != d:
            raise ParamError(f"w must have one weight per column of X ({d}) (got {len(p['w'])} values)")
        if len(p["y"]) != n:
            raise ParamError(f"y must have one target per row of X ({n}) (got {len(p['y'])} values)")
        if any(abs(g) > 1e300 for g in self._grad(p)):
            raise ParamError("the gradient overflows for these values; use smaller entries in X, w and y")

    @staticmethod
    def _residual(p: Params) -> list[Fraction]:
        # exact decimals (0.1 as 1/10): a gradient that is exactly 0 comes out 0, not float residue
        return list(LinregGradient._parts(p)[0])

    def _grad(self, p: Params, scale: Fraction | None = None) -> list[Fraction]:
        xtr = self._parts(p)[1]
        k = Fraction(2, len(p["X"])) if scale is None else scale
        return [k * s for s in xtr]

    @staticmethod
    def _parts(p: Params) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        """The residual r = Xw − y and Xᵀr, exact (every scaled gradient is a multiple of Xᵀr);
        computed once per params (draw, solve, render and distractors all ask)."""
        return memo(_XTR, repr((p["X"], p["w"], p["y"])), lambda: _residual_xtr(p["X"], p["w"], p["y"]))

    def solve(self, p: Params) -> list[Answer]:
        return [Answer("∇w", [as_number(g) for g in self._grad(p)])]

    def render(self, p: Params, answers: list[Answer]) -> tuple[str, str]:
        x, w, y = p["X"], p["w"], p["y"]
        n = len(x)
        r = self._residual(p)
        xtr = self._grad(p, Fraction(1))
        rows = ", ".join(f"\\(x_{{{i}}} = {_vec(r)}\\)" for i, r in enumerate(x, start=1))
        q = (f"A linear model \\(\\hat{{y}}_i = x_i^\\top w\\) is fit with the mean squared error "
             "\\(L(w) = \\frac{1}{n} \\sum_{i=1}^{n} (x_i^\\top w - y_i)^2\\) over a batch of "
             f"\\(n = {n}\\) example{'s' if n > 1 else ''} with inputs {rows} (the rows of \\(X\\)), targets "
             f"\\(y = {_vec(y)}\\) and weights \\(w = {_vec(w)}\\). What is the gradient \\(\\nabla_w L\\) "
             "(a vector, one entry per weight)?")
        s = ("By the chain rule, each squared residual \\(r_i^2\\) with \\(r_i = x_i^\\top w - y_i\\) contributes "
             "\\(2 r_i x_i\\), and the mean divides by \\(n\\): \\(\\nabla_w L = \\frac{2}{n} X^\\top (Xw - y)\\). "
             f"Residuals: \\[r = Xw - y = {_vec(r)}, \\quad X^\\top r = {_vec(xtr)}\\] "
             f"\\[\\nabla_w L = \\frac{{2}}{{{n}}} X^\\top r = {_vec([float(v) for v in answers[0].values])}\\] "
             "Intuition: the gradient is the residual-weighted average of the inputs; each example pulls "
             "\\(w\\) in proportion to how wrong it is.")
        return q, s

    def distractors(self, p: Params, answers: list[Answer]) -> list[Distractor]:
        n = len(p["X"])
        g = self._grad(p)
        ds = [Distractor([float(v) for v in self._grad(p, Fraction(1, n))],
                         "drops the 2 from differentiating the square"),
              Distractor([float(v) for v in self._grad(p, Fraction(2))],
                         "drops the 1/n: sums over the batch instead of averaging"),
              Distractor([float(-v) for v in g], "flips the sign: the residual is Xw − y, not y − Xw")]
        return _keep_wrong(answers[0], ds)

    def check(self, p: Params, answers: list[Answer]) -> None:
        import torch

        x = torch.tensor(p["X"], dtype=torch.float64)
        y = torch.tensor(p["y"], dtype=torch.float64)
        w = torch.tensor(p["w"], dtype=torch.float64, requires_grad=True)
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        assert w.grad is not None
        assert_close("torch.autograd ∇w of the MSE", answers[0].value, w.grad.tolist(), rtol=1e-9, atol=1e-12)
